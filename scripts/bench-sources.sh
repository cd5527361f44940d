#!/usr/bin/env bash
# scripts/bench-sources.sh — archives and compressed streams against the same data loose.
#   scripts/bench-sources.sh [BUILD_DIR]        (default: build)
# Side by side in one run, each figure the best of CIM_BENCH_REPS (default 5) rounds,
# the two peers of a comparison run in turns, 5 times the rounds for a case under 0.2 s
# (wall seconds and CPU seconds; a shared machine's speed drifts, the best is the least
# disturbed):
#  1. Images: the dev corpus's images ($CIM_DEV_CORPUS/image, default corpora/dev) loose
#     against one tar shard of the same files, with the default image tokenizer
#     (headers only) and with a content-aware one (image:adaptive, a full decode);
#     the counts must be identical (checked), the ratio is loose time / shard time
#     (1.0 = as fast; the goal is >= 0.9).
#  2. Text: a JSON Lines file of the dev corpus's text files (one document each, in
#     the field "text"), zstd-compressed, measured with --json-field text, against
#     the same documents as plain text files concatenated (one text file); tokenizer
#     text:tiktoken:cl100k_base. Throughput = documents' bytes / second; the ratio is
#     JSONL-zst throughput / plain-text throughput (the goal is >= 0.8).
#  3. Instructions (when valgrind is installed; CIM_BENCH_CALLGRIND=0 leaves it out):
#     callgrind's count of user-space instructions of case 1 with image:vit-b16, loose
#     and shard, -j 1; repeatable whatever the machine's load (the kernel's share, such
#     as copying members into their spools, is not counted: see the CPU ratio for it).
# Threads: -j CIM_BENCH_JOBS (default: all cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cimeter=$build/cimeter
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}
bench=${CIM_BENCH_DIR:-$build/bench-sources}
reps=${CIM_BENCH_REPS:-5}
jobs=${CIM_BENCH_JOBS:-$(nproc)}
[ -x "$cimeter" ] || { echo "bench-sources.sh: build first ($cimeter missing)" >&2; exit 2; }
[ -d "$dev/image" ] && [ -d "$dev/text" ] || { echo "bench-sources.sh: no dev corpus at $dev" >&2; exit 2; }
command -v zstd >/dev/null || { echo "bench-sources.sh: zstd missing" >&2; exit 2; }
mkdir -p "$bench"

