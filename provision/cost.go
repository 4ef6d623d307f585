package provision

import "context"

// Sizing is what a backend's monthly price depends on, as its adapter reads
// it from a spec. Fields that do not apply to a provider stay zero.
type Sizing struct {
	// Provider is the backend type ("upstash").
	Provider string
	// Region is where the backend runs (Upstash: the primary region).
	Region string
	// Tier, MemoryGB and Replicas are Memorystore's service tier (BASIC or
	// STANDARD_HA), provisioned size and replica count.
	Tier     string
	MemoryGB float64
	Replicas int
	// Plan is Upstash's plan code ("free", "payg", "fixed_250mb", …); ""
	// when the account's default applies and state does not tell which.
	Plan string
	// BudgetUSD is Upstash's monthly budget; nil when not set.
	BudgetUSD *int
	// ReadRegions is the number of Upstash read regions.
	ReadRegions int
}

// Sizer is implemented by a Backend whose price rediskit can estimate.
//
// Sizing reads spec (the backend's block in the stack; nil when the stack no
// longer has one) and rec (what state records about the backend; nil when it
// does not exist yet), preferring the spec. It makes no network call.
type Sizer interface {
	Sizing(spec Spec, rec *Record) Sizing
}

// MeasuredUsage is a provider's own count of how much a backend is used.
type MeasuredUsage struct {
	// MonthlyRequests is the commands billed so far this month.
	MonthlyRequests int64
	// DailyRequests are the commands of recent days, oldest first; the last
	// one is today's, still counting. Days without a figure are left out.
	DailyRequests []int64
	// TodayCommands is the commands so far today.
	TodayCommands int64
	// StorageBytes is the data stored now.
	StorageBytes int64
}

// UsageReader is implemented by a Backend that can report measured usage
// (Upstash's database stats).
//
// ReadUsage makes one API call for the backend in rec. A backend that no
// longer exists wraps ErrNotFound. Measured figures are preferred over a
// stack's usage block, so a reader must report what the provider bills, not
// an estimate.
type UsageReader interface {
	ReadUsage(ctx context.Context, rec Record) (*MeasuredUsage, error)
}
