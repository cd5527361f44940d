#!/usr/bin/env bash
# cli_basic.sh — doc/cimeter.1 command line: help, exit codes, JSON fields, clear fatal errors.
. "$(dirname "$0")/lib.sh"
C=$CIMETER
expect_rc 0 "$C" --help
expect_rc 0 "$C" measure --help
expect_rc 0 "$C" tokenizers
grep -q "text:spm" "$T/out" || fail "tokenizers does not list spm"
expect_rc 2 "$C"
expect_rc 2 "$C" frobnicate
expect_rc 2 "$C" measure
expect_rc 2 "$C" measure -t text:nosuch "$SAMPLE/text"
grep -q "unknown tokenizer" "$T/err" || fail "unknown tokenizer message"
expect_rc 2 "$C" measure -t text:spm:/nonexistent.model "$SAMPLE/text"
grep -q "cannot load SentencePiece model" "$T/err" || fail "missing model message"
head -c 1000 /dev/urandom > "$T/corrupt.model"
expect_rc 2 "$C" measure -t "text:spm:$T/corrupt.model" "$SAMPLE/text"
expect_rc 2 "$C" measure -j 0 "$SAMPLE/text"
expect_rc 2 "$C" measure -t image:patch:p=0 "$SAMPLE/text"
# A plain run: table on stdout, exit 0.
expect_rc 0 "$C" measure -t text:bytes -t text:chars -t "text:spm:$MODEL" "$SAMPLE/text"
grep -q "kjv-bpe8k" "$T/out" || fail "table lacks spm row"   # the tail of a long spec is kept
# JSON fields of doc/records.md.
expect_rc 0 "$C" measure -t text:bytes -t "text:spm:$MODEL" -o "$T/r.json" --per-file "$SAMPLE/text"
for k in schema tool command tokenizers aggregates files; do
    [ "$(json_get "$T/r.json" "'$k' in d")" = True ] || fail "JSON lacks $k"
done
for k in modality tokenizer files errors file_bytes raw_bytes units tokens C C_file C_median C_p10 C_p90 C_ci95; do
    [ "$(json_get "$T/r.json" "'$k' in d['aggregates'][0]")" = True ] || fail "aggregate lacks $k"
done
for k in path modality tokenizer file_bytes raw_bytes tokens error; do
    [ "$(json_get "$T/r.json" "'$k' in d['files'][0]")" = True ] || fail "file record lacks $k"
done
# bytes: C is exactly 1; the spm model's SHA-256 is recorded.
[ "$(json_get "$T/r.json" "d['aggregates'][0]['C']")" = 1.0 ] || fail "bytes C != 1"
want=$(sha256sum "$MODEL" | cut -d' ' -f1)
[ "$(json_get "$T/r.json" "d['tokenizers'][1]['sha256']")" = "$want" ] || fail "model sha256 not recorded"
# Ratio of sums: C == sum raw / sum tokens over the per-file records.
"$PY" - "$T/r.json" <<'PY' || fail "aggregate C is not the ratio of sums"
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["aggregates"]:
    fs = [f for f in d["files"] if f["tokenizer"] == a["tokenizer"]]
    raw = sum(f["raw_bytes"] for f in fs); tok = sum(f["tokens"] for f in fs)
    assert a["raw_bytes"] == raw and a["tokens"] == tok, a
    assert abs(a["C"] - raw / tok) < 1e-9 * a["C"], a
    cs = sorted(f["raw_bytes"] / f["tokens"] for f in fs)
    import statistics
    # numpy-default (linear) quantiles
    def q(p):
        h = (len(cs) - 1) * p; lo = int(h); hi = min(lo + 1, len(cs) - 1)
        return cs[lo] + (h - lo) * (cs[hi] - cs[lo])
    for k, p in (("C_median", .5), ("C_p10", .1), ("C_p90", .9)):
        assert abs(a[k] - q(p)) < 1e-9 * a[k], (k, a[k], q(p))
    lo, hi = a["C_ci95"]
    assert lo <= a["C"] <= hi, a
