package upstashtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Database states the fake uses: "active", or "passive" while HoldInactive
// keeps a new database from serving.
const (
	StateActive   = "active"
	StateInactive = "passive"
)

// database is one fake database. Fields are guarded by Server.mu.
type database struct {
	id, name, platform, primary string
	readRegions                 []string
	eviction                    bool
	budget                      int
	plan                        string
	state                       string
	holdReads                   int
	password                    string
	restToken                   string
	port                        int
	created                     time.Time
	redis                       *redisProc
}

// DatabaseInfo is what tests may inspect about a fake database, password
// included (the fake has nothing to protect).
type DatabaseInfo struct {
	ID            string    `json:"database_id"`
	Name          string    `json:"database_name"`
	Platform      string    `json:"platform"`
	PrimaryRegion string    `json:"primary_region"`
	ReadRegions   []string  `json:"read_regions"`
	Eviction      bool      `json:"eviction"`
	Budget        int       `json:"budget"`
	Plan          string    `json:"plan"`
	State         string    `json:"state"`
	Endpoint      string    `json:"endpoint"`
	Port          int       `json:"port"`
	Password      string    `json:"password"`
	Created       time.Time `json:"created"`
}

func (d *database) info(endpoint string) DatabaseInfo {
	return DatabaseInfo{
		ID: d.id, Name: d.name, Platform: d.platform, PrimaryRegion: d.primary,
		ReadRegions: slices.Clone(d.readRegions), Eviction: d.eviction, Budget: d.budget,
		Plan: d.plan, State: d.state, Endpoint: endpoint, Port: d.port,
		Password: d.password, Created: d.created,
	}
}

// wireDatabase is the Database object as the API sends it, informational
// oddities included: db_request_limit is 2^63 (beyond int64), db_acl_enabled
// and prometheus_enabled are strings, securityAddons is camelCase.
type wireDatabase struct {
	ID                   string         `json:"database_id"`
	Name                 string         `json:"database_name"`
	DatabaseType         string         `json:"database_type"`
	Region               string         `json:"region"`
	Type                 string         `json:"type"`
	Port                 int            `json:"port"`
	CreationTime         int64          `json:"creation_time"`
	Budget               int            `json:"budget"`
	State                string         `json:"state"`
	Password             string         `json:"password,omitempty"`
	UserEmail            string         `json:"user_email"`
	Endpoint             string         `json:"endpoint"`
	Eviction             bool           `json:"eviction"`
	TLS                  bool           `json:"tls"`
	AutoUpgrade          bool           `json:"auto_upgrade"`
	Consistent           bool           `json:"consistent"`
	ModifyingState       string         `json:"modifying_state"`
	RestToken            string         `json:"rest_token,omitempty"`
	ReadOnlyRestToken    string         `json:"read_only_rest_token,omitempty"`
	PrimaryRegion        string         `json:"primary_region"`
	ReadRegions          []string       `json:"read_regions"`
	PrimaryMembers       []string       `json:"primary_members"`
	AllMembers           []string       `json:"all_members"`
	DBMaxClients         int            `json:"db_max_clients"`
	DBRequestLimit       json.Number    `json:"db_request_limit"`
	DBDiskThreshold      int64          `json:"db_disk_threshold"`
	DBMaxEntrySize       int64          `json:"db_max_entry_size"`
	DBMemoryThreshold    int64          `json:"db_memory_threshold"`
	DBMaxCommandsPerSec  int            `json:"db_max_commands_per_second"`
	DBConnIdleTimeout    int64          `json:"db_conn_idle_timeout"`
	DBLuaTimeout         int64          `json:"db_lua_timeout"`
	DBACLEnabled         string         `json:"db_acl_enabled"`
	DBACLDefaultStatus   string         `json:"db_acl_default_user_status"`
	PrometheusEnabled    string         `json:"prometheus_enabled"`
	DailyBackupEnabled   bool           `json:"daily_backup_enabled"`
	ProdPackEnabled      bool           `json:"prod_pack_enabled"`
	DBResourceSize       string         `json:"db_resource_size"`
	DBType               string         `json:"db_type"`
	CustomerID           string         `json:"customer_id"`
	SecurityAddons       securityAddons `json:"securityAddons"`
	LastPlanUpgradeTime  int64          `json:"last_plan_upgrade_time"`
	ReservedPerRegionFee float64        `json:"reserved_per_region_price"`
}

type securityAddons struct {
	IPWhitelisting   bool `json:"ipWhitelisting"`
	VPCPeering       bool `json:"vpcPeering"`
	PrivateLink      bool `json:"privateLink"`
	TLSMutualAuth    bool `json:"tlsMutualAuth"`
	EncryptionAtRest bool `json:"encryptionAtRest"`
}

// wire renders d; hide leaves out password and tokens (?credentials=hide).
func (d *database) wire(endpoint, email string, hide bool) wireDatabase {
	w := wireDatabase{
		ID: d.id, Name: d.name, DatabaseType: databaseType(d.plan), Region: "global",
		Type: typeOf(d.plan), Port: d.port, CreationTime: d.created.Unix(), Budget: d.budget,
		State: d.state, UserEmail: email, Endpoint: endpoint, Eviction: d.eviction, TLS: true,
		PrimaryRegion: d.primary, ReadRegions: append([]string{}, d.readRegions...),
		PrimaryMembers: []string{d.primary}, AllMembers: append([]string{d.primary}, d.readRegions...),
		DBMaxClients: 10000, DBRequestLimit: "9223372036854775808", DBDiskThreshold: 107374182400,
		DBMaxEntrySize: 104857600, DBMemoryThreshold: 268435456, DBMaxCommandsPerSec: 10000,
		DBConnIdleTimeout: 21600000000000, DBLuaTimeout: 250000000, DBACLEnabled: "false",
		DBACLDefaultStatus: "true", PrometheusEnabled: "false", DBResourceSize: "S", DBType: "pebble",
		CustomerID: email,
	}
	if !hide {
		w.Password = d.password
		w.RestToken = "AX" + d.restToken
		w.ReadOnlyRestToken = "An" + d.restToken
	}
	return w
}

func databaseType(plan string) string {
	switch typeOf(plan) {
	case "free":
		return "Free"
	case "payg":
		return "Pay as You Go"
	}
	return "Pro"
}

// newID returns a random UUID (version 4), like Upstash database ids.
func newID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
	return b
}
