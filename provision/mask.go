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
// not parse as a URL is masked whole, since it may be a secret itself.
func MaskURL(u string) string {
	if u == "" {
		return ""
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return Masked
	}
	if parsed.User != nil {
		if _, has := parsed.User.Password(); has {
			parsed.User = url.UserPassword(parsed.User.Username(), "MASKED")
		} else {
			parsed.User = url.User(Masked)
		}
	}
	parsed.RawQuery = ""
	return strings.Replace(parsed.String(), "MASKED", Masked, 1)
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
