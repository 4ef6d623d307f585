package upstashtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestAuthRequired(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	for _, tc := range []struct{ user, pass string }{{"", ""}, {s.Email, "wrong"}, {"other@example.com", s.APIKey}} {
		status, body := rawCall(t, s, "GET", "/v2/redis/databases", nil, tc.user, tc.pass)
		if status != http.StatusUnauthorized || body != "Unauthorized" {
			t.Errorf("user %q: got %d %q, want 401 plain-text Unauthorized", tc.user, status, body)
		}
	}
	if status, body := apiCall(t, s, "GET", "/v2/redis/databases", nil); status != 200 || body != "[]" {
		t.Errorf("empty list: got %d %q, want 200 []", status, body)
	}
}

func TestCreateReadDelete(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	db := createDB(t, s, map[string]any{
		"database_name": "acme", "platform": "gcp", "primary_region": "us-central1",
		"region": "global", "eviction": true, "budget": 20, "tls": true,
	})
	id := db["database_id"].(string)
	for key, want := range map[string]any{
		"database_name": "acme", "primary_region": "us-central1", "region": "global",
		"endpoint": "localhost", "state": "active", "eviction": true, "budget": 20.0, "tls": true,
	} {
		if db[key] != want {
			t.Errorf("%s = %v, want %v", key, db[key], want)
		}
	}
	if pw, _ := db["password"].(string); len(pw) != 32 {
		t.Errorf("password %q: want 32 hex characters", pw)
	}

	_, hidden := apiCall(t, s, "GET", "/v2/redis/database/"+id+"?credentials=hide", nil)
	if strings.Contains(hidden, "password") || strings.Contains(hidden, "rest_token") {
		t.Errorf("credentials=hide still sends credentials: %s", hidden)
	}
	if !strings.Contains(hidden, `"db_request_limit":9223372036854775808`) {
		t.Errorf("want db_request_limit 2^63 in %s", hidden)
	}
	if status, body := apiCall(t, s, "DELETE", "/v2/redis/database/"+id, nil); status != 200 || body != `"OK"` {
		t.Errorf("delete: got %d %s, want 200 \"OK\"", status, body)
	}
	if status, body := apiCall(t, s, "GET", "/v2/redis/database/"+id, nil); status != 404 || body != `{"error":"database not found"}` {
		t.Errorf("read after delete: got %d %s", status, body)
	}
	if s.Count() != 0 {
		t.Errorf("Count = %d after delete", s.Count())
	}
}

func TestCreateAcceptsNameSpelling(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	db := createDB(t, s, map[string]any{"name": "mcp-style", "region": "global", "primary_region": "us-east-1"})
	if db["database_name"] != "mcp-style" {
		t.Errorf("database_name = %v, want mcp-style", db["database_name"])
	}
	if got := s.Databases()[0].Platform; got != "aws" {
		t.Errorf("inferred platform = %q, want aws", got)
	}
}

func TestCreateValidation(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	base := func(kv ...any) map[string]any {
		m := map[string]any{"database_name": "x", "platform": "aws", "primary_region": "us-east-1", "region": "global"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"regional", base("region", "eu-west-1"), `"regional db creation is deprecated"`},
		{"no name", base("database_name", ""), `"database_name is required"`},
		{"unknown region", base("primary_region", "mars-1"), `"invalid primary region: mars-1"`},
		{"platform mismatch", base("platform", "gcp"), `"primary region us-east-1 is not on platform gcp"`},
		{"gcp read region", base("read_regions", []string{"us-central1"}), `"invalid read region: us-central1"`},
		{"primary as read region", base("read_regions", []string{"us-east-1"}), `"Primary region 'us-east-1' can not be in the list of read regions."`},
		{"plan", base("plan", "gold"), `"invalid plan: gold"`},
	} {
		status, body := apiCall(t, s, "POST", "/v2/redis/database", tc.body)
		if status != 400 || body != tc.want {
			t.Errorf("%s: got %d %s, want 400 %s", tc.name, status, body, tc.want)
		}
	}
	if s.Count() != 0 {
		t.Errorf("refused creates left %d databases", s.Count())
	}
}

