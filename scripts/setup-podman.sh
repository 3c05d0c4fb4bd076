#!/usr/bin/env bash
# Prepares podman for the agent's end-to-end tests: packages, a registry-free busybox image, a containers.conf.
# Idempotent. Run as root. Prints the CONTAINERS_CONF line to export.
set -euo pipefail

CONF_DIR=/etc/manifest-agent-test
CONF="$CONF_DIR/containers.conf"
IMAGE=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-podman.sh: must run as root (it installs packages and writes $CONF)" >&2
  exit 1
fi

# Podman and everything it needs to run a pod here, named because recommends are not installed: conmon, runc (the
# runtime selected below), catatonit (the pause binary of every pod's infra container), the CNI plugins and
# iptables (the pods' network), and busybox-static for the image.
bash "$(dirname "$0")/install-packages.sh" podman conmon runc catatonit containernetworking-plugins iptables \
  busybox-static

mkdir -p "$CONF_DIR"
# Two setups at once (two checkouts on one machine) take turns; the config and the image are shared by both.
exec 9>"$CONF_DIR/.lock"
flock 9

# The default ulimits cannot be raised in a sandbox, and crun refuses the hybrid cgroup layout.
tmp="$(mktemp "$CONF_DIR/.containers.conf.XXXXXX")"
cat >"$tmp" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
chmod 644 "$tmp"
mv "$tmp" "$CONF"
export CONTAINERS_CONF="$CONF"

if ! podman image exists "$IMAGE"; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
  cp /bin/busybox "$work/rootfs/bin/busybox"
  for applet in sh sleep httpd echo cat ls true false wget env ps kill; do
    ln -sf busybox "$work/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/rootfs/etc/passwd"
  printf 'root:x:0:\n' >"$work/rootfs/etc/group"
  tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' "$work/rootfs.tar" "$IMAGE" >&2
fi

echo "export CONTAINERS_CONF=$CONF"
