package rediscopy

import (
	"context"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// populateScript writes keys ARGV[1] .. ARGV[1]+ARGV[2]-1 on the server
// itself, so that filling a million keys takes seconds and no client
// memory: half strings, then hashes, lists, sets, sorted sets and streams,
// 30% of them with a TTL, values of about 50 bytes.
const populateScript = `
local first, n = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = first, first + n - 1 do
  local m = i % 20
  local k = 'bench:' .. i
  local v = string.rep('v', 40) .. i
  if m < 10 then redis.call('SET', k, v)
  elseif m < 13 then redis.call('HSET', k, 'a', v, 'b', i, 'c', 'x', 'd', 'y')
  elseif m < 15 then redis.call('RPUSH', k, v, i, 'x', 'y')
  elseif m < 17 then redis.call('SADD', k, v, i, 'x', 'y')
  elseif m < 19 then redis.call('ZADD', k, 1, v, 2, i, 3.5, 'x')
  else redis.call('XADD', k, '*', 'f', v, 'g', i) end
  if math.floor(i / 20) % 10 < 3 then redis.call('PEXPIRE', k, 3600000) end
end
return n
`

// BenchmarkCopy1M copies 1,000,000 keys (REDISKIT_BENCH_KEYS) between two
// loopback redis-servers, with DUMP/RESTORE and by type. It runs only with
// REDISKIT_BENCH_COPY=1; use -benchtime=1x. REDISKIT_BENCH_BATCH sets
// Options.Batch.
func BenchmarkCopy1M(b *testing.B) {
	if os.Getenv("REDISKIT_BENCH_COPY") == "" {
		b.Skip("set REDISKIT_BENCH_COPY=1 to run (about a minute)")
	}
	n := envInt(b, "REDISKIT_BENCH_KEYS", 1_000_000)
	batch := envInt(b, "REDISKIT_BENCH_BATCH", DefaultBatch)
	src, from := server(b, redistest.Options{})
	populate(b, src, n)
	for _, mode := range []struct {
		name string
		dst  redistest.Options
	}{{"dump-restore", redistest.Options{}}, {"typed", noRestore}} {
		b.Run(mode.name, func(b *testing.B) {
			var res *Result
			var peak int64
			var cpu float64
			for b.Loop() {
				b.StopTimer()
				dst, to := server(b, mode.dst)
				resetPeakRSS(b)
				before := cpuSeconds(b, src, dst)
				b.StartTimer()
				var err error
				if res, err = Copy(context.Background(), from, to, Options{Batch: batch}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				peak = peakRSS(b)
				cpu = cpuSeconds(b, src, dst) - before
				if got := dst.DBSize(context.Background()).Val(); res.Copied != int64(n) || got != int64(n) {
					b.Fatalf("copied %d, target holds %d, want %d", res.Copied, got, n)
				}
				b.StartTimer()
			}
			secs := res.Elapsed.Seconds()
			b.ReportMetric(float64(n)/secs, "keys/s")
			b.ReportMetric(float64(res.Bytes)/secs/1e6, "MB/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			// CPU time of this process and both servers: what the copy
			// costs whatever else the machine runs. Two free cores would
			// copy n keys in cpu/2 seconds.
			b.ReportMetric(cpu, "cpu-s")
			b.ReportMetric(float64(n)/(cpu/2), "keys/s@2cores")
			b.Logf("%s: %d keys in %v (mode %s, %d bytes, %.1f CPU-s)", mode.name, n, res.Elapsed, res.Mode, res.Bytes, cpu)
		})
	}
}

func populate(b *testing.B, c *redis.Client, n int) {
	ctx := context.Background()
	const chunk = 50_000
	for first := 0; first < n; first += chunk {
		if err := c.Eval(ctx, populateScript, nil, first, min(chunk, n-first)).Err(); err != nil {
			b.Fatal(err)
		}
	}
	if got := c.DBSize(ctx).Val(); got != int64(n) {
		b.Fatalf("populated %d keys, want %d", got, n)
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

// cpuSeconds is the user and system CPU time used so far by this process
// and by the servers (INFO cpu).
func cpuSeconds(b *testing.B, servers ...*redis.Client) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	total := float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	for _, c := range servers {
		info := c.Info(context.Background(), "cpu").Val()
		for line := range strings.SplitSeq(info, "\r\n") {
			name, v, _ := strings.Cut(line, ":")
			if name == "used_cpu_sys" || name == "used_cpu_user" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatal(err)
				}
				total += f
			}
		}
	}
	return total
}

// resetPeakRSS returns freed memory to the OS and resets VmHWM to the
// current RSS (Linux: "5" in /proc/self/clear_refs).
func resetPeakRSS(b *testing.B) {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

// peakRSS reads VmHWM, the peak resident set size, in bytes.
func peakRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
