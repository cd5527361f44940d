#!/usr/bin/env bash
# scripts/bench-audio.sh — cimeter's audio pass against peers, one core.
#
#   scripts/bench-audio.sh [BUILD_DIR] [DIR...]
#
# Peers, on the same files (default: the dev corpus's audio, plus an Ogg
# Vorbis copy of its sonic-pi FLACs made with ffmpeg when available):
#   decode-only  scripts/bench/sf_decode_audio.c, compiled here: libsndfile
#                sf_readf_short to the end, nothing else (the floor);
#   python       tests/ref/sf_audio.py (python3-soundfile + exact counting).
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
# files), of those samples joined, looped and cut into 5-minute stereo
# 44.1 kHz files ("music": 12 files, an hour) and of its asterisk speech joined and cut
# into 3-minute files at 48 kHz ("speech": 8 files, Common Voice's rate).
# audio:frame:hop=20 at -j 2, today's decode path (--no-fast-path, best of
# $DEC_REPS, default 1) against the fast path (best of $REPS timings of 5
# back-to-back runs): CPU time (user + sys, the figure that
# holds on a loaded machine) and wall time, with their ratios, and the CPU
# ratio net of the process start-up; the target is a ratio of at least 50.
# Last, the whole dev audio set plus those copies with the standard audio
# tokenizers (VAD included, which decodes whatever the format) and without
# VAD. LOSSY_ONLY=1 skips the first part; LOSSY_DIR=DIR makes the lossy copies
# there once and reuses them on later runs; LOSSY_SETS=GLOB (e.g. 'vorbis-*')
# times only those sets and skips the standard set. Each lossy set's per-file counts
# from both paths are compared: "same" is the number of files whose samples,
# raw bytes and tokens agree, "fast" the number the fast path answered.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}; shift || true
REPS=${REPS:-3}
INNER=${INNER:-3}
DEC_REPS=${DEC_REPS:-1}
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
        row "python3-soundfile (sf_audio.py)" "$(best "${one[@]}" "$PY" "$root/tests/ref/sf_audio.py" "${presets[@]}" "$d")"
        row "python3-soundfile + vad" "$(best "${one[@]}" "$PY" "$root/tests/ref/sf_audio.py" "${presets[@]}" -t audio:vad:hop=20,thr=-40 "$d")"
    fi
done

