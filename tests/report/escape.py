#!/usr/bin/env python3
"""escape.py — cimeter report escapes hostile names in CSV, Markdown and LaTeX.

Builds a measure JSON whose tokenizer and modality names carry newlines,
quotes, commas, pipes, backslashes, Markdown and LaTeX specials, ESC, C1,
bidi overrides and non-ASCII text, and whose file name (the run label) holds
a newline and a byte that is not UTF-8. Checks that every output is UTF-8,
has no raw control character but LF (CSV: inside quotes), keeps its table
shape, and that CSV reads back to the names (controls as U+FFFD).
"""
import csv, io, json, os, re, subprocess, sys, tempfile

cim = os.environ["CIMETER"]
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan.supp")
names = [
    "text:a\nb", 'text:"quoted", comma', "text:pipe|back\\slash", "text:$&#^_%~{}",
    "text:*_[x](y)<b>`c`!", "text:esc\x1b[31mred\tTab\rCR", "text:bidi\u202eevil\u0085c1",
    "text:\u65e5\u672c\u8a9e \u00e9", " text:edge spaces ",
]
tmp = tempfile.mkdtemp()
label = b"run\xff\nx"
path = os.path.join(tmp.encode(), label + b".json")
aggs = [{"modality": "text" if i % 2 else "mod&al|ity\n", "tokenizer": n, "files": i + 1, "errors": 0,
         "file_bytes": 10, "raw_bytes": 10, "units": 10, "unit": "chars", "tokens": 5, "C": 2.0 + i,
         "C_file": 2.0, "tokens_per_unit": 500.0, "per_unit": "tokens per 1000 chars", "C_median": 2.0,
         "C_p10": 1.0, "C_p90": 3.0, "C_ci95": [1.5 + i, 2.5 + i]} for i, n in enumerate(names)]
with open(path, "w") as f:
    json.dump({"schema": "cimeter.measure/1", "aggregates": aggs}, f)
path2 = os.path.join(tmp, "second.json")       # two inputs: the run label is shown
with open(path2, "w") as f:
    json.dump({"schema": "cimeter.measure/1", "aggregates": aggs[:1]}, f)
fit = os.path.join(tmp, "fit.json")
with open(fit, "w") as f:
    json.dump({"form": "x\ny|z", "estimates": {"C_a\nb": 1.0, "al_pha$": 2.0}, "intervals": {"al_pha$": [1, 3]}}, f)
fails = []
def check(cond, msg):
    if not cond: fails.append(msg)

def run(fmt, *extra):
    out = os.path.join(tmp, "out." + fmt)
    r = subprocess.run([cim, "report", path, path2, *extra, "--format", fmt, "-o", out], capture_output=True)
    check(r.returncode == 0, f"{fmt}: exit {r.returncode} {r.stderr!r}")
    data = open(out, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{fmt}: not UTF-8: {e}")
        text = data.decode("utf-8", "replace")
    return text

# CSV: reads back to the names, controls other than TAB/CR/LF as U+FFFD.
text = run("csv")
rows = list(csv.reader(io.StringIO(text, newline="")))
check(len(rows) == 2 + len(names), f"csv: {len(rows)} rows")
def csv_expect(s):
    return "".join("\ufffd" if (ord(c) < 32 and c not in "\t\r\n") or 0x7f <= ord(c) <= 0x9f
                   or 0x202a <= ord(c) <= 0x202e else c for c in s)
for i, n in enumerate(names):
    row = rows[1 + i]
    check(len(row) == len(rows[0]), f"csv row {i}: {len(row)} fields")
    check(row[2] == csv_expect(n), f"csv tokenizer {i}: {row[2]!r} != {csv_expect(n)!r}")
    check(row[0] == "run\ufffd\nx", f"csv run label {row[0]!r}")
# Markdown: every table line keeps its cells; no raw controls.
text = run("md", "--fit", fit)
check(not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text), "md: raw control character")
lines = text.split("\n")
table = [l for l in lines if l.startswith("|")]
check(len(table) == 2 + len(names) + 1 + 2 + 1 + 2 + 2, f"md: {len(table)} table lines")
for l in table:
    cells = len(re.findall(r"(?<!\\)\|", l.replace("\\\\", "")))
    check(l.endswith("|"), f"md: line does not end a row: {l!r}")
    check(cells in (9, 3, 4), f"md: {cells} pipes in {l!r}")   # results, fit scalars, parameters
check("\\x0a" in text and "\\x1b" in text and "\\u202e" in text and "\\xff" in text, "md: escapes missing")
# LaTeX: rows keep their columns; specials never raw.
text = run("latex", "--fit", fit)
check(not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text), "latex: raw control character")
body = [l for l in text.split("\n") if l.endswith("\\\\") and "&" in l and not l.startswith(("Run &", "Parameter &"))]
for l in body:
    stripped = l.replace("\\textbackslash{}", "").replace("\\&", "")
    check(stripped.count("&") in (7, 2), f"latex: {stripped.count('&')} & in {l!r}")
    bare = re.sub(r"\\(textbackslash|textasciicircum|textasciitilde|textless|textgreater|textbar|texttt|mathrm)\{\}?", "", l)
    bare = re.sub(r"\\[$&#_%{}]", "", bare)
    bare = bare.replace("$C$", "").replace("$C_\\mathrm{file}$", "")
    check(not re.search(r"(?<!\\)[$#%^~]", bare), f"latex: raw special in {l!r}")
check("\\textbackslash{}x0a" in text and "\\textbackslash{}xff" in text, "latex: escapes missing")
# Plots draw the same names without failing.
for fmt in ("svg", "png"):
    out = os.path.join(tmp, "p." + fmt)
    r = subprocess.run([cim, "report", path, "--fit", fit, "--format", fmt, "-o", out], capture_output=True)
    check(r.returncode == 0 and os.path.getsize(out) > 1000, f"{fmt} plot failed: {r.stderr!r}")
if fails:
    print("\n".join("FAIL: " + f for f in fails))
    sys.exit(1)
print("escape ok")
