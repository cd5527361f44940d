#!/usr/bin/env bash
# hf_refuse.sh — tokenizer.json settings of the normalizers, word pre-tokenizers, Unigram,
# WordPiece and WordLevel that the Rust library would fail on, or that cimeter cannot
# honour, are refused with a message that names them, and exit 2; a sound file of each
# kind counts.
set -u
cim=${CIMETER:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'Hello world, unaffable text.\n' > "$tmp/a.txt"
fail=0
mk() {   # name, normalizer, pre_tokenizer, model
    printf '{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
 "normalizer": %s, "pre_tokenizer": %s, "post_processor": null, "decoder": null,
 "model": %s}\n' "$2" "$3" "$4" > "$tmp/$1.json"
}
expect() {   # name, exit status, text the message must hold
    "$cim" measure -t "text:hf:$tmp/$1.json" "$tmp/a.txt" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc != "$2" ] || { [ -n "$3" ] && ! grep -q -- "$3" "$tmp/err"; }; then
        echo "FAIL: $1: exit $rc (want $2), stderr: $(cat "$tmp/err")"
        fail=1
    else
        echo "ok: $1"
    fi
}
wp='{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
     "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "hello": 1, "##s": 2}}'
uni='{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}'
mk wordpiece null '{"type": "BertPreTokenizer"}' "$wp"
expect wordpiece 0 ''
mk unigram '{"type": "Precompiled", "precompiled_charsmap": null}' \
   '{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}' "$uni"
expect unigram 0 ''
mk wp-no-unk null null '{"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0}}'
expect wp-no-unk 2 "unk_token '\[UNK\]' is not in the vocabulary"
mk wl-no-unk null null '{"type": "WordLevel", "unk_token": "<unk>", "vocab": {"a": 0}}'
expect wl-no-unk 2 "unk_token '<unk>' is not in the vocabulary"
mk uni-no-unk null null '{"type": "Unigram", "unk_id": null, "vocab": [["a", -1.0]]}'
expect uni-no-unk 2 "Unigram' without unk_id"
mk uni-bad-unk null null '{"type": "Unigram", "unk_id": 5, "vocab": [["a", -1.0]]}'
expect uni-bad-unk 2 "unk_id 5 is not in the vocabulary"
mk uni-bad-entry null null '{"type": "Unigram", "unk_id": 0, "vocab": [["a", "x"]]}'
expect uni-bad-entry 2 "vocab entry 0 is not \[piece, score\]"
mk meta-scheme null '{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"}' "$uni"
expect meta-scheme 2 "unknown prepend_scheme 'sometimes'"
mk meta-contra null '{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false,
   "prepend_scheme": "always"}' "$uni"
expect meta-contra 2 "add_prefix_space does not match"
mk meta-two null '{"type": "Metaspace", "replacement": "ab"}' "$uni"
expect meta-two 2 "one-character replacement"
mk punct-beh null '{"type": "Punctuation", "behavior": "Sideways"}' "$uni"
expect punct-beh 2 "unknown behavior"
mk replace-bad '{"type": "Replace", "pattern": {"Regex": "(unclosed"}, "content": ""}' null "$uni"
expect replace-bad 2 "regex error"
mk replace-none '{"type": "Replace", "content": "x"}' null "$uni"
expect replace-none 2 "String or Regex pattern"
mk prepend-none '{"type": "Prepend"}' null "$uni"
expect prepend-none 2 "needs a string \"prepend\""
mk charsmap-bad '{"type": "Precompiled", "precompiled_charsmap": "AAAA"}' null "$uni"
expect charsmap-bad 2 "charsmap is broken"
mk seq-inner '{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Nmt"}]}' null "$uni"
expect seq-inner 2 "Nmt"
exit $fail
