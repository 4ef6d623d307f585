package dotenv

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/rediskit/rediskit/provision"
)

// renamesOnto watches dir with inotify and returns a function that
// reports how many times a file was renamed onto name there since: each
// atomic replace of the file is one.
func renamesOnto(t *testing.T, dir, name string) func() int {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	// IN_CREATE too, although only renames are counted: inotify merges an
	// event into the last one queued when they are alike, and the
	// temporary file each replace creates keeps two renames apart.
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_MOVED_TO|syscall.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	return func() int {
		n := 0
		buf := make([]byte, 64*1024)
		for {
			size, err := syscall.Read(fd, buf)
			if errors.Is(err, syscall.EAGAIN) {
				return n
			}
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off < size; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				raw := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
				if ev.Mask&syscall.IN_MOVED_TO != 0 && string(bytes.TrimRight(raw, "\x00")) == name {
					n++
				}
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}

// A rename of the variable is one atomic write of the file: a reader never
// sees a file with neither variable or with both.
func TestRenameIsOneWrite(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	path := filepath.Join(dir, ".env")
	writeFile(t, path, envBefore, 0o600)
	renames := renamesOnto(t, dir, ".env")
	target := New(provision.Env{Dir: dir})
	conn := provision.Connection{URL: secretURL, Previous: envAttrs(".env", "REDIS_URL")}

	if err := target.Write(ctx, envAttrs(".env", "CHANNELS_URL"), conn); err != nil {
		t.Fatal(err)
	}
	if n := renames(); n != 1 {
		t.Fatalf("the rename replaced .env %d times, want once", n)
	}
	if got := readFile(t, path); got != envRenamed {
		t.Fatalf(".env after the rename:\n%s\nwant:\n%s", got, envRenamed)
	}
	checkOnly(t, dir, ".env")

	// Done again, as a run that resumes a move finished before does, it
	// changes nothing.
	if err := target.Write(ctx, envAttrs(".env", "CHANNELS_URL"), conn); err != nil {
		t.Fatal(err)
	}
	if n := renames(); n != 0 {
		t.Fatalf("repeating the move replaced .env %d times", n)
	}
	if got := readFile(t, path); got != envRenamed {
		t.Fatalf(".env after repeating the move:\n%s", got)
	}
}
