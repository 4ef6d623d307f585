package cloudrun

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/iam"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/providers/gcp"
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
// already hold payload, so that neither a retried apply nor a retried
// AddSecretVersion whose answer was lost adds a second one.
func (w *writer) putSecret(ctx context.Context, id string, payload []byte, member string) (string, error) {
	name := w.s.secretName(id)
	if err := w.ensureSecret(ctx, id); err != nil {
		return "", err
	}
	version, err := w.storeVersion(ctx, name, payload)
	if err != nil {
		return "", err
	}
	if err := w.grant(ctx, name, member); err != nil {
		return "", err
	}
	return version, nil
}

// storeVersion returns the newest version of secret name when it holds
// payload, else adds one. After a transient failure it looks again before
// adding, since the add may have taken effect.
func (w *writer) storeVersion(ctx context.Context, name string, payload []byte) (string, error) {
	for attempt := 1; ; attempt++ {
		version, err := w.newestHolding(ctx, name, payload)
		if err != nil || version != "" {
			return version, err
		}
		version, err = w.addVersion(ctx, name, payload)
		if err == nil {
			return version, nil
		}
		if gcp.Transient(err) && attempt < w.api.retry.Attempts && ctx.Err() == nil {
			err = w.api.retry.Wait(ctx, attempt)
		}
		if err != nil {
			return "", apiError(ctx, "add a version to secret "+name, err)
		}
	}
}

// addVersion adds payload to secret name as a new version, once, and
// returns its number.
func (w *writer) addVersion(ctx context.Context, name string, payload []byte) (string, error) {
	sum := int64(crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	cctx, cancel := context.WithTimeout(ctx, w.api.retry.CallTimeout())
	defer cancel()
	w.boundary("before AddSecretVersion " + shortRevision(name))
	v, err := w.api.secrets.AddSecretVersion(cctx, &secretmanagerpb.AddSecretVersionRequest{Parent: name,
		Payload: &secretmanagerpb.SecretPayload{Data: payload, DataCrc32C: &sum}})
	w.boundary("after AddSecretVersion " + shortRevision(name))
	if err != nil {
		return "", err
	}
	return versionNumber(v.GetName()), nil
}

// ensureSecret creates secret id with automatic replication and the
// managed-by label, unless it exists.
func (w *writer) ensureSecret(ctx context.Context, id string) error {
	name := w.s.secretName(id)
	_, err := w.api.secret(ctx, name)
	if !isCode(err, codes.NotFound) {
		return err
	}
	// A create whose answer was lost is retried into AlreadyExists.
	w.boundary("before CreateSecret " + id)
	defer w.boundary("after CreateSecret " + id)
	err = w.api.retry.Do(ctx, func(ctx context.Context) error {
		_, err := w.api.secrets.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
			Parent: "projects/" + w.s.project, SecretId: id,
			Secret: &secretmanagerpb.Secret{
				Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}},
				Labels:      map[string]string{ManagedByLabel: ManagedByValue},
			}})
		return err
	})
	if err != nil && !isCode(err, codes.AlreadyExists) {
		return apiError(ctx, "create secret "+name, err)
	}
	w.progress(fmt.Sprintf("created secret %s", name))
	return nil
}

// secret reads secret name's metadata, retrying transient errors. A
// missing secret is returned as the API's NotFound status, unwrapped.
func (c *clients) secret(ctx context.Context, name string) (*secretmanagerpb.Secret, error) {
	var sec *secretmanagerpb.Secret
	err := c.retry.Do(ctx, func(ctx context.Context) (err error) {
		sec, err = c.secrets.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: name})
		return err
	})
	if err != nil && !isCode(err, codes.NotFound) {
		return nil, apiError(ctx, "read secret "+name, err)
	}
	return sec, err
}

