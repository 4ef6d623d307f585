package rediscopy

import (
	"context"
	"sync"
)

// batch is one SCAN page on its way from the reader to the writer: DUMP
// payloads, or first chunks read by type.
type batch struct {
	dump  []dumpItem
	typed []*typedKey
}

// run overlaps SCAN, reads and writes on three goroutines joined by
// one-slot channels: at most a batch being scanned, one queued, one being
// read, one queued and one being written.
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
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(keys)
		stop(scanKeys(ctx, c.src, c.opts, keys))
	})
	wg.Go(func() {
		defer close(batches)
		stop(c.readAll(ctx, keys, batches))
	})
	if err := c.writeAll(ctx, batches); err != nil {
		stop(err)
		for range batches { // let the reader finish
		}
	}
	wg.Wait()
	return first.get()
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

// writeAll writes every batch and reports progress.
func (c *copier) writeAll(ctx context.Context, in <-chan *batch) error {
	for b := range in {
		var err error
		if b.typed != nil {
			err = c.writeTyped(ctx, b.typed)
		} else {
			err = c.writeDump(ctx, b.dump)
		}
		if err != nil {
			return err
		}
		c.prog.update(c.res.Copied+c.res.Skipped+c.res.Failed, c.res.Bytes, false)
	}
	c.prog.update(c.res.Copied+c.res.Skipped+c.res.Failed, c.res.Bytes, true)
	return nil
}
