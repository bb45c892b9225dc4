#!/bin/sh
# Start script of the pa-test Letta image, modelled on the official letta/server/startup.sh for an
# external Postgres: prepare the schema, then `letta server`. The official image's embedded Postgres,
# Redis and OpenTelemetry collector are not included, so LETTA_PG_URI is required.
set -eu

HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8283}"

if [ -z "${LETTA_PG_URI:-}" ]; then
  echo "ERROR: LETTA_PG_URI is not set; this image has no embedded PostgreSQL." >&2
  exit 1
fi

echo "Preparing database schema..."
if ! python /app/init_schema.py; then
  echo "ERROR: Database schema setup failed! Check LETTA_PG_URI and that the vector extension exists." >&2
  exit 1
fi
echo "Database schema ready."

if [ -n "${LETTA_SANDBOX_MOUNT_PATH:-}" ]; then
  chmod 777 "$LETTA_SANDBOX_MOUNT_PATH"
fi

set -- letta server --host "$HOST" --port "$PORT"
if [ "${SECURE:-false}" = "true" ]; then
  set -- "$@" --secure
fi
echo "Starting Letta Server at http://$HOST:$PORT..."
exec "$@"
