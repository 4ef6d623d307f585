package dotenv

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func FuzzSet(f *testing.F) {
	f.Add([]byte(""), "REDIS_URL", "redis://:0123abcd@127.0.0.1:6390/0")
	f.Add([]byte("# app\nDEBUG=1\n\nREDIS_URL=old\n"), "REDIS_URL", "rediss://default:AbC123_-x@host:6379")
	f.Add([]byte("A=1\r\nexport REDIS_URL='x'\r\nB=2"), "REDIS_URL", "a b#c")
	f.Add([]byte("REDIS_URL=a\nREDIS_URL=b\nC=3"), "REDIS_URL", `q"u'o\te`)
	f.Add([]byte("A=1\r"), "X", "line\nbreak\r")
	f.Add([]byte("A=1\n\nX=2"), "X", "")
	f.Fuzz(func(t *testing.T, src []byte, name, value string) {
		if !ValidName(name) {
			name = "REDIS_URL"
		}
		out := Set(src, name, value)
		if got, set := Lookup(out, name); !set || got != value {
			t.Fatalf("Lookup(Set(%q, %q)) = %q, %v", src, value, got, set)
		}
		if again := Set(out, name, value); !bytes.Equal(again, out) {
			t.Fatalf("Set is not idempotent: %q then %q", out, again)
		}
		checkOthersKept(t, "Set", src, out, name)
		removed := Unset(src, name)
		checkOthersKept(t, "Unset", src, removed, name)
		if _, set := Lookup(removed, name); set {
			t.Fatalf("Unset(%q) = %q still sets %s", src, removed, name)
		}
		if got := Unset(out, name); !bytes.Equal(got, removed) {
			t.Fatalf("Unset(Set(%q)) = %q, want Unset(src) = %q", src, got, removed)
		}
		checkDecoupleReads(t, src, out, name, value)
	})
}

// checkOthersKept fails unless after holds the lines of before that do not
// assign name, unchanged and in order.
func checkOthersKept(t *testing.T, op string, before, after []byte, name string) {
	t.Helper()
	if want, got := otherLines(before, name), otherLines(after, name); !slices.Equal(got, want) {
		t.Fatalf("%s changed other lines of %q: %q, want %q", op, before, got, want)
	}
}

func otherLines(src []byte, name string) []string {
	var texts []string
	for _, l := range splitLines(string(src)) {
		if key, _, ok := assignment(l.text); !ok || key != name {
			texts = append(texts, l.text)
		}
	}
	return texts
}

// checkDecoupleReads checks that python-decouple reads value from out when
// Set wrote it bare or in single quotes, the forms meant to read the same in
// every reader. Files with a lone "\r" or an "export" line are left out:
// python-decouple reads those differently by design (see the package doc).
func checkDecoupleReads(t *testing.T, src, out []byte, name, value string) {
	t.Helper()
	if strings.HasPrefix(quote(value), `"`) || bytes.ContainsAny(src, "\r") || bytes.Contains(src, []byte("export")) {
		return
	}
	if got := decoupleRead(string(out))[name]; got != value {
		t.Fatalf("python-decouple reads %q from %q, want %q", got, out, value)
	}
}
