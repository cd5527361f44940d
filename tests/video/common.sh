# common.sh — sourced by the video tests: paths, skips, a per-file JSON reader.
set -u
CIMETER=${CIMETER:?set by meson}
PY=${PYTHON:-/usr/bin/python3}
SRC=${CIM_SOURCE_ROOT:?set by meson}
SAMPLE=${CIM_SAMPLE:-$SRC/corpora/sample}
DEV=${CIM_DEV_CORPUS:-$SRC/corpora/dev}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cim-video.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILED=1; }
FAILED=0
# The videos to check: the sample corpus, plus the dev corpus when fetched.
videos() {
    ls "$SAMPLE"/video/* 2>/dev/null
    [ -d "$DEV/video" ] && ls "$DEV"/video/* 2>/dev/null
    return 0
}
# per_file JSON -> "path<TAB>tokenizer<TAB>units<TAB>tokens<TAB>file_bytes<TAB>raw_bytes<TAB>seconds<TAB>fast<TAB>error_code"
records() {
    "$PY" - "$1" <<'PYEOF'
import json, sys
for f in json.load(open(sys.argv[1])).get("files", []):
    print("\t".join(str(f.get(k)) for k in ("path", "tokenizer", "units", "tokens", "file_bytes",
                                              "raw_bytes", "seconds", "fast_path", "error_code")))
PYEOF
}
