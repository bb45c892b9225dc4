#!/usr/bin/env bash
# Builds the locally made test images (no container registry is reachable here). Every folder
# images/NAME/ with a build.sh is one image, built in name order; build.sh must print the tag it built.
# An image is skipped when its tag is already present; the tag is read from images/NAME/TAG (one line),
# so a folder without TAG is built every time. FORCE=1 rebuilds everything; names as arguments
# (e.g. `setup/images.sh n8n`) restrict the run to those images. Two lanes build at once
# (PA_IMAGE_LANES=1 builds one after another). Safe to re-run.
# Build logs: ${PA_IMAGE_CACHE:-~/.cache/pa-images}/logs/NAME.log
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
logs=$cache/logs

log() { printf '[images%s] %s\n' "${PA_IMAGE_LANE:+ lane $PA_IMAGE_LANE}" "$*"; }

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

# Builds names[i] unless its tag is present.
build_if_missing() {
  local name=$1 tagfile=$repo/images/$1/TAG
  if [[ ${FORCE:-0} != 1 && -f $tagfile ]] && docker image inspect "$(<"$tagfile")" >/dev/null 2>&1; then
    log "skip $name: $(<"$tagfile") is present (FORCE=1 rebuilds)"
    return 0
  fi
  [[ -f $tagfile ]] || log "note: no images/$name/TAG, so its build.sh decides itself whether to rebuild"
  begin "build $name"; build_image "$name"; end
}

# Lanes (PA_IMAGE_LANES, default 2) build side by side, each taking the next image nobody has taken:
# a build mostly waits on downloads, unpacking and `docker build`, so two overlap well even on two
# cores. Each lane keeps its own cache of Debian packages (PA_IMAGE_LANE, read by images/lib), since
# two mmdebstrap runs syncing one folder at once could hand each other half-written files.
lanes=${PA_IMAGE_LANES:-2}
queue=$(mktemp -d "${TMPDIR:-/tmp}/pa-images-queue.XXXXXX")
echo 0 >"$queue/next"
take() { flock "$queue/next" bash -c 'n=$(<"$1"); echo $((n + 1)) >"$1"; echo "$n"' take "$queue/next"; }
lane() {
  export PA_IMAGE_LANE=$1
  trap on_exit EXIT
  local i
  while i=$(take) && ((i < ${#names[@]})); do build_if_missing "${names[i]}"; done
}

total=$SECONDS
pids=()
for ((l = 1; l <= lanes; l++)); do
  lane "$l" &
  pids+=($!)
done
failed=0
for _ in "${pids[@]}"; do
  if ! wait -n; then
    failed=1
    # One lane failed: the others take no further image (a build already under way runs out in the
    # background); the failed step is named above.
    kill "${pids[@]}" 2>/dev/null || true
  fi
done
rm -rf "$queue"
((failed == 0)) || { log "FAILED: see the step named above" >&2; exit 1; }
log "all images ready in $((SECONDS - total)) s (lanes: $lanes)"
