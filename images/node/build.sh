#!/usr/bin/env bash
# Builds the Node.js test image (tag in ./TAG), a stand-in for the official node image that runs the
# backup scheduler and the Docker API proxy, without any registry: a Debian trixie minbase root filesystem
# with Debian's nodejs (the version in TAG), then `docker build` (Dockerfile). Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
TAG=$(<"$here/TAG")
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-node.XXXXXX")
trap 'rm -rf "$work"' EXIT

debian_rootfs trixie nodejs,ca-certificates "$work/rootfs.tar" \
  --customize-hook="bash -c '. \"$here/../lib/debian-rootfs.sh\" && require_package_version \"\$1\" nodejs \"${TAG##*:}\" images/node' sh \"\$1\""

cp "$here/Dockerfile" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
