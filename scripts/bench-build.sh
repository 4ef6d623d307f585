#!/usr/bin/env bash
# Measures a cold `go build ./cmd/rediskit`: an empty GOCACHE (a temporary
# one; the module cache is kept, so downloads are not counted), as on a
# fresh machine after `go mod download`. Prints the wall time, the CPU
# time, the peak RSS of the largest process (one compile) and the binary's size, then the compile
# time of each group of packages (summed over packages, so it adds up to
# more than the wall time on several cores), as markdown table rows. Each
# compile and link runs under a small timing wrapper (-toolexec), which
# adds about a second.
#
#   scripts/bench-build.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

cat > "$work/timeit" <<'SH'
#!/usr/bin/env bash
pkg= prev=
for a in "$@"; do [ "$prev" = -p ] && pkg=$a; prev=$a; done
s=$(date +%s%N)
"$@"
rc=$?
echo "$(basename "$1") $pkg $(( ($(date +%s%N) - s) / 1000000 ))" >> "$TIMEIT_LOG"
exit $rc
SH
chmod +x "$work/timeit"

export GOCACHE=$work/cache TIMEIT_LOG=$work/log
read -r wall user sys rss < <( { /usr/bin/time -f '%e %U %S %M' go build -toolexec "$work/timeit" -o "$work/rediskit" ./cmd/rediskit; } 2>&1 | tail -1)
printf 'cold build: %.0f s wall, %.0f s CPU, largest process (a compile) peak RSS %.0f MiB, binary %.1f MB, load average after: %s\n' \
  "$wall" "$(bc -l <<<"$user+$sys")" "$(bc -l <<<"$rss/1024")" "$(bc -l <<<"$(stat -c %s "$work/rediskit")/1000000")" "$(cut -d' ' -f1 /proc/loadavg)"

awk '$1 == "compile" {
  p = $2; g = "everything else (hcl, cty, cobra, x/net, …)"
  if (p !~ /\./) g = "Go standard library"
  else if (p ~ /^github.com\/rediskit\//) g = "rediskit itself"
  else if (p ~ /^github.com\/redis\/go-redis/) g = "go-redis (one 57,000-line package)"
  else if (p ~ /^github.com\/alicebob\/miniredis|^github.com\/yuin\/gopher-lua/) g = "miniredis + gopher-lua (the embedded local server)"
  else if (p ~ /^cloud.google.com\/go\/redis\//) g = "Memorystore client (cloud.google.com/go/redis)"
  else if (p ~ /^cloud.google.com\/go\/run\//) g = "Cloud Run client (cloud.google.com/go/run)"
  else if (p ~ /^cloud.google.com\/go\/secretmanager\//) g = "Secret Manager client (cloud.google.com/go/secretmanager)"
  else if (p ~ /^(google.golang.org\/(grpc|protobuf|genproto|api)|cloud.google.com\/go|github.com\/googleapis|github.com\/google\/s2a-go|go.opentelemetry.io|golang.org\/x\/oauth2|github.com\/felixge\/httpsnoop|github.com\/go-logr|cel.dev)/) g = "shared Google base (gRPC, protobuf, auth, google.golang.org/api, OpenTelemetry API)"
  t[g] += $3; n[g]++
} END { for (g in t) printf "| %s | %d | %.0f s |\n", g, n[g], t[g] / 1000 }' "$TIMEIT_LOG" | sort -t'|' -k4 -rn
