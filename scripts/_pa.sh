# Sourced by the scripts/ wrappers: runs the operator CLI (cli/main.ts) from the project root with
# the embedded-default backend and the offline-built Pulumi toolchain when present.
_pa_wrapper_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -f "$_pa_wrapper_root/setup/local-backend.sh" ]; then
  # shellcheck source=/dev/null
  source "$_pa_wrapper_root/setup/local-backend.sh"
fi
if ! command -v pulumi >/dev/null 2>&1 && [ -f "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh" ]; then
  # shellcheck source=/dev/null
  source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh"
fi
pa() { (cd "$_pa_wrapper_root" && exec "$_pa_wrapper_root/node_modules/.bin/ts-node" --transpile-only cli/main.ts "$@"); }
