#!/usr/bin/env bash
# Builds the PostgreSQL test image (tag in ./TAG) without any container registry: mmdebstrap assembles a
# Debian trixie root filesystem with PostgreSQL 17 + pgvector, `docker build` adds the entry script
# and the official image's metadata (Dockerfile). Downloaded .debs are kept in the image cache so a
# forced rebuild does not fetch them again. Prints the tag it built (read from ./TAG, which
# setup/images.sh also reads to skip images that are already present).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
TAG=$(<"$here/TAG")
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-postgres.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The locale alias file stays (debian_rootfs leaves translations out).
debian_rootfs trixie postgresql-17,postgresql-17-pgvector,locales "$work/rootfs.tar" \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook="$here/customize-rootfs.sh"

cp "$here/Dockerfile" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
