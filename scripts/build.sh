#!/usr/bin/env bash
# scripts/build.sh [DIR [meson options...]] — configure (once) and build cimeter.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}; shift || true
cd "$root"
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" --werror "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "$root/$dir/cimeter"