PY
# Numbers are parsed strictly by every command: trailing text is a usage error, never 0.
expect_rc 2 "$C" train-text --vocab abc -o "$T/x.model" "$SAMPLE/text/kjv-genesis.txt"
expect_rc 2 "$C" train-text --vocab 8k -o "$T/x.model" "$SAMPLE/text/kjv-genesis.txt"
expect_rc 2 "$C" measure -j abc "$SAMPLE/text/kjv-genesis.txt"
expect_rc 2 "$C" compare "$T/none.json" "$T/none.json" --tolerance 1%
# One bad value per command that takes numbers, each named in a clear message.
expect_arg_error() { local what=$1; shift; expect_rc 2 "$@"
    grep -q -- "$what" "$T/err" || fail "$*: the message does not name $what"; }
expect_arg_error "-j wants a thread count" "$C" measure -j 5000 "$SAMPLE/text/kjv-genesis.txt"
expect_arg_error "--zstd-level wants" "$C" measure --zstd-level 0 "$SAMPLE/text/kjv-genesis.txt"
expect_arg_error "--max-seconds wants" "$C" measure --max-seconds -1 "$SAMPLE/text/kjv-genesis.txt"
expect_arg_error "--seed wants" "$C" measure --seed -3 "$SAMPLE/text/kjv-genesis.txt"
expect_arg_error "--max-frames wants" "$C" measure --max-frames " 5" "$SAMPLE/text/kjv-genesis.txt"
expect_arg_error "--tolerance wants" "$C" compare "$T/none.json" "$T/none.json" --tolerance -0.5
expect_arg_error "--threads wants" "$C" fit --threads abc "$T/none.csv"
expect_arg_error "--threads wants" "$C" fit --threads 0 "$T/none.csv"
expect_arg_error "--bootstrap wants" "$C" fit --bootstrap 1.5 "$T/none.csv"
expect_arg_error "--flops wants a number" "$C" predict --flops 1e21x "$T/none.json"
expect_arg_error "--vocab" "$C" train-text --vocab 0 -o "$T/x.model" "$SAMPLE/text/kjv-genesis.txt"
# A model path may hold any character a file name may: in double quotes, '=', ',',
# ':' and spaces are part of it, and the recorded spec quotes it back.
q="$T/run=3, a:b c"; mkdir -p "$q"; cp "$MODEL" "$q/m.model"
expect_rc 0 "$C" measure -t "text:spm:\"$q/m.model\"" -t "text:spm:$MODEL" -o "$T/q.json" "$SAMPLE/text/kjv-genesis.txt"
"$PY" - "$T/q.json" "$q/m.model" <<'PY' && ok "model path with = , : and spaces" || fail "model path with = , : and spaces"
import json, sys
d = json.load(open(sys.argv[1]))
spec = 'text:spm:"%s"' % sys.argv[2]
toks = {a["tokenizer"]: a["tokens"] for a in d["aggregates"]}
assert spec in toks, (spec, list(toks))
other = [v for k, v in toks.items() if k != spec]
assert other == [toks[spec]], toks          # the same model under both paths counts the same
PY
expect_rc 2 "$C" measure -t "text:spm:$q/m.model" "$SAMPLE/text/kjv-genesis.txt"
grep -q "double quotes" "$T/err" || fail "an unquoted path with '=' does not say to quote it"
# --info: bits of one zstd frame of the canonical raw stream; for text the file
# itself, so it equals the zstd CLI's output on stdin (no checksum).
if command -v zstd >/dev/null; then
    f=$SAMPLE/text/kjv-genesis.txt
    expect_rc 0 "$C" measure -t text:bytes --info --zstd-level 5 -o "$T/i.json" --per-file "$f"
    want=$(( $(zstd -5 --no-check -c < "$f" | wc -c) * 8 ))
    [ "$(json_get "$T/i.json" "d['files'][0]['info_bits']")" = "$want" ] && ok "info_bits = zstd -5 ($want)" || fail "info_bits vs zstd CLI"
    [ "$(json_get "$T/i.json" "d['settings']['info_compressor']['level']")" = 5 ] || fail "zstd level not recorded"
fi
finish
