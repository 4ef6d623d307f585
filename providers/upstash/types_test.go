package upstash

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestDecodeDatabaseTolerantly(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want Database
	}{
		{
			// OLD-MDX create_database_global.mdx, abridged in upstash-api.md.
			name: "old docs global example",
			body: `{"database_id":"93e3a3e-1","database_name":"global-test","database_type":"Pay as You Go","region":"global","type":"paid","port":32559,"creation_time":1674596896,"state":"active","password":"dd18574d","user_email":"support@upstash.com","endpoint":"steady-stud-32559.upstash.io","tls":false,"rest_token":"AX8v","read_only_rest_token":"An8v"}`,
			want: Database{ID: "93e3a3e-1", Name: "global-test", DatabaseType: "Pay as You Go", Region: "global", Type: "paid",
				Port: 32559, CreationTime: 1674596896, State: "active", Password: "dd18574d", Endpoint: "steady-stud-32559.upstash.io"},
		},
		{
			name: "db_request_limit 2^63, string booleans, camelCase addons, unknown fields",
			body: `{"database_id":"a","database_name":"n","primary_region":"us-east-1","read_regions":["eu-west-1"],"port":6379,"tls":true,"eviction":"true","budget":360,"db_request_limit":9223372036854775808,"db_acl_enabled":"false","prometheus_enabled":"false","securityAddons":{"ipWhitelisting":false},"db_conn_idle_timeout":21600000000000,"state":"active","something_new":{"nested":[1,2]}}`,
			want: Database{ID: "a", Name: "n", PrimaryRegion: "us-east-1", ReadRegions: []string{"eu-west-1"}, Port: 6379,
				TLS: true, Eviction: true, Budget: 360, State: "active"},
		},
		{
			name: "creation_time and port as strings (MCP types them so), null read_regions, name spelling",
			body: `{"database_id":"b","name":"alt","creation_time":"1752649602","port":"6379","read_regions":null,"tls":"1","eviction":0,"budget":null}`,
			want: Database{ID: "b", AltName: "alt", CreationTime: 1752649602, Port: 6379, TLS: true},
		},
		{
			name: "numbers as floats and out of range",
			body: `{"database_id":"c","creation_time":1.752649602e9,"budget":1e30,"port":6379.0}`,
			want: Database{ID: "c", CreationTime: 1752649602, Budget: math.MaxInt64, Port: 6379},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeDatabase([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%#v", *got) != fmt.Sprintf("%#v", tc.want) || got.Password.Reveal() != tc.want.Password.Reveal() {
				t.Errorf("got  %#v\nwant %#v", *got, tc.want)
			}
		})
	}
}

func TestDecodeDatabaseErrors(t *testing.T) {
	for _, body := range []string{`"OK"`, `<html>`, `{"database_name":"no id"}`, `{"database_id":"x","tls":"maybe"}`, `{"database_id":"x","port":"many"}`} {
		if _, err := decodeDatabase([]byte(body)); err == nil {
			t.Errorf("%s: decoded without error", body)
		}
	}
}

func TestDecodeDatabaseList(t *testing.T) {
	for body, want := range map[string]int{`[]`: 0, `null`: 0, `[{"database_id":"a"},{"database_id":"b","db_request_limit":9223372036854775808}]`: 2} {
		dbs, err := decodeDatabases([]byte(body))
		if err != nil || len(dbs) != want {
			t.Errorf("%s: got %d databases, %v; want %d", body, len(dbs), err, want)
		}
	}
}

func TestDisplayName(t *testing.T) {
	if got := (&Database{Name: "a", AltName: "b"}).DisplayName(); got != "a" {
		t.Errorf("got %q", got)
	}
	if got := (&Database{AltName: "b"}).DisplayName(); got != "b" {
		t.Errorf("got %q", got)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	db := &Database{ID: "x", Password: "hunter2-secret"}
	out := []string{fmt.Sprint(db), fmt.Sprintf("%v %+v %#v %s", *db, *db, *db, db.Password), fmt.Errorf("wrapped: %v", *db).Error()}
	js, err := json.Marshal(db)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(js))
	for _, s := range out {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password leaked: %s", s)
		}
	}
	if db.Password.Reveal() != "hunter2-secret" {
		t.Errorf("Reveal = %q", db.Password.Reveal())
	}
}
