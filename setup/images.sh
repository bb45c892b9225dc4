#!/usr/bin/env bash
# Builds the locally made test images (no container registry is reachable here). Every folder
# images/NAME/ with a build.sh is one image, built in name order; build.sh must print the tag it built.
# An image is skipped when its tag is already present; the tag is read from images/NAME/TAG (one line),
# so a folder without TAG is built every time. FORCE=1 rebuilds everything; names as arguments
# (e.g. `setup/images.sh n8n`) restrict the run to those images. Safe to re-run.
# Build logs: ${PA_IMAGE_CACHE:-~/.cache/pa-images}/logs/NAME.log
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
logs=$cache/logs

log() { printf '[images] %s\n' "$*"; }

# Steps run plainly under `set -e`; on any failure the EXIT trap names the step that was running.
step_name="" step_start=0
on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n $step_name ]]; then
    log "FAILED: step '$step_name' (exit $rc after $((SECONDS - step_start)) s)" >&2
  fi
}
trap on_exit EXIT
begin() { step_name=$1 step_start=$SECONDS; log "$step_name ..."; }
end() { log "$step_name: done in $((SECONDS - step_start)) s"; step_name=""; }

prerequisites() {
  if ! docker info >/dev/null 2>&1; then
    echo "no Docker engine answers; run setup/docker-engine.sh first" >&2
    return 1
  fi
  # The Debian-based test images assemble their root filesystems with mmdebstrap.
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq mmdebstrap >/dev/null
  fi
  mkdir -p "$logs"
}

# Builds images/$1 with its build.sh; the output goes to a log whose tail is shown on failure.
build_image() {
  local name=$1 logfile=$logs/$1.log out tag
  if ! out=$(bash "$repo/images/$name/build.sh" 2>"$logfile"); then
    tail -n 30 "$logfile" >&2
    echo "build log: $logfile" >&2
    return 1
  fi
  tag=${out##*$'\n'}
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    echo "images/$name/build.sh reported tag '$tag', but no such image exists" >&2
    return 1
  fi
  if [[ -f $repo/images/$name/TAG && $tag != "$(<"$repo/images/$name/TAG")" ]]; then
    echo "images/$name/build.sh built '$tag', but images/$name/TAG says '$(<"$repo/images/$name/TAG")'" >&2
    return 1
  fi
  log "built $tag"
}

begin "prerequisites"; prerequisites; end

LC_COLLATE=C # a stable build order, whatever the caller's locale
names=()
for f in "$repo"/images/*/build.sh; do
  if [[ -f $f ]]; then names+=("$(basename "$(dirname "$f")")"); fi
done
if (($# > 0)); then
  for n in "$@"; do
    [[ -f $repo/images/$n/build.sh ]] || { log "FAILED: there is no images/$n/build.sh" >&2; exit 1; }
  done
  names=("$@")
fi

total=$SECONDS
for name in "${names[@]}"; do
  tagfile=$repo/images/$name/TAG
  if [[ ${FORCE:-0} != 1 && -f $tagfile ]] && docker image inspect "$(<"$tagfile")" >/dev/null 2>&1; then
    log "skip $name: $(<"$tagfile") is present (FORCE=1 rebuilds)"
    continue
  fi
  [[ -f $tagfile ]] || log "note: no images/$name/TAG, so its build.sh decides itself whether to rebuild"
  begin "build $name"; build_image "$name"; end
done
log "all images ready in $((SECONDS - total)) s"
