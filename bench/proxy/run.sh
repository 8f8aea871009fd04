#!/usr/bin/env bash
# Portcullis against nginx (and HAProxy, when installed) as a reverse proxy, side by side on
# loopback: the same origin (nginx serving fixed bodies), the same client (wrk), one worker or
# event loop each, rounds interleaved A B A B so that drift on the machine hits both alike.
#
#   bench/proxy/run.sh                 # installs nginx and wrk from Debian when missing
#   ROUNDS=7 DURATION=15 bench/proxy/run.sh
#   SCENARIOS="small:50 16k:200 cached:50" bench/proxy/run.sh
#   SCENARIOS="browser:50" bench/proxy/run.sh   # 100 B answers to a browser's 1 KiB request head
#   ACCESS_LOG=stdout bench/proxy/run.sh   # Portcullis with its default JSON access log (off otherwise)
#   FLOOR=1 bench/proxy/run.sh         # also the JVM floor: FloorProxy pipe and http (see below)
#
# For every round it prints requests/s, p50 and p99 latency, and the CPU time the proxy process
# spent per request (utime + stime from /proc/PID/stat, all of its threads: for the JVM that
# includes GC and JIT; also split into user and system time), then the ratio of every other proxy
# to nginx, and the median ratio over the rounds.
#
# With FLOOR=1 two more JVM processes take part, from bench/jmh's FloorProxy (build it first:
# ./mvnw -pl bench/jmh -am package -DskipTests): "pipe" relays bytes between paired connections
# with Netty and nothing else, "nettyhttp" adds only Netty's HTTP/1.1 codecs. They are what a JVM
# proxy built on Netty cannot go below, without and with parsing HTTP.
#
# Results also land in bench/proxy/out/. Traffic goes only to 127.0.0.1; every process this
# script starts is stopped when it ends.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-30}"
SCENARIOS="${SCENARIOS:-small:50 small:200 16k:50 16k:200 browser:50 cached:50}"
EVENT_LOOPS="${EVENT_LOOPS:-1}"
JAVA_OPTS="${PORTCULLIS_JAVA_OPTS:-}"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nginx || ! need wrk; then
  echo "installing nginx and wrk from Debian..." >&2
  (apt-get update -q && apt-get install -y -q nginx-light wrk || apt-get install -y -q nginx wrk) >/dev/null
fi

work="$(mktemp -d)"
chmod 755 "$work"  # nginx workers may run as another user
mkdir -p "$out" "$work/tmp" "$work/www/cached" "$work/nginx-cache"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in backend nginx haproxy; do
    [[ -f "$work/$f.pid" ]] && kill "$(cat "$work/$f.pid")" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

# Bodies: about 100 bytes, and 16 KiB.
head -c 100 /dev/zero | tr '\0' 'a' > "$work/www/small"
head -c 16384 /dev/zero | tr '\0' 'b' > "$work/www/16k"
cp "$work/www/small" "$work/www/cached/small"
for f in backend.conf nginx-proxy.conf haproxy.cfg; do sed "s|@WORK@|$work|g" "$here/$f" > "$work/$f"; done

nginx -c "$work/backend.conf"
nginx -c "$work/nginx-proxy.conf"
proxies="nginx portcullis"
if need haproxy && [[ "${HAPROXY:-1}" != 0 ]]; then
  haproxy -D -f "$work/haproxy.cfg"
  proxies="nginx portcullis haproxy"
fi

# No access log on either side (nginx: access_log off); ACCESS_LOG=stdout measures Portcullis with its
# default JSON access log (written to a file here), which the proxies' figures then include.
PORTCULLIS_JAVA_OPTS="$JAVA_OPTS" "$root/portcullis" local "$here/site" --http-port 19002 --https-port -1 \
  --admin-port 19901 --event-loops "$EVENT_LOOPS" --access-log "${ACCESS_LOG:-off}" > "$out/portcullis.log" 2>&1 &
