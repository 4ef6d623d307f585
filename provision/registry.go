package provision

import (
	"fmt"
	"sort"
)

// Env is what adapters may read of the world outside the stack file. It is
// built once per command and handed to the adapters' constructors.
type Env struct {
	// Getenv reads an environment variable (os.Getenv outside tests).
	Getenv func(string) string
	// Dir is the stack file's folder; adapters keep their files below it.
	Dir string
	// Executable is the rediskit binary, for adapters that start a helper
	// process of rediskit itself (the local backend's embedded server).
	Executable string
	// Warn tells the user something they should know that is not an error
	// (an emulator endpoint in use). It is never nil in a real run; adapters
	// must not pass it secrets.
	Warn func(msg string)
}

// Registry lists the adapters a run may use. It is built explicitly (see
// providers.Default); nothing registers itself.
type Registry struct {
	backends map[string]Backend
	targets  map[string]Target
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{backends: map[string]Backend{}, targets: map[string]Target{}}
}

// AddBackend adds b. Adding two backends of one type is a programming error
// and panics.
func (r *Registry) AddBackend(b Backend) {
	if _, dup := r.backends[b.Type()]; dup {
		panic(fmt.Sprintf("provision: backend %q registered twice", b.Type()))
	}
	r.backends[b.Type()] = b
}

// AddTarget adds t, panicking on a duplicate type like AddBackend.
func (r *Registry) AddTarget(t Target) {
	if _, dup := r.targets[t.Type()]; dup {
		panic(fmt.Sprintf("provision: target %q registered twice", t.Type()))
	}
	r.targets[t.Type()] = t
}

// Backend returns the backend adapter for a type.
func (r *Registry) Backend(typ string) (Backend, bool) {
	b, ok := r.backends[typ]
	return b, ok
}

// Target returns the target adapter for a type.
func (r *Registry) Target(typ string) (Target, bool) {
	t, ok := r.targets[typ]
	return t, ok
}

// BackendTypes returns the known backend types, sorted.
func (r *Registry) BackendTypes() []string { return sortedKeys(r.backends) }

// TargetTypes returns the known target types, sorted.
func (r *Registry) TargetTypes() []string { return sortedKeys(r.targets) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
