package upstash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rediskit/rediskit/provision"
)

// Database is the part of the API's Database object rediskit uses. Decoding
// is deliberately tolerant: unknown fields are ignored (the object has dozens
// of informational db_* fields, one of them 2^63), and numbers and booleans
// are accepted in the spellings seen in the wild (see upstash-api.md §1.3).
type Database struct {
	ID            string   `json:"database_id"`
	Name          string   `json:"database_name"`
	AltName       string   `json:"name"`
	Type          string   `json:"type"`
	DatabaseType  string   `json:"database_type"`
	Region        string   `json:"region"`
	PrimaryRegion string   `json:"primary_region"`
	ReadRegions   []string `json:"read_regions"`
	Endpoint      string   `json:"endpoint"`
	Port          flexInt  `json:"port"`
	Password      Secret   `json:"password"`
	State         string   `json:"state"`
	CreationTime  flexInt  `json:"creation_time"`
	TLS           flexBool `json:"tls"`
	Eviction      flexBool `json:"eviction"`
	Budget        flexInt  `json:"budget"`
}

// DisplayName is the database's name under either spelling.
func (d *Database) DisplayName() string {
	if d.Name != "" {
		return d.Name
	}
	return d.AltName
}

// decodeDatabase decodes one Database object.
func decodeDatabase(body []byte) (*Database, error) {
	var db Database
	if err := json.Unmarshal(body, &db); err != nil {
		return nil, fmt.Errorf("decoding Upstash database: %w", err)
	}
	if db.ID == "" {
		return nil, fmt.Errorf("decoding Upstash database: the answer has no database_id")
	}
	return &db, nil
}

// decodeDatabases decodes a list answer; null counts as empty, and null
// entries are dropped since they describe no database (and callers read
// every entry's fields).
func decodeDatabases(body []byte) ([]*Database, error) {
	var dbs []*Database
	if err := json.Unmarshal(body, &dbs); err != nil {
		return nil, fmt.Errorf("decoding Upstash database list: %w", err)
	}
	return slices.DeleteFunc(dbs, func(db *Database) bool { return db == nil }), nil
}

// Secret is a credential returned by the API. It prints as provision.Masked
// under every fmt verb and in JSON, so a Database can be logged or wrapped
// into an error without leaking it; Reveal returns the value.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return provision.Masked
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format masks the secret under every fmt verb. String alone is not enough:
// fmt skips it for verbs such as %d and then, for a struct holding a Secret,
// prints the field's raw value inside its bad-verb notice.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// MarshalJSON masks the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// flexInt is an integer that may arrive as a JSON number (integral, float or
// beyond int64), as a numeric string, or as null. Out-of-range values clamp.
type flexInt int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*n = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*n = 0
			return nil
		}
	}
	v, err := parseFlexInt(s)
	if err != nil {
		return fmt.Errorf("expected a number, got %s", b)
	}
	*n = flexInt(v)
	return nil
}

func parseFlexInt(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64, nil
	case f <= math.MinInt64:
		return math.MinInt64, nil
	}
	return int64(f), nil
}

// flexBool is a boolean that may arrive as true/false, as the strings
// "true"/"false" (db_acl_enabled does this), as 0/1, or as null.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *flexBool) UnmarshalJSON(b []byte) error {
	raw := bytes.TrimSpace(b)
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("expected a boolean, got %s", b)
	}
	return nil
}

// createRequest is the body of POST /v2/redis/database. It sends
// database_name, platform and region "global" as upstash-api.md recommends.
type createRequest struct {
	Name          string   `json:"database_name"`
	Platform      string   `json:"platform"`
	PrimaryRegion string   `json:"primary_region"`
	Region        string   `json:"region"`
	ReadRegions   []string `json:"read_regions,omitempty"`
	Eviction      bool     `json:"eviction"`
	Budget        *int     `json:"budget,omitempty"`
	Plan          string   `json:"plan,omitempty"`
	TLS           bool     `json:"tls"`
}
