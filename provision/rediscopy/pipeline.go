package rediscopy

import (
	"context"
	"sync"
	"time"
)

// batch is one SCAN page on its way from a reader to a writer: DUMP
// payloads, or first chunks read by type.
type batch struct {
	dump  []dumpItem
	typed []*typedKey
}

// Two readers and two writers keep each server busy while the other
// goroutine of the pair waits for replies or parses them.
const (
	readerCount = 2
	writerCount = 2
)

// run overlaps SCAN, reads and writes on goroutines joined by one-slot
// channels, so that at most five batches of values are in memory (two
// being read, one queued, two being written), and reports progress from
// the calling goroutine.
func (c *copier) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var first firstError
	stop := func(err error) {
		if err != nil {
			first.set(err)
			cancel()
		}
	}
	keys := make(chan []string, 1)
	batches := make(chan *batch, 1)
	var scanner, readers, writers sync.WaitGroup
	scanner.Go(func() {
		defer close(keys)
		stop(scanKeys(ctx, c.src, c.opts, keys))
	})
	for range readerCount {
		readers.Go(func() { stop(c.readAll(ctx, keys, batches)) })
	}
	for range writerCount {
		writers.Go(func() { stop(c.writeAll(ctx, batches)) })
	}
	done := make(chan struct{})
	go func() {
		readers.Wait()
		close(batches)
		writers.Wait()
		close(done)
	}()
	c.reportUntil(done)
	scanner.Wait()
	return first.get()
}

// reportUntil calls Options.Progress every ProgressEvery until done closes,
// then once more.
func (c *copier) reportUntil(done <-chan struct{}) {
	if c.opts.Progress == nil {
		<-done
		return
	}
	tick := time.NewTicker(c.opts.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			c.report(false)
		case <-done:
			c.report(true)
			return
		}
	}
}

// firstError keeps the error that stopped the pipeline, not the
// cancellations it caused in the other stages.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// scanKeys sends the source's keys to out, a SCAN page at a time.
func scanKeys(ctx context.Context, src *conn, opts Options, out chan<- []string) error {
	var cursor uint64
	for {
		keys, next, err := src.client.Scan(ctx, cursor, "", int64(opts.Batch)).Result()
		if err != nil {
			return src.fail("SCAN", err)
		}
		if opts.hooks != nil && opts.hooks.afterScan != nil {
			opts.hooks.afterScan(keys)
		}
		if len(keys) > 0 {
			select {
			case out <- keys:
			case <-ctx.Done():
				return src.fail("SCAN", ctx.Err())
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// readAll turns key batches into read batches.
func (c *copier) readAll(ctx context.Context, in <-chan []string, out chan<- *batch) error {
	for keys := range in {
		b := &batch{}
		var err error
		if c.typedOnly.Load() {
			b.typed, err = c.readTyped(ctx, keys)
		} else {
			b.dump, err = c.readDump(ctx, keys)
		}
		if err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return c.src.fail("read", ctx.Err())
		}
	}
	return nil
}

// writeAll writes batches until in closes, tallying each.
func (c *copier) writeAll(ctx context.Context, in <-chan *batch) error {
	for b := range in {
		t := &tally{}
		var err error
		if b.typed != nil {
			err = c.writeTyped(ctx, b.typed, t)
		} else {
			err = c.writeDump(ctx, b.dump, t)
		}
		c.merge(t)
		if err != nil {
			return err
		}
	}
	return nil
}
