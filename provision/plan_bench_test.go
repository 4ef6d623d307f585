package provision_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hundredStack declares n redis blocks, each with one target.
func hundredStack(n int) string {
	var b strings.Builder
	b.WriteString("variable \"size\" {\n  default = \"small\"\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "redis \"r%d\" {\n  provider = \"fake\"\n  fake {\n    size   = var.size\n    region = \"eu\"\n  }\n  verify {\n    pubsub = true\n  }\n}\n", i)
		fmt.Fprintf(&b, "target \"fake\" \"t%d\" {\n  redis = redis.r%d\n  key   = \"t%d\"\n}\n", i, i, i)
	}
	return b.String()
}

// BenchmarkLoadRefreshDiff100 measures what a no-op plan does besides
// process start: decode a stack of 100 redis blocks and 100 targets,
// refresh all of them from adapters that answer at once, and diff.
func BenchmarkLoadRefreshDiff100(b *testing.B) {
	w := newWorld(b)
	src := hundredStack(100)
	stack := w.stack(src)
	if err := w.apply(stack); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stack := w.stack(src)
		st, err := w.engine.ReadState(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p, err := w.engine.Plan(ctx, stack, st)
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() {
			b.Fatal("benchmark stack is not up to date")
		}
	}
}

// BenchmarkPlan100Slow is BenchmarkLoadRefreshDiff100 with adapters that
// take 50 ms per read, as remote APIs do: refresh runs reads in parallel
// (bounded), so a plan of 200 resources stays well under 2 s.
func BenchmarkPlan100Slow(b *testing.B) {
	w := newWorld(b)
	src := hundredStack(100)
	if err := w.apply(w.stack(src)); err != nil {
		b.Fatal(err)
	}
	w.fake.Delay, w.targets.Delay = 50*time.Millisecond, 50*time.Millisecond
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := w.engine.ReadState(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if p, err := w.engine.Plan(ctx, w.stack(src), st); err != nil || p.HasChanges() {
			b.Fatalf("plan: %v", err)
		}
	}
}
