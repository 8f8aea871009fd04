#!/usr/bin/env bash
# What metrics, the access log and trace propagation cost in throughput: `portcullis demo` (one
# event loop, the quickstart's echo backends) under wrk, this build against another build of the
# project (BASE: a checkout made before observability, already built with
# `./mvnw -DskipTests package`), in turns. Loopback only; stops what it starts.
#
#   bench/observability/run.sh /path/to/base-checkout [rounds] [seconds]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base="${1:?usage: run.sh BASE_CHECKOUT [rounds] [seconds]}"
rounds="${2:-3}"
seconds="${3:-15}"
command -v wrk >/dev/null || { echo "run.sh: wrk is needed (apt-get install wrk)" >&2; exit 1; }
out="$here/bench/observability/out"
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time of a process and its threads so far, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME HOME [extra flags...]: prints requests per second and the JVM's CPU time per request
# (microseconds): on a machine others use too, CPU per request says more than throughput.
run() {
  local name="$1" home="$2"; shift 2
  local http admin pid rps java before after requests result
  http="$(free_port)"; admin="$(free_port)"
  PORTCULLIS_NO_BUILD=1 "$home/portcullis" demo --http-port "$http" --admin-port "$admin" --https-port -1 \
      --event-loops 1 "$@" > "$out/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null -H 'Host: demo.local' "http://127.0.0.1:$http/" && break
    sleep 0.2
  done
  # Warm up the JIT, then measure.
  wrk -t1 -c32 -d5s -H 'Host: demo.local' "http://127.0.0.1:$http/" > /dev/null
  java="$(pgrep -P "$pid" java || echo "$pid")"
  before="$(cpu "$java")"
  result="$(wrk -t1 -c32 -d"${seconds}s" -H 'Host: demo.local' "http://127.0.0.1:$http/")"
  after="$(cpu "$java")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$result")"
  requests="$(awk '/requests in/ {print $1}' <<<"$result")"
  if [ "$name" != "${name#current}" ]; then
    curl -fs "http://127.0.0.1:$admin/metrics" > "$out/$name.metrics" || true
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v r="$rps" -v n="$requests" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%10.0f %10.1f\n", r, t / hz * 1e6 / n }'
}

printf '%-28s %10s %10s\n' "run" "req/s" "cpu-us/req" | tee "$out/results.txt"
for round in $(seq 1 "$rounds"); do
  printf '%-28s %s\n' "base-$round" "$(run "base-$round" "$base")" | tee -a "$out/results.txt"
  printf '%-28s %s\n' "current-nolog-$round" "$(run "current-nolog-$round" "$here" --access-log off)" \
      | tee -a "$out/results.txt"
  printf '%-28s %s\n' "current-log-$round" "$(run "current-log-$round" "$here" --access-log "$out/access-$round.log")" \
      | tee -a "$out/results.txt"
  rm -f "$out/access-$round.log"
done
