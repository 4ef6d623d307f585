package rediscopy

// tally counts one batch's keys on a writer goroutine; merge adds it to
// the Result.
type tally struct {
	restored, typed, skipped, failed, bytes int64
	failedKeys                              []string
	firstErr                                error
}

// fail counts a key that could not be copied and keeps its name.
func (t *tally) fail(key string, err error) {
	t.failed++
	if len(t.failedKeys) < MaxFailedKeys {
		t.failedKeys = append(t.failedKeys, key)
	}
	if t.firstErr == nil {
		t.firstErr = err
	}
}

// merge adds t to the Result.
func (c *copier) merge(t *tally) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	r.Restored += t.restored
	r.Typed += t.typed
	r.Copied += t.restored + t.typed
	r.Skipped += t.skipped
	r.Failed += t.failed
	r.Bytes += t.bytes
	room := max(0, MaxFailedKeys-len(r.FailedKeys))
	r.FailedKeys = append(r.FailedKeys, t.failedKeys[:min(room, len(t.failedKeys))]...)
	if c.firstFailure == "" && t.firstErr != nil {
		c.firstFailure = scrub(shortReply(t.firstErr.Error()), append(c.src.secrets, c.dst.secrets...))
	}
}

// report calls Options.Progress with the counts so far.
func (c *copier) report(final bool) {
	c.mu.Lock()
	keys, bytes := c.res.Copied+c.res.Skipped+c.res.Failed, c.res.Bytes
	c.mu.Unlock()
	c.prog.update(keys, bytes, final)
}
