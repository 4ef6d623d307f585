package dotenv

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
		set       bool
	}{
		{"empty file", "", "", false},
		{"plain", "REDIS_URL=redis://h:6379\n", "redis://h:6379", true},
		{"no trailing newline", "A=1\nREDIS_URL=x", "x", true},
		{"crlf", "A=1\r\nREDIS_URL=x\r\nB=2\r\n", "x", true},
		{"blanks around", "  REDIS_URL =  x  \n", "x", true},
		{"export", "export REDIS_URL=x\n", "x", true},
		{"export with tab", "export\tREDIS_URL=x\n", "x", true},
		{"export alone is a key", "export=x\n", "", false},
		{"exported other name", "export REDIS_URLS=x\n", "", false},
		{"comment", "# REDIS_URL=x\n", "", false},
		{"indented comment", "   #REDIS_URL=x\n", "", false},
		{"hash in value kept", "REDIS_URL=x # note\n", "x # note", true},
		{"no equals sign", "REDIS_URL\n", "", false},
		{"empty value", "REDIS_URL=\n", "", true},
		{"single quotes", "REDIS_URL='a b'\n", "a b", true},
		{"single quotes keep backslash", `REDIS_URL='a\nb'` + "\n", `a\nb`, true},
		{"double quotes", `REDIS_URL=" a b "` + "\n", " a b ", true},
		{"double quote escapes", `REDIS_URL="a\"b\\c\nd"` + "\n", "a\"b\\c\nd", true},
		{"unknown escape kept", `REDIS_URL="a\qb"` + "\n", `a\qb`, true},
		{"unmatched quotes kept", `REDIS_URL="a'` + "\n", `"a'`, true},
		{"quote then comment kept", `REDIS_URL="a" # c` + "\n", `"a" # c`, true},
		{"lone quote", `REDIS_URL="` + "\n", `"`, true},
		{"last wins", "REDIS_URL=a\nREDIS_URL=b\n", "b", true},
		{"last wins across export", "REDIS_URL=a\nexport REDIS_URL=b\n", "b", true},
		{"other names", "REDIS_URL_2=a\nMY_REDIS_URL=b\n", "", false},
		{"case matters", "redis_url=a\n", "", false},
		{"equals in value", "REDIS_URL=a=b\n", "a=b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, set := Lookup([]byte(tt.src), "REDIS_URL")
			if got != tt.want || set != tt.set {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.src, got, set, tt.want, tt.set)
			}
		})
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name, src, value, want string
	}{
		{"empty file", "", "v", "REDIS_URL=v\n"},
		{"append", "A=1\n", "v", "A=1\nREDIS_URL=v\n"},
		{"append keeps missing final newline", "A=1", "v", "A=1\nREDIS_URL=v"},
		{"append crlf", "A=1\r\nB=2\r\n", "v", "A=1\r\nB=2\r\nREDIS_URL=v\r\n"},
		{"append crlf without final newline", "A=1\r\nB=2", "v", "A=1\r\nB=2\r\nREDIS_URL=v"},
		{"append after trailing cr", "A=1\r", "v", "A=1\r\r\nREDIS_URL=v"},
		{"append after blank lines", "A=1\n\n", "v", "A=1\n\nREDIS_URL=v\n"},
		{"replace keeps comments and order",
			"# top\nA=1\n\nREDIS_URL=old # note\n# end\nB=2\n", "v",
			"# top\nA=1\n\nREDIS_URL=v\n# end\nB=2\n"},
		{"replace keeps export and spacing", "  export REDIS_URL = 'old'\n", "v", "  export REDIS_URL = v\n"},
		{"replace crlf", "REDIS_URL=old\r\nA=1\r\n", "v", "REDIS_URL=v\r\nA=1\r\n"},
		{"replace last line without newline", "A=1\nREDIS_URL=old", "v", "A=1\nREDIS_URL=v"},
		{"replace drops stray cr after equals", "REDIS_URL=\rold\n", "v", "REDIS_URL=v\n"},
		{"duplicates: only the last", "REDIS_URL=a\nX=1\nREDIS_URL=b\n", "v", "REDIS_URL=a\nX=1\nREDIS_URL=v\n"},
		{"commented one is not ours", "#REDIS_URL=a\n", "v", "#REDIS_URL=a\nREDIS_URL=v\n"},
		{"same value is the same file", "A=1\nREDIS_URL=v\n", "v", "A=1\nREDIS_URL=v\n"},
		{"space quoted", "", "a b", "REDIS_URL='a b'\n"},
		{"hash quoted", "", "a#b", "REDIS_URL='a#b'\n"},
		{"dollar quoted", "", "pa$$", "REDIS_URL='pa$$'\n"},
		{"double quote in single quotes", "", `a"b`, `REDIS_URL='a"b'` + "\n"},
		{"single quote escaped", "", `a'b`, `REDIS_URL="a'b"` + "\n"},
		{"backslash escaped", "", `a\b"c`, `REDIS_URL="a\\b\"c"` + "\n"},
		{"newline escaped", "", "a\r\nb", `REDIS_URL="a\r\nb"` + "\n"},
		{"empty value", "", "", "REDIS_URL=\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Set([]byte(tt.src), "REDIS_URL", tt.value))
			if got != tt.want {
				t.Errorf("Set(%q, %q) =\n%q\nwant\n%q", tt.src, tt.value, got, tt.want)
			}
			if v, set := Lookup([]byte(got), "REDIS_URL"); !set || v != tt.value {
				t.Errorf("Lookup after Set = %q, %v; want %q", v, set, tt.value)
			}
		})
	}
}

