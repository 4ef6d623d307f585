package memorystore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	redis "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// Backend is the memorystore backend adapter.
type Backend struct {
	env  provision.Env
	conn *gcp.Connector
	// poll and retry are fields so that tests can make them fast.
	poll  pollPolicy
	retry gcp.Retry
	now   func() time.Time

	mu     sync.Mutex
	client *redis.CloudRedisClient
}

var (
	_ provision.Backend  = (*Backend)(nil)
	_ provision.Importer = (*Backend)(nil)
)

// New returns the memorystore backend. It reads no credentials and dials
// nothing until a method needs the API; conn is shared with the other
// Google adapters of the run.
func New(env provision.Env, conn *gcp.Connector) *Backend {
	return &Backend{env: env, conn: conn, poll: defaultPollPolicy(), retry: gcp.DefaultRetry(), now: time.Now}
}

// Type returns "memorystore".
func (b *Backend) Type() string { return "memorystore" }

// Close releases the API connection, if one was made.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client == nil {
		return nil
	}
	err := b.client.Close()
	b.client = nil
	return err
}

// api returns the Memorystore client, building it on first use.
func (b *Backend) api(ctx context.Context) (*redis.CloudRedisClient, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client != nil {
		return b.client, nil
	}
	opts, err := b.conn.ClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("memorystore: %w", err)
	}
	c, err := redis.NewCloudRedisClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("memorystore: connect to the Memorystore API: %w; check the credentials and the network, then run the command again", err)
	}
	b.client = c
	return c, nil
}

// Read returns the instance recorded in rec. An instance that is gone wraps
// provision.ErrNotFound, so the engine plans a create.
func (b *Backend) Read(ctx context.Context, rec provision.Record) (*provision.Instance, error) {
	if rec.ID == "" {
		return nil, fmt.Errorf("memorystore: no instance name recorded: %w", provision.ErrNotFound)
	}
	c, err := b.api(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := b.get(ctx, c, rec.ID)
	if err != nil {
		return nil, err
	}
	return b.instance(ctx, c, inst, sentByRecord(rec.Attrs))
}

// get reads an instance, retrying transient errors. NotFound wraps
// provision.ErrNotFound.
func (b *Backend) get(ctx context.Context, c *redis.CloudRedisClient, name string) (*redispb.Instance, error) {
	var inst *redispb.Instance
	err := b.retry.Do(ctx, func(ctx context.Context) (err error) {
		inst, err = c.GetInstance(ctx, &redispb.GetInstanceRequest{Name: name})
		return err
	})
	if isCode(err, codeNotFound) {
		return nil, fmt.Errorf("memorystore instance %s no longer exists: %w", name, provision.ErrNotFound)
	}
	if err != nil {
		return nil, b.apiError("read instance "+name, err)
	}
	return inst, nil
}

// instance turns an API instance into a provision.Instance, reading the
// AUTH string when AUTH is on and the instance has an address. sent is
// what rediskit sent or recorded (see sent).
func (b *Backend) instance(ctx context.Context, c *redis.CloudRedisClient, inst *redispb.Instance, sent sent) (*provision.Instance, error) {
	auth := ""
	if inst.GetAuthEnabled() && inst.GetHost() != "" {
		err := b.retry.Do(ctx, func(ctx context.Context) error {
			res, err := c.GetInstanceAuthString(ctx, &redispb.GetInstanceAuthStringRequest{Name: inst.GetName()})
			auth = res.GetAuthString()
			return err
		})
		if err != nil {
			return nil, b.apiError("read the AUTH string of "+inst.GetName(), err)
		}
	}
	return instanceFrom(inst, auth, sent), nil
}

// Delete deletes the instance in rec and waits for it to be gone. One that
// is already gone is done.
func (b *Backend) Delete(ctx context.Context, rec provision.Record) error {
	if rec.ID == "" {
		return nil
	}
	c, err := b.api(ctx)
	if err != nil {
		return err
	}
	return b.delete(ctx, c, rec.ID)
}

// instanceNamePattern matches projects/P/locations/R/instances/I.
var instanceNamePattern = regexp.MustCompile(`^projects/[^/]+/locations/[a-z0-9-]+/instances/[a-z][-a-z0-9]*$`)

// Import reads an existing instance by its resource name for `rediskit
// import`. An unknown instance wraps provision.ErrNotFound.
func (b *Backend) Import(ctx context.Context, name, id string) (*provision.Instance, error) {
	id = strings.TrimSpace(id)
	if !instanceNamePattern.MatchString(id) {
		return nil, fmt.Errorf("importing %s: %q is not an instance name; give the full name, projects/PROJECT/locations/REGION/instances/INSTANCE (see `gcloud redis instances list --region REGION`)", name, id)
	}
	c, err := b.api(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := b.get(ctx, c, id)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w; check the name with `gcloud redis instances list --project PROJECT --region REGION`", name, err)
	}
	return b.instance(ctx, c, inst, sent{})
}
