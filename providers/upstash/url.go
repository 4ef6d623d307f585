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
