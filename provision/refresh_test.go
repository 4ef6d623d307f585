package provision

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunBoundedLimitsAndReportsFirstErrorInOrder(t *testing.T) {
	var running, peak atomic.Int32
	jobs := make([]func(context.Context) error, 20)
	for i := range jobs {
		jobs[i] = func(ctx context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			switch i {
			case 3:
				return errors.New("third")
			case 1:
				time.Sleep(20 * time.Millisecond) // fails later, but comes first
				return errors.New("first")
			}
			return nil
		}
	}
	err := runBounded(context.Background(), 4, jobs)
	if err == nil || err.Error() != "first" {
		t.Fatalf("err = %v, want the first failing job's", err)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Fatalf("peak concurrency %d, want 2..4", p)
	}
}
