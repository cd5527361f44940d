#!/usr/bin/env bash
# scripts/bench-python.sh — the Python package's overhead, side by side in one run.
#   scripts/bench-python.sh [BUILD_DIR] [CORPUS]    (defaults: build, corpora/dev or corpora/sample)
# 1. 1 KB strings (cut from kjv-genesis.txt, CIM_BENCH_REPS passes, default 20), one call
#    each, all single-threaded: cimeter.Counter("text:spm:...").count, python3-sentencepiece's
#    SentencePieceProcessor.encode, and a C loop over cim_counter_count (the same buffer
#    API): microseconds per string, the ratios Counter / sentencepiece and Counter / C loop
#    (the Python layer's share). The best of 3 rounds of each.
# 2. A whole-corpus run (the dev corpus when fetched): `cimeter measure` against
#    cimeter.measure, same tokenizers, -j and JSON output, interleaved rounds
#    (CIM_BENCH_ROUNDS, default 3): the best wall and the best CPU time (user+sys of
#    every thread; the CLI's from its rusage) of each, and the ratios Python / CLI
#    (target: within 5%).
# CIM_BENCH_ONLY=corpus runs part 2 alone. Wall times depend on what else runs on the
# machine (the load average is printed); CPU times much less.
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
CIM_CORPUS=$corpus CIM_CLI=$build/cimeter CIM_REPS=${CIM_BENCH_REPS:-20} \
CIM_ONLY=${CIM_BENCH_ONLY:-} CIM_ROUNDS=${CIM_BENCH_ROUNDS:-3} "$py" - <<'PYEOF'
import os, resource, subprocess, time
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
only_corpus = os.environ["CIM_ONLY"] == "corpus"

def best(fn, rounds=3):
    walls = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
    return min(walls), out

counter = cimeter.Counter("text:spm:model=" + model)
if only_corpus:
    strings = strings[:1]
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
if not only_corpus:
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
def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def run_cli():
    c0, t0 = cpu_children(), time.perf_counter()
    subprocess.run(args + [corpus], check=False, capture_output=True)
    return time.perf_counter() - t0, cpu_children() - c0

def run_py():
    c0, t0 = cpu_self(), time.perf_counter()
    res = cimeter.measure([corpus], tokenizers=specs, jobs=jobs)
    return time.perf_counter() - t0, cpu_self() - c0, res

cli_runs, py_runs = [], []
for _ in range(int(os.environ["CIM_ROUNDS"])):     # interleaved: load drifts hit both
    cli_runs.append(run_cli())
    py_runs.append(run_py())
res = py_runs[-1][2]
files = sum(a["files"] for a in res.aggregates)
cli_wall, cli_cpu = min(r[0] for r in cli_runs), min(r[1] for r in cli_runs)
py_wall, py_cpu = min(r[0] for r in py_runs), min(r[1] for r in py_runs)
with open(os.path.join(tmp, "cli.json")) as f:
    import json
    cli_aggs = json.load(f)["aggregates"]
same = [(a["tokenizer"], a["tokens"], a["raw_bytes"]) for a in cli_aggs] == \
       [(a["tokenizer"], a["tokens"], a["raw_bytes"]) for a in res.aggregates]
print(f"whole corpus {corpus}: {files} file records, -j {jobs}, best of "
      f"{len(cli_runs)} interleaved rounds; same aggregates: {same}")
print(f"                             wall s    CPU s (user+sys)")
print(f"  cimeter measure (process)  {cli_wall:8.3f}  {cli_cpu:8.3f}")
print(f"  cimeter.measure            {py_wall:8.3f}  {py_cpu:8.3f}")
print(f"  Python / CLI               {py_wall / cli_wall:8.3f}  {py_cpu / cli_cpu:8.3f}")
PYEOF
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
