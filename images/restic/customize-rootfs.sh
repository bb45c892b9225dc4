#!/usr/bin/env bash
# mmdebstrap customize hook for the restic test image.
# Usage: customize-rootfs.sh ROOTFS RESTIC_VERSION
set -euo pipefail
root=$1 version=$2

# The tag promises a version: fail the build rather than ship a different restic under its name.
installed=$(chroot "$root" dpkg-query -W -f='${Version}' restic)
case $installed in
  "$version"-*) ;;
  *) echo "error: Debian trixie ships restic $installed, but TAG asks for $version; update images/restic/TAG" >&2; exit 1 ;;
esac
