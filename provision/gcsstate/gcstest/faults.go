package gcstest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Fault makes requests fail with an HTTP status, as Cloud Storage answers
// errors: a JSON error body with the status code and a message.
type Fault struct {
	// Method is the HTTP method to fail ("GET", "POST", "DELETE"); ""
	// matches every method.
	Method string
	// Object, when set, limits the fault to requests whose object name
	// (from the path, or the name parameter of a media upload, which is
	// how gcsstate uploads) ends with it. Multipart uploads carry the name
	// in their body, where it is not looked for.
	Object string
	// Status is the HTTP status to answer, e.g. 503.
	Status int
	// Message is the error message; default the status text.
	Message string
	// Count is how many requests fail; 0 means 1.
	Count int
	// Lost makes the request take effect before the error is returned, as
	// when the answer is lost on the way back.
	Lost bool
}

type faultState struct {
	Fault
	left int
}

// Fail adds a fault; faults are checked in the order they were added.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: max(f.Count, 1)})
}

// Calls returns how many requests with the HTTP method the server saw.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Reset turns off every fault.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// faultFor returns the fault that applies to r, using it up, or nil.
func (s *Server) faultFor(r *http.Request) *Fault {
	for _, f := range s.faults {
		if f.left == 0 || (f.Method != "" && f.Method != r.Method) || (f.Object != "" && !strings.HasSuffix(objectOf(r), f.Object)) {
			continue
		}
		f.left--
		return &f.Fault
	}
	return nil
}

// objectOf is the object a JSON API request names, or "".
func objectOf(r *http.Request) string {
	if name := r.URL.Query().Get("name"); name != "" {
		return name
	}
	_, name, _ := strings.Cut(r.URL.Path, "/o/")
	return name
}

// writeFault answers with f's status and a Cloud Storage error body.
func writeFault(w http.ResponseWriter, f *Fault) {
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": f.Status, "message": msg,
		"errors": []map[string]string{{"message": msg, "reason": reason(f.Status)}},
	}})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
}

// reason is the errors[].reason Cloud Storage gives with a status.
func reason(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rateLimitExceeded"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusServiceUnavailable:
		return "backendError"
	}
	return "internalError"
}
