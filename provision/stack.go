package provision

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Stack is a decoded stack file: the desired state.
type Stack struct {
	// File is the stack file's path as given; Dir is its folder.
	File string
	Dir  string
	// Files holds every parsed file, for rendering diagnostics with source.
	Files     map[string]*hcl.File
	Variables map[string]*Variable
	Redis     []*RedisBlock
	Targets   []*TargetBlock
	State     StateConfig
}

// Variable is a declared stack variable with its resolved value.
type Variable struct {
	Name        string
	Description string
	Value       cty.Value
	// Source says where Value came from: "--var", the environment
	// variable's name, or "default".
	Source   string
	DefRange hcl.Range
}

// RedisBlock is one `redis "NAME"` block.
type RedisBlock struct {
	Name string
	// Provider is the active backend type; Specs holds every provider block,
	// the active one and the standby ones, decoded by its adapter.
	Provider      string
	ProviderRange hcl.Range
	Specs         map[string]Spec
	SpecRanges    map[string]hcl.Range
	Verify        VerifyConfig
	// PreventDestroy comes from lifecycle { prevent_destroy = true }.
	PreventDestroy bool
	Usage          *Usage
	DefRange       hcl.Range
}

// Address is the block's stack address, "redis.NAME".
func (r *RedisBlock) Address() string { return "redis." + r.Name }

// VerifyConfig is a redis block's verify { } settings.
type VerifyConfig struct {
	Channels bool
	PubSub   bool
}

// Usage is a redis block's optional usage { } figures for cost estimates.
type Usage struct {
	Workers        int
	Layer          string
	MessagesPerDay int64
	StorageGB      float64
}

// TargetBlock is one `target "TYPE" "NAME"` block.
type TargetBlock struct {
	Type     string
	Name     string
	Redis    string
	Attrs    TargetAttrs
	DefRange hcl.Range
}

// Address is the target's stack address, "target.TYPE.NAME".
func (t *TargetBlock) Address() string { return "target." + t.Type + "." + t.Name }

// StateConfig is the stack's state { } block.
type StateConfig struct {
	Backend string // "local" (default) or "gcs"
	Path    string // local: state file path, resolved against the stack's folder
	Bucket  string // gcs
	Prefix  string // gcs
	// LockStaleAfter (gcs) is the age past which a held lock is reported as
	// probably stale; 0 means the backend's default.
	LockStaleAfter time.Duration
	Range          hcl.Range
}

// RedisByName returns the redis block with that label, or nil.
func (s *Stack) RedisByName(name string) *RedisBlock {
	for _, r := range s.Redis {
		if r.Name == name {
			return r
		}
	}
	return nil
}
