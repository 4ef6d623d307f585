package rediscopy

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
	// Typed is the cost when it does not and every key is copied by type;
	// keys bigger than one chunk, streams and TTLs add to it.
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
// copying from or to a provider that bills per command. It assumes small
// keys (one chunk each) and that SCAN returns about Batch keys per call;
// the Typed figure counts a PEXPIRE for every key, so it errs high.
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
		// TYPE + PTTL + one read per key; DEL + one write + PEXPIRE per key.
		Typed: Billable{Source: dbsizeCommands + scans + 3*dbsize, Target: probeCommands + 3*dbsize},
	}
	if opts.Verify {
		// TYPE + PTTL + DUMP per key on each side, plus SCAN and DBSIZE.
		est.DumpRestore.Source += dbsizeCommands + scans + 3*dbsize
		est.DumpRestore.Target += dbsizeCommands + 3*dbsize
		// TYPE + PTTL + DUMP + length + one read per key on the source;
		// TYPE + PTTL + DUMP + length + one lookup on the target.
		est.Typed.Source += dbsizeCommands + scans + 5*dbsize
		est.Typed.Target += dbsizeCommands + 5*dbsize
	}
	return est
}
