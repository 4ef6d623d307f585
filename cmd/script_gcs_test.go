package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/rediskit/rediskit/provision/gcsstate/gcstest"
	"github.com/rogpeppe/go-internal/testscript"
)

// gcsBucket is the bucket `gcs start` creates; scripts name it in their
// state blocks.
const gcsBucket = "rediskit-state"

// cmdGCS drives a fake Cloud Storage (gcstest: fake-gcs-server plus the
// delete preconditions it lacks) from a script. The fake runs in the test
// process; every subcommand but start reaches it over HTTP through
// STORAGE_EMULATOR_HOST, so no Go state is kept.
//
//	gcs start               start the fake with bucket rediskit-state; set STORAGE_EMULATOR_HOST
//	gcs cat OBJECT          print the object (for stdout and cmp)
//	gcs put OBJECT FILE     store FILE as OBJECT, as another client would
//	gcs exists OBJECT       the object exists (negatable)
//	gcs waitfor OBJECT      wait up to 30s for the object to exist
//	gcs gen OBJECT VAR      put the object's generation in $VAR
func cmdGCS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: gcs start|cat|put|exists|waitfor|gen ARGS...")
	}
	sub, args := args[0], args[1:]
	if neg && sub != "exists" {
		ts.Fatalf("gcs %s cannot be negated", sub)
	}
	want := map[string]int{"start": 0, "cat": 1, "put": 2, "exists": 1, "waitfor": 1, "gen": 2}
	n, ok := want[sub]
	if !ok || len(args) != n {
		ts.Fatalf("usage: gcs start | cat OBJECT | put OBJECT FILE | exists OBJECT | waitfor OBJECT | gen OBJECT VAR")
	}
	switch sub {
	case "start":
		srv, err := gcstest.Start(gcsBucket)
		ts.Check(err)
		ts.Defer(srv.Close)
		ts.Setenv("STORAGE_EMULATOR_HOST", srv.Host())
	case "cat":
		data, _ := gcsGet(ts, args[0], true)
		_, err := ts.Stdout().Write(data)
		ts.Check(err)
	case "put":
		gcsPut(ts, args[0], []byte(ts.ReadFile(args[1])))
	case "exists":
		if _, found := gcsGet(ts, args[0], false); found == neg {
			ts.Fatalf("gs://%s/%s exists=%v", gcsBucket, args[0], found)
		}
	case "waitfor":
		for i := 0; ; i++ {
			if _, found := gcsGet(ts, args[0], false); found {
				return
			}
			if i == 300 {
				ts.Fatalf("gs://%s/%s did not appear within 30s", gcsBucket, args[0])
			}
			time.Sleep(100 * time.Millisecond)
		}
	case "gen":
		var meta struct {
			Generation string `json:"generation"`
		}
		ts.Check(json.Unmarshal(gcsRequest(ts, http.MethodGet, gcsObjectURL(ts, args[0], ""), nil, http.StatusOK), &meta))
		ts.Setenv(args[1], meta.Generation)
	}
}

func gcsObjectURL(ts *testscript.TestScript, object, query string) string {
	u := "http://" + ts.Getenv("STORAGE_EMULATOR_HOST") + "/storage/v1/b/" + gcsBucket + "/o/" + url.PathEscape(object)
	if query != "" {
		u += "?" + query
	}
	return u
}

// gcsGet returns an object's content; found is false when it does not
// exist, which fails the script when must is set.
func gcsGet(ts *testscript.TestScript, object string, must bool) (data []byte, found bool) {
	resp, err := http.Get(gcsObjectURL(ts, object, "alt=media"))
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	switch {
	case resp.StatusCode == http.StatusOK:
		return body, true
	case resp.StatusCode == http.StatusNotFound && !must:
		return nil, false
	}
	ts.Fatalf("GET gs://%s/%s: %s: %s", gcsBucket, object, resp.Status, body)
	return nil, false
}

func gcsPut(ts *testscript.TestScript, object string, data []byte) {
	u := fmt.Sprintf("http://%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s",
		ts.Getenv("STORAGE_EMULATOR_HOST"), gcsBucket, url.QueryEscape(object))
	gcsRequest(ts, http.MethodPost, u, data, http.StatusOK)
}

func gcsRequest(ts *testscript.TestScript, method, u string, body []byte, want int) []byte {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != want {
		ts.Fatalf("%s %s: %s: %s", method, u, resp.Status, data)
	}
	return data
}
