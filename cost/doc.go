// Package cost estimates what a Redis for a Django Channels app costs a month
// on each provider rediskit knows, from the app's usage, and says when
// switching pays off.
//
// It is pure: no network, no clock, no files. Prices are reviewed data
// shipped inside the binary (prices/*.json, one file per provider), each
// figure with the address it was read from and an "as of" date; a figure no
// source confirms is marked unconfirmed, and a price that is not in the data
// (a Memorystore region nobody checked) is reported as unknown, never
// guessed.
//
// Usage becomes billable commands through an explicit model of
// channels_redis (see Model and docs/cost-model.md): the core layer's receive
// loop runs EVAL (whose ZRANGE and DEL Upstash also bills) and a 5-second
// BZPOPMIN per always-on consumer process, about 2.1M commands a month even
// when nothing happens; the pub/sub layer sends nothing while idle. Figures
// measured by the provider (Upstash's stats) replace the model when known.
package cost
