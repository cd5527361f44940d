#!/usr/bin/env bash
# scripts/bench-python.sh — the Python package's overhead, side by side in one run.
#   scripts/bench-python.sh [BUILD_DIR] [CORPUS]    (defaults: build, corpora/dev or corpora/sample)
# 1. 1 KB strings (cut from kjv-genesis.txt, CIM_BENCH_REPS passes, default 20), one call
#    each, all single-threaded: cimeter.Counter("text:spm:...").count, python3-sentencepiece's
#    SentencePieceProcessor.encode, and a C loop over cim_counter_count (the same buffer
#    API): microseconds per string, the ratios Counter / sentencepiece and Counter / C loop
#    (the Python layer's share). The best of 3 rounds of each.
# 2. A whole-corpus run: `cimeter measure` against cimeter.measure, same tokenizers and
#    -j, best of 3 walls each, and their ratio.
# Wall times depend on what else runs on the machine (the load average is printed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
corpus=${2:-}
if [ -z "$corpus" ]; then
    corpus=$root/corpora/dev
    [ -d "$corpus" ] || corpus=$root/corpora/sample
fi
py=/usr/bin/python3
model=$root/tokenizers/kjv-bpe8k.model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -I"$root/src" "$root/scripts/bench/counter_loop.c" -L"$build" -lcimeter \
    -Wl,-rpath,"$build" -o "$tmp/counter_loop"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
PYTHONPATH=$build/python CIM_BENCH_TMP=$tmp CIM_MODEL=$model CIM_ROOT=$root \
CIM_CORPUS=$corpus CIM_CLI=$build/cimeter CIM_REPS=${CIM_BENCH_REPS:-20} "$py" - <<'PYEOF'
import os, subprocess, time
import cimeter
import sentencepiece as spm

tmp, model, root = os.environ["CIM_BENCH_TMP"], os.environ["CIM_MODEL"], os.environ["CIM_ROOT"]
reps = int(os.environ["CIM_REPS"])
raw = open(os.path.join(root, "corpora", "sample", "text", "kjv-genesis.txt"), "rb").read()
chunks = []
for off in range(0, len(raw) - 1024 + 1, 1024):
    piece = raw[off:off + 1024]
    try:
        chunks.append(piece.decode("utf-8"))
    except UnicodeDecodeError:
        continue
with open(os.path.join(tmp, "chunks.txt"), "wb") as f:
    for s in chunks:
        f.write(s.encode())
strings = chunks * reps
n = len(strings)

def best(fn, rounds=3):
    walls = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
    return min(walls), out

counter = cimeter.Counter("text:spm:model=" + model)
t_counter, tok_counter = best(lambda: sum(counter.count(s).tokens for s in strings))
sp = spm.SentencePieceProcessor(model_file=model)
t_spm, tok_spm = best(lambda: sum(len(sp.encode(s)) for s in strings))
def c_loop():
    out = subprocess.run([os.path.join(tmp, "counter_loop"), "text:spm:model=" + model,
                          os.path.join(tmp, "chunks.txt"), "1024", str(reps)],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])
c_runs = [c_loop() for _ in range(3)]
tok_c, t_c = c_runs[0][0], min(r[1] for r in c_runs)
us = lambda t: t / n * 1e6
print(f"1 KB strings: {n} calls ({len(chunks)} strings x {reps})")
print(f"  cimeter.Counter.count      {us(t_counter):8.2f} us/string  tokens {tok_counter}")
print(f"  sentencepiece encode       {us(t_spm):8.2f} us/string  tokens {tok_spm}")
print(f"  C loop cim_counter_count   {us(t_c):8.2f} us/string  tokens {tok_c}")
print(f"  Counter / sentencepiece    {t_counter / t_spm:8.3f}")
print(f"  Counter / C loop           {t_counter / t_c:8.3f}   (the Python layer adds "
      f"{(t_counter / t_c - 1) * 100:+.1f}%)")

corpus, cli = os.environ["CIM_CORPUS"], os.environ["CIM_CLI"]
specs = ["text:spm:model=" + model, "vit-b16", "whisper", "vivit-2x16"]
jobs = os.cpu_count()
args = [cli, "measure", "-j", str(jobs), "-o", os.path.join(tmp, "cli.json")]
for s in specs:
    args += ["-t", s]
def run_cli():
    subprocess.run(args + [corpus], check=False, capture_output=True)
t_cli, _ = best(run_cli)
t_py, res = best(lambda: cimeter.measure([corpus], tokenizers=specs, jobs=jobs))
files = sum(a["files"] for a in res.aggregates)
print(f"whole corpus {corpus}: {files} files, -j {jobs}")
print(f"  cimeter measure (process)  {t_cli:8.3f} s")
print(f"  cimeter.measure            {t_py:8.3f} s")
print(f"  Python / CLI               {t_py / t_cli:8.3f}")
PYEOF
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
