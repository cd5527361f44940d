#!/usr/bin/env bash
# bench-fit.sh — published fits and the Chinchilla bootstrap: cimeter vs scipy.
#
# Part 1, reproductions (tests/fit/test_papers.py checks they reach the same
# optimum): Gadre et al. 2024's over-training law on each of their three
# training sets (least squares, LM from their 128 starts) and the Chinchilla
# form by least squares on raw loss (243 starts) and under Epoch AI's Huber
# likelihood (scipy: L-BFGS-B from the 100 best of Epoch's 4,500 starts, then the scale;
# cimeter: variable projection from the grid's 25 exponent pairs), Epoch's Huber fit from all
# 4,500 starts (scipy's L-BFGS-B from each; cimeter by variable projection from the grid's 25
# exponent pairs, the built-in form and the formula), each by cimeter's formula
# fitter (default solver: variable projection) and by scipy's curve_fit
# running the authors' procedure (tests/ref/fit_papers_scipy.py). Fit times
# are CPU seconds measured inside each program around the fitting only; the
# process columns are whole-process CPU seconds (start-up and imports too).
# Then a 1,000-resample bootstrap of the Chinchilla fit at --threads 2, wall
# seconds.
#
# Part 2, Epoch AI's Chinchilla procedure:
# Both do Epoch AI's procedure on the Chinchilla points (the published scaling data,
# doc/corpora.md; D = FLOP/(6N), 5 highest-loss rows dropped): Huber δ=1e-3 on log loss, a
# quasi-Newton minimiser from all 4,500 grid starts, then N bootstrap
# resamples each fitted from the full-data optimum plus the best grid start
# (tests/ref/fit_scipy.py; `cimeter fit --starts all --boot-starts 1`).
# cimeter's default (--starts 100, pruned by starting objective) is timed too.
#
# Timings are CPU seconds (user+sys) and wall seconds. The ratio is taken on
# CPU time with cimeter on one thread, since scipy runs on one core and the
# machine may be shared: the load average is printed before and after.
#
# usage: scripts/bench-fit.sh [BUILD_DIR] [RESAMPLES]   (defaults: build, 1000)
#        PART1_ONLY=1 scripts/bench-fit.sh   (the reproductions and bootstraps only: seconds, not minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
B=${2:-1000}
cimeter=$build/cimeter
py=${PYTHON:-/usr/bin/python3}
shared=${CIM_SHARED:-$root/../shared}
data=$shared/data/scaling/chinchilla_svg_extracted_data.csv
[ -x "$cimeter" ] || { echo "bench-fit: $cimeter not built (ninja -C $build)" >&2; exit 2; }
[ -f "$data" ] || { echo "bench-fit: $data not found: the published scaling data, see doc/corpora.md (set CIM_SHARED to its folder)" >&2; exit 2; }
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
gadre_src=$shared/data/scaling/gadre2024_overtraining_losses.csv
"$py" - "$gadre_src" "$tmp" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
fit_models = {"d=96_l=8_h=4", "d=512_l=8_h=4", "d=576_l=24_h=8", "d=1024_l=24_h=8"}
for ds in ("c4_original", "rpj", "rw_original"):
    pick = [r for r in rows if r["train_dataset"] == ds and r["val_set"] == "c4_val" and
            ((float(r["token_multiplier"]) == 1 and r["model_config"] in fit_models) or
             (float(r["token_multiplier"]) == 16 and r["model_config"] == "d=96_l=8_h=4"))]
    with open(f"{sys.argv[2]}/gadre-{ds}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(pick)
PY
TIMEFORMAT='%R %U %S'
pcpu() {   # pcpu OUT CMD... → whole-process CPU seconds on stdout, the command's stdout in OUT
    local out=$1; shift
    local t
    t=$( { time "$@" >"$out" 2>/dev/null; } 2>&1 ) || { echo "bench-fit: failed: $*" >&2; exit 1; }
    read -r _ u s <<<"$t"
    awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }'
}
GADRE=(--form 'L = alpha*N^b + beta*6^(b/2)*(M*N)^b + E' --column 'M = 20*token_multiplier'
       --start 'alpha=1e2,3e2,1e3,3e3' --start 'beta=1e2,3e2,1e3,3e3' --start 'b=-0.1,-0.3' --start 'E=0,1,2,10')
CHLSQ=(--form 'L = E + A/N^alpha + B/D^beta' --start 'E=1,1.5,2' --start 'A=1e2,1e3,1e4' --start 'B=1e2,1e3,1e4'
       --start 'alpha=0.2,0.35,0.5' --start 'beta=0.2,0.35,0.5')
