package upstash

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rediskit/rediskit/provision"
)

// testCA signs every fake database's certificate. TestMain names it in
// SSL_CERT_FILE before anything loads the system roots (crypto/x509 reads
// the variable once per process), so that URLs are verified exactly as in
// production: system roots, certificate and host name checked.
var testCA *redistest.CA

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ca, err := redistest.NewCA()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "upstash-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("SSL_CERT_FILE", caFile)
	testCA = ca
	return m.Run()
}

// startFake starts a fake whose databases the process trusts.
func startFake(t *testing.T, opts upstashtest.Options) *upstashtest.Server {
	t.Helper()
	opts.CA = testCA
	return upstashtest.Start(t, opts)
}

// sleeps records the waits a backend asks for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// newBackend returns a backend talking to srv that records its waits.
func newBackend(srv *upstashtest.Server) (*Backend, *sleeps) {
	return backendWithEnv(map[string]string{
		EnvEmail: srv.Email, EnvAPIKey: srv.APIKey, EnvAPIURL: srv.URL,
	})
}

func backendWithEnv(env map[string]string) (*Backend, *sleeps) {
	b := New(provision.Env{Getenv: func(k string) string { return env[k] }})
	rec := &sleeps{}
	b.retry.sleep = rec.sleep
	b.wait = waitPolicy{interval: 10 * time.Millisecond, maxInterval: 40 * time.Millisecond, total: time.Second}
	return b, rec
}

// decodeBlock decodes `upstash { … }` written as the body src.
func decodeBlock(t *testing.T, b *Backend, src string, eval *hcl.EvalContext) (*Spec, hcl.Diagnostics) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "stack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	content, diags := file.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "upstash"}}})
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("want one upstash block: %v", diags)
	}
	spec, diags := b.Decode(content.Blocks[0].Body, &provision.DecodeContext{Eval: eval, Name: "channels"})
	s, _ := spec.(*Spec)
	return s, diags
}

// mustSpec decodes a block that must be valid.
func mustSpec(t *testing.T, b *Backend, src string) *Spec {
	t.Helper()
	s, diags := decodeBlock(t, b, src, nil)
	if diags.HasErrors() {
		t.Fatalf("decode: %v", diags)
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
