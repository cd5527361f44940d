#!/usr/bin/env bash
# report.sh — every format writes, twice the same bytes; bad input exits 2.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
D=$(dirname "$0")/data
$C measure "${TOKS[@]}" -o "$TMP/r.json" "$CIM_SAMPLE/text" || fail measure
for fmt in md latex csv svg png; do
    $C report "$TMP/r.json" --fit "$D/fit-freec.json" --format $fmt -o "$TMP/a.$fmt" || fail "report $fmt"
    $C report "$TMP/r.json" --fit "$D/fit-freec.json" --format $fmt -o "$TMP/b.$fmt" || fail "report $fmt again"
    cmp -s "$TMP/a.$fmt" "$TMP/b.$fmt" || fail "$fmt output is not deterministic"
done
head -c 8 "$TMP/a.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "not a PNG"
grep -q "<svg" "$TMP/a.svg" || fail "not an SVG"
grep -q "^| text | text:chars | " "$TMP/a.md" || fail "md row"
grep -q '\\toprule' "$TMP/a.latex" && grep -q '\\bottomrule' "$TMP/a.latex" || fail "latex booktabs"
grep -q '^C\\_image & 40.00' "$TMP/a.latex" || grep -q 'C\\_image} & 40.00' "$TMP/a.latex" || fail "latex fit row"
grep -q "^parameter,estimate,lo,hi$" "$TMP/a.csv" && grep -q "^C_image,40,31,52$" "$TMP/a.csv" || fail "csv fit table"
# Format from the extension; stdout; fit alone; law plot from runs.
$C report "$TMP/r.json" -o "$TMP/e.md" && cmp -s "$TMP/e.md" <($C report "$TMP/r.json" --format md -o -) || fail "format by extension / stdout"
$C report --fit "$D/fit-chinchilla.json" --format csv -o "$TMP/f.csv" && grep -q "^alpha,0.34731,0.32,0.37$" "$TMP/f.csv" || fail "fit-only csv"
$C report --fit "$D/fit-chinchilla.json" --runs "$D/runs-tokens.csv" --format svg -o "$TMP/law.svg" || fail "law plot (tokens)"
$C report "$TMP/r.json" --fit "$D/fit-freec.json" --runs "$D/runs-raw.csv" --format png -o "$TMP/law.png" || fail "law plot (raw_)"
# Bad input and usage: 2, and no output left behind.
$C report "$TMP/r.json" --format pdf -o "$TMP/x.pdf" 2>/dev/null; [ $? = 2 ] || fail "unknown format"
$C report "$TMP/r.json" --runs "$D/runs-raw.csv" --format svg -o "$TMP/x.svg" 2>/dev/null; [ $? = 2 ] || fail "--runs without --fit"
$C report "$TMP/r.json" --format md 2>/dev/null; [ $? = 2 ] || fail "no -o"
echo '{"x":1}' > "$TMP/bad.json"
$C report "$TMP/bad.json" --format md -o "$TMP/x.md" 2>/dev/null; [ $? = 2 ] || fail "not a result"
$C report --fit "$TMP/bad.json" --format md -o "$TMP/x.md" 2>/dev/null; [ $? = 2 ] || fail "not a fit"
$C report --fit "$D/fit-chinchilla.json" --runs "$D/runs-raw.csv" --format png -o "$TMP/x.png" 2>/dev/null; [ $? = 2 ] || fail "raw_text without a C"
ls "$TMP"/x.* >/dev/null 2>&1 && fail "a failed report left output"
echo "report ok"
