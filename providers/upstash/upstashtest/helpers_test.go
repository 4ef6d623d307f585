package upstashtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// apiCall sends one request to the fake with its credentials and returns the
// status and body.
func apiCall(t *testing.T, s *Server, method, path string, body any) (int, string) {
	t.Helper()
	return rawCall(t, s, method, path, body, s.Email, s.APIKey)
}

func rawCall(t *testing.T, s *Server, method, path string, body any, user, pass string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(bytes.TrimSpace(b))
}

// createDB creates a database through the API and returns its wire form.
func createDB(t *testing.T, s *Server, body map[string]any) map[string]any {
	t.Helper()
	status, out := apiCall(t, s, "POST", "/v2/redis/database", body)
	if status != http.StatusOK {
		t.Fatalf("create: %d %s", status, out)
	}
	var db map[string]any
	if err := json.Unmarshal([]byte(out), &db); err != nil {
		t.Fatalf("create answer %q: %v", out, err)
	}
	return db
}
