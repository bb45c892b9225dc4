#!/usr/bin/env bash
# scripts/health-check.sh [--staging|--production] [--verbose] [--json]
# Thin wrapper over `pa health` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa health "$@"
