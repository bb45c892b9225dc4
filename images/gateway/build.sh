#!/usr/bin/env bash
# Builds the gateway test image (tag in ./TAG), a stand-in for the official haproxy image, without any
# registry: mmdebstrap assembles a Debian trixie minbase root filesystem with Debian's haproxy (the
# version in TAG), then `docker build` (Dockerfile) adds the official image's entrypoint, user and
# defaults. Prints the tag it built.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG=$(<"$here/TAG")
HAPROXY_VERSION=${TAG##*:}
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
debs=$cache/debs/trixie
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-gateway.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v mmdebstrap >/dev/null || { echo "error: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$debs"

# shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=haproxy \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="'$here/customize-rootfs.sh' \"\$1\" '$HAPROXY_VERSION'" \
  trixie "$work/rootfs.tar"

cp "$here/Dockerfile" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
