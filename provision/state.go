package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// StateFormatVersion is the state file format this build writes. A state file
// with a higher version is refused rather than overwritten.
const StateFormatVersion = 1

// State is what rediskit knows about the resources it manages. It never holds
// a password, token or full URL.
type State struct {
	FormatVersion int    `json:"format_version"`
	Lineage       string `json:"lineage"`
	Serial        int64  `json:"serial"`
	// RediskitVersion is the version that last wrote the state.
	RediskitVersion string         `json:"rediskit_version,omitempty"`
	Redis           []*RedisState  `json:"redis"`
	Targets         []*TargetState `json:"targets"`
}

// Backend statuses recorded in state.
const (
	// BackendCreating marks an intent to create, recorded before the API call
	// so an interrupted create is adopted rather than repeated.
	BackendCreating = "creating"
	// BackendActive is the backend that serves the redis block's URL.
	BackendActive = "active"
	// BackendStandby is a backend created for a provider switch that is
	// verified but not yet serving: targets still point at the old one.
	BackendStandby = "standby"
	// BackendRetained is a former backend kept after a migration for rollback.
	BackendRetained = "retained"
)

// RedisState is one redis block and the backends recorded for it.
type RedisState struct {
	Name     string          `json:"name"`
	Backends []*BackendState `json:"backends"`
	// PreventDestroy is copied from the stack so that removing the redis
	// block from the stack does not silently lift the protection.
	PreventDestroy bool `json:"prevent_destroy,omitempty"`
}

