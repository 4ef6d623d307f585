package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rediskit/rediskit/provision"
)

const idPrefix = "local:"

// Create starts a local Redis for req.Name and returns it once it answers
// PING. It reuses the folder, config and password an interrupted earlier
// attempt left, and a server that attempt started.
func (b *Backend) Create(ctx context.Context, req provision.CreateRequest) (*provision.Instance, error) {
	return b.ensure(ctx, req.Name, req.Spec, req.Progress)
}

// Update applies a changed port or server and restarts a stopped server.
func (b *Backend) Update(ctx context.Context, rec provision.Record, want provision.Spec) (*provision.Instance, error) {
	return b.ensure(ctx, nameOf(rec), want, nil)
}

// Read returns the instance in rec's folder. A missing folder or config is an
// error wrapping provision.ErrNotFound; a server that is not running is
// Status "stopped", not an error.
func (b *Backend) Read(ctx context.Context, rec provision.Record) (*provision.Instance, error) {
	name := nameOf(rec)
	if err := checkName(name); err != nil {
		return nil, err
	}
	p := b.paths(name)
	cfg, err := readConfig(p.conf)
	if isNotExist(err) {
		return nil, fmt.Errorf("local redis %s: %s/redis.conf is missing: %w", name, p.rel, provision.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/redis.conf: %w; check the file's permissions", p.rel, err)
	}
	status := "stopped"
	if findServer(p) != 0 && ping(ctx, cfg.port(), cfg.password()) == nil {
		status = provision.StatusReady
	}
	return b.instance(p, cfg, status), nil
}

// Diff reports a changed configured port, a changed explicit server kind and
// a server that is not running; all are changed in place by Update.
func (b *Backend) Diff(want provision.Spec, have *provision.Instance) []provision.AttrChange {
	s := specOf(want)
	var changes []provision.AttrChange
	if p := strconv.Itoa(s.Port); s.Port != 0 && p != have.Attrs["port"] {
		changes = append(changes, provision.AttrChange{Name: "port", Old: have.Attrs["port"], New: p})
	}
	if s.Server != serverAuto && s.Server != kindOf(have.Attrs["server"]) {
		changes = append(changes, provision.AttrChange{Name: "server", Old: have.Attrs["server"], New: s.Server})
	}
	if have.Status != provision.StatusReady {
		changes = append(changes, provision.AttrChange{Name: "process", Old: "stopped", New: "running", Note: "stopped outside rediskit"})
	}
	return changes
}

// Delete stops the server and removes its folder. A folder already gone is
// not an error.
func (b *Backend) Delete(ctx context.Context, rec provision.Record) error {
	name := nameOf(rec)
	if err := checkName(name); err != nil {
		return err
	}
	p := b.paths(name)
	if _, err := os.Stat(p.dir); isNotExist(err) {
		return nil
	}
	if pid := findServer(p); pid != 0 {
		if err := stop(ctx, p, pid); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(p.dir); err != nil {
		return fmt.Errorf("remove %s: %w; remove the folder by hand", p.rel, err)
	}
	// Tidy .rediskit/local when this was its last instance; a non-empty
	// folder stays.
	_ = os.Remove(filepath.Dir(p.dir))
	return nil
}

// ensure brings the folder, config and server of name in line with spec and
// returns the ready instance. It is the whole of Create and Update, so each
// is idempotent.
func (b *Backend) ensure(ctx context.Context, name string, spec provision.Spec, progress func(string)) (*provision.Instance, error) {
	s := specOf(spec)
	if err := checkName(name); err != nil {
		return nil, err
	}
	p := b.paths(name)
	cfg, err := readConfig(p.conf)
	if err != nil && !isNotExist(err) {
		return nil, fmt.Errorf("read %s/redis.conf: %w; check the file's permissions", p.rel, err)
	}
	kind, err := b.resolveKind(name, s.Server, cfg)
	if err != nil {
		return nil, err
	}
	pid := 0
	if cfg != nil {
		if pid = findServer(p); pid != 0 && b.matches(ctx, cfg, s.Port, kind) {
			return b.instance(p, cfg, provision.StatusReady), nil
		}
	}
	// Choose the port before stopping a running server, so that a new port
	// that turns out to be taken leaves the old server serving.
	port, err := choosePort(name, s.Port, cfg, pid != 0)
	if err != nil {
		return nil, err
	}
	if pid != 0 {
		if err := stop(ctx, p, pid); err != nil {
			return nil, err
		}
	}
	if cfg == nil {
		if cfg, err = newConfig(name); err != nil {
			return nil, err
		}
	} else if cfg.password() == "" {
		// Never serve without a password, even from a hand-edited config.
		if err := cfg.newPassword(name); err != nil {
			return nil, err
		}
	}
	if err := prepare(p, cfg, port, kind); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(fmt.Sprintf("starting %s on 127.0.0.1:%d", kindLabel(kind), port))
	}
	return b.run(ctx, p, cfg, kind)
}

// matches reports whether the running server of cfg already is what spec
// wants and answers; then Create and Update adopt it as it is.
func (b *Backend) matches(ctx context.Context, cfg *config, port int, kind string) bool {
	return (port == 0 || port == cfg.port()) && kind == cfg.kind() && ping(ctx, cfg.port(), cfg.password()) == nil
}

// prepare creates the folders and writes the config for a start.
func prepare(p paths, cfg *config, port int, kind string) error {
	for _, dir := range []string{p.dir, p.data} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w; check that the stack's folder is writable", p.rel, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict %s to its owner: %w", p.rel, err)
		}
	}
	cfg.manage(p, port, kind)
	if err := cfg.write(p.conf); err != nil {
		return fmt.Errorf("write %s/redis.conf: %w; check that the folder is writable", p.rel, err)
	}
	return nil
}

