#!/usr/bin/env bash
# mmdebstrap customize hook for the Open WebUI test image, run after ../lib/install-wheels.sh: $1 is
# the root filesystem. Creates the data directory.
set -euo pipefail
mkdir -p "$1/app/backend/data"
