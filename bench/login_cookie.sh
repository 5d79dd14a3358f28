#!/usr/bin/env bash
# Sign in through /login (and the two-factor code step the admin role requires) and print the session
# cookie as NAME=VALUE, ready for a Cookie header. See bench/login.py.
# Usage: bench/login_cookie.sh [BASE_URL [EMAIL [PASSWORD]]]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$BENCH_ROOT"
exec "$VENV/bin/python" -m bench.login "${1:-$BENCH_BASE}" "${2:-$BENCH_ADMIN_EMAIL}" "${3:-$BENCH_ADMIN_PASSWORD}" \
  "$BENCH_TOTP_FILE"
