package gcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/rediskit/rediskit/provision"
)

// EnvEndpoint names the variable that sends every Google API call to an
// emulator at host:port, without TLS or credentials.
const EnvEndpoint = "REDISKIT_GCP_ENDPOINT"

// cloudPlatformScope is the OAuth scope every rediskit client needs.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// ErrNoCredentials is wrapped when no Application Default Credentials can be
// found.
var ErrNoCredentials = errors.New("no Google Application Default Credentials found")

// Connector settles, once per run, how Google API clients connect. Share one
// Connector between the adapters of a run so that the emulator warning is
// shown once and credentials are read once.
type Connector struct {
	env provision.Env
	// dmiProductFile is read to tell a Google Cloud machine; a field so
	// that tests can point it elsewhere.
	dmiProductFile string

	mu   sync.Mutex
	done bool
	opts []option.ClientOption
	err  error
}

// New returns a Connector reading env. It reads and dials nothing.
func New(env provision.Env) *Connector {
	return &Connector{env: env, dmiProductFile: "/sys/class/dmi/id/product_name"}
}

// Emulated reports whether REDISKIT_GCP_ENDPOINT sends calls to an emulator.
func (c *Connector) Emulated() bool { return c.getenv(EnvEndpoint) != "" }

// ClientOptions returns the options to pass to a Google API client
// constructor: the emulator options when REDISKIT_GCP_ENDPOINT is set (and a
// warning through env.Warn, once), else Application Default Credentials. The
// first call decides; later calls return the same options or error. A
// missing credential wraps ErrNoCredentials and says how to provide one.
func (c *Connector) ClientOptions(ctx context.Context) ([]option.ClientOption, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.opts, c.err = c.settle(ctx)
		c.done = true
	}
	return c.opts, c.err
}

func (c *Connector) settle(ctx context.Context) ([]option.ClientOption, error) {
	// The Google libraries can log requests and responses when asked to by
	// their environment variables; an AUTH string must never reach a log.
	quiet := option.WithLogger(slog.New(slog.DiscardHandler))
	if endpoint := c.getenv(EnvEndpoint); endpoint != "" {
		opts, err := emulatorOptions(endpoint)
		if err != nil {
			return nil, err
		}
		c.warn(fmt.Sprintf("%s=%s: Google API calls go to that endpoint without TLS or credentials; this is for emulators and tests only, unset it to use Google Cloud", EnvEndpoint, endpoint))
		return append(opts, quiet), nil
	}
	creds, err := c.detect(ctx)
	if err != nil {
		return nil, err
	}
	return []option.ClientOption{option.WithAuthCredentials(creds), quiet}, nil
}

// emulatorOptions are Google's documented options for a local fake.
func emulatorOptions(endpoint string) ([]option.ClientOption, error) {
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("%s=%q is not host:port; set it to the emulator's address, such as 127.0.0.1:8085, or unset it to use Google Cloud", EnvEndpoint, endpoint)
	}
	return []option.ClientOption{
		option.WithEndpoint(endpoint),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}, nil
}

// detect finds Application Default Credentials. It names the file itself
// (so that the environment rediskit was given is the one used) and only
// lets the library ask the metadata server when this looks like Google
// Cloud, since elsewhere that probe goes out over the network and hangs.
func (c *Connector) detect(ctx context.Context) (*auth.Credentials, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts := &credentials.DetectOptions{Scopes: []string{cloudPlatformScope}}
	file, fromEnv := c.credentialsFile()
	var creds *auth.Credentials
	var err error
	switch {
	case file != "":
		creds, err = fromFile(file, opts)
	case !c.onGoogleCloud():
		return nil, fmt.Errorf("%w: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key or workload identity federation file (in GitHub Actions, google-github-actions/auth sets it); the account needs roles/redis.admin on the project", ErrNoCredentials)
	default:
		creds, err = credentials.DetectDefault(opts)
	}
	if err != nil {
		return nil, credentialsError(file, fromEnv, err)
	}
	return creds, nil
}

// adcTypes are the credential file types Application Default Credentials
// accept. A file of another type is refused rather than trusted blindly.
var adcTypes = []credentials.CredType{credentials.ServiceAccount, credentials.AuthorizedUser,
	credentials.ExternalAccount, credentials.ImpersonatedServiceAccount, credentials.ExternalAccountAuthorizedUser}

// fromFile reads a credentials file of one of adcTypes.
func fromFile(file string, opts *credentials.DetectOptions) (*auth.Credentials, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, errors.New("not a JSON credentials file")
	}
	if !slices.Contains(adcTypes, credentials.CredType(head.Type)) {
		return nil, fmt.Errorf("credentials of type %q are not supported", head.Type)
	}
	return credentials.NewCredentialsFromJSON(credentials.CredType(head.Type), b, opts)
}

func credentialsError(file string, fromEnv bool, err error) error {
	switch {
	case fromEnv:
		return fmt.Errorf("%w: GOOGLE_APPLICATION_CREDENTIALS names %s, which cannot be used (%v); fix the path or the file, or unset it to use `gcloud auth application-default login`", ErrNoCredentials, file, err)
	case file != "":
		return fmt.Errorf("%w: the gcloud credentials in %s cannot be used (%v); run `gcloud auth application-default login` again", ErrNoCredentials, file, err)
	}
	return fmt.Errorf("%w: the metadata server gave none (%v); attach a service account to this machine or job, or set GOOGLE_APPLICATION_CREDENTIALS", ErrNoCredentials, err)
}

func (c *Connector) getenv(name string) string {
	if c.env.Getenv == nil {
		return ""
	}
	return strings.TrimSpace(c.env.Getenv(name))
}

func (c *Connector) warn(msg string) {
	if c.env.Warn != nil {
		c.env.Warn(msg)
	}
}
