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
//     otherwise), ignores output-only fields, and changes the etag and the
//     generation on every write; ConflictNext makes someone else write
//     first.
//   - Every template change makes a new revision, which becomes ready only
//     if its container could start: the fake resolves the environment the
//     way Cloud Run does (plain values, secret references, secret volumes,
//     as the revision's service account, which needs
//     roles/secretmanager.secretAccessor on each secret) and the app then
//     PINGs the URL in its REDIS_URL (Options.AppEnv) with the password in
//     it, over TLS when the URL is rediss:// — trusting the CA file named
//     by the URL's ssl_ca_certs parameter, which must be a mounted file, or
//     else the image's roots (SetImageRoots). An address that Options.Network
//     places on a private network is reached only with VPC egress into that
//     network; with ALL_TRAFFIC egress, public addresses are not reached at
//     all (no Cloud NAT). The fake never dials anything but loopback.
//   - A revision that cannot start fails: the service's terminal condition
//     carries its message, latest_ready_revision stays on the previous one,
//     and the operation ends in FAILED_PRECONDITION.
//   - Secret names in answers use the project number, as Google's do; a
//     disabled version cannot be accessed.
//
// Faults are switched on with Fail (any method, optionally after the call
// took effect), ConflictNext and SetDelay; Calls counts what each method
// saw. AddService, AddSecret and Edit change things out of band, as another
// person or tool would.
package cloudruntest
