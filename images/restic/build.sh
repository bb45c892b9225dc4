#!/usr/bin/env bash
# Builds the restic test image (tag in ./TAG), a stand-in for the official restic/restic image, without
# any registry: Debian trixie's restic (the version in TAG) on a minbase root filesystem; the Dockerfile
# sets the official image's entrypoint. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
debian_package_image "$here" restic restic,ca-certificates
