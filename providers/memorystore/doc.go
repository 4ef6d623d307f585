// Package memorystore is rediskit's backend for Google Cloud Memorystore for
// Redis, driven through the real client, cloud.google.com/go/redis/apiv1,
// with the client options of package gcp (Application Default Credentials,
// or REDISKIT_GCP_ENDPOINT for the fake in memorystoretest).
//
// Creating an instance is a long-running operation of 5 to 15 minutes. The
// intent and then the operation's name are recorded in state before the
// wait; the operation is polled at most 10 s apart (not the client's
// growing minute), with progress reported from its status detail; and an
// apply that was stopped or crashed re-attaches to the operation by name
// (or adopts the instance it made) instead of creating a second one. An
// instance of the same name that rediskit did not start creating is never
// adopted: the error says how to `rediskit import` it.
//
// The AUTH string comes from GetInstanceAuthString on every read and lives
// only in Instance.URL: rediss://:AUTH@HOST:PORT/0 with transit encryption
// (on the port the API reports, 6378), and every certificate of
// server_ca_certs goes into Instance.CACert for verification and for the
// targets. Instances are Instance.Private: from outside their VPC they are
// "not reachable from here".
//
// Decode reports as diagnostics the read replica and IP range rules the
// API enforces (spec_replicas.go). Diff compares only what the stack owns,
// in the stack's form (normalize.go, sent.go): a private service access
// range's name is kept in state because the API reports the effective CIDR
// instead, so that echo never plans a replace.
package memorystore
