package cmd

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/provision"
)

// The views render what commands produce, for people (viewHuman) or for
// pipelines as JSON lines (viewJSON). Commands never format output
// themselves. Each command sees only the small interface it needs (the
// *View interfaces below, built from a few shared parts); view is their
// union, which both renderings implement.
type view interface {
	validateView
	fmtView
	planView
	applyView
	migrateView
	verifyView
	outputView
	costView
	stateView
}

// problemView is what every command may show: configuration problems,
// the error that ends it, and warnings and progress events.
type problemView interface {
	// Diagnostics shows configuration problems with their source.
	Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File)
	// Error shows an error that ends the command.
	Error(err error)
	// Event shows progress of a refresh or apply, or a warning.
	Event(ev provision.Event)
}

// lockView is for commands that take the state lock.
type lockView interface {
	// LockWait tells that the state is locked and when the next try is.
	LockWait(held *provision.LockError, next time.Duration)
}

// resultView closes a command with its outcome line.
type resultView interface {
	Result(r result)
}

// validateView is what `validate` and `version` show.
type validateView interface {
	problemView
	resultView
}

// fmtView is what `fmt` shows.
type fmtView interface {
	problemView
	// Formatted names a stack file that is (or with --check would be)
	// rewritten, with the unified diff when --diff asks for it.
	Formatted(f formatted)
}

// planView is what `plan` and `import` show.
type planView interface {
	problemView
	lockView
	resultView
	// Plan shows a plan's changes and summary.
	Plan(p *provision.Plan)
	// PlanCost shows the monthly cost estimate that follows a plan.
	PlanCost(pc *planCost)
}

// applyView is what `apply`, `destroy` and `prune` show.
type applyView interface {
	planView
	// Approval shows that operation needs approval: the question when it
	// can be asked on a terminal (canAsk), else that it cannot.
	Approval(operation string, canAsk bool)
}

// migrateView is what `migrate` shows.
type migrateView interface {
	applyView
	// StackEdit shows the edit made to the stack file, as a unified diff.
	StackEdit(file, diff string)
}

// verifyView is what `verify` shows.
type verifyView interface {
	problemView
	lockView
	resultView
}

// outputView is what `output` shows.
type outputView interface {
	problemView
	lockView
	// Outputs shows each redis block's URL (masked unless revealed), and
	// for a URL that names a CA file, how to use it with redis-cli.
	Outputs(outs []outputValue)
	// DjangoSettings shows a CHANNEL_LAYERS block for channels_redis 4
	// that reads the URL from the environment variable env.
	DjangoSettings(env string)
}

// costView is what `cost` shows.
type costView interface {
	problemView
	// Cost shows `rediskit cost`'s comparison of every provider option.
	Cost(r *costReport)
}

// stateView is what the `state` commands show.
type stateView interface {
	problemView
	lockView
	resultView
	// StateList shows every resource the state records.
	StateList(rs []stateResource)
	// StateShow shows one entry of the state: a *provision.RedisState,
	// *provision.BackendState or *provision.TargetState.
	StateShow(addr string, entry any)
}

// stateResource is one line of `state list`.
type stateResource struct {
	Address string
	// Target is set for a target; otherwise it is a backend.
	Target bool
	Redis  string
	// Type is the backend or target type.
	Type       string
	Status, ID string
}

// formatted is a stack file fmt rewrites, or with --check would.
type formatted struct {
	File      string
	Rewritten bool
	// Diff is the unified diff, when --diff asks for it.
	Diff string
}

// outputValue is one redis block's URL for `rediskit output`.
type outputValue struct {
	Name      string `json:"name"`
	Provider  string `json:"provider"`
	URL       string `json:"url"`
	Sensitive bool   `json:"sensitive"`
	// TLS is set for a rediss:// URL.
	TLS bool `json:"tls"`
	// CAFile is the absolute path of the CA bundle the URL names (its
	// ssl_ca_certs parameter), for a backend with a CA of its own; empty
	// when the system's roots trust the server.
	CAFile string `json:"ca_file,omitempty"`
}

// result is a command's closing line, as data.
type result struct {
	// Kind is "apply", "destroy", "plan", "verify", "no_changes", ...
	Kind    string
	Message string
	Summary *provision.Summary
	// PlanFile is the saved plan's path, for "plan_saved".
	PlanFile string
}
