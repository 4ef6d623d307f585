package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
)

const jsonDocFile = "../docs/json-output.md"

func mustSchema(t *testing.T) *jsonSchema {
	t.Helper()
	s, err := loadEventSchema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEventSchemaCatchesWrongLines proves the validator that jsonlines
// uses can fail, one way per rule it enforces.
func TestEventSchemaCatchesWrongLines(t *testing.T) {
	schema := mustSchema(t)
	const ts = `"@level":"info","@message":"m","@timestamp":"2026-11-25T21:44:10.8Z"`
	good := `{` + ts + `,"type":"version","rediskit":"1","ui":"1.0"}`
	if errs := schema.validateEvent([]byte(good)); len(errs) > 0 {
		t.Fatalf("a good line is refused: %v", errs)
	}
	for line, want := range map[string]string{
		`not json`:                                                                            "not JSON",
		`{` + ts + `,"type":"surprise"}`:                                                      `event type "surprise" is not in`,
		`{` + ts + `,"type":"version","ui":"1.0"}`:                                            `lacks required field "rediskit"`,
		`{` + ts + `,"type":"version","rediskit":1,"ui":"1.0"}`:                               "version.rediskit: is integer, want string",
		`{` + ts + `,"type":"version","rediskit":"1","ui":"1.0","extra":true}`:                `field "extra" is not documented`,
		`{"@level":"loud","@message":"m","@timestamp":"x","type":"refresh_complete"}`:         `loud is not one of`,
		`{"@level":"info","@message":"m","@timestamp":"yesterday","type":"refresh_complete"}`: `"yesterday" is not an RFC 3339 date-time`,
		`{` + ts + `,"type":"change_summary","changes":{"create":1.5}}`:                       "change_summary.changes.create: is number, want integer",
		`{` + ts + `,"type":"planned_change","change":{"address":"a","redis":"r","type":"t","action":"explode","reason":""}}`: "explode is not one of",
	} {
		errs := strings.Join(schema.validateEvent([]byte(line)), "\n")
		if !strings.Contains(errs, want) {
			t.Errorf("%s\n  errors: %s\n  want:   %s", line, errs, want)
		}
	}
}

// TestEventSchemaRefsResolve: a $ref to nothing would check nothing.
func TestEventSchemaRefsResolve(t *testing.T) {
	schema := mustSchema(t)
	var walk func(s *jsonSchema, at string)
	walk = func(s *jsonSchema, at string) {
		if s == nil {
			return
		}
		if s.Ref != "" && schema.Defs[strings.TrimPrefix(s.Ref, "#/$defs/")] == nil {
			t.Errorf("%s: $ref %s resolves to nothing", at, s.Ref)
		}
		for k, p := range s.Properties {
			walk(p, at+"."+k)
		}
		for _, sub := range append(slices.Clone(s.AllOf), s.OneOf...) {
			walk(sub, at)
		}
		walk(s.Items, at+"[]")
		walk(s.AdditionalProperties, at+".*")
	}
	walk(schema, "")
	for name, d := range schema.Defs {
		walk(d, name)
	}
	if len(schema.eventTypes()) != len(schema.OneOf) {
		t.Fatalf("%d oneOf branches but %d event types: each branch needs a type const", len(schema.OneOf), len(schema.eventTypes()))
	}
}

// TestJSONViewMatchesSchema drives the JSON view through every method and
// every kind of event, with every optional field set somewhere, and checks
// each line against the schema; every documented event type must appear.
func TestJSONViewMatchesSchema(t *testing.T) {
	schema := mustSchema(t)
	var buf bytes.Buffer
	v := newJSONView(&buf)
	emitSamples(t, v)
	seen := map[string]bool{}
	for i, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		if errs := schema.validateEvent(line); len(errs) > 0 {
			t.Errorf("line %d: %s\n%s", i+1, strings.Join(errs, "\n  "), line)
		}
		var m struct{ Type string }
		_ = json.Unmarshal(line, &m)
		seen[m.Type] = true
	}
	for typ := range schema.eventTypes() {
		if !seen[typ] {
			t.Errorf("the schema documents %q, which the JSON view never printed here: add a sample, or drop it from the schema", typ)
		}
	}
}

