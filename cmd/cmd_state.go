package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

func newStateCmd(a *app) *cobra.Command {
	var stack string
	c := &cobra.Command{Use: "state", Short: "Inspect the state; release a stale lock"}
	c.PersistentFlags().StringVar(&stack, "stack", "stack.hcl", "the stack whose state to use")
	c.AddCommand(
		&cobra.Command{Use: "list", Short: "List the resources in state", Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error { return runStateList(c.Context(), a, stack) }},
		&cobra.Command{Use: "show ADDR", Short: "Show one resource's state (no secrets are kept there)", Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error { return runStateShow(c.Context(), a, stack, args[0]) }},
		&cobra.Command{Use: "unlock LOCK_ID", Short: "Release a lock left by a run that is gone", Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error { return runStateUnlock(c.Context(), a, stack, args[0]) }},
	)
	return c
}

func (a *app) readState(ctx context.Context, path string) (*provision.State, provision.StateStore, error) {
	stack, _, err := a.loadStack(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := a.stateStore(stack.State)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Read(ctx)
	if err == nil && st == nil {
		st = provision.NewState("")
	}
	return st, store, err
}

func runStateList(ctx context.Context, a *app, path string) error {
	st, _, err := a.readState(ctx, path)
	if err != nil {
		return err
	}
	for _, rs := range st.Redis {
		for _, b := range rs.Backends {
			fmt.Fprintf(a.streams.Out, "redis.%s.%s\t%s\t%s\n", rs.Name, b.Type, b.Status, b.ID)
		}
	}
	for _, t := range st.Targets {
		fmt.Fprintf(a.streams.Out, "%s\tredis.%s\n", t.Address(), t.Redis)
	}
	return nil
}

func runStateShow(ctx context.Context, a *app, path, addr string) error {
	st, _, err := a.readState(ctx, path)
	if err != nil {
		return err
	}
	var found any
	parts := strings.Split(addr, ".")
	switch {
	case len(parts) >= 2 && parts[0] == "redis":
		if rs := st.RedisByName(parts[1]); rs != nil {
			found = rs
			if len(parts) == 3 {
				found = rs.Backend(parts[2])
			}
		}
	case len(parts) == 3 && parts[0] == "target":
		if t := st.Target(parts[1], parts[2]); t != nil {
			found = t
		}
	}
	if found == nil || found == (*provision.BackendState)(nil) {
		return fmt.Errorf("no %q in state; `rediskit state list` shows what is there", addr)
	}
	b, _ := json.MarshalIndent(found, "", "  ")
	fmt.Fprintln(a.streams.Out, string(b))
	return nil
}

func runStateUnlock(ctx context.Context, a *app, path, id string) error {
	_, store, err := a.readState(ctx, path)
	if store == nil {
		return err
	}
	if err := store.Unlock(ctx, id); err != nil {
		return err
	}
	a.view().Result(result{Kind: "unlock", Message: "The state lock " + id + " was released."})
	return nil
}
