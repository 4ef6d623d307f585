package provision

import (
	"context"
	"fmt"
)

// SecretDeleter is optionally implemented by a Target that keeps the URL
// in a secret store (Cloud Run with Secret Manager). Unbinding leaves such
// secrets, since other services may read them; `rediskit destroy
// --delete-secrets` (ApplyOptions.DeleteSecrets) deletes them too.
type SecretDeleter interface {
	// DeleteSecrets deletes the secrets the target created for attrs,
	// after Remove. Secrets that are gone are not an error.
	DeleteSecrets(ctx context.Context, attrs TargetAttrs) error
}

// deleteSecrets deletes an unbound target's secrets when asked to.
func (a *applier) deleteSecrets(ctx context.Context, target Target, address string, attrs TargetAttrs) error {
	sd, ok := target.(SecretDeleter)
	if !a.opts.DeleteSecrets || !ok {
		return nil
	}
	a.before("delete secrets of", address)
	err := sd.DeleteSecrets(ctx, attrs)
	a.after("delete secrets of", address)
	if err != nil {
		return fmt.Errorf("the value was removed, but deleting its secrets failed: %w", err)
	}
	return nil
}
