# Sourced, not run: points Pulumi at the embedded default backend of this checkout, a file backend in
# .pulumi-state/, with secrets encrypted by a passphrase kept in .pulumi-passphrase (generated on first
# use, readable only by its owner). Both are git-ignored. An already set PULUMI_BACKEND_URL or
# passphrase wins, so a team backend keeps working.
_pa_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p "$_pa_root/.pulumi-state"
  export PULUMI_BACKEND_URL="file://$_pa_root/.pulumi-state"
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$_pa_root/.pulumi-passphrase" ]; then
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))' \
      >"$_pa_root/.pulumi-passphrase")
    echo "generated a new passphrase in $_pa_root/.pulumi-passphrase: back it up, it decrypts this state's secrets" >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$_pa_root/.pulumi-passphrase"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
unset _pa_root
