#!/usr/bin/env bash
# scripts/promote-to-production.sh [--yes] [--restore-data]
# Thin wrapper over `pa promote` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa promote "$@"
