"""Shared set-up of the python tests: the CLI, the sample corpus, the committed SentencePiece
model. The package is imported from the build tree (PYTHONPATH, set by meson)."""
import json
import os
import subprocess
import tempfile

import pytest

ROOT = os.environ.get("CIM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("CIMETER", os.path.join(ROOT, "build", "cimeter"))
SAMPLE = os.environ.get("CIM_SAMPLE", os.path.join(ROOT, "corpora", "sample"))
SPM_MODEL = os.path.join(ROOT, "tokenizers", "kjv-bpe8k.model")
SPM = "text:spm:model=" + SPM_MODEL
# One tokenizer per modality, no fetched data needed.
SPECS = [SPM, "text:chars", "vit-b16", "image:patch:p=16", "whisper", "audio:codec:rate=75,codebooks=8",
         "vivit-2x16"]


def cli_json(args):
    """Runs the CLI with -o into a temporary file and returns the parsed JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        proc = subprocess.run([CLI] + args + ["-o", out], capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        with open(out) as f:
            return json.load(f)


def without_command(data):
    return {k: v for k, v in data.items() if k != "command"}


@pytest.fixture(scope="session")
def sample():
    if not os.path.isdir(SAMPLE):
        pytest.skip("the sample corpus is absent")
    return SAMPLE
