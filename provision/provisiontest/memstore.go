package provisiontest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/rediskit/rediskit/provision"
)

// MemStore is an in-memory provision.StateStore. It keeps state as JSON, as
// a real store would, so callers never share structures with it.
type MemStore struct {
	mu     sync.Mutex
	data   []byte
	lock   *provision.LockInfo
	seq    int
	Writes int
	// FailWrite, when set, fails the Nth write (1-based) and every one after.
	FailWrite int
}

var _ provision.StateStore = (*MemStore)(nil)

// Lock takes the lock or reports who holds it.
func (m *MemStore) Lock(ctx context.Context, info provision.LockInfo) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lock != nil {
		return "", &provision.LockError{Info: *m.lock}
	}
	if info.ID == "" {
		m.seq++
		info.ID = fmt.Sprintf("mem-%d", m.seq)
	}
	m.lock = &info
	return info.ID, nil
}

// Unlock releases the lock with that id.
func (m *MemStore) Unlock(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lock == nil {
		return fmt.Errorf("memstore: not locked")
	}
	if m.lock.ID != id {
		return fmt.Errorf("memstore: lock %q is not held; the lock id is %s", id, m.lock.ID)
	}
	m.lock = nil
	return nil
}

// Read decodes the stored state, or returns nil when none was written.
func (m *MemStore) Read(ctx context.Context) (*provision.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, nil
	}
	st := &provision.State{}
	return st, json.Unmarshal(m.data, st)
}

// Write stores st with the stored serial plus one, refusing a state of
// another lineage, as every StateStore must.
func (m *MemStore) Write(ctx context.Context, st *provision.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Writes++
	if m.FailWrite > 0 && m.Writes >= m.FailWrite {
		return fmt.Errorf("memstore: write %d failed", m.Writes)
	}
	if st.Lineage == "" {
		return fmt.Errorf("memstore: state has no lineage")
	}
	var serial int64
	if m.data != nil {
		var prev provision.State
		if err := json.Unmarshal(m.data, &prev); err != nil {
			return err
		}
		if prev.Lineage != st.Lineage {
			return fmt.Errorf("memstore: lineage %s, stored %s: %w", st.Lineage, prev.Lineage, provision.ErrLineageMismatch)
		}
		serial = prev.Serial
	}
	next := *st
	next.Serial, next.FormatVersion = serial+1, provision.StateFormatVersion
	b, err := json.Marshal(&next)
	if err != nil {
		return err
	}
	m.data, st.Serial, st.FormatVersion = b, next.Serial, next.FormatVersion
	return nil
}

// Describe names the store.
func (m *MemStore) Describe() string { return "memory" }
