#!/usr/bin/env bash
# Real restic and real containers: backups of a generated dataset, restore drills, restores, a corrupted
# repository, a full disk, a file over 2 GiB and the retention (pa-bktest-*, removed afterwards).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
docker info >/dev/null 2>&1 || { echo "test:backup: no Docker engine answers (setup/docker-engine.sh)" >&2; exit 1; }
missing=()
for dir in postgres-pgvector neo4j restic node docker-cli rclone; do
  tag=$(<"images/$dir/TAG")
  docker image inspect "$tag" >/dev/null 2>&1 || missing+=("$tag")
done
if ((${#missing[@]})); then
  echo "test:backup: test images missing: ${missing[*]} (build them with setup/images.sh)" >&2
  exit 1
fi
exec npx mocha --config test/backup/.mocharc.json "$@"
