package upstash

import (
	"context"
	"fmt"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Create makes the database described by req.Spec and returns it once it is
// active. It never makes a second database for one redis block:
//
//   - Before the POST it records an intent (started_at, database_name)
//     through req.Record; after it, the database_id as well.
//   - Given that intent back in req.Pending after a crash, it reads the
//     recorded id or adopts the database of that name created since
//     started_at, instead of POSTing again.
//   - A POST that fails in a way that may have created the database (5xx, a
//     lost answer) is followed by that same search before any retry.
//   - A database of the same name that no intent covers is never adopted: the
//     error tells the user how to import it.
func (b *Backend) Create(ctx context.Context, req provision.CreateRequest) (*provision.Instance, error) {
	spec, ok := req.Spec.(*Spec)
	if !ok || spec == nil {
		return nil, fmt.Errorf("upstash: Create got a %T spec; this is a bug in rediskit, please report it", req.Spec)
	}
	c, err := b.client()
	if err != nil {
		return nil, err
	}
	db, err := b.createOrAdopt(ctx, c, spec, req)
	if err != nil {
		return nil, err
	}
	db, err = b.waitActive(ctx, c, db, req.Progress)
	if err != nil {
		return nil, err
	}
	return instanceFrom(db)
}

func (b *Backend) createOrAdopt(ctx context.Context, c *client, spec *Spec, req provision.CreateRequest) (*Database, error) {
	in := parseIntent(req.Pending)
	if in != nil {
		db, err := resume(ctx, c, in, req.Name)
		if err != nil {
			return nil, err
		}
		if db != nil {
			in.id = db.ID
			return db, in.recordCreated(req, db)
		}
	}
	if in == nil || in.name != spec.Name {
		if err := refuseSameName(ctx, c, spec.Name, req.Name); err != nil {
			return nil, err
		}
		in = b.newIntent(spec.Name)
		if err := in.record(req); err != nil {
			return nil, err
		}
	}
	return b.post(ctx, c, spec, in, req)
}

// post sends the create request. A failure that may have created the
// database is followed by a search for it before the next attempt.
func (b *Backend) post(ctx context.Context, c *client, spec *Spec, in *intent, req provision.CreateRequest) (*Database, error) {
	body := createBody(spec)
	for attempt := 1; ; attempt++ {
		boundary(req, "before POST /v2/redis/database")
		db, err := c.createDatabase(ctx, body)
		boundary(req, "after POST /v2/redis/database")
		if err == nil {
			in.id = db.ID
			return db, in.recordCreated(req, db)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("upstash: creating database %q was interrupted: %w; run `rediskit apply` again: it adopts the database if Upstash made it", spec.Name, ctx.Err())
		}
		if !retryable(err) || attempt >= c.retry.attempts {
			return nil, withAttempts(err, attempt)
		}
		if err := c.retry.wait(ctx, attempt, err); err != nil {
			return nil, fmt.Errorf("upstash: creating database %q was interrupted: %w; run `rediskit apply` again: it adopts the database if Upstash made it", spec.Name, err)
		}
		found, err := adopt(ctx, c, in, req.Name)
		if err != nil || found != nil {
			if found != nil {
				in.id = found.ID
				err = in.recordCreated(req, found)
			}
			return found, err
		}
	}
}

func createBody(spec *Spec) createRequest {
	return createRequest{
		Name:          spec.Name,
		Platform:      spec.Platform,
		PrimaryRegion: spec.PrimaryRegion,
		Region:        "global", // older server paths still want it; regional values are refused
		ReadRegions:   spec.ReadRegions,
		Eviction:      spec.Eviction,
		Budget:        spec.Budget,
		Plan:          spec.Plan,
		TLS:           true,
	}
}

// waitPolicy bounds the wait for a new database to become active.
type waitPolicy struct {
	interval, maxInterval time.Duration
	// total bounds the sum of the waits, so the bound holds whatever the
	// sleep function does.
	total time.Duration
}

func defaultWaitPolicy() waitPolicy {
	return waitPolicy{interval: 500 * time.Millisecond, maxInterval: 5 * time.Second, total: 5 * time.Minute}
}

// waitActive polls until db is active. It returns db as read with its
// credentials: an adopted database comes from the list, which hides them.
func (b *Backend) waitActive(ctx context.Context, c *client, db *Database, progress func(string)) (*Database, error) {
	interval, waited := b.wait.interval, time.Duration(0)
	var err error
	for !isActive(db) {
		if waited >= b.wait.total {
			return nil, fmt.Errorf("upstash: database %q (%s) is still %q after %s; check it in the Upstash console, then run `rediskit apply` again: it continues with this database", db.DisplayName(), db.ID, db.State, waited)
		}
		report(progress, fmt.Sprintf("waiting for Upstash database %s to become active (state %s, %s)", db.DisplayName(), db.State, waited))
		if err := c.retry.sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("upstash: waiting for database %s was interrupted: %w; run `rediskit apply` again to continue", db.ID, err)
		}
		waited += interval
		interval = min(interval*2, b.wait.maxInterval)
		if db, err = readDatabase(ctx, c, db.ID); err != nil {
			return nil, err
		}
	}
	if db.Password == "" {
		return readDatabase(ctx, c, db.ID)
	}
	return db, nil
}

func report(progress func(string), msg string) {
	if progress != nil {
		progress(msg)
	}
}

// boundary marks a step boundary for the crash harness (provision
// boundary.go).
func boundary(req provision.CreateRequest, label string) {
	if req.Boundary != nil {
		req.Boundary(label)
	}
}
