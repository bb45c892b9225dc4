#!/usr/bin/env bash
# Builds the restic test image (tag in ./TAG), a stand-in for the official restic/restic image, without
# any registry: mmdebstrap assembles a Debian trixie minbase root filesystem with Debian's restic (the
# version in TAG), then `docker build` (Dockerfile) sets the official image's entrypoint. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG=$(<"$here/TAG")
RESTIC_VERSION=${TAG##*:}
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
debs=$cache/debs/trixie
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-restic.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v mmdebstrap >/dev/null || { echo "error: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$debs"

# shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=restic,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="'$here/customize-rootfs.sh' \"\$1\" '$RESTIC_VERSION'" \
  trixie "$work/rootfs.tar"

cp "$here/Dockerfile" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
