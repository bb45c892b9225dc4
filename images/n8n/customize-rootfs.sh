#!/usr/bin/env bash
# mmdebstrap customize hook for the n8n test image.
# Usage: customize-rootfs.sh ROOTFS NODE_BINARY
set -euo pipefail
root=$1 node_bin=$2

install -m 0755 "$node_bin" "$root/usr/local/bin/node"
# n8n itself comes as its own image layer in /usr/local/lib/n8n (see Dockerfile); node resolves its
# dependencies from the real path of the bin script, so a symlink in PATH is enough.
ln -s ../lib/n8n/node_modules/n8n/bin/n8n "$root/usr/local/bin/n8n"

# shellcheck disable=SC2016 # expanded inside the chroot
chroot "$root" bash -euo pipefail -c '
  # uid/gid 1000 as the node user of the official image, so /home/node/.n8n volumes move between them.
  groupadd --gid 1000 node
  useradd --uid 1000 --gid node --shell /bin/sh --create-home --home-dir /home/node node
  install -d -o node -g node -m 0700 /home/node/.n8n
  node --version
'
