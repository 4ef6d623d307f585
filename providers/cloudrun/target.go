package cloudrun

import (
	"context"
	"errors"
	"fmt"
	"sync"

	run "cloud.google.com/go/run/apiv2"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// Target is the cloud_run target: it writes the Redis URL into one
// variable of a Cloud Run service, as a plain value or through Secret
// Manager. Besides its API clients it holds no state: everything it needs
// is in the TargetAttrs that Decode returns.
type Target struct {
	env  provision.Env
	conn *gcp.Connector
	// wait and retry are fields so that tests can make them fast.
	wait waitPolicy
	// retry covers transient failures of every call, and also bounds the
	// UpdateService and SetIamPolicy calls per change when etags conflict.
	retry gcp.Retry

	mu      sync.Mutex
	clients *clients
}

// clients are the API clients of one run, built on first use.
type clients struct {
	retry     gcp.Retry
	services  *run.ServicesClient
	revisions *run.RevisionsClient
	secrets   *secretmanager.Client
}

var (
	_ provision.Target           = (*Target)(nil)
	_ provision.Describer        = (*Target)(nil)
	_ provision.PlacementChecker = (*Target)(nil)
	_ provision.SecretDeleter    = (*Target)(nil)
	_ provision.Mover            = (*Target)(nil)
)

// New returns the cloud_run target. It reads no credentials and dials
// nothing until a method needs the API; conn is shared with the other
// Google adapters of the run.
func New(env provision.Env, conn *gcp.Connector) *Target {
	return &Target{env: env, conn: conn, wait: defaultWaitPolicy(), retry: gcp.DefaultRetry()}
}

// MovesInOneChange reports whether a move between from and to stays on one
// service, where Write makes it one revision; a move to another service
// writes the new one first and removes the value from the old one once the
// new revision is ready.
func (*Target) MovesInOneChange(from, to provision.TargetAttrs) bool {
	f, err1 := settingsOf(from)
	t, err2 := settingsOf(to)
	return err1 == nil && err2 == nil && f.name() == t.name()
}

// Type returns "cloud_run".
func (*Target) Type() string { return "cloud_run" }

// Describe names where the target writes, e.g. "REDIS_URL on service
// acme-web via secret acme-redis-url (new revision)".
func (*Target) Describe(attrs provision.TargetAttrs) string {
	d := attrs[AttrEnv] + " on service " + attrs[AttrService]
	if attrs[AttrSecret] != "" {
		d += " via secret " + attrs[AttrSecret]
	}
	return d + " (new revision)"
}

// api returns the clients, building them on first use.
func (t *Target) api(ctx context.Context) (*clients, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clients != nil {
		return t.clients, nil
	}
	opts, err := t.conn.ClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("cloud_run: %w", err)
	}
	c := &clients{retry: t.retry}
	if c.services, err = run.NewServicesClient(ctx, opts...); err == nil {
		if c.revisions, err = run.NewRevisionsClient(ctx, opts...); err == nil {
			c.secrets, err = secretmanager.NewClient(ctx, opts...)
		}
	}
	if err != nil {
		_ = c.close()
		return nil, fmt.Errorf("cloud_run: connect to the Cloud Run and Secret Manager APIs: %w; check the credentials and the network, then run the command again", err)
	}
	// The clients' own retries (a few reads, on some codes) and timeouts
	// would stack under c.retry; one policy for every call is easier to
	// reason about and to test.
	c.services.CallOptions = &run.ServicesCallOptions{}
	c.revisions.CallOptions = &run.RevisionsCallOptions{}
	c.secrets.CallOptions = &secretmanager.CallOptions{}
	t.clients = c
	return c, nil
}

// Close releases the API connections, if any were made.
func (t *Target) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clients == nil {
		return nil
	}
	err := t.clients.close()
	t.clients = nil
	return err
}

func (c *clients) close() error {
	var errs []error
	if c.services != nil {
		errs = append(errs, c.services.Close())
	}
	if c.revisions != nil {
		errs = append(errs, c.revisions.Close())
	}
	if c.secrets != nil {
		errs = append(errs, c.secrets.Close())
	}
	return errors.Join(errs...)
}

func (t *Target) warn(msg string) {
	if t.env.Warn != nil {
		t.env.Warn(msg)
	}
}
