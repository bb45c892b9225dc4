#!/usr/bin/env bash
# mmdebstrap customize hook for the gateway test image.
# Usage: customize-rootfs.sh ROOTFS HAPROXY_VERSION
set -euo pipefail
root=$1 version=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"

# The tag promises a version: fail the build rather than ship a different HAProxy under its name.
require_package_version "$root" haproxy "$version" images/gateway
# As in the official image: the config lives in /usr/local/etc/haproxy, owned by root, read by haproxy.
install -d -m 0755 "$root/usr/local/etc/haproxy"
rm -f "$root/etc/haproxy/haproxy.cfg"
