#!/usr/bin/env bash
# Measure the portal's pages with the peer's HTTP harness (bench-peer/http_bench.sh: a check request,
# 20 sequential curls for the median server time, then wrk -t2 -c8 -d15s for requests/s and latency).
# The portal must be running (bench/serve.sh start). Writes bench/out/pages-<UTC time>.md.
# Usage: bench/pages.sh [NAME=PATH ...]     (default: the peer's five pages, customers, users, audit, the dashboard)
# Env: everything http_bench.sh takes (DURATION, CURLS, SKIP_WRK, ...); RUN_LABEL; SEARCH_DURATION (P3).
set -euo pipefail
source "$(dirname "$0")/env.sh"
HTTP_BENCH=${HTTP_BENCH:-$PEER_DIR/http_bench.sh}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cookie=$("$BENCH_DIR/login_cookie.sh" "$BENCH_BASE")
q() { psql "$BENCH_DATABASE_URL" -Atc "$1"; }
# The same rows the peer opens: the 500,000th ticket (P5), and a customer in the middle of the table.
ticket=$(q "SELECT id FROM support_tickets ORDER BY number OFFSET 499999 LIMIT 1")
[ -n "$ticket" ] || ticket=$(q "SELECT id FROM support_tickets ORDER BY number LIMIT 1")
customer=$(q "SELECT id FROM customers ORDER BY created_at, id OFFSET (SELECT count(*) / 2 FROM customers) LIMIT 1")
word=$(q "SELECT split_part(lower(company_name), ' ', 1) FROM customers WHERE id = '$customer'")
if [ $# -eq 0 ]; then
  set -- "P1=/tickets" "P2=/tickets?status=open&priority=high" "P4=/tickets?page=200" "P5=/tickets/$ticket" \
    "C1=/customers" "C2=/customers?q=$word" "C3=/customers?tier=enterprise&status=active&sort=company" \
    "C4=/customers/$customer" "U1=/users" "A1=/audit" "D1=/"
  search=("P3=/tickets?q=refund")
else
  search=()
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$BENCH_OUT/pages-$stamp.md"
{
  echo "# Backoffice pages, $stamp"
  echo
  echo "Portal: gunicorn wsgi:app, 4 sync workers, $BENCH_BASE, database $BENCH_DB;"
  echo "tickets: $(q 'SELECT count(*) FROM support_tickets'), customers: $(q 'SELECT count(*) FROM customers'),"
  echo "audit records: $(q 'SELECT coalesce(max(chain_index), 0) FROM audit.audit_log');"
  echo "machine: $(nproc) CPUs, loadavg at start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
} > "$out"
OUT="$out.rows" RUN_LABEL=${RUN_LABEL:-portal} "$HTTP_BENCH" "$BENCH_BASE" "$cookie" "$@" | tee "$out.log"
if [ ${#search[@]} -gt 0 ]; then
  DURATION=${SEARCH_DURATION:-15s} OUT="$out.rows" RUN_LABEL=${RUN_LABEL:-portal} \
    "$HTTP_BENCH" "$BENCH_BASE" "$cookie" "${search[@]}" | tee -a "$out.log"
fi
cat "$out.rows" >> "$out"; rm -f "$out.rows" "$out.log"
echo "$out"