# best "WALL_A CPU_A WALL_B CPU_B" seconds of $reps rounds of two commands, given as
# A... -- B..., run in turns (A, B, A, B, ...: a load that changes while the bench runs
# weighs on both alike); when either command's first run takes under 0.2 s, 5 times the
# rounds. Stdout to /dev/null; CPU = user + sys of the run, from getrusage:
# microseconds, where time(1) rounds to 10 ms; a loaded machine disturbs it less than
# the wall time.
pair() {
    /usr/bin/python3 - "$reps" "$@" <<'EOF'
import resource, subprocess, sys, time
reps, args = int(sys.argv[1]), sys.argv[2:]
cut = args.index("--")
cmds = [args[:cut], args[cut + 1:]]
def run(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
runs = [[run(c)] for c in cmds]
rounds = reps * 5 if min(r[0][0] for r in runs) < 0.2 else reps
for _ in range(rounds - 1):
    for i, c in enumerate(cmds):
        runs[i].append(run(c))
print(" ".join(f"{min(w for w, _ in r):.4f} {min(c for _, c in r):.4f}" for r in runs))
EOF
}

counts() {   # the per-file figures of a result, paths reduced to names, sorted
    /usr/bin/python3 - "$1" <<'EOF'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
rows = []
for f in d["files"]:
    if f.get("skipped") is not None and f["modality"] is None:
        continue
    name = f["path"].split("//")[-1].split("/")[-1]
    rows.append((name, f["tokenizer"], f.get("raw_bytes"), f.get("tokens"), f.get("error")))
print(len(rows), hashlib.sha256(json.dumps(sorted(rows, key=str)).encode()).hexdigest())
EOF
}

echo "== images: loose files vs one tar shard (-j $jobs, best of $reps)"
loose=$bench/images
shard=$bench/images.tar
if [ ! -d "$loose" ]; then
    mkdir -p "$loose"
    find -L "$dev/image" -type f | LC_ALL=C sort | while read -r f; do
        cp "$f" "$loose/$(echo "${f#"$dev"/image/}" | tr / _)"
    done
fi
[ -s "$shard" ] || tar -cf "$shard" -C "$loose" .
n=$(find "$loose" -type f | wc -l)
echo "$n images, $(du -sh "$loose" | cut -f1)"
# Headers only at -j 1 too: one thread, no idle OpenMP threads spinning into the CPU time.
for case in "image:vit-b16 $jobs" "image:adaptive:min=8,max=32,thr=16 $jobs" "image:vit-b16 1"; do
    read -r spec j <<<"$case"
    "$cimeter" measure -j "$j" -t "$spec" --per-file -o "$bench/loose.json" "$loose" || true
    "$cimeter" measure -j "$j" -t "$spec" --per-file -o "$bench/shard.json" "$shard" || true
    same=$([ "$(counts "$bench/loose.json")" = "$(counts "$bench/shard.json")" ] && echo identical || echo DIFFERENT)
    read -r tl cl ts cs <<<"$(pair "$cimeter" measure -j "$j" -t "$spec" -o - "$loose" -- \
                                   "$cimeter" measure -j "$j" -t "$spec" -o - "$shard")"
    awk -v s="$spec -j $j" -v l="$tl" -v t="$ts" -v c="$same" -v cl="$cl" -v cs="$cs" \
        'BEGIN { printf "%-41s loose %.3f s (cpu %.4f)  shard %.3f s (cpu %.4f)  shard speed %.2fx of loose (cpu %.2fx)  counts %s\n", s, l, cl, t, cs, l / t, cl / cs, c }'
done

if [ "${CIM_BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    echo "== instructions (callgrind, user space, -j 1): image:vit-b16, loose vs shard"
    irefs() {
        valgrind --tool=callgrind --callgrind-out-file="$bench/callgrind.out" "$cimeter" measure -j 1 \
            -t image:vit-b16 -o "$bench/cg.json" "$1" 2>&1 >/dev/null | awk '/Collected/ {print $NF}' || true
    }
    il=$(irefs "$loose")
    is=$(irefs "$shard")
    awk -v l="$il" -v s="$is" 'BEGIN { printf "loose %d  shard %d instructions  loose/shard %.3f\n", l, s, l / s }'
fi

echo "== text: JSON Lines (zstd) with --json-field text vs the same text plain (-j $jobs, best of $reps)"
jsonl=$bench/docs.jsonl.zst
plain=$bench/docs.txt
if [ ! -s "$jsonl" ]; then
    find -L "$dev/text" -type f | LC_ALL=C sort | /usr/bin/python3 -c '
import hashlib, json, sys
out = open(sys.argv[1], "w", encoding="utf-8")
txt = open(sys.argv[2], "wb")
for p in sys.stdin.read().splitlines():
    b = open(p, "rb").read()
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        continue
    out.write(json.dumps({"id": p, "text": s}) + "\n")
    txt.write(b)
' "$bench/docs.jsonl" "$plain"
    zstd -q -f --rm "$bench/docs.jsonl" -o "$jsonl"
fi
bytes=$(stat -c %s "$plain")
echo "$(du -h "$jsonl" | cut -f1) of JSON Lines (zstd), $((bytes / 1000000)) MB of documents"
spec=text:tiktoken:cl100k_base
read -r tj cj tp cp <<<"$(pair "$cimeter" measure -j "$jobs" -t "$spec" --json-field text -o - \
                              "$jsonl" -- "$cimeter" measure -j "$jobs" -t "$spec" -o - "$plain")"
awk -v b="$bytes" -v j="$tj" -v p="$tp" -v cj="$cj" -v cp="$cp" 'BEGIN {
    printf "plain text      %.3f s (cpu %.3f)  %.1f MB/s\n", p, cp, b / 1e6 / p
    printf "JSONL.zst       %.3f s (cpu %.3f)  %.1f MB/s of documents\n", j, cj, b / 1e6 / j
    printf "JSONL.zst throughput %.2fx of plain text (cpu %.2fx)\n", p / j, cp / cj }'
