// Package provision is rediskit's engine: it loads a stack file, refreshes what
// state records from the adapters, diffs the two into a Plan (plain data), and
// applies that plan step by step, writing state after every step so that an
// interrupted run resumes where it stopped.
//
// The engine knows nothing about any particular provider. Backends (where a
// Redis runs) and targets (where its URL is written) plug in through the small
// interfaces in backend.go and target.go, listed explicitly in a Registry.
//
// Secrets never leave an adapter except as Instance.URL, which the engine hands
// to verification and to targets and otherwise only ever prints masked (see
// MaskURL) or fingerprinted (see Fingerprint).
package provision
