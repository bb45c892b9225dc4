#!/usr/bin/env bash
# The second Docker engine of test:two-hosts: a container of pa-test/server (images/server), with what
# --privileged grants, that plays the production server while the local engine plays the laptop.
#   server.sh start   start it (removing a previous one), clean its engine of everything but images,
#                     push the test images into its registry, write $PA_TWO_HOSTS_DIR/env
#   server.sh stop    remove the container, its ssh agent and $PA_TWO_HOSTS_DIR (the image store and the
#                     registry stay in their volumes, so the next start pulls nothing it already has)
#   server.sh warm    start, pull every test image into the server's store, stop: CI runs it beside the
#                     one-host suites, so a cold run's gigabytes move while those wait on containers
#   server.sh purge   stop, and remove those volumes too
# Reached only at 127.0.0.1: SSH on $PA_SERVER_SSH_PORT (key login with a key made for this start, the
# host key pinned in a known_hosts file), the registry on $PA_SERVER_REGISTRY_PORT. The env file names
# them for the tests: PA_SERVER_HOST (ssh://...), PA_SERVER_KNOWN_HOSTS, PA_SERVER_SOCKET (the engine's
# socket, for the tests' own checks when the link is cut), PA_SERVER_REGISTRY, SSH_AUTH_SOCK.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${PA_TWO_HOSTS_DIR:-/tmp/pa-two-hosts}
ssh_port=${PA_SERVER_SSH_PORT:-22022}
registry_port=${PA_SERVER_REGISTRY_PORT:-25000}
name=pa-test-server
image=$(<"$repo/images/server/TAG")

# What --privileged grants, minus the capabilities this host itself lacks (a sandboxed CI host may withhold
# some, and --privileged then fails to start): the server's dockerd needs them for its containers.
server_privileges=(--security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm')
# Capability numbers as in linux/capability.h (0 = CHOWN ... 37 = AUDIT_READ; the newer PERFMON, BPF and
# CHECKPOINT_RESTORE are unknown to Docker 20.10 and not needed by the server's engine).
all_caps=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
  SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
  AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ)
