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
// private backend, the template's VPC access, and the name of the
// revision its update makes (template.revision). Every other variable,
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
// # One revision, named, judged and undone
//
// Everything a Write changes on the service goes into one UpdateService,
// so one revision: with Connection.Previous on the same service that
// includes taking the value out of the previous variable and CA volume.
// rediskit names that revision (SERVICE-rk-XXXXXX, template.revision) and
// records it through Connection.Record before sending the update, then
// polls the service until it is no longer reconciling and judges by
// terminal_condition whether that revision is ready; observed_generation
// is not waited for, since it never reaches a failed generation. When the
// revision fails for lack of access to a secret this Write just granted,
// it is made again, with pauses, for as long as IAM may take to apply the
// grant (seven minutes). When it fails otherwise, the template read before
// the update is sent back as it was, that rollout waited for, and the
// failed revision's message returned. An interrupted wait leaves the
// record in state; the next Write first waits for that revision and, if it
// failed, puts back what the revision ready before it held.
//
// Comparisons cover only what rediskit owns, normalised the way Cloud Run
// rewrites it (full network names, an empty subnetwork matching any, the
// default mode of secret files), so that a second Write changes nothing.
//
// # Reading
//
// Read returns the value new instances get: the plain value or the
// referenced secret version's payload, without the ssl_ca_certs parameter
// while the CA volume is mounted. The engine compares it by fingerprint;
// nothing here prints it.
package cloudrun
