//go:build race

package cmd

// raceEnabled is set when the tests (and so the rediskit processes they
// start, which are the test binary) run under the race detector, which
// makes every run several times slower: the crash and secret matrices then
// run their -short subset.
const raceEnabled = true
