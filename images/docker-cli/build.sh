#!/usr/bin/env bash
# Builds the Docker CLI test image (tag in ./TAG), a stand-in for the official docker:<version>-cli image
# whose `docker` binary the backup scheduler copies into its tools volume, without any registry: a Debian
# trixie minbase root filesystem with Debian's docker-cli (the version in TAG), the binary also at the
# official image's path, /usr/local/bin/docker. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
TAG=$(<"$here/TAG")
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-docker-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT

debian_rootfs trixie docker-cli "$work/rootfs.tar" \
  --customize-hook="bash -c '. \"$here/../lib/debian-rootfs.sh\" && require_package_version \"\$1\" docker-cli \"${TAG##*:}\" images/docker-cli' sh \"\$1\"" \
  --customize-hook='cp "$1"/usr/bin/docker "$1"/usr/local/bin/docker'

cp "$here/Dockerfile" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
