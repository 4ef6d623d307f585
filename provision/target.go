package provision

import (
	"context"

	"github.com/hashicorp/hcl/v2"
)

// TargetAttrs are a target's decoded, non-secret settings (a path, a service
// name, the variable name). They are recorded in state so that a target removed
// from the stack can still be unbound.
type TargetAttrs map[string]string

// Target is a place that receives a Redis URL: a .env file, a Cloud Run
// service.
//
// Write and Remove must be idempotent and must change nothing but the one
// value rediskit owns.
type Target interface {
	// Type is the first label of the target block, e.g. "dotenv".
	Type() string
	// Decode decodes the target block's attributes other than "redis".
	Decode(body hcl.Body, dc *DecodeContext) (TargetAttrs, hcl.Diagnostics)
	// Read returns the URL currently set and whether one is set at all. A
	// target that adds to the URL when writing it (a CA file parameter)
	// strips that again, so that Read returns what Write was given.
	Read(ctx context.Context, attrs TargetAttrs) (value string, set bool, err error)
	// Write sets the value, creating what holds it when needed.
	Write(ctx context.Context, attrs TargetAttrs, conn Connection) error
	// Remove unsets the value. Removing an unset value is not an error.
	Remove(ctx context.Context, attrs TargetAttrs) error
}

// Describer is optionally implemented by a Target to name where it writes,
// for plans ("REDIS_URL in .env").
type Describer interface {
	Describe(attrs TargetAttrs) string
}

// Mover is optionally implemented by a Target whose Write honours
// Connection.Previous, so that a target whose settings change (another
// variable, file, secret) is one bind that moves its value. The engine sets
// Previous only for a Mover, and only a Mover has its old place cleared.
//
// A move is idempotent like any Write: it must succeed, changing nothing,
// when the value already left the previous place for the new one (a run
// that stopped before recording the move). State keeps the previous
// settings until the move succeeds, so an interrupted move gets the same
// Previous again, together with the Pending it recorded. When a provider
// switch fails after a target moved, the engine moves it back with a second
// Write whose settings and Previous are swapped.
//
// A Target that is not a Mover gets the new settings without Previous: the
// engine writes the new place and leaves the old one as it is, with a
// warning in the plan, rather than calling Remove on it. The engine cannot
// know whether two settings overlap (a Cloud Run variable turned from plain
// into a Secret Manager reference keeps its name), and removing the old
// place after writing the new one would then remove the value itself.
type Mover interface {
	// MovesInOneChange reports whether Write, given Previous = from, moves
	// the value to the place to in one change (one atomic write of the same
	// file, one Cloud Run revision) rather than writing the new place first
	// and clearing the old one after; plans say which. Either way Write
	// moves the value.
	MovesInOneChange(from, to TargetAttrs) bool
}

// Connection is what a target writes: the URL and, for a server whose
// certificate comes from the provider's own CA (Memorystore), that CA, which
// the target must make available to the app beside the URL.
type Connection struct {
	URL    string
	CACert []byte
	// Private marks a backend that only its own VPC network reaches
	// (Instance.Private); Network is that network's full name,
	// projects/P/global/networks/N, when the backend is a Placer.
	Private bool
	Network string
	// Previous are the settings the value was last written with, when the
	// target's block changed since (another variable, file or secret); nil
	// otherwise. It is only ever set for a Mover (see there). Write then
	// moves the value: it removes it from the previous place in the same
	// change as it writes the new one where the target can (one Cloud Run
	// revision, one write of the same file), and otherwise only once the
	// new place holds it, so that the app is never left without a URL. A
	// Write that fails leaves both places as they were.
	Previous TargetAttrs
	// Pending is what an earlier Write of this target recorded through
	// Record before it was interrupted; nil normally. A target that finds
	// it finishes or undoes that change first.
	Pending map[string]string
	// Record persists resume data in state before a long wait (a Cloud Run
	// revision becoming ready), so that Ctrl-C or a crash leaves enough
	// behind for the next run; Record(nil) clears it. It may be nil.
	Record func(pending map[string]string) error
	// Progress reports progress of a long wait. It may be nil.
	Progress func(msg string)
	// Stop reports whether the user asked to stop (Ctrl-C). A target
	// waiting for a change it has recorded through Record may stop
	// waiting, returning an error that wraps ErrInterrupted. It may be nil.
	Stop func() bool
	// Boundary marks a step boundary inside Write (see boundary.go): a
	// target whose Write makes more than one change calls it just before
	// and just after each API call that changes something, with a label
	// such as "before UpdateService". It may be nil.
	Boundary func(label string)
}
