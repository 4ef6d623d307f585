package cmd

import (
	"os"
	"os/exec"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rediskit/rediskit/internal/pythontest"
)

// redispyPing connects with the URL as it is, then once more with
// ssl_check_hostname=True as a keyword, redis-py 6's default, which a URL
// value must override (from_url: "querystring arguments always win").
const redispyPing = `
import sys, redis
url = open(sys.argv[1]).read().strip()
for kwargs in ({}, {"ssl_check_hostname": True}):
    client = redis.from_url(url, **kwargs)
    assert client.ping() is True
    client.close()
print("redis-py", redis.__version__, "PONG")
`

// djangoRoundTrip loads the settings module SETTINGS (a file in the work
// folder) into Django, takes its channel layer and sends to a channel and
// to a group through it.
const djangoRoundTrip = `
import asyncio, os, sys
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
import django
django.setup()
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    name = await layer.new_channel()
    await layer.send(name, {"type": "chat.message", "text": "hi"})
    assert await asyncio.wait_for(layer.receive(name), 10) == {"type": "chat.message", "text": "hi"}
    await layer.group_add("room", name)
    await layer.group_send("room", {"type": "chat.message", "text": "all"})
    assert await asyncio.wait_for(layer.receive(name), 10) == {"type": "chat.message", "text": "all"}
    await layer.group_discard("room", name)
    await layer.flush()
    await layer.close_pools()
    print(type(layer).__name__, "round trip ok, Django", django.get_version())

asyncio.run(main())
`

// redispy URLFILE: connect with the URL in URLFILE the way an app does,
// with redis-py's from_url, and PING (see redispyPing).
func cmdRedisPy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: redispy URLFILE")
	}
	runPython(ts, neg, []string{"redis"}, nil, redispyPing, ts.MkAbs(args[0]))
}

// djangolayer SETTINGS URLFILE: with REDIS_URL set to the URL in URLFILE,
// load the Django settings module SETTINGS (SETTINGS.py in the work
// folder) and make a round trip through its channel layer.
func cmdDjangoLayer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: djangolayer SETTINGS URLFILE")
	}
	env := []string{"REDIS_URL=" + strings.TrimSpace(ts.ReadFile(args[1]))}
	runPython(ts, neg, []string{"django", "channels", "channels_redis"}, env, djangoRoundTrip, args[0])
}

func runPython(ts *testscript.TestScript, neg bool, modules, env []string, code string, args ...string) {
	python, err := pythontest.Lookup(modules...)
	ts.Check(err)
	cmd := exec.Command(python, append([]string{"-c", code}, args...)...)
	cmd.Dir, cmd.Env = ts.Getenv("WORK"), append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	ts.Logf("%s", out)
	if (err == nil) == neg {
		ts.Fatalf("%s: %v (want %s)", python, err, map[bool]string{true: "a failure", false: "success"}[neg])
	}
}

// noteCommand finds the redis-cli command in `rediskit output`'s note.
var noteCommand = regexp.MustCompile(`redis-cli --[^\n]*-u URL[^\n]*`)

// rediscli [-drop-cacert] NOTEFILE URLFILE: run the redis-cli command the
// note in NOTEFILE gives, exactly, with the URL in URLFILE for URL, and
// PING; -drop-cacert leaves its --cacert PATH out, for a negative control.
func cmdRedisCLI(ts *testscript.TestScript, neg bool, args []string) {
	drop := len(args) == 3 && args[0] == "-drop-cacert"
	if drop {
		args = args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: rediscli [-drop-cacert] NOTEFILE URLFILE")
	}
	command := noteCommand.FindString(ts.ReadFile(args[0]))
	if command == "" {
		ts.Fatalf("%s gives no redis-cli command", args[0])
	}
	var argv []string
	for i, fields := 0, strings.Fields(command[strings.LastIndex(command, "redis-cli "):]); i < len(fields); i++ {
		switch {
		case drop && fields[i] == "--cacert":
			i++
		case fields[i] == "URL":
			argv = append(argv, strings.TrimSpace(ts.ReadFile(args[1])))
		default:
			argv = append(argv, fields[i])
		}
	}
	out, err := exec.Command(argv[0], append(argv[1:], "PING")...).CombinedOutput()
	ok := err == nil && strings.HasSuffix(strings.TrimSpace(string(out)), "PONG")
	ts.Logf("redis-cli answered %q", strings.ReplaceAll(string(out), strings.TrimSpace(ts.ReadFile(args[1])), "URL"))
	if ok == neg {
		ts.Fatalf("redis-cli answered %q, %v", out, err)
	}
}
