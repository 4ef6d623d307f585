package cloudruntest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// pingTimeout bounds the app's first connection to Redis.
const pingTimeout = 3 * time.Second

// start runs the app: it reads its Redis URL from appEnv and PINGs it
// the way redis-py would with that URL alone. An app without the
// variable starts without Redis, unless it needs it (SetAppEnv), when it
// fails as Django settings reading os.environ[appEnv] do.
func (a *app) start(appEnv string, roots []byte, network func(string) string) string {
	if a == nil {
		return ""
	}
	raw, set := a.env[appEnv]
	if !set && a.needs {
		return containerFailure("KeyError: '" + appEnv + "'")
	}
	if !set {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return containerFailure("ValueError: Redis URL must specify one of the following schemes (redis://, rediss://, unix://)")
	}
	q := u.Query()
	caFile := q.Get("ssl_ca_certs")
	check := checksHostname(q.Get("ssl_check_hostname"))
	verify := !strings.EqualFold(q.Get("ssl_cert_reqs"), "none")
	q.Del("ssl_ca_certs")
	u.RawQuery = q.Encode()
	var ca []byte
	if caFile != "" {
		var ok bool
		if ca, ok = a.files[caFile]; !ok {
			return containerFailure("FileNotFoundError: [Errno 2] No such file or directory: '" + caFile + "'")
		}
	}
	if failure := a.route(u.Host, network); failure != "" {
		return failure
	}
	if ca == nil {
		ca = roots
	}
	return ping(u, tlsOptions{ca: ca, checkHostname: check, verify: verify})
}

// tlsOptions are the TLS settings redis-py takes from the URL's query.
type tlsOptions struct {
	ca            []byte
	checkHostname bool // ssl_check_hostname
	verify        bool // ssl_cert_reqs other than "none"
}

// checksHostname reads ssl_check_hostname as redis-py does (to_bool):
// absent means redis-py 6's default, true (redis/redis-py#3626), the
// strictest of the versions apps run; 0, F, FALSE, N and NO in any case
// mean false; anything else true.
func checksHostname(v string) bool {
	switch strings.ToUpper(v) {
	case "0", "F", "FALSE", "N", "NO":
		return false
	}
	return true
}

// route checks that the app's egress gets to addr at all.
func (a *app) route(addr string, network func(string) string) string {
	timeout := containerFailure("redis.exceptions.TimeoutError: Timeout connecting to server " + addr)
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return timeout // the fake reaches nothing but this machine
	}
	private := network(addr)
	switch {
	case private != "" && !a.reaches(private):
		return timeout
	case private == "" && a.allTraffic():
		return timeout
	}
	return ""
}

// ping connects as redis-py does (TLS for rediss://, trusting ca or the
// image's roots, with the host name checked) and sends AUTH and PING. It
// speaks RESP itself, so that nothing logs on the test's stderr.
func ping(u *url.URL, opts tlsOptions) string {
	conn, err := dial(u, opts)
	if err != nil {
		return containerFailure(appLog(u.Host, err))
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(pingTimeout))
	r := bufio.NewReader(conn)
	if pw, ok := u.User.Password(); ok || u.User.Username() != "" {
		args := []string{"AUTH", pw}
		if user := u.User.Username(); user != "" && ok {
			args = []string{"AUTH", user, pw}
		} else if !ok {
			args = []string{"AUTH", user}
		}
		if err := command(conn, r, args, "+OK"); err != nil {
			return containerFailure(appLog(u.Host, err))
		}
	}
	if err := command(conn, r, []string{"PING"}, "+PONG"); err != nil {
		return containerFailure(appLog(u.Host, err))
	}
	return ""
}

func dial(u *url.URL, opts tlsOptions) (net.Conn, error) {
	d := &net.Dialer{Timeout: pingTimeout}
	if u.Scheme != "rediss" {
		return d.Dial("tcp", u.Host)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(opts.ca)
	cfg := &tls.Config{RootCAs: pool, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if !opts.checkHostname || !opts.verify {
		// Python's ssl with check_hostname off still verifies the chain
		// (CERT_REQUIRED); Go can only do that by hand.
		cfg.InsecureSkipVerify = true //nolint:gosec // the chain is verified below unless ssl_cert_reqs=none
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if !opts.verify {
				return nil
			}
			return verifyChain(cs.PeerCertificates, pool)
		}
	}
	return tls.DialWithDialer(d, "tcp", u.Host, cfg)
}

// verifyChain checks that certs (leaf first) chain up to pool, without a
// host name, as Python's ssl does with check_hostname off.
func verifyChain(certs []*x509.Certificate, pool *x509.CertPool) error {
	if len(certs) == 0 {
		return errors.New("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}

// command sends args as a RESP array and wants the reply want.
func command(w io.Writer, r *bufio.Reader, args []string, want string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimRight(line, "\r\n"); line != want {
		return errors.New(line)
	}
	return nil
}

// appLog is what redis-py would log for err. It names the address, never
// the password.
func appLog(addr string, err error) string {
	var certErr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &hostErr):
		what := "Hostname"
		if net.ParseIP(hostErr.Host) != nil {
			what = "IP address"
		}
		return "redis.exceptions.ConnectionError: Error 1 connecting to " + addr + ". [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + what + " mismatch, certificate is not valid for '" + hostErr.Host + "'."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "redis.exceptions.ConnectionError: Error 111 connecting to " + addr + ". Connection refused."
	case errors.As(err, &certErr), errors.As(err, &unknown), strings.Contains(err.Error(), "certificate"):
		return "redis.exceptions.ConnectionError: Error 1 connecting to " + addr + ". [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate."
	case strings.Contains(err.Error(), "WRONGPASS"), strings.Contains(err.Error(), "NOAUTH"), strings.Contains(err.Error(), "invalid password"):
		return "redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), strings.Contains(err.Error(), "timeout"):
		return "redis.exceptions.TimeoutError: Timeout connecting to server " + addr
	}
	return "redis.exceptions.ConnectionError: Error connecting to " + addr + "."
}
