#!/usr/bin/env bash
# mmdebstrap customize hook for the gateway test image.
# Usage: customize-rootfs.sh ROOTFS HAPROXY_VERSION
set -euo pipefail
root=$1 version=$2

# The tag promises a version: fail the build rather than ship a different HAProxy under its name.
installed=$(chroot "$root" dpkg-query -W -f='${Version}' haproxy)
case $installed in
  "$version"-*) ;;
  *) echo "error: Debian trixie ships haproxy $installed, but TAG asks for $version; update images/gateway/TAG" >&2; exit 1 ;;
esac
# As in the official image: the config lives in /usr/local/etc/haproxy, owned by root, read by haproxy.
install -d -m 0755 "$root/usr/local/etc/haproxy"
rm -f "$root/etc/haproxy/haproxy.cfg"
