package cloudrun

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"

	"cloud.google.com/go/iam"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
)

// Labels of the secrets rediskit creates; only secrets carrying them have
// old versions disabled and are deleted by --delete-secrets.
const (
	ManagedByLabel = "managed-by"
	ManagedByValue = "rediskit"
	accessorRole   = iam.RoleName("roles/secretmanager.secretAccessor")
)

// putSecret makes sure secret id holds payload in an enabled version that
// member may read, and returns that version's number. It creates the
// secret when missing and adds a version only when the newest one does not
// already hold payload (so a retried apply adds none).
func (w *writer) putSecret(ctx context.Context, id string, payload []byte, member string) (string, error) {
	name := w.s.secretName(id)
	if err := w.ensureSecret(ctx, id); err != nil {
		return "", err
	}
	version, err := w.newestHolding(ctx, name, payload)
	if err != nil {
		return "", err
	}
	if version == "" {
		sum := int64(crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		v, err := w.api.secrets.AddSecretVersion(cctx, &secretmanagerpb.AddSecretVersionRequest{Parent: name,
			Payload: &secretmanagerpb.SecretPayload{Data: payload, DataCrc32C: &sum}})
		cancel()
		if err != nil {
			return "", apiError(ctx, "add a version to secret "+name, err)
		}
		version = versionNumber(v.GetName())
	}
	if err := w.grant(ctx, name, member); err != nil {
		return "", err
	}
	return version, nil
}

// ensureSecret creates secret id with automatic replication and the
// managed-by label, unless it exists.
func (w *writer) ensureSecret(ctx context.Context, id string) error {
	name := w.s.secretName(id)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := w.api.secrets.GetSecret(cctx, &secretmanagerpb.GetSecretRequest{Name: name})
	if !isCode(err, codes.NotFound) {
		if err != nil {
			return apiError(ctx, "read secret "+name, err)
		}
		return nil
	}
	_, err = w.api.secrets.CreateSecret(cctx, &secretmanagerpb.CreateSecretRequest{
		Parent: "projects/" + w.s.project, SecretId: id,
		Secret: &secretmanagerpb.Secret{
			Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}},
			Labels:      map[string]string{ManagedByLabel: ManagedByValue},
		}})
	if err != nil && !isCode(err, codes.AlreadyExists) {
		return apiError(ctx, "create secret "+name, err)
	}
	w.progress(fmt.Sprintf("created secret %s", name))
	return nil
}

// newestHolding returns the number of the newest version of secret name
// when it is enabled and holds payload, else "".
func (w *writer) newestHolding(ctx context.Context, name string, payload []byte) (string, error) {
	versions, err := w.versions(ctx, name)
	if err != nil || len(versions) == 0 || versions[0].GetState() != secretmanagerpb.SecretVersion_ENABLED {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, err := w.api.secrets.AccessSecretVersion(cctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versions[0].GetName()})
	if err != nil {
		return "", apiError(ctx, "read the newest version of secret "+name, err)
	}
	if bytes.Equal(res.GetPayload().GetData(), payload) {
		return versionNumber(versions[0].GetName()), nil
	}
	return "", nil
}

// versions lists a secret's versions, newest first.
func (w *writer) versions(ctx context.Context, name string) ([]*secretmanagerpb.SecretVersion, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var out []*secretmanagerpb.SecretVersion
	it := w.api.secrets.ListSecretVersions(cctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: name})
	for {
		v, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, apiError(ctx, "list the versions of secret "+name, err)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *secretmanagerpb.SecretVersion) int {
		return number(versionNumber(b.GetName())) - number(versionNumber(a.GetName()))
	})
	return out, nil
}

// grant gives member roles/secretmanager.secretAccessor on secret name,
// retrying when someone else changed the policy meanwhile.
func (w *writer) grant(ctx context.Context, name, member string) error {
	h := w.api.secrets.IAM(name)
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		pol, err := h.Policy(cctx)
		if err == nil && pol.HasRole(member, accessorRole) {
			cancel()
			return nil
		}
		if err == nil {
			pol.Add(member, accessorRole)
			err = h.SetPolicy(cctx, pol)
		}
		cancel()
		switch {
		case err == nil:
			w.progress(fmt.Sprintf("granted %s on %s to %s", accessorRole, name, member))
			return nil
		case conflict(err) && attempt < w.t.attempts:
			continue
		}
		return apiError(ctx, fmt.Sprintf("grant %s on secret %s to %s", accessorRole, name, member), err)
	}
}

// pruneVersions disables the enabled versions of secret id (one rediskit
// created) older than the one now used, except keep, the one used before,
// which a rollback needs.
func (w *writer) pruneVersions(ctx context.Context, id, now, keep string) error {
	name := w.s.secretName(id)
	if managed, err := w.managed(ctx, name); err != nil || !managed {
		return err
	}
	versions, err := w.versions(ctx, name)
	if err != nil {
		return err
	}
	for _, v := range versions {
		n := versionNumber(v.GetName())
		if v.GetState() != secretmanagerpb.SecretVersion_ENABLED || number(n) >= number(now) || n == keep {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := w.api.secrets.DisableSecretVersion(cctx, &secretmanagerpb.DisableSecretVersionRequest{Name: v.GetName()})
		cancel()
		if err != nil {
			return apiError(ctx, "disable old version "+v.GetName(), err)
		}
	}
	return nil
}

// managed reports whether secret name carries rediskit's label; a missing
// secret is not managed.
func (w *writer) managed(ctx context.Context, name string) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	sec, err := w.api.secrets.GetSecret(cctx, &secretmanagerpb.GetSecretRequest{Name: name})
	if isCode(err, codes.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, apiError(ctx, "read secret "+name, err)
	}
	return sec.GetLabels()[ManagedByLabel] == ManagedByValue, nil
}

// access reads a secret version's payload ("latest" or a number).
func (c *clients) access(ctx context.Context, secret, version string) ([]byte, error) {
	name := secret + "/versions/" + version
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, err := c.secrets.AccessSecretVersion(cctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
	if err != nil {
		return nil, apiError(ctx, "read secret version "+name, err)
	}
	return res.GetPayload().GetData(), nil
}

// versionNumber is the last part of projects/P/secrets/S/versions/N.
func versionNumber(name string) string { return shortRevision(name) }

// number is a version number as an int, 0 when it is not one.
func number(v string) int {
	n, _ := strconv.Atoi(v)
	return n
}
