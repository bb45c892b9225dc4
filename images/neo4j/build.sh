#!/usr/bin/env bash
# Builds pa-test/neo4j:<version> without any container registry: Maven fetches the Neo4j Community
# server jars from Maven Central (cached per version), mmdebstrap assembles a Debian trixie root
# filesystem with OpenJDK 21, `docker build` adds jars, config and entry script. Prints the tag
# (setup/images.sh skips the build when images/neo4j/TAG is present).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-rootfs.sh
. "$here/../lib/debian-rootfs.sh"
version=$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$here/pom.xml")
TAG=pa-test/neo4j:$version

cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
libs=$cache/neo4j/$version/lib
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-neo4j.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Fetch into a temporary folder and rename, so an interrupted download is never taken as complete.
if [[ ! -d $libs ]]; then
  mvn -B -q -f "$here/pom.xml" -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >&2
  mv "$libs.tmp" "$libs"
fi

# The JRE's postinst registers its man page with update-alternatives, which fails unless man1/ exists
# (debian_rootfs leaves man pages out).
# shellcheck disable=SC2016 # "$1" in hooks is expanded by mmdebstrap (the chroot path)
debian_rootfs trixie openjdk-21-jre-headless,tini,curl,wget,ca-certificates "$work/rootfs.tar" \
  --setup-hook='mkdir -p "$1"/usr/share/man/man1' \
  --customize-hook="$here/customize-rootfs.sh" >&2

cp -r "$libs" "$work/lib"
cp "$here/Dockerfile" "$here/neo4j.conf" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
