package rediscopy

import "context"

// Billable is a number of commands sent to each side.
type Billable struct {
	Source, Target int64
}

// Estimate is what a copy of a database is expected to cost in commands,
// for providers that bill every command (Upstash).
type Estimate struct {
	// DumpRestore is the cost when the target accepts the source's DUMP
	// payloads.
	DumpRestore Billable
	// Typed is the cost when it does not and every key is copied by type,
	// and, with Verify, compared by type: an upper figure for keys of one
	// chunk (a key bigger than a chunk costs two more commands per chunk).
	Typed Billable
}

// Fixed costs: DBSIZE on the source; the probe (RESTORE, GET, DEL) on the
// target; verification's DBSIZE on each side.
const (
	probeCommands  = 3
	dbsizeCommands = 1
)

// EstimateBillable estimates the commands a Copy of a database of dbsize
// keys sends with opts (Batch and Verify matter), for showing before
// copying from or to a provider that bills per command. It assumes that
// SCAN returns about Batch keys per call. With Verify, the DumpRestore
// figure leaves out keys whose DUMP payloads differ although their values
// are equal (sets on Redis before 7.2, big hashes): they are compared by
// type, for two more commands on each side.
func EstimateBillable(dbsize int64, opts Options) Estimate {
	if dbsize < 0 {
		dbsize = 0
	}
	batch := int64(opts.Batch)
	if batch <= 0 {
		batch = DefaultBatch
	}
	scans := dbsize/batch + 1
	est := Estimate{
		// PTTL + DUMP per key; RESTORE per key.
		DumpRestore: Billable{Source: dbsizeCommands + scans + 2*dbsize, Target: probeCommands + dbsize},
		// TYPE + PTTL + one read per key, and XINFO STREAM and GROUPS for
		// streams (a half per key is generous); SET … PX for a string, DEL
		// + one write + PEXPIRE for the others.
		Typed: Billable{Source: dbsizeCommands + scans + 3*dbsize + dbsize/2, Target: probeCommands + 3*dbsize},
	}
	if opts.Verify {
		// TYPE + PTTL + DUMP per key on each side, plus SCAN and DBSIZE.
		est.DumpRestore.Source += dbsizeCommands + scans + 3*dbsize
		est.DumpRestore.Target += dbsizeCommands + 3*dbsize
		// TYPE + PTTL + DUMP + length + one read per key on the source;
		// TYPE + PTTL + DUMP + length + one lookup on the target, when no
		// DUMP payloads match.
		est.Typed.Source += dbsizeCommands + scans + 5*dbsize
		est.Typed.Target += dbsizeCommands + 5*dbsize
	}
	return est
}

// CountKeys returns the number of keys in ep's database (DBSIZE, one
// billable command), for EstimateBillable before a copy. Errors never
// contain a URL or password.
func CountKeys(ctx context.Context, ep Endpoint) (int64, error) {
	c, err := dial(ep, "source", 1, srcRetries)
	if err != nil {
		return 0, err
	}
	defer c.close()
	return c.dbsize(ctx)
}
