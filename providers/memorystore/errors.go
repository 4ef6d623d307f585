package memorystore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// Short names for the codes the adapter acts on.
const (
	codeNotFound      = codes.NotFound
	codeAlreadyExists = codes.AlreadyExists
)

// maxMessage bounds how much of an API message ends up in an error.
const maxMessage = 500

// APIError is an error answer from the Memorystore API.
type APIError struct {
	// Op names what was being done, e.g. "create instance projects/…".
	Op string
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the API's message, verbatim (quota and validation
	// messages say exactly what is wrong).
	Message string
	hint    string
	err     error
}

// Error renders "memorystore: OP: CODE: MESSAGE; what to do".
func (e *APIError) Error() string {
	msg := fmt.Sprintf("memorystore: %s: %s", e.Op, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.hint != "" {
		msg += "; " + e.hint
	}
	return msg
}

// Unwrap returns the client's error, for status.Code and errors.Is.
func (e *APIError) Unwrap() error { return e.err }

// isCode reports whether err carries a gRPC status with code c.
func isCode(err error, c codes.Code) bool {
	return err != nil && status.Code(err) == c
}

// interrupted reports whether err comes from the run being cancelled.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
}

// apiError wraps err from op with what the user should do next.
func (b *Backend) apiError(op string, err error) error {
	st := status.Convert(err)
	return &APIError{Op: op, Code: st.Code(), Message: provision.Clip(st.Message(), maxMessage), hint: b.hint(st.Code()), err: err}
}

func (b *Backend) hint(c codes.Code) string {
	switch c {
	case codes.PermissionDenied:
		return "the account needs roles/redis.admin on the project (reading the AUTH string needs redis.instances.getAuthString, which only that role grants), and the Memorystore API must be enabled: `gcloud services enable redis.googleapis.com`"
	case codes.Unauthenticated:
		return "Google refused the credentials: run `gcloud auth application-default login` again, or check GOOGLE_APPLICATION_CREDENTIALS"
	case codes.ResourceExhausted:
		return "a quota was reached (Memorystore allows 30 creates a minute and 1 TB per region): wait a minute and run the command again, or ask for more quota in the Cloud console"
	case codes.InvalidArgument:
		return "check the memorystore block against the message above"
	case codes.FailedPrecondition:
		return "the instance or the project is not in a state that allows this: check the message above, wait for running operations to finish, and run the command again"
	case codes.Unavailable, codes.DeadlineExceeded:
		if b.conn.Emulated() {
			return fmt.Sprintf("nothing answered at %s=%s: start the emulator or unset the variable", gcp.EnvEndpoint, strings.TrimSpace(b.env.Getenv(gcp.EnvEndpoint)))
		}
		return "the Memorystore API did not answer: check the network and https://status.cloud.google.com, then run the command again"
	}
	return ""
}
