#!/usr/bin/env bash
# scripts/bench-text.sh — text tokenizer speed, side by side on the same mixed text.
#   scripts/bench-text.sh [BUILD_DIR]        (default: build)
# Builds ~59 MB of mixed text from the dev corpus (kjv.txt, every 2nd gnome-help page
# of every language, every 2nd Go file; $CIM_DEV_CORPUS, default corpora/dev) into
# $CIM_BENCH_DIR (default BUILD_DIR/bench), then times, single core (taskset -c 0):
#   cimeter text:tiktoken:cl100k_base and :o200k_base (whole process: start, rank load, read;
#     its CPU seconds, user + sys, are shown too)
#   npm tiktoken (WASM) encode_ordinary, npm gpt-tokenizer countTokens (warm: 2nd pass),
#     both timed around the calls only (text already decoded in memory), on 1 MB slices
#     cut after a newline (see node-bench.mjs below)
#   (their own block, bench_spm) cimeter text:spm (its own engine) and spm_encode, each
#     with tokenizers/kjv-bpe8k.model (BPE, 8k) and tests/spm/models/uni32k-bf.model
#     (Unigram, 32k), if present: CPU seconds side by side, spm_encode / cimeter and
#     cimeter / cimeter cl100k, the memo's hit rate, and instruction counts (callgrind) on
#     a fixed 3 MB slice, whole and net of start-up (CIM_BENCH_CALLGRIND=0 skips them)
# Prints MB/s (1 MB = 1e6 bytes of the file) and each one's time relative to cimeter
# cl100k -j 1, plus the load average before and after: on a shared machine wall times
# depend on what else runs. CIM_BENCH_PIN=0 runs nothing pinned; CIM_BENCH_CPU picks
# the core (default 0).
# Then text:hf against the Rust tokenizers library (bench_hf below; CIM_BENCH_HF_ONLY=1 alone).
# Then two threads on one file, unpinned: cimeter -j 1 and -j 2 on the mixed text and
# on one large file (all the dev corpus's text, ~111 MB), CIM_BENCH_REPS (default 9)
# rounds of -j 1, -j 2 and both on a one-line file (start-up: process start and
# rank-file load) and two -j 1 processes at once on the file's halves. Printed: median
# walls, the median over rounds of the ratio within a round (robust to the drift of a
# shared machine's speed), the same net of start-up (which does not depend on the
# file's size), best -j 1 over best -j 2, and -j 1 over the halves: the speed-up two
# cores of this machine give work that shares nothing, the ceiling for -j 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cimeter=$build/cimeter
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}
bench=${CIM_BENCH_DIR:-$build/bench}
modules=${CIM_NODE_MODULES:-$root/tokenizers/data/node/node_modules}
[ -x "$cimeter" ] || { echo "bench-text.sh: build first ($cimeter missing)" >&2; exit 2; }
[ -d "$dev/text" ] || { echo "bench-text.sh: no dev corpus at $dev (corpora/fetch.sh dev)" >&2; exit 2; }
mkdir -p "$bench"
text=$bench/mixed.txt
if [ ! -s "$text" ]; then
    { cat "$dev/text/kjv.txt"
      find "$dev/text/gnome-help" -type f | LC_ALL=C sort | awk 'NR % 2 == 1' | xargs cat
      find "$dev/text/go" -type f | LC_ALL=C sort | awk 'NR % 2 == 1' | xargs cat
    } > "$text.tmp"
    mv "$text.tmp" "$text"
fi
bytes=$(stat -c %s "$text")
pin="taskset -c ${CIM_BENCH_CPU:-0}"; command -v taskset >/dev/null && [ "${CIM_BENCH_PIN:-1}" = 1 ] || pin=""
now() { date +%s.%N; }
results=()   # "name seconds tokens"

