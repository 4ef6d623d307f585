package dotenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

const (
	secretURL = "redis://:5f4dcc3b5aa765d61d8327deb882cf99@127.0.0.1:6390/0"
	secret    = "5f4dcc3b5aa765d61d8327deb882cf99"
)

// attrsFor returns the attrs Decode gives for path = "<path>": path as
// written, relative to the stack's folder unless absolute.
func attrsFor(path string) provision.TargetAttrs {
	return provision.TargetAttrs{"path": path, "env": "REDIS_URL"}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// checkOnly fails unless dir holds exactly names: no temporary file is left.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("folder holds %q, want %q", got, names)
	}
}

func TestWriteCreatesFile(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	target := New(provision.Env{Dir: dir})
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "REDIS_URL="+secretURL+"\n" {
		t.Errorf("file = %q", got)
	}
	if mode := stat(t, path).Mode(); mode != 0o600 {
		t.Errorf("mode = %v, want 0600", mode)
	}
	checkOnly(t, dir, ".env")
	value, set, err := target.Read(ctx, attrsFor(".env"))
	if err != nil || !set || value != secretURL {
		t.Errorf("Read = %q, %v, %v", value, set, err)
	}
}

func TestWriteKeepsOtherLines(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	before := "# Django\r\nDEBUG=1\r\n\r\nexport REDIS_URL='old'\r\nSECRET_KEY=\"a b\"\r\n"
	writeFile(t, path, before, 0o644)
	// An open reader of the old file must keep seeing all of it: Write
	// replaces the file rather than rewriting it in place.
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	if err := New(provision.Env{Dir: dir}).Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	want := "# Django\r\nDEBUG=1\r\n\r\nexport REDIS_URL=" + secretURL + "\r\nSECRET_KEY=\"a b\"\r\n"
	if got := readFile(t, path); got != want {
		t.Errorf("file =\n%q\nwant\n%q", got, want)
	}
	if mode := stat(t, path).Mode(); mode != 0o600 {
		t.Errorf("mode = %v, want 0600", mode)
	}
	if seen, err := io.ReadAll(old); err != nil || string(seen) != before {
		t.Errorf("old reader saw %q, %v; want the old file whole", seen, err)
	}
	checkOnly(t, dir, ".env")
}

func TestWriteSameValueRewritesNothing(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, "A=1\nREDIS_URL="+secretURL+"\n", 0o644)
	before := stat(t, path)
	if err := New(provision.Env{Dir: dir}).Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	after := stat(t, path)
	if !os.SameFile(before, after) {
		t.Error("the file was replaced although its content was right")
	}
	if after.Mode() != 0o600 {
		t.Errorf("mode = %v, want 0600 (tightened)", after.Mode())
	}
}

func TestWriteThroughSymlink(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	shared, link := filepath.Join(dir, "shared.env"), filepath.Join(dir, ".env")
	writeFile(t, shared, "A=1\n", 0o600)
	if err := os.Symlink("shared.env", link); err != nil {
		t.Fatal(err)
	}
	if err := New(provision.Env{Dir: dir}).Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", info, err)
	}
	if got := readFile(t, shared); got != "A=1\nREDIS_URL="+secretURL+"\n" {
		t.Errorf("linked file = %q", got)
	}
	checkOnly(t, dir, ".env", "shared.env")
}

func TestReadMissing(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{".env", "nope/.env", filepath.Join(dir, "nope", ".env")} {
		value, set, err := New(provision.Env{Dir: dir}).Read(context.Background(), attrsFor(path))
		if value != "" || set || err != nil {
			t.Errorf("Read(%s) = %q, %v, %v; want unset", path, value, set, err)
		}
	}
}

func TestReadAfterOutsideEdit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".env"), "REDIS_URL=a\n# REDIS_URL=b\nREDIS_URL=\"c\"\n", 0o600)
	value, set, err := New(provision.Env{Dir: dir}).Read(context.Background(), attrsFor(".env"))
	if value != "c" || !set || err != nil {
		t.Errorf("Read = %q, %v, %v; want the last assignment, unquoted", value, set, err)
	}
}

func TestRemove(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, "REDIS_URL=a\n# keep\nA=1\nexport REDIS_URL="+secretURL+"\nB=2", 0o644)
	target := New(provision.Env{Dir: dir})
	if err := target.Remove(ctx, attrsFor(".env")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "# keep\nA=1\nB=2" {
		t.Errorf("file = %q", got)
	}
	if mode := stat(t, path).Mode(); mode != 0o600 {
		t.Errorf("mode = %v, want 0600", mode)
	}
	checkOnly(t, dir, ".env")
	if _, set, err := target.Read(ctx, attrsFor(".env")); set || err != nil {
		t.Errorf("Read after Remove: set %v, err %v", set, err)
	}

	// Removing again changes nothing, not even the file's identity.
	before := stat(t, path)
	if err := target.Remove(ctx, attrsFor(".env")); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, stat(t, path)) {
		t.Error("Remove of an unset variable replaced the file")
	}
}

