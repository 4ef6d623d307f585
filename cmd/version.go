package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Release builds stamp these (scripts/release):
//
//	-ldflags "-X github.com/rediskit/rediskit/cmd.Version=v1.2.3
//	          -X github.com/rediskit/rediskit/cmd.Commit=0123abc…
//	          -X github.com/rediskit/rediskit/cmd.Date=2026-12-03T09:00:00Z"
//
// They are variables only so that the linker can set them.
var (
	// Version is rediskit's version; state, lock and plan files record it.
	Version = devVersion
	Commit  = ""
	Date    = ""
)

// devVersion is the version of a build nobody stamped.
const devVersion = "0.1.0-dev"

// buildInfo is what `rediskit version` reports.
type buildInfo struct {
	Version, Commit, Date string
}

// currentBuild returns the stamped version, commit and date, filling what
// was not stamped from the Go build information: the module version of a
// `go install …@v1.2.3`, and the VCS revision and time of a build from a
// checkout.
func currentBuild() buildInfo {
	b := buildInfo{Version: Version, Commit: Commit, Date: Date}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	return b.fill(info)
}

// fill completes b from info; stamped values win. A commit read from a
// checkout with uncommitted changes is marked "+dirty".
func (b buildInfo) fill(info *debug.BuildInfo) buildInfo {
	if v := info.Main.Version; b.Version == devVersion && v != "" && v != "(devel)" {
		b.Version = v
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	if b.Commit == "" && vcs["vcs.revision"] != "" {
		b.Commit = vcs["vcs.revision"]
		if vcs["vcs.modified"] == "true" {
			b.Commit += "+dirty"
		}
	}
	if b.Date == "" {
		b.Date = vcs["vcs.time"]
	}
	return b
}

// versionLine names the version, the commit and date it was built from
// ("unknown" when the build recorded none), and the Go version and
// platform.
func versionLine() string {
	b := currentBuild()
	return fmt.Sprintf("rediskit %s (commit %s, built %s, %s %s/%s)",
		b.Version, orUnknown(b.Commit), orUnknown(b.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