# ---- Hugging Face tokenizer.json (text:hf) against the Rust library ---------------------
# bench_hf: per preset, single core (pinned), on the dev text cut into 1 MB documents
# (kjv.txt, every 8th gnome-help page and Go file: ~19 MB; one file per document, cut
# after a '\n'): cimeter text:hf's CPU seconds (user + sys) net of its start-up (the same
# command on a one-line file: mostly loading the tokenizer.json) and gross, against the
# CPU seconds that npm `tokenizers` (the Rust crate's node binding) spends inside
# encode(doc, add_special_tokens=false) over the same documents (tests/ref/hf_count.mjs
# --docs --time); then the same on the whole file in one call (what the reference does
# for a file, and slower); then -j 1 and -j 2 on one large file (the dev corpus's text),
# unpinned, median wall of CIM_BENCH_HF_REPS (3) rounds, for the presets whose pipeline
# cimeter may cut (doc/tokenizers.md). CIM_BENCH_HF_PRESETS picks presets;
# CIM_BENCH_HF_ONLY=1 runs this block alone.
bench_hf() {
    local presets=${CIM_BENCH_HF_PRESETS:-llama3 qwen3 deepseek-v3 gpt-oss gemma3}
    local ref=$root/tests/ref/hf_count.mjs hf=$bench/hf.txt docs=$bench/hf-docs p
    if [ ! -s "$hf" ]; then
        { cat "$dev/text/kjv.txt"
          find "$dev/text/gnome-help" -type f | LC_ALL=C sort | awk 'NR % 8 == 1' | xargs cat
          find "$dev/text/go" -type f | LC_ALL=C sort | awk 'NR % 8 == 1' | xargs cat
        } > "$hf.tmp"
        mv "$hf.tmp" "$hf"
        rm -rf "$docs"
    fi
    if [ ! -d "$docs" ]; then
        mkdir -p "$docs"
        /usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
a = k = 0
while a < len(d):
    b = d.find(b"\n", a + 1000000 - 1)
    b = len(d) if b < 0 else b + 1
    open("%s/%04d.txt" % (sys.argv[2], k), "wb").write(d[a:b])
    a, k = b, k + 1' "$hf" "$docs"
    fi
    printf 'one line\n' > "$bench/one-line.txt"
    local bytes ndocs
    bytes=$(stat -c %s "$hf")
    ndocs=$(ls "$docs" | wc -l)
    cpu_of() {   # spec, paths...: CPU seconds of one cimeter -j 1 run, and its tokens
        local spec=$1
        shift
        /usr/bin/time -f "%U %S" -o "$bench/cpu" $pin "$cimeter" measure -j 1 -t "$spec" -o "$bench/out.json" "$@" \
            >/dev/null 2>&1 || true
        echo "$(awk '{print $1 + $2}' "$bench/cpu") $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0]['tokens'])" "$bench/out.json")"
    }
    echo
    echo "text:hf vs the Rust tokenizers library (npm tokenizers), single core, $ndocs documents of 1 MB"
    echo "($bytes bytes); cpu seconds; net = cimeter minus its start-up (one-line file); ratio = ref / cimeter"
    printf '%-12s %8s %8s %8s %8s %8s %9s %9s %7s\n' preset start "docs" net "ref" "MB/s" "ratio" "gross" tokens
    local rows=()
    for p in $presets; do
        [ -f "$root/tokenizers/data/hf/$p.json" ] || { echo "$p: absent (scripts/fetch-tokenizers.sh)"; continue; }
        local s0 d1 r1 td tr
        s0=$(cpu_of "text:hf:$p" "$bench/one-line.txt")
        d1=$(cpu_of "text:hf:$p" "$docs")
        td=${d1#* }
        r1=$($pin node "$ref" --docs=1000000 --time "$p" "$hf" 2>&1 >"$bench/ref.tsv" | awk '/encode_cpu_s/ {print $2}')
        tr=$(awk '{n += $1} END {print n}' "$bench/ref.tsv")
        /usr/bin/python3 -c '
import sys
p, start, docs, ref, size, td, tr = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
net = max(docs - start, 1e-3)
same = "equal" if td == tr else "DIFFER %s vs %s" % (td, tr)
print("%-12s %8.2f %8.2f %8.2f %8.2f %8.1f %8.1fx %8.1fx %s" % (p, start, docs, net, ref, size / 1e6 / net, ref / net, ref / docs, same))
' "$p" "${s0%% *}" "${d1%% *}" "${r1:-0}" "$bytes" "$td" "$tr"
        rows+=("$p")
    done
    echo
    echo "whole file in one call ($bytes bytes): cimeter net cpu vs the reference's encode cpu"
    for p in "${rows[@]}"; do
        local s0 w1 r1 tw tr
        s0=$(cpu_of "text:hf:$p" "$bench/one-line.txt")
        w1=$(cpu_of "text:hf:$p" "$hf")
        r1=$($pin node "$ref" --time "$p" "$hf" 2>&1 >"$bench/ref.tsv" | awk '/encode_cpu_s/ {print $2}')
        tr=$(cut -f1 "$bench/ref.tsv")
        /usr/bin/python3 -c '
import sys
p, start, whole, ref, tw, tr = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
net = max(whole - start, 1e-3)
print("%-12s cimeter %7.2f s net, reference %7.2f s: %6.1fx  tokens %s" % (p, net, ref, ref / net, "equal" if tw == tr else "DIFFER %s vs %s" % (tw, tr)))
' "$p" "${s0%% *}" "${w1%% *}" "${r1:-0}" "${w1#* }" "$tr"
    done
    local large=$bench/large.txt reps=${CIM_BENCH_HF_REPS:-3}
    if [ ! -s "$large" ]; then
        { cat "$dev/text/kjv.txt"
          find "$dev/text/gnome-help" "$dev/text/go" -type f | LC_ALL=C sort | xargs cat
        } > "$large.tmp"
        mv "$large.tmp" "$large"
    fi
    echo
    echo "two threads on one file ($(stat -c %s "$large") bytes), unpinned, median wall of $reps rounds;"
    echo "gross = j1 / j2 as run, start-up included; net = the same less the start-up"
    printf '%-12s %8s %8s %8s %10s %8s\n' preset "j1 s" "j2 s" start "j1/j2" "net"
    for p in "${rows[@]}"; do
        local r=()
        for _ in $(seq "$reps"); do
            local a b c t0
            t0=$(now); "$cimeter" measure -j 1 -t "text:hf:$p" -o "$bench/out.json" "$large" >/dev/null 2>&1 || true
            a=$(echo "$(now) - $t0" | bc -l)
            t0=$(now); "$cimeter" measure -j 2 -t "text:hf:$p" -o "$bench/out.json" "$large" >/dev/null 2>&1 || true
            b=$(echo "$(now) - $t0" | bc -l)
            t0=$(now); "$cimeter" measure -j 2 -t "text:hf:$p" -o "$bench/out.json" "$bench/one-line.txt" >/dev/null 2>&1 || true
            c=$(echo "$(now) - $t0" | bc -l)
            r+=("$a $b $c")
        done
        printf '%s\n' "${r[@]}" | /usr/bin/python3 -c '
import statistics as st, sys
r = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
s = min(x[2] for x in r)
print("%-12s %8.2f %8.2f %8.2f %9.2fx %7.2fx" % (sys.argv[1], st.median(x[0] for x in r), st.median(x[1] for x in r), s,
      st.median(x[0] / max(x[1], 1e-3) for x in r), st.median((x[0] - s) / max(x[1] - s, 1e-3) for x in r)))' "$p"
    done
}
if [ "${CIM_BENCH_HF_ONLY:-0}" = 1 ]; then
    bench_hf
    exit 0
