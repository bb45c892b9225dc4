#!/usr/bin/env bash
# Builds the PostgreSQL test image (tag in ./TAG) without any container registry: mmdebstrap assembles a
# Debian trixie root filesystem with PostgreSQL 17 + pgvector, `docker build` adds the entry script
# and the official image's metadata (Dockerfile). Downloaded .debs are kept in the image cache so a
# forced rebuild does not fetch them again. Prints the tag it built (read from ./TAG, which
# setup/images.sh also reads to skip images that are already present).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG=$(<"$here/TAG")
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
debs=$cache/debs/trixie
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-postgres.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v mmdebstrap >/dev/null || { echo "error: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$debs"

# Docs, man pages and translations are not needed in a test image (keeps the locale alias file).
# The cache hooks follow mmdebstrap(1) "sync-in/sync-out" for reusing downloaded packages.
# shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=postgresql-17,postgresql-17-pgvector,locales \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="$here/customize-rootfs.sh" \
  trixie "$work/rootfs.tar"

cp "$here/Dockerfile" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