func TestRemoveMissing(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{".env", "nope/.env", filepath.Join(dir, "nope", ".env")} {
		if err := New(provision.Env{Dir: dir}).Remove(context.Background(), attrsFor(path)); err != nil {
			t.Errorf("Remove(%s) = %v, want nil", path, err)
		}
	}
	checkOnly(t, dir)
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "file.txt"), "x", 0o600)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		ops        []string // the operations that must fail
		hint       string
	}{
		{"folder", "sub", []string{"read", "write", "remove"}, "the path is a folder"},
		{"under a file", "file.txt/.env", []string{"read", "write", "remove"}, "a part of the path is a file"},
		{"missing folder", "nope/.env", []string{"write"}, "create the folder nope"},
	}
	target := New(provision.Env{Dir: dir})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := attrsFor(tt.path)
			errs := map[string]error{"write": target.Write(context.Background(), attrs, provision.Connection{URL: secretURL})}
			_, _, errs["read"] = target.Read(context.Background(), attrs)
			errs["remove"] = target.Remove(context.Background(), attrs)
			for _, op := range tt.ops {
				err := errs[op]
				if err == nil {
					t.Errorf("%s: no error", op)
					continue
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.hint) || !strings.Contains(msg, "REDIS_URL in "+tt.path) {
					t.Errorf("%s: %q; want it to name REDIS_URL in %s and say %q", op, msg, tt.path, tt.hint)
				}
				if strings.Contains(msg, secret) {
					t.Errorf("%s: error reveals the password: %q", op, msg)
				}
			}
		})
	}
	checkOnly(t, dir, "file.txt", "sub")
	checkOnly(t, filepath.Join(dir, "sub"))
}

func TestBadAttrs(t *testing.T) {
	dir := t.TempDir()
	for _, attrs := range []provision.TargetAttrs{
		{"env": "REDIS_URL"},
		{"path": "", "env": "REDIS_URL"},
		{"path": ".env", "env": "NOT VALID"},
		{"path": ".env"},
	} {
		err := New(provision.Env{Dir: dir}).Write(context.Background(), attrs, provision.Connection{URL: secretURL})
		if err == nil || !strings.Contains(err.Error(), "rediskit validate") {
			t.Errorf("Write(%v) = %v; want an error that says what to run", attrs, err)
			continue
		}
		// The settings are named as the stack writes them.
		if want := fmt.Sprintf("path %q", attrs["path"]); !strings.Contains(err.Error(), want) {
			t.Errorf("Write(%v) = %q; want it to say %s", attrs, err, want)
		}
	}
	checkOnly(t, dir)
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	if err := New(provision.Env{Dir: dir}).Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != context.Canceled {
		t.Errorf("Write = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a cancelled Write created the file: %v", err)
	}
}

// TestDecodeThenWrite follows a stack's relative path from Decode to the file.
func TestDecodeThenWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	attrs, diags := decode(t, dir, "redis = redis.channels\npath = var.envfile\nenv = \"CHANNELS_URL\"")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := New(provision.Env{Dir: dir}).Write(context.Background(), attrs, provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "config", ".env")); got != "CHANNELS_URL="+secretURL+"\n" {
		t.Errorf("file = %q", got)
	}
}

// TestAbsolutePath checks that an absolute path is used as it is, whatever
// the stack's folder.
func TestAbsolutePath(t *testing.T) {
	ctx, stackDir, other := context.Background(), t.TempDir(), t.TempDir()
	path := filepath.Join(other, ".env")
	target := New(provision.Env{Dir: stackDir})
	if err := target.Write(ctx, attrsFor(path), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "REDIS_URL="+secretURL+"\n" {
		t.Errorf("file = %q", got)
	}
	if value, set, err := target.Read(ctx, attrsFor(path)); err != nil || !set || value != secretURL {
		t.Errorf("Read = %q, %v, %v", value, set, err)
	}
	checkOnly(t, stackDir)
	if err := target.Remove(ctx, attrsFor(path)); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "" {
		t.Errorf("file after Remove = %q", got)
	}
}

// TestProjectMoved is why attrs keep the path as written: state recorded
// before the project folder moved still names the .env file in its new
// place, and never the old one.
func TestProjectMoved(t *testing.T) {
	ctx, root := context.Background(), t.TempDir()
	oldDir, newDir := filepath.Join(root, "old"), filepath.Join(root, "new")
	if err := os.MkdirAll(filepath.Join(oldDir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	attrs, diags := decode(t, oldDir, `path = var.envfile`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := New(provision.Env{Dir: oldDir}).Write(ctx, attrs, provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}

	// The project moves; the attrs come back from state unchanged.
	if err := os.Rename(oldDir, newDir); err != nil {
		t.Fatal(err)
	}
	moved := New(provision.Env{Dir: newDir})
	if value, set, err := moved.Read(ctx, attrs); err != nil || !set || value != secretURL {
		t.Fatalf("Read after the move = %q, %v, %v; want the value written before it", value, set, err)
	}
	const newURL = "redis://127.0.0.1:6391/0"
	if err := moved.Write(ctx, attrs, provision.Connection{URL: newURL}); err != nil {
		t.Fatal(err)
	}
	newFile := filepath.Join(newDir, "config", ".env")
	if got := readFile(t, newFile); got != "REDIS_URL="+newURL+"\n" {
		t.Errorf("moved file = %q", got)
	}
	if _, err := os.Stat(oldDir); !os.IsNotExist(err) {
		t.Errorf("the old folder came back: %v", err)
	}
	checkOnly(t, root, "new")
	if err := moved.Remove(ctx, attrs); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, newFile); got != "" {
		t.Errorf("moved file after Remove = %q", got)
	}
}
