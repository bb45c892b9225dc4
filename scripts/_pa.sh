# Sourced by the scripts/ wrappers: runs the operator CLI (bin/pa.js, compiled from cli/) from the project
# root, with the offline-built Pulumi toolchain when present. The backend defaults to the checkout's
# embedded one (.pulumi-state/, .pulumi-passphrase), chosen by pa itself when it opens a stack, so
# `--help` creates nothing.
_pa_wrapper_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v pulumi >/dev/null 2>&1 && [ -f "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh" ]; then
  # shellcheck source=/dev/null
  source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh"
fi
pa() { (cd "$_pa_wrapper_root" && exec node "$_pa_wrapper_root/bin/pa.js" "$@"); }
