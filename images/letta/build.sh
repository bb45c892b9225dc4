#!/usr/bin/env bash
# Builds pa-test/letta:<version> without any container registry: pip (on the host) fetches the
# pinned wheels of requirements.lock into the image cache (per version), mmdebstrap assembles a
# Debian bookworm root filesystem (Python 3.11 like the host, curl) and installs the wheels into
# /app/.venv; the root filesystem is streamed into `docker import`, and `docker build` adds the start
# scripts and metadata. Prints the tag (setup/images.sh skips the build when images/letta/TAG is present).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(sed -n 's/^letta==//p' "$here/requirements.lock")
TAG=pa-test/letta:$version

cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
wheels=$cache/letta/$version/wheels
debs=$cache/debs/bookworm
base=pa-test/letta-rootfs:$version
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-letta.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$debs"

# The wheels must match the image's CPython 3.11 ABI; `pip wheel` also builds the one sdist
# (demjson3). Fetched into a temporary folder and renamed, so a partial download is never used.
if [[ ! -d $wheels ]]; then
  python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    { echo "build.sh: needs python3 3.11 on the host (image ABI)" >&2; exit 1; }
  rm -rf "$wheels.tmp"
  python3 -m pip wheel --quiet --no-deps -r "$here/requirements.lock" -w "$wheels.tmp" >&2
  mv "$wheels.tmp" "$wheels"
fi

# Docs, man pages and translations are not needed in a test image. The 1 GB root filesystem goes
# straight from mmdebstrap into docker import instead of through a tar file and a build context.
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=python3,python3-venv,curl,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="$here/customize-rootfs.sh \"\$1\" $wheels" \
  bookworm - | docker import - "$base" >/dev/null

cp "$here/Dockerfile" "$here/startup.sh" "$here/init_schema.py" "$work/"
docker build --quiet --build-arg BASE="$base" --tag "$TAG" "$work" >/dev/null
# The final image keeps the layer; only the intermediate name goes.
docker rmi "$base" >/dev/null
echo "$TAG"
