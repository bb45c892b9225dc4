#!/usr/bin/env bash
# Builds the rclone test image (tag in ./TAG): an off-site restic repository for the backup tests,
# served by `rclone serve restic` (restic's REST protocol), without any registry: Debian trixie's
# rclone (the version in TAG) on a minbase root filesystem. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
debian_package_image "$here" rclone rclone
