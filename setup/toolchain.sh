#!/usr/bin/env bash
# Builds the Pulumi engine pieces this project needs from Go modules (no download site is reachable here):
#   - the `pulumi` CLI and the Node.js language host `pulumi-language-nodejs`,
#   - the provider plugins pulumi-resource-{docker,command,random} at the EXACT versions of the npm packages
#     @pulumi/{docker,command,random} this repo pins (docker and random bridged from the upstream Terraform
#     providers, command a stand-in),
# into a cache outside the repo keyed by version, installs the plugins into a PULUMI_HOME inside that cache,
# and writes the environment a caller needs to $PA_TOOLCHAIN_DIR/env.sh. Anything already built is skipped,
# so a warm run takes seconds.
#
# Usage: setup/toolchain.sh [--plugins "docker command random"] [--no-plugins]
# Env:   PA_TOOLCHAIN_DIR   cache root (default $HOME/.cache/pa-toolchain)
#        PA_TOOLCHAIN_PLUGINS  which provider plugins to build (default "docker command random"; "" = none)
# Versions: setup/toolchain/versions.env (CLI, language host), setup/toolchain/bridged/versions.env (the
# docker and random plugins, built by setup/toolchain/build-bridged-providers.sh); the command plugin is a
# stand-in (setup/standin-plugins/command). Why: docs/toolchain.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
tables="$here/toolchain"

plugins=${PA_TOOLCHAIN_PLUGINS-docker command random}
while [ $# -gt 0 ]; do
  case "$1" in
    --plugins) plugins=${2-}; shift 2 ;;
    --no-plugins) plugins=""; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "toolchain: unknown argument: $1" >&2; exit 2 ;;
  esac
done

cache=${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# shellcheck source=toolchain/versions.env
. "$tables/versions.env"

export GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

t_all=$(date +%s)
log() { printf '[toolchain] %s\n' "$*"; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=lib/step.sh
STEP_TAG=toolchain
. "$here/lib/step.sh"

command -v go >/dev/null || die "step 'preflight': go is not on PATH (Go >= 1.26 needed)"
command -v node >/dev/null || die "step 'preflight': node is not on PATH"
log "cache: $cache ($(go version | cut -d' ' -f3), node $(node --version))"

# ---------------------------------------------------------------------------------------------------------
# go.mod writer: write_gomod DIR MODULE "REQ@VER ..." "OLD=NEW@VER ..."
write_gomod() {
  local dir=$1 mod=$2 reqs=$3 reps=$4 r
  mkdir -p "$dir"
  {
    printf 'module %s\n\ngo 1.26\n\n' "$mod"
    for r in $reqs; do printf 'require %s %s\n' "${r%@*}" "${r##*@}"; done
    for r in $reps; do
      local old=${r%%=*} new=${r#*=}
      case "$new" in
        *@*) printf 'replace %s => %s %s\n' "$old" "${new%@*}" "${new##*@}" ;;
        *)   printf 'replace %s => %s\n' "$old" "$new" ;;
      esac
    done
  } >"$dir/go.mod"
}

# write_tools DIR PKG...: a build-tag-guarded file importing the main packages, so `go mod tidy` keeps them.
write_tools() {
  local dir=$1; shift
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'
    local p; for p in "$@"; do printf '\t_ "%s"\n' "$p"; done
    printf ')\n'; } >"$dir/tools.go"
}

# ---------------------------------------------------------------------------------------------------------
# 1. The CLI and the language host
pulumi_dir="$cache/pulumi-$PULUMI_VERSION"
bin="$pulumi_dir/bin"
build="$cache/build"
mkdir -p "$bin" "$build"
ldflags_version="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

build_cli() {
  local w="$build/cli-$PULUMI_VERSION"
  rm -rf "$w"
  write_gomod "$w" pa-toolchain/pulumi-cli \
    "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
    "$PULUMI_REPLACES"
  write_tools "$w" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  cd "$w"
  go mod tidy
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w $ldflags_version=$PULUMI_VERSION" -o "$bin/pulumi.tmp" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  "$bin/pulumi" version
}

