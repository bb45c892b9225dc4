#!/usr/bin/env bash
# mmdebstrap customize hook for the Letta test image, run after ../lib/install-wheels.sh: $1 is the
# root filesystem. Checks that the installed wheels satisfy each other's requirements.
set -euo pipefail
chroot "$1" /app/.venv/bin/pip check
