#!/usr/bin/env bash
# mmdebstrap customize hook of the Python test images (python-venv-image.sh): $1 is the root
# filesystem, $2 the folder with the wheels of the requirements lock $3. Installs them into
# /app/.venv (the official images' venv path) with the image's own Python 3.11, without any index.
set -euo pipefail
root=$1 wheels=$2 lock=$3

mkdir -p "$root/tmp/wheels"
cp "$wheels"/*.whl "$root/tmp/wheels/"
cp "$lock" "$root/tmp/wheels/requirements.lock"
chroot "$root" sh -euc '
  python3 -m venv /app/.venv
  /app/.venv/bin/pip install --quiet --no-cache-dir --no-index --no-deps \
    --find-links /tmp/wheels -r /tmp/wheels/requirements.lock
'
rm -rf "$root/tmp/wheels"
