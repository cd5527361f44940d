"""fitlib.py — helpers shared by the fitter's tests (tests/fit/)."""
import csv, json, math, os, subprocess, sys, tempfile

CIMETER = os.environ.get("CIMETER", "cimeter")
TMP = tempfile.mkdtemp(prefix="cim-fit-")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def done():
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


def write_csv(name, header, rows, comments=()):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        for c in comments:
            f.write("# " + c + "\n")
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(x if isinstance(x, str) else repr(float(x)) for x in r) + "\n")
    return path


def cimeter(*args, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([CIMETER, *map(str, args)], capture_output=True, text=True, env=e)
    return p.returncode, p.stdout, p.stderr


def fit(path, *args, env=None):
    out = os.path.join(TMP, "fit-%d.json" % len(os.listdir(TMP)))
    rc, so, se = cimeter("fit", path, *args, "-o", out, env=env)
    if rc != 0:
        print(so, se)
        return rc, None
    return rc, json.load(open(out))


def chinchilla_runs():
    """Epoch's Chinchilla points as a runs CSV (D = FLOP/(6N), 5 highest-loss rows
    dropped), written to a temp dir. Exits 77 when ../shared is absent."""
    shared = os.environ.get("CIM_SHARED", "")
    src = os.path.join(shared, "data", "scaling", "chinchilla_svg_extracted_data.csv")
    if not os.path.exists(src):
        print(f"skip: {src} not found (CIM_SHARED={shared!r}); the Chinchilla data is not in this checkout")
        sys.exit(77)
    rows = list(csv.DictReader(open(src)))
    t = [(float(r["Model Size"]), float(r["Training FLOP"]), float(r["loss"])) for r in rows]
    keep = sorted(sorted(range(len(t)), key=lambda i: t[i][2])[: len(t) - 5])
    return write_csv("chinchilla.csv", ["params", "loss", "tokens"],
                     [(t[i][0], t[i][2], t[i][1] / (6 * t[i][0])) for i in keep])


def rel(x, y):
    return abs(x - y) / abs(y)
