#!/usr/bin/env bash
# Real-Docker tests of the operator commands' building blocks (health probes, workflow tests,
# backup and restore), against containers this suite starts itself from the locally built test
# images (pa-opstest-*, removed afterwards). No Pulumi involved.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
docker info >/dev/null 2>&1 || { echo "test:ops: no Docker engine answers (setup/docker-engine.sh)" >&2; exit 1; }
missing=()
for dir in postgres-pgvector neo4j n8n letta open-webui; do
  image=$(<"images/$dir/TAG")
  docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
done
if ((${#missing[@]})); then
  echo "test:ops: test images missing: ${missing[*]} (build them with setup/images.sh)" >&2
  exit 1
fi
exec npx mocha --config test/ops/.mocharc.json "$@"
