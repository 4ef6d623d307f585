// Package upstashtest is an in-process fake of the Upstash Developer API v2,
// faithful to shared/reference/upstash-api.md, for rediskit's tests.
//
// It checks HTTP basic auth; accepts both the "database_name" and the "name"
// spelling on create; answers the deprecated regional "region" with 400
// "regional db creation is deprecated"; validates platform, primary and read
// regions and plans; honours ?credentials=hide; answers "OK" string bodies
// where Upstash does; and uses all three error-body shapes: a JSON string for
// validation errors (400), {"error": …} for an unknown database (404),
// {"message": …} for a wrong method (405) and plain text for 401.
//
// Every database is served by a real redis-server speaking TLS only through
// its returned port, with requirepass set to the database's password and a
// certificate for the returned endpoint ("localhost" by default). All
// certificates come from one CA, written to Server.CAFile, so that one
// SSL_CERT_FILE trusts them all.
//
// Faults are switched on with methods (Fail, SetLatency, HoldInactive,
// DropCreateResponses) or, for another process, over HTTP below /__fake/
// (see control.go), which needs no auth.
package upstashtest
