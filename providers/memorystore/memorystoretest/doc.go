// Package memorystoretest is an in-process gRPC fake of the Memorystore for
// Redis API v1 (google.cloud.redis.v1.CloudRedis) and of the long-running
// operations service (google.longrunning.Operations), for rediskit's tests.
// The real client, cloud.google.com/go/redis/apiv1, talks to it with the
// options Google documents for fakes (see providers/gcp).
//
// Every instance is served by a real redis-server on 127.0.0.1: requirepass
// is the instance's AUTH string when AUTH is on, and with transit encryption
// the server speaks TLS only, with a certificate from a test CA that is
// listed in server_ca_certs (after an unrelated CA, as a rotation would
// leave it). The instance reports host 127.0.0.1 and that server's port.
//
// It refuses what the API refuses (gcp-apis.md §1.4 and §6b rows 7 and 8):
// read replicas without read_replicas_mode READ_REPLICAS_ENABLED, under
// 5 GB, on BASIC or with a reserved range smaller than /28; turning them
// on without secondary_ip_range in the same update, or off at all; a CIDR
// where private service access takes a range name and the reverse; and
// update masks that are empty or name a field fixed at creation. It fills
// in what the API computes: the full network name, the effective CIDR
// instead of a private service access range's name, nodes, zones, the read
// endpoint of an instance with read replicas, and the persistence
// identity (rules.go).
//
// Creates, updates, upgrades and deletes are operations that finish once
// the delay set with SetDelay has passed since they started, when a client
// next reads them. Faults are switched on with Fail (any method, optionally
// after the call took effect, as when an answer is lost), FailNextOperation
// (an operation that ends in error), SetUnreachable (instances on a port
// where nothing listens) and SetState; Calls counts what each method saw.
//
// Operations is a separate type so that one grpc.Server can host this fake
// together with others (Cloud Run, Secret Manager) whose clients poll the
// same google.longrunning.Operations service.
package memorystoretest
