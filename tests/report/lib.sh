# lib.sh — shared by tests/report/*.sh (sourced). Needs CIMETER and CIM_SAMPLE.
set -u
: "${CIMETER:?}" "${CIM_SAMPLE:?}"
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cimeter-report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# The measure JSON without its `command` array (the one field allowed to differ).
strip_command() { sed '/^  "command": \[/,/^  \],/d' "$1"; }
same_but_command() { cmp -s <(strip_command "$1") <(strip_command "$2") || { diff <(strip_command "$1") <(strip_command "$2") | head -20 >&2; return 1; }; }
TOKS=(-t text:bytes -t text:chars)
# Every modality, content-aware tokenizers included (merge exactness across decoders).
TOKS_ALL=("${TOKS[@]}" -t vit-b16 -t image:adaptive:min=8,max=64,thr=32 -t cosmos-dv4x8x8
          -t video:rlt:t=2,p=16 -t whisper -t audio:vad:hop=20,thr=-40)
