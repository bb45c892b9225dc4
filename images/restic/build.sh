#!/usr/bin/env bash
# Builds the restic test image (tag in ./TAG), a stand-in for the official restic/restic image, without
# any registry: a Debian trixie minbase root filesystem with Debian's restic (the version in TAG), then
# `docker build` (Dockerfile) sets the official image's entrypoint. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
TAG=$(<"$here/TAG")
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-restic.XXXXXX")
trap 'rm -rf "$work"' EXIT

debian_rootfs trixie restic,ca-certificates "$work/rootfs.tar" \
  --customize-hook="bash -c '. \"$here/../lib/debian-rootfs.sh\" && require_package_version \"\$1\" restic \"${TAG##*:}\" images/restic' sh \"\$1\""

cp "$here/Dockerfile" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
