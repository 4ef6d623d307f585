package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionLine names the version, the commit it was built from (when the
// build recorded one) and the Go version.
func versionLine() string {
	commit := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("rediskit %s (commit %s, %s)", Version, commit, runtime.Version())
}
