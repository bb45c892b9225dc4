#!/usr/bin/env bash
# Builds the image of the test "server" (tag in ./TAG) that test:two-hosts runs beside the local engine,
# which plays the laptop: Debian trixie's docker.io (the version in TAG) and its CLI (the ssh connection
# helper runs `docker system dial-stdio` there), openssh-server and docker-registry on a minbase root
# filesystem, a user `pa` in the docker group, and entrypoint.sh that starts them. A test fixture only:
# no stack ever runs this image. Prints the tag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
# shellcheck disable=SC2016 # "$1" is expanded by mmdebstrap (the chroot path)
debian_package_image "$here" docker.io docker.io,docker-cli,openssh-server,docker-registry,iptables,procps,ca-certificates \
  --customize-hook='chroot "$1" useradd --create-home --groups docker --shell /bin/bash pa' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*'