// BackendState is one backend of a redis block.
type BackendState struct {
	Type   string            `json:"type"`
	Status string            `json:"status"`
	ID     string            `json:"id,omitempty"`
	Attrs  map[string]string `json:"attrs,omitempty"`
	// Pending is resume data of an unfinished create (CreateRequest.Pending).
	Pending map[string]string `json:"pending,omitempty"`
	// URLFingerprint identifies the URL without revealing it.
	URLFingerprint string    `json:"url_fingerprint,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	VerifiedAt     time.Time `json:"verified_at,omitzero"`
}

// TargetState is one target and the URL last written to it.
type TargetState struct {
	Type  string      `json:"type"`
	Name  string      `json:"name"`
	Redis string      `json:"redis"`
	Attrs TargetAttrs `json:"attrs"`
	// URLFingerprint is Fingerprint of the URL rediskit wrote.
	URLFingerprint string    `json:"url_fingerprint"`
	WrittenAt      time.Time `json:"written_at,omitzero"`
	// Pending is what a Write that was interrupted recorded
	// (Connection.Record), such as the revision it was waiting for; the
	// next plan binds the target again to finish or undo that change.
	Pending map[string]string `json:"pending,omitempty"`
}

// Address is the target's stack address, "target.TYPE.NAME".
func (t *TargetState) Address() string { return "target." + t.Type + "." + t.Name }

// Record returns what a backend adapter needs to read or delete b.
func (b *BackendState) Record(name string) Record {
	return Record{Name: name, ID: b.ID, Attrs: b.Attrs}
}

// NewState returns an empty state with a fresh lineage.
func NewState(lineage string) *State {
	return &State{FormatVersion: StateFormatVersion, Lineage: lineage}
}

// RedisByName returns the redis block's state, or nil.
func (s *State) RedisByName(name string) *RedisState {
	for _, r := range s.Redis {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// EnsureRedis returns the redis block's state, adding it when missing.
func (s *State) EnsureRedis(name string) *RedisState {
	if r := s.RedisByName(name); r != nil {
		return r
	}
	r := &RedisState{Name: name}
	s.Redis = append(s.Redis, r)
	sort.Slice(s.Redis, func(i, j int) bool { return s.Redis[i].Name < s.Redis[j].Name })
	return r
}

// Target returns the target's state, or nil.
func (s *State) Target(typ, name string) *TargetState {
	for _, t := range s.Targets {
		if t.Type == typ && t.Name == name {
			return t
		}
	}
	return nil
}

// PutTarget adds or replaces a target's state.
func (s *State) PutTarget(t *TargetState) {
	s.RemoveTarget(t.Type, t.Name)
	s.Targets = append(s.Targets, t)
	sort.Slice(s.Targets, func(i, j int) bool { return s.Targets[i].Address() < s.Targets[j].Address() })
}

// RemoveTarget drops a target's state.
func (s *State) RemoveTarget(typ, name string) {
	kept := s.Targets[:0]
	for _, t := range s.Targets {
		if t.Type != typ || t.Name != name {
			kept = append(kept, t)
		}
	}
	s.Targets = kept
}

// Active returns the backend that serves the redis block now, or nil.
func (r *RedisState) Active() *BackendState {
	for _, b := range r.Backends {
		if b.Status == BackendActive {
			return b
		}
	}
	return nil
}

// Backend returns the recorded backend of a type, or nil.
func (r *RedisState) Backend(typ string) *BackendState {
	for _, b := range r.Backends {
		if b.Type == typ {
			return b
		}
	}
	return nil
}

// RemoveBackend drops the backend of a type.
func (r *RedisState) RemoveBackend(typ string) {
	kept := r.Backends[:0]
	for _, b := range r.Backends {
		if b.Type != typ {
			kept = append(kept, b)
		}
	}
	r.Backends = kept
}

// PruneEmpty drops redis blocks that have no backend left.
func (s *State) PruneEmpty() {
	kept := s.Redis[:0]
	for _, r := range s.Redis {
		if len(r.Backends) > 0 {
			kept = append(kept, r)
		}
	}
	s.Redis = kept
}

// nullEntry names the first null element of st's lists ("redis[0]",
// "redis[1].backends[0]", "targets[2]"), or "" when there is none. JSON null
// decodes to a nil pointer, which nothing that walks a state expects.
func nullEntry(st *State) string {
	for i, r := range st.Redis {
		if r == nil {
			return fmt.Sprintf("redis[%d]", i)
		}
		for j, b := range r.Backends {
			if b == nil {
				return fmt.Sprintf("redis[%d].backends[%d]", i, j)
			}
		}
	}
	for i, t := range st.Targets {
		if t == nil {
			return fmt.Sprintf("targets[%d]", i)
		}
	}
	return ""
}

// StateStore keeps state and its lock.
//
// Read returns (nil, nil) when no state has been written yet. Write replaces
// the state atomically: a reader sees the old or the new state, never a mix.
// Implementations refuse to read a state whose FormatVersion is newer than
// StateFormatVersion, and refuse to overwrite a state they could not parse.
type StateStore interface {
	// Lock takes the lock for an operation. When someone else holds it, Lock
	// returns a *LockError describing them, at once and without waiting.
	Lock(ctx context.Context, info LockInfo) (id string, err error)
	// Unlock releases a lock taken by Lock or, to recover from a dead
	// process, one reported by a LockError. Unlocking with an id that does not
	// match the held lock fails.
	Unlock(ctx context.Context, id string) error
	// Read returns the current state.
	Read(ctx context.Context) (*State, error)
	// Write stores st.
	Write(ctx context.Context, st *State) error
	// Describe names where the state lives, for messages.
	Describe() string
}

// LockInfo says who holds a state lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Who       string    `json:"who"`
	Host      string    `json:"host"`
	PID       int       `json:"pid,omitempty"`
	JobURL    string    `json:"job_url,omitempty"`
	Version   string    `json:"version,omitempty"`
	Created   time.Time `json:"created"`
	Path      string    `json:"path"`
}

// LockError is returned when the state is locked by someone else.
type LockError struct {
	Info LockInfo
	Err  error
}

func (e *LockError) Error() string {
	i := e.Info
	msg := fmt.Sprintf("state %s is locked by %s on %s since %s for %q (lock id %s)",
		i.Path, i.Who, i.Host, i.Created.Format(time.RFC3339), i.Operation, i.ID)
	if i.JobURL != "" {
		msg += " from " + i.JobURL
	}
	return msg + "; wait for that run to finish, retry with --lock-timeout, or if it is gone run `rediskit state unlock " + i.ID + "`"
}

func (e *LockError) Unwrap() error { return e.Err }

// ErrStateCorrupt is wrapped when a state file cannot be decoded.
var ErrStateCorrupt = errors.New("state is corrupt")

// ErrStateTooNew is wrapped when a state file was written by a newer format.
var ErrStateTooNew = errors.New("state was written by a newer rediskit")
