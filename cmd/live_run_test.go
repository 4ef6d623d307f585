package cmd

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

// liveGetenv is the environment the live test's rediskit runs see: the
// test's own, without what would send calls anywhere but the real services
// (emulator endpoints, the Upstash API override) or kill the run on
// purpose (the crash hooks).
func liveGetenv(name string) string {
	switch name {
	case "REDISKIT_GCP_ENDPOINT", "STORAGE_EMULATOR_HOST", "UPSTASH_API_URL",
		"REDISKIT_CRASH_AT", "REDISKIT_CRASH_COUNT_FILE":
		return ""
	case "NO_COLOR":
		return "1"
	}
	return os.Getenv(name)
}

// liveRunner runs rediskit commands in-process, as `rediskit` on a
// terminal-less machine would, streaming their output into the test log
// line by line (so that -v shows a 15-minute create as it happens), with
// anything shaped like a secret masked first.
type liveRunner struct {
	t      testing.TB
	getenv func(string) string
	redact *redactor
}

// rediskit runs one command and returns its exit code and output (stdout
// and stderr interleaved, masked).
func (r *liveRunner) rediskit(args ...string) (int, string) {
	r.t.Helper()
	r.t.Logf("$ rediskit %s", strings.Join(args, " "))
	w := &lineLogger{t: r.t, redact: r.redact}
	streams := &Streams{In: strings.NewReader(""), Out: w, Err: w}
	code := Main(args, streams, r.getenv)
	w.flush()
	r.t.Logf("(exit %d)", code)
	return code, w.all.String()
}

// must runs a command and stops the test unless it exits with want.
func (r *liveRunner) must(want int, args ...string) string {
	r.t.Helper()
	code, out := r.rediskit(args...)
	if code != want {
		r.t.Fatalf("rediskit %s: exit %d, want %d (its output is above)", strings.Join(args, " "), code, want)
	}
	return out
}

// lineLogger writes each complete line to the test log, masked. rediskit
// writes from one goroutine per command, but progress events may come from
// another, hence the lock.
type lineLogger struct {
	t      testing.TB
	redact *redactor
	mu     sync.Mutex
	buf    bytes.Buffer
	all    strings.Builder
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // incomplete: keep it for the next write
			return len(p), nil
		}
		l.emit(strings.TrimRight(line, "\n"))
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 0 {
		l.emit(l.buf.String())
		l.buf.Reset()
	}
}

func (l *lineLogger) emit(line string) {
	masked := l.redact.mask(line)
	l.all.WriteString(masked + "\n")
	l.t.Log("  " + masked)
}

// redactor masks what must never reach a test log, CI's included:
// passwords in URLs (rediskit prints none, and TestNoSecretLeaks holds it to
// that; this is the second line of defence) and the literal values of the
// credentials the test was given.
type redactor struct {
	secrets []string
}

// urlUserinfo is a URL's "user:password@" part.
var urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@`)

func newRedactor(getenv func(string) string) *redactor {
	r := &redactor{}
	for _, name := range []string{"UPSTASH_API_KEY"} {
		if v := getenv(name); len(v) >= 8 {
			r.secrets = append(r.secrets, v)
		}
	}
	return r
}

func (r *redactor) mask(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}"+provision.Masked+"@")
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, provision.Masked)
	}
	return s
}

func TestLiveRedactMasksPasswordsAndCredentials(t *testing.T) {
	r := newRedactor(liveTestEnv())
	cases := map[string]string{
		"url rediss://:s3cr3t-AUTH@10.0.0.3:6378/0 ok":                  "url rediss://:****@10.0.0.3:6378/0 ok",
		"rediss://default:AbC123@us1-x.upstash.io:6379":                 "rediss://default:****@us1-x.upstash.io:6379",
		"two redis://:a@h:1 and redis://u:b@h:2":                        "two redis://:****@h:1 and redis://u:****@h:2",
		"key k-0123456789abcdef in a message":                           "key **** in a message",
		"rediss://:****@10.0.0.3:6378/0 already masked":                 "rediss://:****@10.0.0.3:6378/0 already masked",
		"https://console.cloud.google.com/run?project=p stays as it is": "https://console.cloud.google.com/run?project=p stays as it is",
	}
	for in, want := range cases {
		if got := r.mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLiveRunnerLogsMaskedLines(t *testing.T) {
	rec := &recordingTB{TB: t}
	w := &lineLogger{t: rec, redact: newRedactor(liveTestEnv())}
	_, _ = w.Write([]byte("first rediss://:pw@10.0.0.3:6378/0\nsecond, in "))
	_, _ = w.Write([]byte("two writes\nunterminated"))
	w.flush()
	want := []string{"  first rediss://:****@10.0.0.3:6378/0", "  second, in two writes", "  unterminated"}
	if strings.Join(rec.logs, "|") != strings.Join(want, "|") {
		t.Errorf("logged %q, want %q", rec.logs, want)
	}
	if strings.Contains(w.all.String(), ":pw@") {
		t.Errorf("the captured output holds the password: %q", w.all.String())
	}
}

// recordingTB records what is logged instead of logging it.
type recordingTB struct {
	testing.TB
	logs []string
}

func (r *recordingTB) Log(args ...any) { r.logs = append(r.logs, fmt.Sprint(args...)) }
