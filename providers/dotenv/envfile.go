package dotenv

import (
	"strings"
	"unicode"
)

// line is one line of a .env file: its text and the line break that ends it,
// "\n", "\r\n", or "" for a last line without one.
type line struct {
	text, eol string
}

// ValidName reports whether name can be an environment variable name:
// a letter or underscore followed by letters, digits and underscores.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range []byte(name) {
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Lookup returns the value the .env content src assigns to name and whether
// it assigns one at all. The last assignment wins (see the package comment).
func Lookup(src []byte, name string) (value string, set bool) {
	for _, l := range splitLines(string(src)) {
		if key, eq, ok := assignment(l.text); ok && key == name {
			value, set = unquote(trimSpace(l.text[eq+1:])), true
		}
	}
	return value, set
}

// Set returns src with name assigned value. It rewrites the value of the last
// line that assigns name, keeping that line's "export " prefix and spacing,
// or, when no line does, appends NAME=VALUE after the last line. Every other
// line and every line break stays as it was. name must satisfy ValidName.
func Set(src []byte, name, value string) []byte {
	lines := splitLines(string(src))
	for i := len(lines) - 1; i >= 0; i-- {
		if key, eq, ok := assignment(lines[i].text); ok && key == name {
			head := lines[i].text[:eq+1]
			rest := lines[i].text[eq+1:]
			// Keep the blanks after '=' but not a stray '\r', which Python
			// would read as a line break.
			head += rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
			lines[i].text = head + quote(value)
			return join(lines)
		}
	}
	return join(appendLine(lines, name+"="+quote(value)))
}

// Unset returns src without the lines that assign name; every other line
// stays as it was. A file that did not end with a line break still does not.
// When no line assigns name, Unset returns src itself.
func Unset(src []byte, name string) []byte {
	lines := splitLines(string(src))
	kept := make([]line, 0, len(lines))
	for _, l := range lines {
		if key, _, ok := assignment(l.text); ok && key == name {
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == len(lines) {
		return src
	}
	// A blank last line keeps its break: without it the line would vanish.
	if n := len(kept); n > 0 && lines[len(lines)-1].eol == "" && kept[n-1].text != "" {
		kept[n-1].eol = ""
	}
	return join(kept)
}

// quote returns value as Set writes it after "NAME=": bare, in single quotes
// or in double quotes with backslash escapes (see the package comment).
func quote(value string) string {
	switch {
	case isBare(value):
		return value
	case !strings.ContainsAny(value, "'\\\n\r"):
		return "'" + value + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(value) {
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBare reports whether value holds only characters that python-decouple,
// python-dotenv and a POSIX shell all take literally without quotes: the
// characters Python's shlex.quote leaves alone.
func isBare(value string) bool {
	for _, c := range []byte(value) {
		alnum := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
		if !alnum && !strings.ContainsRune("_@%+=:,./-", rune(c)) {
			return false
		}
	}
	return true
}

// assignment parses text as a KEY=VALUE line. It returns the key, without an
// "export " prefix, and the offset of the first '='; ok is false for blank
// lines, comments and lines without '='.
func assignment(text string) (key string, eq int, ok bool) {
	trimmed := trimSpace(text)
	eq = strings.IndexByte(text, '=')
	if trimmed == "" || trimmed[0] == '#' || eq < 0 {
		return "", 0, false
	}
	key = trimSpace(text[:eq])
	if rest, found := strings.CutPrefix(key, "export"); found && strings.TrimLeftFunc(rest, isSpace) != rest {
		key = trimSpace(rest)
	}
	return key, eq, true
}

// unquote removes one pair of matching outer quotes, decoding backslash
// escapes inside double quotes.
func unquote(v string) string {
	if len(v) < 2 || v[0] != v[len(v)-1] || (v[0] != '"' && v[0] != '\'') {
		return v
	}
	inner := v[1 : len(v)-1]
	if v[0] == '\'' || !strings.Contains(inner, `\`) {
		return inner
	}
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if c, ok := escaped(inner, i); ok {
			b.WriteByte(c)
			i++
			continue
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

// escaped decodes the python-dotenv escape sequence starting at s[i], if any.
func escaped(s string, i int) (byte, bool) {
	if s[i] != '\\' || i+1 == len(s) {
		return 0, false
	}
	switch c := s[i+1]; c {
	case '\\', '\'', '"':
		return c, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'v':
		return '\v', true
	}
	return 0, false
}

// splitLines splits s after each "\n", recording "\r\n" endings as such.
func splitLines(s string) []line {
	var lines []line
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(lines, line{text: s})
		}
		l := line{text: s[:i], eol: "\n"}
		if strings.HasSuffix(l.text, "\r") {
			l = line{text: s[:i-1], eol: "\r\n"}
		}
		lines = append(lines, l)
		s = s[i+1:]
	}
	return lines
}

// appendLine appends text as a new last line, ending it the way the file's
// lines end. A file without a final line break keeps that style.
func appendLine(lines []line, text string) []line {
	eol := "\n"
	for _, l := range lines {
		if l.eol != "" {
			eol = l.eol
			break
		}
	}
	n := len(lines)
	if n == 0 || lines[n-1].eol != "" {
		return append(lines, line{text: text, eol: eol})
	}
	lines[n-1].eol = eol
	if strings.HasSuffix(lines[n-1].text, "\r") {
		// "\r" + "\n" would read back as one "\r\n" and eat the "\r".
		lines[n-1].eol = "\r\n"
	}
	return append(lines, line{text: text})
}

func join(lines []line) []byte {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return []byte(b.String())
}

// trimSpace trims what Python's str.strip() trims: Unicode white space and
// the separators U+001C to U+001F, which Go's unicode.IsSpace leaves.
func trimSpace(s string) string { return strings.TrimFunc(s, isSpace) }

func isSpace(r rune) bool { return unicode.IsSpace(r) || (0x1c <= r && r <= 0x1f) }
