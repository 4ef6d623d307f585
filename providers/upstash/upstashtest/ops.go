package upstashtest

import (
	"net/http"
	"slices"
)

// handleOp serves POST /v2/redis/{op}/{id} and the newer
// POST /v2/redis/{id}/change-plan.
func (s *Server) handleOp(w http.ResponseWriter, r *http.Request) {
	op, id := r.PathValue("op"), r.PathValue("id")
	if id == "change-plan" {
		op, id = id, op
	}
	switch op {
	case "rename":
		s.rename(w, r, id)
	case "reset-password":
		s.resetPassword(w, id)
	case "enable-tls":
		s.change(w, id, true, func(*database) string { return "" })
	case "enable-eviction", "disable-eviction":
		on := op == "enable-eviction"
		s.change(w, id, false, func(db *database) string { db.eviction = on; return "" })
	case "enable-autoupgrade", "disable-autoupgrade":
		s.change(w, id, false, func(*database) string { return "" })
	case "update-regions":
		s.updateRegions(w, r, id)
	case "change-plan":
		s.changePlan(w, r, id)
	case "update-budget":
		writeError(w, http.StatusMethodNotAllowed, ShapeMessage, "Method Not Allowed: update-budget is a PATCH")
	default:
		writeError(w, http.StatusNotFound, ShapeError, "not found: POST "+r.URL.Path)
	}
}

// change applies fn to a database under the lock. fn returns a 400 message or
// "". The answer is the database when withDB, else "OK".
func (s *Server) change(w http.ResponseWriter, id string, withDB bool, fn func(*database) string) {
	s.mu.Lock()
	db := s.find(id)
	var msg string
	var out wireDatabase
	if db != nil {
		msg = fn(db)
		out = db.wire(s.opts.Endpoint, s.Email, false)
	}
	s.mu.Unlock()
	switch {
	case db == nil:
		notFound(w)
	case msg != "":
		writeError(w, http.StatusBadRequest, ShapeString, msg)
	case withDB:
		writeJSON(w, http.StatusOK, out)
	default:
		writeOK(w)
	}
}

func (s *Server) rename(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Name         string `json:"name"`
		DatabaseName string `json:"database_name"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	name := body.Name
	if name == "" {
		name = body.DatabaseName
	}
	s.change(w, id, true, func(db *database) string {
		if name == "" {
			return "name is required"
		}
		db.name = name
		return ""
	})
}

func (s *Server) updateRegions(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		ReadRegions *[]string `json:"read_regions"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	s.change(w, id, false, func(db *database) string {
		if body.ReadRegions == nil {
			return "read_regions is required"
		}
		if msg := checkReadRegions(*body.ReadRegions, db.primary); msg != "" {
			return msg
		}
		db.readRegions = slices.Clone(*body.ReadRegions)
		return ""
	})
}

func (s *Server) changePlan(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		PlanName string `json:"plan_name"`
		Plan     string `json:"plan"` // the CLI's spelling
	}
	if !decodeBody(w, r, &body) {
		return
	}
	plan := body.PlanName
	if plan == "" {
		plan = body.Plan
	}
	s.change(w, id, false, func(db *database) string {
		if !slices.Contains(plans, plan) {
			return "invalid plan: " + plan
		}
		db.plan = plan
		return ""
	})
}

// resetPassword gives a database a new password, on its redis-server too.
func (s *Server) resetPassword(w http.ResponseWriter, id string) {
	s.mu.Lock()
	db := s.find(id)
	var proc *redisProc
	var old string
	if db != nil {
		proc, old = db.redis, db.password
	}
	s.mu.Unlock()
	if db == nil {
		notFound(w)
		return
	}
	pw := randomHex(16)
	if err := proc.setPassword(s.opts.Endpoint, s.ca, old, pw); err != nil {
		writeError(w, http.StatusInternalServerError, ShapeError, err.Error())
		return
	}
	s.change(w, id, true, func(db *database) string { db.password = pw; return "" })
}