func TestUnset(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty file", "", ""},
		{"absent", "A=1\n# REDIS_URL=x\n", "A=1\n# REDIS_URL=x\n"},
		{"only line", "REDIS_URL=x\n", ""},
		{"keeps the rest", "# top\nA=1\n\nREDIS_URL=x\n# end\nB=2\n", "# top\nA=1\n\n# end\nB=2\n"},
		{"all duplicates and export", "REDIS_URL=a\nA=1\nexport REDIS_URL=b\n", "A=1\n"},
		{"crlf", "A=1\r\nREDIS_URL=x\r\nB=2\r\n", "A=1\r\nB=2\r\n"},
		{"last line without newline", "A=1\nREDIS_URL=x", "A=1"},
		{"blank line before a last line without newline", "A=1\n\nREDIS_URL=x", "A=1\n\n"},
		{"first line", "REDIS_URL=x\nA=1", "A=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Unset([]byte(tt.src), "REDIS_URL")); got != tt.want {
				t.Errorf("Unset(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"REDIS_URL": true, "_x": true, "a1": true, "A": true,
		"": false, "1A": false, "REDIS-URL": false, "REDIS URL": false, "É": false, "A=B": false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestURLsForDjango round-trips URLs as the backends produce them: each must
// be written bare, so that python-decouple's config("REDIS_URL") hands
// channels_redis 4.x exactly this string for CHANNEL_LAYERS hosts, and must
// read back unchanged with Lookup and with decoupleRead, a transcription of
// python-decouple's RepositoryEnv.
func TestURLsForDjango(t *testing.T) {
	urls := []string{
		"redis://:0123456789abcdef0123456789abcdef@127.0.0.1:6390/0",
		"rediss://default:AbC123_-x@host:6379",
		"rediss://default:AZxyAAIjcDE5@us1-able-cat-12345.upstash.io:6379",
		"redis://10.0.0.3:6379/0",
		"rediss://:p%40ss%23w%20rd@host:6378/1",
	}
	src := "DEBUG=1\n# channels\nREDIS_URL=old\nSECRET_KEY='x y'\n"
	for _, u := range urls {
		out := Set([]byte(src), "REDIS_URL", u)
		if line := "\nREDIS_URL=" + u + "\n"; !strings.Contains(string(out), line) {
			t.Errorf("Set wrote %q; want the bare line %q", out, line)
		}
		if got, _ := Lookup(out, "REDIS_URL"); got != u {
			t.Errorf("Lookup = %q, want %q", got, u)
		}
		if got := decoupleRead(string(out))["REDIS_URL"]; got != u {
			t.Errorf("python-decouple would read %q, want %q", got, u)
		}
	}
}

// TestQuotedFormsForDecouple checks that a value Set quotes with single quotes
// reads the same in python-decouple, which decodes no escapes.
func TestQuotedFormsForDecouple(t *testing.T) {
	for _, v := range []string{"a b", " lead", "trail ", "a#b", "pa$$", `say "hi"`, "~x", "a&b?c", "é"} {
		out := Set([]byte("A=1\n"), "REDIS_URL", v)
		if got := decoupleRead(string(out))["REDIS_URL"]; got != v {
			t.Errorf("Set wrote %q; python-decouple would read %q, want %q", out, got, v)
		}
	}
}

// decoupleRead is python-decouple's RepositoryEnv.__init__ in Go: Python
// reads text files with universal newlines, so "\r" alone also ends a line.
func decoupleRead(src string) map[string]string {
	data := map[string]string{}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	for _, l := range strings.Split(strings.ReplaceAll(src, "\r", "\n"), "\n") {
		l = trimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || !strings.Contains(l, "=") {
			continue
		}
		k, v, _ := strings.Cut(l, "=")
		k, v = trimSpace(k), trimSpace(v)
		if len(v) >= 2 && (v[0] == '\'' && v[len(v)-1] == '\'' || v[0] == '"' && v[len(v)-1] == '"') {
			v = v[1 : len(v)-1]
		}
		data[k] = v
	}
	return data
}