func emitSamples(t *testing.T, v *viewJSON) {
	rng := &hcl.Range{Filename: "stack.hcl", Start: hcl.Pos{Line: 2, Column: 14, Byte: 32}, End: hcl.Pos{Line: 2, Column: 15, Byte: 33}}
	v.Diagnostics(hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Unknown backend type", Detail: "Use local.", Subject: rng},
		{Severity: hcl.DiagWarning, Summary: "Deprecated"},
	}, nil)
	v.Error(errors.New("it broke; run it again"))
	change := &provision.Change{Address: "redis.channels", Redis: "channels", Type: "upstash", Action: provision.Replace,
		Reason: "region changed", Drift: "stopped outside rediskit", From: "local", Describe: "Upstash acme",
		Attrs:    []provision.AttrChange{{Name: "region", Old: "eu", New: "us", ForcesReplace: true, Note: "moved"}},
		Warnings: []string{"replacing deletes the data"}}
	bind := &provision.Change{Address: "target.dotenv.dev", Redis: "channels", Type: "dotenv", Action: provision.Bind,
		Reason: "not in state", URL: "redis://:****@127.0.0.1:6379/0"}
	v.Plan(&provision.Plan{Changes: []*provision.Change{change, bind, {Address: "redis.x", Redis: "x", Type: "local", Action: provision.NoOp}}})
	v.Plan(&provision.Plan{Destroy: true, Changes: []*provision.Change{{Address: "redis.x", Redis: "x", Type: "local", Action: provision.Delete, Reason: "destroy"}}})
	for _, typ := range []provision.EventType{provision.EventRefresh, provision.EventApplyStart, provision.EventApplyProgress,
		provision.EventApplyComplete, provision.EventApplyErrored} {
		v.Event(provision.Event{Type: typ, Address: "redis.channels", Action: provision.Create, Message: "m", Elapsed: 1500 * time.Millisecond})
	}
	v.Event(provision.Event{Type: provision.EventWarning, Message: "REDISKIT_GCP_ENDPOINT is set"})
	v.Event(provision.Event{Type: provision.EventWarning, Address: "redis.channels", Message: "embedded server"})
	for _, r := range []*provision.VerifyResult{
		{Passed: true, Checks: []provision.CheckResult{{Name: "ping", Passed: true, Detail: "PONG"}, {Name: "channels", Passed: true}},
			LatencyMedian: 400 * time.Microsecond, LatencyWorst: time.Millisecond, BillableCommands: 8},
		{Unreachable: true, BackendStatus: "READY"},
		{Failure: provision.FailureAuth, Err: errors.New("the password was refused"),
			Checks: []provision.CheckResult{{Name: "ping", Passed: false, Detail: "WRONGPASS"}}},
	} {
		v.Event(provision.Event{Type: provision.EventVerify, Address: "redis.channels", Message: r.Summary(), Verify: r})
	}
	v.Event(provision.Event{Type: provision.EventTargetCheck, Address: "target.dotenv.dev", Message: "holds the URL"})
	v.Event(provision.Event{Type: provision.EventMigration, Address: "redis.channels", Message: "upstash → memorystore",
		Steps: []string{"create the memorystore backend", "verify it"}})
	v.Event(provision.Event{Type: provision.EventTargetCheck, Address: "target.dotenv.dev", Message: "holds no URL", Failed: true})
	v.LockWait(&provision.LockError{Info: provision.LockInfo{ID: "123", Operation: "apply", Who: "alice@ci", Host: "ci", PID: 42,
		JobURL: "https://ci.example/job/1", Version: "0.1.0", Created: time.Now(), Path: ".rediskit/state.json"}}, 500*time.Millisecond)
	v.Outputs([]outputValue{{Name: "channels", Provider: "local", URL: "redis://:****@127.0.0.1:6379/0", Sensitive: true},
		{Name: "private", Provider: "memorystore", Sensitive: true, TLS: true, CAFile: "/srv/app/.rediskit/ca/private.pem",
			URL: "rediss://:****@10.0.0.3:6378/0?ssl_cert_reqs=required&ssl_ca_certs=/srv/app/.rediskit/ca/private.pem&ssl_check_hostname=false"}})
	v.DjangoSettings(djangoEnv)
	sum := provision.Summary{Create: 1, Bind: 1}
	for _, r := range []result{{Kind: "valid", Message: "ok"}, {Kind: "apply", Message: "done", Summary: &sum},
		{Kind: "plan_saved", Message: "saved", PlanFile: "plan.json"}, {Kind: "error", Message: "failed"}} {
		v.Result(r)
	}
	costSamples(t, v)
	commandSamples(v)
}

