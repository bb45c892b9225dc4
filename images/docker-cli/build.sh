#!/usr/bin/env bash
# Builds the Docker CLI test image (tag in ./TAG), a stand-in for the official docker:<version>-cli image
# whose `docker` binary the backup scheduler copies into its tools volume, without any registry:
# Debian trixie's docker-cli (the version in TAG) on a minbase root filesystem, the binary also at the
# official image's path, /usr/local/bin/docker. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
debian_package_image "$here" docker-cli docker-cli \
  --customize-hook='cp "$1"/usr/bin/docker "$1"/usr/local/bin/docker'
