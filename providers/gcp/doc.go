// Package gcp builds the client options every Google Cloud client of
// rediskit uses (Memorystore today, Cloud Run and Secret Manager next), so
// that credentials and the emulator switch are handled in one place.
//
// Normally clients authenticate with Application Default Credentials: the
// file named by GOOGLE_APPLICATION_CREDENTIALS (a service account key or a
// workload identity federation config, as GitHub OIDC writes it), the file
// `gcloud auth application-default login` writes, or the metadata server
// when rediskit runs on Google Cloud (Cloud Build, Compute Engine, Cloud
// Run). Off Google Cloud (or with NO_GCE_CHECK=true) and without either
// file, the missing credentials are reported at once, without probing the
// metadata server over the network.
//
// When REDISKIT_GCP_ENDPOINT is set, every client dials that host:port over
// plain gRPC without credentials, for emulators and tests, and a warning
// says so.
//
// Nothing is read or dialled until the first client needs its options.
package gcp
