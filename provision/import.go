package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Importer is implemented by backends that can adopt a resource made outside
// rediskit, for `rediskit import redis.NAME.TYPE ID`.
type Importer interface {
	// Import reads the existing backend with the provider's id and returns
	// it, to be recorded under redis block name. An id the provider does not
	// know wraps ErrNotFound. Import changes nothing at the provider.
	Import(ctx context.Context, name, id string) (*Instance, error)
}

// ErrAlreadyManaged is wrapped when an import would record a backend that
// state already holds.
var ErrAlreadyManaged = errors.New("already in state")

// Import adopts the existing backend id of type typ for redis block name:
// it reads it through the adapter's Importer, records it in st and writes
// st. The stack must have that redis block with a typ block. The backend is
// recorded active when typ is the block's provider and no other backend
// serves the block, otherwise retained.
//
// Import refuses, before any call, when st already records a typ backend for
// the block or records id under another block. An unfinished create of that
// type is the exception: it is replaced, since importing is how the user
// settles a create that found a database it may not adopt on its own.
func (e *Engine) Import(ctx context.Context, stack *Stack, st *State, name, typ, id string) (*BackendState, error) {
	addr := "redis." + name + "." + typ
	id = strings.TrimSpace(id)
	rb, importer, err := e.importTarget(stack, name, typ, id)
	if err != nil {
		return nil, err
	}
	if err := checkNotManaged(st, addr, name, typ, id); err != nil {
		return nil, err
	}
	inst, err := importer.Import(ctx, name, id)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", addr, err)
	}
	bs := e.recordImport(st, rb, typ, inst)
	st.RediskitVersion = e.Version
	if err := e.Store.Write(ctx, st); err != nil {
		return nil, fmt.Errorf("import %s: write state to %s: %w; nothing was changed at the provider, so run the import again once the state can be written", addr, e.Store.Describe(), err)
	}
	return bs, nil
}

// importTarget checks what the stack and the registry say about an import.
func (e *Engine) importTarget(stack *Stack, name, typ, id string) (*RedisBlock, Importer, error) {
	addr := "redis." + name + "." + typ
	if id == "" {
		return nil, nil, fmt.Errorf("import %s: the id is empty; give the provider's id of the existing database", addr)
	}
	rb := stack.RedisByName(name)
	if rb == nil {
		return nil, nil, fmt.Errorf("import %s: the stack has no redis %q block; add one with a %s { } block describing the database, then import", addr, name, typ)
	}
	adapter, ok := e.Registry.Backend(typ)
	if !ok {
		return nil, nil, fmt.Errorf("import %s: unknown backend type %q (known: %s)", addr, typ, strings.Join(e.Registry.BackendTypes(), ", "))
	}
	importer, ok := adapter.(Importer)
	if !ok {
		return nil, nil, fmt.Errorf("import %s: the %s backend cannot import existing resources; let `rediskit apply` create one instead", addr, typ)
	}
	if _, ok := rb.Specs[typ]; !ok {
		return nil, nil, fmt.Errorf("import %s: redis %q has no %s { } block; add one describing the database (so that plan can compare it), then import", addr, name, typ)
	}
	return rb, importer, nil
}

// checkNotManaged refuses an import that would make state hold a backend
// twice: a second typ backend for the block, or id under two blocks.
func checkNotManaged(st *State, addr, name, typ, id string) error {
	if rs := st.RedisByName(name); rs != nil {
		if bs := rs.Backend(typ); bs != nil && bs.Status != BackendCreating {
			return fmt.Errorf("import %s: %w as %s with id %q; it is managed already: `rediskit plan` shows what apply would change about it", addr, ErrAlreadyManaged, bs.Status, bs.ID)
		}
	}
	for _, rs := range st.Redis {
		for _, bs := range rs.Backends {
			if bs.Type == typ && bs.ID == id {
				return fmt.Errorf("import %s: id %q is %w as redis.%s.%s; one database cannot serve two redis blocks", addr, id, ErrAlreadyManaged, rs.Name, typ)
			}
		}
	}
	return nil
}

// recordImport adds the imported backend to st, as apply records a created
// one but without claiming that rediskit created or verified it.
func (e *Engine) recordImport(st *State, rb *RedisBlock, typ string, inst *Instance) *BackendState {
	rs := st.EnsureRedis(rb.Name)
	rs.PreventDestroy = rb.PreventDestroy
	rs.RemoveBackend(typ) // an unfinished create, which the import settles
	status := BackendRetained
	if rb.Provider == typ && rs.Active() == nil {
		status = BackendActive
	}
	bs := &BackendState{Type: typ, Status: status, ID: inst.ID, Attrs: inst.Attrs,
		URLFingerprint: Fingerprint(st.Lineage, inst.URL)}
	rs.Backends = append(rs.Backends, bs)
	return bs
}
