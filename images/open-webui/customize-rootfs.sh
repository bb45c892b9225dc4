#!/usr/bin/env bash
# mmdebstrap customize hook for the Open WebUI test image: $1 is the root filesystem, $2 the folder
# with the wheels of requirements.lock. Installs them into /app/.venv with the image's own
# Python 3.11, without any index, and creates the data directory.
set -euo pipefail
root=$1 wheels=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mkdir -p "$root/tmp/wheels"
cp "$wheels"/*.whl "$here/requirements.lock" "$root/tmp/wheels/"
chroot "$root" sh -euc '
  python3 -m venv /app/.venv
  /app/.venv/bin/pip install --quiet --no-cache-dir --no-index --no-deps \
    --find-links /tmp/wheels -r /tmp/wheels/requirements.lock
  mkdir -p /app/backend/data
'
rm -rf "$root/tmp/wheels"
