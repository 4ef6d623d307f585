// Package pythontest finds a Python 3 that has the modules a test needs
// (redis-py, channels_redis, Django), so that tests can run the app side of
// a Redis URL for real. A missing interpreter or module fails the test with
// what to install; it is never a skip.
package pythontest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Install is what CI installs (.ci/run) and what a developer should: Debian
// bookworm's redis-py 4.3.4, channels_redis 4.0.0 (with channels) and
// Django 3.2.
const Install = "apt-get install python3-redis python3-channels-redis python3-django"

// Find returns the first of $REDISKIT_PYTHON, python3 on PATH and
// /usr/bin/python3 that imports every module, or fails t.
func Find(t testing.TB, modules ...string) string {
	t.Helper()
	python, err := Lookup(modules...)
	if err != nil {
		t.Fatal(err)
	}
	return python
}

// Lookup is Find for callers without a testing.TB (testscript commands):
// the error says what to install.
func Lookup(modules ...string) (string, error) {
	candidates := []string{os.Getenv("REDISKIT_PYTHON")}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	imports := "import " + strings.Join(modules, ", ")
	var tried []string
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if err := exec.Command(c, "-c", imports).Run(); err == nil {
			return c, nil
		}
		tried = append(tried, c)
	}
	return "", fmt.Errorf("no Python 3 here can %q (tried %s): run `%s`, or set REDISKIT_PYTHON to a python3 that has them",
		imports, strings.Join(tried, ", "), Install)
}
