package provision

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Masked stands in for a secret in anything rediskit prints.
const Masked = "****"

// MaskURL returns u with its password replaced by Masked. A string that does
// not parse as a URL is masked whole, since it may be a secret itself. The
// query and fragment are dropped: they are free text that may carry a
// credential too.
func MaskURL(u string) string {
	if u == "" {
		return ""
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return Masked
	}
	userinfo := maskedUserinfo(parsed.User)
	parsed.User = nil
	parsed.RawQuery, parsed.Fragment, parsed.RawFragment = "", "", ""
	s := parsed.String()
	if userinfo == "" {
		return s
	}
	// With a host, String writes "//" right after the scheme, which cannot
	// hold a slash. Splicing the user part in, rather than rendering a
	// placeholder and replacing it, leaves no way for the user name, host or
	// path to be mistaken for the password, and keeps Masked unescaped.
	i := strings.Index(s, "//") + len("//")
	return s[:i] + userinfo + "@" + s[i:]
}

// maskedUserinfo renders the user part of a masked URL: the user name and
// Masked for the password, or Masked alone when there is no password, since a
// lone user part is often a token.
func maskedUserinfo(user *url.Userinfo) string {
	if user == nil {
		return ""
	}
	if _, has := user.Password(); !has {
		return Masked
	}
	return url.User(user.Username()).String() + ":" + Masked
}

// Fingerprint identifies a URL without revealing it: equal URLs give equal
// fingerprints within one state lineage. The lineage salts the hash so that a
// fingerprint cannot be matched against one from another project.
func Fingerprint(lineage, u string) string {
	if u == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(lineage + "\x00" + u))
	return "sha256:" + hex.EncodeToString(sum[:8])
}
