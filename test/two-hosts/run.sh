#!/usr/bin/env bash
# The documented two-host workflow on the real Pulumi engine: production on a second Docker engine
# reached over SSH (test/two-hosts/server.sh starts it, and removes it afterwards), staging on the
# local one. Fails (never skips) when the toolchain, the provider plugins or the images are missing.
# PA_TWO_HOSTS_KEEP_SERVER=true leaves the server running (its env file: /tmp/pa-two-hosts/env).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=/dev/null
source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh" 2>/dev/null || { echo "test:two-hosts: no Pulumi toolchain (setup/toolchain.sh)" >&2; exit 1; }
server=test/two-hosts/server.sh
if [[ ${PA_TWO_HOSTS_KEEP_SERVER:-} != true ]]; then trap '"$server" stop' EXIT; fi
"$server" start
# shellcheck source=/dev/null
source "${PA_TWO_HOSTS_DIR:-/tmp/pa-two-hosts}/env"
npx mocha --config test/two-hosts/.mocharc.json "$@"
