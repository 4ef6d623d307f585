package local

import (
	"os"
	"strconv"
	"strings"
)

// isOurServer reports whether pid is a live server of p: its command line
// names redis-server or embedded-redis, and it runs p's config or works in
// p's data folder. redis-server replaces its command line with a title such
// as "redis-server 127.0.0.1:6390", hence the working-folder check. A zombie
// has an empty command line and counts as gone.
func isOurServer(pid int, p paths) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	raw, err := os.ReadFile(proc + "/cmdline")
	if err != nil || len(raw) == 0 {
		return false
	}
	cmdline := strings.ReplaceAll(string(raw), "\x00", " ")
	if !strings.Contains(cmdline, "redis-server") && !strings.Contains(cmdline, "embedded-redis") {
		return false
	}
	if strings.Contains(cmdline, p.conf) {
		return true
	}
	cwd, err := os.Stat(proc + "/cwd")
	if err != nil {
		return false
	}
	data, err := os.Stat(p.data)
	return err == nil && os.SameFile(cwd, data)
}

// processGone reports whether pid has finished exiting: it no longer exists
// or is a zombie. An exiting process loses its command line before it closes
// its sockets, so only this says that its port is free again.
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	state := stat[i+2]
	return state == 'Z' || state == 'X'
}
