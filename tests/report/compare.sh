#!/usr/bin/env bash
# compare.sh — the CI gate: exit 0 within tolerance, 1 beyond (printing which), 2 bad input.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
$C measure "${TOKS[@]}" -o "$TMP/base.json" "$CIM_SAMPLE/text"; [ $? = 0 ] || fail measure
$C compare "$TMP/base.json" "$TMP/base.json" > "$TMP/out" || fail "self compare"
grep -q '^ok .*text:chars' "$TMP/out" || fail "no ok line"
# C of text:chars scaled by 1.005 and 1.05.
scale() { /usr/bin/python3 - "$@" <<'PY'
import json, sys
src, dst, f = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = json.load(open(src))
for a in d["aggregates"]:
    if a["tokenizer"] == "text:chars": a["C"] *= f
json.dump(d, open(dst, "w"), indent=2)
PY
}
scale "$TMP/base.json" "$TMP/small.json" 1.005
scale "$TMP/base.json" "$TMP/big.json" 1.05
$C compare "$TMP/base.json" "$TMP/small.json" >/dev/null || fail "0.5% change failed the default 1% tolerance"
$C compare "$TMP/base.json" "$TMP/big.json" > "$TMP/out" 2>/dev/null; [ $? = 1 ] || fail "5% change passed"
grep -q '^FAIL .*text:chars' "$TMP/out" || fail "the failing aggregate is not named"
grep -q '^ok .*text:bytes' "$TMP/out" || fail "the passing aggregate is not listed"
$C compare --tolerance 0.1 "$TMP/base.json" "$TMP/big.json" >/dev/null || fail "--tolerance 0.1"
$C compare --tolerance 0.001 "$TMP/base.json" "$TMP/small.json" >/dev/null 2>&1; [ $? = 1 ] || fail "--tolerance 0.001"
# An aggregate missing from the current result is a failure; a new one is not.
$C measure -t text:bytes -o "$TMP/fewer.json" "$CIM_SAMPLE/text" || fail measure
$C compare "$TMP/base.json" "$TMP/fewer.json" > "$TMP/out" 2>/dev/null; [ $? = 1 ] || fail "missing aggregate passed"
grep -q '^MISSING .*text:chars' "$TMP/out" || fail "missing aggregate not named"
$C compare "$TMP/fewer.json" "$TMP/base.json" > "$TMP/out" || fail "a new aggregate failed"
grep -q '^NEW .*text:chars' "$TMP/out" || fail "new aggregate not listed"
# Names come from the JSON (a model path may hold any byte): no control byte reaches
# the terminal raw, each line stays one line.
/usr/bin/python3 - "$TMP/base.json" "$TMP/ctl.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["aggregates"]:
    if a["tokenizer"] == "text:chars": a["tokenizer"] = "text:chars\x1b[2J\nFAKE\r\x07"
json.dump(d, open(sys.argv[2], "w"))
PY
$C compare "$TMP/ctl.json" "$TMP/ctl.json" > "$TMP/out" || fail "compare with control characters in a name"
/usr/bin/python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); sys.exit(any(c < 0x20 and c != 0x0a for c in b))" "$TMP/out" ||
    fail "a control byte reached the output: $(od -c "$TMP/out" | head -5)"
[ "$(grep -c '' "$TMP/out")" = "$(grep -c '^ok ' "$TMP/out")" ] || fail "a name broke a line"
# Bad input: 2.
echo 'not json' > "$TMP/garbage.json"
$C compare "$TMP/base.json" "$TMP/garbage.json" 2>/dev/null; [ $? = 2 ] || fail "garbage"
$C compare "$TMP/nothere.json" "$TMP/base.json" 2>/dev/null; [ $? = 2 ] || fail "missing file"
$C compare "$TMP/base.json" 2>/dev/null; [ $? = 2 ] || fail "one argument"
$C compare --tolerance -1 "$TMP/base.json" "$TMP/base.json" 2>/dev/null; [ $? = 2 ] || fail "negative tolerance"
$C compare --tolerance abc "$TMP/base.json" "$TMP/base.json" 2>/dev/null; [ $? = 2 ] || fail "bad tolerance"
echo '{"schema":"cimeter.measure/1","aggregates":[{"modality":"text"}]}' > "$TMP/malformed.json"
$C compare "$TMP/malformed.json" "$TMP/base.json" >/dev/null 2>&1; [ $? = 2 ] || fail "malformed aggregate"
echo "compare ok"
