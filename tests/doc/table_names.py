"""table_names.py — the terminal table names each tokenizer as the user gave it.

A preset stays `cosmos-dv8x16x16` (its expansion is long and differs from its
neighbours only at the end), a spec stays the spec typed, and on a narrow
terminal (COLUMNS) a long name is wrapped onto a line of its own, never cut.
The JSON keeps the expanded spec under `tokenizer` and the typed name under
`requested`. Needs the sample corpus (CIM_SAMPLE) and the bundled spm model.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

cim = os.environ["CIMETER"]
root = os.environ["CIM_SOURCE_ROOT"]
sample = os.environ.get("CIM_SAMPLE", os.path.join(root, "corpora", "sample"))
model = os.path.join(root, "tokenizers", "kjv-bpe8k.model")
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond


def measure(args, columns=None):
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    if columns:
        env["COLUMNS"] = str(columns)
    p = subprocess.run([cim, "measure", "--no-progress", "--bootstrap", "0"] + args,
                       capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def presets():
    """Preset name -> expanded spec, as `cimeter tokenizers` lists them."""
    out = subprocess.run([cim, "tokenizers"], capture_output=True, text=True).stdout
    table, on = {}, False
    for line in out.splitlines():
        if line.startswith("Presets"):
            on = True
        elif on and not line.strip():
            break
        elif on:
            name, spec = line.split()[:2]
            table[name] = spec
    return table


if not os.path.isdir(sample) or not os.path.isfile(model):
    print(f"skip: sample corpus {sample} or model {model} absent")
    sys.exit(77)

expand = presets()
check("cosmos-dv8x16x16" in expand and "vit-b16" in expand, "presets listed")
tmp = tempfile.mkdtemp()
try:
    # A model path far longer than any terminal is wide: its name must survive whole.
    deep = os.path.join(tmp, "a-directory-name-long-enough-to-overflow-an-eighty-column-terminal-"
                        "on-its-own-" + "x" * 40)
    os.makedirs(deep)
    shutil.copy(model, os.path.join(deep, "kjv.model"))
    spm = "text:spm:" + os.path.join(deep, "kjv.model")
    names = ["cosmos-dv8x16x16", "vivit-2x16", "vit-b16", "chameleon", spm, "text:bytes"]
    corpus = [os.path.join(sample, "video"), os.path.join(sample, "image"),
              os.path.join(sample, "text", "kjv-genesis.txt")]
    args = [a for n in names for a in ("-t", n)] + corpus
    for columns in (None, 200, 80, 40):
        rc, out, err = measure(args, columns)
        label = f"COLUMNS={columns}" if columns else "no terminal"
        check(rc == 0, f"{label}: measure exits 0 ({err.strip()[:200]})")
        lines = out.splitlines()
        for n in names:
            # The name whole, as a field of its own on a row (modality first).
            rows = [l for l in lines if l.split()[1:2] == [n]]
            check(len(rows) == 1, f"{label}: a row names {n[:60]} whole")
        for preset in ("cosmos-dv8x16x16", "vivit-2x16", "vit-b16", "chameleon"):
            check(f"  {preset} = {expand[preset]}" in lines,
                  f"{label}: legend expands {preset} to {expand[preset]}")
        check(not any("..." in l for l in lines), f"{label}: nothing abbreviated")
        if columns == 200:
            check(all(len(l) <= 200 for l in lines if spm not in l),
                  f"{label}: rows without the long path fit in 200 columns")
            row = [l for l in lines if l.split()[1:2] == ["cosmos-dv8x16x16"]][0]
            check(row.split()[2] == "2", f"{label}: short names keep their figures on their row")
        if columns in (80, 40):
            i = [k for k, l in enumerate(lines) if l.split()[1:2] == [spm]][0]
            check(lines[i].split() == ["text", spm] and lines[i + 1].split()[0] == "1",
                  f"{label}: the long name wraps, its figures on the next line")
    # A real terminal, 60 columns wide (no COLUMNS): its width comes from the tty.
    import fcntl, pty, struct, termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    proc = subprocess.Popen([cim, "measure", "--no-progress", "--bootstrap", "0"] + args,
                            stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:   # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    tty_lines = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n").splitlines()
    check(proc.returncode == 0, "tty: measure exits 0")
    for n in names:
        rows = [l for l in tty_lines if l.split()[1:2] == [n]]
        check(len(rows) == 1, f"tty: a row names {n[:60]} whole")
    i = [k for k, l in enumerate(tty_lines) if l.split()[1:2] == ["cosmos-dv8x16x16"]]
    check(bool(i) and tty_lines[i[0]].split() == ["video", "cosmos-dv8x16x16"],
          "tty 60 columns wide: names go on a line of their own")
    # The JSON: the expanded spec as the aggregate's name, the typed name under `requested`.
    out_json = os.path.join(tmp, "out.json")
    rc, out, err = measure(["-t", "cosmos-dv8x16x16", "-t", "vit-b16", "-o", out_json] + corpus[:2])
    d = json.load(open(out_json))
    check(rc == 0 and out == "", "with -o nothing is printed")
    check(sorted(a["tokenizer"] for a in d["aggregates"]) ==
          sorted([expand["cosmos-dv8x16x16"], expand["vit-b16"]]),
          "JSON aggregates carry the expanded spec")
    check({t["requested"]: t["spec"] for t in d["tokenizers"]} ==
          {"cosmos-dv8x16x16": expand["cosmos-dv8x16x16"], "vit-b16": expand["vit-b16"]},
          "JSON tokenizers map each typed name to its spec")
finally:
    shutil.rmtree(tmp)
print("all checks passed" if not fails else f"{fails} check(s) failed")
sys.exit(1 if fails else 0)
