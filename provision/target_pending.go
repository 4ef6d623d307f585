package provision

import "context"

// PendingNote is the key of TargetState.Pending whose value, when set, says
// in a person's words what was pending ("revision acme-web-00004-kav"); plans
// show it.
const PendingNote = "note"

// pendingReason explains a bind that finishes a change an interrupted run
// left pending.
func pendingReason(pending map[string]string) string {
	what := "a change"
	if note := pending[PendingNote]; note != "" {
		what = note
	}
	return "an earlier run stopped while " + what + " was pending; apply finishes or undoes it"
}

// withPending gives conn what it needs to survive an interruption: what an
// earlier, interrupted Write recorded, a Record that keeps resume data in
// state, progress reporting, and the user's request to stop.
func (a *applier) withPending(ctx context.Context, c *Change, conn Connection) Connection {
	if ts := a.st.Target(c.Type, c.target.Name); ts != nil {
		conn.Pending = ts.Pending
	}
	conn.Record = func(pending map[string]string) error { return a.recordPending(ctx, c, pending) }
	conn.Progress = a.progress(c)
	conn.Stop = a.opts.Stop
	conn.Boundary = a.inside(c.Address)
	return conn
}

// recordPending stores pending in the target's state, adding a record for
// a target written for the first time (and dropping that record again when
// pending is cleared before anything was written).
func (a *applier) recordPending(ctx context.Context, c *Change, pending map[string]string) error {
	ts := a.st.Target(c.Type, c.target.Name)
	switch {
	case ts == nil && len(pending) == 0:
		return nil
	case ts == nil:
		ts = &TargetState{Type: c.Type, Name: c.target.Name, Redis: c.Redis, Attrs: c.target.Attrs}
		a.st.PutTarget(ts)
	case len(pending) == 0 && ts.URLFingerprint == "":
		a.st.RemoveTarget(c.Type, c.target.Name)
		return a.save(ctx)
	}
	ts.Pending = pending
	return a.save(ctx)
}
