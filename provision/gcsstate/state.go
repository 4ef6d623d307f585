package gcsstate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Read returns the state, or (nil, nil) when the state object does not exist.
// It refuses a corrupt or newer state like provision.FileStore, and a moved
// one with a *provision.MovedError. The generation read is the one the next
// Write expects to replace.
func (s *Store) Read(ctx context.Context) (*provision.State, error) {
	data, gen, err := s.readObject(ctx, s.object(stateName))
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	s.remember(gen)
	if data == nil {
		return nil, nil
	}
	return provision.DecodeState(data, "state "+s.Describe())
}

func (s *Store) remember(gen int64) {
	s.mu.Lock()
	s.gen, s.known = gen, true
	s.mu.Unlock()
}

// expected is the generation a write must replace: the one this store last
// read or wrote, else current (what is there now).
func (s *Store) expected(current int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known {
		return s.gen
	}
	return current
}

// Write stores st, with the serial and format version rules of
// provision.FileStore.Write (which see), and updates st to match.
//
// The write succeeds only if the state object is still at the generation
// this store last read or wrote (or, for a store that has not read yet, the
// one Write itself reads first). Otherwise someone else wrote the state in
// between and Write fails with an error wrapping ErrConflict, leaving their
// state in place.
func (s *Store) Write(ctx context.Context, st *provision.State) error {
	if st == nil || st.Lineage == "" {
		return errors.New("write state: the state has no lineage; this is a bug in rediskit, please report it")
	}
	name := s.object(stateName)
	data, gen, err := s.readObject(ctx, name)
	if err != nil {
		return fmt.Errorf("refusing to write state: %w", err)
	}
	var prev *provision.State
	if data != nil {
		prev, err = provision.ReadForWrite(provision.DecodeState(data, "state "+s.Describe()))
		if err != nil {
			return fmt.Errorf("refusing to write state: %w", err)
		}
	}
	next, err := provision.NextState(st, prev, s.Describe())
	if err != nil {
		return err
	}
	body, err := provision.EncodeState(next)
	if err != nil {
		return err
	}
	if err := s.replace(ctx, body, s.expected(gen)); err != nil {
		return err
	}
	st.FormatVersion, st.Serial = next.FormatVersion, next.Serial
	return nil
}

// replace writes body as the state object if it is still at generation
// want, and remembers the new generation.
func (s *Store) replace(ctx context.Context, body []byte, want int64) error {
	name := s.object(stateName)
	gen, err := s.writeObject(ctx, name, body, want)
	if isPrecondition(err) {
		// A retried request whose first attempt succeeded also lands
		// here; what is stored then is exactly body.
		if data, now, rerr := s.readObject(ctx, name); rerr == nil && bytes.Equal(data, body) {
			gen, err = now, nil
		} else {
			return fmt.Errorf("refusing to write state %s: %w since rediskit read it (generation %d expected, found %d); "+
				"nothing was overwritten: run `rediskit plan` again to see the current state", s.Describe(), ErrConflict, want, now)
		}
	}
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	s.remember(gen)
	return nil
}

// MarkMoved replaces the state with the marker `rediskit state migrate`
// leaves behind (provision.EncodeMovedMarker), under the same generation
// precondition as Write, so that later runs against this location are
// refused with a pointer to to. The state must be readable.
func (s *Store) MarkMoved(ctx context.Context, to, by string) error {
	data, gen, err := s.readObject(ctx, s.object(stateName))
	if err != nil {
		return fmt.Errorf("mark state as moved: %w", err)
	}
	if data == nil {
		return fmt.Errorf("mark state as moved: %s does not exist", s.Describe())
	}
	st, err := provision.DecodeState(data, "state "+s.Describe())
	if err != nil {
		return fmt.Errorf("mark state as moved: %w", err)
	}
	body, err := provision.EncodeMovedMarker(st, to, by, s.cfg.Now())
	if err != nil {
		return err
	}
	return s.replace(ctx, body, s.expected(gen))
}

// now is the store's clock, in UTC.
func (s *Store) now() time.Time { return s.cfg.Now().UTC() }
