#!/usr/bin/env bash
# The operator workflow on the real Pulumi engine. Fails (never skips) when the toolchain or the
# provider plugins are missing: sandbox.ts checks `pulumi plugin ls`.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=/dev/null
source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh" 2>/dev/null || { echo "test:ops-e2e: no Pulumi toolchain (setup/toolchain.sh)" >&2; exit 1; }
exec npx mocha --config test/ops-e2e/.mocharc.json "$@"
