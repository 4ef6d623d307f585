package provision

import "time"

// EventType names what an Event reports. The names match the JSON stream's
// "type" field.
type EventType string

// Event types emitted while planning and applying.
const (
	EventRefresh       EventType = "refresh_complete"
	EventApplyStart    EventType = "apply_start"
	EventApplyProgress EventType = "apply_progress"
	EventApplyComplete EventType = "apply_complete"
	EventApplyErrored  EventType = "apply_errored"
	EventVerify        EventType = "verify_result"
	EventWarning       EventType = "warning"
	// EventMigration shows the steps of a provider switch in a plan.
	EventMigration EventType = "migration_plan"
	// EventTargetCheck reports whether a target holds its redis block's URL.
	EventTargetCheck EventType = "target_check"
)

// Event is one thing that happened during a run, for views to render.
type Event struct {
	Type    EventType
	Address string
	Action  Action
	// Message is human text; it never holds a secret.
	Message string
	Elapsed time.Duration
	Verify  *VerifyResult
	// Failed marks a check event that found a problem.
	Failed bool
	// Steps lists what a provider switch will do (EventMigration).
	Steps []string
}
