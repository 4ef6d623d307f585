package rediscopy

import "time"

// progress rate-limits Options.Progress calls for one phase.
type progress struct {
	phase       string
	fn          func(Progress)
	every       time.Duration
	total       int64
	start, last time.Time
}

func newProgress(phase string, opts Options, total int64) *progress {
	now := time.Now()
	return &progress{phase: phase, fn: opts.Progress, every: opts.ProgressEvery, total: total, start: now, last: now}
}

// update reports keys and bytes done when ProgressEvery has passed since
// the last report, or always when final.
func (p *progress) update(keys, bytes int64, final bool) {
	if p.fn == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	pr := Progress{Phase: p.phase, Keys: keys, Bytes: bytes, Total: p.total, Elapsed: now.Sub(p.start)}
	if secs := pr.Elapsed.Seconds(); secs > 0 {
		pr.Rate = float64(keys) / secs
	}
	if pr.Rate > 0 && p.total > keys {
		pr.ETA = time.Duration(float64(p.total-keys) / pr.Rate * float64(time.Second))
	}
	p.fn(pr)
}
