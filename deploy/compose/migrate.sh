#!/bin/sh
# The one-shot `migrate` step (Compose service, Kubernetes Job), as the schema owner:
# migrations, the application role's privileges, the built-in roles, and an admin on the very
# first start (its one-time password is printed in this step's log).
set -eu
export DATABASE_URL_FILE="${DATABASE_OWNER_URL_FILE:-/secrets/database_owner_url}"
flask --app wsgi wait-for-services --timeout 120
flask --app wsgi db upgrade
flask --app wsgi db-grant "${APP_ROLE:-backoffice_app}"
flask --app wsgi ensure-roles
if [ -z "$(flask --app wsgi users list --role admin --limit 1)" ]; then
    flask --app wsgi create-admin --email "${ADMIN_EMAIL:-admin@example.com}" --name Administrator --generate
fi
