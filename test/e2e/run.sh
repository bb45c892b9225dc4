#!/usr/bin/env bash
# The end-to-end suite: prepares the machine (Docker engine, Pulumi toolchain, test images), then
# runs test/e2e with the real Pulumi engine against the local Docker engine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
"$root/setup/docker-engine.sh"
"$root/setup/toolchain.sh"
"$root/setup/images.sh"
# shellcheck source=/dev/null
source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh"
exec npx mocha --config test/e2e/.mocharc.json "$@"