// commandSamples covers the events of fmt, migrate's edit, the approval
// refusal and the state commands.
func commandSamples(v *viewJSON) {
	v.Formatted(formatted{File: "stack.hcl", Rewritten: true})
	v.Formatted(formatted{File: "prod/stack.hcl", Diff: "--- prod/stack.hcl\n+++ prod/stack.hcl (formatted)\n"})
	v.StackEdit("stack.hcl", "--- stack.hcl\n+++ stack.hcl (migrated)\n")
	v.Approval("apply", false)
	v.StateList([]stateResource{{Address: "redis.channels.local", Redis: "channels", Type: "local", Status: "active", ID: "127.0.0.1:6379"},
		{Address: "target.dotenv.dev", Target: true, Redis: "channels", Type: "dotenv"}})
	v.StateList(nil)
	backend := &provision.BackendState{Type: "local", Status: "active", ID: "local:channels", Attrs: map[string]string{"port": "6379"},
		Pending: map[string]string{"operation": "op-1"}, URLFingerprint: "sha256:37ca", CreatedAt: time.Now(), VerifiedAt: time.Now()}
	v.StateShow("redis.channels", &provision.RedisState{Name: "channels", Backends: []*provision.BackendState{backend}, PreventDestroy: true})
	v.StateShow("redis.channels.local", backend)
	v.StateShow("target.dotenv.dev", &provision.TargetState{Type: "dotenv", Name: "dev", Redis: "channels",
		Attrs: provision.TargetAttrs{"path": ".env"}, URLFingerprint: "sha256:37ca", WrittenAt: time.Now(), Pending: map[string]string{"rev": "2"}})
}

func costSamples(t *testing.T, v *viewJSON) {
	prices, err := cost.LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	u := cost.Usage{Workers: 2, Layer: cost.LayerCore, MessagesPerDay: 50000}
	modelled := appDemand{Demand: cost.Model(u, cost.SourceStack), Usage: &u}
	measured := appDemand{Demand: cost.Demand{CommandsPerMonth: 3_000_000, CommandsKnown: true, StorageGB: 0.1,
		Source: cost.SourceMeasured, Basis: "30 days of stats"}, MeasuredBy: "upstash"}
	ms := cost.Backend{Provider: cost.Memorystore, Region: "us-central1", Tier: "BASIC", MemoryGB: 1}
	up := cost.Backend{Provider: cost.Upstash}
	before := prices.Estimate(up, modelled.Demand)
	warning := costWarning{Address: "redis.channels", Kind: cost.WarnIdlePolling, Message: "idle polling costs"}
	v.PlanCost(&planCost{AsOf: pricesAsOf(prices),
		Demands: []blockDemand{{Address: "redis.channels", appDemand: modelled}, {Address: "redis.cache", appDemand: measured}},
		Rows: []costRow{
			{Address: "redis.channels", Provider: cost.Memorystore, Role: roleActive, Estimate: prices.Estimate(ms, modelled.Demand),
				Before: &before, BeforeProvider: cost.Upstash},
			{Address: "redis.channels", Provider: cost.Upstash, Role: roleRetained, Estimate: prices.Estimate(up, cost.Demand{CommandsKnown: true})},
			{Address: "redis.cache", Provider: cost.Upstash, Role: roleActive, Estimate: prices.Estimate(up, measured.Demand)},
		},
		Warnings: []costWarning{warning}})
	cmp := prices.Compare(cost.Scenario{Demand: modelled.Demand, Upstash: up, Memorystore: ms, Active: cost.Upstash})
	if len(cmp.BreakEvens) == 0 || len(cmp.Reference) == 0 {
		t.Fatalf("the sample comparison has no break-even or reference rows: %+v", cmp)
	}
	v.Cost(&costReport{AsOf: pricesAsOf(prices), Sections: []costSection{
		{Address: "redis.channels", appDemand: appDemand{Demand: modelled.Demand, Usage: &u, Warnings: []costWarning{warning}},
			Comparison: cmp, Role: roleActive},
		{Address: "redis.bare", Comparison: prices.Compare(cost.Scenario{Upstash: up, Memorystore: cost.Backend{Provider: cost.Memorystore}}),
			Role: "planned"},
	}})
}

// docSections splits the doc into "## H2" parts holding "### `name`"
// sections, each with its text.
func docSections(doc string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var h2, h3 string
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			h2, h3 = strings.TrimPrefix(line, "## "), ""
			out[h2] = map[string]string{}
		case strings.HasPrefix(line, "### `") && strings.HasSuffix(line, "`"):
			h3 = strings.Trim(strings.TrimPrefix(line, "### "), "`")
			out[h2][h3] = ""
		case h3 != "":
			out[h2][h3] += line + "\n"
		}
	}
	return out
}

var backticked = regexp.MustCompile("`([^`]+)`")

// mentioned returns every dotted segment of every `code` span in text.
func mentioned(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range backticked.FindAllStringSubmatch(text, -1) {
		for _, seg := range strings.FieldsFunc(m[1], func(r rune) bool { return r == '.' || r == ',' || r == ' ' }) {
			out[seg] = true
		}
	}
	return out
}

