#!/usr/bin/env bash
# Measures what each Google API client costs rediskit on its own: a program
# that only links the client (a blank import, so its package initialisation
# runs) is built in the warm cache, and its binary size and peak RSS at
# start are printed, one markdown table row a client. The rows for the
# JSON Cloud Storage client and cloud.google.com/go/storage are for
# comparison: rediskit links neither.
#
#   scripts/bench-clients.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=$(mktemp -d "$root/zz-bench-clients.XXXX") # inside the module, to use its go.mod
trap 'rm -rf "$dir"' EXIT

measure() { # measure LABEL TRANSPORT IMPORT... -> a table row
  local label=$1 transport=$2
  shift 2
  mkdir -p "$dir/p"
  { printf 'package main\n\nimport (\n'
    for i in "$@"; do printf '\t_ "%s"\n' "$i"; done
    printf ')\n\nfunc main() {}\n'; } > "$dir/p/main.go"
  go build -o "$dir/bin" "./$(basename "$dir")/p"
  local size rss
  size=$(stat -c %s "$dir/bin")
  rss=$( { /usr/bin/time -f %M "$dir/bin"; } 2>&1 )
  printf '| %s | %s | %.1f MB | %.1f MiB |\n' "$label" "$transport" "$(bc -l <<<"$size/1000000")" "$(bc -l <<<"$rss/1024")"
}

measure "nothing (an empty Go program)" "—"
measure "Memorystore: cloud.google.com/go/redis/apiv1" "gRPC" cloud.google.com/go/redis/apiv1
measure "Cloud Run: cloud.google.com/go/run/apiv2" "gRPC" cloud.google.com/go/run/apiv2
measure "Secret Manager: cloud.google.com/go/secretmanager/apiv1" "gRPC" cloud.google.com/go/secretmanager/apiv1
measure "the three together (what rediskit links)" "gRPC" cloud.google.com/go/redis/apiv1 cloud.google.com/go/run/apiv2 cloud.google.com/go/secretmanager/apiv1
measure "Cloud Storage state: net/http + golang.org/x/oauth2/google (what gcsstate uses)" "JSON/HTTP" golang.org/x/oauth2/google
measure "for comparison: google.golang.org/api/storage/v1 (not linked)" "JSON/HTTP" google.golang.org/api/storage/v1
measure "for comparison: cloud.google.com/go/storage (not linked since #17)" "JSON/HTTP + gRPC" cloud.google.com/go/storage
