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

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-podman.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi

mkdir -p "$CONF_DIR"
# The default ulimits cannot be raised in a sandbox, and crun refuses the hybrid cgroup layout.
cat >"$CONF.tmp" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
mv "$CONF.tmp" "$CONF"
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