fi
echo "bench-text.sh: $text, $bytes bytes; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

run_cimeter() {   # name spec -j
    local t0 t1 tok
    t0=$(now)
    /usr/bin/time -f "%U %S" -o "$bench/cpu" $pin "$cimeter" measure -j "$3" -t "$2" -o "$bench/out.json" "$text" >/dev/null 2>&1 || true
    t1=$(now)
    tok=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0]['tokens'])" "$bench/out.json")
    results+=("$1 $(echo "$t1 - $t0" | bc -l) $tok $(awk '{print $1 + $2}' "$bench/cpu")")
}
run_cimeter "cimeter-cl100k" text:tiktoken:cl100k_base 1
run_cimeter "cimeter-o200k" text:tiktoken:o200k_base 1

if [ -d "$modules/tiktoken" ] && [ -d "$modules/gpt-tokenizer" ]; then
    cat > "$bench/node-bench.mjs" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const [modules, file] = process.argv.slice(2);
const req = createRequire(path.resolve(modules, 'x.js'));
const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(fs.readFileSync(file));
// 1 MB slices ending after a '\n', as a program streaming a corpus would pass them (and
// as cimeter's decoder does); one 59 MB string slows gpt-tokenizer several-fold. The
// token sum may differ from the whole-text count by a few tokens at slice seams.
const slices = [];
for (let a = 0; a < text.length;) {
  let b = text.indexOf('\n', a + 1000000);
  b = b < 0 ? text.length : b + 1;
  slices.push(text.slice(a, b));
  a = b;
}
const t = (f) => { const a = performance.now(); const n = f(); return [(performance.now() - a) / 1000, n]; };
const sum = (f) => slices.reduce((n, s) => n + f(s), 0);
const tk = req('tiktoken');
for (const name of ['cl100k_base', 'o200k_base']) {
  const enc = tk.get_encoding(name);
  enc.encode_ordinary('warm up');
  const [s, n] = t(() => sum((x) => enc.encode_ordinary(x).length));
  console.log(`npm-tiktoken-${name.replace('_base', '')} ${s} ${n}`);
  enc.free();
}
for (const name of ['cl100k_base', 'o200k_base']) {
  const gt = req(`gpt-tokenizer/cjs/encoding/${name}`);
  sum((x) => gt.countTokens(x));              // warm: its caches filled by a full first pass
  const [s, n] = t(() => sum((x) => gt.countTokens(x)));
  console.log(`gpt-tokenizer-${name.replace('_base', '')} ${s} ${n}`);
}
JS
    while read -r line; do results+=("$line"); done < <($pin node "$bench/node-bench.mjs" "$modules" "$text")
