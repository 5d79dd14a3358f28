# Shared settings for the bench scripts (sourced, not run). Every value can be overridden from the environment.
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$BENCH_ROOT/bench"
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
BENCH_DB=${BENCH_DB:-backoffice_bench}
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/$BENCH_DB}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}
BENCH_PORT=${BENCH_PORT:-8100}
BENCH_BASE=${BENCH_BASE:-http://127.0.0.1:$BENCH_PORT}
BENCH_ADMIN_EMAIL=${BENCH_ADMIN_EMAIL:-bench-admin@example.com}
BENCH_ADMIN_PASSWORD=${BENCH_ADMIN_PASSWORD:-wrk measures pages 2026}
BENCH_OUT=${BENCH_OUT:-$BENCH_DIR/out}
BENCH_TOTP_FILE=${BENCH_TOTP_FILE:-$BENCH_OUT/$BENCH_DB-admin-totp.secret}  # one per database: each enrols its own secret
PEER_DIR=${PEER_DIR:-$BENCH_ROOT/../shared/bench-peer}
[ -d "$PEER_DIR" ] || PEER_DIR=/work/shared/bench-peer
VENV=${VENV:-$BENCH_ROOT/.venv}
mkdir -p "$BENCH_OUT"

# The app runs as in production: secure cookies, no debug; a fixed bench-only secret.
bench_env() {
  export DATABASE_URL="$BENCH_DATABASE_URL" REDIS_URL="$BENCH_REDIS_URL" BACKOFFICE_ENV=production
  export SECRET_KEY=${SECRET_KEY:-bench-only-secret-key-not-for-production-use-0123456789abcdef}
  export LOG_LEVEL=${LOG_LEVEL:-WARNING}
}

# The CPython build a venv runs on ("<executable> <version>", or "unknown"): builds of one version differ
# in speed, so the two sides of bench/compare.sh must run on the same one.
interpreter() {
  "$1/bin/python" -c 'import platform, sys; print(sys._base_executable, platform.python_version())' 2>/dev/null \
    || echo unknown
}
