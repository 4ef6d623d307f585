package provision_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rediskit/rediskit/providers"
	"github.com/rediskit/rediskit/provision"
)

// FuzzParseStack feeds arbitrary bytes through the whole stack decoder with
// the real adapters: whatever the input, decoding returns diagnostics and
// never panics, and a stack without errors is complete enough to plan.
func FuzzParseStack(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*.hcl")
	for _, s := range seeds {
		src, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`redis "a" { provider = "local" local { port = var.p } }` + "\nvariable \"p\" { default = 7000 }"))
	f.Add([]byte(`target "dotenv" "d" { redis = redis.a path = "${var.x}" }`))
	f.Add([]byte(`redis "a" { provider = "local" local {} lifecycle { prevent_destroy = true } usage { layer = "pubsub" } }`))
	dir := f.TempDir()
	reg := providers.Default(provision.Env{Dir: dir, Getenv: func(string) string { return "" }})
	f.Fuzz(func(t *testing.T, src []byte) {
		st, diags := provision.ParseStack(src, filepath.Join(dir, "stack.hcl"), provision.LoadOptions{Registry: reg,
			Getenv: func(string) string { return "" }})
		if diags.HasErrors() {
			return
		}
		for _, r := range st.Redis {
			if _, ok := r.Specs[r.Provider]; !ok {
				t.Fatalf("redis %q without errors lacks its %s spec", r.Name, r.Provider)
			}
		}
		for _, tb := range st.Targets {
			if st.RedisByName(tb.Redis) == nil {
				t.Fatalf("target %s names unknown redis %q", tb.Address(), tb.Redis)
			}
		}
	})
}