# ---- header fast path on lossy formats --------------------------------------
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}/audio
if [ $# = 0 ] && command -v ffmpeg >/dev/null && [ -d "$dev/sonic-pi" ] && [ -d "$dev/asterisk" ]; then
    ff() { ffmpeg -nostdin -loglevel error -y "$@"; }
    lossy=${LOSSY_DIR:-$tmp/lossy}
    if [ ! -f "$lossy.complete" ]; then
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
        # (separate encodes: ffmpeg's segment muxer leaves Ogg files without an
        # end-of-stream page, which cimeter reports as truncated)
        for i in $(seq 0 7); do
            ff -ss $((i * 180)) -t 180 -i "$tmp/speech.wav" $opts "$lossy/$fmt-speech/part$i.$ext"
        done
    done
    # music: the sonic-pi samples one after the other (stereo 44.1 kHz), looped.
    args=(); chain=""; i=0
    for f in "$dev"/sonic-pi/*.flac; do
        args+=(-i "$f"); chain+="[$i:a]aformat=sample_fmts=s16:sample_rates=44100:channel_layouts=stereo[a$i];"
        i=$((i + 1))
    done
    chain+=$(for ((k = 0; k < i; k++)); do printf '[a%d]' $k; done)"concat=n=$i:v=0:a=1"
    ff "${args[@]}" -filter_complex "$chain" -c:a pcm_s16le "$tmp/once.wav"
    ff -stream_loop 11 -i "$tmp/once.wav" -t 3600 -c:a pcm_s16le "$tmp/music.wav"
    for e in "${enc[@]}"; do
        read -r fmt ext opts <<< "$e"
        mkdir -p "$lossy/$fmt-music"
        for i in $(seq 0 11); do
            ff -ss $((i * 300)) -t 300 -i "$tmp/music.wav" $opts "$lossy/$fmt-music/part$i.$ext"
        done
    done
    rm -f "$tmp/speech.wav" "$tmp/once.wav" "$tmp/music.wav"
    touch "$lossy.complete"
    fi
    cpuwall() {  # cpuwall REPS INNER CMD...: best of REPS timings of INNER back-to-back runs, per run: "cpu wall" s
        local reps=$1 inner=$2 bc="" bw=""; shift 2
        for _ in $(seq "$reps"); do
            /usr/bin/time -f "%U %S %e" -o "$tmp/time" \
                bash -c 'for _ in $(seq '"$inner"'); do "$@" >/dev/null 2>&1 || true; done' _ "$@"
            local u s w c w1
            read -r u s w < <(tail -1 "$tmp/time")
            c=$(echo "($u + $s) / $inner" | bc -l); w1=$(echo "$w / $inner" | bc -l)
            if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bc=$c; fi
            if [ -z "$bw" ] || [ "$(echo "$w1 < $bw" | bc)" = 1 ]; then bw=$w1; fi
        done
        echo "$bc $bw"
    }
    ratio() { echo "if ($2 > 0.001) $1 / $2 else $1 / 0.001" | bc -l; }
    echo
    echo "header fast path, audio:frame:hop=20, -j 2, s per run; load: $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r sc sw <<< "$(cpuwall "$REPS" 10 "$cim" measure -j 2 --bootstrap 0 -t audio:frame:hop=20 -o "$tmp/o.json" "$tmp/empty")"
    echo "process start-up (empty directory): cpu $sc s, wall $sw s"
    printf "%-14s %5s %5s %8s %8s %7s %8s %8s %7s %8s %5s %5s\n" set files MB "dec cpu" "fast cpu" ratio \
        "dec wall" "fastwall" ratio "cpu net" fast same
    for d in "$lossy"/${LOSSY_SETS:-*}; do
        n=$(find "$d" -type f | wc -l)
        mb=$(du -sm "$d" | cut -f1)
        read -r dc dw <<< "$(cpuwall "$DEC_REPS" 1 "$cim" measure -j 2 --bootstrap 0 --no-fast-path -t audio:frame:hop=20 --per-file -o "$tmp/d.json" "$d")"
        read -r fc fw <<< "$(cpuwall "$REPS" 5 "$cim" measure -j 2 --bootstrap 0 -t audio:frame:hop=20 --per-file -o "$tmp/f.json" "$d")"
        read -r on same <<< "$($PY -c '
import json, sys
key = lambda f: (f["path"], f.get("units"), f.get("raw_bytes"), f.get("tokens"), f.get("error"))
fast = json.load(open(sys.argv[1]))["files"]
dec = {key(f) for f in json.load(open(sys.argv[2]))["files"]}
print(sum(1 for f in fast if f.get("fast_path")), sum(1 for f in fast if key(f) in dec))' "$tmp/f.json" "$tmp/d.json")"
        printf "%-14s %5d %5d %8.3f %8.3f %7.1f %8.3f %8.3f %7.1f %8.1f %5d %5d\n" "$(basename "$d")" "$n" "$mb" \
            "$dc" "$fc" "$(ratio "$dc" "$fc")" "$dw" "$fw" "$(ratio "$dw" "$fw")" \
            "$(ratio "$(echo "$dc - $sc" | bc -l)" "$(echo "$fc - $sc" | bc -l)")" "$on" "$same"
        [ "$same" = "$n" ] || echo "  counts differ on $((n - same)) of $n files" >&2
    done
    [ -z "${LOSSY_SETS:-}" ] || exit 0
    mapfile -t std < <("$root/scripts/standard-set.sh" "$cim" 2>/dev/null | paste - - |
                       grep -E 'whisper|hubert|encodec|dac|mimi|vad' | tr '\t' '\n')
    novad=(); for ((i = 0; i < ${#std[@]}; i += 2)); do
        case ${std[i + 1]} in *vad*) ;; *) novad+=("${std[i]}" "${std[i + 1]}") ;; esac
    done
    echo
    echo "dev audio set + the lossy copies, standard audio tokenizers, -j 2, best of $DEC_REPS"
    printf "%-28s %8s %8s %7s %8s %8s %7s\n" tokenizers "dec cpu" "def cpu" ratio "dec wall" "def wall" ratio
    for set in std novad; do
        declare -n specs=$set
        read -r dc dw <<< "$(cpuwall "$DEC_REPS" 1 "$cim" measure -j 2 --bootstrap 0 --no-fast-path "${specs[@]}" -o "$tmp/o.json" "$dev" "$lossy")"
        read -r fc fw <<< "$(cpuwall "$DEC_REPS" 1 "$cim" measure -j 2 --bootstrap 0 "${specs[@]}" -o "$tmp/o.json" "$dev" "$lossy")"
        label="standard set (with vad)"; [ $set = novad ] && label="standard set without vad"
        printf "%-28s %8.3f %8.3f %7.1f %8.3f %8.3f %7.1f\n" "$label" "$dc" "$fc" "$(ratio "$dc" "$fc")" \
            "$dw" "$fw" "$(ratio "$dw" "$fw")"
        unset -n specs
    done
fi
