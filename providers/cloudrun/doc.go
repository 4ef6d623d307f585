// Package cloudrun is the "cloud_run" target: it writes a Redis URL into a
// variable (REDIS_URL by default) of an existing Cloud Run service, driven
// through the real clients, cloud.google.com/go/run/apiv2 and
// cloud.google.com/go/secretmanager/apiv1, with the client options of
// package gcp (Application Default Credentials, or REDISKIT_GCP_ENDPOINT
// for the fakes in cloudruntest).
//
// # What it changes
//
// Only what rediskit owns: the variable in the chosen container (the one
// named by container, else the only one, else the one serving the port),
// the secret volume and mount holding a backend's CA bundle, and, for a
// private backend, the template's VPC access. Every other variable,
// secret reference, volume, annotation, label, client field, scaling and
// traffic setting is sent back exactly as GetService returned it, with its
// etag; when someone else updated the service in between (Aborted), it is
// read again and the change redone, a few times.
//
// With secret = "ID" the URL goes into Secret Manager: the secret is
// created when missing (automatic replication, label managed-by =
// rediskit), a version holding the URL is added (unless the newest already
// holds it), the service's runtime service account gets
// roles/secretmanager.secretAccessor on that secret, and the variable
// references the version by number — not "latest", which running
// instances would not pick up. Once the new revision is ready, older
// enabled versions of a secret rediskit created are disabled, except the
// one used before, which a rollback needs.
//
// A backend with its own CA (Memorystore with transit encryption) has the
// bundle stored as a second secret (SECRET-ca, or SERVICE-VAR-ca),
// mounted at /etc/rediskit/VAR/ca.pem, and named by the URL's
// ssl_ca_certs parameter, which redis-py reads. A private backend needs
// VPC egress into its network: a vpc block sets Direct VPC egress; without
// one the service must already have a connector or network interface
// there, which CheckPlacement checks at plan time.
//
// # Readiness and rollback
//
// Every change makes a revision. Write records the revision (and the one
// ready before it) through Connection.Record, then polls the service until
// it is no longer reconciling and that revision is the latest ready one.
// When Cloud Run gives up on it, what rediskit owned before is put back,
// that revision waited for, and the failed revision's message returned.
// An interrupted wait leaves the record in state; the next Write first
// waits for that revision and undoes it if it failed.
//
// # Reading
//
// Read returns the value new instances get: the plain value or the
// referenced secret version's payload, without the ssl_ca_certs parameter
// while the CA volume is mounted. The engine compares it by fingerprint;
// nothing here prints it.
package cloudrun
