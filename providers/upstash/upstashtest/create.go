package upstashtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// createBody is CreateDatabaseRequest with both name spellings: the OpenAPI
// spec says database_name, the old docs, CLI 0.x and MCP send name.
type createBody struct {
	DatabaseName  string   `json:"database_name"`
	Name          string   `json:"name"`
	Platform      string   `json:"platform"`
	PrimaryRegion string   `json:"primary_region"`
	Region        string   `json:"region"`
	ReadRegions   []string `json:"read_regions"`
	Plan          string   `json:"plan"`
	Budget        *int     `json:"budget"`
	Eviction      bool     `json:"eviction"`
}

func (b *createBody) name() string {
	if b.DatabaseName != "" {
		return b.DatabaseName
	}
	return b.Name
}

// validate returns the 400 message for a bad request, "" for a good one.
func (b *createBody) validate() string {
	switch {
	case strings.TrimSpace(b.name()) == "":
		return "database_name is required"
	case b.Region != "" && b.Region != "global":
		return "regional db creation is deprecated"
	case b.PrimaryRegion == "":
		return "primary_region is required"
	case platformOf(b.PrimaryRegion) == "":
		return fmt.Sprintf("invalid primary region: %s", b.PrimaryRegion)
	case b.Platform != "" && b.Platform != "aws" && b.Platform != "gcp":
		return fmt.Sprintf("invalid platform: %s", b.Platform)
	case b.Platform != "" && b.Platform != platformOf(b.PrimaryRegion):
		return fmt.Sprintf("primary region %s is not on platform %s", b.PrimaryRegion, b.Platform)
	case b.Plan != "" && !slices.Contains(plans, b.Plan):
		return fmt.Sprintf("invalid plan: %s", b.Plan)
	case b.Budget != nil && *b.Budget < 0:
		return "budget must be a non-negative integer"
	}
	return checkReadRegions(b.ReadRegions, b.PrimaryRegion)
}

func checkReadRegions(regions []string, primary string) string {
	for _, r := range regions {
		switch {
		case r == primary:
			return fmt.Sprintf("Primary region '%s' can not be in the list of read regions.", r)
		case !validReadRegion(r):
			return fmt.Sprintf("invalid read region: %s", r)
		}
	}
	return ""
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	var body createBody
	if !decodeBody(w, r, &body) {
		return
	}
	if msg := body.validate(); msg != "" {
		writeError(w, http.StatusBadRequest, ShapeString, msg)
		return
	}
	db, err := s.newDatabase(&body, time.Time{})
	if err != nil {
		writeError(w, http.StatusInternalServerError, ShapeError, err.Error())
		return
	}
	s.mu.Lock()
	s.dbs = append(s.dbs, db)
	drop := s.drops > 0
	if drop {
		s.drops--
	}
	out := db.wire(s.opts.Endpoint, s.Email, false)
	s.mu.Unlock()
	if drop {
		hangUp(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the stream instead
}

// newDatabase makes a database and starts its redis-server.
func (s *Server) newDatabase(b *createBody, created time.Time) (*database, error) {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if created.IsZero() {
		created = s.opts.Now()
	}
	budget := 0
	if b.Budget != nil {
		budget = *b.Budget
	}
	db := &database{
		id: newID(), name: b.name(), platform: platformOf(b.PrimaryRegion), primary: b.PrimaryRegion,
		readRegions: slices.Clone(b.ReadRegions), eviction: b.Eviction, budget: budget,
		plan: b.Plan, state: StateActive, password: randomHex(16), restToken: randomHex(24),
		port: 6379, created: created,
	}
	if hold > 0 {
		db.state, db.holdReads = StateInactive, hold
	}
	if s.opts.NoRedis {
		return db, nil
	}
	proc, err := s.startRedis(db.id, db.password)
	if err != nil {
		return nil, fmt.Errorf("cluster under maintenance: %w", err)
	}
	db.redis, db.port = proc, proc.port
	return db, nil
}
