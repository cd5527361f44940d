"""common.py — what the sources tests share: where cimeter and the sample corpus are, the
optional python3-zstandard, and the failure count that decides the exit status."""
import os
import sys

try:
    import zstandard
except ImportError:
    zstandard = None

CIMETER = os.environ["CIMETER"]
ROOT = os.environ["CIM_SOURCE_ROOT"]
SAMPLE = os.environ.get("CIM_SAMPLE") or os.path.join(ROOT, "corpora/sample")
MODEL = os.path.join(ROOT, "tokenizers/kjv-bpe8k.model")
_fails = 0


def fail(msg):
    """Counts a failed check and says which."""
    global _fails
    _fails += 1
    print("FAIL:", msg)


def failures():
    return _fails


def finish():
    """Exits 1 when a check failed, else says all passed."""
    if _fails:
        print(f"{_fails} check(s) failed")
        sys.exit(1)
    print("all checks passed")
