#!/usr/bin/env bash
# Builds the Node.js test image (tag in ./TAG), a stand-in for the official node image that runs the
# backup scheduler and its Docker API proxy, without any registry: Debian trixie's nodejs (the version
# in TAG) on a minbase root filesystem. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
debian_package_image "$here" nodejs nodejs,ca-certificates
