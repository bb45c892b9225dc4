#!/usr/bin/env bash
# Builds pa-test/neo4j:<version> without any container registry: Maven fetches the Neo4j Community
# server jars from Maven Central (cached per version), mmdebstrap assembles a Debian trixie root
# filesystem with OpenJDK 21, `docker build` adds jars, config and entry script. Prints the tag
# (setup/images.sh skips the build when images/neo4j/TAG is present).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$here/pom.xml")
TAG=pa-test/neo4j:$version

cache=${PA_IMAGE_CACHE:-$HOME/.cache/pa-images}
libs=$cache/neo4j/$version/lib
debs=$cache/debs/trixie
work=$(mktemp -d "${TMPDIR:-/tmp}/pa-neo4j.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$debs"

# Fetch into a temporary folder and rename, so an interrupted download is never taken as complete.
if [[ ! -d $libs ]]; then
  mvn -B -q -f "$here/pom.xml" -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >&2
  mv "$libs.tmp" "$libs"
fi

# Docs, man pages and translations are not needed in a test image. The JRE's postinst still
# registers its man page with update-alternatives, which fails unless man1/ exists.
mmdebstrap --variant=minbase --mode=root --format=tar \
  --include=openjdk-21-jre-headless,tini,curl,wget,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives "$1"/usr/share/man/man1' \
  --setup-hook="sync-in $debs /var/cache/apt/archives" \
  --customize-hook="sync-out /var/cache/apt/archives $debs" \
  --customize-hook="$here/customize-rootfs.sh" \
  trixie "$work/rootfs.tar" >&2

cp -r "$libs" "$work/lib"
cp "$here/Dockerfile" "$here/neo4j.conf" "$here/docker-entrypoint.sh" "$work/"
docker build --quiet --tag "$TAG" "$work" >/dev/null
echo "$TAG"
