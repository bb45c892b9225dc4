# shellcheck shell=bash
# Sourced by the build.sh of the Python test images (letta, open-webui): the steps they share.
# Such an image is named after its folder and versioned by the `NAME==VERSION` line of its
# requirements.lock; the pinned wheels of that lock are fetched on the host (cached per version),
# mmdebstrap assembles a Debian bookworm root filesystem (Python 3.11 like the host) and installs
# the wheels into /app/.venv (install-wheels.sh), then runs the image's own customize-rootfs.sh;
# the root filesystem is streamed into `docker import`, and `docker build` adds the image folder's
# Dockerfile and files. PA_IMAGE_TAG overrides the tag, for a trial build of one image that must
# not replace the one in use.

# python_venv_image DIR PIP_MODE INCLUDE FILE...: builds the image of folder DIR and prints its tag.
# PIP_MODE: `wheel` (pip wheel: builds any sdist in the lock) or `binary` (pip download of binary
# wheels only). INCLUDE: the Debian packages, comma-separated. FILE...: what the Dockerfile COPYs,
# relative to DIR.
python_venv_image() {
  local dir=$1 mode=$2 include=$3
  shift 3
  local name version tag base wheels work
  name=$(basename "$dir")
  version=$(sed -n "s/^$name==//p" "$dir/requirements.lock")
  tag=${PA_IMAGE_TAG:-pa-test/$name:$version}
  base=${tag%:*}-rootfs:${tag##*:}
  wheels=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}/$name/$version/wheels
  work=$(mktemp -d "${TMPDIR:-/tmp}/pa-$name.XXXXXX")
  # shellcheck disable=SC2064 # the folder is known now
  trap "rm -rf '$work'" EXIT

  fetch_wheels "$mode" "$dir/requirements.lock" "$wheels"
  bookworm_rootfs "$include" \
    --customize-hook="'${BASH_SOURCE[0]%/*}/install-wheels.sh' \"\$1\" '$wheels' '$dir/requirements.lock'" \
    --customize-hook="'$dir/customize-rootfs.sh' \"\$1\"" |
    docker import - "$base" >/dev/null

  (cd "$dir" && cp "Dockerfile" "$@" "$work/")
  docker build --quiet --build-arg BASE="$base" --tag "$tag" "$work" >/dev/null
  # The final image keeps the layer; only the intermediate name goes.
  docker rmi "$base" >/dev/null
  echo "$tag"
}

# fetch_wheels PIP_MODE LOCK DEST: the wheels of LOCK, for the image's CPython 3.11 ABI, in DEST
# unless it is there already. Fetched into a temporary folder and renamed, so a partial download is
# never used.
fetch_wheels() {
  local mode=$1 lock=$2 dest=$3
  [[ -d $dest ]] && return 0
  python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    { echo "build.sh: needs python3 3.11 on the host (image ABI)" >&2; return 1; }
  rm -rf "$dest.tmp"
  case $mode in
    wheel) python3 -m pip wheel --quiet --no-deps -r "$lock" -w "$dest.tmp" >&2 ;;
    binary) python3 -m pip download --quiet --no-deps --only-binary=:all: -r "$lock" -d "$dest.tmp" >&2 ;;
    *) echo "fetch_wheels: unknown mode '$mode'" >&2; return 1 ;;
  esac
  mv "$dest.tmp" "$dest"
}

# bookworm_rootfs INCLUDE MMDEBSTRAP_ARG...: a Debian bookworm minbase root filesystem with the
# packages INCLUDE, as a tar on stdout, the downloaded .debs kept in the image cache. Docs, man
# pages and translations are not needed in a test image; the root filesystem (1-2 GB) goes straight
# into docker import instead of through a tar file and a build context.
bookworm_rootfs() {
  local include=$1 debs=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}/debs/bookworm${PA_IMAGE_LANE:+-lane$PA_IMAGE_LANE}
  shift
  mkdir -p "$debs"
  # shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --include="$include" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
    --setup-hook="sync-in $debs /var/cache/apt/archives" \
    --customize-hook="sync-out /var/cache/apt/archives $debs" \
    "$@" \
    bookworm -
}