func TestUpdateOperations(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	id := createDB(t, s, map[string]any{"database_name": "a", "primary_region": "us-east-1"})["database_id"].(string)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		want         string // exact body, or a prefix ending in "…"
	}{
		{"POST", "/v2/redis/rename/" + id, map[string]string{"name": "b"}, 200, `{"database_id":"` + id + `"…`},
		{"POST", "/v2/redis/enable-eviction/" + id, nil, 200, `"OK"`},
		{"PATCH", "/v2/redis/update-budget/" + id, map[string]int{"budget": 50}, 200, `"OK"`},
		{"POST", "/v2/redis/update-budget/" + id, map[string]int{"budget": 60}, 405, `{"message":"Method Not Allowed: update-budget is a PATCH"}`},
		{"POST", "/v2/redis/update-regions/" + id, map[string][]string{"read_regions": {"eu-west-1"}}, 200, `"OK"`},
		{"POST", "/v2/redis/update-regions/" + id, map[string][]string{"read_regions": {"us-east-1"}}, 400, `"Primary region 'us-east-1' can not be in the list of read regions."`},
		{"POST", "/v2/redis/" + id + "/change-plan", map[string]string{"plan_name": "payg"}, 200, `"OK"`},
		{"POST", "/v2/redis/enable-eviction/nope", nil, 404, `{"error":"database not found"}`},
	} {
		status, body := apiCall(t, s, tc.method, tc.path, tc.body)
		match := body == tc.want
		if prefix, ok := strings.CutSuffix(tc.want, "…"); ok {
			match = strings.HasPrefix(body, prefix)
		}
		if status != tc.status || !match {
			t.Errorf("%s %s: got %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.want)
		}
	}
	got, _ := s.Database(id)
	if got.Name != "b" || !got.Eviction || got.Budget != 50 || strings.Join(got.ReadRegions, ",") != "eu-west-1" || got.Plan != "payg" {
		t.Errorf("after updates: %+v", got)
	}
}

