package provision_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

// renamed is src with target "web" writing under key web2 instead of web.
func renamed(src string) string {
	return strings.Replace(src, `key   = "web"`, `key   = "web2"`, 1)
}

func TestSettingsChangeIsOneMove(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	url, _ := w.targets.Value("web")
	stack := w.stack(renamed(oneStack))

	p, _ := w.plan(stack)
	if got := actions(p); got != "bind target.fake.web" {
		t.Fatalf("plan = %q, want one bind", got)
	}
	c := p.Changes[len(p.Changes)-1]
	if want := "settings changed: moves from {key = web} to {key = web2} in one change"; c.Reason != want {
		t.Fatalf("reason %q, want %q", c.Reason, want)
	}
	if s := p.Summary(); s.Bind != 1 || s.Unbind != 0 {
		t.Fatalf("summary %+v", s)
	}
	w.mustApply(stack)

	writes := w.targets.Writes()
	last := writes[len(writes)-1]
	if last.Attrs["key"] != "web2" || !maps.Equal(last.Conn.Previous, provision.TargetAttrs{"key": "web"}) {
		t.Fatalf("Write got attrs %v, Previous %v", last.Attrs, last.Conn.Previous)
	}
	if got, ok := w.targets.Value("web2"); !ok || got != url {
		t.Fatalf("web2 holds %q, %v", got, ok)
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("the old place still holds the value")
	}
	ts := w.state().Target("fake", "web")
	if ts == nil || !maps.Equal(ts.Attrs, provision.TargetAttrs{"key": "web2"}) || len(ts.Pending) != 0 {
		t.Fatalf("state records %+v", ts)
	}
	if p, _ := w.plan(stack); p.HasChanges() {
		t.Fatalf("after the move: %q", actions(p))
	}
}

func TestMoveWritesEvenWhenTheNewPlaceHoldsTheValue(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	url, _ := w.targets.Value("web")
	w.targets.Set("web2", url) // as a run that stopped right after its write leaves it
	stack := w.stack(renamed(oneStack))
	if got := actions(first(w.plan(stack))); got != "bind target.fake.web" {
		t.Fatalf("plan = %q", got)
	}
	w.mustApply(stack)
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("the old place was not cleared")
	}
}

func first(p *provision.Plan, _ *provision.State) *provision.Plan { return p }

