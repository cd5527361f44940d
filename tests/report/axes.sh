#!/usr/bin/env bash
# axes.sh — the law plot's --x and --group: the default figure is unchanged, one
# curve per group, each curve the fitted law (axes_law.py), bad names exit 2.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
D=$(dirname "$0")/data
RUNS=${CIM_SOURCE_ROOT:?}/corpora/runs/synthetic-multimodal.csv
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: /usr/bin/python3 is missing"; exit 77; }
curves() { grep -c 'stroke-width:1\.6;' "$1"; }

# A fit made here, from the example runs (raw_ columns, D_eff under the true C).
$C fit "$RUNS" --form chinchilla --c text=4.2,image=9000,video=6144,audio=290 -o "$TMP/fit.json" \
    >/dev/null || fail "fit"
# The defaults are D_eff and N: naming them changes no byte, in either format.
for fmt in svg png; do
    $C report --fit "$TMP/fit.json" --runs "$RUNS" -o "$TMP/default.$fmt" || fail "default $fmt"
    $C report --fit "$TMP/fit.json" --runs "$RUNS" --x D_eff --group N -o "$TMP/named.$fmt" \
        || fail "named defaults $fmt"
    cmp -s "$TMP/default.$fmt" "$TMP/named.$fmt" || fail "--x D_eff --group N changed the $fmt"
    $C report --fit "$TMP/fit.json" --runs "$RUNS" --x D --group params -o "$TMP/alias.$fmt" \
        || fail "aliases $fmt"
    cmp -s "$TMP/default.$fmt" "$TMP/alias.$fmt" || fail "--x D --group params changed the $fmt"
done
# One curve per model size (6 in the example runs), against D_eff and against compute.
sizes=$(tail -n +2 "$RUNS" | cut -d, -f2 | sort -u | wc -l)
[ "$sizes" = 6 ] || fail "the example runs have $sizes model sizes, not 6"
[ "$(curves "$TMP/default.svg")" = "$sizes" ] || fail "default: $(curves "$TMP/default.svg") curves"
$C report --fit "$TMP/fit.json" --runs "$RUNS" --x C -o "$TMP/c.svg" || fail "--x C"
[ "$(curves "$TMP/c.svg")" = "$sizes" ] || fail "--x C: $(curves "$TMP/c.svg") curves, not $sizes"
grep -q 'stroke-width:1\.6;' "$TMP/c.svg" || fail "--x C: no curve"
cmp -s "$TMP/default.svg" "$TMP/c.svg" && fail "--x C drew the default figure"
# D_eff is a different number in every run: 8 curves spread over them, the rest grey.
$C report --fit "$TMP/fit.json" --runs "$RUNS" --x N --group D -o "$TMP/n.svg" || fail "--x N --group D"
[ "$(curves "$TMP/n.svg")" = 8 ] || fail "--x N --group D: $(curves "$TMP/n.svg") curves, not 8"
$C report --fit "$TMP/fit.json" --runs "$RUNS" --x N --group D -o "$TMP/n.png" || fail "png --x N"
head -c 8 "$TMP/n.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "--x N: not a PNG"

# A column of text groups the points (a colour per text), without curves: the law
# does not say what a text holds.
$C report --fit "$TMP/fit.json" --runs "$RUNS" --group mix -o "$TMP/mix.svg" || fail "--group mix"
[ "$(curves "$TMP/mix.svg")" = 0 ] || fail "--group mix drew curves"
cmp -s "$TMP/default.svg" "$TMP/mix.svg" && fail "--group mix drew the default figure"

# Each curve is the law at its group's value (tokens column: 5 sizes, 5 data sizes).
for axes in "N D" "C N" "C D" "N C" "D N"; do
    set -- $axes
    $C report --fit "$D/fit-chinchilla.json" --runs "$D/runs-tokens.csv" --x "$1" --group "$2" \
        -o "$TMP/law.svg" || fail "--x $1 --group $2"
    $PY "$(dirname "$0")/axes_law.py" "$TMP/law.svg" "$D/fit-chinchilla.json" \
        "$D/runs-tokens.csv" "$1" "$2" || fail "--x $1 --group $2: the curves are not the law"
done
# The check can fail: the same figure read with the groups on the other quantity.
$C report --fit "$D/fit-chinchilla.json" --runs "$D/runs-tokens.csv" --x C --group N -o "$TMP/law.svg"
$PY "$(dirname "$0")/axes_law.py" "$TMP/law.svg" "$D/fit-chinchilla.json" "$D/runs-tokens.csv" C D \
    >/dev/null 2>&1 && fail "axes_law.py accepts curves of another grouping"

# Bad names: exit 2 naming the column; options that need the law plot.
bad() {
    local want=$1
    shift
    $C report "$@" 2>"$TMP/err"
    local rc=$?
    [ $rc = 2 ] || fail "$* exited $rc, not 2"
    grep -q -- "$want" "$TMP/err" || fail "$*: the message does not name $want: $(cat "$TMP/err")"
}
bad "'steps'" --fit "$TMP/fit.json" --runs "$RUNS" --x steps -o "$TMP/x.svg"
bad "'sizes'" --fit "$TMP/fit.json" --runs "$RUNS" --group sizes -o "$TMP/x.png"
bad "'mix'" --fit "$TMP/fit.json" --runs "$RUNS" --x mix -o "$TMP/x.svg"
bad "loss" --fit "$TMP/fit.json" --runs "$RUNS" --x loss -o "$TMP/x.svg"
bad "differ" --fit "$TMP/fit.json" --runs "$RUNS" --x N --group params -o "$TMP/x.svg"
bad "svg and png" --fit "$TMP/fit.json" --runs "$RUNS" --x N -o "$TMP/x.md"
bad "--runs" --fit "$TMP/fit.json" --x N -o "$TMP/x.svg"
bad "column name" --fit "$TMP/fit.json" --runs "$RUNS" --x "" -o "$TMP/x.svg"
[ ! -e "$TMP/x.svg" ] && [ ! -e "$TMP/x.png" ] || fail "a refused plot left a file"
echo "ok"
