#!/bin/sh
# The test server's processes: sshd (key login of `pa` only; the key in PA_SERVER_AUTHORIZED_KEY, host
# keys made fresh for each container), a registry on 127.0.0.1:$PA_SERVER_REGISTRY_PORT (published on the
# same port of the laptop's loopback, so an image has one name on both engines), and dockerd in the
# foreground, its socket also in /run/pa-server for the tests' own checks.
set -eu
: "${PA_SERVER_AUTHORIZED_KEY:?the public key that may log in as pa}"
: "${PA_SERVER_REGISTRY_PORT:?the registry port}"

# Started with every capability the laptop's engine may grant but not --privileged (a sandboxed host may
# withhold one, and then --privileged fails): /sys and the cgroup hierarchies come read-only and are
# remounted so this dockerd can make its containers' cgroups.
mount -o remount,rw /sys
for hierarchy in /sys/fs/cgroup/*/; do
  mountpoint -q "$hierarchy" && mount -o remount,bind,rw "$hierarchy"
done

ssh-keygen -A -q
mkdir -p /run/sshd /run/pa-server
install -d -m 700 -o pa -g pa /home/pa/.ssh
printf '%s\n' "$PA_SERVER_AUTHORIZED_KEY" >/home/pa/.ssh/authorized_keys
chown pa:pa /home/pa/.ssh/authorized_keys
chmod 600 /home/pa/.ssh/authorized_keys
cat >/etc/ssh/sshd_config.d/pa-test.conf <<CONF
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers pa
# Docker's ssh connections are long-lived and many at once (the provider, the CLI, the sync).
MaxStartups 100:30:200
MaxSessions 100
CONF
/usr/sbin/sshd -E /var/log/sshd.log

mkdir -p /var/lib/docker-registry
cat >/etc/docker/registry/config.yml <<CONF
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: 0.0.0.0:$PA_SERVER_REGISTRY_PORT
CONF
docker-registry serve /etc/docker/registry/config.yml >/var/log/registry.log 2>&1 &

exec dockerd --host unix:///var/run/docker.sock --host unix:///run/pa-server/docker.sock --group docker \
  --log-level warn >/var/log/dockerd.log 2>&1
