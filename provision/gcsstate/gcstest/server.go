// Package gcstest runs an in-process Cloud Storage for tests of the gcs
// state backend: fake-gcs-server on 127.0.0.1, behind a thin front that
// enforces the delete preconditions fake-gcs-server ignores.
//
// Point the code under test at it with STORAGE_EMULATOR_HOST=Server.Host().
package gcstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Server is a fake Cloud Storage.
type Server struct {
	fake *fakestorage.Server
	http *httptest.Server
	mu   sync.Mutex // one request at a time, so a precondition check and its delete are atomic

	calls  map[string]int // requests by HTTP method
	faults []*faultState
}

// Start starts a server with the named buckets, listening on 127.0.0.1.
// Close it when done.
func Start(buckets ...string) (*Server, error) {
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		return nil, fmt.Errorf("start fake-gcs-server: %w", err)
	}
	for _, b := range buckets {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	s := &Server{fake: fake, calls: map[string]int{}}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Host is the server's host:port, the value for STORAGE_EMULATOR_HOST.
func (s *Server) Host() string { return strings.TrimPrefix(s.http.URL, "http://") }

// Close stops the server.
func (s *Server) Close() {
	s.http.Close()
	s.fake.Stop()
}

// Object returns an object's content and generation; ok is false when it
// does not exist.
func (s *Server) Object(bucket, name string) (data []byte, gen int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, err := s.fake.GetObject(bucket, name)
	if err != nil {
		return nil, 0, false
	}
	return obj.Content, obj.Generation, true
}

// PutObject stores an object, as another client would, replacing any.
func (s *Server) PutObject(bucket, name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fake.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name, ContentType: "application/json"},
		Content:     data,
	})
}

// serve passes requests to fake-gcs-server, first refusing an object delete
// whose ifGenerationMatch does not match, with the 412 Cloud Storage gives.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[r.Method]++
	if f := s.faultFor(r); f != nil {
		if f.Lost {
			s.pass(httptest.NewRecorder(), r)
		}
		writeFault(w, f)
		return
	}
	s.pass(w, r)
}

// pass serves r as Cloud Storage would.
func (s *Server) pass(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		if want := r.URL.Query().Get("ifGenerationMatch"); want != "" && !s.generationIs(r.URL.Path, want) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusPreconditionFailed)
			fmt.Fprint(w, `{"error":{"code":412,"message":"At least one of the pre-conditions you specified did not hold.",`+
				`"errors":[{"reason":"conditionNotMet","message":"At least one of the pre-conditions you specified did not hold."}]}}`)
			return
		}
	}
	s.fake.HTTPHandler().ServeHTTP(w, r)
}

// generationIs reports whether the object at a JSON API path
// (/storage/v1/b/BUCKET/o/OBJECT) has generation want. A missing object is
// left for fake-gcs-server to answer 404.
func (s *Server) generationIs(path, want string) bool {
	rest, ok := strings.CutPrefix(path, "/storage/v1/b/")
	if !ok {
		return true
	}
	bucket, name, ok := strings.Cut(rest, "/o/")
	if !ok {
		return true
	}
	obj, err := s.fake.GetObject(bucket, name)
	if err != nil {
		return true
	}
	return strconv.FormatInt(obj.Generation, 10) == want
}
