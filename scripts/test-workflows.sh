#!/usr/bin/env bash
# scripts/test-workflows.sh [--staging|--production] [--allow-writes]
# Thin wrapper over `pa test-workflows` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa test-workflows "$@"
