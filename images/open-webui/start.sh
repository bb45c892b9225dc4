#!/bin/sh
# Start script of the pa-test Open WebUI image (the official backend/start.sh, reduced to what
# this image has): without WEBUI_SECRET_KEY a key is generated into /app/backend/.webui_secret_key,
# i.e. inside the container and NOT in the data volume, exactly like the official image.
set -eu
if [ -z "${WEBUI_SECRET_KEY:-}" ]; then
  unset WEBUI_SECRET_KEY
fi
cd /app/backend
exec open-webui serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8080}"
