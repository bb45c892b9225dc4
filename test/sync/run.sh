#!/usr/bin/env bash
# Runs the data-sync tests against real PostgreSQL and Neo4j containers (production and staging) that
# it starts from the locally built images (setup/images.sh), and n8n and Open WebUI data volumes (each
# used by a created, never started, container of the app's image), and removes them all on every exit.
# Usage: test/sync/run.sh [mocha args]
# Env: PA_SYNCTEST_IMAGE, PA_SYNCTEST_NEO4J_IMAGE, PA_SYNCTEST_COPIER_IMAGE (an image with Node.js),
# PA_SYNCTEST_OPEN_WEBUI_IMAGE (defaults: the test images of Postgres, Neo4j, n8n and Open WebUI, as
# images/*/TAG names them). Production's pseudonym key is a random one per run, in a volume as
# production's stack keeps it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--help" ]]; then sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
image="${PA_SYNCTEST_IMAGE:-$(<images/postgres-pgvector/TAG)}"
neo4j_image="${PA_SYNCTEST_NEO4J_IMAGE:-$(<images/neo4j/TAG)}"
export PA_SYNCTEST_COPIER_IMAGE="${PA_SYNCTEST_COPIER_IMAGE:-$(<images/n8n/TAG)}"
export PA_SYNCTEST_PRODUCTION="pa-synctest-production-$$" PA_SYNCTEST_STAGING="pa-synctest-staging-$$"
export PA_SYNCTEST_PRODUCTION_NEO4J="pa-synctest-neo4j-production-$$" PA_SYNCTEST_STAGING_NEO4J="pa-synctest-neo4j-staging-$$"
export PA_SYNCTEST_NEO4J_PASSWORD="synctest-neo4j-pw"
export PA_SYNCTEST_FILES_ID="$$"
# Production's pseudonym key, as its stack keeps it: a file in a volume only the sidecars mount.
export PA_SYNCTEST_KEY_VOLUME="pa-synctest-sync-key-$$"
PA_SYNCTEST_KEY="synctest-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export PA_SYNCTEST_KEY
# Names as test/sync/files.ts builds them: <side>-<app>-data-<pid>, used by container <side>-<app>-<pid>.
app_volumes=()
for side in production staging; do
    app_volumes+=("pa-synctest-$side-n8n-data-$$" "pa-synctest-$side-open-webui-data-$$")
done
cleanup() {
    docker rm -f "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING" "$PA_SYNCTEST_PRODUCTION_NEO4J" "$PA_SYNCTEST_STAGING_NEO4J" >/dev/null 2>&1 || true
    for volume in "${app_volumes[@]}"; do docker rm -f "${volume/-data-/-}" >/dev/null 2>&1 || true; done
    docker volume rm "$PA_SYNCTEST_PRODUCTION_NEO4J" "$PA_SYNCTEST_STAGING_NEO4J" "$PA_SYNCTEST_KEY_VOLUME" "${app_volumes[@]}" >/dev/null 2>&1 || true
    test/support/second-engine.sh stop "$other_engine_dir" >/dev/null 2>&1 || true
}
other_engine_dir="/tmp/pa-synctest-engine-$$"
trap cleanup EXIT
# Another host's engine (a laptop's), for the refusal of an unsanitized sync across engines.
PA_SYNCTEST_OTHER_ENGINE="$(test/support/second-engine.sh start "$other_engine_dir")"
export PA_SYNCTEST_OTHER_ENGINE
for volume in "${app_volumes[@]}"; do
    case "$volume" in
        *-n8n-data-*) app_image="$PA_SYNCTEST_COPIER_IMAGE" mount=/home/node/.n8n ;;
        *) app_image="${PA_SYNCTEST_OPEN_WEBUI_IMAGE:-$(<images/open-webui/TAG)}" mount=/app/backend/data ;;
    esac
    docker create --name "${volume/-data-/-}" --label pa.test=sync -v "$volume:$mount" "$app_image" >/dev/null
done
printf %s "$PA_SYNCTEST_KEY" | docker run --rm -i --label pa.test=sync -v "$PA_SYNCTEST_KEY_VOLUME:/key" --entrypoint sh "$image" -c 'cat > /key/key'
for name in "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING"; do
    docker run -d --name "$name" --label pa.test=sync -e POSTGRES_PASSWORD=synctest "$image" >/dev/null
done
for name in "$PA_SYNCTEST_PRODUCTION_NEO4J" "$PA_SYNCTEST_STAGING_NEO4J"; do
    docker run -d --name "$name" --label pa.test=sync -e "NEO4J_AUTH=neo4j/$PA_SYNCTEST_NEO4J_PASSWORD" -v "$name:/data" "$neo4j_image" >/dev/null
done
for name in "$PA_SYNCTEST_PRODUCTION" "$PA_SYNCTEST_STAGING"; do
    for _ in $(seq 1 60); do
        docker exec "$name" pg_isready -h localhost -U postgres -q 2>/dev/null && break
        sleep 1
    done
done
for name in "$PA_SYNCTEST_PRODUCTION_NEO4J" "$PA_SYNCTEST_STAGING_NEO4J"; do
    for _ in $(seq 1 120); do
        docker exec "$name" wget -q -O /dev/null http://localhost:7474/ 2>/dev/null && break
        sleep 1
    done
done
npx mocha --config test/sync/.mocharc.json "$@"
