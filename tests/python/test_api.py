"""python-api: cimeter.measure equals `cimeter measure`; errors raise cimeter.Error; the GIL
is released while measuring; Result's accessors."""
import os
import subprocess
import sys
import textwrap

import pytest

import cimeter
from conftest import SPECS, cli_json, without_command


def cli_args(specs, paths, extra=()):
    args = ["measure"]
    for s in specs:
        args += ["-t", s]
    return args + list(extra) + list(paths)


def test_measure_equals_cli(sample):
    ours = cimeter.measure([sample], tokenizers=SPECS, per_file=True)
    theirs = cli_json(cli_args(SPECS, [sample], ["--per-file"]))
    assert without_command(ours.data) == without_command(theirs)
    assert ours.files and len(ours.aggregates) == len(SPECS)
    assert ours.aggregates[0]["tokenizer"] == ours.data["tokenizers"][0]["spec"]


def test_measure_options_equal_cli(sample):
    text = os.path.join(sample, "text")
    ours = cimeter.measure(text, tokenizers=["text:bytes"], jobs=2, info=True, max_decoded_bytes=100000)
    theirs = cli_json(cli_args(["text:bytes"], [text], ["-j", "2", "--info", "--max-bytes", "100000"]))
    assert without_command(ours.data) == without_command(theirs)
    assert ours.errors, "the byte limit turns large files into errors"
    assert all(e["error_code"] == "limit" for e in ours.errors)


def test_default_tokenizers_equal_cli(sample):
    image = os.path.join(sample, "image")
    ours = cimeter.measure([image])
    theirs = cli_json(["measure", image])
    assert without_command(ours.data) == without_command(theirs)


def test_result_json_and_pandas(sample):
    r = cimeter.measure([os.path.join(sample, "text")], tokenizers=["text:chars"])
    import json
    assert json.loads(r.to_json()) == r.data
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            r.to_pandas()
        return
    df = r.to_pandas()
    assert list(df["C"]) == [a["C"] for a in r.aggregates]


def test_bad_input_raises(tmp_path):
    with pytest.raises(cimeter.Error) as exc:
        cimeter.measure([str(tmp_path)], tokenizers=["text:nosuch"])
    assert exc.value.code == "usage"
    with pytest.raises(TypeError):
        cimeter.measure([str(tmp_path)], max_nonsense=3)
    # A file that cannot be read is an error record, as in the CLI, not an exception.
    missing = str(tmp_path / "missing.txt")
    r = cimeter.measure([missing], tokenizers=["text:bytes"])
    assert len(r.errors) == 1 and r.errors[0]["error_code"] == "io"
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    r = cimeter.measure([str(bad)], tokenizers=["vit-b16"], per_file=True)
    assert len(r.errors) == 1 and r.errors[0]["error_code"] in ("corrupt", "truncated")


# Child-process prelude of the standard-input tests: fd 0 becomes a pipe this process
# fills, and blocked_reading() tells when some thread of it sits in read(0, ...).
STDIN_PIPE_PRELUDE = """
import os, signal, threading, time, cimeter
r, w = os.pipe()
os.dup2(r, 0)
def blocked_reading():
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = open(f"/proc/self/task/{tid}/syscall").read().split()
        except OSError:
            continue
        if fields and fields[0] == "0" and int(fields[1], 16) == 0:
            return True
    return False
"""


def run_child(code):
    return subprocess.run([sys.executable, "-c", STDIN_PIPE_PRELUDE + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_tokenizers_catalogue():
    cat = cimeter.tokenizers()
    assert "text:bytes" in cat["specs"] and "image:patch" in cat["specs"]
    assert cat["presets"]["vit-b16"] == cimeter.spec_expand("vit-b16")
    assert set(cat["defaults"]) == {"text", "image", "video", "audio"}


def test_gil_released_while_measuring(sample):
    """measure() reads standard input ("-") from a pipe that only this process's main
    thread fills, and only once the measuring thread is blocked in read(2) on it (seen in
    /proc): if the GIL were held during the call, the main thread could never write and
    the child would hang until the timeout."""
    text = os.path.join(sample, "text", "kjv-genesis.txt")
    proc = run_child(f"""
        out = {{}}
        t = threading.Thread(target=lambda: out.update(res=cimeter.measure(["-"],
                             tokenizers=["text:bytes"], jobs=1)))
        t.start()
        while not blocked_reading():
            time.sleep(0.01)
        data = open({text!r}, "rb").read()
        os.write(w, data[:1000])
        os.close(w)
        t.join()
        print(out["res"].aggregates[0]["raw_bytes"])
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1000"


def test_ctrl_c_cancels_a_run(sample):
    """Ctrl-C while measure() runs: the run is cancelled and KeyboardInterrupt raised. The
    first path is standard input, a pipe; SIGINT comes once the measuring thread is blocked
    reading it, then the pipe is closed: the run must not go on to the sample corpus."""
    proc = run_child(f"""
        def interrupt():
            while not blocked_reading():
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
            os.write(w, b"some text")
            os.close(w)
        threading.Thread(target=interrupt, daemon=True).start()
        try:
            cimeter.measure(["-", {sample!r}], tokenizers=["text:bytes"], jobs=1)
        except KeyboardInterrupt:
            print("interrupted")
        # The package still works after a cancelled run.
        print(cimeter.Counter("text:bytes").count("abc").tokens)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["interrupted", "3"]
