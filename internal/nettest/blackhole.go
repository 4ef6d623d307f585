// Package nettest has network helpers for tests.
package nettest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// BlackHole listens on a loopback port, accepts connections and never
// answers, as a hung API front end would, and returns its host:port. It
// closes everything when the test ends.
func BlackHole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// ExpectCut runs call, which talks to a BlackHole, and fails t unless it
// returns an error within bound (a loose bound on behaviour, never a speed
// target) whose text holds every one of wants.
func ExpectCut(t testing.TB, bound time.Duration, call func(ctx context.Context) error, wants ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := call(ctx)
	if elapsed := time.Since(start); err == nil || elapsed > bound {
		t.Fatalf("got %v after %v, want an error within %v", err, elapsed, bound)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
