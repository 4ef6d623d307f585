package upstashtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func ptr(n int64) *int64 { return &n }

func TestStatsShape(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	s := Start(t, Options{NoRedis: true, Now: func() time.Time { return now }})
	db := createDB(t, s, map[string]any{"database_name": "acme", "region": "global", "primary_region": "us-central1"})
	id := db["database_id"].(string)

	status, body := apiCall(t, s, "GET", "/v2/redis/stats/"+id, nil)
	if status != http.StatusOK || !strings.Contains(body, `"total_monthly_requests":0`) || !strings.Contains(body, `"dailyrequests":[]`) {
		t.Fatalf("stats before SetStats: %d %s", status, body)
	}
	if !s.SetStats(id, Stats{DailyNetCommands: 7, MonthlyRequests: 900, CurrentStorage: 4096, DailyRequests: []*int64{ptr(10), nil, ptr(30)}}) {
		t.Fatal("SetStats: database not found")
	}
	_, body = apiCall(t, s, "GET", "/v2/redis/stats/"+id, nil)
	var got struct {
		Daily   int64 `json:"daily_net_commands"`
		Monthly int64 `json:"total_monthly_requests"`
		Storage int64 `json:"current_storage"`
		Series  []struct {
			X string `json:"x"`
			Y *int64 `json:"y"`
		} `json:"dailyrequests"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Daily != 7 || got.Monthly != 900 || got.Storage != 4096 || len(got.Series) != 3 {
		t.Fatalf("stats = %+v", got)
	}
	if got.Series[1].Y != nil || *got.Series[2].Y != 30 || got.Series[2].X != "2026-03-14 00:00:00 +0000 UTC" {
		t.Errorf("series = %+v, want a null middle point and today's point last", got.Series)
	}
	if status, _ := apiCall(t, s, "GET", "/v2/redis/stats/nope", nil); status != http.StatusNotFound {
		t.Errorf("stats of an unknown database: %d, want 404", status)
	}
}

func TestStatsControl(t *testing.T) {
	s := Start(t, Options{NoRedis: true})
	db := createDB(t, s, map[string]any{"database_name": "acme", "region": "global", "primary_region": "us-east-1"})
	id := db["database_id"].(string)
	if status, _ := rawCall(t, s, "POST", "/__fake/stats/"+id, map[string]any{"total_monthly_requests": 5}, "", ""); status != http.StatusNoContent {
		t.Fatalf("control stats: %d", status)
	}
	if _, body := apiCall(t, s, "GET", "/v2/redis/stats/"+id, nil); !strings.Contains(body, `"total_monthly_requests":5`) {
		t.Errorf("stats after control: %s", body)
	}
	if status, _ := rawCall(t, s, "POST", "/__fake/stats/nope", map[string]any{}, "", ""); status != http.StatusNotFound {
		t.Errorf("control stats of an unknown database: %d, want 404", status)
	}
}
