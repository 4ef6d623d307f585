package dotenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

const (
	envBefore = "DEBUG=1\n# keep this comment\nexport REDIS_URL=redis://old:6379/0\nSECRET_KEY=\"django-insecure\"\n"
	// The old line is gone, the new one is last; everything else stays.
	envRenamed = "DEBUG=1\n# keep this comment\nSECRET_KEY=\"django-insecure\"\nCHANNELS_URL=" + secretURL + "\n"
)

func envAttrs(path, env string) provision.TargetAttrs {
	return provision.TargetAttrs{AttrPath: path, AttrEnv: env}
}

func TestMovesInOneChange(t *testing.T) {
	dir := t.TempDir()
	target := New(provision.Env{Dir: dir})
	for _, tt := range []struct {
		from, to provision.TargetAttrs
		want     bool
	}{
		{envAttrs(".env", "REDIS_URL"), envAttrs(".env", "CHANNELS_URL"), true},
		{envAttrs(".env", "REDIS_URL"), envAttrs("./.env", "REDIS_URL"), true},
		{envAttrs(".env", "REDIS_URL"), envAttrs(filepath.Join(dir, ".env"), "REDIS_URL"), true},
		{envAttrs(".env", "REDIS_URL"), envAttrs("config/.env", "REDIS_URL"), false},
	} {
		if got := target.MovesInOneChange(tt.from, tt.to); got != tt.want {
			t.Errorf("MovesInOneChange(%v, %v) = %v", tt.from, tt.to, got)
		}
	}
}

// The same place under another spelling of its path is written, never
// removed.
func TestMoveToTheSamePlace(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, envBefore, 0o600)
	conn := provision.Connection{URL: secretURL, Previous: envAttrs(".env", "REDIS_URL")}
	if err := New(provision.Env{Dir: dir}).Write(ctx, envAttrs("./.env", "REDIS_URL"), conn); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != strings.Replace(envBefore, "redis://old:6379/0", secretURL, 1) {
		t.Fatalf(".env = %q", got)
	}
}

func TestRenameMovesTheCABundle(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	target := New(provision.Env{Dir: dir})
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := target.Write(ctx, envAttrs(".env", "REDIS_URL"), provision.Connection{URL: secretURL, CACert: ca}); err != nil {
		t.Fatal(err)
	}
	conn := provision.Connection{URL: secretURL, CACert: ca, Previous: envAttrs(".env", "REDIS_URL")}
	if err := target.Write(ctx, envAttrs(".env", "CHANNELS_URL"), conn); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	if !strings.HasPrefix(got, "CHANNELS_URL=") || !strings.Contains(got, ".env.CHANNELS_URL-ca.pem") || strings.Contains(got, "REDIS_URL") {
		t.Fatalf(".env = %q", got)
	}
	if value, set, err := target.Read(ctx, envAttrs(".env", "CHANNELS_URL")); err != nil || !set || value != secretURL {
		t.Fatalf("Read = %q, %v, %v", value, set, err)
	}
	checkOnly(t, dir, ".env", ".env.CHANNELS_URL-ca.pem")
}

func TestMoveToAnotherFile(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	oldPath, newPath := filepath.Join(dir, ".env"), filepath.Join(dir, "config", ".env")
	writeFile(t, oldPath, envBefore, 0o600)
	writeFile(t, newPath, "# app settings\nDEBUG=0\n", 0o600)
	conn := provision.Connection{URL: secretURL, Previous: envAttrs(".env", "REDIS_URL")}
	if err := New(provision.Env{Dir: dir}).Write(ctx, envAttrs("config/.env", "REDIS_URL"), conn); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, newPath), "# app settings\nDEBUG=0\nREDIS_URL="+secretURL+"\n"; got != want {
		t.Errorf("new file = %q, want %q", got, want)
	}
	if got, want := readFile(t, oldPath), "DEBUG=1\n# keep this comment\nSECRET_KEY=\"django-insecure\"\n"; got != want {
		t.Errorf("old file = %q, want %q", got, want)
	}
	checkOnly(t, dir, ".env", "config")
}

// longName is a file name that can exist but leaves no room for the
// temporary file that replacing it atomically needs (NAME_MAX is 255), so
// that writing it fails even for root.
var longName = strings.Repeat("e", 240)

// When the old file cannot be changed, the new one is put back as it was:
// its content and mode, or its absence.
func TestFailedMoveToAnotherFileLeavesBoth(t *testing.T) {
	for _, existed := range []bool{true, false} {
		t.Run(map[bool]string{true: "new file existed", false: "new file did not exist"}[existed], func(t *testing.T) {
			ctx, dir := context.Background(), t.TempDir()
			oldPath, newPath := filepath.Join(dir, longName), filepath.Join(dir, "app.env")
			writeFile(t, oldPath, envBefore, 0o600)
			const newBefore = "# app settings\nDEBUG=0\n"
			if existed {
				writeFile(t, newPath, newBefore, 0o644)
			}
			ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
			conn := provision.Connection{URL: secretURL, CACert: ca, Previous: envAttrs(longName, "REDIS_URL")}
			err := New(provision.Env{Dir: dir}).Write(ctx, envAttrs("app.env", "REDIS_URL"), conn)
			if err == nil || !strings.Contains(err.Error(), "app.env was put back as it was, so nothing changed") {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error holds the password: %v", err)
			}
			if got := readFile(t, oldPath); got != envBefore {
				t.Errorf("old file = %q", got)
			}
			if existed {
				if got := readFile(t, newPath); got != newBefore {
					t.Errorf("new file = %q, want it as it was", got)
				}
				if mode := stat(t, newPath).Mode().Perm(); mode != 0o644 {
					t.Errorf("new file's mode = %o, want 0644 as it was", mode)
				}
				checkOnly(t, dir, "app.env", longName)
			} else {
				checkOnly(t, dir, longName) // neither the file nor its CA bundle
			}
		})
	}
}

// A rename that cannot be written leaves the file as it was.
func TestFailedRenameLeavesTheFile(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, longName)
	writeFile(t, path, envBefore, 0o600)
	conn := provision.Connection{URL: secretURL, Previous: envAttrs(longName, "REDIS_URL")}
	if err := New(provision.Env{Dir: dir}).Write(ctx, envAttrs(longName, "CHANNELS_URL"), conn); err == nil {
		t.Fatal("no error")
	}
	if got := readFile(t, path); got != envBefore {
		t.Errorf("file = %q", got)
	}
	checkOnly(t, dir, longName)
}
