// Package cloudruntest is an in-process gRPC fake of the Cloud Run Admin
// API v2 (google.cloud.run.v2.Services and Revisions) and of Secret Manager
// v1 (google.cloud.secretmanager.v1.SecretManagerService, with its IAM
// methods), for rediskit's tests. The real clients talk to it with the
// options Google documents for fakes (see providers/gcp).
//
// Its long-running operations live in a memorystoretest.Operations, so that
// one grpc.Server can host this fake and the Memorystore fake together,
// answering google.longrunning.Operations for both, as Google's endpoint
// does for every API.
//
// The fake behaves like Cloud Run where rediskit depends on it:
//
//   - UpdateService accepts only the etag it last handed out (Aborted
//     otherwise), ignores output-only fields, fills in computed ones
//     (the default compute service account, full network names, secret
//     file modes), and changes the etag and the generation on every
//     write; ConflictNext makes someone else write first.
//   - Every template change makes a new revision, asynchronously
//     (gcp-apis.md §6b row 4): the first request after UpdateService
//     still sees the previous latest_created_revision; the revision is
//     created at the next, and starts once the delay (SetDelay) has
//     passed, whether or not anyone polls the operation. A template may
//     name its revision: the service's name and a hyphen first, unique;
//     the same name with the same configuration is that revision again,
//     with another it is refused as Cloud Run refuses it.
//   - A revision becomes ready only if its container could start: the
//     fake resolves the environment the way Cloud Run does (plain values,
//     secret references, secret volumes, as the revision's service
//     account, which needs roles/secretmanager.secretAccessor on each
//     secret, and whose fresh grants may take time to apply:
//     SetIAMPropagation) and the app then PINGs the URL in its REDIS_URL
//     (Options.AppEnv) with the password in it, over TLS when the URL is
//     rediss:// — trusting the CA file named by the URL's ssl_ca_certs
//     parameter, which must be a mounted file, or else the image's roots
//     (SetImageRoots). An address that Options.Network places on a
//     private network is reached only with VPC egress into that network;
//     with ALL_TRAFFIC egress, public addresses are not reached at all (no
//     Cloud NAT). The fake never dials anything but loopback.
//   - A revision that cannot start fails as Cloud Run reports it (§6b row
//     3): reconciling turns false and the terminal condition FAILED with
//     its message, while observed_generation, latest_ready_revision and
//     traffic_statuses keep the last serving revision's values; the
//     operation ends in FAILED_PRECONDITION. latest_*_revision are full
//     resource names, traffic names revisions by their short name.
//   - Secret names in answers use the project number, as Google's do; a
//     disabled version cannot be accessed.
//
// TestDocumentedBehaviour checks each of these rows against the fake.
//
// Faults are switched on with Fail (any method, optionally after the call
// took effect), ConflictNext and SetDelay; Calls counts what each method
// saw. AddService, AddSecret and Edit change things out of band, as another
// person or tool would.
package cloudruntest
