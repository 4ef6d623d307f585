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
// The client uses Application Default Credentials and honours
// STORAGE_EMULATOR_HOST (both through cloud.google.com/go/storage). It is
// built on first use, so opening a Store costs nothing.
package gcsstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"github.com/googleapis/gax-go/v2"

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

// maxAttempts bounds the client's retries of transient errors (429, 5xx,
// broken connections), which are otherwise unlimited: a CLI should fail
// and say why rather than hang.
const maxAttempts = 5

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
	// RetryBackoff is the first pause before a retry, doubling up to 30 s;
	// 0 means the client's default (1 s).
	RetryBackoff time.Duration
}

// Store is a provision.StateStore in a Cloud Storage bucket. The zero value
// is not usable; use New. A Store is safe for concurrent use.
type Store struct {
	cfg Config

	mu     sync.Mutex
	client *storage.Client
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
	return &Store{cfg: cfg}
}

// Describe returns the state object's gs:// URL.
func (s *Store) Describe() string { return URL(s.cfg.Bucket, s.cfg.Prefix) }

// URL returns the gs:// URL of the state object for bucket and prefix, as
// Store.Describe reports it.
func URL(bucket, prefix string) string {
	return "gs://" + bucket + "/" + path.Join(prefix, stateName)
}

// Close releases the client, if one was built.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		return nil
	}
	err := s.client.Close()
	s.client = nil
	return err
}

func (s *Store) object(name string) string { return path.Join(s.cfg.Prefix, name) }

// bucket returns the bucket handle, building the client on first use.
func (s *Store) bucket(ctx context.Context) (*storage.BucketHandle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		// The client outlives this call, so it must not end with ctx.
		c, err := storage.NewClient(context.WithoutCancel(ctx), storage.WithJSONReads())
		if err != nil {
			return nil, fmt.Errorf("connect to Cloud Storage: %w; check the Application Default Credentials "+
				"(`gcloud auth application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the CI's workload identity)", err)
		}
		retry := []storage.RetryOption{storage.WithMaxAttempts(maxAttempts)}
		if s.cfg.RetryBackoff > 0 {
			retry = append(retry, storage.WithBackoff(gax.Backoff{Initial: s.cfg.RetryBackoff, Max: 30 * time.Second, Multiplier: 2}))
		}
		c.SetRetry(retry...)
		s.client = c
	}
	return s.client.Bucket(s.cfg.Bucket), nil
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
	b, err := s.bucket(ctx)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	r, err := b.Object(name).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, s.explain(ctx, "read", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxObjectSize))
	if err != nil {
		return nil, 0, s.explain(ctx, "read", name, err)
	}
	return data, r.Attrs.Generation, nil
}

// writeObject stores data as name if the object's generation is still
// ifGen (0: if it does not exist) and returns the new generation. A failed
// precondition gives an error for which isPrecondition is true.
func (s *Store) writeObject(ctx context.Context, name string, data []byte, ifGen int64) (int64, error) {
	b, err := s.bucket(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	cond := storage.Conditions{GenerationMatch: ifGen}
	if ifGen == 0 {
		cond = storage.Conditions{DoesNotExist: true}
	}
	w := b.Object(name).If(cond).NewWriter(ctx)
	// The smallest chunk: the objects are small, and unlike ChunkSize 0
	// (a single unbuffered request) it lets the client retry the upload.
	w.ChunkSize = googleapi.MinUploadChunkSize
	w.ContentType = "application/json"
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return 0, s.explain(ctx, "write", name, err)
	}
	if err := w.Close(); err != nil {
		return 0, s.explain(ctx, "write", name, err)
	}
	return w.Attrs().Generation, nil
}

// isPrecondition reports a 412 from Cloud Storage: the generation did not
// match, or the object that must not exist does.
func isPrecondition(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusPreconditionFailed
}

// explain wraps a Cloud Storage error of a request made with ctx with
// what to check. Precondition failures are wrapped plainly: callers turn
// them into their own message.
func (s *Store) explain(ctx context.Context, op, name string, err error) error {
	where := "gs://" + s.cfg.Bucket + "/" + name
	var ge *googleapi.Error
	switch {
	case errors.Is(context.Cause(ctx), errCallTimeout):
		return fmt.Errorf("%s %s: %w within %s (%w); check the network and https://status.cloud.google.com, then run the command again",
			op, where, errCallTimeout, s.cfg.CallTimeout, err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w", op, where, err)
	case !errors.As(err, &ge):
		return fmt.Errorf("%s %s: %w; check the network and the Application Default Credentials "+
			"(`gcloud auth application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the CI's workload identity)", op, where, err)
	case ge.Code == http.StatusPreconditionFailed:
		return fmt.Errorf("%s %s: %w", op, where, err)
	}
	switch ge.Code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s %s: %w; check that the credentials rediskit uses (Application Default Credentials) "+
			"have roles/storage.objectUser on bucket %s", op, where, err, s.cfg.Bucket)
	case http.StatusNotFound:
		return fmt.Errorf("%s %s: %w; check that bucket %s exists (the state block's bucket)", op, where, err, s.cfg.Bucket)
	}
	return fmt.Errorf("%s %s: %w; try again, and check https://status.cloud.google.com if it persists", op, where, err)
}
