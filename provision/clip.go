package provision

import (
	"strings"
	"unicode/utf8"
)

// Clip keeps a message from an API on one line and at most max bytes, cut
// at a rune boundary with "…", so that an error quoting it stays readable.
func Clip(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
