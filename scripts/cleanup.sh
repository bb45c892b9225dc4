#!/usr/bin/env bash
# scripts/cleanup.sh [--retention-days N] [--dry-run]
# Thin wrapper over `pa cleanup` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa cleanup "$@"
