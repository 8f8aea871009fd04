#!/usr/bin/env bash
# Runs the public HTTP caching test suite (http-cache-tests, https://cache-tests.fyi) against
# `portcullis local` with the cache on, and against nginx's proxy_cache and Varnish side by side
# when they are installed (apt-get install nginx varnish). Needs Node.js and npm. Loopback only;
# stops what it started.
#
#   bench/cache-conformance/run.sh            # results in bench/cache-conformance/out/
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
work="$(mktemp -d)"
chmod 755 "$work"  # nginx workers run as another user
mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -f "$work/varnish.pid" ]] && kill "$(cat "$work/varnish.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
npm pack --silent http-cache-tests@0.4.5 >/dev/null
tar xzf http-cache-tests-0.4.5.tgz
(cd package && npm install --silent --omit=dev --no-audit --no-fund >/dev/null)
(cd package && npm_config_port=8000 npm_config_protocol=http npm_config_pidfile="$work/server.pid" node server/server.mjs >/dev/null 2>&1) &
pids+=($!)

PORTCULLIS_NO_BUILD="${PORTCULLIS_NO_BUILD:-}" "$root/portcullis" local "$here" --http-port 8080 --admin-port 8081 \
  > "$out/portcullis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fsS -o /dev/null http://127.0.0.1:8081/readyz 2>/dev/null && break; sleep 1; done

(cd package && npm run --silent cli --base=http://127.0.0.1:8080 > "$out/portcullis.json")
echo "portcullis: $(SUITE_DIR="$work" node "$here/score.mjs" "$out/portcullis.json")"

if command -v nginx >/dev/null; then
  mkdir -p "$work/nginx-cache" "$work/nginx-tmp"
  sed "s|@WORK@|$work|g" "$here/nginx.conf" > "$work/nginx.conf"
  nginx -c "$work/nginx.conf"
  sleep 1
  (cd package && npm run --silent cli --base=http://127.0.0.1:8002 > "$out/nginx.json")
  echo "nginx:      $(SUITE_DIR="$work" node "$here/score.mjs" "$out/nginx.json")"
fi

if command -v varnishd >/dev/null; then
  varnishd -a 127.0.0.1:8003 -f "$here/varnish.vcl" -n "$work/varnish" -s malloc,64m -P "$work/varnish.pid"
  sleep 2
  (cd package && npm run --silent cli --base=http://127.0.0.1:8003 > "$out/varnish.json")
  echo "varnish:    $(SUITE_DIR="$work" node "$here/score.mjs" "$out/varnish.json")"
fi