else
    echo "bench-text.sh: npm tiktoken/gpt-tokenizer absent (scripts/fetch-tokenizers.sh --test): skipped" >&2
fi
base=$(printf '%s\n' "${results[@]}" | awk '$1 == "cimeter-cl100k" {print $2}')
printf '\n%-24s %9s %8s %9s %12s %12s\n' tokenizer seconds cpu_s MB/s tokens "x cimeter"
for r in "${results[@]}"; do
    set -- $r
    awk -v n="$1" -v s="$2" -v t="$3" -v c="${4:--}" -v b="$bytes" -v base="$base" \
        'BEGIN { printf "%-24s %9.3f %8s %9.1f %12d %11.2fx\n", n, s, c, b / 1e6 / s, t, s / base }'
done
# ---- SentencePiece: cimeter's engine beside spm_encode, per core -------------------
# Per model: cimeter text:spm (its own engine; the memo's hit rate from
# CIMETER_SPM_STATS) and spm_encode, each a whole process on the mixed text, pinned;
# their CPU seconds (user + sys) side by side, spm_encode / cimeter, and cimeter
# text:spm / cimeter text:tiktoken:cl100k_base (the CPU seconds measured above). Then,
# with valgrind (CIM_BENCH_CALLGRIND=0 skips it), instructions counted by callgrind on a
# fixed 3 MB slice of the mixed text (five 600 kB pieces spread over it), repeatable
# whatever the machine's load: whole processes, and net of a one-line file's (start-up:
# libsentencepiece loading the model, cimeter building its engine).
spm_models=("kjv-bpe8k=${CIM_SPM_MODEL:-$root/tokenizers/kjv-bpe8k.model}"
            "uni32k=$root/tests/spm/models/uni32k-bf.model")
