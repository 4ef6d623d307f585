// Package upstash is rediskit's backend for Upstash Redis, driven through the
// Upstash Developer API v2 (https://api.upstash.com/v2) over net/http.
//
// The wire format follows shared/reference/upstash-api.md: HTTP basic auth
// with UPSTASH_EMAIL and UPSTASH_API_KEY, tolerant decoding of the Database
// object (unknown fields, string booleans, a db_request_limit of 2^63),
// "OK" string bodies, and error bodies that are a JSON string, an object with
// "error" or "message", or plain text.
//
// Creating is guarded against duplicates and orphans: the intent is recorded
// in state before the POST, and a create that was interrupted after Upstash
// made the database adopts that database on the next attempt instead of
// making a second one. A database of the same name that rediskit did not start
// creating is never adopted; the user imports it explicitly.
//
// Passwords stay inside Instance.URL; they never reach Attrs, errors or
// anything printed.
package upstash
