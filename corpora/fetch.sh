#!/usr/bin/env bash
# corpora/fetch.sh — draw cimeter's corpora from Debian packages (doc/corpora.md).
#
#   corpora/fetch.sh sample   rebuild corpora/sample/ (committed, < 5 MB) and check it
#                             against corpora/sample/SHA256SUMS
#   corpora/fetch.sh dev      fetch the development corpus into corpora/dev/ (gitignored),
#                             pinned by corpora/dev.sha256 (per-file checksums)
#   corpora/fetch.sh kjv FILE write the whole KJV text (public domain) to FILE
#
# Packages are downloaded with `apt-get download` and unpacked with dpkg-deb -x
# into a cache (CIM_PKG_CACHE, default ~/.cache/cimeter/debs): nothing is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CIM_PKG_CACHE:-$HOME/.cache/cimeter/debs}
mkdir -p "$cache"

unpack() {  # unpack PKG -> prints the directory it is unpacked in
    local pkg=$1 dir="$cache/x/$1"
    if [ ! -d "$dir" ]; then
        ( cd "$cache" && ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >/dev/null 2>&1 || \
          { apt-get update -qq >/dev/null && apt-get download "$pkg" >/dev/null; } )
        mkdir -p "$dir.tmp"
        dpkg-deb -x "$(ls "$cache/${pkg}"_*.deb | head -n1)" "$dir.tmp"
        mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}

kjv() {  # kjv OUT: the whole King James Bible, 80 columns, via the `bible` program
    local bin data
    bin=$(unpack bible-kjv)/usr/bin/bible
    data=$(unpack bible-kjv-text)/usr/lib
    COLUMNS=80 "$bin" -p "$data" -l80 "${2:-gen1:1-rev22:21}" > "$1"
}

copy() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; chmod 644 "$2"; }

sample() {
    local out=$here/sample
    rm -rf "$out.new"; mkdir -p "$out.new"/{text,image,video,audio}
    # Text: Genesis (KJV), gnome-help pages in several scripts, one Go file.
    kjv "$out.new/text/kjv-genesis.txt" gen1:1-gen50:26
    local help; help=$(unpack gnome-user-docs)/usr/share/help
    for l in C de ru el zh_CN ja ko hi he; do
        copy "$help/$l/gnome-help/net-wireless-connect.page" "$out.new/text/gnome-help-$l.page"
    done
    copy "$(unpack golang-1.19-src)/usr/share/go-1.19/src/strings/strings.go" "$out.new/text/strings.go"
    # Images: skimage (CC0 / public domain).
    local sk; sk=$(unpack python3-skimage)/usr/lib/python3/dist-packages/skimage/data
    for f in astronaut.png camera.png coins.png palette_color.png rocket.jpg; do copy "$sk/$f" "$out.new/image/$f"; done
    # Video: imageio test clips (BSD-2).
    local io; io=$(unpack python3-imageio)/usr/lib/python3/dist-packages/imageio/resources/images
    copy "$io/cockatoo.mp4" "$out.new/video/cockatoo.mp4"
    copy "$io/realshort.mp4" "$out.new/video/realshort.mp4"
    # Audio: LibriVox speech (public domain) and sonic-pi instruments (CC0).
    local ps; ps=$(unpack pocketsphinx-testdata)/usr/share/pocketsphinx/test/data/librivox
    copy "$ps/sense_and_sensibility_01_austen_64kb-0870.wav" "$out.new/audio/librivox-0870.wav"
    copy "$ps/sense_and_sensibility_01_austen_64kb-0880.wav" "$out.new/audio/librivox-0880.wav"
    local sp; sp=$(unpack sonic-pi-samples)/usr/share/sonic-pi/samples
    copy "$sp/ambi_piano.flac" "$out.new/audio/ambi_piano.flac"
    copy "$sp/bd_fat.flac" "$out.new/audio/bd_fat.flac"
    cp "$here/sample/SOURCE.md" "$out.new/" 2>/dev/null || true
    cp "$here/sample/SHA256SUMS" "$out.new/" 2>/dev/null || true
    if [ -f "$out.new/SHA256SUMS" ] && [ "${CIM_UPDATE_SUMS:-0}" != 1 ]; then
        ( cd "$out.new" && sha256sum --quiet -c SHA256SUMS ) || {
            echo "fetch.sh: sample files differ from SHA256SUMS (a package moved?); rerun with CIM_UPDATE_SUMS=1 to accept" >&2
            exit 1; }
    else
        ( cd "$out.new" && find text image video audio -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS )
    fi
    rm -rf "$out"; mv "$out.new" "$out"
    du -sh "$out"
}

