#!/usr/bin/env bash
# A second Docker engine on this machine, standing in for another host's (a laptop's next to the
# server's): its own data, state, socket and engine ID. Docker 20.10 derives the engine ID from
# /etc/docker/key.json, so the daemon runs in its own mount namespace where /etc/docker is an empty
# directory of its own, and in its own network namespace: a daemon without a bridge deletes the host's
# docker0 at start, which would cut the first engine's containers off. It answers the API (info,
# volumes, images) and runs containers without networking.
# Usage: test/support/second-engine.sh start DIR   prints the DOCKER_HOST of the engine (unix://DIR/docker.sock)
#        test/support/second-engine.sh stop DIR    stops it and removes DIR
set -euo pipefail
action="${1:-}" dir="${2:-}"
if [[ -z "$action" || -z "$dir" || "$action" == "--help" ]]; then sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
case "$action" in
    start)
        mkdir -p "$dir/data" "$dir/exec" "$dir/etc"
        nohup unshare -m -n sh -c "mount --bind '$dir/etc' /etc/docker 2>/dev/null || { mkdir -p /etc/docker && mount --bind '$dir/etc' /etc/docker; } && exec dockerd --data-root '$dir/data' --exec-root '$dir/exec' --pidfile '$dir/docker.pid' -H 'unix://$dir/docker.sock' --bridge none --iptables=false --ip6tables=false" >"$dir/dockerd.log" 2>&1 &
        for _ in $(seq 1 60); do
            if docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1; then echo "unix://$dir/docker.sock"; exit 0; fi
            sleep 1
        done
        echo "the second Docker engine did not answer within 60 s; see $dir/dockerd.log" >&2
        tail -n 20 "$dir/dockerd.log" >&2 || true
        exit 1
        ;;
    stop)
        if [[ -f "$dir/docker.pid" ]]; then
            pid=$(cat "$dir/docker.pid")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        fi
        rm -rf "$dir"
        ;;
    *) echo "unknown action $action: start or stop" >&2; exit 2 ;;
esac