func TestFaults(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	s.Fail(Fault{Status: 429, Count: 2, Method: "GET", Path: "/v2/redis/databases", Shape: ShapeMessage, RetryAfter: "3"})
	s.Fail(Fault{Status: 503, Skip: 1, Path: "/v2/redis/database/*", Shape: ShapeText, Message: "maintenance"})
	for i := range 2 {
		req, _ := http.NewRequest("GET", s.URL+"/v2/redis/databases", nil)
		resp, err := http.DefaultClient.Do(req) // no auth: faults come first
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("request %d: got %d Retry-After %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if status, _ := apiCall(t, s, "GET", "/v2/redis/databases", nil); status != 200 {
		t.Errorf("third list: got %d, want 200 once the fault is used up", status)
	}
	if status, _ := apiCall(t, s, "GET", "/v2/redis/database/x", nil); status != 404 {
		t.Errorf("skipped request: got %d, want the normal 404", status)
	}
	if status, body := apiCall(t, s, "GET", "/v2/redis/database/x", nil); status != 503 || body != "maintenance" {
		t.Errorf("faulted request: got %d %q", status, body)
	}
}

func TestHoldInactive(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	s.HoldInactive(2)
	db := createDB(t, s, map[string]any{"database_name": "slow", "primary_region": "eu-west-1"})
	id := db["database_id"].(string)
	var states []string
	states = append(states, db["state"].(string))
	for range 3 {
		_, body := apiCall(t, s, "GET", "/v2/redis/database/"+id, nil)
		var got struct{ State string }
		_ = json.Unmarshal([]byte(body), &got)
		states = append(states, got.State)
	}
	if got := strings.Join(states, ","); got != "passive,passive,passive,active" {
		t.Errorf("states on create and 3 reads = %s", got)
	}
}

func TestDropCreateResponse(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	s.DropCreateResponses(1)
	req, _ := http.NewRequest("POST", s.URL+"/v2/redis/database", strings.NewReader(`{"database_name":"lost","primary_region":"us-east-1"}`))
	req.SetBasicAuth(s.Email, s.APIKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("create answered %d, want a dropped connection", resp.StatusCode)
	}
	if dbs := s.Databases(); len(dbs) != 1 || dbs[0].Name != "lost" {
		t.Fatalf("databases after dropped create = %+v, want the one created", dbs)
	}
	createDB(t, s, map[string]any{"database_name": "second", "primary_region": "us-east-1"})
}

func TestControlEndpoints(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	post := func(path, body string) int {
		resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/__fake/fail", `{"status":500,"count":1,"method":"POST"}`); got != 204 {
		t.Fatalf("fail: %d", got)
	}
	if status, body := apiCall(t, s, "POST", "/v2/redis/database", map[string]string{"database_name": "x", "primary_region": "us-east-1"}); status != 500 || body != `"Internal Server Error"` {
		t.Errorf("faulted create: %d %s", status, body)
	}
	if got := post("/__fake/databases", `{"name":"oob","primary_region":"eu-west-1"}`); got != 200 {
		t.Fatalf("add: %d", got)
	}
	if s.Count() != 1 {
		t.Fatalf("Count = %d after out-of-band add", s.Count())
	}
	req, _ := http.NewRequest("DELETE", s.URL+"/__fake/databases/"+s.Databases()[0].ID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || s.Count() != 0 {
		t.Errorf("out-of-band delete: %d, Count %d", resp.StatusCode, s.Count())
	}
	for _, r := range s.Requests() {
		if strings.HasPrefix(r.Path, "/__fake/") {
			t.Errorf("control request logged as API request: %+v", r)
		}
	}
}

func TestDatabaseServesRedisOverTLS(t *testing.T) {
	s := Start(t, Options{})
	db := createDB(t, s, map[string]any{"database_name": "tls", "primary_region": "us-east-1"})
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(s.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("CA file %s: %v", s.CAFile, err)
	}
	addr := fmt.Sprintf("%s:%v", db["endpoint"], db["port"])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	good := redis.NewClient(&redis.Options{Addr: addr, Username: "default", Password: db["password"].(string),
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}})
	defer good.Close()
	if err := good.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING over TLS with the fake's CA: %v", err)
	}

	wrongPW := redis.NewClient(&redis.Options{Addr: addr, Password: "nope", TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, MaxRetries: -1})
	defer wrongPW.Close()
	if err := wrongPW.Ping(ctx).Err(); err == nil {
		t.Error("PING with a wrong password succeeded")
	}
	plain := redis.NewClient(&redis.Options{Addr: addr, Password: db["password"].(string), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer plain.Close()
	if err := plain.Ping(ctx).Err(); err == nil {
		t.Error("PING without TLS succeeded on the TLS port")
	}
	untrusted := redis.NewClient(&redis.Options{Addr: addr, Password: db["password"].(string), MaxRetries: -1,
		TLSConfig: &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"}})
	defer untrusted.Close()
	if err := untrusted.Ping(ctx).Err(); err == nil {
		t.Error("PING succeeded without trusting the fake's CA")
	}

	id := db["database_id"].(string)
	_, body := apiCall(t, s, "POST", "/v2/redis/reset-password/"+id, nil)
	var reset struct{ Password string }
	_ = json.Unmarshal([]byte(body), &reset)
	renewed := redis.NewClient(&redis.Options{Addr: addr, Password: reset.Password, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}})
	defer renewed.Close()
	if err := renewed.Ping(ctx).Err(); err != nil || reset.Password == db["password"] {
		t.Errorf("PING with the reset password %q: %v", reset.Password, err)
	}

	s.DeleteDatabase(id)
	if err := renewed.Ping(ctx).Err(); err == nil {
		t.Error("redis-server still answers after its database was deleted")
	}
}
