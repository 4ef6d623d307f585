package cmd

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// liveConfig is what the live acceptance test needs from the environment:
// the switch, the Upstash credentials and the Google resources it works in.
// Google credentials are Application Default Credentials, read by rediskit
// itself.
type liveConfig struct {
	project, region string
	// service is an existing Cloud Run service the test may bind (rediskit
	// never deploys one); network and subnet give it Direct VPC egress to
	// Memorystore.
	service, network, subnet string
	// upstashRegion and upstashPlan default to the region and "free".
	upstashRegion, upstashPlan string
	// suffix makes every resource name of one run unique.
	suffix string
}

// liveRequired are the variables without which the live test skips, in
// the order the skip message lists them.
var liveRequired = []struct{ name, what string }{
	{"REDISKIT_LIVE", "set to 1 to run tests against real services"},
	{"UPSTASH_EMAIL", "Upstash account email"},
	{"UPSTASH_API_KEY", "Upstash Developer API key"},
	{"REDISKIT_LIVE_PROJECT", "GCP project, with Application Default Credentials"},
	{"REDISKIT_LIVE_REGION", "region of the Cloud Run service and the Memorystore instance"},
	{"REDISKIT_LIVE_SERVICE", "an existing Cloud Run service the test may bind"},
	{"REDISKIT_LIVE_NETWORK", "VPC network for Memorystore and Direct VPC egress"},
	{"REDISKIT_LIVE_SUBNET", "a /26 or larger subnet of that network in the region"},
}

// loadLiveConfig reads the configuration, or returns the reason to skip:
// every missing variable, by name, with what it is.
func loadLiveConfig(getenv func(string) string) (*liveConfig, string) {
	var missing []string
	for _, v := range liveRequired {
		value := getenv(v.name)
		if value == "" || (v.name == "REDISKIT_LIVE" && value != "1") {
			missing = append(missing, fmt.Sprintf("%s (%s)", v.name, v.what))
		}
	}
	if len(missing) > 0 {
		return nil, "live acceptance test: missing " + strings.Join(missing, ", ") + "; README, \"Live acceptance tests\", says how to run it"
	}
	c := &liveConfig{
		project: getenv("REDISKIT_LIVE_PROJECT"), region: getenv("REDISKIT_LIVE_REGION"),
		service: getenv("REDISKIT_LIVE_SERVICE"), network: getenv("REDISKIT_LIVE_NETWORK"), subnet: getenv("REDISKIT_LIVE_SUBNET"),
		upstashRegion: getenv("REDISKIT_LIVE_UPSTASH_REGION"), upstashPlan: getenv("REDISKIT_LIVE_UPSTASH_PLAN"),
		suffix: liveSuffix(),
	}
	if c.upstashRegion == "" {
		c.upstashRegion = c.region
	}
	if c.upstashPlan == "" {
		c.upstashPlan = "free"
	}
	return c, ""
}

// liveSuffix is 8 random hex digits: a Memorystore instance id, a secret id
// and an Upstash name may all start with "rk-live-" and end with it.
func liveSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// name is the resource name every resource of this run gets.
func (c *liveConfig) name() string { return "rk-live-" + c.suffix }

// caSecret is the secret the cloud_run target keeps Memorystore's CA in.
func (c *liveConfig) caSecret() string { return c.name() + "-ca" }

// liveEnv is the variable the test binds. The service must not have it.
const liveEnv = "REDIS_URL"

// stack is the stack of the run: Upstash active, Memorystore (Basic, 1 GB,
// the cheapest) as the standby to migrate to, and the Cloud Run service
// bound through Secret Manager with Direct VPC egress for Memorystore.
func (c *liveConfig) stack() string {
	return fmt.Sprintf(`# Written by TestLiveLifecycle; every name ends in the run's suffix.
redis "channels" {
  provider = "upstash"

  upstash {
    name           = %[1]q
    primary_region = %[2]q
    plan           = %[3]q
    eviction       = false
  }

  memorystore {
    project            = %[4]q
    region             = %[5]q
    instance           = %[1]q
    tier               = "BASIC"
    memory_size_gb     = 1
    redis_version      = "REDIS_7_2"
    network            = %[6]q
    auth               = true
    transit_encryption = true

    redis_configs = {
      "maxmemory-policy" = "noeviction"
    }
  }
}

target "cloud_run" "web" {
  redis   = redis.channels
  project = %[4]q
  region  = %[5]q
  service = %[7]q
  env     = %[8]q
  secret  = %[1]q

  vpc {
    network    = %[6]q
    subnetwork = %[9]q
    egress     = "private-ranges-only"
  }
}
`, c.name(), c.upstashRegion, c.upstashPlan, c.project, c.region, c.network, c.service, liveEnv, c.subnet)
}

// liveTestEnv is an environment with every variable the live test needs.
func liveTestEnv(unset ...string) func(string) string {
	env := map[string]string{
		"REDISKIT_LIVE": "1", "UPSTASH_EMAIL": "ci@example.com", "UPSTASH_API_KEY": "k-0123456789abcdef",
		"REDISKIT_LIVE_PROJECT": "acme-live", "REDISKIT_LIVE_REGION": "us-central1", "REDISKIT_LIVE_SERVICE": "rediskit-live",
		"REDISKIT_LIVE_NETWORK": "default", "REDISKIT_LIVE_SUBNET": "default",
	}
	for _, name := range unset {
		delete(env, name)
	}
	return func(name string) string { return env[name] }
}

func TestLiveConfigSkipNamesEachMissingVariable(t *testing.T) {
	_, skip := loadLiveConfig(liveTestEnv("UPSTASH_API_KEY", "REDISKIT_LIVE_SUBNET"))
	for _, name := range []string{"UPSTASH_API_KEY", "REDISKIT_LIVE_SUBNET"} {
		if !strings.Contains(skip, name+" (") {
			t.Errorf("the skip message does not name %s: %s", name, skip)
		}
	}
	if strings.Contains(skip, "REDISKIT_LIVE_PROJECT") {
		t.Errorf("the skip message names a variable that is set: %s", skip)
	}
	if _, skip := loadLiveConfig(liveTestEnv()); skip != "" {
		t.Errorf("with every variable set the test skips: %s", skip)
	}
	other := liveTestEnv()
	notOne := func(name string) string {
		if name == "REDISKIT_LIVE" {
			return "true"
		}
		return other(name)
	}
	if _, skip := loadLiveConfig(notOne); !strings.Contains(skip, "REDISKIT_LIVE (") {
		t.Errorf("REDISKIT_LIVE=true runs the live test; only 1 does: %q", skip)
	}
}

// TestLiveStackValidates runs the real `rediskit validate` on the stack the
// live test writes, so that a change to the stack language breaks here,
// not half-way through a billed run.
func TestLiveStackValidates(t *testing.T) {
	cfg, _ := loadLiveConfig(liveTestEnv())
	if cfg.name() == "rk-live-" || len(cfg.name()) > 40 {
		t.Fatalf("resource name %q: want a suffix, within Memorystore's 40 characters", cfg.name())
	}
	if other, _ := loadLiveConfig(liveTestEnv()); other.suffix == cfg.suffix {
		t.Errorf("two runs got the same suffix %s", cfg.suffix)
	}
	stack := filepath.Join(t.TempDir(), "stack.hcl")
	if err := os.WriteFile(stack, []byte(cfg.stack()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &liveRunner{t: t, getenv: liveTestEnv(), redact: newRedactor(liveTestEnv())}
	r.must(0, "validate", stack)
}
