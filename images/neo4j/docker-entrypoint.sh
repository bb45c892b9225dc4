#!/usr/bin/env bash
# Entry script of the pa-test Neo4j image. Mirrors what the stack uses of the official image's
# entrypoint: NEO4J_AUTH / NEO4J_AUTH_FILE (neo4j/<password> or none), NEO4J_<setting> environment
# configuration (. -> _, _ -> __), /data and /logs owned by the neo4j user, server runs as neo4j.
set -euo pipefail

home=${NEO4J_HOME:?}
conf=$home/conf/neo4j.conf

if [[ $(id -u) == 0 ]]; then
  # Volumes may arrive root-owned; the official image fixes ownership the same way. /backups is
  # where `neo4j-admin database dump --to-path=/backups` writes (official dump/load recipe).
  chown -R neo4j:neo4j /data /logs "$home/conf" "$home/run"
  if [[ -d /backups ]]; then chown neo4j:neo4j /backups; fi
  exec setpriv --reuid=neo4j --regid=neo4j --init-groups "$0" "$@"
fi

cp "$home/conf/neo4j.conf.base" "$conf"

# NEO4J_server_memory_heap_max__size=2g -> server.memory.heap.max_size=2g (replaces every line of
# that setting). Settings are lower-case and dotted; image variables (NEO4J_AUTH, NEO4J_AUTH_FILE,
# NEO4J_HOME, NEO4J_ACCEPT_LICENSE_AGREEMENT ...) are not, and are skipped.
while IFS='=' read -r name value; do
  setting=$(sed -e 's/^NEO4J_//' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' <<<"$name")
  [[ $setting == [[:lower:]]*.* ]] || continue
  grep -vF "$setting=" "$conf" >"$conf.tmp" || true
  printf '%s=%s\n' "$setting" "$value" >>"$conf.tmp"
  mv "$conf.tmp" "$conf"
done < <(env | grep -E '^NEO4J_[A-Za-z0-9_]+=' | sort)

if [[ -n ${NEO4J_AUTH_FILE:-} ]]; then
  NEO4J_AUTH=$(<"$NEO4J_AUTH_FILE")
fi
case ${NEO4J_AUTH:-} in
  "") ;; # Neo4j default: user neo4j, password neo4j, change required on first login
  none) echo "dbms.security.auth_enabled=false" >>"$conf" ;;
  neo4j/*)
    if [[ -e /data/dbms/auth.ini || -d /data/databases/system ]]; then
      # Same rule as the official image: NEO4J_AUTH never overrides an existing /data.
      echo "NEO4J_AUTH ignored: /data already holds a database with its own users." >&2
    else
      neo4j-admin dbms set-initial-password "${NEO4J_AUTH#neo4j/}"
    fi
    ;;
  *) echo "Invalid NEO4J_AUTH: expected neo4j/<password> or none" >&2; exit 1 ;;
esac

if [[ $# -eq 0 || $1 == neo4j ]]; then
  exec neo4j console
fi
exec "$@"
