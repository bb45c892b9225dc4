#!/usr/bin/env bash
# Builds the gateway test image (tag in ./TAG), a stand-in for the official haproxy image, without any
# registry: a Debian trixie minbase root filesystem with Debian's haproxy (the version in TAG), then
# `docker build` (Dockerfile) adds the official image's entrypoint, user and defaults. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
TAG=$(<"$here/TAG")
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-gateway.XXXXXX")
trap 'rm -rf "$work"' EXIT

debian_rootfs trixie haproxy "$work/rootfs.tar" \
  --customize-hook="'$here/customize-rootfs.sh' \"\$1\" '${TAG##*:}'"

cp "$here/Dockerfile" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
