package cmd

import (
	"time"

	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
)

// The wire types below are the objects of the --json stream that would
// otherwise be engine types marshalled as they are. They copy field by
// field, so that renaming or adding an engine field cannot change the
// documented schema (docs/json-output.schema.json) silently:
// TestWireTypesMatchSchema pins each of them to its schema object.

// jsonChange is the stream's `change` object.
type jsonChange struct {
	Address  string     `json:"address"`
	Redis    string     `json:"redis"`
	Type     string     `json:"type"`
	Action   string     `json:"action"`
	Reason   string     `json:"reason"`
	Drift    string     `json:"drift,omitempty"`
	From     string     `json:"from,omitempty"`
	Describe string     `json:"describe,omitempty"`
	Attrs    []jsonAttr `json:"attrs,omitempty"`
	Warnings []string   `json:"warnings,omitempty"`
	URL      string     `json:"url,omitempty"`
}

// jsonAttr is one attribute of a change that differs.
type jsonAttr struct {
	Name          string `json:"name"`
	Old           string `json:"old"`
	New           string `json:"new"`
	ForcesReplace bool   `json:"forces_replace,omitempty"`
	Note          string `json:"note,omitempty"`
}

func wireChange(c *provision.Change) jsonChange {
	out := jsonChange{Address: c.Address, Redis: c.Redis, Type: c.Type, Action: wireAction(c.Action), Reason: c.Reason,
		Drift: c.Drift, From: c.From, Describe: c.Describe, Warnings: c.Warnings, URL: c.URL}
	for _, a := range c.Attrs {
		out.Attrs = append(out.Attrs, jsonAttr{Name: a.Name, Old: a.Old, New: a.New, ForcesReplace: a.ForcesReplace, Note: a.Note})
	}
	return out
}

// jsonLock is a lock_wait event's `lock`: who holds the state lock.
type jsonLock struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Who       string    `json:"who"`
	Host      string    `json:"host"`
	PID       int       `json:"pid,omitempty"`
	JobURL    string    `json:"job_url,omitempty"`
	Version   string    `json:"version,omitempty"`
	Created   time.Time `json:"created"`
	Path      string    `json:"path"`
}

func wireLock(i provision.LockInfo) jsonLock {
	return jsonLock{ID: i.ID, Operation: i.Operation, Who: i.Who, Host: i.Host, PID: i.PID, JobURL: i.JobURL,
		Version: i.Version, Created: i.Created, Path: i.Path}
}

// jsonCheck is one check of a verify_result.
type jsonCheck struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

func wireChecks(cs []provision.CheckResult) []jsonCheck {
	out := []jsonCheck{}
	for _, c := range cs {
		out = append(out, jsonCheck{Name: c.Name, Passed: c.Passed, Detail: c.Detail})
	}
	return out
}

// jsonReference is a provider rediskit cannot create, in a cost_comparison.
type jsonReference struct {
	Provider    string     `json:"provider"`
	Plan        string     `json:"plan"`
	USDPerMonth jsonFigure `json:"usd_per_month"`
	Includes    string     `json:"includes"`
}

// jsonFigure is a published price and where it was read.
type jsonFigure struct {
	Value       float64 `json:"value"`
	Source      string  `json:"source"`
	Unconfirmed bool    `json:"unconfirmed,omitempty"`
	Note        string  `json:"note,omitempty"`
}

func wireReferences(rows []cost.ReferenceRow) []jsonReference {
	out := []jsonReference{}
	for _, r := range rows {
		f := r.USDPerMonth
		out = append(out, jsonReference{Provider: r.Provider, Plan: r.Plan, Includes: r.Includes,
			USDPerMonth: jsonFigure{Value: f.Value, Source: f.Source, Unconfirmed: f.Unconfirmed, Note: f.Note}})
	}
	return out
}

// jsonOutput is one redis block's entry in an outputs event.
type jsonOutput struct {
	Name      string `json:"name"`
	Provider  string `json:"provider"`
	URL       string `json:"url"`
	Sensitive bool   `json:"sensitive"`
	TLS       bool   `json:"tls"`
	CAFile    string `json:"ca_file,omitempty"`
}

func wireOutput(o outputValue) jsonOutput {
	return jsonOutput(o)
}

// jsonStateResource is one line of `state list`: a backend or a target
// recorded in the state.
type jsonStateResource struct {
	Address string `json:"address"`
	// Kind is "backend" or "target".
	Kind  string `json:"kind"`
	Redis string `json:"redis"`
	// Type is the backend or target type.
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
}

// jsonFormat is one stack file that fmt rewrote (or, with --check, would).
type jsonFormat struct {
	File      string `json:"file"`
	Rewritten bool   `json:"rewritten"`
	Diff      string `json:"diff,omitempty"`
}

// jsonStackEdit is the edit migrate makes to the stack file.
type jsonStackEdit struct {
	File string `json:"file"`
	Diff string `json:"diff"`
}

// jsonApproval says that an operation needs approval.
type jsonApproval struct {
	Operation string `json:"operation"`
	Flag      string `json:"flag"`
}

// jsonStateRedis is a redis block as the state records it, for
// state_record.
type jsonStateRedis struct {
	Name           string             `json:"name"`
	Backends       []jsonStateBackend `json:"backends"`
	PreventDestroy bool               `json:"prevent_destroy,omitempty"`
}

// jsonStateBackend is one backend as the state records it. Attrs and
// Pending are the adapter's own keys, an open set.
type jsonStateBackend struct {
	Type           string            `json:"type"`
	Status         string            `json:"status"`
	ID             string            `json:"id,omitempty"`
	Attrs          map[string]string `json:"attrs,omitempty"`
	Pending        map[string]string `json:"pending,omitempty"`
	URLFingerprint string            `json:"url_fingerprint,omitempty"`
	CreatedAt      time.Time         `json:"created_at,omitzero"`
	VerifiedAt     time.Time         `json:"verified_at,omitzero"`
}

// jsonStateTarget is one target as the state records it.
type jsonStateTarget struct {
	Type           string            `json:"type"`
	Name           string            `json:"name"`
	Redis          string            `json:"redis"`
	Attrs          map[string]string `json:"attrs"`
	URLFingerprint string            `json:"url_fingerprint"`
	WrittenAt      time.Time         `json:"written_at,omitzero"`
	Pending        map[string]string `json:"pending,omitempty"`
}

func wireStateBackend(b *provision.BackendState) jsonStateBackend {
	return jsonStateBackend{Type: b.Type, Status: b.Status, ID: b.ID, Attrs: b.Attrs, Pending: b.Pending,
		URLFingerprint: b.URLFingerprint, CreatedAt: b.CreatedAt, VerifiedAt: b.VerifiedAt}
}

func wireStateRedis(rs *provision.RedisState) jsonStateRedis {
	out := jsonStateRedis{Name: rs.Name, Backends: []jsonStateBackend{}, PreventDestroy: rs.PreventDestroy}
	for _, b := range rs.Backends {
		out.Backends = append(out.Backends, wireStateBackend(b))
	}
	return out
}

func wireStateTarget(t *provision.TargetState) jsonStateTarget {
	attrs := map[string]string(t.Attrs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	return jsonStateTarget{Type: t.Type, Name: t.Name, Redis: t.Redis, Attrs: attrs, URLFingerprint: t.URLFingerprint,
		WrittenAt: t.WrittenAt, Pending: t.Pending}
}