echo "machine: $(nproc) cores, load average $(load) (1/5/15 min) before"
echo
printf '%-34s %14s %14s %8s   %12s %12s %8s\n' "reproduction" "cimeter fit s" "scipy fit s" "ratio" "cimeter proc" "scipy proc" "ratio"
row() {   # row LABEL CSV SCIPY_MODE CIMETER_ARGS...   (SCIPY_MODE epoch: tests/ref/fit_scipy.py)
    local label=$1 csvf=$2 mode=$3; shift 3
    local cp sp
    cp=$(pcpu "$tmp/r-cim.out" "$cimeter" fit "$csvf" --bootstrap 0 --heldout 0 -o "$tmp/r-cim.json" "$@")
    if [ "$mode" = epoch ]; then   # one scipy run serves both Epoch rows
        [ -f "$tmp/epoch-sci.json" ] ||
            pcpu "$tmp/epoch-sci.json" "$py" "$root/tests/ref/fit_scipy.py" "$csvf" >"$tmp/epoch-sci.proc"
        cp "$tmp/epoch-sci.json" "$tmp/r-sci.json"
        sp=$(cat "$tmp/epoch-sci.proc")
    else
        sp=$(pcpu "$tmp/r-sci.json" "$py" "$root/tests/ref/fit_papers_scipy.py" "$mode" "$csvf")
    fi
    "$py" - "$tmp/r-cim.json" "$tmp/r-sci.json" "$label" "$cp" "$sp" "$tmp/r-cim.out" <<'PY'
import json, re, sys
c, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
label, cp, sp = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
if "fit" in c:
    cf = c["fit"]["cpu_seconds"]
else:   # the built-in form says its fit's CPU time in the summary
    cf = float(re.search(r"fit \S+ s, (\S+) CPU s", open(sys.argv[6]).read()).group(1))
sf = s["cpu_seconds"]
print(f"{label:34} {cf:14.5f} {sf:14.4f} {sf / cf:7.0f}x   {cp:12.3f} {sp:12.3f} {sp / cp:7.1f}x")
if "objective" in c:
    print(f"{'':34} objective cimeter {c['objective']:.12g}  scipy {s['objective']:.12g}")
else:
    print(f"{'':34} exponent cimeter {c['estimates']['a']:.10g} {c['intervals'].get('a')}  numpy {s['estimates']['a']:.10g} {s['intervals']['a']}")
fo = c.get("fit") or {}
st = c.get("settings") or {}
if "outer_evaluations" in fo:
    print(f"{'':34} variable projection: {fo['outer_evaluations']} outer evaluations, {fo['inner_iterations']} inner steps")
elif "outer_evaluations" in st:
    print(f"{'':34} variable projection: {st['starts']} exponent starts, {st['outer_evaluations']} outer evaluations, "
          f"{st['inner_iterations']} inner steps, {st['polish_iterations']} polish iterations")
PY
}
for ds in c4_original rpj rw_original; do
    row "gadre $ds (128 starts)" "$tmp/gadre-$ds.csv" gadre "${GADRE[@]}"
done
row "chinchilla lsq (243 starts)" "$tmp/chinchilla.csv" lsq "${CHLSQ[@]}"
HLIK=(--form 'L = E + A/N^alpha + B/D^beta' --objective huber-likelihood --param 'log E' --param 'log A' --param 'log B'
      --start 'E=-1:1:0.5' --start 'A=0:25:5' --start 'B=0:25:5' --start 'alpha=0:2:0.5' --start 'beta=0:2:0.5' --starts 100)
row "chinchilla Epoch Huber likelihood" "$tmp/chinchilla.csv" huber-lik "${HLIK[@]}"
# Epoch's Huber fit from the whole 4,500-point grid: scipy's L-BFGS-B from every point; cimeter's
# built-in form and the same law as a formula, both by variable projection (25 exponent starts).
row "chinchilla Epoch Huber, built-in" "$tmp/chinchilla.csv" epoch --form chinchilla --starts all
HLOG=(--form 'L = E + A/N^alpha + B/D^beta' --objective huber-log --param 'log E' --param 'log A' --param 'log B'
      --start 'E=-1:1:0.5' --start 'A=0:25:5' --start 'B=0:25:5' --start 'alpha=0:2:0.5' --start 'beta=0:2:0.5')
row "chinchilla Epoch Huber, formula" "$tmp/chinchilla.csv" epoch "${HLOG[@]}"
"$py" - "$data" "$tmp/chin-all.csv" <<'PY'
import csv, sys
with open(sys.argv[2], "w") as f:
    f.write("params,loss,tokens,flops\n")
    for r in csv.DictReader(open(sys.argv[1])):
        N, C = float(r["Model Size"]), float(r["Training FLOP"])
        f.write("%r,%r,%r,%r\n" % (N, float(r["loss"]), C / (6 * N), C))
PY
row "chinchilla IsoFLOP + 1,000 resamples" "$tmp/chin-all.csv" isoflop --isoflop --flops-column flops \
    --budgets 6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21 --snap 0.1 --bootstrap 1000 --threads 1
boot() {   # boot LABEL CIMETER_ARGS... → wall and CPU seconds of a 1,000-resample bootstrap at 2 threads
    local label=$1; shift
    local t
    t=$( { time "$cimeter" fit "$tmp/chinchilla.csv" "$@" --bootstrap 1000 --heldout 0 --threads 2 -o "$tmp/boot.json" >/dev/null 2>&1; } 2>&1 )
    read -r w u s <<<"$t"
    awk -v l="$label" -v w="$w" -v u="$u" -v s="$s" 'BEGIN { printf "%-60s wall %6.2f s   cpu %6.2f s (2 threads)\n", l, w, u + s }'
}
echo
boot "chinchilla, Epoch's procedure + 1,000-resample bootstrap" --form chinchilla
boot "the same, resamples from the full-data optimum only" --form chinchilla --boot-starts 0
boot "chinchilla lsq formula + 1,000-resample bootstrap" "${CHLSQ[@]}"
echo "(on an idle 2-core machine wall is about cpu / 2; load average now $(load))"
echo
[ "${PART1_ONLY:-0}" = 1 ] && exit 0
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
run "scipy L-BFGS-B, full grid, 1 core" "$py" "$root/tests/ref/fit_scipy.py" "$tmp/chinchilla.csv" \
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
