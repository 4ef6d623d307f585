package upstash

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rediskit/rediskit/provision"
)

// stateActive is the Database state of a database that serves requests.
const stateActive = "active"

// isActive reports whether db serves requests. A missing state counts as
// active: the documented answers always carry one, and an API that stopped
// sending it must not make rediskit wait forever.
func isActive(db *Database) bool {
	return db.State == "" || strings.EqualFold(db.State, stateActive)
}

// instanceFrom turns a database read with credentials into an Instance.
func instanceFrom(db *Database) (*provision.Instance, error) {
	u, err := connectionURL(db.Endpoint, int64(db.Port), db.Password.Reveal())
	if err != nil {
		return nil, fmt.Errorf("upstash: database %s: %w; run the command again, and if this persists check the database in the Upstash console", db.ID, err)
	}
	status := db.State
	if isActive(db) {
		status = provision.StatusReady
	}
	return &provision.Instance{ID: db.ID, Attrs: attrsOf(db), URL: u, Status: status}, nil
}

// attrsOf returns the non-secret attributes recorded in state. Nothing here
// may be a password or token.
func attrsOf(db *Database) map[string]string {
	primary := primaryRegionOf(db)
	return map[string]string{
		"database_name":  db.DisplayName(),
		"platform":       platformOf(primary),
		"region":         db.Region,
		"primary_region": primary,
		"read_regions":   joinRegions(db.ReadRegions),
		"endpoint":       hostName(db.Endpoint),
		"port":           strconv.FormatInt(int64(db.Port), 10),
		"tls":            strconv.FormatBool(bool(db.TLS)),
		"eviction":       strconv.FormatBool(bool(db.Eviction)),
		"budget":         strconv.FormatInt(int64(db.Budget), 10),
		"type":           db.Type,
		"state":          db.State,
	}
}

// primaryRegionOf is the primary region, which for a legacy regional
// database is its "region".
func primaryRegionOf(db *Database) string {
	if db.PrimaryRegion == "" && db.Region != "global" {
		return db.Region
	}
	return db.PrimaryRegion
}

// joinRegions renders a region list in a stable form for Attrs and Diff.
func joinRegions(regions []string) string {
	return strings.Join(normalizeRegions(regions), ",")
}

// splitRegions parses joinRegions' form.
func splitRegions(s string) []string {
	if s == "" {
		return nil
	}
	return normalizeRegions(strings.Split(s, ","))
}

// sameRegions compares two region lists as sets.
func sameRegions(a, b []string) bool {
	return slices.Equal(normalizeRegions(a), normalizeRegions(b))
}