build_langhost() {
  local w="$build/langhost-$PULUMI_VERSION" pkg ver
  rm -rf "$w"
  if [ -n "${LANGHOST_PSEUDO_VERSION:-}" ]; then
    # The host's own module at the CLI's release commit, built with pkg and sdk pinned to the CLI's version.
    write_gomod "$w" pa-toolchain/langhost \
      "$LANGHOST_MODULE@$LANGHOST_PSEUDO_VERSION github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
      "$PULUMI_REPLACES"
    pkg=$LANGHOST_MODULE
    ver=$PULUMI_VERSION
  else
    write_gomod "$w" pa-toolchain/langhost \
      "github.com/pulumi/pulumi/sdk/v3@$LANGHOST_FALLBACK_SDK_VERSION" "$LANGHOST_FALLBACK_REPLACES"
    pkg=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
    ver=$LANGHOST_FALLBACK_SDK_VERSION
  fi
  write_tools "$w" "$pkg"
  cd "$w"
  go mod tidy
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w $ldflags_version=$ver" -o "$bin/pulumi-language-nodejs.tmp" "$pkg"
  mv "$bin/pulumi-language-nodejs.tmp" "$bin/pulumi-language-nodejs"
}

# The dynamic-provider plugin (`pulumi-resource-pulumi-nodejs`, a shell script the CLI ships next to the
# language host) comes with the sdk module; without it @pulumi/pulumi dynamic providers fail.
install_dynamic_provider_script() {
  local d
  d=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$d/nodejs/dist/pulumi-resource-pulumi-nodejs" ] || { echo "not found under $d/nodejs/dist"; return 1; }
  install -m 0755 "$d/nodejs/dist/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
}

if [ -x "$bin/pulumi" ]; then log "pulumi $PULUMI_VERSION: cached ($bin/pulumi)"
else step "build pulumi CLI $PULUMI_VERSION" "$build/logs/cli-$PULUMI_VERSION.log" build_cli || exit 1; fi

# The host's cache key is its source (module and version), recorded next to it.
if [ -n "${LANGHOST_PSEUDO_VERSION:-}" ]; then langhost_source="$LANGHOST_MODULE $PULUMI_VERSION ($LANGHOST_PSEUDO_VERSION)"
else langhost_source="github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs $LANGHOST_FALLBACK_SDK_VERSION"; fi
if [ -x "$bin/pulumi-language-nodejs" ] && [ "$(cat "$bin/.pulumi-language-nodejs.source" 2>/dev/null)" = "$langhost_source" ]; then
  log "pulumi-language-nodejs: cached ($langhost_source)"
else
  step "build pulumi-language-nodejs ($langhost_source)" "$build/logs/langhost-$PULUMI_VERSION.log" build_langhost || exit 1
  echo "$langhost_source" >"$bin/.pulumi-language-nodejs.source"
fi

