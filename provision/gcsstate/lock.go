package gcsstate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Lock creates the lock object, which must not exist yet, with info as its
// body, and returns the object's generation as the lock id. When someone
// holds the lock it returns, at once, a *provision.LockError with their info
// (its ID set to their lock's generation); when that lock is older than
// Config.LockStaleAfter the error, still wrapping the *LockError, adds that
// it is probably stale. A stale lock is never broken automatically.
//
// Lock fills in info.Path and Created when empty. The body records no id:
// the id is the generation, known only once the object exists.
func (s *Store) Lock(ctx context.Context, info provision.LockInfo) (string, error) {
	info.ID = ""
	if info.Path == "" {
		info.Path = s.Describe()
	}
	if info.Created.IsZero() {
		info.Created = s.now().Truncate(time.Second)
	}
	// The token makes the body ours alone, so that finding it in place
	// proves our create went through even when two runs share who, host,
	// pid and second (parallel jobs in look-alike containers).
	body, err := json.MarshalIndent(lockBody{LockInfo: info, Token: rand.Text()}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("lock state: encode lock info: %w", err)
	}
	body = append(body, '\n')
	// A lock released between our create and our look at it is tried
	// again; a few rounds settle any realistic race.
	for range 3 {
		gen, err := s.writeObject(ctx, s.object(lockName), body, 0)
		if err == nil {
			return s.took(gen), nil
		}
		if !isPrecondition(err) {
			return "", fmt.Errorf("lock state: %w", err)
		}
		h, err := s.holder(ctx)
		if err != nil {
			return "", fmt.Errorf("lock state: %w", err)
		}
		switch {
		case h == nil:
			continue
		case bytes.Equal(h.body, body):
			// A retried create whose first attempt had succeeded.
			return s.took(h.gen), nil
		}
		return "", s.heldError(h)
	}
	return "", fmt.Errorf("lock state %s: the lock keeps being taken and released; try again", s.Describe())
}

// lockBody is what the lock object holds.
type lockBody struct {
	provision.LockInfo
	Token string `json:"token"`
}

func (s *Store) took(gen int64) string {
	s.mu.Lock()
	s.heldGen = gen
	s.mu.Unlock()
	return strconv.FormatInt(gen, 10)
}

// lockHolder is the lock object as found.
type lockHolder struct {
	gen     int64
	created time.Time // by the server's clock
	body    []byte
	info    provision.LockInfo
}

// holder reads the lock object, or returns nil when there is none.
func (s *Store) holder(ctx context.Context) (*lockHolder, error) {
	c, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	name := s.object(lockName)
	ctx, cancel := s.call(ctx)
	defer cancel()
	var m objectMeta
	h := &lockHolder{}
	err = s.retry(ctx, func(ctx context.Context) (err error) {
		if m, err = c.meta(ctx, name); err != nil {
			return err
		}
		// Read the generation the metadata describes, not a newer one.
		h.body, _, err = c.media(ctx, name, m.Generation)
		return err
	})
	if statusOf(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, s.explain(ctx, "read lock", name, err)
	}
	h.gen, h.created = m.Generation, m.Created
	if err := json.Unmarshal(h.body, &h.info); err != nil {
		// Still a lock: report it with what is known.
		h.info = provision.LockInfo{Who: "unknown (unreadable lock object)", Host: "unknown", Created: m.Created}
	}
	h.info.ID = strconv.FormatInt(h.gen, 10)
	if h.info.Path == "" {
		h.info.Path = s.Describe()
	}
	return h, nil
}

// heldError describes a lock held by someone else, noting when it is
// probably stale.
func (s *Store) heldError(h *lockHolder) error {
	le := &provision.LockError{Info: h.info}
	age := s.now().Sub(h.created)
	if h.created.IsZero() || age <= s.cfg.LockStaleAfter {
		return le
	}
	return fmt.Errorf("%w.\nThe lock is %s old, older than lock_stale_after (%s): the run that took it has probably died. "+
		"If so (check the job above), release it with `rediskit state unlock %s`",
		le, age.Truncate(time.Second), s.cfg.LockStaleAfter, h.info.ID)
}

// Unlock deletes the lock object if its generation is id. The delete itself
// carries that generation as a precondition, so a lock taken again since
// (a new generation) is never removed by a stale id. An id that is not the
// current lock's fails with an error naming the current one.
func (s *Store) Unlock(ctx context.Context, id string) error {
	gen, err := strconv.ParseInt(id, 10, 64)
	if err != nil || gen <= 0 {
		return s.wrongID(ctx, id)
	}
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	name := s.object(lockName)
	cctx, cancel := s.call(ctx)
	defer cancel()
	err = s.retry(cctx, func(ctx context.Context) error { return c.remove(ctx, name, gen) })
	s.mu.Lock()
	ours := s.heldGen == gen
	if err == nil || ours {
		s.heldGen = 0
	}
	s.mu.Unlock()
	switch {
	case err == nil:
		return nil
	case statusOf(err) == http.StatusNotFound && ours:
		// A retried delete whose first attempt had succeeded.
		return nil
	case statusOf(err) == http.StatusNotFound || isPrecondition(err):
		return s.wrongID(ctx, id)
	}
	return fmt.Errorf("unlock state: %w", s.explain(cctx, "delete", name, err))
}

// wrongID explains why id does not unlock the state.
func (s *Store) wrongID(ctx context.Context, id string) error {
	h, err := s.holder(ctx)
	if err != nil {
		return fmt.Errorf("cannot unlock state %s with id %s: %w", s.Describe(), id, err)
	}
	if h == nil {
		return fmt.Errorf("state %s is not locked; there is nothing to unlock", s.Describe())
	}
	return fmt.Errorf("cannot unlock state %s: it is locked with id %s (by %s on %s since %s for %q), not %s; "+
		"check the id, then run `rediskit state unlock %s`",
		s.Describe(), h.info.ID, h.info.Who, h.info.Host, h.info.Created.Format(time.RFC3339), h.info.Operation, id, h.info.ID)
}
