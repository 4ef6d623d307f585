package upstash

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// upstashDomain completes an endpoint the API returns as a bare slug.
const upstashDomain = ".upstash.io"

// hostName makes the API's endpoint a host name. The OpenAPI spec warns it
// "may be a slug like beloved-stallion-58500 or a full host": a slug gets
// upstashDomain; a full host, an IP address or localhost is kept. A scheme,
// path or port around it is dropped, since the port comes from "port".
func hostName(endpoint string) string {
	h := strings.TrimSpace(endpoint)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+len("://"):]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	if h == "" || h == "localhost" || strings.ContainsAny(h, ".:") {
		return h
	}
	return h + upstashDomain
}

// connectionURL builds rediss://default:PASSWORD@HOST:PORT from what the API
// returned. The port is the returned one, never an assumed 6379. Errors never
// contain the password.
func connectionURL(endpoint string, port int64, password string) (string, error) {
	host := hostName(endpoint)
	switch {
	case host == "":
		return "", errors.New("the API returned no endpoint")
	case !validHost(host):
		// Not quoted: an answer this malformed might hold anything.
		return "", errors.New("the API returned an endpoint that is not a host name or IP address")
	case port <= 0 || port > 65535:
		return "", errors.New("the API returned no valid port")
	case password == "":
		return "", errors.New("the API returned no password")
	}
	u := url.URL{
		Scheme: "rediss",
		User:   url.UserPassword("default", password),
		Host:   net.JoinHostPort(host, strconv.FormatInt(port, 10)),
	}
	return u.String(), nil
}

// validHost reports whether h is an IP address or a host name of ASCII
// letters, digits, '-', '_' and '.'. Anything else would be percent-escaped
// in the URL, which net/url (and so every Redis client) then refuses to
// parse, or worse, reads as a different host.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
