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
	m.lock = &info
	return info.ID, nil
}

// Unlock releases the lock with that id.
func (m *MemStore) Unlock(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lock == nil || m.lock.ID != id {
		return fmt.Errorf("no lock %q held", id)
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

// Write stores st, increasing its serial.
func (m *MemStore) Write(ctx context.Context, st *provision.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Writes++
	if m.FailWrite > 0 && m.Writes >= m.FailWrite {
		return fmt.Errorf("memstore: write %d failed", m.Writes)
	}
	st.Serial++
	b, err := json.Marshal(st)
	m.data = b
	return err
}

// Describe names the store.
func (m *MemStore) Describe() string { return "memory" }
