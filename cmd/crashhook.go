package cmd

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Test hooks for crash injection (README, "Testing hooks"). They are read
// only here, and only change anything when set.
const (
	// envCrashAt: at the Nth step boundary of an apply (1-based), the
	// process kills itself with SIGKILL, as a power cut or OOM kill would.
	envCrashAt = "REDISKIT_CRASH_AT"
	// envCrashCountFile: every step boundary's label is appended to this
	// file, one a line, so that a harness learns how many a command has.
	envCrashCountFile = "REDISKIT_CRASH_COUNT_FILE"
)

// crashHook returns the engine's Boundary hook the test variables ask
// for, or nil when neither is set (every normal run).
func crashHook(getenv func(string) string) func(label string) {
	countFile := getenv(envCrashCountFile)
	crashAt, _ := strconv.Atoi(getenv(envCrashAt))
	if countFile == "" && crashAt <= 0 {
		return nil
	}
	var mu sync.Mutex
	seen := 0
	return func(label string) {
		mu.Lock()
		defer mu.Unlock()
		seen++
		if countFile != "" {
			appendLine(countFile, label)
		}
		if seen == crashAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			for { // SIGKILL cannot be caught; never go on past the boundary
				time.Sleep(time.Second)
			}
		}
	}
}

// appendLine adds line to the file at path. A test hook must not change
// what the run does, so a failure to record is ignored.
func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	_, _ = f.WriteString(line + "\n")
	_ = f.Close()
}
