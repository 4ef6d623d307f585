package tlsurl

import (
	"net"
	"net/url"
	"strings"
)

// The query parameters WithCAFile adds; redis-py reads all three.
const (
	ParamCertReqs      = "ssl_cert_reqs"
	ParamCAFile        = "ssl_ca_certs"
	ParamCheckHostname = "ssl_check_hostname"
)

// WithCAFile returns u with the parameters that make redis-py check the
// server's certificate chain against the CA bundle at caPath (absolute),
// and, when u's host is an IP address, not its host name (see the package
// doc). Slashes in the path stay readable; everything else a query value
// cannot hold is escaped.
func WithCAFile(u, caPath string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + params(u, caPath)
}

// WithoutCAFile undoes WithCAFile: it returns v without exactly the
// parameters WithCAFile(…, caPath) adds, and whether v ended with them. A
// value written another way (an older rediskit's lone ssl_ca_certs, another
// path) is left as it is, so that it reads as drift and is rewritten.
func WithoutCAFile(v, caPath string) (string, bool) {
	added := params(v, caPath)
	for _, sep := range []string{"?", "&"} {
		if base, ok := strings.CutSuffix(v, sep+added); ok {
			return base, true
		}
	}
	return v, false
}

// params is what WithCAFile appends to u, without the separator.
func params(u, caPath string) string {
	p := ParamCertReqs + "=required&" + ParamCAFile + "=" + strings.ReplaceAll(url.QueryEscape(caPath), "%2F", "/")
	if ByIP(u) {
		p += "&" + ParamCheckHostname + "=false"
	}
	return p
}

// ByIP reports whether u's host is an IP address rather than a name.
func ByIP(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && net.ParseIP(parsed.Hostname()) != nil
}
