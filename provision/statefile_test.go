package provision_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

func TestFileStoreConformance(t *testing.T) {
	base := t.TempDir()
	provisiontest.RunStateStoreTests(t, func(t *testing.T) provision.StateStore {
		// The folder does not exist yet: the store must create it.
		dir := strings.ReplaceAll(t.Name(), "/", "_")
		return provision.NewFileStore(filepath.Join(base, dir, ".rediskit", "state.json"))
	})
}

func TestFileStoreRefusesCorruptState(t *testing.T) {
	tests := map[string]string{
		"invalid json":        `{"format_version": 1, "lineage": "abc", `,
		"empty file":          ``,
		"trailing garbage":    `{"format_version": 1, "lineage": "abc"} x`,
		"wrong type":          `{"format_version": 1, "lineage": "abc", "serial": "seven"}`,
		"no format version":   `{"lineage": "abc", "serial": 3}`,
		"no lineage":          `{"format_version": 1, "serial": 3}`,
		"not an object":       `[1, 2, 3]`,
		"negative version":    `{"format_version": -1, "lineage": "abc"}`,
		"version as a string": `{"format_version": "1", "lineage": "abc"}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeStateFile(t, content)
			s := provision.NewFileStore(path)
			_, err := s.Read(t.Context())
			if !errors.Is(err, provision.ErrStateCorrupt) {
				t.Fatalf("Read: err = %v; want one wrapping ErrStateCorrupt", err)
			}
			for _, want := range []string{path, "backup", "version control"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Read error %q does not mention %q", err, want)
				}
			}
			err = s.Write(t.Context(), provision.NewState("abc"))
			if !errors.Is(err, provision.ErrStateCorrupt) {
				t.Errorf("Write over a corrupt file: err = %v; want one wrapping ErrStateCorrupt", err)
			}
			assertFileContent(t, path, content)
			assertDirEntries(t, filepath.Dir(path), "state.json")
		})
	}
}

func TestFileStoreRefusesNewerFormat(t *testing.T) {
	// A newer format may change field types; it must be reported as too
	// new, not as corrupt.
	content := `{"format_version": 2, "lineage": "abc", "serial": 9, "redis": {"changed": "shape"}}`
	path := writeStateFile(t, content)
	s := provision.NewFileStore(path)
	_, err := s.Read(t.Context())
	if !errors.Is(err, provision.ErrStateTooNew) || errors.Is(err, provision.ErrStateCorrupt) {
		t.Fatalf("Read: err = %v; want one wrapping ErrStateTooNew only", err)
	}
	if !strings.Contains(err.Error(), "upgrade rediskit") {
		t.Errorf("Read error %q does not say to upgrade rediskit", err)
	}
	if err := s.Write(t.Context(), provision.NewState("abc")); !errors.Is(err, provision.ErrStateTooNew) {
		t.Errorf("Write over a newer file: err = %v; want one wrapping ErrStateTooNew", err)
	}
	assertFileContent(t, path, content)
}

func TestFileStoreModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "project", ".rediskit")
	path := filepath.Join(dir, "state.json")
	s := provision.NewFileStore(path)
	ctx := t.Context()
	id, err := s.Lock(ctx, provision.LockInfo{Operation: "apply"})
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	assertMode(t, dir, os.ModeDir|0o700)
	assertMode(t, path+".lock", 0o600)
	if err := s.Write(ctx, provision.NewState("abc")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	assertMode(t, path, 0o600)
	// A state file loosened by hand is tightened again by the next write.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, provision.NewState("abc")); err != nil {
		t.Fatalf("second Write: %v", err)
	}
	assertMode(t, path, 0o600)
	if err := s.Unlock(ctx, id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	// No temporary files and no lock file are left behind.
	assertDirEntries(t, dir, "state.json")

	// Write alone creates a missing folder as private as Lock does.
	dir2 := filepath.Join(t.TempDir(), "other", ".rediskit")
	if err := provision.NewFileStore(filepath.Join(dir2, "state.json")).Write(ctx, provision.NewState("abc")); err != nil {
		t.Fatalf("Write into a new folder: %v", err)
	}
	assertMode(t, dir2, os.ModeDir|0o700)
}

func TestFileStoreFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := provision.NewFileStore(path)
	st := provision.NewState("lineage-1")
	st.RediskitVersion = "v1.2.3"
	st.EnsureRedis("cache").Backends = []*provision.BackendState{{
		Type: "local", Status: provision.BackendActive, ID: "cache",
		Attrs: map[string]string{"port": "6400", "dir": "x"},
	}}
	if err := s.Write(t.Context(), st); err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := `{
  "format_version": 1,
  "lineage": "lineage-1",
  "serial": 1,
  "rediskit_version": "v1.2.3",
  "redis": [
    {
      "name": "cache",
      "backends": [
        {
          "type": "local",
          "status": "active",
          "id": "cache",
          "attrs": {
            "dir": "x",
            "port": "6400"
          }
        }
      ]
    }
  ],
  "targets": null
}
`
	assertFileContent(t, path, want)
}

func TestFileStoreWriteUpdatesCallerState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := provision.NewFileStore(path)
	st := &provision.State{Lineage: "abc", Serial: 41}
	if err := s.Write(t.Context(), st); err != nil {
		t.Fatalf("Write: %v", err)
	}
	// The serial on disk wins over the caller's, and the format version
	// is always this build's.
	if st.Serial != 1 || st.FormatVersion != provision.StateFormatVersion {
		t.Errorf("after Write, serial %d format %d; want 1 and %d", st.Serial, st.FormatVersion, provision.StateFormatVersion)
	}
}

func TestFileStoreFailedWriteKeepsOldState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := provision.NewFileStore(path)
	if err := s.Write(t.Context(), provision.NewState("abc")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A year past 9999 cannot be encoded, so this Write fails.
	st := provision.NewState("abc")
	st.EnsureRedis("cache").Backends = []*provision.BackendState{{
		Type: "local", Status: provision.BackendActive,
		CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	}}
	if err := s.Write(t.Context(), st); err == nil {
		t.Fatal("Write of an unencodable state succeeded; want an error")
	}
	if st.Serial != 0 || st.FormatVersion != provision.StateFormatVersion {
		t.Errorf("a failed Write changed the caller's state to serial %d format %d", st.Serial, st.FormatVersion)
	}
	assertFileContent(t, path, string(before))
	assertDirEntries(t, filepath.Dir(path), "state.json")
}

func writeStateFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func assertFileContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s changed:\n got %q\nwant %q", path, got, want)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != want {
		t.Errorf("mode of %s = %v; want %v", path, got, want)
	}
}

func assertDirEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files in %s = %q; want %q", dir, got, want)
	}
}