portcullis_pid=$!
pids+=("$portcullis_pid")
for _ in $(seq 1 300); do curl -fsS -o /dev/null http://127.0.0.1:19901/readyz 2>/dev/null && break; sleep 1; done
curl -fsS -o /dev/null http://127.0.0.1:19002/small || { echo "portcullis does not serve; see $out/portcullis.log" >&2; exit 1; }

floor_pids=()
if [[ "${FLOOR:-0}" != 0 ]]; then
  jar="$root/bench/jmh/target/bench-0.1.0-SNAPSHOT.jar"
  [[ -f "$jar" ]] || { echo "FLOOR=1 needs $jar: ./mvnw -pl bench/jmh -am package -DskipTests" >&2; exit 1; }
  for mode_port in pipe:19004 http:19005; do
    # shellcheck disable=SC2086
    java ${JAVA_OPTS:--XX:+UseParallelGC} -cp "$jar:$root/bench/jmh/target/lib/*" dev.portcullis.bench.FloorProxy \
      "${mode_port%%:*}" "${mode_port##*:}" 19000 > "$out/floor-${mode_port%%:*}.log" 2>&1 &
    floor_pids+=($!); pids+=($!)
  done
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null http://127.0.0.1:19004/small 2>/dev/null && curl -fsS -o /dev/null http://127.0.0.1:19005/small 2>/dev/null && break
    sleep 0.2
  done
  for port in 19004 19005; do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/small" \
      || { echo "the floor proxy on port $port does not serve; see $out/floor-*.log" >&2; exit 1; }
  done
  proxies="$proxies pipe nettyhttp"
fi

port_of() { case "$1" in nginx) echo 19001 ;; portcullis) echo 19002 ;; haproxy) echo 19003 ;; pipe) echo 19004 ;; nettyhttp) echo 19005 ;; esac; }
pids_of() {  # the processes whose CPU time counts: every process of that proxy
  case "$1" in
    nginx) local m; m="$(cat "$work/nginx.pid")"; echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
    portcullis) echo "$portcullis_pid" ;;
    haproxy) local m; m="$(cat "$work/haproxy.pid")"; echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
    pipe) echo "${floor_pids[0]}" ;;
    nettyhttp) echo "${floor_pids[1]}" ;;
  esac
}
# utime and stime of the processes, in clock ticks
ticks() {
  local u=0 s=0 p a b
  for p in $1; do
    read -r a b < <(awk '{print $14, $15}' "/proc/$p/stat" 2>/dev/null || echo 0 0)
    u=$((u + a)); s=$((s + b))
  done
  echo "$u $s"
}
hz="$(getconf CLK_TCK)"
path_of() { case "$1" in small|browser) echo /small ;; 16k) echo /16k ;; cached) echo /cached/small ;; esac; }
# The browser scenario sends a browser's 1 KiB head (browser.lua) instead of wrk's few bytes.
script_of() { case "$1" in browser) echo "-s $here/browser.lua" ;; esac; }

# One wrk run; prints: rps p50_us p99_us cpu_us_per_request non2xx user_us_per_request sys_us_per_request
measure() {
  local proxy="$1" body="$2" conns="$3" seconds="$4" ps u0 s0 u1 s1 report
  ps="$(pids_of "$proxy")"
  read -r u0 s0 <<<"$(ticks "$ps")"
  # shellcheck disable=SC2046
  report="$(wrk -t1 -c"$conns" -d"${seconds}s" --latency $(script_of "$body") "http://127.0.0.1:$(port_of "$proxy")$(path_of "$body")")"
  read -r u1 s1 <<<"$(ticks "$ps")"
  awk -v usr=$((u1 - u0)) -v sys=$((s1 - s0)) -v hz="$hz" '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = us($2) }
    /^ +99%/ { p99 = us($2) }
    /Non-2xx/ { bad = $NF }
    /Socket errors/ { bad = bad "+sock" }
    function per(t) { return n > 0 ? t / hz * 1000000 / n : 0 }
    END { printf "%.0f %.0f %.0f %.1f %s %.1f %.1f\n", rps, p50, p99, per(usr + sys), (bad == "" ? 0 : bad), per(usr), per(sys) }
  ' <<<"$report"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Every scenario is warmed at its own body and connection count: the JIT compiles for what it
# has seen, and a JVM warmed at 50 connections still recompiles during its first rounds at 200.
echo "warming up ($WARMUP s per scenario)..." >&2
for sc in $SCENARIOS; do
  body="${sc%%:*}"; conns="${sc##*:}"
  measure portcullis "$body" "$conns" "$WARMUP" >/dev/null
  for p in $proxies; do
    case "$p" in
      portcullis) ;;
      pipe|nettyhttp) [[ $body == cached ]] || measure "$p" "$body" "$conns" $((WARMUP / 2)) >/dev/null ;;
      *) measure "$p" "$body" "$conns" 3 >/dev/null ;;
    esac
  done
