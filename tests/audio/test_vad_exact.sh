#!/usr/bin/env bash
# VAD boundary cases, where Σs² equals the threshold exactly and only exact
# arithmetic gets the count right (doc/tokenizers.md: a frame is silent only when every
# channel has Σs²/m < 32768²·10^(DB/10), so equality is a token).
# A 1 kHz WAV made here, hop=10 ms (frames of 10 samples), thr=-10 dB:
#   T(10) = 10·2^30/10 = 2^30 exactly; T(5) = 2^29 for a 5-sample last frame.
#   frame 1: one sample -32768        S = 2^30      → token
#   frame 2: one sample -32767        S = 2^30-65535 → silent
#   frame 3: two samples 23170, 23170 S = 1073697800 < 2^30 → silent
#   frame 4: zeros                                → silent
#   frame 5 (right channel only): -32768          → token (any channel)
#   last, 5 samples: 16384, -16384    S = 2^29 = T(5) → token
# Expected: 3 tokens; plus thr=-10.01 (lower threshold: frame 2 and 3 become
# tokens? 2^30·10^-1.001 ≈ 1.0713e9: frame 2 S=1073676289 ≥ → token, frame 3
# S=1073697800 ≥ → token, last S=2^29 ≥ 5·2^30·10^-1.001) = 5 tokens; and thr=-9.99 (T slightly above 2^30:
# frame 1 and 5 silent; the last frame S=2^29 < T(5)) = 0 tokens.
# Also checked against tests/ref/sf_audio.py when soundfile is there.
set -euo pipefail
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
$PY - "$tmp/edge.wav" <<'PYEOF'
import struct, sys, wave
L, R = [0] * 55, [0] * 55
L[3] = -32768
L[12] = -32767
L[20], L[21] = 23170, 23170
R[44] = -32768
L[51], L[53] = 16384, -16384
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(1000)
    w.writeframes(b"".join(struct.pack("<hh", a, b) for a, b in zip(L, R)))
PYEOF
specs=(audio:vad:hop=10,thr=-10 audio:vad:hop=10,thr=-10.01 audio:vad:hop=10,thr=-9.99)
want=(3 5 0)
targs=(); for s in "${specs[@]}"; do targs+=(-t "$s"); done
"$CIMETER" measure "${targs[@]}" --per-file -o "$tmp/c.json" "$tmp/edge.wav"
fail=0
for i in 0 1 2; do
    got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print([f["tokens"] for f in d["files"] if f["tokenizer"]==sys.argv[2]][0])' "$tmp/c.json" "${specs[$i]}")
    echo "${specs[$i]}: $got tokens (want ${want[$i]})"
    [ "$got" = "${want[$i]}" ] || fail=1
done
if $PY -c 'import soundfile' 2>/dev/null; then
    $PY "$CIM_SOURCE_ROOT/tests/ref/sf_audio.py" "${targs[@]}" "$tmp/edge.wav" > "$tmp/r.json"
    $PY "$(dirname "$0")/compare.py" ref "$tmp/c.json" "$tmp/r.json" || fail=1
fi
exit $fail
