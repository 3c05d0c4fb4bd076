#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet (without their recommends), as root.
# "Installed" means dpkg's status "install ok installed": a removed package whose config files remain is not.
# Usage: bash scripts/install-packages.sh PACKAGE...
set -euo pipefail

installed() {
  [ "$(dpkg-query --show --showformat='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "$@"; do installed "$p" || missing+=("$p"); done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-packages.sh: ${missing[*]} missing; run as root to install them" >&2
  exit 1
fi
echo "install-packages.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
for p in "${missing[@]}"; do
  installed "$p" || { echo "install-packages.sh: $p is still not installed" >&2; exit 1; }
done
