package local

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// RunEmbedded serves an in-memory Redis (miniredis) as described by the
// redis.conf at configPath until ctx is done. It reads port, requirepass,
// pidfile and logfile from that file, listens on 127.0.0.1 only, requires the
// password, writes its pid to pidfile while it runs, and logs to logfile (or
// to log when the config names none). It backs the hidden command
// `rediskit internal embedded-redis CONFIG`, whose ctx ends on SIGTERM or
// SIGINT. Errors never contain the password.
func RunEmbedded(ctx context.Context, configPath string, log io.Writer) error {
	cfg, err := readConfig(configPath)
	if err != nil {
		return fmt.Errorf("embedded redis: read config: %w; run `rediskit apply` to write it again", err)
	}
	port, password := cfg.port(), cfg.password()
	if port == 0 || password == "" {
		return fmt.Errorf("embedded redis: %s needs a valid port and requirepass; run `rediskit apply` to write it again", configPath)
	}
	if lf := cfg.get("logfile"); lf != "" {
		f, err := os.OpenFile(lf, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("embedded redis: open log file: %w; check that its folder is writable", err)
		}
		defer f.Close()
		log = f
	}
	m := miniredis.NewMiniRedis()
	m.RequireAuth(password)
	// Let TTLs run on the wall clock as in a real Redis: channels_redis
	// relies on EXPIRE to drop abandoned channel queues.
	m.ClockTTL(true)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := m.StartAddr(addr); err != nil {
		return fmt.Errorf("embedded redis: listen on %s: %w; set another `port` in the local block or remove it to use a free port", addr, err)
	}
	defer m.Close()
	if pf := cfg.get("pidfile"); pf != "" {
		if err := writePIDFile(pf); err != nil {
			return err
		}
		defer removePIDFile(pf)
	}
	logf(log, "embedded miniredis ready to accept connections on %s (pid %d)", addr, os.Getpid())
	<-ctx.Done()
	logf(log, "embedded miniredis shutting down")
	return nil
}

func writePIDFile(path string) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("embedded redis: write pid file: %w; check that its folder is writable", err)
	}
	return nil
}

// removePIDFile removes path only while it still names this process, so a
// newer server's pid file survives.
func removePIDFile(path string) {
	data, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(os.Getpid()) {
		_ = os.Remove(path)
	}
}

// logf writes one line in the spirit of Redis's own log format.
func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%d:M %s * %s\n", os.Getpid(), time.Now().Format("02 Jan 2006 15:04:05.000"), fmt.Sprintf(format, args...))
}
