package cloudrun

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/provision"
)

// Remove takes the variable, and the CA volume and its mount, out of the
// service, waits for that revision like Write, and leaves VPC access and
// secrets alone (DeleteSecrets deletes the secrets). A service or
// variable that is gone is not an error.
func (t *Target) Remove(ctx context.Context, attrs provision.TargetAttrs) error {
	w, err := t.writer(ctx, attrs, provision.Connection{})
	if err != nil {
		return err
	}
	err = w.rollout(ctx, owned{keepVPC: true}, secretVersions{})
	if errors.Is(err, provision.ErrNotFound) {
		return nil
	}
	var failed *revisionFailed
	if errors.As(err, &failed) {
		return fmt.Errorf("%w\nThe app does not start without %s, so it was put back; deploy a version of the app that starts without it, or keep the target", err, w.s.env)
	}
	return err
}

// DeleteSecrets deletes the target's secrets that rediskit created (those
// labelled managed-by = rediskit): the URL's and the CA bundle's. A secret
// rediskit did not create is left, with a warning.
func (t *Target) DeleteSecrets(ctx context.Context, attrs provision.TargetAttrs) error {
	w, err := t.writer(ctx, attrs, provision.Connection{})
	if err != nil {
		return err
	}
	for _, id := range []string{w.s.secret, w.s.caSecret} {
		if id == "" {
			continue
		}
		if err := w.deleteSecret(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) deleteSecret(ctx context.Context, id string) error {
	name := w.s.secretName(id)
	sec, err := w.api.secret(ctx, name)
	switch {
	case isCode(err, codes.NotFound):
		return nil
	case err != nil:
		return err
	case sec.GetLabels()[ManagedByLabel] != ManagedByValue:
		w.t.warn(fmt.Sprintf("left secret %s: rediskit did not create it (it has no %s = %s label); delete it yourself if nothing else reads it", name, ManagedByLabel, ManagedByValue))
		return nil
	}
	// A delete whose answer was lost is retried into NotFound.
	err = w.api.retry.Do(ctx, func(ctx context.Context) error {
		return w.api.secrets.DeleteSecret(ctx, &secretmanagerpb.DeleteSecretRequest{Name: name, Etag: sec.GetEtag()})
	})
	if err != nil && !isCode(err, codes.NotFound) {
		return apiError(ctx, "delete secret "+name, err)
	}
	return nil
}
