#!/usr/bin/env bash
# scripts/rollback.sh [--list | --tag <tag> [--with-data] | --emergency]
# Thin wrapper over `pa rollback` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa rollback "$@"
