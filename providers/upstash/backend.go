package upstash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Environment variables the backend reads.
const (
	EnvEmail  = "UPSTASH_EMAIL"
	EnvAPIKey = "UPSTASH_API_KEY"
	EnvAPIURL = "UPSTASH_API_URL"
)

// ErrNoCredentials is wrapped when UPSTASH_EMAIL or UPSTASH_API_KEY is unset.
var ErrNoCredentials = errors.New("credentials for the Upstash API are not set")

// Backend is the upstash backend adapter.
type Backend struct {
	env  provision.Env
	http *http.Client
	// retry and wait are fields so that tests can make them fast.
	retry retryPolicy
	wait  waitPolicy
	now   func() time.Time
}

var (
	_ provision.Backend  = (*Backend)(nil)
	_ provision.Importer = (*Backend)(nil)
)

// New returns the upstash backend. Credentials are read lazily, when the
// first API call needs them, so that a stack with only a standby upstash
// block works without them.
func New(env provision.Env) *Backend {
	return &Backend{
		env:   env,
		http:  &http.Client{},
		retry: defaultRetryPolicy(),
		wait:  defaultWaitPolicy(),
		now:   time.Now,
	}
}

// Type returns "upstash".
func (b *Backend) Type() string { return "upstash" }

// CheckCredentials reports whether the environment holds what the API needs:
// UPSTASH_EMAIL, UPSTASH_API_KEY and, when set, a usable UPSTASH_API_URL.
// It makes no network call.
func (b *Backend) CheckCredentials() error {
	_, err := b.client()
	return err
}

// client builds an API client from the environment.
func (b *Backend) client() (*client, error) {
	email, key := b.getenv(EnvEmail), b.getenv(EnvAPIKey)
	var missing []string
	if email == "" {
		missing = append(missing, EnvEmail)
	}
	if key == "" {
		missing = append(missing, EnvAPIKey)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w (missing %s): set UPSTASH_EMAIL to your Upstash account email and UPSTASH_API_KEY to a Developer API key from console.upstash.com → Account → Management API",
			ErrNoCredentials, strings.Join(missing, " and "))
	}
	base, err := parseBaseURL(b.getenv(EnvAPIURL))
	if err != nil {
		return nil, err
	}
	return &client{base: base, email: email, apiKey: key, http: b.http, retry: b.retry}, nil
}

func (b *Backend) getenv(name string) string {
	if b.env.Getenv == nil {
		return ""
	}
	return strings.TrimSpace(b.env.Getenv(name))
}

// Describe names a spec for plans: "upstash acme-channels in us-central1 (gcp)".
func (b *Backend) Describe(spec provision.Spec) string {
	s, ok := spec.(*Spec)
	if !ok || s == nil {
		return "upstash"
	}
	return fmt.Sprintf("upstash %s in %s (%s)", s.Name, s.PrimaryRegion, s.Platform)
}

// Read returns the database recorded in rec. A database that is gone wraps
// provision.ErrNotFound, so the engine plans a create.
func (b *Backend) Read(ctx context.Context, rec provision.Record) (*provision.Instance, error) {
	c, err := b.client()
	if err != nil {
		return nil, err
	}
	db, err := readDatabase(ctx, c, rec.ID)
	if err != nil {
		return nil, err
	}
	return instanceFrom(db)
}

// readDatabase reads a database with its credentials; 404 and the legacy
// "deleted" state wrap provision.ErrNotFound.
func readDatabase(ctx context.Context, c *client, id string) (*Database, error) {
	if id == "" {
		return nil, fmt.Errorf("upstash: no database id recorded: %w", provision.ErrNotFound)
	}
	db, err := c.getDatabase(ctx, id, false)
	if IsStatus(err, http.StatusNotFound) {
		return nil, fmt.Errorf("upstash database %s no longer exists: %w", id, provision.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(db.State, "deleted") {
		return nil, fmt.Errorf("upstash database %s was deleted: %w", id, provision.ErrNotFound)
	}
	return db, nil
}

// Delete deletes the database in rec; one that is already gone is done.
func (b *Backend) Delete(ctx context.Context, rec provision.Record) error {
	if rec.ID == "" {
		return nil
	}
	c, err := b.client()
	if err != nil {
		return err
	}
	err = c.deleteDatabase(ctx, rec.ID)
	if err != nil && !IsStatus(err, http.StatusNotFound) {
		return err
	}
	return nil
}

// Import reads an existing database by id for `rediskit import`, returning
// it as an Instance the engine records under name. An unknown id wraps
// provision.ErrNotFound.
func (b *Backend) Import(ctx context.Context, name, id string) (*provision.Instance, error) {
	c, err := b.client()
	if err != nil {
		return nil, err
	}
	// The engine names the address being imported; messages here need not.
	db, err := readDatabase(ctx, c, strings.TrimSpace(id))
	if errors.Is(err, provision.ErrNotFound) {
		return nil, fmt.Errorf("no Upstash database with id %q is visible to this API key: %w; copy the id from the database's page in the Upstash console and check that UPSTASH_API_KEY belongs to the team that owns it", id, provision.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return instanceFrom(db)
}
