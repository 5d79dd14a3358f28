#!/usr/bin/env bash
# Create and seed the benchmark database (backoffice_bench): migrate, 200 staff, 100,000 customers,
# 1,000,000 tickets in the peer's shape, and a bench admin with a known password and two-factor secret.
# Usage: bench/setup.sh            (RESET=1 drops and recreates an existing database;
#        BENCH_TICKETS=N seeds fewer tickets, BENCH_DB=name another database,
#        BENCH_AUDIT=N audit records, default 1,000,000: appended when the database has fewer)
set -euo pipefail
source "$(dirname "$0")/env.sh"
bench_env
cd "$BENCH_ROOT"
flask() { "$VENV/bin/flask" --app wsgi "$@"; }
exists=$(psql "$PG_ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'")
if [ -n "$exists" ] && [ "${RESET:-0}" = 1 ]; then
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE \"$BENCH_DB\" WITH (FORCE)"; exists=""
fi
if [ -z "$exists" ]; then
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$BENCH_DB\""
  flask db upgrade
  echo "== seeding (timed) =="
  /usr/bin/time -f "seed wall %e s, max RSS %M KB" \
    "$VENV/bin/flask" --app wsgi seed --users 200 --customers 100000 --tickets "${BENCH_TICKETS:-1000000}" ${SEED_ARGS:-} \
    2>&1 | tee "$BENCH_OUT/seed.log"
else
  echo "$BENCH_DB exists; seeding skipped (RESET=1 to recreate)"
  flask db upgrade
fi
audit_want=${BENCH_AUDIT:-1000000}
audit_have=$(psql "$BENCH_DATABASE_URL" -Atc "SELECT coalesce(max(chain_index), 0) FROM audit.audit_log")
if [ "$audit_have" -lt "$audit_want" ]; then
  echo "== appending $((audit_want - audit_have)) audit records (timed) =="
  /usr/bin/time -f "audit seed wall %e s, max RSS %M KB" \
    "$VENV/bin/flask" --app wsgi seed --audit "$((audit_want - audit_have))" --audit-only 2>&1 | tee "$BENCH_OUT/seed-audit.log"
fi
# Vacuum and analyse what the seed and migrations wrote: a server with autovacuum off (as on the bench
# machine) would otherwise leave a migration's dead row versions and stale statistics under every page.
psql "$BENCH_DATABASE_URL" -qc "VACUUM (ANALYZE)"
flask create-admin --email "$BENCH_ADMIN_EMAIL" --name "Load Tester" --password "$BENCH_ADMIN_PASSWORD"
# The admin role requires two-factor sign-in: enrol with a secret the bench keeps (bench/login.py uses it).
"$VENV/bin/python" -m bench.bench_totp "$BENCH_ADMIN_EMAIL" "$BENCH_TOTP_FILE"
echo "bench database ready: $BENCH_DATABASE_URL (login $BENCH_ADMIN_EMAIL)"
