package upstash

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/rediskit/rediskit/provision"
)

var _ provision.UsageReader = (*Backend)(nil)

// stats is the part of the DatabaseStats object (GET /v2/redis/stats/{id})
// that cost estimates use. The object carries many more series; unknown
// fields are ignored, and a series point's y may be null.
type stats struct {
	DailyNetCommands     flexInt      `json:"daily_net_commands"`
	TotalMonthlyRequests flexInt      `json:"total_monthly_requests"`
	CurrentStorage       flexInt      `json:"current_storage"`
	DailyRequests        []statsPoint `json:"dailyrequests"`
}

// statsPoint is one point of a series; x is a Go time.String(), not RFC 3339.
type statsPoint struct {
	X string   `json:"x"`
	Y *flexInt `json:"y"`
}

// getStats reads a database's usage statistics. It is not retried: the
// figures only refine an estimate, which is not worth a plan's waiting out
// an Upstash hiccup; the caller falls back to the stack's usage block.
func (cl *client) getStats(ctx context.Context, id string) (*stats, error) {
	body, err := cl.do(ctx, call{op: "read usage of database " + id, method: http.MethodGet,
		path: "/v2/redis/stats/" + url.PathEscape(id), once: true})
	if err != nil {
		return nil, err
	}
	var st stats
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("decoding Upstash database stats: %w", err)
	}
	return &st, nil
}

// ReadUsage returns what Upstash counted for the database in rec: commands
// this month, per day and today, and the data stored. One API call; a
// database that is gone wraps provision.ErrNotFound.
func (b *Backend) ReadUsage(ctx context.Context, rec provision.Record) (*provision.MeasuredUsage, error) {
	if rec.ID == "" {
		return nil, fmt.Errorf("upstash: no database id recorded: %w", provision.ErrNotFound)
	}
	c, err := b.client()
	if err != nil {
		return nil, err
	}
	st, err := c.getStats(ctx, rec.ID)
	if IsStatus(err, http.StatusNotFound) {
		return nil, fmt.Errorf("upstash database %s no longer exists: %w", rec.ID, provision.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return st.measured(), nil
}

func (st *stats) measured() *provision.MeasuredUsage {
	m := &provision.MeasuredUsage{
		MonthlyRequests: int64(st.TotalMonthlyRequests),
		TodayCommands:   int64(st.DailyNetCommands),
		StorageBytes:    int64(st.CurrentStorage),
	}
	for i, p := range st.DailyRequests {
		switch {
		case p.Y != nil:
			m.DailyRequests = append(m.DailyRequests, int64(*p.Y))
		case i == len(st.DailyRequests)-1:
			// Today's point can be null while Upstash is still counting;
			// daily_net_commands is today's count.
			m.DailyRequests = append(m.DailyRequests, m.TodayCommands)
		}
	}
	return m
}
