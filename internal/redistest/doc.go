// Package redistest starts real redis-server processes for tests: each on a
// free 127.0.0.1 port, with a password and, optionally, TLS signed by a
// throwaway test CA, the way cloud providers serve Redis.
//
// StartServer is not tied to testing.T so that fakes started from testscript
// Setup can use it; Start is the usual entry point from a test.
package redistest
