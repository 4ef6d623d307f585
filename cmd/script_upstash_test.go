package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// Environment variables through which `upstash` finds the fake it started,
// kept apart from UPSTASH_* so that a script may unset or spoil those.
const (
	envFakeURL = "UPSTASH_FAKE_URL"
	envFakeKey = "UPSTASH_FAKE_API_KEY"
)

// cmdUpstash drives a fake Upstash Developer API (upstashtest) from a
// script. The fake runs in the test process; every subcommand but start
// talks to it over its /__fake/ control endpoints, so no Go state is kept.
//
//	upstash start                      start a fake; set UPSTASH_API_URL, UPSTASH_EMAIL,
//	                                   UPSTASH_API_KEY and SSL_CERT_FILE for rediskit
//	upstash fail STATUS COUNT [METHOD [PATH]] [skip=N] [retry-after=S]
//	                                   fail matching API requests (PATH is a path.Match pattern)
//	upstash drop-create N              the next N creates happen but their answers are lost
//	upstash hold N                     new databases stay non-active for N reads
//	upstash reset                      no more faults, hold or dropped answers
//	upstash add NAME [REGION]          make a database out of band (as in the console)
//	upstash id NAME VAR                put the id of database NAME in $VAR
//	upstash vanish NAME                delete database NAME out of band
//	upstash delete-all                 delete every database out of band
//	upstash count N                    the fake holds N databases
//	upstash requests N [METHOD [PATH]] the fake received N matching API requests
//	upstash db NAME KEY=VALUE...       database NAME has these fields (as the fake's JSON)
//	upstash nosecret FILE...           no database password and not the API key is in the files
//	upstash stats NAME [daily=N,...] [today=N] [month=N] [storage=BYTES]
//	                                   what the stats endpoint reports for database NAME
//
// count, requests and db may be negated with !.
func cmdUpstash(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: upstash start|fail|drop-create|hold|reset|add|id|vanish|delete-all|count|requests|db|nosecret|stats ARGS...")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "count", "requests", "db":
	default:
		if neg {
			ts.Fatalf("upstash %s cannot be negated", sub)
		}
	}
	switch sub {
	case "start":
		upstashStart(ts)
	case "fail":
		upstashFail(ts, args)
	case "drop-create", "hold":
		n := upstashInt(ts, args, "upstash "+sub+" N")
		field := map[string]string{"drop-create": "count", "hold": "reads"}[sub]
		upstashPost(ts, "/__fake/"+sub, map[string]int{field: n})
	case "reset":
		upstashPost(ts, "/__fake/reset", nil)
	case "add":
		upstashAdd(ts, args)
	case "id":
		if len(args) != 2 {
			ts.Fatalf("usage: upstash id NAME VAR")
		}
		ts.Setenv(args[1], upstashFind(ts, args[0]).ID)
	case "vanish":
		if len(args) != 1 {
			ts.Fatalf("usage: upstash vanish NAME")
		}
		upstashDelete(ts, upstashFind(ts, args[0]).ID)
	case "delete-all":
		for _, db := range upstashDatabases(ts) {
			upstashDelete(ts, db.ID)
		}
	case "count":
		upstashCount(ts, neg, args)
	case "requests":
		upstashRequests(ts, neg, args)
	case "db":
		upstashDB(ts, neg, args)
	case "nosecret":
		upstashNoSecret(ts, args)
	case "stats":
		upstashStats(ts, args)
	default:
		ts.Fatalf("unknown upstash subcommand %q", sub)
	}
}

func upstashStart(ts *testscript.TestScript) {
	if ts.Getenv(envFakeURL) != "" {
		ts.Fatalf("upstash start: a fake is running already")
	}
	srv, err := upstashtest.NewServer(upstashtest.Options{})
	ts.Check(err)
	ts.Defer(func() { _ = srv.Close() })
	ts.Setenv(envFakeURL, srv.URL)
	ts.Setenv(envFakeKey, srv.APIKey)
	ts.Setenv("UPSTASH_API_URL", srv.URL)
	ts.Setenv("UPSTASH_EMAIL", srv.Email)
	ts.Setenv("UPSTASH_API_KEY", srv.APIKey)
	// Read by each rediskit process, which then trusts the fake's databases.
	ts.Setenv("SSL_CERT_FILE", srv.CAFile)
}

func upstashFail(ts *testscript.TestScript, args []string) {
	usage := "usage: upstash fail STATUS COUNT [METHOD [PATH]] [skip=N] [retry-after=S]"
	if len(args) < 2 {
		ts.Fatalf("%s", usage)
	}
	f := upstashtest.Fault{Status: upstashInt(ts, args[:1], usage), Count: upstashInt(ts, args[1:2], usage)}
	var plain []string
	for _, a := range args[2:] {
		key, value, ok := strings.Cut(a, "=")
		switch {
		case !ok:
			plain = append(plain, a)
		case key == "skip":
			f.Skip = upstashInt(ts, []string{value}, usage)
		case key == "retry-after":
			f.RetryAfter = value
		default:
			ts.Fatalf("%s", usage)
		}
	}
	switch len(plain) {
	case 2:
		f.Path = plain[1]
		fallthrough
	case 1:
		f.Method = plain[0]
	case 0:
	default:
		ts.Fatalf("%s", usage)
	}
	upstashPost(ts, "/__fake/fail", f)
}

