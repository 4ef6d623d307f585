package local

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// paths are the files of one local Redis.
type paths struct {
	name string
	rel  string // folder relative to the stack's folder, for messages and Attrs
	dir  string
	conf string
	data string
	pid  string
	log  string
}

func (b *Backend) paths(name string) paths {
	rel := filepath.Join(".rediskit", "local", name)
	dir := rel
	if b.env.Dir != "" {
		dir = filepath.Join(b.env.Dir, rel)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return paths{
		name: name,
		rel:  filepath.ToSlash(rel),
		dir:  dir,
		conf: filepath.Join(dir, "redis.conf"),
		data: filepath.Join(dir, "data"),
		pid:  filepath.Join(dir, "redis.pid"),
		log:  filepath.Join(dir, "redis.log"),
	}
}

// kindMarker is a redis.conf comment recording which server runs the config,
// so that a stopped instance restarts with the same one.
const kindMarker = "# rediskit-server:"

// config is a redis.conf kept line by line: rediskit sets the directives it
// manages and keeps any other line a user added.
type config struct {
	lines []string
}

// newConfig returns the config of a new instance with a fresh password.
func newConfig(name string) (*config, error) {
	c := &config{lines: []string{
		"# Written by rediskit for redis." + name + ". rediskit rewrites the directives it",
		"# manages (port, dir, pidfile, logfile, ...) on every start and keeps other lines.",
		kindMarker,
	}}
	return c, c.newPassword(name)
}

// newPassword sets requirepass to 32 random bytes in hex.
func (c *config) newPassword(name string) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("generate a password for redis.%s: %w", name, err)
	}
	c.set("requirepass", hex.EncodeToString(secret))
	return nil
}

// readConfig reads a redis.conf; a missing file is an error wrapping
// fs.ErrNotExist.
func readConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &config{lines: strings.Split(strings.TrimRight(string(data), "\n"), "\n")}, nil
}

// get returns the value of the last occurrence of a directive, as Redis does.
func (c *config) get(key string) string {
	val := ""
	for _, line := range c.lines {
		if k, v, ok := directive(line); ok && k == key {
			val = v
		}
	}
	return val
}

// set replaces the directive's first occurrence, drops later ones and appends
// it when absent.
func (c *config) set(key, val string) {
	out, done := c.lines[:0:0], false
	for _, line := range c.lines {
		if k, _, ok := directive(line); ok && k == key {
			if !done {
				out, done = append(out, key+" "+val), true
			}
			continue
		}
		out = append(out, line)
	}
	if !done {
		out = append(out, key+" "+val)
	}
	c.lines = out
}

func (c *config) port() int {
	n, err := strconv.Atoi(c.get("port"))
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}

func (c *config) password() string { return c.get("requirepass") }

// kind is the server recorded by setKind, or "" when none is.
func (c *config) kind() string {
	for _, line := range c.lines {
		if v, ok := strings.CutPrefix(line, kindMarker); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (c *config) setKind(kind string) {
	for i, line := range c.lines {
		if strings.HasPrefix(line, kindMarker) {
			c.lines[i] = kindMarker + " " + kind
			return
		}
	}
	c.lines = append([]string{kindMarker + " " + kind}, c.lines...)
}

// manage sets every directive rediskit owns. Paths are absolute and
// rewritten on each start so that a moved project folder still works.
func (c *config) manage(p paths, port int, kind string) {
	c.setKind(kind)
	c.set("bind", "127.0.0.1")
	c.set("protected-mode", "yes")
	c.set("port", strconv.Itoa(port))
	c.set("dir", quote(p.data))
	c.set("pidfile", quote(p.pid))
	c.set("logfile", quote(p.log))
	c.set("save", `""`)
	c.set("appendonly", "no")
}

// write replaces the file atomically with mode 0600.
func (c *config) write(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".redis.conf.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(strings.Join(c.lines, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// directive splits a config line into its lower-cased key and its value with
// surrounding quotes removed; comments and blank lines are not directives.
func directive(line string) (key, val string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", false
	}
	key, val = line, ""
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		key, val = line[:i], line[i+1:]
	}
	return strings.ToLower(key), unquote(strings.TrimSpace(val)), true
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		if u, err := strconv.Unquote(`"` + v[1:len(v)-1] + `"`); err == nil {
			return u
		}
		return v[1 : len(v)-1]
	}
	return v
}

// quote writes a path so that Redis reads it back whole even with spaces.
func quote(v string) string { return strconv.Quote(v) }

// isNotExist reports a missing file or folder.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