done

result="$out/results.txt"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(nginx -v 2>&1 | sed 's/.*: //'), $(java -version 2>&1 | head -1)"
  echo "# rounds=$ROUNDS duration=${DURATION}s event-loops=$EVENT_LOOPS java-opts='${JAVA_OPTS:-launcher default}'"
} > "$result"
printf '%-8s %-6s %-5s %-10s %9s %8s %8s %9s %7s %9s %9s\n' scenario conns round proxy 'req/s' 'p50 us' 'p99 us' 'cpu us/r' 'non-2xx' \
  'user us/r' 'sys us/r' | tee -a "$result"
for sc in $SCENARIOS; do
  body="${sc%%:*}"; conns="${sc##*:}"
  others="$(echo "$proxies" | tr ' ' '\n' | grep -v '^nginx$' | tr '\n' ' ')"
  # The floor proxies do not cache: a cache-hit round is nginx, Portcullis (and HAProxy, forwarding).
  [[ $body == cached ]] && others="$(echo "$others" | tr ' ' '\n' | grep -vE '^(pipe|nettyhttp)$' | tr '\n' ' ')"
  for p in $others; do : > "$work/$p-rps"; : > "$work/$p-cpu"; : > "$work/$p-p99"; done
  for round in $(seq 1 "$ROUNDS"); do
    declare -A r=()
    # Alternate who goes first, so neither always runs on a machine the other just heated.
    order="nginx $others"; (( round % 2 == 0 )) && order="$(echo "nginx $others" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for p in $order; do
      r[$p]="$(measure "$p" "$body" "$conns" "$DURATION")"
      read -r rps p50 p99 cpu bad usr sys <<<"${r[$p]}"
      printf '%-8s %-6s %-5s %-10s %9s %8s %8s %9s %7s %9s %9s\n' "$body" "$conns" "$round" "$p" "$rps" "$p50" "$p99" "$cpu" "$bad" \
        "$usr" "$sys" | tee -a "$result"
    done
    read -r n_rps _ n_p99 n_cpu _ <<<"${r[nginx]}"
    for p in $others; do
      read -r o_rps _ o_p99 o_cpu _ <<<"${r[$p]}"
      awk -v a="$o_rps" -v b="$n_rps" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/$p-rps"
      awk -v a="$o_cpu" -v b="$n_cpu" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/$p-cpu"
      awk -v a="$o_p99" -v b="$n_p99" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/$p-p99"
    done
    unset r
  done
  for p in $others; do
    printf '%-8s %-6s %s/nginx per round: req/s %s | cpu/req %s | p99 %s\n' "$body" "$conns" "$p" \
      "$(paste -sd' ' "$work/$p-rps")" "$(paste -sd' ' "$work/$p-cpu")" "$(paste -sd' ' "$work/$p-p99")" | tee -a "$result"
  done
  for p in $others; do
    printf '%-8s %-6s MEDIAN %s/nginx: req/s %s  cpu/req %s  p99 %s\n' "$body" "$conns" "$p" \
      "$(median < "$work/$p-rps")" "$(median < "$work/$p-cpu")" "$(median < "$work/$p-p99")" | tee -a "$result"
  done
done
echo "results: $result" >&2
