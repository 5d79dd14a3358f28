#!/usr/bin/env bash
# Django admin (the peer, bench-peer/) and the portal, side by side in one sitting, on the same machine,
# with the same harness and settings. Rewrites the generated part of bench/RESULTS.md.
#
#   bench/compare.sh            # needs bench/setup.sh done; sets up the peer's venv and database if missing
#   bench/compare.sh --setup-peer   # only the peer's venv and seeded database (ahead of a quiet sitting)
#
# Env: PEER_VENV (default /tmp/bench-peer-venv; created with pip from PEER_PYTHON when missing, by default
#      the interpreter of the portal's VENV, so that both sides run on one build), PEER_DATABASE_URL
#      (default postgresql://postgres@127.0.0.1:5432/peer_django), PEER_PORT (8101), PEER_ADMIN_USER /
#      PEER_ADMIN_PASSWORD, SKIP_PEER=1 (portal only), PEER_FROM=<an earlier out/compare-* of this sitting>
#      (reuse its peer rows, e.g. when the portal's half failed), plus http_bench.sh's DURATION, CURLS, ...
set -euo pipefail
source "$(dirname "$0")/env.sh"
PEER_VENV=${PEER_VENV:-/tmp/bench-peer-venv}
portal_python=$(interpreter "$VENV")
PEER_PYTHON=${PEER_PYTHON:-$([ "$portal_python" = unknown ] && echo python3 || echo "${portal_python% *}")}
PEER_DATABASE_URL=${PEER_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/peer_django}
PEER_PORT=${PEER_PORT:-8101}
PEER_ADMIN_USER=${PEER_ADMIN_USER:-benchadmin}; PEER_ADMIN_PASSWORD=${PEER_ADMIN_PASSWORD:-benchadmin-pass}
HTTP_BENCH="$PEER_DIR/http_bench.sh"
stamp=$(date -u +%Y%m%dT%H%M%SZ); out="$BENCH_OUT/compare-$stamp"; mkdir -p "$out"
export PYTHONDONTWRITEBYTECODE=1  # leave the shared peer folder as it is

peer_venv() {
  [ -x "$PEER_VENV/bin/gunicorn" ] && "$PEER_VENV/bin/python" -c "import django, psycopg" 2>/dev/null && return
  "$PEER_PYTHON" -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q -r "$PEER_DIR/peers/django_admin/requirements.txt"
}

