package redistest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errPortInUse marks a start that failed only because the port was taken.
var errPortInUse = errors.New("port already in use")

const (
	readyTimeout = 15 * time.Second
	stopGrace    = 5 * time.Second
)

// process is one redis-server child and the files it runs from.
type process struct {
	dir   string
	extra []string
	tls   *tlsFiles

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// launch starts redis-server on a fresh free port and waits until it answers.
func (s *Server) launch() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	if err := s.proc.start(port, s.Password); err != nil {
		return err
	}
	s.Port = port
	if err := s.awaitReady(); err != nil {
		_ = s.proc.stop()
		return err
	}
	return nil
}

// freePort asks the kernel for a free port. Another process may take it
// before redis-server binds; StartServer retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start writes redis.conf (0600: it holds the password, which must never be
// in argv) and runs redis-server with stdout and stderr going to redis.log.
func (p *process) start(port int, password string) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server not found: %w; install it (apt-get install redis-server)", err)
	}
	conf := filepath.Join(p.dir, "redis.conf")
	if err := os.WriteFile(conf, []byte(p.config(port, password)), 0o600); err != nil {
		return fmt.Errorf("write test redis.conf: %w", err)
	}
	logFile, err := os.Create(p.logPath())
	if err != nil {
		return fmt.Errorf("create test redis log: %w", err)
	}
	defer logFile.Close()
	p.cmd = exec.Command(bin, conf)
	p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = p.dir, logFile, logFile
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	p.exited = make(chan struct{})
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return nil
}

// config renders redis.conf. Logs go to stdout (logfile "") so that early
// fatal config errors and the log end up in the same file.
func (p *process) config(port int, password string) string {
	lines := []string{
		"bind 127.0.0.1",
		"daemonize no",
		`logfile ""`,
		"dir " + quote(p.dir),
		`save ""`,
		"appendonly no",
		"requirepass " + quote(password),
	}
	if p.tls == nil {
		lines = append(lines, "port "+strconv.Itoa(port))
	} else {
		lines = append(lines,
			"port 0",
			"tls-port "+strconv.Itoa(port),
			"tls-cert-file "+quote(p.tls.cert),
			"tls-key-file "+quote(p.tls.key),
			"tls-ca-cert-file "+quote(p.tls.ca),
			"tls-auth-clients no",
		)
	}
	lines = append(lines, p.extra...)
	return strings.Join(lines, "\n") + "\n"
}

// quote makes s one argument for redis.conf's double-quoted syntax.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

func (p *process) logPath() string { return filepath.Join(p.dir, "redis.log") }

// stop sends SIGTERM, waits a grace period, then kills.
func (p *process) stop() error {
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopGrace):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("test redis-server (pid %d) ignored SIGTERM for %s and was killed", p.cmd.Process.Pid, stopGrace)
}

// awaitReady polls with AUTH + PING until the server answers, it exits, or
// readyTimeout passes.
func (s *Server) awaitReady() error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.proc.exited:
			return s.proc.exitError()
		default:
		}
		if last = s.ping(); last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("test redis-server on %s did not answer within %s: %w\n%s", s.Addr(), readyTimeout, last, s.proc.logTail())
}

// exitError explains an early exit, marking a lost port race.
func (p *process) exitError() error {
	tail := p.logTail()
	err := fmt.Errorf("test redis-server exited at start (%v); its log ends:\n%s", p.waitErr, tail)
	if strings.Contains(tail, "Address already in use") {
		return fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

// logTail returns the last lines of redis.log.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.logPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// ping sends AUTH and PING in raw RESP and expects +OK and +PONG.
func (s *Server) ping() error {
	dialer := &net.Dialer{Timeout: time.Second}
	var conn net.Conn
	var err error
	if s.tls {
		conn, err = tls.DialWithDialer(dialer, "tcp", s.Addr(), &tls.Config{RootCAs: s.RootCAs(), ServerName: s.name, MinVersion: tls.VersionTLS12})
	} else {
		conn, err = dialer.Dial("tcp", s.Addr())
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	req := fmt.Sprintf("*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n", len(s.Password), s.Password)
	if _, err := conn.Write([]byte(req)); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for _, want := range []string{"+OK", "+PONG"} {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if got := strings.TrimRight(line, "\r\n"); got != want {
			return fmt.Errorf("server answered %q, want %q", got, want)
		}
	}
	return nil
}
