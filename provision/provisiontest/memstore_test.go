package provisiontest_test

import (
	"testing"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

// TestMemStoreConformance holds the in-memory store that engine tests use to
// the contract of every real state store.
func TestMemStoreConformance(t *testing.T) {
	stores := map[string]*provisiontest.MemStore{}
	provisiontest.RunStateStoreTests(t, func(t *testing.T) provision.StateStore {
		if stores[t.Name()] == nil {
			stores[t.Name()] = &provisiontest.MemStore{}
		}
		return stores[t.Name()]
	})
}
