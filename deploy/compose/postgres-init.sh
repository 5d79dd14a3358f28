#!/bin/sh
# docker-entrypoint-initdb.d: on the first start of an empty data directory, as the superuser
# the image creates: the owner role (runs migrations) and the application role (owns nothing).
set -eu
secrets="${SECRETS_DIR:-/secrets}"
owner_role="${OWNER_ROLE:-backoffice_owner}"
app_role="${APP_ROLE:-backoffice_app}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v owner_role="$owner_role" -v app_role="$app_role" -v db="$POSTGRES_DB" \
     -v owner_pw="$(cat "$secrets/postgres_owner_password")" \
     -v app_pw="$(cat "$secrets/postgres_app_password")" <<'SQL'
CREATE ROLE :"owner_role" LOGIN PASSWORD :'owner_pw';
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO :"owner_role";
ALTER SCHEMA public OWNER TO :"owner_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app_role";
SQL
