#!/usr/bin/env bash
# scripts/deps.sh — install what cimeter needs on Debian 12 (as root, or via sudo).
#   scripts/deps.sh          build + run dependencies
#   scripts/deps.sh --test   also the independent references the tests compare against
# Idempotent: packages already installed are skipped quickly.
set -euo pipefail
build_pkgs="meson ninja-build pkg-config gcc g++ libc6-dev
  libjansson-dev libgsl-dev libzstd-dev libssl-dev
  libsentencepiece-dev sentencepiece libprotobuf-c-dev protobuf-c-compiler
  libpng-dev libjpeg62-turbo-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libsndfile1-dev libogg-dev libvorbis-dev libopus-dev libmpg123-dev libpcre2-dev libcairo2-dev libicu-dev
  libarchive-dev libsimdjson-dev zlib1g-dev ca-certificates zstd
  python3-dev python3-mesonpy"
test_pkgs="python3 python3-sentencepiece python3-protobuf python3-pil python3-av python3-soundfile
  python3-numpy python3-scipy ffmpeg clang llvm libclang-rt-14-dev
  openmpi-bin libopenmpi-dev util-linux time
  python3-zstandard lz4 xz-utils bzip2 p7zip-full openssl cpio
  python3-pytest python3-pandas python3-matplotlib valgrind ncompress"
pkgs=$build_pkgs
[ "${1:-}" = --test ] && pkgs="$pkgs $test_pkgs"
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null | awk '$4 != "installed" {print $1}' || true)
# dpkg-query omits packages it has never heard of: add those too.
for p in $pkgs; do dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"; done
# node and npm may come from elsewhere (e.g. a NodeSource nodejs that bundles npm,
# which conflicts with Debian's npm package): install Debian's only when absent.
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    echo "deps.sh: installing $missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Tokenizer data (tiktoken rank files) and node references, when the script exists.
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/fetch-tokenizers.sh" ]; then
    "$here/fetch-tokenizers.sh" ${1:-}
fi
