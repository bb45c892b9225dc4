#!/usr/bin/env bash
# Entry script of the pa-test PostgreSQL test image. It mirrors the official postgres image's
# docker-entrypoint.sh for what the stack uses: POSTGRES_PASSWORD/USER/DB (and their _FILE forms),
# POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, /docker-entrypoint-initdb.d, and a first-init
# server that listens on the unix socket only, so `pg_isready -h localhost` stays false until init is done.
# No `set -u`: init *.sh files without the executable bit are sourced into this shell, as upstream does,
# and upstream does not run them under -u.
set -Eeo pipefail

# VAR_FILE=/path reads VAR from a file (Docker secrets), as in the official image.
file_env() {
  local var=$1 file_var="${1}_FILE" val=${2:-}
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    echo "error: both $var and $file_var are set (but are exclusive)" >&2
    exit 1
  fi
  if [[ -n ${!var:-} ]]; then
    val=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    val=$(<"${!file_var}")
  fi
  export "$var=$val"
  unset "$file_var"
}

psql_init() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }

run_init_files() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh)
        if [[ -x $f ]]; then
          echo "$0: running $f"
          "$f"
        else
          echo "$0: sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) echo "$0: running $f"; psql_init --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init --dbname "$POSTGRES_DB" ;;
      */\*) ;; # empty directory
      *) echo "$0: ignoring $f" ;;
    esac
  done
}

init_cluster() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z $POSTGRES_PASSWORD && $auth != trust ]]; then
    echo "error: database is uninitialized and superuser password is not specified." >&2
    echo "       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE)." >&2
    exit 1
  fi

  # Without --auth, initdb trusts local socket and loopback connections, like the official image.
  if [[ -n $POSTGRES_PASSWORD ]]; then
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
  fi
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

  export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
  # Socket only: clients on TCP (and healthchecks using -h localhost) must not see a half-initialised server.
  PGUSER=${PGUSER:-$POSTGRES_USER} pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start

  psql_init --dbname postgres --set db="$POSTGRES_DB" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  run_init_files

  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  echo "PostgreSQL init process complete; ready for start up."
}

if [[ ${1:-} == -* ]]; then
  set -- postgres "$@"
fi

if [[ ${1:-} == postgres ]]; then
  if [[ $(id -u) == 0 ]]; then
    # Root only fixes ownership (a volume may come from another image or a bind mount) and
    # re-runs this script as postgres, as the official image does with gosu.
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 700 "$PGDATA"
    chown postgres:postgres /var/run/postgresql
    chmod 3777 /var/run/postgresql
    HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ ! -s $PGDATA/PG_VERSION ]]; then
    init_cluster
  else
    echo "PostgreSQL Database directory appears to contain a database; Skipping initialization"
  fi
fi

exec "$@"
