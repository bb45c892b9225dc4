# Sourced by images/*/build.sh: a Debian minbase root filesystem made by mmdebstrap, without docs, man
# pages and translations, the downloaded .debs kept in the image cache so a rebuild does not fetch them
# again (mmdebstrap(1), "sync-in/sync-out"); one cache per lane of setup/images.sh (PA_IMAGE_LANE).
# Usage: debian_rootfs SUITE PACKAGES OUT [more mmdebstrap options, e.g. --customize-hook=...]
#   PACKAGES: comma-separated; OUT: a tar file, or - for stdout.
debian_rootfs() {
  local suite=$1 include=$2 out=$3 debs=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}/debs/$1${PA_IMAGE_LANE:+-lane$PA_IMAGE_LANE}
  shift 3
  command -v mmdebstrap >/dev/null || { echo "error: mmdebstrap is needed (apt-get install mmdebstrap)" >&2; return 1; }
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
    "$suite" "$out"
}

# Fails the build when the root filesystem's PACKAGE is not the VERSION a TAG promises.
# Usage: require_package_version ROOTFS PACKAGE VERSION IMAGE_DIR
require_package_version() {
  local root=$1 package=$2 version=$3 dir=$4 installed
  installed=$(chroot "$root" dpkg-query -W -f='${Version}' "$package")
  case $installed in
    "$version"-* | "$version"+*) ;;
    *) echo "error: Debian ships $package $installed, but $dir/TAG asks for $version; update $dir/TAG" >&2; return 1 ;;
  esac
}

# Builds the image of an images/NAME folder whose root filesystem is Debian packages: the root filesystem
# holds PACKAGE at the version its TAG names (after the colon); the Dockerfile gets the folder's other
# files (but build.sh and TAG) beside it, for its COPY lines. Prints the tag.
# Usage: debian_package_image DIR PACKAGE INCLUDE [more mmdebstrap options]
debian_package_image() {
  local dir=$1 package=$2 include=$3 tag work
  shift 3
  tag=$(<"$dir/TAG")
  work=$(mktemp -d "${TMPDIR:-/tmp}/pa-image.XXXXXX")
  # shellcheck disable=SC2064 # the folder is fixed now
  trap "rm -rf '$work'" EXIT
  debian_rootfs trixie "$include" "$work/rootfs.tar" \
    --customize-hook="bash -c '. \"$dir/../lib/debian-rootfs.sh\" && require_package_version \"\$1\" $package \"${tag##*:}\" images/${dir##*/}' sh \"\$1\"" \
    "$@"
  find "$dir" -maxdepth 1 -type f ! -name build.sh ! -name TAG -exec cp {} "$work/" \;
  docker build --quiet --tag "$tag" "$work" >/dev/null
  echo "$tag"
}