bench_spm() {
    command -v spm_encode >/dev/null || { echo "bench-text.sh: spm_encode absent: spm rows skipped" >&2; return 0; }
    local cl_cpu name model spec ncpu ntok scpu stok stats
    cl_cpu=$(printf '%s\n' "${results[@]}" | awk '$1 == "cimeter-cl100k" {print $4}')
    echo
    echo "SentencePiece, one core (CPU seconds, user + sys, of whole processes on $(basename "$text")):"
    printf '%-10s %10s %9s %8s %9s %12s %12s %10s\n' model spm_encode cimeter "x faster" "x cl100k" \
        "spm tokens" "cim tokens" "memo hits"
    for nm in "${spm_models[@]}"; do
        name=${nm%%=*} model=${nm#*=}
        [ -f "$model" ] || continue
        spec="text:spm:$model"
        CIMETER_SPM_STATS=1 /usr/bin/time -f "%U %S" -o "$bench/cpu" $pin "$cimeter" measure -j 1 -t "$spec" \
            -o "$bench/out.json" "$text" >/dev/null 2>"$bench/stats" || true
        ncpu=$(awk '{print $1 + $2}' "$bench/cpu")
        ntok=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0]['tokens'])" "$bench/out.json")
        stats=$(sed -n 's/.*(\([0-9.]*%\)).*/\1/p' "$bench/stats" | tail -1)
        stok=$(/usr/bin/time -f "%U %S" -o "$bench/cpu" $pin spm_encode --model="$model" --output_format=id < "$text" | wc -w)
        scpu=$(awk '{print $1 + $2}' "$bench/cpu")
        awk -v n="$name" -v s="$scpu" -v c="$ncpu" -v cl="$cl_cpu" -v st="$stok" -v ct="$ntok" -v h="$stats" \
            'BEGIN { printf "%-10s %10.2f %9.2f %7.1fx %8.2fx %12d %12d %10s%s\n", n, s, c, s / c,
                     (cl > 0 ? c / cl : 0), st, ct, h, (st == ct ? "" : "  TOKENS DIFFER") }'
    done
    [ "${CIM_BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null || return 0
    local slice=$bench/slice3.txt one=$bench/one-line.txt
    printf 'one line\n' > "$one"
    [ -s "$slice" ] || /usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
out = b""
for k in range(5):
    a = len(d) * k // 5
    a = d.index(b"\n", a) + 1 if a else 0
    out += d[a:d.index(b"\n", a + 600000) + 1]
open(sys.argv[2], "wb").write(out)' "$text" "$slice"
    irefs() {   # instructions of a command under callgrind
        valgrind --tool=callgrind --callgrind-out-file="$bench/callgrind.out" "$@" 2>&1 >/dev/null |
            sed -n 's/.*I *refs: *//p' | tr -d ,
    }
    echo
    echo "SentencePiece, instructions (callgrind) on $(basename "$slice"), $(stat -c %s "$slice") bytes;"
    echo "net = less the same process on a one-line file"
    printf '%-10s %14s %14s %9s %14s %14s %9s\n' model spm_encode cimeter "x fewer" "spm net" "cim net" "x fewer"
    local cl cl1
    cl=$(irefs "$cimeter" measure -j 1 -t text:tiktoken:cl100k_base -o "$bench/cg.json" "$slice")
    cl1=$(irefs "$cimeter" measure -j 1 -t text:tiktoken:cl100k_base -o "$bench/cg.json" "$one")
    for nm in "${spm_models[@]}"; do
        name=${nm%%=*} model=${nm#*=}
        [ -f "$model" ] || continue
        local s s1 c c1
        s=$(irefs spm_encode --model="$model" --output_format=id "$slice")
        s1=$(irefs spm_encode --model="$model" --output_format=id "$one")
        c=$(irefs "$cimeter" measure -j 1 -t "text:spm:$model" -o "$bench/cg.json" "$slice")
        c1=$(irefs "$cimeter" measure -j 1 -t "text:spm:$model" -o "$bench/cg.json" "$one")
        awk -v n="$name" -v s="$s" -v s1="$s1" -v c="$c" -v c1="$c1" -v cl="$cl" -v cl1="$cl1" \
            'BEGIN { printf "%-10s %14d %14d %8.1fx %14d %14d %8.1fx   net x cl100k %.2f\n", n, s, c, s / c,
                     s - s1, c - c1, (s - s1) / (c - c1), (c - c1) / (cl - cl1) }'
    done
}
bench_spm

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- two threads on one file ------------------------------------------------------
large=$bench/large.txt
if [ ! -s "$large" ]; then
    { cat "$dev/text/kjv.txt"
      find "$dev/text/gnome-help" "$dev/text/go" -type f | LC_ALL=C sort | xargs cat
    } > "$large.tmp"
    mv "$large.tmp" "$large"
