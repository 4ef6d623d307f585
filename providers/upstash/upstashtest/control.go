package upstashtest

import (
	"net/http"
	"time"
)

// controlPrefix starts the paths of the control endpoints, which let another
// process (a testscript `exec curl`, a helper binary) drive the fake. They
// need no auth and never count as API requests:
//
//	POST   /__fake/fail            Fault as JSON
//	POST   /__fake/latency         {"latency": "250ms"}
//	POST   /__fake/hold            {"reads": 3}
//	POST   /__fake/drop-create     {"count": 1}
//	POST   /__fake/reset           no body
//	GET    /__fake/databases       [DatabaseInfo]
//	POST   /__fake/databases       Seed as JSON → DatabaseInfo
//	DELETE /__fake/databases/{id}  204, or 404 when unknown
//	GET    /__fake/requests        [Request]
//	POST   /__fake/stats/{id}      Stats as JSON → 204, or 404 when unknown
const controlPrefix = "/__fake/"

func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /__fake/fail", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if decodeBody(w, r, &f) {
			s.Fail(f)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /__fake/latency", s.controlLatency)
	mux.HandleFunc("POST /__fake/hold", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Reads int }
		if decodeBody(w, r, &body) {
			s.HoldInactive(body.Reads)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /__fake/drop-create", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Count int }
		if decodeBody(w, r, &body) {
			s.DropCreateResponses(body.Count)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /__fake/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__fake/databases", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Databases())
	})
	mux.HandleFunc("POST /__fake/databases", s.controlAdd)
	mux.HandleFunc("DELETE /__fake/databases/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.DeleteDatabase(r.PathValue("id")) {
			notFound(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__fake/requests", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Requests())
	})
	mux.HandleFunc("POST /__fake/stats/{id}", s.controlStats)
	return mux
}

func (s *Server) controlLatency(w http.ResponseWriter, r *http.Request) {
	var body struct{ Latency string }
	if !decodeBody(w, r, &body) {
		return
	}
	d, err := time.ParseDuration(body.Latency)
	if err != nil {
		writeError(w, http.StatusBadRequest, ShapeString, "latency: "+err.Error())
		return
	}
	s.SetLatency(d)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) controlAdd(w http.ResponseWriter, r *http.Request) {
	var seed Seed
	if !decodeBody(w, r, &seed) {
		return
	}
	info, err := s.AddDatabase(seed)
	if err != nil {
		writeError(w, http.StatusBadRequest, ShapeString, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, info)
}
