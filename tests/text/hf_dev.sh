#!/usr/bin/env bash
# hf_dev.sh — text:hf counts of every dev-corpus text file against the Rust tokenizers
# library (tests/ref/hf_count.mjs: npm `tokenizers`, the whole file in one encode call),
# at -j1 and -j2.
#   hf_dev.sh bert               the bert-base-uncased preset (scripts/fetch-tokenizers.sh)
#   hf_dev.sh unigram t5|albert  a Unigram tokenizer.json built by scripts/make-hf-json.py
#                                from tests/spm/models/uni32k-bf.model
#   hf_dev.sh json FILE          any tokenizer.json
# Exit 77 (skip) when the dev corpus, the reference or the tokenizer is absent.
set -euo pipefail
root=${CIM_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cimeter=${CIMETER:-$root/build/cimeter}
dev=${CIM_DEV_CORPUS:-$root/corpora/dev}/text
data=${CIMETER_DATA_DIR:-$root/tokenizers/data}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -d "$dev" ] || { echo "hf_dev.sh: no dev corpus at $dev (corpora/fetch.sh dev)"; exit 77; }
command -v node >/dev/null || { echo "hf_dev.sh: node not found"; exit 77; }
case "${1:-}" in
bert)
    tok=$data/hf/bert-base-uncased.json
    [ -f "$tok" ] || { echo "hf_dev.sh: $tok absent (scripts/fetch-tokenizers.sh)"; exit 77; }
    spec=text:hf:bert-base-uncased ;;
unigram)
    /usr/bin/python3 -c 'from sentencepiece import sentencepiece_model_pb2' 2>/dev/null ||
        { echo "hf_dev.sh: python3-sentencepiece / python3-protobuf absent"; exit 77; }
    tok=$tmp/uni32k-${2:-t5}.json
    /usr/bin/python3 "$root/scripts/make-hf-json.py" unigram \
        "$root/tests/spm/models/uni32k-bf.model" "$tok" --style "${2:-t5}"
    spec=text:hf:$tok ;;
json)
    tok=$2
    spec=text:hf:$tok ;;
*)
    echo "usage: hf_dev.sh bert | unigram t5|albert | json FILE" >&2
    exit 2 ;;
esac
find -L "$dev" -type f | LC_ALL=C sort > "$tmp/files"
set +e
node "$root/tests/ref/hf_count.mjs" "$tok" - < "$tmp/files" > "$tmp/ref.tsv"
rc=$?
set -e
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || { echo "hf_dev.sh: hf_count.mjs failed ($rc)"; exit 1; }
bad=0
for j in 1 2; do
    "$cimeter" measure -t "$spec" -j $j --hidden --per-file --bootstrap 0 -o "$tmp/j$j.json" \
        "$dev" > /dev/null || true
    /usr/bin/python3 - "$tmp/j$j.json" "$tmp/ref.tsv" "$j" <<'PY' || bad=1
import json, sys
got = {r["path"]: (r["tokens"], r["error"]) for r in json.load(open(sys.argv[1]))["files"]}
ref = {}
for line in open(sys.argv[2], encoding="utf-8"):
    n, path = line.rstrip("\n").split("\t", 1)
    ref[path] = int(n)
mism = [p for p in ref if got.get(p, (None, None))[0] != ref[p]]
for p in mism[:10]:
    print(f"mismatch {p}: cimeter {got.get(p)} library {ref[p]}")
print(f"-j{sys.argv[3]}: {len(ref)} files compared, {sum(ref.values())} tokens, "
      f"{len(mism)} mismatches")
sys.exit(1 if mism or len(ref) != len(got) else 0)
PY
done
exit $bad