// newestHolding returns the number of the newest version of secret name
// when it is enabled and holds payload, else "".
func (w *writer) newestHolding(ctx context.Context, name string, payload []byte) (string, error) {
	versions, err := w.versions(ctx, name)
	if err != nil || len(versions) == 0 || versions[0].GetState() != secretmanagerpb.SecretVersion_ENABLED {
		return "", err
	}
	data, err := w.api.payload(ctx, versions[0].GetName(), "read the newest version of secret "+name)
	if err != nil {
		return "", err
	}
	if bytes.Equal(data, payload) {
		return versionNumber(versions[0].GetName()), nil
	}
	return "", nil
}

// versions lists a secret's versions, newest first, listing again from
// the start after a transient error.
func (w *writer) versions(ctx context.Context, name string) ([]*secretmanagerpb.SecretVersion, error) {
	var out []*secretmanagerpb.SecretVersion
	err := w.api.retry.Do(ctx, func(ctx context.Context) error {
		out = out[:0]
		it := w.api.secrets.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: name})
		for {
			v, err := it.Next()
			if err == iterator.Done {
				return nil
			}
			if err != nil {
				return err
			}
			out = append(out, v)
		}
	})
	if err != nil {
		return nil, apiError(ctx, "list the versions of secret "+name, err)
	}
	slices.SortFunc(out, func(a, b *secretmanagerpb.SecretVersion) int {
		return number(versionNumber(b.GetName())) - number(versionNumber(a.GetName()))
	})
	return out, nil
}

// grant gives member roles/secretmanager.secretAccessor on secret name,
// reading the policy again when someone else changed it meanwhile or a
// call failed transiently (a SetIamPolicy whose answer was lost shows up
// as the role being there).
func (w *writer) grant(ctx context.Context, name, member string) error {
	h := w.api.secrets.IAM(name)
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, w.api.retry.CallTimeout())
		pol, err := h.Policy(cctx)
		if err == nil && pol.HasRole(member, accessorRole) {
			cancel()
			return nil
		}
		if err == nil {
			pol.Add(member, accessorRole)
			w.boundary("before SetIamPolicy " + shortRevision(name))
			err = h.SetPolicy(cctx, pol)
			w.boundary("after SetIamPolicy " + shortRevision(name))
		}
		cancel()
		switch {
		case err == nil:
			w.granted = time.Now() // a revision may not see it for minutes (retryGrant)
			w.progress(fmt.Sprintf("granted %s on %s to %s", accessorRole, name, member))
			return nil
		case conflict(err) && attempt < w.api.retry.Attempts:
			continue
		case gcp.Transient(err) && attempt < w.api.retry.Attempts && ctx.Err() == nil:
			if werr := w.api.retry.Wait(ctx, attempt); werr == nil {
				continue
			}
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
		// Disabling a disabled version is no error, so a retry is safe.
		w.boundary("before DisableSecretVersion " + id + "/" + n)
		err := w.api.retry.Do(ctx, func(ctx context.Context) error {
			_, err := w.api.secrets.DisableSecretVersion(ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: v.GetName()})
			return err
		})
		w.boundary("after DisableSecretVersion " + id + "/" + n)
		if err != nil {
			return apiError(ctx, "disable old version "+v.GetName(), err)
		}
	}
	return nil
}

// managed reports whether secret name carries rediskit's label; a missing
// secret is not managed.
func (w *writer) managed(ctx context.Context, name string) (bool, error) {
	sec, err := w.api.secret(ctx, name)
	if isCode(err, codes.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return sec.GetLabels()[ManagedByLabel] == ManagedByValue, nil
}

// access reads a secret version's payload ("latest" or a number).
func (c *clients) access(ctx context.Context, secret, version string) ([]byte, error) {
	name := secret + "/versions/" + version
	return c.payload(ctx, name, "read secret version "+name)
}

// payload reads version name's payload, retrying transient errors; op
// names the read in an error.
func (c *clients) payload(ctx context.Context, name, op string) ([]byte, error) {
	var res *secretmanagerpb.AccessSecretVersionResponse
	err := c.retry.Do(ctx, func(ctx context.Context) (err error) {
		res, err = c.secrets.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
		return err
	})
	if err != nil {
		return nil, apiError(ctx, op, err)
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
