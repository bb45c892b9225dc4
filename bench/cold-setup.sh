#!/usr/bin/env bash
# Measures the cold builds alone (the Pulumi toolchain beside the test images; .ci/run also runs the suites
# that need neither beside them) from empty caches, on a machine whose own caches stay warm: every
# cache goes to a temp folder (PA_TOOLCHAIN_DIR, PA_IMAGE_CACHE, npm, pip, Go) and the images are force-rebuilt under their usual tags. Takes about 22 min on 2 cores;
# needs the machine alone. Prints "images exit N after S s; toolchain exit N; setup phase S s".
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/cold-setup}
tmp=$(mktemp -d)
mkdir -p "$out"
cd "$repo" && source setup/node.sh >/dev/null
export npm_config_cache=$tmp/npm PIP_CACHE_DIR=$tmp/pip GOMODCACHE=$tmp/gomod GOCACHE=$tmp/gocache GOPATH=$tmp/gopath
start=$(date +%s)
PA_TOOLCHAIN_DIR=$tmp/toolchain setup/toolchain.sh >"$out/toolchain.log" 2>&1 &
toolchain=$!
FORCE=1 PA_IMAGE_CACHE=$tmp/images setup/images.sh >"$out/images.log" 2>&1
images_rc=$?
images_done=$(($(date +%s) - start))
wait "$toolchain"
toolchain_rc=$?
echo "images exit $images_rc after $images_done s; toolchain exit $toolchain_rc; setup phase $(($(date +%s) - start)) s" | tee "$out/result"
chmod -R u+w "$tmp" 2>/dev/null
rm -rf "$tmp"
