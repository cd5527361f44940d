#!/usr/bin/env bash
# The header fast path (WAV data chunk, FLAC STREAMINFO proven by the last
# frame) equals a full decode (--no-fast-path) on every file of the sample and
# dev corpora, for every geometry-only preset; and it is actually taken.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dirs=("$CIM_SAMPLE/audio")
[ -d "${CIM_DEV_CORPUS:-/nonexistent}/audio" ] && dirs+=("$CIM_DEV_CORPUS/audio") || echo "note: no dev corpus at ${CIM_DEV_CORPUS:-}/audio"
t=(-t whisper -t hubert -t encodec-24k-6kbps -t dac-44k -t mimi -t audio:codec:rate=1000/3,codebooks=1)
"$CIMETER" measure -j 2 "${t[@]}" --per-file -o "$tmp/fast.json" "${dirs[@]}"
"$CIMETER" measure -j 2 --no-fast-path "${t[@]}" --per-file -o "$tmp/slow.json" "${dirs[@]}"
$PY "$here/compare.py" same "$tmp/fast.json" "$tmp/slow.json"
# The sample's WAV and FLAC files must take the fast path (else this test proves nothing).
$PY - "$tmp/fast.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
slow = [f["path"] for f in d["files"] if not f.get("fast_path")]
if slow:
    print("not on the fast path:", sorted(set(slow))[:10]); sys.exit(1)
PYEOF
