#!/usr/bin/env bash
# Portcullis against nginx (and HAProxy, when installed) as a reverse proxy, side by side on
# loopback: the same origin (nginx serving fixed bodies), the same client (wrk), one worker or
# event loop each, rounds interleaved A B A B so that drift on the machine hits both alike.
#
#   bench/proxy/run.sh                 # installs nginx and wrk from Debian when missing
#   ROUNDS=7 DURATION=15 bench/proxy/run.sh
#   SCENARIOS="small:50 16k:200 cached:50" bench/proxy/run.sh
#   ACCESS_LOG=stdout bench/proxy/run.sh   # Portcullis with its default JSON access log (off otherwise)
#
# For every round it prints requests/s, p50 and p99 latency, and the CPU time the proxy process
# spent per request (utime + stime from /proc/PID/stat, all of its threads: for the JVM that
# includes GC and JIT), then the ratio Portcullis/nginx, and the median ratio over the rounds.
# Results also land in bench/proxy/out/. Traffic goes only to 127.0.0.1; every process this script
# starts is stopped when it ends.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-30}"
SCENARIOS="${SCENARIOS:-small:50 small:200 16k:50 16k:200 cached:50}"
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

port_of() { case "$1" in nginx) echo 19001 ;; portcullis) echo 19002 ;; haproxy) echo 19003 ;; esac; }
pids_of() {  # the processes whose CPU time counts: every process of that proxy
  case "$1" in
    nginx) local m; m="$(cat "$work/nginx.pid")"; echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
    portcullis) echo "$portcullis_pid" ;;
    haproxy) local m; m="$(cat "$work/haproxy.pid")"; echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
  esac
}
ticks() { local t=0 p; for p in $1; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
hz="$(getconf CLK_TCK)"
path_of() { case "$1" in small) echo /small ;; 16k) echo /16k ;; cached) echo /cached/small ;; esac; }

# One wrk run; prints: rps p50_us p99_us cpu_us_per_request non2xx
measure() {
  local proxy="$1" body="$2" conns="$3" seconds="$4" ps before after report
  ps="$(pids_of "$proxy")"
  before="$(ticks "$ps")"
  report="$(wrk -t1 -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:$(port_of "$proxy")$(path_of "$body")")"
  after="$(ticks "$ps")"
  awk -v cpu=$((after - before)) -v hz="$hz" '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = us($2) }
    /^ +99%/ { p99 = us($2) }
    /Non-2xx/ { bad = $NF }
    /Socket errors/ { bad = bad "+sock" }
    END { printf "%.0f %.0f %.0f %.1f %s\n", rps, p50, p99, (n > 0 ? cpu / hz * 1000000 / n : 0), (bad == "" ? 0 : bad) }
  ' <<<"$report"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "warming up ($WARMUP s per body)..." >&2
for body in small 16k cached; do
  measure portcullis "$body" 50 "$WARMUP" >/dev/null
  for p in $proxies; do [[ $p == portcullis ]] || measure "$p" "$body" 50 3 >/dev/null; done
done

result="$out/results.txt"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(nginx -v 2>&1 | sed 's/.*: //'), $(java -version 2>&1 | head -1)"
  echo "# rounds=$ROUNDS duration=${DURATION}s event-loops=$EVENT_LOOPS java-opts='${JAVA_OPTS:-launcher default}'"
} > "$result"
printf '%-8s %-6s %-5s %-10s %9s %8s %8s %9s %7s\n' scenario conns round proxy 'req/s' 'p50 us' 'p99 us' 'cpu us/r' 'non-2xx' | tee -a "$result"
for sc in $SCENARIOS; do
  body="${sc%%:*}"; conns="${sc##*:}"
  : > "$work/rps-ratios"; : > "$work/cpu-ratios"; : > "$work/p99-ratios"
  for round in $(seq 1 "$ROUNDS"); do
    declare -A r=()
    # Alternate who goes first, so neither always runs on a machine the other just heated.
    order="$proxies"; (( round % 2 == 0 )) && order="$(echo "$proxies" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for p in $order; do
      r[$p]="$(measure "$p" "$body" "$conns" "$DURATION")"
      read -r rps p50 p99 cpu bad <<<"${r[$p]}"
      printf '%-8s %-6s %-5s %-10s %9s %8s %8s %9s %7s\n' "$body" "$conns" "$round" "$p" "$rps" "$p50" "$p99" "$cpu" "$bad" | tee -a "$result"
    done
    read -r n_rps _ n_p99 n_cpu _ <<<"${r[nginx]}"
    read -r p_rps _ p_p99 p_cpu _ <<<"${r[portcullis]}"
    awk -v a="$p_rps" -v b="$n_rps" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/rps-ratios"
    awk -v a="$p_cpu" -v b="$n_cpu" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/cpu-ratios"
    awk -v a="$p_p99" -v b="$n_p99" 'BEGIN { printf "%.3f\n", a / b }' >> "$work/p99-ratios"
    unset r
  done
  printf '%-8s %-6s portcullis/nginx per round: req/s %s | cpu/req %s | p99 %s\n' "$body" "$conns" \
    "$(paste -sd' ' "$work/rps-ratios")" "$(paste -sd' ' "$work/cpu-ratios")" "$(paste -sd' ' "$work/p99-ratios")" | tee -a "$result"
  printf '%-8s %-6s MEDIAN portcullis/nginx: req/s %s  cpu/req %s  p99 %s\n' "$body" "$conns" \
    "$(median < "$work/rps-ratios")" "$(median < "$work/cpu-ratios")" "$(median < "$work/p99-ratios")" | tee -a "$result"
done
echo "results: $result" >&2
