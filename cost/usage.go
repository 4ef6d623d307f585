package cost

import (
	"fmt"
	"math"
)

// Channel layer types, as in a stack's usage { layer = … }.
const (
	// LayerCore is channels_redis.core.RedisChannelLayer (sorted sets and a
	// blocking receive loop).
	LayerCore = "core"
	// LayerPubSub is channels_redis.pubsub.RedisPubSubChannelLayer.
	LayerPubSub = "pubsub"
)

// HoursPerMonth is the month every estimate uses: 24 h × 365 d / 12, the
// convention of Google's and most providers' price lists.
const HoursPerMonth = 730

// DaysPerMonth is HoursPerMonth in days (30.42).
const DaysPerMonth = HoursPerMonth / 24.0

// ReceiveTimeoutSeconds is channels_redis's brpop_timeout: an idle receive
// loop's BZPOPMIN gives up after this long and the loop starts over.
const ReceiveTimeoutSeconds = 5

// IdleLoopCommands returns the commands one pass of a consumer process's
// receive loop sends while no message arrives, one entry per billable
// command. For the core layer that is channels_redis's _brpop_with_clean:
// EVAL of the cleanup script, the ZRANGE and DEL the script runs (Upstash
// bills commands inside scripts one by one), then BZPOPMIN with the 5 s
// timeout. The script's ZADD runs only to restore a message whose receive
// was cancelled, so it is not part of an idle pass. The pub/sub layer waits
// on its subscription and sends nothing.
func IdleLoopCommands(layer string) []string {
	if layer == LayerPubSub {
		return nil
	}
	return []string{"EVAL", "ZRANGE", "DEL", "BZPOPMIN"}
}

// MessageCommands returns the billable commands one delivered message costs
// on a layer. Core: send is ZREMRANGEBYSCORE, ZCOUNT, ZADD, EXPIRE; the
// receive that gets it is a loop pass (EVAL, ZRANGE, DEL, BZPOPMIN), the ZADD
// that parks it in the in-flight backup and the ZPOPMIN that clears it.
// Pub/sub: one PUBLISH.
func MessageCommands(layer string) []string {
	if layer == LayerPubSub {
		return []string{"PUBLISH"}
	}
	return []string{"ZREMRANGEBYSCORE", "ZCOUNT", "ZADD", "EXPIRE",
		"EVAL", "ZRANGE", "DEL", "BZPOPMIN", "ZADD", "ZPOPMIN"}
}

// IdleCommandsPerMonth is what one always-on consumer process bills in a
// month without a single message: 4 × 730 h × 3600 s / 5 s = 2,102,400 on
// the core layer, 0 on the pub/sub layer.
func IdleCommandsPerMonth(layer string) int64 {
	passes := int64(HoursPerMonth * 3600 / ReceiveTimeoutSeconds)
	return int64(len(IdleLoopCommands(layer))) * passes
}

// Usage describes the app, as a stack's usage { } block does.
type Usage struct {
	// Workers is the number of consumer processes whose receive loop runs
	// all the time: each `runworker` channel, and each web process that
	// always holds at least one open WebSocket.
	Workers int
	// Layer is LayerCore or LayerPubSub.
	Layer string
	// MessagesPerDay counts deliveries: a group_send to n channels is n.
	MessagesPerDay int64
	// StorageGB is the data kept in Redis.
	StorageGB float64
}

// Where a Demand's figures come from.
const (
	SourceMeasured = "measured"
	SourceStack    = "stack"
	SourceWhatIf   = "what-if"
)

// Demand is what an estimate is priced on.
type Demand struct {
	// CommandsPerMonth is meaningful only when CommandsKnown.
	CommandsPerMonth int64
	CommandsKnown    bool
	StorageGB        float64
	// Source is SourceMeasured, SourceStack or SourceWhatIf; "" when the
	// stack says nothing about usage.
	Source string
	// Model is set when the commands come from the usage model.
	Model *Breakdown
	// Basis says how measured figures became a monthly rate.
	Basis string
}

// Breakdown is the usage model's arithmetic, for showing it.
type Breakdown struct {
	Usage           Usage
	IdlePerWorker   int64
	IdleCommands    int64
	MessageCommands int64
}

// Model turns usage into billable commands a month:
//
//	workers × IdleCommandsPerMonth(layer) + messages/day × DaysPerMonth × len(MessageCommands(layer))
//
// The idle term is kept whole even for a busy app: every message ends one
// 5 s wait early, so it overstates a busy loop by at most the commands of
// the waits that messages cut short.
func Model(u Usage, source string) Demand {
	if u.Layer == "" {
		u.Layer = LayerCore
	}
	b := &Breakdown{Usage: u, IdlePerWorker: IdleCommandsPerMonth(u.Layer)}
	b.IdleCommands = int64(u.Workers) * b.IdlePerWorker
	b.MessageCommands = int64(math.Round(float64(u.MessagesPerDay) * DaysPerMonth * float64(len(MessageCommands(u.Layer)))))
	return Demand{CommandsPerMonth: b.IdleCommands + b.MessageCommands, CommandsKnown: true,
		StorageGB: u.StorageGB, Source: source, Model: b}
}

// Unknown is the demand of a stack without a usage block: storage 0,
// commands unknown, so only flat prices can be given.
func Unknown() Demand { return Demand{} }

// Measured is what a provider reports about a database's real use
// (Upstash: GET /v2/redis/stats/{id}).
type Measured struct {
	// MonthlyRequests is the commands billed so far this month.
	MonthlyRequests int64
	// DailyRequests are the commands of recent days, oldest first; the last
	// one is today's, still counting. Days the provider has no figure for
	// are left out.
	DailyRequests []int64
	// TodayCommands is the commands so far today.
	TodayCommands int64
	StorageBytes  int64
}

// Demand projects measured figures to a month. The rate is the mean of the
// complete days in DailyRequests (today's partial count is left out when
// there is an earlier day); with no series, today's count so far stands for
// a day, which understates.
func (m Measured) Demand() Demand {
	d := Demand{CommandsKnown: true, StorageGB: float64(m.StorageBytes) / (1 << 30), Source: SourceMeasured}
	days := m.DailyRequests
	if len(days) > 1 {
		days = days[:len(days)-1]
	}
	var perDay float64
	switch {
	case len(days) > 0:
		var sum int64
		for _, n := range days {
			sum += n
		}
		perDay = float64(sum) / float64(len(days))
		d.Basis = fmt.Sprintf("average of the last %s", plural(len(days), "complete day"))
	default:
		perDay = float64(m.TodayCommands)
		d.Basis = "today's commands so far, as a whole day"
	}
	d.CommandsPerMonth = int64(math.Round(perDay * DaysPerMonth))
	return d
}

// PerDay is the demand's commands a day.
func (d Demand) PerDay() float64 { return float64(d.CommandsPerMonth) / DaysPerMonth }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
