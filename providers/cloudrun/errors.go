package cloudrun

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/provision"
)

// maxMessage bounds how much of an API message ends up in an error.
const maxMessage = 600

// configError is a problem the stack must fix (which container to use,
// egress to a private Redis). CheckPlacement turns it into a diagnostic.
type configError struct {
	summary, detail string
}

func (e *configError) Error() string { return e.summary + ": " + e.detail }

// diagnostic is e as an HCL diagnostic; the engine points it at the block.
func (e *configError) diagnostic() *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: e.summary, Detail: e.detail}
}

// apiError wraps err from op with what the user should do next. Google's
// messages name resources, never a secret's payload. When the run was
// cancelled, the error wraps ctx's, so that the command can tell.
func apiError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	if interrupted(err) {
		return fmt.Errorf("%s: %w", op, context.Canceled)
	}
	st := status.Convert(err)
	msg := fmt.Sprintf("%s: %s", op, st.Code())
	if m := provision.Clip(st.Message(), maxMessage); m != "" {
		msg += ": " + m
	}
	if h := hint(st.Code()); h != "" {
		msg += "; " + h
	}
	return &wrapped{msg: msg, err: err}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func hint(c codes.Code) string {
	switch c {
	case codes.PermissionDenied:
		return "the account rediskit runs as needs roles/run.developer and roles/iam.serviceAccountUser on the project, and roles/secretmanager.admin for secrets (see the README's Cloud Run section)"
	case codes.Unauthenticated:
		return "run `gcloud auth application-default login` again or check GOOGLE_APPLICATION_CREDENTIALS"
	case codes.Unavailable, codes.DeadlineExceeded, codes.Internal:
		return "Google Cloud did not answer in time, also when asked again; run the command again later"
	case codes.ResourceExhausted:
		return "a Cloud Run or Secret Manager quota ran out, also when asked again; wait a minute (or raise the quota the message names) and run the command again"
	case codes.NotFound:
		return "check project, region and service in the target block (`gcloud run services list`)"
	}
	return ""
}

// isCode reports whether err carries a gRPC status with code c.
func isCode(err error, c codes.Code) bool { return err != nil && status.Code(err) == c }

// conflict reports whether an update failed because the resource changed
// since it was read (its etag is stale).
func conflict(err error) bool {
	switch status.Code(err) {
	case codes.Aborted:
		return true
	case codes.FailedPrecondition:
		return strings.Contains(strings.ToLower(status.Convert(err).Message()), "etag")
	}
	return false
}

// interrupted reports whether err comes from the run being cancelled.
func interrupted(err error) bool {
	return errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
}
