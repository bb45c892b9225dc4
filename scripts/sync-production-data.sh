#!/usr/bin/env bash
# scripts/sync-production-data.sh [--stack STACK] [--production-host ssh://user@server] [--production-stack NAME] [--yes] [--json]
# Thin wrapper over `pa sync` (cli/commands/sync.ts); `--help` lists every option. docs/data-sync.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa sync "$@"
