package upstash

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fmtVerbs are the verbs a Database or Secret might meet in a log line or a
// wrapped error, including mistaken ones: fmt renders a bad verb with the
// value inside, which must stay masked too.
var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%8.3s", "%-12v"}

// FuzzDecodeDatabase feeds arbitrary bodies to the Database decoders. They
// must not panic; a list never holds a nil database; and nothing rediskit
// prints or records about a decoded database (fmt under any verb, JSON, the
// instance's Attrs and errors) depends on its password, so none can leak it.
// Seeds are in testdata/fuzz/FuzzDecodeDatabase.
func FuzzDecodeDatabase(f *testing.F) {
	f.Add([]byte(`{"database_id":"a","database_name":"n","endpoint":"beloved-stallion-58500","port":6379,"password":"AXH8ASQgZmQ5","tls":true}`))
	f.Add([]byte(`[{"database_id":"a","db_request_limit":9223372036854775808,"eviction":"true"},{"database_id":"b","creation_time":"1752649602"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if dbs, err := decodeDatabases(body); err == nil {
			for i, db := range dbs {
				if db == nil {
					t.Fatalf("database %d of the list is nil", i)
				}
				_ = db.DisplayName()
			}
		}
		db, err := decodeDatabase(body)
		if err != nil {
			checkDecodeErrorHidesPassword(t, body, err)
			return
		}
		checkPasswordNeverShows(t, db)
	})
}

// checkPasswordNeverShows compares what is shown of db with what is shown of
// the same database under another password: any difference is a leak.
func checkPasswordNeverShows(t *testing.T, db *Database) {
	t.Helper()
	if db.Password == "" {
		return
	}
	other := *db
	other.Password = "other-password"
	for _, verb := range fmtVerbs {
		for _, pair := range [][2]any{{db, &other}, {*db, other}, {db.Password, other.Password}} {
			if a, b := fmt.Sprintf(verb, pair[0]), fmt.Sprintf(verb, pair[1]); a != b {
				t.Fatalf("%s shows the password: %s", verb, a)
			}
		}
	}
	a, errA := json.Marshal(db)
	b, errB := json.Marshal(&other)
	if string(a) != string(b) || (errA == nil) != (errB == nil) {
		t.Fatalf("JSON shows the password: %s", a)
	}
	instA, errA := instanceFrom(db)
	instB, errB := instanceFrom(&other)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("instance error shows the password: %v", errA)
	}
	if errA == nil && !maps.Equal(instA.Attrs, instB.Attrs) {
		t.Fatalf("instance Attrs show the password: %v", instA.Attrs)
	}
}

// checkDecodeErrorHidesPassword wants a decode error not to quote the
// password, when the body has one that appears nowhere else in it.
func checkDecodeErrorHidesPassword(t *testing.T, body []byte, err error) {
	t.Helper()
	var fields struct {
		Password string `json:"password"`
	}
	if json.Unmarshal(body, &fields) != nil || len(fields.Password) < 4 {
		return
	}
	pw := fields.Password
	if strings.Count(string(body), pw) == 1 && strings.Contains(err.Error(), pw) {
		t.Fatalf("decode error shows the password %q: %v", pw, err)
	}
}

// FuzzErrorMessage feeds arbitrary error bodies to errorMessage: it never
// panics and always yields one short line, valid UTF-8 when the body is, that
// APIError can render.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`"regional db creation is deprecated"`))
	f.Add([]byte(`{"error":{"message":"nested"}}`))
	f.Add([]byte("<html>\n<body>Bad   Gateway</body>\n</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := errorMessage(body)
		if len(msg) > maxErrorText+len("…") {
			t.Fatalf("message of %d bytes, want at most %d: %q", len(msg), maxErrorText+len("…"), msg)
		}
		// A clipped message may end in a space before the ellipsis.
		text := strings.TrimRight(strings.TrimSuffix(msg, "…"), " ")
		if strings.Join(strings.Fields(text), " ") != text {
			t.Fatalf("message is not one line of single-spaced words: %q", msg)
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body gave invalid UTF-8 message %q", msg)
		}
		for _, status := range []int{400, 401, 403, 404, 429, 503} {
			_ = (&APIError{Op: "read database x", Status: status, Message: msg, Attempts: 2}).Error()
		}
	})
}

// FuzzConnectionURL builds connection URLs from arbitrary API answers. A URL
// connectionURL returns must parse with net/url back to exactly the host,
// port and password it was built from, whatever the password holds; and an
// error never contains the password.
func FuzzConnectionURL(f *testing.F) {
	f.Add("steady-stud-32559.upstash.io", int64(32559), "AXH8ASQgZmQ5ZDQ0YzMtNWE2My00OGE1")
	f.Add("beloved-stallion-58500", int64(6379), "p@ss/w:rd?#%41 é")
	f.Add("https://all-foxe-22421.upstash.io:6379/", int64(6380), "pw")
	f.Fuzz(func(t *testing.T, endpoint string, port int64, password string) {
		got, err := connectionURL(endpoint, port, password)
		if err != nil {
			if len(password) >= 4 && strings.Contains(err.Error(), password) {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("connectionURL(%q, %d, _) built %q, which does not parse: %v", endpoint, port, got, err)
		}
		pw, has := u.User.Password()
		switch {
		case u.Scheme != "rediss" || u.User.Username() != "default":
			t.Fatalf("%q: want rediss://default:…", got)
		case !has || pw != password:
			t.Fatalf("%q: password %q, want %q", got, pw, password)
		case u.Hostname() != hostName(endpoint):
			t.Fatalf("%q: host %q, want %q", got, u.Hostname(), hostName(endpoint))
		case u.Port() != strconv.FormatInt(port, 10):
			t.Fatalf("%q: port %q, want %d", got, u.Port(), port)
		case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
			t.Fatalf("%q: want no path, query or fragment", got)
		}
		if host, _, err := net.SplitHostPort(u.Host); err != nil || host != u.Hostname() {
			t.Fatalf("%q: host:port does not split back (%v)", got, err)
		}
	})
}
