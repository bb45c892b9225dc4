#!/usr/bin/env bash
# Builds our own Terraform-bridged provider plugins pulumi-resource-docker and pulumi-resource-random, for when
# the Go proxy refuses the Pulumi provider modules (github.com/pulumi/pulumi-{docker,random}/provider/v4).
# Sources (all served by the Go proxy): kreuzwerker's terraform-provider-docker (its SDKv2 resources),
# hashicorp's terraform-provider-random (plugin framework), github.com/pulumi/pulumi-terraform-bridge/v3.
# The ProviderInfo in bridged/*/provider/provider.go gives the tokens and property names of the npm packages
# @pulumi/docker and @pulumi/random, and the plugins report the npm versions, so the engine uses them.
#
# Per provider: tfgen binary -> `schema --out` (schema.json, bridge-metadata.json) -> resource binary embedding
# them -> $PA_TOOLCHAIN_DIR/plugins/resource-NAME-vVERSION/pulumi-resource-NAME -> `pulumi plugin install
# resource NAME VERSION --file` into the cache's PULUMI_HOME. A build is skipped when the cached binary's
# stamp (hash of bridged/ inputs, versions and the Go version) matches; the install is skipped when the
# installed binary is identical. Needs the pulumi CLI from setup/toolchain.sh ($PA_TOOLCHAIN_DIR/env.sh).
#
# Usage: setup/toolchain/build-bridged-providers.sh [docker] [random]   (default: both)
# Env:   PA_TOOLCHAIN_DIR  cache root (default $HOME/.cache/pa-toolchain)
#        PA_BRIDGED_FORCE=1  rebuild even if the stamp matches
# Versions: setup/toolchain/bridged/versions.env
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/bridged"
# shellcheck source=bridged/versions.env
. "$src/versions.env"

