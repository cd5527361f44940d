#!/usr/bin/env bash
# bench-fit.sh — Chinchilla fit + 1,000-resample bootstrap: cimeter vs scipy.
#
# Both do Epoch AI's procedure on the Chinchilla points (../shared/data/scaling,
# D = FLOP/(6N), 5 highest-loss rows dropped): Huber δ=1e-3 on log loss, a
# quasi-Newton minimiser from all 4,500 grid starts, then N bootstrap
# resamples each fitted from the full-data optimum plus the best grid start
# (scripts/ref/fit_scipy.py; `cimeter fit --starts all --boot-starts 1`).
# cimeter's default (--starts 100, pruned by starting objective) is timed too.
#
# Timings are CPU seconds (user+sys) and wall seconds. The ratio is taken on
# CPU time with cimeter on one thread, since scipy runs on one core and the
# machine may be shared: the load average is printed before and after.
#
# usage: scripts/bench-fit.sh [BUILD_DIR] [RESAMPLES]   (defaults: build, 1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
B=${2:-1000}
cimeter=$build/cimeter
py=${PYTHON:-/usr/bin/python3}
shared=${CIM_SHARED:-$root/../shared}
data=$shared/data/scaling/chinchilla_svg_extracted_data.csv
[ -x "$cimeter" ] || { echo "bench-fit: $cimeter not built (ninja -C $build)" >&2; exit 2; }
[ -f "$data" ] || { echo "bench-fit: $data not found (set CIM_SHARED)" >&2; exit 2; }
"$py" -c 'import scipy, numpy' 2>/dev/null || { echo "bench-fit: $py lacks scipy/numpy (apt install python3-scipy)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" - "$data" "$tmp/chinchilla.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
t = [(float(r["Model Size"]), float(r["Training FLOP"]), float(r["loss"])) for r in rows]
keep = sorted(sorted(range(len(t)), key=lambda i: t[i][2])[: len(t) - 5])
with open(sys.argv[2], "w") as f:
    f.write("params,loss,tokens\n")
    for i in keep:
        f.write("%r,%r,%r\n" % (t[i][0], t[i][2], t[i][1] / (6 * t[i][0])))
PY

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, load average $(load) (1/5/15 min) before"
TIMEFORMAT='%R %U %S'
run() {   # run LABEL CMD... → prints wall and cpu; stores cpu in $cpu
    local label=$1; shift
    local t
    t=$( { time "$@" >"$tmp/$label.out" 2>"$tmp/$label.err"; } 2>&1 ) || { cat "$tmp/$label.err" >&2; exit 1; }
    read -r wall user sys <<<"$t"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf '%-44s wall %7.2f s   cpu %7.2f s\n' "$label" "$wall" "$cpu"
}
run "cimeter, full grid, 1 thread" "$cimeter" fit "$tmp/chinchilla.csv" --form chinchilla --starts all \
    --boot-starts 1 --bootstrap "$B" --heldout 0 --threads 1 -o "$tmp/cim-full.json"
c_full=$cpu
run "cimeter, full grid, all threads" "$cimeter" fit "$tmp/chinchilla.csv" --form chinchilla --starts all \
    --boot-starts 1 --bootstrap "$B" --heldout 0 -o "$tmp/cim-full-mt.json"
run "cimeter, default (100 starts), 1 thread" "$cimeter" fit "$tmp/chinchilla.csv" --form chinchilla \
    --bootstrap "$B" --heldout 0 --threads 1 -o "$tmp/cim-default.json"
c_def=$cpu
run "scipy L-BFGS-B, full grid, 1 core" "$py" "$root/scripts/ref/fit_scipy.py" "$tmp/chinchilla.csv" \
    --bootstrap "$B" --boot-starts 1
s_full=$cpu
cp "$tmp/scipy L-BFGS-B, full grid, 1 core.out" "$tmp/scipy.json"
echo "load average $(load) after"
echo
"$py" - "$tmp/cim-full.json" "$tmp/scipy.json" <<'PY'
import json, sys
c, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f"{'':8} {'cimeter':>14} {'scipy':>14}   bootstrap SE cimeter / scipy")
print(f"{'objective':8} {c['objective']:14.10g} {s['objective']:14.10g}")
for k in ("E", "A", "B", "alpha", "beta"):
    print(f"{k:8} {c['estimates'][k]:14.6g} {s['estimates'][k]:14.6g}   {c['std_errors'][k]:.4g} / {s['std_errors'][k]:.4g}")
PY
echo
awk -v c="$c_full" -v d="$c_def" -v s="$s_full" 'BEGIN {
    printf "cpu time, full grid + %s resamples: scipy %.2f s / cimeter %.2f s = %.1fx\n", "'"$B"'", s, c, s / c
    printf "cpu time, cimeter default (pruned starts): %.2f s, %.1fx faster than scipy\n", d, s / d }'