// run starts the server and waits until it answers. On failure the server is
// stopped again, so a failed start leaves nothing running.
func (b *Backend) run(ctx context.Context, p paths, cfg *config, kind string) (*provision.Instance, error) {
	proc, err := b.start(p, kind)
	if err != nil {
		return nil, err
	}
	err = waitReady(ctx, proc, cfg.port(), cfg.password())
	if err == nil {
		return b.instance(p, cfg, provision.StatusReady), nil
	}
	// ctx may be done already; stopping must not depend on it.
	stopCtx, cancel := context.WithTimeout(context.Background(), 2*stopTimeout)
	defer cancel()
	_ = stop(stopCtx, p, proc.pid)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("start %s for redis.%s: %w; run `rediskit apply` again", kindLabel(kind), p.name, err)
	}
	return nil, fmt.Errorf("%s for redis.%s %w; last lines of %s/redis.log:\n%s\nfix what the log shows (the config is %s/redis.conf) and run `rediskit apply` again",
		kindLabel(kind), p.name, err, p.rel, logTail(p, proc.logOff, cfg.password()), p.rel)
}

// resolveKind turns the spec's server into the one to run. "auto" keeps the
// kind an existing config records while it is still available, so a restart
// does not switch servers behind the user's back.
func (b *Backend) resolveKind(name, server string, cfg *config) (string, error) {
	_, haveRedis := b.lookPath(serverRedis)
	switch server {
	case serverRedis:
		if !haveRedis {
			return "", errNoRedisServer(name)
		}
		return serverRedis, nil
	case serverEmbedded:
		return serverEmbedded, nil
	}
	if cfg != nil && (cfg.kind() == serverEmbedded || cfg.kind() == serverRedis && haveRedis) {
		return cfg.kind(), nil
	}
	if haveRedis {
		return serverRedis, nil
	}
	return serverEmbedded, nil
}

// instance describes p's server. Only URL carries the password.
func (b *Backend) instance(p paths, cfg *config, status string) *provision.Instance {
	port := strconv.Itoa(cfg.port())
	server := "embedded miniredis"
	if cfg.kind() != serverEmbedded {
		server = "redis-server"
		if bin, ok := b.lookPath(serverRedis); ok {
			server = b.version(bin)
		}
	}
	u := url.URL{Scheme: "redis", User: url.UserPassword("", cfg.password()), Host: net.JoinHostPort("127.0.0.1", port), Path: "/0"}
	return &provision.Instance{
		ID:     idPrefix + p.name,
		Attrs:  map[string]string{"host": "127.0.0.1", "port": port, "server": server, "dir": p.rel},
		URL:    u.String(),
		Status: status,
	}
}

// kindOf maps an Attrs "server" value back to a server kind.
func kindOf(server string) string {
	if strings.HasPrefix(server, "embedded") {
		return serverEmbedded
	}
	return serverRedis
}

// nameOf takes the redis block's name from the recorded ID, falling back to
// the record's name.
func nameOf(rec provision.Record) string {
	if n, ok := strings.CutPrefix(rec.ID, idPrefix); ok && n != "" {
		return n
	}
	return rec.Name
}

// checkName refuses names that would leave .rediskit/local as a folder.
func checkName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("local redis %q: the name may only hold letters, digits, '_', '.' and '-'; rename the redis block", name)
	}
	return nil
}