dev() {
    local out=$here/dev
    rm -rf "$out.new"; mkdir -p "$out.new"/{text,image,video,audio}
    kjv "$out.new/text/kjv.txt"
    local help; help=$(unpack gnome-user-docs)/usr/share/help
    for l in $(ls "$help"); do
        mkdir -p "$out.new/text/gnome-help/$l"
        cp "$help/$l/gnome-help/"*.page "$out.new/text/gnome-help/$l/" 2>/dev/null || true
    done
    mkdir -p "$out.new/text/go"
    ( cd "$(unpack golang-1.19-src)/usr/share/go-1.19/src" && find . -name '*.go' -type f -print0 | \
        tar --null -T - -cf - ) | tar -C "$out.new/text/go" -xf -
    local sk; sk=$(unpack python3-skimage)/usr/lib/python3/dist-packages/skimage/data
    mkdir -p "$out.new/image/skimage"
    for f in "$sk"/*.png "$sk"/*.jpg; do
        case $(basename "$f") in truncated.jpg) continue;; esac   # deliberately broken upstream; hostile tests use it
        cp "$f" "$out.new/image/skimage/"
    done
    local wp; wp=$(unpack plasma-workspace-wallpapers)/usr/share/wallpapers
    mkdir -p "$out.new/image/wallpapers"
    for n in BytheWater ColdRipple DarkestHour EveningGlow FallenLeaf Kite OneStandsOut Path Volna summer_1am; do
        for f in "$wp/$n/contents/images/"*.jpg; do
            [ -L "$f" ] || cp "$f" "$out.new/image/wallpapers/$n-$(basename "$f")"
        done
    done
    local jx; jx=$(unpack libjxl-testdata)/usr/share/libjxl-testdata
    mkdir -p "$out.new/image/jxl"
    cp "$jx/jxl/flower/flower.png" "$out.new/image/jxl/"
    cp "$jx/external/wesaturate/500px/"*srgb8.png "$out.new/image/jxl/"
    local io; io=$(unpack python3-imageio)/usr/lib/python3/dist-packages/imageio/resources/images
    cp "$io/cockatoo.mp4" "$io/realshort.mp4" "$out.new/video/"
    local mv; mv=$(unpack python3-mecavideo)/usr/share/pymecavideo/data/video
    for f in balle-jbart.mp4 balle1-vp9.avi Force_constante.avi Principe_inertie.avi g1.avi g2.avi; do
        cp "$mv/$f" "$out.new/video/"
    done
    mkdir -p "$out.new/audio/sonic-pi" "$out.new/audio/asterisk" "$out.new/audio/librivox"
    cp "$(unpack sonic-pi-samples)/usr/share/sonic-pi/samples/"*.flac "$out.new/audio/sonic-pi/"
    ( cd "$(unpack asterisk-core-sounds-en-wav)/usr/share/asterisk/sounds/en_US_f_Allison" && \
        find . -name '*.wav' -type f -print0 | tar --null -T - -cf - ) | tar -C "$out.new/audio/asterisk" -xf -
    local ps; ps=$(unpack pocketsphinx-testdata)/usr/share/pocketsphinx/test/data
    cp "$ps/librivox/"*.wav "$ps/cards/"*.wav "$out.new/audio/librivox/"
    find "$out.new" -type f -exec chmod 644 {} +
    if [ -f "$here/dev.sha256" ] && [ "${CIM_UPDATE_SUMS:-0}" != 1 ]; then
        ( cd "$out.new" && sha256sum --quiet -c "$here/dev.sha256" ) || {
            echo "fetch.sh: dev corpus differs from corpora/dev.sha256 (a package moved?); CIM_UPDATE_SUMS=1 accepts" >&2
            exit 1; }
    else
        ( cd "$out.new" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum > "$here/dev.sha256" )
    fi
    rm -rf "$out"; mv "$out.new" "$out"
    echo "dev corpus: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
}

case "${1:-}" in
    sample) sample ;;
    dev) dev ;;
    kjv) kjv "${2:?kjv OUT}" ;;
    *) echo "usage: corpora/fetch.sh sample|dev|kjv OUT" >&2; exit 2 ;;
esac
