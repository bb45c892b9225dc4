#!/usr/bin/env bash
# One command from a fresh checkout to a running staging-laptop environment on the embedded default:
# the local Docker engine, a file state backend inside the project (.pulumi-state/) and a passphrase
# file generated on first use (.pulumi-passphrase), both git-ignored.
#
#   setup/local.sh [--stack NAME] [--preview] [--test-images]
#
# --stack NAME    deploy another stack (default staging-laptop)
# --preview       show what would change, change nothing
# --test-images   for machines that cannot pull images: build the local test images (setup/images.sh)
#                 and deploy with them, leaving Pulumi.<stack>.yaml as it is
# Exit codes: 0 deployed (or previewed), 1 a step failed (the message names it), 2 bad usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
stack=staging-laptop
action=up
test_images=false
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack=${2:?--stack needs a name}; shift 2 ;;
    --preview) action=preview; shift ;;
    --test-images) test_images=true; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

step "Node.js"
# shellcheck source=setup/node.sh
source "$root/setup/node.sh"
node --version

step "Docker engine"
"$root/setup/docker-engine.sh"

step "Pulumi toolchain"
"$root/setup/toolchain.sh"
# shellcheck source=/dev/null
source "${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/env.sh"

step "Node packages"
cd "$root"
[ -d node_modules ] || npm ci --no-audit --no-fund

step "State backend and passphrase"
source "$root/setup/local-backend.sh"
echo "backend: $PULUMI_BACKEND_URL"
pulumi stack select --create "$stack" >/dev/null
echo "stack: $stack"

config_args=()
if [ "$test_images" = true ]; then
  step "Test images"
  "$root/setup/images.sh"
  # The stack's own file with only the images swapped, so the committed file keeps the official ones.
  config_file="$root/.pulumi-state/Pulumi.$stack.test-images.yaml"
  node "$root/setup/test-images-config.js" "$root/Pulumi.$stack.yaml" "$root/images" >"$config_file"
  config_args=(--config-file "$config_file")
  echo "images: the local test images (config: $config_file)"
fi

if [ "$action" = preview ]; then
  step "pulumi preview -s $stack"
  pulumi preview -s "$stack" --diff "${config_args[@]}"
else
  step "pulumi up -s $stack"
  up_log=$(mktemp)
  trap 'rm -f "$up_log"' EXIT
  if ! pulumi up -s "$stack" --yes --skip-preview "${config_args[@]}" 2>&1 | tee "$up_log"; then
    # Without a reachable registry the provider's pull errors say so only in their own words.
    if [ "$test_images" = false ] && grep -qiE '(pull|registry).*(no such host|dial tcp|denied|manifest unknown|not found|i/o timeout)|unable to pull' "$up_log"; then
      echo "" >&2
      echo "images cannot be pulled on this machine (no registry is reachable): run setup/local.sh --test-images," >&2
      echo "which builds local test images and deploys with them (README.md, Test images)" >&2
    fi
    exit 1
  fi
  step "URLs"
  # Outputs are read from the state: `stack output` takes no --config-file.
  pulumi stack output urls -s "$stack" --json
fi
