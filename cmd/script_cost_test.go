package cmd

import (
	"strconv"
	"strings"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// upstashStats sets what the fake's stats endpoint reports for database
// NAME: `upstash stats NAME daily=N,N,null,N today=N month=N storage=BYTES`.
// daily is the "dailyrequests" series, oldest first, ending today; null is
// a day without a figure.
func upstashStats(ts *testscript.TestScript, args []string) {
	usage := "usage: upstash stats NAME [daily=N,...] [today=N] [month=N] [storage=BYTES]"
	if len(args) < 1 {
		ts.Fatalf("%s", usage)
	}
	var st upstashtest.Stats
	for _, kv := range args[1:] {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("%s", usage)
		}
		switch key {
		case "daily":
			for _, v := range strings.Split(value, ",") {
				st.DailyRequests = append(st.DailyRequests, statsPoint(ts, v, usage))
			}
		case "today":
			st.DailyNetCommands = *statsPoint(ts, value, usage)
		case "month":
			st.MonthlyRequests = *statsPoint(ts, value, usage)
		case "storage":
			st.CurrentStorage = *statsPoint(ts, value, usage)
		default:
			ts.Fatalf("%s", usage)
		}
	}
	upstashPost(ts, "/__fake/stats/"+upstashFind(ts, args[0]).ID, st)
}

func statsPoint(ts *testscript.TestScript, v, usage string) *int64 {
	if v == "null" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		ts.Fatalf("%s: %v", usage, err)
	}
	return &n
}
