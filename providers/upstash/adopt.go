package upstash

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Keys of the create intent kept in CreateRequest.Pending.
const (
	pendingStartedAt = "started_at"
	pendingName      = "database_name"
	pendingID        = "database_id"
)

// clockSkew is how far Upstash's clock may lag ours when creation_time is
// compared with started_at. The pre-POST check that no database of the name
// exists keeps this allowance from covering someone else's database.
const clockSkew = time.Minute

// intent is a create that rediskit started: the name it POSTed, when, and the
// id once known.
type intent struct {
	name      string
	startedAt time.Time
	id        string
}

// parseIntent reads an intent from Pending; nil when there is none usable.
func parseIntent(p map[string]string) *intent {
	started, err := time.Parse(time.RFC3339, p[pendingStartedAt])
	if err != nil || p[pendingName] == "" {
		return nil
	}
	return &intent{name: p[pendingName], startedAt: started, id: p[pendingID]}
}

func (b *Backend) newIntent(name string) *intent {
	return &intent{name: name, startedAt: b.now().UTC().Truncate(time.Second)}
}

func (in *intent) pending() map[string]string {
	p := map[string]string{
		pendingStartedAt: in.startedAt.UTC().Format(time.RFC3339),
		pendingName:      in.name,
	}
	if in.id != "" {
		p[pendingID] = in.id
	}
	return p
}

// covers reports whether db may be the database this intent created.
func (in *intent) covers(db *Database) bool {
	return db.DisplayName() == in.name && int64(db.CreationTime) >= in.startedAt.Add(-clockSkew).Unix()
}

// record persists the intent before the POST.
func (in *intent) record(req provision.CreateRequest) error {
	if req.Record == nil {
		return nil
	}
	if err := req.Record(in.pending()); err != nil {
		return fmt.Errorf("upstash: recording the intent to create database %q in state: %w; nothing was created: fix the state problem and run the command again", in.name, err)
	}
	return nil
}

// recordCreated persists the new database's id.
func (in *intent) recordCreated(req provision.CreateRequest, db *Database) error {
	if req.Record == nil {
		return nil
	}
	if err := req.Record(in.pending()); err != nil {
		return fmt.Errorf("upstash: database %q (%s) was created but recording it in state failed: %w; run `rediskit apply` again: it adopts this database", in.name, db.ID, err)
	}
	return nil
}

// resume finds what an interrupted create left: the recorded id, else a
// database the intent covers. It returns nil, nil when there is none.
func resume(ctx context.Context, c *client, in *intent, block string) (*Database, error) {
	if in.id != "" {
		db, err := readDatabase(ctx, c, in.id)
		if !errors.Is(err, provision.ErrNotFound) {
			return db, err
		}
	}
	return adopt(ctx, c, in, block)
}

// adopt searches the list for the database the intent created. A database of
// the same name that the intent does not cover is an error, never adopted.
func adopt(ctx context.Context, c *client, in *intent, block string) (*Database, error) {
	dbs, err := c.listDatabases(ctx)
	if err != nil {
		return nil, err
	}
	var covered, others []*Database
	for _, db := range dbs {
		switch {
		case in.covers(db):
			covered = append(covered, db)
		case db.DisplayName() == in.name:
			others = append(others, db)
		}
	}
	switch {
	case len(covered) == 1:
		return covered[0], nil
	case len(covered) > 1:
		return nil, fmt.Errorf("upstash: %d databases named %q were created since %s (%s); keep one with `rediskit import redis.%s.upstash <database_id>` and delete the others in the Upstash console",
			len(covered), in.name, in.startedAt.Format(time.RFC3339), ids(covered), block)
	case len(others) > 0:
		return nil, importError(in.name, block, others)
	}
	return nil, nil
}

// refuseSameName fails when a database of that name exists already.
func refuseSameName(ctx context.Context, c *client, name, block string) error {
	dbs, err := c.listDatabases(ctx)
	if err != nil {
		return err
	}
	var same []*Database
	for _, db := range dbs {
		if db.DisplayName() == name {
			same = append(same, db)
		}
	}
	if len(same) > 0 {
		return importError(name, block, same)
	}
	return nil
}

func importError(name, block string, same []*Database) error {
	id := "<database_id>"
	if len(same) == 1 {
		id = same[0].ID
	}
	return fmt.Errorf("upstash: a database named %q already exists (%s) and this stack did not create it; to manage it with this stack run `rediskit import redis.%s.upstash %s`, or choose another name",
		name, ids(same), block, id)
}

func ids(dbs []*Database) string {
	out := make([]string, len(dbs))
	for i, db := range dbs {
		out[i] = "id " + db.ID
	}
	return strings.Join(out, ", ")
}
