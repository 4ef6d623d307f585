package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/gcsstate"
	"github.com/spf13/cobra"
)

func newStateCmd(a *app) *cobra.Command {
	var stack, from string
	c := &cobra.Command{Use: "state", Short: "Inspect the state; release a stale lock; move it to another backend"}
	migrate := &cobra.Command{Use: "migrate", Short: "Move the state to the backend the stack's state block now names",
		Long: `Copy the state from where it was to the backend the stack's state block now names,
holding both locks, and leave a marker at the old place that points at the new one.

Change the state block first, then run this. Where the state was is found from --from,
else from the marker a previous migrate left at the new place (moving back), else,
when moving to gcs, the local state file beside the stack.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runStateMigrate(c.Context(), a, stack, from) }}
	migrate.Flags().StringVar(&from, "from", "", "where the state is now: gs://BUCKET/PREFIX or a local state file")
	c.PersistentFlags().StringVar(&stack, "stack", "stack.hcl", "the stack whose state to use")
	c.AddCommand(
		&cobra.Command{Use: "list", Short: "List the resources in state", Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error { return runStateList(c.Context(), a, stack) }},
		&cobra.Command{Use: "show ADDR", Short: "Show one resource's state (no secrets are kept there)", Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error { return runStateShow(c.Context(), a, stack, args[0]) }},
		&cobra.Command{Use: "unlock LOCK_ID", Short: "Release a lock left by a run that is gone", Args: cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error { return runStateUnlock(c.Context(), a, stack, args[0]) }},
		migrate,
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
	var list []stateResource
	for _, rs := range st.Redis {
		for _, b := range rs.Backends {
			list = append(list, stateResource{Address: "redis." + rs.Name + "." + b.Type, Redis: rs.Name, Type: b.Type,
				Status: b.Status, ID: b.ID})
		}
	}
	for _, t := range st.Targets {
		list = append(list, stateResource{Address: t.Address(), Target: true, Redis: t.Redis, Type: t.Type})
	}
	a.stateView().StateList(list)
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
	a.stateView().StateShow(addr, found)
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
	a.stateView().Result(result{Kind: "unlock", Message: "The state lock " + id + " was released."})
	return nil
}

// openStateStore opens the store cfg names, without stateStore's checks.
func openStateStore(cfg provision.StateConfig) (provision.StateStore, error) {
	switch cfg.Backend {
	case "", "local":
		return provision.NewFileStore(cfg.Path), nil
	case "gcs":
		return gcsstate.New(gcsstate.Config{Bucket: cfg.Bucket, Prefix: cfg.Prefix, LockStaleAfter: cfg.LockStaleAfter}), nil
	}
	return nil, fmt.Errorf("state backend %q is not available in this build; use backend = \"local\" or \"gcs\"", cfg.Backend)
}

// refuseLeftBehind fails when the local state file beside the stack still
// holds a state although the state block names another backend.
func refuseLeftBehind(cfg provision.StateConfig) error {
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return nil // no local state (or none readable): nothing was left behind
	}
	st, err := provision.DecodeState(data, "state file "+cfg.Path)
	if err != nil {
		return nil // moved, or not a state rediskit would use anyway
	}
	to := gcsstate.URL(cfg.Bucket, cfg.Prefix)
	return fmt.Errorf("the stack's state block keeps the state in %s, but the local state file %s still holds the state "+
		"(lineage %s, serial %d): run `rediskit state migrate` to move it there (or delete %s if it is obsolete)",
		to, cfg.Path, st.Lineage, st.Serial, cfg.Path)
}

// movableStore is a state store that can leave the marker of a moved state.
// provision.FileStore and gcsstate.Store are.
type movableStore interface {
	provision.StateStore
	MarkMoved(ctx context.Context, to, by string) error
}

// runStateMigrate copies the state from its previous location to the one the
// stack's state block names, under both locks, checks the copy, then marks
// the previous location as moved. Run again after a failure, it picks up
// where it stopped: a copy already made is recognised, not refused.
func runStateMigrate(ctx context.Context, a *app, path, from string) error {
	stack, _, err := a.loadStack(path)
	if err != nil {
		return err
	}
	dst, err := openStateStore(stack.State)
	if err != nil {
		return err
	}
	src, err := migrateSource(ctx, stack.State, dst, from)
	if err != nil {
		return err
	}
	if src.Describe() == dst.Describe() {
		return fmt.Errorf("the state already lives at %s, where the stack's state block points; "+
			"to move it, change the state block first, then run `rediskit state migrate`", dst.Describe())
	}
	unlock, err := a.lockAll(ctx, "migrate", src, dst)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := src.Read(ctx)
	var moved *provision.MovedError
	switch {
	case errors.As(err, &moved) && moved.To == dst.Describe():
		a.stateView().Result(result{Kind: "state_migrate", Message: "The state was already moved to " + dst.Describe() + "; nothing to do."})
		return nil
	case err != nil:
		return fmt.Errorf("migrate: %w", err)
	case st == nil:
		return fmt.Errorf("there is no state at %s to migrate; check --from", src.Describe())
	}
	if err := copyState(ctx, st, dst); err != nil {
		return fmt.Errorf("%w; the state at %s is unchanged", err, src.Describe())
	}
	who := provision.NewLockInfo("migrate", "", Version, a.getenv).Who
	if err := src.MarkMoved(ctx, dst.Describe(), who); err != nil {
		return fmt.Errorf("the state was copied to %s, but %s could not be marked as moved: %w; "+
			"run `rediskit state migrate --from %s` again to finish", dst.Describe(), src.Describe(), err, src.Describe())
	}
	a.stateView().Result(result{Kind: "state_migrate", Message: fmt.Sprintf(
		"The state (redis blocks: %d, targets: %d) was moved from %s to %s; the old place now points to the new one.",
		len(st.Redis), len(st.Targets), src.Describe(), dst.Describe())})
	return nil
}

// migrateSource finds where the state was: --from, else the marker a
// previous migrate left at dst (moving back), else, for a gcs dst, the local
// state file beside the stack.
func migrateSource(ctx context.Context, cfg provision.StateConfig, dst provision.StateStore, from string) (movableStore, error) {
	if from != "" {
		return storeAt(from)
	}
	_, err := dst.Read(ctx)
	var moved *provision.MovedError
	switch {
	case errors.As(err, &moved):
		return storeAt(moved.To)
	case cfg.Backend == "gcs":
		if _, err := os.Stat(cfg.Path); err == nil {
			return provision.NewFileStore(cfg.Path), nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	return nil, fmt.Errorf("cannot tell where the state was before %s: name it with "+
		"`rediskit state migrate --from gs://BUCKET/PREFIX` or `--from PATH/state.json`", dst.Describe())
}

// storeAt opens a state location as given to --from or recorded in a moved
// marker: gs://BUCKET[/PREFIX[/default.rediskit.json]] or a file path.
func storeAt(loc string) (movableStore, error) {
	rest, ok := strings.CutPrefix(loc, "gs://")
	if !ok {
		abs, err := filepath.Abs(loc)
		if err != nil {
			return nil, fmt.Errorf("state location %q: %w", loc, err)
		}
		return provision.NewFileStore(abs), nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if p, ok := strings.CutSuffix(prefix, "default.rediskit.json"); ok {
		prefix = strings.Trim(p, "/")
	}
	if bucket == "" {
		return nil, fmt.Errorf("state location %q names no bucket; write it as gs://BUCKET/PREFIX", loc)
	}
	return gcsstate.New(gcsstate.Config{Bucket: bucket, Prefix: prefix}), nil
}

// lockAll takes the lock of each store in order, honouring --lock-timeout,
// and returns what releases them all. On failure it releases those taken.
func (a *app) lockAll(ctx context.Context, operation string, stores ...provision.StateStore) (func(), error) {
	var unlocks []func()
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for _, s := range stores {
		info := provision.NewLockInfo(operation, s.Describe(), Version, a.getenv)
		id, err := provision.LockWithTimeout(ctx, s, info, a.lockTimeout, a.stateView().LockWait)
		if err != nil {
			release()
			return nil, err
		}
		unlocks = append(unlocks, func() {
			if err := s.Unlock(context.Background(), id); err != nil {
				a.stateView().Error(fmt.Errorf("release the lock of %s: %w; run `rediskit state unlock %s` once no rediskit runs", s.Describe(), err, id))
			}
		})
	}
	return release, nil
}

// copyState writes st to dst unless dst holds a state already. A marker of
// st's project, or an identical copy from an earlier interrupted migrate,
// may be replaced; anything else is refused. The copy is read back and
// compared.
func copyState(ctx context.Context, st *provision.State, dst provision.StateStore) error {
	have, err := dst.Read(ctx)
	var moved *provision.MovedError
	switch {
	case errors.As(err, &moved):
		if moved.Lineage != st.Lineage {
			return fmt.Errorf("%s holds the moved marker of another project (lineage %s, not %s); "+
				"choose another location for this stack's state", dst.Describe(), moved.Lineage, st.Lineage)
		}
	case err != nil:
		return fmt.Errorf("migrate: %w", err)
	case have != nil && !sameResources(have, st):
		return fmt.Errorf("%s already holds a state (lineage %s, serial %d); rediskit will not overwrite it: "+
			"if it is an obsolete copy, delete it, then run `rediskit state migrate` again", dst.Describe(), have.Lineage, have.Serial)
	}
	next := *st
	if err := dst.Write(ctx, &next); err != nil {
		return fmt.Errorf("copy the state to %s: %w", dst.Describe(), err)
	}
	back, err := dst.Read(ctx)
	if err != nil || back == nil || !sameResources(back, st) {
		return fmt.Errorf("copy the state to %s: reading it back gave a different state (%v); check that location", dst.Describe(), err)
	}
	return nil
}

// sameResources reports whether two states are of one project and record
// the same resources (serials may differ).
func sameResources(a, b *provision.State) bool {
	return a.Lineage == b.Lineage && reflect.DeepEqual(a.Redis, b.Redis) && reflect.DeepEqual(a.Targets, b.Targets)
}
