#!/usr/bin/env python3
"""compare_lines.py SPM_LINES MODEL FILE... — per line, cimeter's engine (spm_lines native)
and libsentencepiece through cimeter (spm_lines lib) against spm_encode --output_format=id.
Prints one summary line per file; exits 1 on any mismatch."""
import subprocess, sys

spm_lines, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = 0
for path in files:
    out = subprocess.run(["spm_encode", "--model", model, "--output_format=id", path],
                         capture_output=True, check=True).stdout.split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    ref = [len(line.split()) for line in out]
    line = f"{model.split('/')[-1]} {path.split('/')[-1]}: {len(ref)} lines, spm_encode {sum(ref)}"
    for engine in ("native", "lib"):
        got = [int(x) for x in subprocess.run([spm_lines, model, path, engine],
                                              capture_output=True, check=True).stdout.split()]
        diff = [i + 1 for i in range(max(len(got), len(ref)))
                if i >= len(got) or i >= len(ref) or got[i] != ref[i]]
        line += f", {engine} {sum(got)} ({len(diff)} lines differ{': ' + str(diff[:5]) if diff else ''})"
        bad += len(diff)
    print(line, flush=True)
sys.exit(1 if bad else 0)
