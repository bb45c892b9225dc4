#!/usr/bin/env bash
# Measures a cold CI on this machine without losing its warm state: Docker's data root (its entries, moved
# into a folder inside it: /var/lib/docker may be a mount point), ~/.cache, ~/go, ~/.npm and ~/.pulumi are
# moved aside (same filesystem: instant), `.ci/run` runs in a clean clone of HEAD, then everything is put
# back and the cold run's data is deleted. Prints "cold CI exit N in S s"; the run's log: $OUT/ci.log.
# Needs the machine alone for about 70 min (stops dockerd; no other suite may run). Root only.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/cold-ci}
clone=${CLONE:-/tmp/cold-clone}
aside=/var/lib/docker/warm-aside
mkdir -p "$out"
stop_dockerd() { pkill -x dockerd; for _ in $(seq 1 60); do pgrep -x dockerd >/dev/null || return 0; sleep 1; done; pkill -9 -x dockerd; sleep 2; }
stop_dockerd
pkill -x containerd || true
mkdir -p "$aside"
for e in /var/lib/docker/*; do [ "$e" = "$aside" ] || mv "$e" "$aside/"; done
for d in ~/.cache ~/go ~/.npm ~/.pulumi; do [ -e "$d" ] && [ ! -e "$d.warm" ] && mv "$d" "$d.warm"; done
rm -rf "$clone" && git clone -q "$repo" "$clone"
cd "$clone"
start=$(date +%s)
bash .ci/run >"$out/ci.log" 2>&1
rc=$?
echo "cold CI exit $rc in $(($(date +%s) - start)) s" | tee "$out/result"
test/two-hosts/server.sh stop >/dev/null 2>&1 || true
stop_dockerd
pkill -x containerd || true
chmod -R u+w ~/go 2>/dev/null
for e in /var/lib/docker/*; do [ "$e" = "$aside" ] || rm -rf "$e"; done
for e in "$aside"/*; do mv "$e" /var/lib/docker/; done
rmdir "$aside"
rm -rf ~/.cache ~/go ~/.npm ~/.pulumi
for d in ~/.cache ~/go ~/.npm ~/.pulumi; do [ -e "$d.warm" ] && mv "$d.warm" "$d"; done
echo "warm state restored" | tee -a "$out/result"
