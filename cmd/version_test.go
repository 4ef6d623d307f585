package cmd

import (
	"bufio"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFillsWhatWasNotStamped(t *testing.T) {
	checkout := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	dirty := append(checkout[:2:2], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		name    string
		stamped buildInfo
		main    string
		set     []debug.BuildSetting
		want    buildInfo
	}{
		{"release build: the stamp wins", buildInfo{"v1.2.3", "feedface", "2026-12-03T09:00:00Z"}, "(devel)", checkout,
			buildInfo{"v1.2.3", "feedface", "2026-12-03T09:00:00Z"}},
		{"go install …@v1.2.3: the module version", buildInfo{Version: devVersion}, "v1.2.3", nil,
			buildInfo{Version: "v1.2.3"}},
		{"go build in a checkout: the commit and its date", buildInfo{Version: devVersion}, "(devel)", checkout,
			buildInfo{devVersion, "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z"}},
		{"uncommitted changes are marked", buildInfo{Version: devVersion}, "(devel)", dirty,
			buildInfo{devVersion, "0123456789abcdef0123456789abcdef01234567+dirty", "2026-12-01T10:00:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/rediskit/rediskit", Version: tc.main}, Settings: tc.set}
			if got := tc.stamped.fill(info); got != tc.want {
				t.Errorf("fill = %+v; want %+v", got, tc.want)
			}
		})
	}
}

// TestVersionOfAReleaseBuild runs scripts/release for this machine only and
// checks what it promises: a checksummed, static, stripped binary whose
// `rediskit version` prints the version, commit and date it was given.
func TestVersionOfAReleaseBuild(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("..", "scripts", "release"), "v9.8.7-rc.1")
	cmd.Env = append(os.Environ(), "REDISKIT_RELEASE_TARGETS=host", "REDISKIT_RELEASE_DIR="+out, "SOURCE_DATE_EPOCH=1000000000")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/release: %v\n%s", err, b)
	}
	name := "rediskit_v9.8.7-rc.1_" + runtime.GOOS + "_" + runtime.GOARCH
	bin := filepath.Join(out, name)
	checkSums(t, out, name)
	if runtime.GOOS == "linux" {
		checkStaticStripped(t, bin)
	}

	got, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", name, err)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	want := "rediskit v9.8.7-rc.1 (commit " + strings.TrimSpace(string(head))
	if !strings.HasPrefix(string(got), want) || !strings.Contains(string(got), ", built 2001-09-09T01:46:40Z, ") {
		t.Errorf("version printed %q; want it to start with %q and name the build date 2001-09-09T01:46:40Z", got, want)
	}
}

// checkSums checks that SHA256SUMS lists exactly name, with its digest.
func checkSums(t *testing.T, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for sc := bufio.NewScanner(strings.NewReader(string(sums))); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	if want := hex.EncodeToString(sum[:]) + "  " + name; len(lines) != 1 || lines[0] != want {
		t.Errorf("SHA256SUMS = %q; want the one line %q", sums, want)
	}
}

// checkStaticStripped checks that an ELF binary has no dynamic loader (it
// runs on any Linux, distroless or scratch) and no symbol table.
func checkStaticStripped(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader; want a static build (CGO_ENABLED=0)")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table; want it stripped (-s -w)")
	}
}
