// Package providers lists the adapters rediskit ships: the backends that
// run a Redis and the targets that receive its URL. The list is explicit;
// nothing registers itself.
package providers

import (
	"github.com/rediskit/rediskit/providers/cloudrun"
	"github.com/rediskit/rediskit/providers/dotenv"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/providers/memorystore"
	"github.com/rediskit/rediskit/providers/upstash"
	"github.com/rediskit/rediskit/provision"
)

// Default returns a registry with every adapter. Adapters build their API
// clients lazily, so listing one costs nothing until a stack uses it.
func Default(env provision.Env) *provision.Registry {
	reg := provision.NewRegistry()
	reg.AddBackend(local.New(env))
	reg.AddBackend(upstash.New(env))
	// One connector for every Google adapter: credentials are settled once
	// and the emulator warning is shown once per run.
	google := gcp.New(env)
	reg.AddBackend(memorystore.New(env, google))
	reg.AddTarget(dotenv.New(env))
	reg.AddTarget(cloudrun.New(env, google))
	return reg
}
