package upstashtest

import (
	"encoding/json"
	"net/http"
)

// apiMux routes the Developer API. The POST operations on one database share
// one route because "/v2/redis/{id}/change-plan" overlaps
// "/v2/redis/rename/{id}" in http.ServeMux's eyes.
func (s *Server) apiMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/redis/databases", s.handleList)
	mux.HandleFunc("GET /v2/redis/database/{id}", s.handleGet)
	mux.HandleFunc("GET /v2/redis/stats/{id}", s.handleStats)
	mux.HandleFunc("POST /v2/redis/database", s.handleCreate)
	mux.HandleFunc("DELETE /v2/redis/database/{id}", s.handleDelete)
	mux.HandleFunc("POST /v2/redis/{op}/{id}", s.handleOp)
	mux.HandleFunc("PATCH /v2/redis/update-budget/{id}", s.handleBudget)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, ShapeError, "not found: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func hide(r *http.Request) bool { return r.URL.Query().Get("credentials") == "hide" }

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make([]wireDatabase, 0, len(s.dbs))
	for _, db := range s.dbs {
		out = append(out, db.wire(s.opts.Endpoint, s.Email, hide(r)))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	db := s.find(r.PathValue("id"))
	var out wireDatabase
	if db != nil {
		db.read()
		out = db.wire(s.opts.Endpoint, s.Email, hide(r))
	}
	s.mu.Unlock()
	if db == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// read counts a GET against the hold: StateInactive for holdReads reads,
// then active.
func (d *database) read() {
	if d.holdReads > 0 {
		d.holdReads--
		return
	}
	d.state = StateActive
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	db := s.remove(r.PathValue("id"))
	if db == nil {
		notFound(w)
		return
	}
	_ = db.redis.close()
	writeOK(w)
}

func (s *Server) handleBudget(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Budget *int `json:"budget"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Budget == nil || *body.Budget < 0 {
		writeError(w, http.StatusBadRequest, ShapeString, "budget must be a non-negative integer")
		return
	}
	s.update(w, r.PathValue("id"), func(db *database) { db.budget = *body.Budget })
}

// update applies change to a database under the lock and answers "OK".
func (s *Server) update(w http.ResponseWriter, id string, change func(*database)) {
	s.mu.Lock()
	db := s.find(id)
	if db != nil {
		change(db)
	}
	s.mu.Unlock()
	if db == nil {
		notFound(w)
		return
	}
	writeOK(w)
}

// find returns a database by id; s.mu must be held.
func (s *Server) find(id string) *database {
	for _, db := range s.dbs {
		if db.id == id {
			return db
		}
	}
	return nil
}

// remove takes a database out of the store, returning it.
func (s *Server) remove(id string) *database {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, db := range s.dbs {
		if db.id == id {
			s.dbs = append(s.dbs[:i:i], s.dbs[i+1:]...)
			return db
		}
	}
	return nil
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, ShapeError, "database not found")
}

// writeOK answers the JSON string "OK", quotes included.
func writeOK(w http.ResponseWriter) { writeJSON(w, http.StatusOK, "OK") }

// decodeBody decodes a JSON body, answering 400 when it is not JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, ShapeString, "invalid request body: "+err.Error())
		return false
	}
	return true
}