bounding=$((16#$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
for bit in "${!all_caps[@]}"; do
  if (((bounding >> bit) & 1)); then server_privileges+=(--cap-add "${all_caps[bit]}"); fi
done

say() { printf '[two-hosts] %s\n' "$*" >&2; }

stop() {
  # A stop first, so the server's dockerd closes its image store cleanly before the container goes.
  docker stop -t 30 "$name" >/dev/null 2>&1 || true
  docker rm -f --volumes "$name" >/dev/null 2>&1 || true
  if [[ -f $dir/agent.pid ]]; then kill "$(<"$dir/agent.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}

# Images of the stacks (every images/*/TAG but this fixture's own), as the registry names them.
test_images() {
  local tag
  for tagfile in "$repo"/images/*/TAG; do
    tag=$(<"$tagfile")
    [[ $tag == "$image" ]] || echo "$tag"
  done
}

start() {
  docker image inspect "$image" >/dev/null 2>&1 || { say "no $image: run setup/images.sh server"; return 1; }
  # The laptop side: the ssh client the docker CLI and the provider start, ssh-keygen and ssh-agent.
  if ! command -v ssh-agent >/dev/null; then
    say "installing openssh-client"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client >/dev/null
  fi
  stop
  mkdir -p "$dir/run"
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N "" -C pa-two-hosts -f "$dir/id_ed25519"
  say "starting $name (ssh 127.0.0.1:$ssh_port, registry 127.0.0.1:$registry_port)"
  docker run -d --name "$name" "${server_privileges[@]}" \
    -p "127.0.0.1:$ssh_port:22" -p "127.0.0.1:$registry_port:$registry_port" \
    -e PA_SERVER_AUTHORIZED_KEY="$(<"$dir/id_ed25519.pub")" -e PA_SERVER_REGISTRY_PORT="$registry_port" \
    -v pa-test-server-docker:/var/lib/docker -v pa-test-server-registry:/var/lib/docker-registry \
    -v "$dir/run:/run/pa-server" "$image" >/dev/null
  local server=(docker --host "unix://$dir/run/docker.sock")
  for _ in $(seq 1 60); do
    "${server[@]}" info >/dev/null 2>&1 && break
    [[ $(docker inspect -f '{{.State.Running}}' "$name") == true ]] || break
    sleep 1
  done
  "${server[@]}" info >/dev/null 2>&1 || {
    say "the server's engine did not start:"
    docker logs "$name" >&2
    docker cp "$name:/var/log/dockerd.log" - 2>/dev/null | tar -xO | tail -20 >&2
    return 1
  }

  # A previous run's leftovers (a killed run never reaches stop): every container, volume and network.
  local containers volumes networks
  containers=$("${server[@]}" ps -aq | wc -l)
  volumes=$("${server[@]}" volume ls -q | wc -l)
  networks=$("${server[@]}" network ls -q --filter type=custom | wc -l)
  if ((containers + volumes + networks > 0)); then
    say "cleaned up a previous run on the server: $containers containers, $volumes volumes, $networks networks"
    "${server[@]}" ps -aq | xargs -r "${server[@]}" rm -f --volumes >/dev/null
    "${server[@]}" volume ls -q | xargs -r "${server[@]}" volume rm -f >/dev/null
    "${server[@]}" network ls -q --filter type=custom | xargs -r "${server[@]}" network rm >/dev/null
  fi

  local host_key version
  host_key=$(docker exec "$name" cat /etc/ssh/ssh_host_ed25519_key.pub)
  printf '[127.0.0.1]:%s %s\n' "$ssh_port" "$(cut -d' ' -f1,2 <<<"$host_key")" >"$dir/known_hosts"
  eval "$(ssh-agent -s -a "$dir/agent.sock")" >/dev/null
  echo "$SSH_AGENT_PID" >"$dir/agent.pid"
  ssh-add -q "$dir/id_ed25519"
  cat >"$dir/env" <<ENV
export PA_SERVER_HOST=ssh://pa@127.0.0.1:$ssh_port
export PA_SERVER_KNOWN_HOSTS=$dir/known_hosts
export PA_SERVER_SOCKET=unix://$dir/run/docker.sock
export PA_SERVER_REGISTRY=127.0.0.1:$registry_port
export SSH_AUTH_SOCK=$SSH_AUTH_SOCK
export SSH_AGENT_PID=$SSH_AGENT_PID
ENV
  for _ in $(seq 1 20); do
    ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$dir/known_hosts" -p "$ssh_port" pa@127.0.0.1 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 0.5
  done
  version=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$dir/known_hosts" -p "$ssh_port" pa@127.0.0.1 docker version --format '{{.Server.Version}}')
  say "server engine $version answers over ssh"

  # The registry gets every test image under its own name (127.0.0.1:PORT/...), which both engines
  # resolve: the stacks name their images so, and the server pulls them as a real one would.
  local started=$SECONDS pushed=0
  while read -r tag; do
    docker image inspect "$tag" >/dev/null 2>&1 || { say "no $tag: run setup/images.sh"; return 1; }
    docker tag "$tag" "127.0.0.1:$registry_port/$tag"
    docker push --quiet "127.0.0.1:$registry_port/$tag" >/dev/null
    pushed=$((pushed + 1))
  done < <(test_images)
  say "registry holds the $pushed test images ($((SECONDS - started)) s)"
}

warm() {
  trap stop EXIT
  start
  local started=$SECONDS
  # shellcheck source=/dev/null
  source "$dir/env"
  while read -r tag; do
    docker --host "$PA_SERVER_SOCKET" pull --quiet "$PA_SERVER_REGISTRY/$tag" >/dev/null
  done < <(test_images)
  say "the server's store holds the test images ($((SECONDS - started)) s)"
  stop
}

case ${1:-} in
  start) start ;;
  warm) warm ;;
  stop) stop; say "server removed (its image store and registry volumes are kept; purge removes them)" ;;
  purge) stop; docker volume rm -f pa-test-server-docker pa-test-server-registry >/dev/null; say "server and its volumes removed" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
