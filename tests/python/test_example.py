"""python-example: examples/measure_and_fit.py runs as written and draws its figure."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT


def test_example_runs(sample, tmp_path):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pytest.skip("matplotlib is not installed (apt-get install python3-matplotlib)")
    out = tmp_path / "law.png"
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "measure_and_fit.py"),
                           sample, os.path.join(ROOT, "examples", "runs.csv"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "fit: loglinear" in proc.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
