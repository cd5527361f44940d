"""python-counter: cimeter.Counter equals the CLI on every sample-corpus file; bad input
raises; RSS stays flat over 10,000 calls."""
import os

import pytest

import cimeter
from conftest import SPECS, cli_json

def sample_files(root):
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name in ("SHA256SUMS", "SOURCE.md"):
                continue
            yield os.path.join(dirpath, name)


@pytest.mark.parametrize("spec", SPECS)
def test_counter_equals_cli_on_sample(sample, spec):
    cli = cli_json(["measure", "-t", spec, "--per-file", sample])
    canon = cli["tokenizers"][0]["spec"]
    by_path = {rec["path"]: rec for rec in cli["files"] if rec["tokenizer"] == canon}
    counter = cimeter.Counter(spec)
    assert counter.spec == canon
    checked = 0
    for path in sample_files(sample):
        data = open(path, "rb").read()
        rec = by_path.get(path)
        if rec is None:                    # another modality: the CLI skips it
            with pytest.raises(cimeter.Error) as exc:
                counter.count(data)
            assert exc.value.code == "unsupported"
            continue
        if rec.get("error"):
            with pytest.raises(cimeter.Error):
                counter.count(data)
            continue
        n = counter.count(data)
        assert (n.modality, n.tokens, n.raw_bytes, n.units) == \
            (rec["modality"], rec["tokens"], rec["raw_bytes"], rec["units"]), path
        # The modality-checked entry points agree and refuse the other modalities.
        assert getattr(counter, "count_" + n.modality)(data) == n
        other = "image" if n.modality != "image" else "audio"
        with pytest.raises(cimeter.Error) as exc:
            getattr(counter, "count_" + other)(data)
        assert exc.value.code == "unsupported"
        checked += 1
    assert checked > 0


def test_counter_text_str_is_utf8():
    c = cimeter.Counter("text:chars")
    s = "naïve café ✓\n"
    n = c.count(s)
    assert n.tokens == len(s) and n.raw_bytes == len(s.encode())
    assert c.count(s.encode()) == n
    assert c.count(bytearray(s.encode())) == n
    assert c.count(memoryview(s.encode())) == n


def test_counter_bad_input():
    with pytest.raises(cimeter.Error) as exc:
        cimeter.Counter("text:nosuch")
    assert exc.value.code == "usage"
    c = cimeter.Counter("vit-b16")
    with pytest.raises(cimeter.Error) as exc:
        c.count(b"")
    assert exc.value.code == "empty"
    with pytest.raises(cimeter.Error) as exc:
        c.count(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    assert exc.value.code in ("corrupt", "truncated")
    with pytest.raises(cimeter.Error) as exc:
        c.count("plain text")          # text, which an image tokenizer does not count
    assert exc.value.code == "unsupported"
    with pytest.raises(TypeError):
        c.count(12345)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_counter_no_leak_over_10000_calls(sample):
    text = open(os.path.join(sample, "text", "kjv-genesis.txt"), "rb").read()[:1024]
    png = open(os.path.join(sample, "image", "palette_color.png"), "rb").read()
    c = cimeter.Counter("text:chars")
    ci = cimeter.Counter("image:patch:p=16")
    for _ in range(1000):                  # warm up: allocator pools, caches
        c.count(text)
        ci.count(png)
        try:
            c.count(b"")
        except cimeter.Error:
            pass
    before = rss_kib()
    for _ in range(10000):
        c.count(text)
        ci.count(png)
        try:
            c.count(b"")
        except cimeter.Error:
            pass
    grown = rss_kib() - before
    # 30,000 calls: a leak of even 100 bytes a call would grow RSS by ~3 MiB. An ASan
    # build keeps freed memory in quarantine (256 MiB at most) and is not bounded here.
    sanitized = os.environ.get("CIM_SANITIZE", "none") not in ("none", "")
    assert sanitized or grown < 2048, f"RSS grew by {grown} KiB over 30,000 calls"


def test_counter_in_forked_worker(sample):
    """A Counter made before fork counts in the children, as in data-loader workers."""
    import multiprocessing
    path = os.path.join(sample, "text", "kjv-genesis.txt")
    global _PARENT_COUNTER
    _PARENT_COUNTER = cimeter.Counter("text:chars")
    expect = _PARENT_COUNTER.count(open(path, "rb").read()).tokens
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map(_count_in_child, [path] * 4)
    assert got == [expect] * 4


_PARENT_COUNTER = None


def _count_in_child(path):
    return _PARENT_COUNTER.count(open(path, "rb").read()).tokens
