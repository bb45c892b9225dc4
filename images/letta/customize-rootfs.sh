#!/usr/bin/env bash
# mmdebstrap customize hook for the Letta test image: $1 is the root filesystem, $2 the folder with
# the wheels of requirements.lock. Installs them into /app/.venv (the official image's venv path)
# with the image's own Python 3.11, without any index.
set -euo pipefail
root=$1 wheels=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mkdir -p "$root/tmp/wheels"
cp "$wheels"/*.whl "$here/requirements.lock" "$root/tmp/wheels/"
chroot "$root" sh -euc '
  python3 -m venv /app/.venv
  /app/.venv/bin/pip install --quiet --no-cache-dir --no-index --no-deps \
    --find-links /tmp/wheels -r /tmp/wheels/requirements.lock
  /app/.venv/bin/pip check
'
rm -rf "$root/tmp/wheels"
