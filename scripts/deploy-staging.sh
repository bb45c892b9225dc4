#!/usr/bin/env bash
# scripts/deploy-staging.sh [--env laptop|server]
# Thin wrapper over `pa deploy-staging` (cli/commands/); `--help` lists every option. docs/operator-guide.md
set -euo pipefail
# shellcheck source=scripts/_pa.sh
source "$(dirname "${BASH_SOURCE[0]}")/_pa.sh"
pa deploy-staging "$@"
