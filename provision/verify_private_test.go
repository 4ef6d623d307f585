package provision

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/internal/redistest"
)

func TestVerifyPrivateRefusedIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	inst := &Instance{URL: "rediss://:" + verifyPassword + "@" + addr + "/0", Private: true, Status: "ready"}
	res := Verify(context.Background(), inst, VerifyOptions{Channels: true})
	if !res.Unreachable || res.Passed || res.Failure != "" || res.Err != nil {
		t.Fatalf("Verify = unreachable %v, passed %v, failure %q, err %v; want unreachable only", res.Unreachable, res.Passed, res.Failure, res.Err)
	}
	if res.BackendStatus != "ready" || !strings.HasPrefix(res.Summary(), "not reachable from here") || !strings.Contains(res.Summary(), "reports it ready") {
		t.Errorf("BackendStatus %q, Summary() = %q", res.BackendStatus, res.Summary())
	}
	assertNoSecret(t, res, verifyPassword)
}

func TestVerifyPrivateSilentAfterConnectIsAFailure(t *testing.T) {
	// A server that accepts and never answers is reachable: that is a
	// failure to report, not a private network to shrug at.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	inst := &Instance{URL: "redis://:" + verifyPassword + "@" + l.Addr().String() + "/0", Private: true}
	verifyFails(t, inst, VerifyOptions{Timeout: 300 * time.Millisecond}, FailureTimeout, "no answer")
}

func TestVerifyPrivateChecksTheChainWithoutAHostName(t *testing.T) {
	// The certificate names neither "localhost" nor the address used, as a
	// server reached by a private IP may not.
	s := redistest.Start(t, redistest.Options{Password: verifyPassword, TLS: true, Hostnames: []string{"db.example.test"}})
	other, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	bundle := append(other.CertPEM(), s.CACertPEM...)
	url := strings.Replace(s.URL("localhost"), "default:", ":", 1)
	verifyOK(t, &Instance{URL: url, CACert: bundle, Private: true}, VerifyOptions{Channels: true, PubSub: true})

	// Without Private, the host name is checked as always.
	verifyFails(t, &Instance{URL: url, CACert: bundle}, VerifyOptions{}, FailureTLS, "localhost")
	// Only the given CAs are trusted, and a wrong one fails the chain.
	res := verifyFails(t, &Instance{URL: url, CACert: other.CertPEM(), Private: true}, VerifyOptions{}, FailureTLS, "TLS failed")
	assertNoSecret(t, res, verifyPassword)
	// skip_verify in the URL changes nothing.
	verifyFails(t, &Instance{URL: url + "?skip_verify=true", CACert: other.CertPEM(), Private: true}, VerifyOptions{}, FailureTLS, "TLS failed")
}

func TestVerifyPrivateWrongPasswordIsAFailure(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword + "-real"})
	url := "redis://:" + verifyPassword + "@" + s.Addr() + "/0"
	verifyFails(t, &Instance{URL: url, Private: true}, VerifyOptions{}, FailureAuth, "password in the URL")
}
