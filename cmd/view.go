package cmd

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/provision"
)

// view renders what commands produce, for people (viewHuman) or for
// pipelines as JSON lines (viewJSON). Commands never format output
// themselves.
type view interface {
	// Diagnostics shows configuration problems with their source.
	Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File)
	// Plan shows a plan's changes and summary.
	Plan(p *provision.Plan)
	// Event shows progress of a refresh or apply.
	Event(ev provision.Event)
	// LockWait tells that the state is locked and when the next try is.
	LockWait(held *provision.LockError, next time.Duration)
	// Outputs shows each redis block's URL (masked unless revealed), and
	// for a URL that names a CA file, how to use it with redis-cli.
	Outputs(outs []outputValue)
	// DjangoSettings shows a CHANNEL_LAYERS block for channels_redis 4
	// that reads the URL from the environment variable env.
	DjangoSettings(env string)
	// Result closes a command with its outcome line.
	Result(r result)
	// Error shows an error that ends the command.
	Error(err error)
	// PlanCost shows the monthly cost estimate that follows a plan.
	PlanCost(pc *planCost)
	// Cost shows `rediskit cost`'s comparison of every provider option.
	Cost(r *costReport)
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
