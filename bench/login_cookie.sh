#!/usr/bin/env bash
# Sign in through /login (GET for the CSRF token and session, POST the form) and print the session
# cookie as NAME=VALUE, ready for a Cookie header. Reads the cookies from the response headers, so
# Secure cookies over plain http on 127.0.0.1 work too.
# Usage: bench/login_cookie.sh [BASE_URL [EMAIL [PASSWORD]]]
set -euo pipefail
source "$(dirname "$0")/env.sh"
BASE=${1:-$BENCH_BASE}; EMAIL=${2:-$BENCH_ADMIN_EMAIL}; PASSWORD=${3:-$BENCH_ADMIN_PASSWORD}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cookies() { grep -i '^set-cookie:' "$1" | sed -E 's/^[Ss]et-[Cc]ookie: *([^;]*).*/\1/' | tr -d '\r'; }
curl -s -D "$tmp/h1" -o "$tmp/page" "$BASE/login"
token=$(grep -o 'name="csrf_token" value="[^"]*"' "$tmp/page" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
[ -n "$token" ] || { echo "no csrf_token on $BASE/login" >&2; exit 1; }
jar=$(cookies "$tmp/h1" | paste -sd ';' -)
code=$(curl -s -D "$tmp/h2" -o /dev/null -w '%{http_code}' -H "Cookie: $jar" -H "Referer: $BASE/login" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" \
  "$BASE/login")
session=$(cookies "$tmp/h2" | grep -i 'session=' | tail -1)
[ "$code" = 303 ] && [ -n "$session" ] || { echo "login failed (HTTP $code)" >&2; exit 1; }
echo "$session"
