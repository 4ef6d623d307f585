package rediscopy

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/internal/redistest"
)

// tlsFor is the client TLS config a test uses to reach s directly.
func tlsFor(s *redistest.Server) *tls.Config {
	if s.CACertPEM == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.RootCAs(), ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

func TestCopyTLS(t *testing.T) {
	src, from := server(t, redistest.Options{TLS: true})
	dst, to := server(t, redistest.Options{TLS: true})
	n := fill(t, src, fixture{n: 2000, big: true, streamExtras: true})
	res, err := Copy(context.Background(), from, to, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	assertSame(t, src, dst)
}

func TestCopyTLSChecksCertificates(t *testing.T) {
	_, from := server(t, redistest.Options{})
	other, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	s := redistest.Start(t, redistest.Options{TLS: true, Hostnames: []string{"redis.test"}})
	cases := map[string]Endpoint{
		"unknown CA":      {URL: s.URL("")},
		"other CA":        {URL: s.URL(""), CACert: other.CertPEM()},
		"wrong host name": {URL: s.URL("localhost"), CACert: s.CACertPEM},
		"skip_verify":     {URL: s.URL("") + "?skip_verify=true"},
	}
	for name, to := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Copy(context.Background(), from, to, Options{})
			if err == nil {
				t.Fatal("copy succeeded with a certificate that should be refused")
			}
			assertNoSecret(t, err, s.Password, to.URL)
			if !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
				t.Errorf("error does not explain the certificate problem: %v", err)
			}
		})
	}
}
