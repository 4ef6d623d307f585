package local

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// choosePort returns the port to start on: the configured one, else the one
// the config already has, else a free one. A configured port taken by another
// process is an error; a remembered one is silently replaced. running says
// that our own server still holds the config's port (it is about to be
// stopped), so that port counts as free.
func choosePort(name string, configured int, cfg *config, running bool) (int, error) {
	own := 0
	if cfg != nil && running {
		own = cfg.port()
	}
	if configured != 0 {
		if configured == own {
			return configured, nil
		}
		if err := portFree(configured); err != nil {
			return 0, portError(name, configured, err)
		}
		return configured, nil
	}
	if cfg != nil {
		if p := cfg.port(); p != 0 && (p == own || portFree(p) == nil) {
			return p, nil
		}
	}
	return freePort()
}

func portError(name string, port int, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("port %d on 127.0.0.1 is already in use by another process; set another `port` in the local block of redis.%s or remove it to use a free port", port, name)
	}
	return fmt.Errorf("cannot listen on 127.0.0.1:%d: %w; set another `port` in the local block of redis.%s or remove it to use a free port", port, err, name)
}

// portFree checks that 127.0.0.1:port can be listened on. A port in use is
// retried for a moment: a server killed just before may still be closing it.
func portFree(port int) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for try := 0; ; try++ {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			return l.Close()
		}
		if try == portRetries || !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
		time.Sleep(pollEvery)
	}
}

// portRetries × pollEvery bounds the wait for a closing port.
const portRetries = 20

// freePort asks the kernel for a port that is free now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w; set `port` in the local block", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