func upstashAdd(ts *testscript.TestScript, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: upstash add NAME [REGION]")
	}
	seed := upstashtest.Seed{Name: args[0]}
	if len(args) == 2 {
		seed.PrimaryRegion = args[1]
	}
	upstashPost(ts, "/__fake/databases", seed)
}

func upstashCount(ts *testscript.TestScript, neg bool, args []string) {
	want := upstashInt(ts, args, "usage: upstash count N")
	dbs := upstashDatabases(ts)
	if (len(dbs) == want) == neg {
		ts.Fatalf("the fake holds %d databases (%s), want %s%d", len(dbs), upstashNames(dbs), negWord(neg), want)
	}
}

func upstashRequests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 3 {
		ts.Fatalf("usage: upstash requests N [METHOD [PATH]]")
	}
	want := upstashInt(ts, args[:1], "usage: upstash requests N [METHOD [PATH]]")
	var reqs []upstashtest.Request
	upstashGet(ts, "/__fake/requests", &reqs)
	var got []string
	for _, r := range reqs {
		if len(args) > 1 && r.Method != args[1] {
			continue
		}
		if len(args) > 2 {
			if ok, err := path.Match(args[2], r.Path); err != nil || !ok {
				continue
			}
		}
		got = append(got, r.Method+" "+r.Path)
	}
	if (len(got) == want) == neg {
		ts.Fatalf("the fake received %d matching requests %q, want %s%d", len(got), got, negWord(neg), want)
	}
}

// upstashDB compares fields of the fake's JSON for a database, e.g.
// budget=20 eviction=true primary_region=us-central1.
func upstashDB(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: upstash db NAME KEY=VALUE...")
	}
	var dbs []map[string]any
	upstashGet(ts, "/__fake/databases", &dbs)
	var db map[string]any
	for _, d := range dbs {
		if d["database_name"] == args[0] {
			db = d
		}
	}
	if db == nil {
		ts.Fatalf("the fake holds no database named %q", args[0])
	}
	match := true
	var got []string
	for _, kv := range args[1:] {
		key, want, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("usage: upstash db NAME KEY=VALUE...")
		}
		have := fmt.Sprint(db[key])
		got = append(got, key+"="+have)
		match = match && have == want
	}
	if match == neg {
		ts.Fatalf("database %s has %s, want %s%s", args[0], strings.Join(got, " "), negWord(neg), strings.Join(args[1:], " "))
	}
}

// upstashNoSecret fails when a file holds a database's password or the
// fake's API key. stdout and stderr name the last command's output.
func upstashNoSecret(ts *testscript.TestScript, files []string) {
	if len(files) == 0 {
		ts.Fatalf("usage: upstash nosecret FILE...")
	}
	secrets := map[string]string{"the UPSTASH_API_KEY": ts.Getenv(envFakeKey)}
	for _, db := range upstashDatabases(ts) {
		secrets["the password of "+db.Name] = db.Password
	}
	for _, f := range files {
		content := ts.ReadFile(f)
		for what, secret := range secrets {
			if secret == "" {
				ts.Fatalf("upstash nosecret: %s is empty; was the fake started?", what)
			}
			if strings.Contains(content, secret) {
				ts.Fatalf("%s contains %s", f, what)
			}
		}
	}
}

func upstashFind(ts *testscript.TestScript, name string) upstashtest.DatabaseInfo {
	dbs := upstashDatabases(ts)
	for _, db := range dbs {
		if db.Name == name {
			return db
		}
	}
	ts.Fatalf("the fake holds no database named %q (it holds %s)", name, upstashNames(dbs))
	return upstashtest.DatabaseInfo{}
}

func upstashDatabases(ts *testscript.TestScript) []upstashtest.DatabaseInfo {
	var dbs []upstashtest.DatabaseInfo
	upstashGet(ts, "/__fake/databases", &dbs)
	return dbs
}

func upstashNames(dbs []upstashtest.DatabaseInfo) string {
	names := make([]string, len(dbs))
	for i, db := range dbs {
		names[i] = db.Name + " " + db.ID
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func negWord(neg bool) string {
	if neg {
		return "anything but "
	}
	return ""
}

func upstashInt(ts *testscript.TestScript, args []string, usage string) int {
	if len(args) != 1 {
		ts.Fatalf("%s", usage)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("%s: %v", usage, err)
	}
	return n
}

func upstashDelete(ts *testscript.TestScript, id string) {
	upstashDo(ts, http.MethodDelete, "/__fake/databases/"+id, nil, nil)
}

func upstashGet(ts *testscript.TestScript, p string, out any) {
	upstashDo(ts, http.MethodGet, p, nil, out)
}

func upstashPost(ts *testscript.TestScript, p string, body any) {
	upstashDo(ts, http.MethodPost, p, body, nil)
}

// upstashDo calls a control endpoint of the fake, decoding a JSON answer
// into out when out is not nil.
func upstashDo(ts *testscript.TestScript, method, p string, body, out any) {
	base := ts.Getenv(envFakeURL)
	if base == "" {
		ts.Fatalf("no fake Upstash API: run `upstash start` first")
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		ts.Check(err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+p, r)
	ts.Check(err)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode/100 != 2 {
		ts.Fatalf("%s %s: %s %s", method, p, resp.Status, data)
	}
	if out != nil {
		ts.Check(json.Unmarshal(data, out))
	}
}
