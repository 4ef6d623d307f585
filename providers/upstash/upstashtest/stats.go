package upstashtest

import (
	"net/http"
	"time"
)

// Stats are the usage figures the fake reports for a database at
// GET /v2/redis/stats/{id}. A database whose stats were never set reports
// zeros and an empty series.
type Stats struct {
	// DailyNetCommands is today's command count ("daily_net_commands").
	DailyNetCommands int64 `json:"daily_net_commands"`
	// MonthlyRequests is this month's ("total_monthly_requests").
	MonthlyRequests int64 `json:"total_monthly_requests"`
	// CurrentStorage is the data size in bytes ("current_storage").
	CurrentStorage int64 `json:"current_storage"`
	// DailyRequests is the "dailyrequests" series, oldest first, one point a
	// day ending today; a nil entry is sent as "y": null.
	DailyRequests []*int64 `json:"daily_requests"`
}

// SetStats sets the figures the stats endpoint reports for a database. It
// reports whether the database exists.
func (s *Server) SetStats(id string, st Stats) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(id) == nil {
		return false
	}
	if s.stats == nil {
		s.stats = map[string]Stats{}
	}
	s.stats[id] = st
	return true
}

// wirePoint is one point of a DatabaseStats series.
type wirePoint struct {
	X string `json:"x"`
	Y *int64 `json:"y"`
}

// handleStats answers GET /v2/redis/stats/{id} with the DatabaseStats shape
// (upstash-api.md §1.3): scalars, series of {x, y} whose x is a Go
// time.String(), a null y, and fields rediskit does not read.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	db := s.find(r.PathValue("id"))
	st := s.stats[r.PathValue("id")]
	now := s.opts.Now().UTC()
	s.mu.Unlock()
	if db == nil {
		notFound(w)
		return
	}
	daily := make([]wirePoint, len(st.DailyRequests))
	days := make([]string, len(st.DailyRequests))
	for i, y := range st.DailyRequests {
		day := now.AddDate(0, 0, i-len(st.DailyRequests)+1).Truncate(24 * time.Hour)
		daily[i] = wirePoint{X: day.String(), Y: y}
		days[i] = day.Weekday().String()
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"daily_net_commands":            st.DailyNetCommands,
		"daily_read_requests":           st.DailyNetCommands / 2,
		"daily_write_requests":          st.DailyNetCommands - st.DailyNetCommands/2,
		"total_monthly_requests":        st.MonthlyRequests,
		"total_monthly_script_requests": 0,
		"total_monthly_storage":         st.CurrentStorage,
		"current_storage":               st.CurrentStorage,
		"total_monthly_billing":         0.0,
		"queue_optimized":               false,
		"dailyrequests":                 daily,
		"days":                          days,
		"latencymean":                   []wirePoint{{X: now.String(), Y: nil}},
		"command_counts":                []any{},
		"produce_throughput":            nil,
	})
}

func (s *Server) controlStats(w http.ResponseWriter, r *http.Request) {
	var st Stats
	if !decodeBody(w, r, &st) {
		return
	}
	if !s.SetStats(r.PathValue("id"), st) {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
