package upstashtest

import (
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"time"
)

// Error-body shapes, as Upstash uses them.
const (
	ShapeString  = "string"  // a JSON string: "regional db creation is deprecated"
	ShapeError   = "error"   // {"error": "…"}
	ShapeMessage = "message" // {"message": "…"}
	ShapeText    = "text"    // plain text
)

// Fault makes matching API requests fail before auth is checked, the way a
// rate limiter or a broken proxy would.
type Fault struct {
	// Status is the HTTP status to answer, e.g. 429 or 500.
	Status int `json:"status"`
	// Count is how many requests fail; 0 means 1.
	Count int `json:"count,omitempty"`
	// Skip lets this many matching requests through first.
	Skip int `json:"skip,omitempty"`
	// Method limits the fault to one method; "" matches any.
	Method string `json:"method,omitempty"`
	// Path is a path.Match pattern such as "/v2/redis/database/*"; "" matches
	// any API path.
	Path string `json:"path,omitempty"`
	// Message is the error text; default the status text.
	Message string `json:"message,omitempty"`
	// Shape is the error body's shape; default ShapeString.
	Shape string `json:"shape,omitempty"`
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string `json:"retry_after,omitempty"`
}

type faultState struct {
	Fault
	left, skip int
}

// Fail adds a fault. Faults are checked in the order they were added.
func (s *Server) Fail(f Fault) {
	st := &faultState{Fault: f, left: max(f.Count, 1), skip: f.Skip}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, st)
}

// SetLatency delays every API request by d; 0 turns it off.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// HoldInactive makes databases created from now on report StateInactive on
// creation and for their first reads GET requests, then "active".
func (s *Server) HoldInactive(reads int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = reads
}

// DropCreateResponses makes the next n creates succeed, database and
// redis-server included, and then close the connection without answering, as
// if the client had crashed or the network dropped the response.
func (s *Server) DropCreateResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops = n
}

// Reset turns off every fault, the latency, the hold and dropped responses.
// Databases and the request log stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.latency, s.hold, s.drops = nil, 0, 0, 0
}

// takeFault returns the fault that applies to r, using it up.
func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(r) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		f.left--
		if f.left == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		out := f.Fault
		return &out
	}
	return nil
}

func (f *faultState) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if f.Path == "" {
		return true
	}
	ok, err := path.Match(f.Path, r.URL.Path)
	return err == nil && ok
}

func (f *Fault) write(w http.ResponseWriter) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	shape := f.Shape
	if shape == "" {
		shape = ShapeString
	}
	writeError(w, f.Status, shape, msg)
}

// writeError answers with an error body of the given shape.
func writeError(w http.ResponseWriter, status int, shape, msg string) {
	var body any
	switch shape {
	case ShapeText:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg))
		return
	case ShapeError:
		body = map[string]string{"error": msg}
	case ShapeMessage:
		body = map[string]string{"message": msg}
	default:
		body = msg
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
