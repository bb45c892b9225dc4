#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine: installs Debian's docker.io and starts dockerd
# when none does (CI machines have no systemd), then waits for it. Safe to re-run.
set -euo pipefail

log() { printf '[docker-engine] %s\n' "$*"; }

if docker info >/dev/null 2>&1; then
  log "engine already answers ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

log_file=${DOCKERD_LOG:-/var/log/dockerd.log}
log "starting dockerd (log: $log_file)"
nohup dockerd >"$log_file" 2>&1 &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine answers ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
log "ERROR: dockerd did not answer within 60 s; see $log_file" >&2
tail -n 20 "$log_file" >&2 || true
exit 1
