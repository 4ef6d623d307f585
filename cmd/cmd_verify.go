package cmd

import (
	"context"
	"fmt"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

func newVerifyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "verify [STACK]",
		Short: "Prove each backend works as a Channels layer and each target holds its URL; change nothing",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runVerify(c.Context(), a, stackPath(args))
		},
	}
}

func runVerify(ctx context.Context, a *app, path string) error {
	stack, reg, err := a.loadStack(path)
	if err != nil {
		return err
	}
	engine, st, refreshed, err := a.refreshOnly(ctx, stack, reg)
	if err != nil {
		return err
	}
	failed, unreachable := 0, 0
	for _, rb := range stack.Redis {
		inst := activeInstance(st, refreshed, rb.Name)
		if inst == nil {
			a.view().Error(fmt.Errorf("redis.%s: no running backend recorded; run `rediskit apply` to create it", rb.Name))
			failed++
			continue
		}
		res := provision.Verify(ctx, inst, provision.VerifyOptions{Channels: rb.Verify.Channels, PubSub: rb.Verify.PubSub})
		engine.Observe(provision.Event{Type: provision.EventVerify, Address: rb.Address(), Message: res.Summary(), Verify: res})
		if res.Unreachable {
			unreachable++
		} else if !res.Passed {
			failed++
		}
		failed += a.verifyTargets(stack, st, refreshed, rb.Name, inst)
	}
	if failed > 0 {
		a.verifyView().Result(result{Kind: "error", Message: fmt.Sprintf("Verification failed: %d problems.", failed)})
		return &exitCodeError{code: exitError}
	}
	msg := "Verification passed."
	if unreachable > 0 {
		msg = fmt.Sprintf("Verification passed where it could run: %s not reachable from here (private network), so only the targets were checked.", plural(unreachable, "backend"))
	}
	a.verifyView().Result(result{Kind: "verify", Message: msg})
	return nil
}

// verifyTargets checks that each target of the redis block holds its URL.
func (a *app) verifyTargets(stack *provision.Stack, st *provision.State, r *provision.Refreshed, name string, inst *provision.Instance) int {
	failed := 0
	want := provision.Fingerprint(st.Lineage, inst.URL)
	for _, tb := range stack.Targets {
		if tb.Redis != name {
			continue
		}
		v := r.TargetValue(tb.Type, tb.Attrs)
		ev := provision.Event{Type: provision.EventTargetCheck, Address: tb.Address(), Failed: true}
		switch {
		case !v.Set:
			ev.Message = "holds no URL; run `rediskit apply` to write it"
		case provision.Fingerprint(st.Lineage, v.Value) != want:
			ev.Message = "holds a different URL than redis." + name + "; run `rediskit apply` to repair it"
		default:
			ev.Message, ev.Failed = "holds the URL of redis."+name, false
		}
		if ev.Failed {
			failed++
		}
		a.view().Event(ev)
	}
	return failed
}

// refreshOnly reads state and refreshes it without taking the lock: the
// commands that use it change nothing.
func (a *app) refreshOnly(ctx context.Context, stack *provision.Stack, reg *provision.Registry) (*provision.Engine, *provision.State, *provision.Refreshed, error) {
	store, err := a.stateStore(stack.State)
	if err != nil {
		return nil, nil, nil, err
	}
	engine := &provision.Engine{Registry: reg, Store: store, Version: Version, Observe: a.view().Event}
	st, err := engine.ReadState(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := engine.Refresh(ctx, stack, st)
	return engine, st, r, err
}

func activeInstance(st *provision.State, r *provision.Refreshed, name string) *provision.Instance {
	rs := st.RedisByName(name)
	if rs == nil || rs.Active() == nil {
		return nil
	}
	return r.Instances[name][rs.Active().Type]
}
