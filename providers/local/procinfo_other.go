//go:build !linux

package local

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// isOurServer reports whether pid is a live server of p, judged by its
// command line as ps shows it: redis-server's title carries its listen
// address, the embedded server's arguments carry the config path.
func isOurServer(pid int, p paths) bool {
	out, err := exec.Command("ps", "-o", "command=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return false
	}
	cmdline := string(out)
	if strings.Contains(cmdline, "embedded-redis") && strings.Contains(cmdline, p.conf) {
		return true
	}
	cfg, err := readConfig(p.conf)
	return err == nil && cfg.port() != 0 && strings.Contains(cmdline, "redis-server") &&
		strings.Contains(cmdline, "127.0.0.1:"+strconv.Itoa(cfg.port()))
}

// processGone reports whether pid no longer exists.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
