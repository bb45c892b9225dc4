#!/usr/bin/env bash
# mmdebstrap customize hook (called with the root filesystem as $1) for the PostgreSQL test image.
set -euo pipefail
root=$1

# Debian creates a "main" cluster on install; the entry script runs initdb into PGDATA instead.
rm -rf "$root/var/lib/postgresql/17" "$root/etc/postgresql/17"

# shellcheck disable=SC2016 # expanded inside the chroot
chroot "$root" bash -euo pipefail -c '
  # uid/gid 999 as in the official image, so data volumes can move between the two images.
  old_uid=$(id -u postgres) old_gid=$(id -g postgres)
  groupmod -g 999 postgres
  usermod -u 999 -g 999 postgres
  find / -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h postgres:postgres {} +

  # The official image listens on all addresses by default (initdb copies this sample).
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '"'"'*'"'"'!" /usr/share/postgresql/17/postgresql.conf.sample
  grep -q "^listen_addresses = '"'"'\*'"'"'" /usr/share/postgresql/17/postgresql.conf.sample

  # initdb takes its locale from LANG=en_US.utf8, like the official image.
  localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

  mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data
  chown postgres:postgres /var/lib/postgresql/data
  chmod 1777 /var/lib/postgresql/data
'
