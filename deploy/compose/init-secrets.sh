#!/bin/sh
# Creates every secret the Compose stack needs, once, in $1 (default /secrets): random
# passwords for the PostgreSQL owner and application roles and for Redis, the Flask secret
# key, and the URLs built from them. Existing files are kept, so restarts change nothing.
set -eu
dir="${1:-/secrets}"
mkdir -p "$dir"
umask 077

random() {
    # 64 alphanumeric characters from the kernel's CSPRNG (about 380 bits).
    head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 64
}

keep_or_make() {
    [ -s "$dir/$1" ] || random > "$dir/$1"
}

keep_or_make secret_key
keep_or_make postgres_owner_password
keep_or_make postgres_app_password
keep_or_make redis_password
keep_or_make metrics_token

pg_owner="$(cat "$dir/postgres_owner_password")"
pg_app="$(cat "$dir/postgres_app_password")"
redis="$(cat "$dir/redis_password")"
# Overridable for running the stack's pieces elsewhere (the tests do).
db="${POSTGRES_HOST:-postgres}:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-backoffice}"
owner_role="${OWNER_ROLE:-backoffice_owner}"
app_role="${APP_ROLE:-backoffice_app}"
printf 'postgresql://%s:%s@%s' "$owner_role" "$pg_owner" "$db" > "$dir/database_owner_url"
printf 'postgresql://%s:%s@%s' "$app_role" "$pg_app" "$db" > "$dir/database_url"
printf 'redis://:%s@%s:%s/0' "$redis" "${REDIS_HOST:-redis}" "${REDIS_PORT:-6379}" > "$dir/redis_url"
# Readable by the unprivileged users of the other containers (uid 10001, postgres, redis).
chmod 0444 "$dir"/*
echo "secrets ready in $dir"
