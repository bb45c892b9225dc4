#!/usr/bin/env bash
# Runs the data-sync tests against two real PostgreSQL containers (production and staging) that it
# starts from the locally built image (setup/images.sh) and removes on every exit.
# Usage: test/sync/run.sh [mocha args]   Env: PA_SYNCTEST_IMAGE (default pa-test/postgres-pgvector:17-trixie)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--help" ]]; then sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
image="${PA_SYNCTEST_IMAGE:-pa-test/postgres-pgvector:17-trixie}"
export PA_SYNCTEST_PRODUCTION="pa-synctest-production-$$" PA_SYNCTEST_STAGING="pa-synctest-staging-$$"
cleanup() { docker rm -f "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING" >/dev/null 2>&1 || true; }
trap cleanup EXIT
for name in "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING"; do
    docker run -d --name "$name" --label pa.test=sync -e POSTGRES_PASSWORD=synctest "$image" >/dev/null
done
for name in "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING"; do
    for _ in $(seq 1 60); do
        docker exec "$name" pg_isready -h localhost -U postgres -q 2>/dev/null && break
        sleep 1
    done
done
npx mocha --config test/sync/.mocharc.json "$@"