// A move interrupted after its target recorded pending data (a Cloud Run
// revision it waits for) leaves the old settings in state beside that data,
// so the next plan is the same move, and its Write gets both.
func TestInterruptedMoveResumesAsAMove(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	url, _ := w.targets.Value("web")
	stack := w.stack(renamed(oneStack))
	pending := map[string]string{provision.PendingNote: "revision web-00002", "revision": "web-00002"}
	w.targets.BeforeWrite = func(_ provision.TargetAttrs, conn provision.Connection) error {
		if err := conn.Record(pending); err != nil {
			return err
		}
		return provision.ErrInterrupted
	}
	if err := w.apply(stack); !errors.Is(err, provision.ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	ts := w.state().Target("fake", "web")
	if ts == nil || ts.Attrs["key"] != "web" || !maps.Equal(ts.Pending, pending) {
		t.Fatalf("after the interruption state records %+v", ts)
	}
	if got, _ := w.targets.Value("web"); got != url {
		t.Fatal("the old place lost its value")
	}

	w.targets.BeforeWrite = nil
	p, _ := w.plan(stack)
	if got := actions(p); got != "bind target.fake.web" {
		t.Fatalf("resume plan = %q", got)
	}
	reason := p.Changes[len(p.Changes)-1].Reason
	if !strings.Contains(reason, "revision web-00002 was pending") || !strings.Contains(reason, "moves from {key = web} to {key = web2}") {
		t.Fatalf("resume reason %q", reason)
	}
	w.mustApply(stack)
	writes := w.targets.Writes()
	last := writes[len(writes)-1]
	if !maps.Equal(last.Conn.Previous, provision.TargetAttrs{"key": "web"}) || !maps.Equal(last.Conn.Pending, pending) {
		t.Fatalf("resumed Write got Previous %v, Pending %v", last.Conn.Previous, last.Conn.Pending)
	}
	ts = w.state().Target("fake", "web")
	if ts.Attrs["key"] != "web2" || len(ts.Pending) != 0 {
		t.Fatalf("after the resumed move state records %+v", ts)
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("the old place still holds the value")
	}
}

// plainTarget hides the fake's Mover method: a target type that cannot
// move a value.
type plainTarget struct{ provision.Target }

func TestTargetThatCannotMoveKeepsTheOldPlace(t *testing.T) {
	w := newWorld(t)
	reg := provision.NewRegistry()
	reg.AddBackend(w.fake)
	reg.AddBackend(w.other)
	reg.AddTarget(plainTarget{w.targets})
	w.engine.Registry = reg
	w.mustApply(w.stack(oneStack))
	url, _ := w.targets.Value("web")
	stack := w.stack(renamed(oneStack))

	p, _ := w.plan(stack)
	c := p.Changes[len(p.Changes)-1]
	if got := actions(p); got != "bind target.fake.web" || c.Reason != "settings changed: written to {key = web2}" {
		t.Fatalf("plan = %q: %q", got, c.Reason)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "fake targets leave the place their old settings named ({key = web}) as it is") {
		t.Fatalf("warnings %q", c.Warnings)
	}
	w.mustApply(stack)
	writes := w.targets.Writes()
	if last := writes[len(writes)-1]; last.Conn.Previous != nil {
		t.Fatalf("a target that is no Mover got Previous %v", last.Conn.Previous)
	}
	for _, key := range []string{"web", "web2"} {
		if got, _ := w.targets.Value(key); got != url {
			t.Fatalf("%s holds %q, want the URL", key, got)
		}
	}
	if ts := w.state().Target("fake", "web"); ts.Attrs["key"] != "web2" {
		t.Fatalf("state records %v", ts.Attrs)
	}
}

func TestFailedSwitchMovesAMovedTargetBack(t *testing.T) {
	for _, tt := range []struct {
		name, failKey string
		writes        int // Writes of the moved target, rollback included
	}{
		// The moved target switched; another then failed: it moves back.
		{"another target fails", "worker", 2},
		// The moved target's own Write failed, leaving both places as they
		// were: nothing to put back.
		{"the moved target fails", "web2", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.mustApply(w.stack(twoTargets))
			oldURL, _ := w.targets.Value("web")
			failed := false
			w.targets.Fail = func(op, key string) error {
				if op == "write" && key == tt.failKey && !failed {
					failed = true
					return errors.New("new revision failed: container did not start")
				}
				return nil
			}
			before := len(w.targets.Writes())
			err := w.apply(w.stack(renamed(switchTo(twoTargets, "other"))))
			if err == nil || !strings.Contains(err.Error(), "Every target of redis.channels is back on the fake backend") {
				t.Fatalf("err = %v", err)
			}
			if got, _ := w.targets.Value("web"); got != oldURL {
				t.Fatalf("web holds %q, want the old URL back", got)
			}
			if got, ok := w.targets.Value("web2"); ok {
				t.Fatalf("web2 still holds %q", got)
			}
			if ts := w.state().Target("fake", "web"); ts.Attrs["key"] != "web" || ts.URLFingerprint != provision.Fingerprint(w.state().Lineage, oldURL) {
				t.Fatalf("state records %+v", ts)
			}
			n := 0
			for _, wr := range w.targets.Writes()[before:] {
				if wr.Attrs["key"] == "web" || wr.Attrs["key"] == "web2" {
					n++
				}
			}
			if n != tt.writes {
				t.Fatalf("%d writes of the moved target, want %d", n, tt.writes)
			}

			// Retrying moves it and switches it in one go.
			w.targets.Fail = nil
			p, _ := w.plan(w.stack(renamed(switchTo(twoTargets, "other"))))
			if !strings.Contains(actions(p), "bind target.fake.web") {
				t.Fatalf("retry plan = %q", actions(p))
			}
			w.mustApply(w.stack(renamed(switchTo(twoTargets, "other"))))
			if got, _ := w.targets.Value("web2"); !strings.Contains(got, "other-channels") {
				t.Fatalf("web2 holds %q", got)
			}
			if _, ok := w.targets.Value("web"); ok {
				t.Fatal("web still holds a value")
			}
		})
	}
}

func TestMoveToABackendBeingReplaced(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	stack := w.stack(renamed(strings.Replace(oneStack, `"eu"`, `"us"`, 1)))
	p, _ := w.plan(stack)
	if got := actions(p); got != "replace redis.channels; bind target.fake.web" {
		t.Fatalf("plan = %q", got)
	}
	c := p.Changes[1]
	if want := "settings changed: moves from {key = web} to {key = web2} in one change; the URL of redis.channels is known after apply"; c.Reason != want || c.URL != "" {
		t.Fatalf("reason %q, url %q; want %q", c.Reason, c.URL, want)
	}
	w.mustApply(stack)
	if got, _ := w.targets.Value("web2"); !strings.Contains(got, "fake-channels") {
		t.Fatalf("web2 holds %q", got)
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("the old place still holds a value")
	}
}
