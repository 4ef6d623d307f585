#!/usr/bin/env bash
# Measures a whole no-op `rediskit plan` of examples/local.hcl as a user runs
# it: process start, stack load, state read and lock, refresh of the local
# Redis (a PING) and the .env file, diff and render. Prints the median and
# worst wall time over N runs and the peak resident memory.
#
#   scripts/bench-plan.sh [RUNS]      (default 50)
set -euo pipefail
runs=${1:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'cd "$work" && "$work/rediskit" destroy --auto-approve >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

go build -o "$work/rediskit" "$root/cmd/rediskit"
cp "$root/examples/local.hcl" "$work/stack.hcl"
cd "$work"
./rediskit apply --auto-approve >/dev/null
./rediskit plan --detailed-exitcode >/dev/null # fails the script if not a no-op

times=()
peak=0
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  rss=$( { /usr/bin/time -f '%M' ./rediskit plan --detailed-exitcode >/dev/null; } 2>&1 )
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
  (( rss > peak )) && peak=$rss
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( runs / 2 ))]}
worst=${sorted[$(( runs - 1 ))]}
printf 'no-op plan of examples/local.hcl, %d runs: median %d.%03d ms, worst %d.%03d ms, peak RSS %d.%d MiB\n' \
  "$runs" $((median / 1000)) $((median % 1000)) $((worst / 1000)) $((worst % 1000)) $((peak / 1024)) $(((peak % 1024) * 10 / 1024))