providers=("$@")
[ ${#providers[@]} -gt 0 ] || providers=(docker random)

cache=${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
build="$cache/build/bridged"
logs="$cache/build/logs"
mkdir -p "$build" "$logs"

export GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

t_all=$(date +%s)
log() { printf '[bridged] %s\n' "$*"; }
die() { printf '[bridged] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../lib/step.sh
STEP_TAG=bridged
. "$here/../lib/step.sh"

command -v go >/dev/null || die "step 'preflight': go is not on PATH"
if ! command -v pulumi >/dev/null; then
  [ -f "$cache/env.sh" ] || die "step 'preflight': no pulumi on PATH and no $cache/env.sh (run setup/toolchain.sh --no-plugins first)"
  # shellcheck disable=SC1091
  . "$cache/env.sh"
fi
export PULUMI_HOME=${PULUMI_HOME:-$cache/pulumi-home}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
log "cache: $cache, PULUMI_HOME: $PULUMI_HOME ($(go version | cut -d' ' -f3), bridge $TF_BRIDGE_VERSION)"

# fill TEMPLATE OUT: substitutes @VAR@ placeholders from versions.env.
fill() {
  sed -e "s|@TF_BRIDGE_VERSION@|$TF_BRIDGE_VERSION|g" -e "s|@PULUMI_GO_SDK_VERSION@|$PULUMI_GO_SDK_VERSION|g" \
      -e "s|@TF_DOCKER_VERSION@|$TF_DOCKER_VERSION|g" -e "s|@TF_RANDOM_VERSION@|$TF_RANDOM_VERSION|g" \
      "$1" >"$2"
  if grep -q '@[A-Z_]*@' "$2"; then echo "unfilled placeholder in $2" >&2; return 1; fi
}

# The pulumi fork of terraform-plugin-sdk/v2 that the bridge requires, copied and patched (shared by both).
prepare_fork() {
  local dir
  dir=$(cd "$build" && go mod download -json "github.com/pulumi/terraform-plugin-sdk/v2@$SDKV2_FORK_VERSION" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "go mod download gave no Dir for the sdk fork"; return 1; }
  rm -rf "$build/sdkv2-fork"
  cp -r "$dir" "$build/sdkv2-fork"
  chmod -R u+w "$build/sdkv2-fork"
  cp "$src/sdkv2-patch/"*.go "$build/sdkv2-fork/helper/schema/"
}

# build_provider NAME VERSION TAGS LDFLAGS_EXTRA: writes the modules, builds tfgen, generates the schema,
# builds the resource binary into $out.tmp.
build_provider() {
  local name=$1 version=$2 tags=$3 extra=$4
  local w="$build/$name" shim="$build/shim-$name" gen="$build/gen-$name"
  local ld="-X pa.local/bridged/$name/provider.Version=$version $extra"
  rm -rf "$w" "$shim" "$gen"
  mkdir -p "$w" "$shim" "$gen"
  cp -r "$src/$name/." "$w/"
  rm -f "$w/go.mod.tmpl"
  fill "$src/$name/go.mod.tmpl" "$w/go.mod"
  cp "$src/shim-$name/shim.go" "$shim/"
  fill "$src/shim-$name/go.mod.tmpl" "$shim/go.mod"
  cd "$w"
  echo "== build pulumi-tfgen-$name"
  # The same -trimpath and tags as the resource binary below: Go's build cache then compiles the shared
  # packages (the upstream provider, the bridge, the SDK) once for both, which halves a cold build.
  go build -trimpath -tags "$tags" -ldflags "$ld" -o "$build/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name"
  echo "== generate schema"
  (cd "$gen" && "$build/pulumi-tfgen-$name" schema --out .)
  [ -s "$gen/schema.json" ] && [ -s "$gen/bridge-metadata.json" ] || { echo "tfgen wrote no schema.json/bridge-metadata.json"; return 1; }
  cp "$gen/schema.json" "$gen/bridge-metadata.json" "$w/cmd/pulumi-resource-$name/"
  echo "== build pulumi-resource-$name"
  go build -trimpath -tags "$tags" -ldflags "-s -w $ld" -o "$out.tmp" "./cmd/pulumi-resource-$name"
  # Smoke test: the bridge answers -version without starting the gRPC server; it must be the npm version.
  local got
  got=$("$out.tmp" -version)
  [ "$got" = "$version" ] || { echo "pulumi-resource-$name -version says '$got', expected '$version'"; return 1; }
}

install_plugin() {
  pulumi plugin install resource "$1" "$2" --file "$out" --reinstall
  pulumi plugin ls | grep -E "^$1 +resource +$2 "
}

stamp_of() {
  local name=$1
  { go version
    cat "$src/versions.env" "${BASH_SOURCE[0]}"
    find "$src/$name" "$src/shim-$name" "$src/sdkv2-patch" -type f | LC_ALL=C sort | xargs sha256sum | sed "s|$src/||"
  } | sha256sum | cut -c1-16
}

fork_ready=""
for name in "${providers[@]}"; do
  case "$name" in
    docker) version=$BRIDGED_DOCKER_VERSION; tags=no_compose
            extra="-X pa.local/bridged/docker/provider.UpstreamVersion=$TF_DOCKER_VERSION" ;;
    random) version=$BRIDGED_RANDOM_VERSION; tags=""; extra="" ;;
    *) die "step 'args': unknown provider '$name' (known: docker random)" ;;
  esac
  pdir="$cache/plugins/resource-$name-v$version"
  out="$pdir/pulumi-resource-$name"
  stamp=$(stamp_of "$name")
  if [ -z "${PA_BRIDGED_FORCE:-}" ] && [ -x "$out" ] && [ "$(cat "$pdir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "pulumi-resource-$name v$version: cached ($pdir, stamp $stamp)"
  else
    mkdir -p "$pdir"
    if [ -z "$fork_ready" ]; then
      step "prepare terraform-plugin-sdk/v2 fork $SDKV2_FORK_VERSION" "$logs/bridged-sdkv2-fork.log" prepare_fork || exit 1
      fork_ready=1
    fi
    step "build bridged pulumi-resource-$name v$version" "$logs/bridged-$name-v$version.log" \
      build_provider "$name" "$version" "$tags" "$extra" || exit 1
    mv "$out.tmp" "$out"
    echo "$stamp" >"$pdir/.stamp"
  fi
  installed="$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name"
  if [ -x "$installed" ] && cmp -s "$installed" "$out"; then
    log "plugin resource $name v$version: already installed in $PULUMI_HOME"
  else
    step "install plugin resource $name v$version" "$logs/bridged-install-$name-v$version.log" \
      install_plugin "$name" "$version" || exit 1
  fi
done
log "done in $(( $(date +%s) - t_all ))s"