if [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then log "pulumi-resource-pulumi-nodejs: cached"
else step "install pulumi-resource-pulumi-nodejs" "$build/logs/dynamic-provider.log" install_dynamic_provider_script || exit 1; fi

# ---------------------------------------------------------------------------------------------------------
# 2. Provider plugins, at the versions of the npm packages
pulumi_home="$cache/pulumi-home"
mkdir -p "$pulumi_home"
# The plugin builds call the CLI just built: on a fresh machine env.sh does not exist yet.
export PATH="$bin:$PATH" PULUMI_HOME="$pulumi_home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# npm_version NAME: the plugin version the npm package @pulumi/NAME asks the engine for.
# Order: node_modules/@pulumi/NAME/package.json (pulumi.version, else version), package-lock.json,
# package.json (an exact pin only).
npm_version() {
  REPO="$repo" NAME="$1" node -e '
    const fs = require("fs"), path = require("path");
    const repo = process.env.REPO, name = "@pulumi/" + process.env.NAME;
    const read = (f) => { try { return JSON.parse(fs.readFileSync(path.join(repo, f), "utf8")); } catch { return null; } };
    let v = null, from = null;
    const inst = read(path.join("node_modules", name, "package.json"));
    if (inst) { v = (inst.pulumi && inst.pulumi.version) || inst.version; from = "node_modules"; }
    if (!v) {
      const lock = read("package-lock.json");
      const e = lock && ((lock.packages && lock.packages["node_modules/" + name]) || (lock.dependencies && lock.dependencies[name]));
      if (e && e.version) { v = e.version; from = "package-lock.json"; }
    }
    if (!v) {
      const pj = read("package.json") || {};
      const spec = { ...(pj.devDependencies || {}), ...(pj.dependencies || {}) }[name];
      if (spec && /^v?\d+\.\d+\.\d+$/.test(spec)) { v = spec.replace(/^v/, ""); from = "package.json"; }
      else if (spec) { console.error(name + " is pinned as \"" + spec + "\" in package.json: pin an exact version or run npm install first"); process.exit(3); }
    }
    if (!v) { console.error(name + " is not in node_modules, package-lock.json or package.json of " + repo); process.exit(4); }
    console.log(v.replace(/^v/, "") + " " + from);
  '
}

# pinned_version NAME: the npm version of @pulumi/NAME, or a named failure.
pinned_version() {
  local nv
  nv=$(npm_version "$1" 2>&1) || { printf "[toolchain] ERROR: step 'read version of @pulumi/%s': %s\n" "$1" "$nv" >&2; return 1; }
  echo "${nv%% *}"
}

# The Pulumi provider modules are refused (403) by the Go proxy here at every version (docs/toolchain.md), so
# docker and random are our own builds of the upstream Terraform providers through pulumi-terraform-bridge,
# and command is a stand-in that implements command:local:Command (setup/standin-plugins/command).
build_bridged() {
  . "$tables/bridged/versions.env"
  local name want have
  for name in $bridged; do
    want=$(pinned_version "$name") || return 1
    have=$([ "$name" = docker ] && echo "$BRIDGED_DOCKER_VERSION" || echo "$BRIDGED_RANDOM_VERSION")
    if [ "$want" != "$have" ]; then
      echo "package.json pins @pulumi/$name $want but setup/toolchain/bridged/versions.env builds $have: make them equal" >&2
      return 1
    fi
  done
  # shellcheck disable=SC2086
  "$tables/build-bridged-providers.sh" $bridged
}

install_command_standin() { # VERSION
  local dir="$pulumi_home/plugins/resource-command-v$1" src="$repo/setup/standin-plugins/command"
  mkdir -p "$dir"
  install -m 0644 "$src/provider.ts" "$src/main.ts" "$dir/"
  install -m 0755 "$src/pulumi-resource-command" "$dir/pulumi-resource-command"
  echo "installed the command stand-in as resource plugin command v$1 in $dir"
}

failed=()
bridged=$(for n in $plugins; do case "$n" in docker|random) echo "$n" ;; esac; done | xargs)
if [ -n "$bridged" ] && ! step "bridged provider plugins: $bridged" "$build/logs/bridged-providers.log" build_bridged; then
  failed+=("bridged provider plugins: $bridged")
fi
if [[ " $plugins " == *" command "* ]]; then
  if ! command_version=$(pinned_version command); then failed+=("read version of @pulumi/command")
  elif ! step "install command plugin stand-in v$command_version" "$build/logs/command-standin.log" \
      install_command_standin "$command_version"; then
    failed+=("install command plugin stand-in v$command_version")
  fi
fi

# ---------------------------------------------------------------------------------------------------------
# 3. The environment for callers
env_file="$cache/env.sh"
cat >"$env_file.tmp" <<EOF
# Written by setup/toolchain.sh: the Pulumi toolchain built from Go modules. Use: source "$env_file"
export PATH="$bin:\$PATH"
export PULUMI_HOME="$pulumi_home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
mv "$env_file.tmp" "$env_file"

log "environment (also in $env_file):"
sed -n '2,$p' "$env_file"
if [ ${#failed[@]} -gt 0 ]; then
  printf '[toolchain] ERROR: %s step(s) failed after %ss (CLI, language host and env.sh are ready; these plugins are not):\n' \
    "${#failed[@]}" "$(( $(date +%s) - t_all ))" >&2
  printf '    - %s\n' "${failed[@]}" >&2
  exit 1
fi
log "all done in $(( $(date +%s) - t_all ))s"
