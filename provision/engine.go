package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrInterrupted is returned when a run stopped at a safe point because the
// user asked it to (Ctrl-C). State records everything done until then.
var ErrInterrupted = errors.New("interrupted")

// Engine plans and applies stacks against a state store.
type Engine struct {
	Registry *Registry
	Store    StateStore
	// Version is rediskit's version, recorded in state.
	Version string
	// Observe receives events as they happen; nil drops them.
	Observe func(Event)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Boundary, when set, is called at every step boundary of an apply
	// (boundary.go), with a label such as "before create redis.channels
	// (local)". It is a test hook for crash injection; nil in normal runs.
	Boundary func(label string)
}

func (e *Engine) emit(ev Event) {
	if e.Observe != nil {
		e.Observe(ev)
	}
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now().UTC()
}

// ReadState reads the state, or returns a fresh empty one with a new lineage
// when nothing was written yet.
func (e *Engine) ReadState(ctx context.Context) (*State, error) {
	st, err := e.Store.Read(ctx)
	if err != nil || st != nil {
		return st, err
	}
	return NewState(newLineage()), nil
}

func newLineage() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Plan refreshes what st records and diffs it against the stack.
func (e *Engine) Plan(ctx context.Context, stack *Stack, st *State) (*Plan, error) {
	r, err := e.Refresh(ctx, stack, st)
	if err != nil {
		return nil, err
	}
	p, err := Diff(stack, st, r, e.Registry)
	if err != nil {
		return nil, err
	}
	if err := e.checkPlacements(ctx, p); err != nil {
		return nil, err
	}
	return p, e.checkCredentials(p)
}

// CredentialChecker is optionally implemented by a Backend whose API needs
// credentials, so that a plan that would call it fails before anything is
// recorded or created.
type CredentialChecker interface {
	// CheckCredentials reports missing credentials, naming where they come
	// from. It makes no call.
	CheckCredentials() error
}

func (e *Engine) checkCredentials(p *Plan) error {
	for _, c := range p.Changes {
		if !c.IsRedis() || c.Action == NoOp {
			continue
		}
		if cc, ok := e.Registry.backends[c.Type].(CredentialChecker); ok {
			if err := cc.CheckCredentials(); err != nil {
				return fmt.Errorf("%s: %w", c.Address, err)
			}
		}
	}
	return nil
}

// PlanDestroy refreshes st and plans to remove everything it records.
func (e *Engine) PlanDestroy(ctx context.Context, stack *Stack, st *State) (*Plan, error) {
	r, err := e.Refresh(ctx, nil, st)
	if err != nil {
		return nil, err
	}
	return DiffDestroy(stack, st, r, e.Registry)
}
