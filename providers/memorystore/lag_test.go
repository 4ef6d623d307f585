package memorystore

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/provision"
)

var lagDelay = flag.Duration("memorystore-lag-delay", 30*time.Second, "how long the fake's create takes in BenchmarkCreateLag")

// BenchmarkCreateLag measures what apply adds to a create of D (flag
// -memorystore-lag-delay, default 30s): the time from the operation's end
// to a created and verified instance, with the production poll policy.
// It takes D per iteration, so run it alone:
//
//	go test -run '^$' -bench CreateLag -benchtime 1x ./providers/memorystore/
func BenchmarkCreateLag(b *testing.B) {
	fake := memorystoretest.Start(b, memorystoretest.Options{Delay: *lagDelay})
	env := provision.Env{Getenv: func(k string) string { return map[string]string{gcp.EnvEndpoint: fake.Addr()}[k] }}
	backend := New(env, gcp.New(env))
	defer backend.Close()
	var worst time.Duration
	for i := 0; b.Loop(); i++ {
		spec := mustSpec(&testing.T{}, channelsBlock)
		spec.Instance = fmt.Sprintf("lag-%d", i)
		start := time.Now()
		inst, err := backend.Create(context.Background(), (&recorder{}).request(spec, nil))
		if err != nil {
			b.Fatal(err)
		}
		if res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true}); !res.Passed {
			b.Fatal(res.Summary())
		}
		worst = max(worst, time.Since(start)-*lagDelay)
	}
	b.ReportMetric(worst.Seconds(), "lag-s")
	b.Logf("create of %s: apply's lag after the operation finished: %.2fs (worst of %d)", *lagDelay, worst.Seconds(), b.N)
}