peer_db() {  # the peer's setup_db.sh, minus root-only steps: migrate, seed (timed), login user
  local name=${PEER_DATABASE_URL##*/} admin=${PEER_DATABASE_URL%/*}/postgres
  if [ -n "$(psql "$admin" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ] \
     && [ "$(psql "$PEER_DATABASE_URL" -Atc "SELECT to_regclass('tickets_ticket') IS NOT NULL")" = t ] \
     && [ "$(psql "$PEER_DATABASE_URL" -Atc "SELECT count(*) > 0 FROM tickets_ticket")" = t ]; then return; fi
  psql "$admin" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\""
  (cd "$PEER_DIR/peers/django_admin" && DATABASE_URL="$PEER_DATABASE_URL" "$PEER_VENV/bin/python" manage.py migrate --noinput -v0)
  DATABASE_URL="$PEER_DATABASE_URL" /usr/bin/time -f "peer seed wall %e s" "$PEER_VENV/bin/python" \
    "$PEER_DIR/seed/seed.py" ${PEER_SEED_ARGS:-} --timings-json "$out/peer-seed-timings.json" 2>&1 | tail -3
  (cd "$PEER_DIR/peers/django_admin" && DATABASE_URL="$PEER_DATABASE_URL" PW="$PEER_ADMIN_PASSWORD" \
    "$PEER_VENV/bin/python" manage.py shell -c "
import os
from django.contrib.auth import get_user_model
U = get_user_model()
if not U.objects.filter(username='$PEER_ADMIN_USER').exists():
    U.objects.create_superuser('$PEER_ADMIN_USER', 'bench@bench.example', os.environ['PW'])")
}

run_peer() {
  peer_venv; peer_db
  export RUN_DIR="$out/run" GUNICORN="$PEER_VENV/bin/gunicorn"
  trap '"$PEER_DIR/serve.sh" stop django >/dev/null 2>&1 || true' EXIT
  DATABASE_URL="$PEER_DATABASE_URL" "$PEER_DIR/serve.sh" start django "$PEER_PORT" peerproj.wsgi:application \
    "$PEER_DIR/peers/django_admin"
  local base="http://127.0.0.1:$PEER_PORT" cookie t="/admin/tickets/ticket"
  cookie=$("$PEER_DIR/get_session_cookie.sh" "$base" "$PEER_ADMIN_USER" "$PEER_ADMIN_PASSWORD")
  OUT="$out/peer.md" RUN_LABEL=django "$HTTP_BENCH" "$base" "$cookie" "P1=$t/" \
    "P2=$t/?priority__exact=high&status__exact=open" "P4=$t/?p=200" "P5=$t/500000/change/"
  DURATION=${PEER_SEARCH_DURATION:-60s} TIMEOUT=60s OUT="$out/peer.md" RUN_LABEL=django \
    "$HTTP_BENCH" "$base" "$cookie" "P3=$t/?q=refund"
  "$PEER_DIR/serve.sh" stop django; trap - EXIT
}

run_portal() {
  "$BENCH_DIR/serve.sh" start
  trap '"$BENCH_DIR/serve.sh" stop >/dev/null 2>&1 || true' EXIT
  local page; page=$("$BENCH_DIR/pages.sh" | tail -1)
  cp "$page" "$out/portal.md"
  "$BENCH_DIR/serve.sh" stop; trap - EXIT
}

rows() { grep -E '^\| [a-z]+ \| [A-Z][0-9]' "$1" 2>/dev/null || true; }
# page → "req/s server-ms" from a harness table
field() { rows "$1" | awk -F'|' -v p="$2" '{gsub(/ /, "", $3)} $3 == p {gsub(/ /, "", $5); gsub(/ /, "", $14); print $5, $14}'; }

summary() {
  echo "Side by side, $stamp: same machine, same harness (\`http_bench.sh\`: 20 sequential curls, then"
  echo "\`wrk -t2 -c8 -d15s\`; P3 on Django \`-d${PEER_SEARCH_DURATION:-60s}\`), gunicorn 4 sync workers for both."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  local peer_python; peer_python=$(interpreter "$PEER_VENV")
  echo "Interpreters: Django $peer_python; the portal $portal_python."
  [ "$peer_python" = "$portal_python" ] || echo "**The two sides ran on different interpreters: the ratios compare builds as well as code.**"
  echo
  echo "| page | Django req/s | portal req/s | ratio | Django server ms | portal server ms |"
  echo "|---|---:|---:|---:|---:|---:|"
  local p d o
  for p in P1 P2 P3 P4 P5; do
    read -r d_rps d_ms < <(field "$out/peer.md" "$p"; echo) || true
    read -r o_rps o_ms < <(field "$out/portal.md" "$p"; echo) || true
    ratio=$(awk -v a="${o_rps:-}" -v b="${d_rps:-}" 'BEGIN {if (a+0 > 0 && b+0 > 0) printf "%.1f×", a/b; else print "—"}')
    echo "| $p | ${d_rps:-—} | ${o_rps:-—} | $ratio | ${d_ms:-—} | ${o_ms:-—} |"
  done
  echo
  echo "Full harness rows (Django, then the portal):"
  echo
  echo "| run | page | path | req/s | p50 ms | p90 ms | p99 ms | non-2xx | sock err/timeouts | requests | resp KB | curl median total ms | curl median server ms | box CPU busy / CPU ms per req |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  rows "$out/peer.md"; rows "$out/portal.md"
}

if [ "${1:-}" = --setup-peer ]; then peer_venv; peer_db; echo "peer ready: $PEER_DATABASE_URL"; exit 0; fi
if [ -n "${PEER_FROM:-}" ]; then cp "$PEER_FROM/peer.md" "$out/peer.md"  # the peer's rows from a run minutes ago
elif [ "${SKIP_PEER:-0}" = 1 ]; then :; else run_peer; fi
run_portal
summary > "$out/summary.md"
results="$BENCH_DIR/RESULTS.md"
begin='<!-- compare.sh:begin -->'; end='<!-- compare.sh:end -->'
[ -f "$results" ] || printf '# Benchmark results\n\n%s\n%s\n' "$begin" "$end" > "$results"
awk -v b="$begin" -v e="$end" -v f="$out/summary.md" '
  $0 == b {print; while ((getline l < f) > 0) print l; skip=1; next}
  $0 == e {skip=0} !skip {print}' "$results" > "$results.tmp" && mv "$results.tmp" "$results"
cat "$out/summary.md"
echo "raw results: $out"
