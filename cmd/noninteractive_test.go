package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

// localStack is a stack whose plan needs nothing but this machine.
const localStack = `redis "channels" {
  provider = "local"
  local {}
}
`

// run is one Main invocation with captured streams.
type run struct {
	code     int
	out, err string
	readIn   bool
}

// noRead is a stdin that records whether anything read it.
type noRead struct{ read *bool }

func (r noRead) Read([]byte) (int, error) { *r.read = true; return 0, io.EOF }

// runMain runs rediskit in-process on the stack in dir, with the given
// terminals and environment. Stdin is s.In, or else a reader that records
// being read.
func runMain(t *testing.T, dir string, s Streams, env map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	var r run
	s.Out, s.Err = &out, &errb
	if s.In == nil {
		s.In = noRead{read: &r.readIn}
	}
	args = append(args, filepath.Join(dir, "stack.hcl"))
	r.code = Main(args, &s, func(k string) string { return env[k] })
	r.out, r.err = out.String(), errb.String()
	return r
}

func stackDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stack.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

const ansi = "\x1b["

// TestColourOnlyOnATerminal: colour when stdout is a terminal, never when
// it is not, nor with NO_COLOR or --no-color, nor in the JSON stream; and
// the same for the diagnostics on stderr.
func TestColourOnlyOnATerminal(t *testing.T) {
	good := stackDir(t, localStack)
	bad := stackDir(t, "redis \"channels\" {\n  provider = 3\n}\n")
	for _, tc := range []struct {
		name   string
		tty    bool
		env    map[string]string
		flags  []string
		colour bool
	}{
		{name: "terminal", tty: true, colour: true},
		{name: "pipe", tty: false},
		{name: "NO_COLOR", tty: true, env: map[string]string{"NO_COLOR": "1"}},
		{name: "--no-color", tty: true, flags: []string{"--no-color"}},
		{name: "--json", tty: true, flags: []string{"--json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok := runMain(t, good, Streams{OutTTY: tc.tty, InTTY: tc.tty}, tc.env, append([]string{"validate"}, tc.flags...)...)
			failed := runMain(t, bad, Streams{OutTTY: tc.tty, InTTY: tc.tty}, tc.env, append([]string{"validate"}, tc.flags...)...)
			if ok.code != 0 || failed.code != 1 {
				t.Fatalf("exit codes %d and %d, want 0 and 1\n%s%s", ok.code, failed.code, ok.err, failed.err)
			}
			for name, text := range map[string]string{"stdout": ok.out, "stderr": failed.err + failed.out} {
				if got := strings.Contains(text, ansi); got != tc.colour {
					t.Errorf("%s has colour %v, want %v: %q", name, got, tc.colour, text)
				}
			}
		})
	}
}

// TestNoPromptWithoutATerminal: apply refuses at once without a terminal
// (and with --json even on one), never reading stdin; on a terminal it asks
// and takes only "yes".
func TestNoPromptWithoutATerminal(t *testing.T) {
	dir := stackDir(t, localStack)
	for _, tc := range []struct {
		name  string
		s     Streams
		flags []string
	}{
		{name: "no terminal", s: Streams{}},
		{name: "stdout a terminal, stdin not", s: Streams{OutTTY: true}},
		{name: "--json on a terminal", s: Streams{InTTY: true, OutTTY: true}, flags: []string{"--json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, dir, tc.s, nil, append([]string{"apply"}, tc.flags...)...)
			if r.code != exitError || r.readIn || strings.Contains(r.out, "Enter a value") {
				t.Fatalf("exit %d, stdin read %v, stdout %q", r.code, r.readIn, r.out)
			}
			if !strings.Contains(r.err+r.out, "needs confirmation, but there is no terminal to ask on") ||
				!strings.Contains(r.err+r.out, "--auto-approve") {
				t.Fatalf("no reason given: %s%s", r.out, r.err)
			}
		})
	}
	r := runMain(t, dir, Streams{InTTY: true, OutTTY: true, In: strings.NewReader("y\n")}, nil, "apply")
	if r.code != exitError || !strings.Contains(r.out, "Only 'yes' will be accepted") || !strings.Contains(r.err, "apply cancelled: nothing was changed") {
		t.Fatalf("answer y: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".rediskit", "local", "channels")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused apply started a backend: %v", err)
	}
}

// TestConfirm covers every answer of the prompt itself, for apply and
// destroy alike.
func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		name        string
		inTTY, json bool
		auto        bool
		input       string
		want        string // "" means confirmed
		prompted    bool
	}{
		{name: "auto-approve", auto: true},
		{name: "auto-approve on a terminal", inTTY: true, auto: true},
		{name: "no terminal", want: "no terminal"},
		{name: "json on a terminal", inTTY: true, json: true, input: "yes\n", want: "no terminal"},
		{name: "yes", inTTY: true, input: "yes\n", prompted: true},
		{name: "yes without newline", inTTY: true, input: "yes", prompted: true},
		{name: "YES", inTTY: true, input: "YES\n", want: "cancelled", prompted: true},
		{name: "end of input", inTTY: true, want: "cancelled", prompted: true},
	} {
		for _, op := range []string{"apply", "destroy"} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				var out bytes.Buffer
				read := false
				var in io.Reader = noRead{read: &read}
				if tc.input != "" || tc.prompted {
					in = strings.NewReader(tc.input)
				}
				a := newApp(&Streams{In: in, Out: &out, Err: io.Discard, InTTY: tc.inTTY}, func(string) string { return "" })
				a.json = tc.json
				err := a.confirm(tc.auto, op)
				switch {
				case tc.want == "" && err != nil, tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					t.Fatalf("err = %v, want %q", err, tc.want)
				case strings.Contains(out.String(), "Do you want to "+op+"?") != tc.prompted:
					t.Fatalf("prompted = %q, want %v", out.String(), tc.prompted)
				case read:
					t.Fatal("stdin was read without a prompt")
				}
			})
		}
	}
}

// TestExitCodes: the codes of spec §7, each from a real run where one can
// be made in-process, and the classification of every error kind.
func TestExitCodes(t *testing.T) {
	dir := stackDir(t, localStack)
	if r := runMain(t, dir, Streams{}, nil, "plan"); r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, r.err)
	}
	if r := runMain(t, dir, Streams{}, nil, "plan", "--detailed-exitcode"); r.code != exitChanges {
		t.Fatalf("plan --detailed-exitcode with changes: exit %d\n%s", r.code, r.err)
	}
	if r := runMain(t, dir, Streams{}, nil, "plan", "--no-such-flag"); r.code != exitError || !strings.Contains(r.err, "no-such-flag") {
		t.Fatalf("unknown flag: exit %d\n%s", r.code, r.err)
	}
	store := provision.NewFileStore(filepath.Join(dir, provision.DefaultStateFile))
	id, err := store.Lock(context.Background(), provision.NewLockInfo("apply", "test", "test", func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	r := runMain(t, dir, Streams{}, nil, "plan")
	_ = store.Unlock(context.Background(), id)
	if r.code != exitLocked || !strings.Contains(r.err, "rediskit state unlock "+id) {
		t.Fatalf("locked: exit %d\n%s", r.code, r.err)
	}

	for err, want := range map[error]int{
		nil:                     exitOK,
		errors.New("boom"):      exitError,
		errReported:             exitError,
		&exitCodeError{code: 2}: exitChanges,
		fmt.Errorf("x: %w", &provision.LockError{}):          exitLocked,
		fmt.Errorf("x: %w", provision.ErrInterrupted):        exitInterrupted,
		fmt.Errorf("x: %w", &exitCodeError{code: exitError}): exitError,
	} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}
