// Command rediskit provisions a Redis for a Django Channels app. All of its
// logic lives in package cmd; main only connects it to the process.
package main

import (
	"os"

	"github.com/rediskit/rediskit/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], cmd.SystemStreams(), os.Getenv))
}