fi
printf 'one line\n' > "$bench/one-line.txt"
reps=${CIM_BENCH_REPS:-9}
wall() {   # spec -j file: seconds of one run
    local t0 t1
    t0=$(now)
    "$cimeter" measure -j "$2" -t "$1" -o "$bench/out.json" "$3" >/dev/null 2>&1 || true
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
halves() {   # spec file: seconds of two -j 1 processes at once, one per half of the file
    local t0 t1
    t0=$(now)
    "$cimeter" measure -j 1 -t "$1" -o "$bench/out-a.json" "$2.a" >/dev/null 2>&1 &
    "$cimeter" measure -j 1 -t "$1" -o "$bench/out-b.json" "$2.b" >/dev/null 2>&1 || true
    wait
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
echo
echo "two threads on one file: $reps rounds of (-j 1, -j 2, start-up -j 1, start-up -j 2, halves), unpinned;"
echo "ratios are the median over rounds of j1/j2 in the same round (the machine's speed drifts),"
echo "net = (j1 - start-up) / (j2 - start-up), start-up = the best run on a one-line file;"
echo "halves = j1 / two independent -j 1 processes at once on the file's two halves: what"
echo "two cores of this machine give work that shares nothing (the ceiling for j1/j2)"
printf '%-10s %-12s %6s %7s %7s %7s %8s %8s %9s %8s\n' file encoding MB "j1 s" "j2 s" "start" "j1/j2" "net" "best/best" "halves"
for f in "$text" "$large"; do
    if [ ! -s "$f.b" ]; then   # the halves, cut after a newline
        /usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
m = d.index(b"\n", len(d) // 2) + 1
open(sys.argv[1] + ".a", "wb").write(d[:m]); open(sys.argv[1] + ".b", "wb").write(d[m:])' "$f"
    fi
    specs=(text:tiktoken:cl100k_base text:tiktoken:o200k_base)
    for nm in "${spm_models[@]}"; do [ -f "${nm#*=}" ] && specs+=("text:spm:${nm#*=}"); done
    for spec in "${specs[@]}"; do
        rounds=()
        for _ in $(seq "$reps"); do
            rounds+=("$(wall "$spec" 1 "$f") $(wall "$spec" 2 "$f") $(wall "$spec" 1 "$bench/one-line.txt") $(wall "$spec" 2 "$bench/one-line.txt") $(halves "$spec" "$f")")
        done
        printf '%s\n' "${rounds[@]}" | /usr/bin/python3 -c '
import statistics as st, sys
f, enc, size = sys.argv[1:4]
r = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
s1, s2 = min(x[2] for x in r), min(x[3] for x in r)
j1, j2 = [x[0] for x in r], [x[1] for x in r]
ratio = st.median(a / b for a, b in zip(j1, j2))
net = st.median((a - s1) / (b - s2) for a, b in zip(j1, j2))
ideal = st.median(x[0] / x[4] for x in r)
print("%-10s %-12s %6.1f %7.3f %7.3f %7.3f %7.2fx %7.2fx %8.2fx %7.2fx" % (f, enc, int(size) / 1e6, st.median(j1),
      st.median(j2), s1, ratio, net, min(j1) / min(j2), ideal))
' "$(basename "$f")" "$(basename "${spec##*:}" .model)" "$(stat -c %s "$f")"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_hf
