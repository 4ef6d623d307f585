package provision

import "context"

// Step boundaries are the points of an apply where a crash leaves the world
// in a distinct state: just before and just after each call that changes
// something outside rediskit (a backend's Create, Update or Delete, a
// target's Write or Remove, a secret deletion, a data copy), and just after
// each state write; and, inside an adapter call that makes more than one
// change (a Cloud Run write: secrets, IAM, the service) or that records
// resume data (a create), around each API call that changes something,
// which the adapter reports through Connection.Boundary or
// CreateRequest.Boundary. Engine.Boundary sees every one of them, in order, so
// that a test can stop the process at each in turn (REDISKIT_CRASH_AT, see
// the README's "Testing hooks") and check that the next run repairs
// everything.

// boundary reports one step boundary to Engine.Boundary.
func (e *Engine) boundary(label string) {
	if e.Boundary != nil {
		e.Boundary(label)
	}
}

// before and after bracket one outside call, e.g. before("create",
// "redis.channels (local)"). after runs whether or not the call failed: a
// failed call may still have changed something.
func (a *applier) before(verb, what string) { a.e.boundary("before " + verb + " " + what) }
func (a *applier) after(verb, what string)  { a.e.boundary("after " + verb + " " + what) }

// inside returns the Boundary hook an adapter call on what gets, for the
// boundaries between the API calls it makes.
func (a *applier) inside(what string) func(label string) {
	return func(label string) { a.e.boundary("inside " + what + ": " + label) }
}

// backendLabel names a redis block's backend in boundary labels.
func backendLabel(name, typ string) string { return "redis." + name + " (" + typ + ")" }

// writeTarget is target.Write between the boundaries of that call.
func (a *applier) writeTarget(ctx context.Context, target Target, address string, attrs TargetAttrs, conn Connection) error {
	a.before("write", address)
	defer a.after("write", address)
	return target.Write(ctx, attrs, conn)
}

// removeTarget is target.Remove between the boundaries of that call.
func (a *applier) removeTarget(ctx context.Context, target Target, address string, attrs TargetAttrs) error {
	a.before("remove", address)
	defer a.after("remove", address)
	return target.Remove(ctx, attrs)
}