// TestJSONDocMatchesSchema keeps docs/json-output.md and the schema from
// drifting: the same events and shared objects, and every field of each
// named in its section.
func TestJSONDocMatchesSchema(t *testing.T) {
	schema := mustSchema(t)
	data, err := os.ReadFile(jsonDocFile)
	if err != nil {
		t.Fatal(err)
	}
	sections := docSections(string(data))
	events := schema.eventTypes()
	shared := schema.sharedDefs()
	if got, want := sortedKeys(sections["Events"]), sortedKeys(events); !slices.Equal(got, want) {
		t.Errorf("events in %s: %v\nin the schema: %v", jsonDocFile, got, want)
	}
	if got, want := sortedKeys(sections["Objects"]), sortedKeys(shared); !slices.Equal(got, want) {
		t.Errorf("objects in %s: %v\nshared objects in the schema: %v", jsonDocFile, got, want)
	}
	check := func(part, name string, s *jsonSchema) {
		have := mentioned(sections[part][name])
		for _, field := range schema.fieldNames(s, shared) {
			if !have[field] {
				t.Errorf("%s: the section on `%s` never names field `%s`", jsonDocFile, name, field)
			}
		}
	}
	for name, s := range events {
		check("Events", name, s)
	}
	for name := range shared {
		check("Objects", name, schema.Defs[name])
	}
	if !strings.Contains(string(data), "now **`"+jsonUIVersion+"`**") || !strings.Contains(schema.Title, "ui version "+jsonUIVersion) {
		t.Errorf("the doc or the schema's title does not give the ui version %s", jsonUIVersion)
	}
}

// sharedDefs are the schema's objects that several events reference.
func (root *jsonSchema) sharedDefs() map[string]*jsonSchema {
	events := root.eventTypes()
	out := map[string]*jsonSchema{}
	for name, d := range root.Defs {
		if _, isEvent := events[name]; !isEvent && name != "common" && len(d.Properties) > 0 {
			out[name] = d
		}
	}
	return out
}

// fieldNames lists the field names s documents, nested ones included,
// without descending into shared objects or the common fields.
func (root *jsonSchema) fieldNames(s *jsonSchema, shared map[string]*jsonSchema) []string {
	seen := map[string]bool{}
	var walk func(s *jsonSchema, top bool)
	walk = func(s *jsonSchema, top bool) {
		if s == nil {
			return
		}
		if name := strings.TrimPrefix(s.Ref, "#/$defs/"); s.Ref != "" {
			if _, ok := shared[name]; ok || name == "common" {
				return
			}
			s = root.resolve(s)
		}
		for _, sub := range s.AllOf {
			walk(sub, false)
		}
		for k, p := range s.Properties {
			if !top || k != "type" {
				seen[k] = true
			}
			walk(p, false)
		}
		walk(s.Items, false)
		walk(s.AdditionalProperties, false)
	}
	walk(s, true)
	return sortedKeys(seen)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestEveryJSONRunIsChecked: every script line that runs rediskit with
// --json is followed by `jsonlines stdout`, and the scripts run every
// command that has a stream with --json.
func TestEveryJSONRunIsChecked(t *testing.T) {
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	covered := map[string]bool{}
	for _, path := range scripts {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := scriptLines(string(data))
		for i, fields := range lines {
			sub, ok := jsonRun(fields)
			if !ok {
				continue
			}
			covered[sub] = true
			if i+1 >= len(lines) || strings.Join(lines[i+1], " ") != "jsonlines stdout" {
				t.Errorf("%s: `%s` is not followed by `jsonlines stdout`", path, strings.Join(fields, " "))
			}
		}
	}
	for _, sub := range []string{"validate", "fmt", "plan", "apply", "destroy", "verify", "output", "import", "cost", "state", "version", "migrate", "prune"} {
		if !covered[sub] {
			t.Errorf("no script runs `rediskit %s --json`", sub)
		}
	}
}

// scriptLines returns the command lines of a script (before its files),
// without comments and blank lines, split into fields.
func scriptLines(script string) [][]string {
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			break
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line))
	}
	return out
}

// jsonRun reports whether a script line runs rediskit with --json, and
// which command.
func jsonRun(fields []string) (string, bool) {
	i := slices.Index(fields, "rediskit")
	if i < 0 || !slices.Contains(fields[i:], "--json") {
		return "", false
	}
	switch fields[0] {
	case "exec", "!", "exitcode":
	default:
		return "", false
	}
	for _, f := range fields[i+1:] {
		if !strings.HasPrefix(f, "-") {
			return f, true
		}
	}
	return "", true
}
