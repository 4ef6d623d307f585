package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/providers/memorystore"
	"github.com/rediskit/rediskit/providers/upstash"
	"github.com/rediskit/rediskit/provision"
)

const memorystoreStack = `
redis "basic" {
  provider = "memorystore"
  memorystore {
    project        = "acme-prod"
    region         = "us-central1"
    instance       = "basic"
    tier           = "BASIC"
    memory_size_gb = 1
  }
}

redis "eu" {
  provider = "memorystore"
  memorystore {
    project  = "acme-prod"
    region   = "europe-west1"
    instance = "eu"
  }
}

redis "moving" {
  provider = "memorystore"
  upstash {
    name           = "acme-moving"
    primary_region = "us-central1"
    plan           = "payg"
  }
  memorystore {
    project        = "acme-prod"
    region         = "us-central1"
    instance       = "moving"
    memory_size_gb = 1
  }
  usage {
    workers = 1
  }
}
`

// wantMemorystorePlanCost is the plan's cost section for memorystoreStack
// with "moving" switching from its Upstash database: 1 GB Basic in
// us-central1 is 730 h × $0.049 = $35.77, europe-west1 has no price.
const wantMemorystorePlanCost = `
Monthly cost estimate:
  redis.basic usage: unknown (no usage { } block): prices that depend on commands are not given
  redis.eu usage: unknown (no usage { } block): prices that depend on commands are not given
  redis.moving usage: 1 worker on the core layer, 0 messages a day → 2.1M commands a month = 2.1M idle polling (from the usage block)
  redis.basic   memorystore  active    $35.77   Memorystore Basic 1 GB in us-central1: 730 h × 1 GB × $0.049 per GB-hour
  redis.eu      memorystore  active    unknown  Memorystore Basic 1 GB in europe-west1: price unknown: rediskit has no Memorystore price for BASIC M1 in europe-west1 (known: us-central1); see https://cloud.google.com/memorystore/docs/redis/pricing
  redis.moving  memorystore  active    $35.77   Memorystore Basic 1 GB in us-central1: 730 h × 1 GB × $0.049 per GB-hour
  redis.moving  upstash      retained  $0.00    Upstash pay-as-you-go: 0 commands × $0.20 per 100K commands
  redis.moving: switching from upstash ($4.20) to memorystore ($35.77): +$31.57 a month
  Prices as of Upstash 2026-06-18, Memorystore 2026-11-25, reference 2026-11-25; ` + "`rediskit cost`" + ` compares every option.
`

// TestPlanCostMemorystore pins the plan's cost lines for Memorystore, whose
// backend is registered here by hand so that the figures are tested
// whatever providers.Default holds.
func TestPlanCostMemorystore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stack.hcl")
	if err := os.WriteFile(path, []byte(memorystoreStack), 0o600); err != nil {
		t.Fatal(err)
	}
	env := provision.Env{Getenv: func(string) string { return "" }, Dir: dir, Warn: func(string) {}}
	reg := provision.NewRegistry()
	reg.AddBackend(local.New(env))
	reg.AddBackend(upstash.New(env))
	reg.AddBackend(memorystore.New(env, nil))
	stack, diags := provision.LoadStack(path, provision.LoadOptions{Registry: reg})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	st := provision.NewState("test")
	st.EnsureRedis("moving").Backends = []*provision.BackendState{{Type: "upstash", Status: provision.BackendActive}}
	plan := &provision.Plan{Changes: []*provision.Change{
		{Address: "redis.moving", Redis: "moving", Type: "memorystore", Action: provision.Create, From: "upstash"},
	}}
	prices, err := cost.LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	pc := buildPlanCost(context.Background(), prices, reg, stack, st, plan)
	var out bytes.Buffer
	newHumanView(&Streams{Out: &out, Err: &out}, false).PlanCost(pc)
	if out.String() != wantMemorystorePlanCost {
		t.Errorf("plan cost section:\n%s\nwant:\n%s", out.String(), wantMemorystorePlanCost)
	}
	if len(pc.Warnings) != 0 {
		t.Errorf("warnings %+v: nothing here loses money but the switch itself", pc.Warnings)
	}
}
