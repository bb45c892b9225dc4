#!/usr/bin/env bash
# mmdebstrap customize hook (root filesystem as $1) for the Neo4j test image: the official image's
# user (uid/gid 7474), directories and bin/ launchers. The jars are added by the Dockerfile.
set -euo pipefail
root=$1
home=/var/lib/neo4j

chroot "$root" bash -euo pipefail -c "
  groupadd --system --gid 7474 neo4j
  useradd --system --uid 7474 --gid 7474 --home-dir $home --shell /bin/bash neo4j
  mkdir -p $home/bin $home/conf $home/run /data /logs /import /plugins /startup
  chown -R neo4j:neo4j $home /data /logs /import /plugins
"

# Same main classes as the distribution's appassembler scripts; the bootstrap JVM stays small and
# starts the real server / admin JVM with the options from conf/neo4j.conf.
for prog in neo4j:Neo4jBoot neo4j-admin:Neo4jAdminBoot; do
  cat >"$root$home/bin/${prog%%:*}" <<SCRIPT
#!/bin/sh
exec java -Xmx128m -cp "\$NEO4J_HOME/lib/*" -Dapp.home="\$NEO4J_HOME" -Dbasedir="\$NEO4J_HOME" \\
  org.neo4j.server.startup.${prog#*:} "\$@"
SCRIPT
  chmod 755 "$root$home/bin/${prog%%:*}"
done
