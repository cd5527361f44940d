#!/usr/bin/env bash
# scripts/bench-audio.sh — cimeter's audio pass against peers, one core.
#
#   scripts/bench-audio.sh [BUILD_DIR] [DIR...]
#
# Peers, on the same files (default: the dev corpus's audio, plus an Ogg
# Vorbis copy of its sonic-pi FLACs made with ffmpeg when available):
#   decode-only  scripts/bench/sf_decode_audio.c, compiled here: libsndfile
#                sf_readf_short to the end, nothing else (the floor);
#   python       scripts/ref/sf_audio.py (python3-soundfile + exact counting).
# cimeter runs with -j 1 under taskset (one core), --bootstrap 0 (the
# bootstrap interval is reduction work, shown once separately), in modes:
#   decode       --no-fast-path, geometry-only presets (decode, count N),
#                also net of the process start-up measured on an empty directory;
#   decode+vad   the same plus audio:vad (PCM fed to a content-aware tokenizer);
#   fast path    default (WAV/FLAC headers where exact, decode elsewhere).
# Each timing is the best of $REPS (default 3) timings of $INNER (default 3)
# back-to-back runs, warm cache: CPU time
# (user + sys, steadier on a shared machine) and wall time. Ratios are over
# the decode-only peer; the target for "decode" is <= 1.10. MB/s is PCM
# (N x channels x 2) per CPU second.
#
# Then (no DIR given, ffmpeg present) the header fast path on lossy formats,
# side by side in the same run: Ogg Vorbis, Ogg Opus and MP3 copies, made here
# with ffmpeg, of the dev corpus's sonic-pi samples ("clips": 165 short music
# files) and of its asterisk speech joined into 3-minute files at 48 kHz
# ("speech": 8 files, Common Voice's rate). audio:frame:hop=20 at -j 2,
# today's decode path (--no-fast-path) against the fast path, best of $REPS
# single runs, wall time; the target is a ratio of at least 50. Last, the
# whole dev audio set plus those copies with the standard audio tokenizers
# (VAD included, which decodes whatever the format) and without VAD.
# LOSSY_ONLY=1 skips the first part.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}; shift || true
REPS=${REPS:-3}
INNER=${INNER:-3}
cim=$build/cimeter
[ -x "$cim" ] || { echo "no cimeter at $cim (ninja -C build)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/peer" "$root/scripts/bench/sf_decode_audio.c" $(pkg-config --cflags --libs sndfile)
dirs=("$@")
if [ ${#dirs[@]} = 0 ]; then
    dev=${CIM_DEV_CORPUS:-$root/corpora/dev}/audio
    [ -d "$dev" ] || dev=$root/corpora/sample/audio
    dirs=("$dev")
    if command -v ffmpeg >/dev/null && [ -d "$dev/sonic-pi" ]; then
        mkdir -p "$tmp/vorbis"
        for f in "$dev"/sonic-pi/*.flac; do
            ffmpeg -nostdin -loglevel error -y -i "$f" -c:a libvorbis -q:a 4 "$tmp/vorbis/$(basename "${f%.flac}").ogg"
        done
        dirs+=("$tmp/vorbis")
    fi
fi
one=(taskset -c "${CORE:-0}")
PY=${PYTHON:-/usr/bin/python3}
presets=(-t whisper -t hubert -t encodec-24k-6kbps -t dac-44k -t mimi)
best() {  # best of REPS timings of INNER back-to-back runs of "$@", per run: "cpu wall" s
    local bc="" bw=""
    for _ in $(seq "$REPS"); do
        /usr/bin/time -f "%U %S %e" -o "$tmp/time" \
            bash -c 'for _ in $(seq '"$INNER"'); do "$@" >/dev/null 2>&1 || true; done' _ "$@"
        read -r u s w < "$tmp/time"
        local c=$(echo "($u + $s) / $INNER" | bc -l) w1=$(echo "$w / $INNER" | bc -l)
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bc=$c; fi
        if [ -z "$bw" ] || [ "$(echo "$w1 < $bw" | bc)" = 1 ]; then bw=$w1; fi
    done
    echo "$bc $bw"
}
echo "cimeter $("$cim" --version 2>/dev/null | head -1), one core (taskset -c ${CORE:-0}), best of $REPS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${LOSSY_ONLY:-0}" = 1 ] && dirs=()
mkdir -p "$tmp/empty"
[ ${#dirs[@]} = 0 ] || startup=$(best "${one[@]}" "$cim" measure -j 1 --bootstrap 0 "${presets[@]}" -o "$tmp/o.json" "$tmp/empty")
[ ${#dirs[@]} = 0 ] || echo "cimeter process start-up (empty directory; dynamic loading of ~140 libraries): cpu/wall s = $startup"
[ ${#dirs[@]} = 0 ] || printf "%-10s %-34s %7s %7s %7s %7s %9s\n" set mode cpu_s ratio wall_s ratio "MB/s PCM"
for d in "${dirs[@]+"${dirs[@]}"}"; do
    mapfile -t files < <(find "$d" -type f | sort)
    raw=$("${one[@]}" "$tmp/peer" "${files[@]}" 2>/dev/null | awk '{print $4}')
    name=$(basename "$d"); [ "$name" = audio ] && name=$(basename "$(dirname "$d")")/audio
    read -r c0 w0 <<< "$(best "${one[@]}" "$tmp/peer" "${files[@]}")"
    row() {
        local c w; read -r c w <<< "$2"
        printf "%-10s %-34s %7.3f %7.3f %7.3f %7.3f %9.1f\n" "$name" "$1" "$c" "$(echo "$c / $c0" | bc -l)" \
            "$w" "$(echo "$w / $w0" | bc -l)" "$(echo "$raw / $c / 1000000" | bc -l)"
    }
    row "libsndfile decode-only (peer)" "$c0 $w0"
    nb=(--bootstrap 0)
    read -r cs ws <<< "$startup"
    read -r cd wd <<< "$(best "${one[@]}" "$cim" measure -j 1 --no-fast-path "${nb[@]}" "${presets[@]}" -o "$tmp/o.json" "$d")"
    row "cimeter decode (--no-fast-path)" "$cd $wd"
    row "  same, net of process start-up" "$(echo "$cd - $cs" | bc -l) $(echo "$wd - $ws" | bc -l)"
    row "  same, with --bootstrap 1000" "$(best "${one[@]}" "$cim" measure -j 1 --no-fast-path "${presets[@]}" -o "$tmp/o.json" "$d")"
    row "cimeter decode + vad" "$(best "${one[@]}" "$cim" measure -j 1 --no-fast-path "${nb[@]}" "${presets[@]}" -t audio:vad:hop=20,thr=-40 -o "$tmp/o.json" "$d")"
    row "cimeter fast path (default)" "$(best "${one[@]}" "$cim" measure -j 1 "${nb[@]}" "${presets[@]}" -o "$tmp/o.json" "$d")"
    if $PY -c 'import soundfile' 2>/dev/null; then
        row "python3-soundfile (sf_audio.py)" "$(best "${one[@]}" "$PY" "$root/scripts/ref/sf_audio.py" "${presets[@]}" "$d")"
        row "python3-soundfile + vad" "$(best "${one[@]}" "$PY" "$root/scripts/ref/sf_audio.py" "${presets[@]}" -t audio:vad:hop=20,thr=-40 "$d")"
    fi
done

# ---- header fast path on lossy formats --------------------------------------
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}/audio
if [ $# = 0 ] && command -v ffmpeg >/dev/null && [ -d "$dev/sonic-pi" ] && [ -d "$dev/asterisk" ]; then
    ff() { ffmpeg -nostdin -loglevel error -y "$@"; }
    lossy=$tmp/lossy
    enc=("vorbis ogg -c:a libvorbis -q:a 4" "opus opus -c:a libopus -b:a 64k" "mp3 mp3 -c:a libmp3lame -q:a 4")
    # speech: the asterisk prompts one after the other, cut into 3-minute files at 48 kHz.
    find -L "$dev/asterisk" -name '*.wav' | sort | sed "s/'/'\\\\''/g; s/^/file '/; s/$/'/" > "$tmp/list.txt"
    ff -f concat -safe 0 -i "$tmp/list.txt" -ar 48000 -ac 1 -c:a pcm_s16le "$tmp/speech.wav"
    for e in "${enc[@]}"; do
        read -r fmt ext opts <<< "$e"
        mkdir -p "$lossy/$fmt-clips" "$lossy/$fmt-speech"
        for f in "$dev"/sonic-pi/*.flac; do
            ff -i "$f" $opts "$lossy/$fmt-clips/$(basename "${f%.flac}").$ext"
        done
        ff -i "$tmp/speech.wav" -f segment -segment_time 180 $opts "$lossy/$fmt-speech/part%02d.$ext"
    done
    rm -f "$tmp/speech.wav"
    wall() {  # best of REPS single runs: wall seconds
        local b=""
        for _ in $(seq "$REPS"); do
            /usr/bin/time -f "%e" -o "$tmp/time" "$@" >/dev/null 2>&1 || true
            local w; w=$(cat "$tmp/time")
            if [ -z "$b" ] || [ "$(echo "$w < $b" | bc)" = 1 ]; then b=$w; fi
        done
        echo "$b"
    }
    echo
    echo "header fast path, audio:frame:hop=20, -j 2, wall s (best of $REPS); load: $(cut -d' ' -f1-3 /proc/loadavg)"
    su=$(wall "$cim" measure -j 2 --bootstrap 0 -t audio:frame:hop=20 -o "$tmp/o.json" "$tmp/empty")
    echo "process start-up (empty directory): $su s"
    printf "%-14s %5s %8s %9s %9s %8s %9s %11s\n" set files MB decode_s fast_s ratio on_fast "ratio net"
    for d in "$lossy"/*; do
        n=$(find "$d" -type f | wc -l)
        mb=$(du -sm "$d" | cut -f1)
        dec=$(wall "$cim" measure -j 2 --bootstrap 0 --no-fast-path -t audio:frame:hop=20 -o "$tmp/o.json" "$d")
        fst=$(wall "$cim" measure -j 2 --bootstrap 0 -t audio:frame:hop=20 --per-file -o "$tmp/f.json" "$d")
        on=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d["files"] if f.get("fast_path")))' "$tmp/f.json")
        net_d=$(echo "$dec - $su" | bc -l); net_f=$(echo "$fst - $su" | bc -l)
        net=$(echo "if ($net_f > 0.005) $net_d / $net_f else $net_d / 0.005" | bc -l)
        printf "%-14s %5d %8d %9.3f %9.3f %8.1f %9d %11.1f\n" "$(basename "$d")" "$n" "$mb" "$dec" "$fst" \
            "$(echo "$dec / $fst" | bc -l)" "$on" "$net"
    done
    mapfile -t std < <("$root/scripts/standard-set.sh" "$cim" 2>/dev/null | paste - - |
                       grep -E 'whisper|hubert|encodec|dac|mimi|vad' | tr '\t' '\n')
    novad=(); for ((i = 0; i < ${#std[@]}; i += 2)); do
        case ${std[i + 1]} in *vad*) ;; *) novad+=("${std[i]}" "${std[i + 1]}") ;; esac
    done
    echo
    echo "dev audio set + the lossy copies, standard audio tokenizers, -j 2, wall s (best of $REPS)"
    printf "%-40s %9s %9s %8s\n" tokenizers decode_s default_s ratio
    for set in std novad; do
        declare -n specs=$set
        dec=$(wall "$cim" measure -j 2 --bootstrap 0 --no-fast-path "${specs[@]}" -o "$tmp/o.json" "$dev" "$lossy")
        fst=$(wall "$cim" measure -j 2 --bootstrap 0 "${specs[@]}" -o "$tmp/o.json" "$dev" "$lossy")
        label="standard set (with vad)"; [ $set = novad ] && label="standard set without vad"
        printf "%-40s %9.3f %9.3f %8.1f\n" "$label" "$dec" "$fst" "$(echo "$dec / $fst" | bc -l)"
        unset -n specs
    done
fi
