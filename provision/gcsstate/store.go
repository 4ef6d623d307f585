// Package gcsstate keeps rediskit's state in a Cloud Storage bucket, for
// teams and CI pipelines that run rediskit from many machines.
//
// Objects, under the state block's prefix (default "rediskit"):
//
//	PREFIX/default.rediskit.json  the state (provision.EncodeState), or the
//	                              marker `rediskit state migrate` leaves
//	                              when the state moved elsewhere
//	PREFIX/default.rediskit.lock  the lock: a provision.LockInfo JSON body
//
// "default" names the workspace, so that more than one can share a prefix
// later. The lock is created with a does-not-exist precondition; its
// generation is the lock id, and unlock deletes that generation only. State
// writes carry a generation-match precondition on the generation this store
// last read (or does-not-exist when there was none), so two writers can never
// silently overwrite each other, even when the lock was bypassed.
//
// The client (api.go) speaks the JSON API over net/http with Application
// Default Credentials, and honours STORAGE_EMULATOR_HOST as Google's
// libraries do. It is built on first use, so opening a Store costs nothing.
package gcsstate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"sync"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Defaults of the state block.
const (
	DefaultPrefix         = provision.DefaultStatePrefix
	DefaultLockStaleAfter = time.Hour
)

// Object names under the prefix.
const (
	stateName = "default.rediskit.json"
	lockName  = "default.rediskit.lock"
)

// maxObjectSize bounds what is read back: a state is a few kilobytes.
const maxObjectSize = 16 << 20

// DefaultCallTimeout bounds one store operation, its retries included, so
// that a hung connection cannot hang a run holding the lock.
const DefaultCallTimeout = 2 * time.Minute

// ErrConflict is wrapped when a state write is refused because someone else
// wrote the state after this store read it.
var ErrConflict = errors.New("the state was changed by someone else")

// Config says where the state lives.
type Config struct {
	Bucket string
	// Prefix is the folder of the state objects; "" means DefaultPrefix.
	Prefix string
	// LockStaleAfter is the age past which a held lock is reported as
	// probably stale; 0 means DefaultLockStaleAfter.
	LockStaleAfter time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// CallTimeout bounds one request to Cloud Storage, its retries
	// included; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// RetryBackoff is the first pause before a retry, doubling up to 16 s;
	// 0 means 2 s, the policy of every Google API adapter.
	RetryBackoff time.Duration
	// Getenv reads the environment (STORAGE_EMULATOR_HOST); nil means
	// os.Getenv.
	Getenv func(string) string
}

// Store is a provision.StateStore in a Cloud Storage bucket. The zero value
// is not usable; use New. A Store is safe for concurrent use.
type Store struct {
	cfg Config

	mu     sync.Mutex
	client *api
	// gen is the state object's generation this store last read or wrote
	// (0: it did not exist); known says whether there was such a read.
	gen   int64
	known bool
	// heldGen is the lock generation this store took, 0 when none.
	heldGen int64
}

var _ provision.StateStore = (*Store)(nil)

// New returns a store for cfg. Nothing is contacted until the first call.
func New(cfg Config) *Store {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.LockStaleAfter <= 0 {
		cfg.LockStaleAfter = DefaultLockStaleAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = defaultBackoff
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	return &Store{cfg: cfg}
}

// Describe returns the state object's gs:// URL.
func (s *Store) Describe() string { return URL(s.cfg.Bucket, s.cfg.Prefix) }

// URL returns the gs:// URL of the state object for bucket and prefix, as
// Store.Describe reports it.
func URL(bucket, prefix string) string {
	return "gs://" + bucket + "/" + path.Join(prefix, stateName)
}

// Close releases the client's idle connections, if one was built.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		s.client.http.CloseIdleConnections()
		s.client = nil
	}
	return nil
}

func (s *Store) object(name string) string { return path.Join(s.cfg.Prefix, name) }

// connect returns the client, building it on first use.
func (s *Store) connect(ctx context.Context) (*api, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		c, err := newAPI(ctx, s.cfg.Bucket, s.cfg.Getenv)
		if err != nil {
			return nil, fmt.Errorf("connect to Cloud Storage: %w; check the Application Default Credentials "+
				"(`gcloud auth application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the CI's workload identity)", err)
		}
		s.client = c
	}
	return s.client, nil
}

// call bounds one request and its retries by Config.CallTimeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.cfg.CallTimeout, errCallTimeout)
}

// errCallTimeout is the cause of a request cut by Config.CallTimeout.
var errCallTimeout = errors.New("no answer from Cloud Storage")

// readObject returns an object's content and generation, or (nil, 0, nil)
// when it does not exist.
func (s *Store) readObject(ctx context.Context, name string) ([]byte, int64, error) {
	c, err := s.connect(ctx)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	var data []byte
	var gen int64
	err = s.retry(ctx, func(ctx context.Context) (err error) {
		data, gen, err = c.media(ctx, name, 0)
		return err
	})
	if statusOf(err) == http.StatusNotFound {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, s.explain(ctx, "read", name, err)
	}
	return data, gen, nil
}

// writeObject stores data as name if the object's generation is still
// ifGen (0: if it does not exist) and returns the new generation. A failed
// precondition gives an error for which isPrecondition is true.
func (s *Store) writeObject(ctx context.Context, name string, data []byte, ifGen int64) (int64, error) {
	c, err := s.connect(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	var m objectMeta
	err = s.retry(ctx, func(ctx context.Context) (err error) {
		m, err = c.upload(ctx, name, data, ifGen)
		return err
	})
	if err != nil {
		return 0, s.explain(ctx, "write", name, err)
	}
	return m.Generation, nil
}

// isPrecondition reports a 412 from Cloud Storage: the generation did not
// match, or the object that must not exist does.
func isPrecondition(err error) bool { return statusOf(err) == http.StatusPreconditionFailed }

// explain wraps a Cloud Storage error of a request made with ctx with
// what to check. Precondition failures are wrapped plainly: callers turn
// them into their own message.
func (s *Store) explain(ctx context.Context, op, name string, err error) error {
	where := "gs://" + s.cfg.Bucket + "/" + name
	code := statusOf(err)
	switch {
	case errors.Is(context.Cause(ctx), errCallTimeout):
		return fmt.Errorf("%s %s: %w within %s (%w); check the network and https://status.cloud.google.com, then run the command again",
			op, where, errCallTimeout, s.cfg.CallTimeout, err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w", op, where, err)
	case code == 0:
		return fmt.Errorf("%s %s: %w; check the network and the Application Default Credentials "+
			"(`gcloud auth application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the CI's workload identity)", op, where, err)
	case code == http.StatusPreconditionFailed:
		return fmt.Errorf("%s %s: %w", op, where, err)
	}
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s %s: %w; check that the credentials rediskit uses (Application Default Credentials) "+
			"have roles/storage.objectUser on bucket %s", op, where, err, s.cfg.Bucket)
	case http.StatusNotFound:
		return fmt.Errorf("%s %s: %w; check that bucket %s exists (the state block's bucket)", op, where, err, s.cfg.Bucket)
	}
	return fmt.Errorf("%s %s: %w; try again, and check https://status.cloud.google.com if it persists", op, where, err)
}
