#!/usr/bin/python3
"""same_json.py A.json B.json — exit 0 when two measure results are equal but for
`command` (how each was called); prints the first differences otherwise."""
import json
import sys

a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("command", None)
if a == b:
    sys.exit(0)
for key in sorted(set(a) | set(b)):
    if a.get(key) != b.get(key):
        va, vb = a.get(key), b.get(key)
        if isinstance(va, list) and isinstance(vb, list):
            diffs = [(x, y) for x, y in zip(va, vb) if x != y][:3]
            print(f"{key}: {len(va)} vs {len(vb)} entries; first differences: {diffs}")
        else:
            print(f"{key}: {va!r:.300} vs {vb!r:.300}")
sys.exit(1)
