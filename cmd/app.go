package cmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/providers"
	"github.com/rediskit/rediskit/provision"
)

// app is what every command shares: the streams, the environment and the
// global flags. It holds no provider client; those are built per command,
// lazily, by the registry's adapters.
type app struct {
	streams  *Streams
	getenv   func(string) string
	stopping atomic.Bool

	json        bool
	noColor     bool
	vars        []string
	lockTimeout time.Duration

	v view
}

func newApp(streams *Streams, getenv func(string) string) *app {
	return &app{streams: streams, getenv: getenv}
}

// view returns the view chosen by --json, building it on first use.
func (a *app) view() view {
	if a.v == nil {
		if a.json {
			a.v = newJSONView(a.streams.Out)
		} else {
			a.v = newHumanView(a.streams, a.color())
		}
	}
	return a.v
}

func (a *app) color() bool {
	return !a.noColor && a.getenv("NO_COLOR") == "" && a.streams.OutTTY
}

// warn shows a warning from an adapter.
func (a *app) warn(msg string) {
	a.view().Event(provision.Event{Type: provision.EventWarning, Message: msg})
}

// stopRequested is handed to the engine, which checks it between steps.
func (a *app) stopRequested() bool { return a.stopping.Load() }

// stackPath returns the stack file named by args, or stack.hcl.
func stackPath(args []string) string {
	if len(args) > 0 && args[0] != "" {
		return args[0]
	}
	return "stack.hcl"
}

// parseVars turns --var NAME=VALUE flags into a map.
func (a *app) parseVars() (map[string]string, hcl.Diagnostics) {
	vars := map[string]string{}
	var diags hcl.Diagnostics
	for _, kv := range a.vars {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var",
				Detail: fmt.Sprintf("--var %q is not NAME=VALUE; write it as --var project=acme-prod.", kv)})
			continue
		}
		vars[name] = value
	}
	return vars, diags
}

// env is what adapters may read of the world.
func (a *app) env(dir string) provision.Env {
	return provision.Env{Getenv: a.getenv, Dir: dir, Executable: selfExecutable(), Warn: a.warn}
}

// loadStack loads and validates a stack, rendering diagnostics through the
// view. It returns errReported when the stack has errors.
func (a *app) loadStack(path string) (*provision.Stack, *provision.Registry, error) {
	return a.decodeStack(path, func(opts provision.LoadOptions) (*provision.Stack, hcl.Diagnostics) {
		return provision.LoadStack(path, opts)
	})
}

// parseStack is loadStack for a stack whose source is in memory (migrate's
// edited file, before it is written).
func (a *app) parseStack(path string, src []byte) (*provision.Stack, *provision.Registry, error) {
	return a.decodeStack(path, func(opts provision.LoadOptions) (*provision.Stack, hcl.Diagnostics) {
		return provision.ParseStack(src, path, opts)
	})
}

func (a *app) decodeStack(path string, decode func(provision.LoadOptions) (*provision.Stack, hcl.Diagnostics)) (*provision.Stack, *provision.Registry, error) {
	vars, diags := a.parseVars()
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if info, err := os.Stat(abs); err == nil && info.IsDir() {
		abs = filepath.Join(abs, "stack.hcl")
	}
	reg := providers.Default(a.env(filepath.Dir(abs)))
	stack, more := decode(provision.LoadOptions{Registry: reg, Vars: vars, Getenv: a.getenv})
	diags = append(diags, more...)
	if len(diags) > 0 {
		a.view().Diagnostics(diags, stack.Files)
	}
	if diags.HasErrors() {
		return nil, nil, errReported
	}
	return stack, reg, nil
}

// selfExecutable finds the running rediskit binary for helper processes.
// The name it was started by is preferred over os.Executable so that a
// binary reached through a link runs under the same name again.
func selfExecutable() string {
	if arg0 := os.Args[0]; strings.ContainsRune(arg0, filepath.Separator) {
		if abs, err := filepath.Abs(arg0); err == nil {
			return abs
		}
	} else if p, err := exec.LookPath(arg0); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	exe, _ := os.Executable()
	return exe
}

// session is a command's hold on the state: the engine, the state read
// under the lock, and how to let go of the lock.
type session struct {
	engine *provision.Engine
	state  *provision.State
	unlock func()
}

// openState takes the state lock for operation (honouring --lock-timeout)
// and reads the state.
func (a *app) openState(ctx context.Context, stack *provision.Stack, reg *provision.Registry, operation string) (*session, error) {
	store, err := a.stateStore(stack.State)
	if err != nil {
		return nil, err
	}
	engine := &provision.Engine{Registry: reg, Store: store, Version: Version, Observe: a.view().Event, Boundary: crashHook(a.getenv)}
	info := provision.NewLockInfo(operation, store.Describe(), Version, a.getenv)
	id, err := provision.LockWithTimeout(ctx, store, info, a.lockTimeout, a.view().LockWait)
	if err != nil {
		return nil, err
	}
	unlock := func() {
		if err := store.Unlock(context.Background(), id); err != nil {
			a.view().Error(fmt.Errorf("release the state lock: %w; run `rediskit state unlock %s` once no rediskit runs", err, id))
		}
	}
	st, err := engine.ReadState(ctx)
	if err != nil {
		unlock()
		return nil, err
	}
	return &session{engine: engine, state: st, unlock: unlock}, nil
}

// stateStore opens the state backend the stack's state block names. It
// refuses a gcs backend while the local state file still holds the state
// (the state block was changed without `rediskit state migrate`), rather
// than let a run start over from an empty bucket. No Cloud Storage client is
// built here: the gcs store builds one on first use.
func (a *app) stateStore(cfg provision.StateConfig) (provision.StateStore, error) {
	if cfg.Backend == "gcs" {
		if err := refuseLeftBehind(cfg); err != nil {
			return nil, err
		}
	}
	return openStateStore(cfg)
}
