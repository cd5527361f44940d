#!/usr/bin/env python3
"""paths.py — hostile file names and specs reach every output escaped (doc/cimeter.1).

Files whose names carry a newline, CR, quotes, a backslash, TAB, ESC and other
controls, Markdown/LaTeX/CSV specials, non-ASCII text and bytes that are not
UTF-8 (and one empty file, so an error record carries such a name), and a
SentencePiece model whose path holds a newline, ESC and a non-UTF-8 byte (so
the tokenizer spec is hostile too), are measured with -o --per-file and as a
table, merged, and reported as md, latex and csv. Checks: the JSON is strict
UTF-8 JSON; each record's path is the name (U+FFFD per invalid byte) and
path_hex, present exactly when the name is not UTF-8, gives its bytes back;
merge keeps path and path_hex; the table and the reports are UTF-8 with no raw
control character but LF (CSV: inside quotes) and keep their line count.
"""
import json, os, re, shutil, subprocess, sys, tempfile

cim = os.environ["CIMETER"]
root = os.environ["CIM_SOURCE_ROOT"]
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(root, "tests", "report", "lsan.supp")
tmp = tempfile.mkdtemp()
d = os.path.join(tmp, "in").encode()
os.makedirs(d)
names = [b"a\nb.txt", b'q"uo\'te.txt', b"back\\slash.txt", b"tab\tesc\x1b[31m\x01.txt", b"cr\rname.txt",
         b"bad\xff\xfe.txt", b"half\xe6\x97.txt", "日本語 é.txt".encode(), b"comma,pipe|$&_%#{}~^.txt",
         b"del\x7f c1\xc2\x85.txt", b"bidi\xe2\x80\xaeevil.txt"]
for n in names:
    open(os.path.join(d, n), "wb").write(b"hello world\n" + n + b"\n")
open(os.path.join(d, b"empty\n\xff.txt"), "wb").close()
model = os.path.join(tmp.encode(), b"m\n\x1b\xff.model")
shutil.copy(os.path.join(root, "tokenizers", "kjv-bpe8k.model").encode(), model)
spec = b"text:spm:" + model
fails = []
def check(cond, msg):
    if not cond: fails.append(msg); print("FAIL:", msg)
def run(args, want=(0,)):
    r = subprocess.run([cim.encode(), *args], capture_output=True)
    check(r.returncode in want, f"{args[:3]}: exit {r.returncode}: {r.stderr[-400:]!r}")
    return r
def no_controls(name, text, csv=False):
    body = re.sub(r'"(?:[^"]|"")*"', '""', text) if csv else text
    bad = [c for c in body if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    check(not bad, f"{name}: raw control characters {bad[:5]!r}")
def utf8(name, data):
    try: return data.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{name}: not UTF-8: {e}"); return data.decode("utf-8", "replace")

out = os.path.join(tmp, "m.json").encode()
run([b"measure", b"-t", b"text:bytes", b"-t", spec, b"--per-file", b"-o", out, d], want=(1,))
raw = open(out, "rb").read()
js = json.loads(utf8("measure json", raw))
want = {os.path.join(d, n) for n in names} | {os.path.join(d, b"empty\n\xff.txt")}
seen = set()
for f in js["files"]:
    p = f["path"]
    b = bytes.fromhex(f["path_hex"]) if "path_hex" in f else p.encode()
    seen.add(b)
    check(b in want, f"record path {p!r} ({f.get('path_hex')}) is no input name")
    try:
        b.decode("utf-8"); check("path_hex" not in f, f"{p!r}: path_hex on a UTF-8 name")
        check(p == b.decode(), f"{p!r}: path differs from the name")
    except UnicodeDecodeError:
        check("path_hex" in f, f"{p!r}: no path_hex for a non-UTF-8 name")
        per_byte = re.sub("[\udc80-\udcff]", "\ufffd", b.decode("utf-8", "surrogateescape"))
        check(p == per_byte, f"{p!r}: not the name with U+FFFD per invalid byte")
check(seen == want, f"records cover {len(seen)} of {len(want)} names")
check(any(f["error"] for f in js["files"]), "the empty file has no error record")
check(any(t["spec"].startswith("text:spm:") and "\ufffd" in t["spec"] for t in js["tokenizers"]),
      f"spec of the hostile model: {[t['spec'] for t in js['tokenizers']]!r}")

# Table on stdout: header, one line per aggregate, the summary line.
r = run([b"measure", b"-t", b"text:bytes", b"-t", spec, d], want=(1,))
t = utf8("table", r.stdout)
no_controls("table", t)
check(t.count("\n") == 2 + len(js["aggregates"]), f"table has {t.count(chr(10))} lines:\n{t}")

# Merge keeps path and path_hex byte for byte.
merged = os.path.join(tmp, "merged.json").encode()
run([b"merge", out, b"-o", merged])
mj = json.loads(utf8("merged json", open(merged, "rb").read()))
key = lambda f: (f["path"], f.get("path_hex"), f["tokenizer"])
check(sorted(map(key, mj["files"]), key=str) == sorted(map(key, js["files"]), key=str), "merge changed paths")

# Reports from the measure JSON (the hostile spec is a row label).
for fmt in ("md", "latex", "csv"):
    o = os.path.join(tmp, "r." + fmt).encode()
    run([b"report", out, b"--format", fmt.encode(), b"-o", o])
    text = utf8(fmt, open(o, "rb").read())
    no_controls(fmt, text, csv=(fmt == "csv"))
    if fmt == "md":
        rows = [l for l in text.splitlines() if l.startswith("|")]
        check(len({l.count("|") - l.count("\\|") for l in rows}) == 1, f"md: ragged table:\n{text}")

shutil.rmtree(tmp)
print(f"{len(names) + 1} hostile names; " + ("FAILED: %d" % len(fails) if fails else "all checks passed"))
sys.exit(1 if fails else 0)
