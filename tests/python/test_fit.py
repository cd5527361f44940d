"""python-fit: cimeter.fit equals `cimeter fit` (CSV, list of dicts, DataFrame, results
JSON); predict equals `cimeter predict`; bad input raises."""
import csv
import json
import os
import subprocess

import pytest

import cimeter
from conftest import CLI, ROOT, cli_json, without_command

RUNS = os.path.join(ROOT, "tests", "report", "data", "runs-raw.csv")
TOKENS = os.path.join(ROOT, "tests", "report", "data", "runs-tokens.csv")


def cli_fit(args):
    return cli_json(["fit"] + args)


def rows(path):
    with open(path) as f:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(
            line for line in f if not line.startswith("#"))]


@pytest.mark.parametrize("form", ["loglinear", "chinchilla"])
def test_fit_equals_cli(form):
    ours = cimeter.fit(TOKENS, form=form, bootstrap=50)
    theirs = cli_fit([TOKENS, "--form", form, "--bootstrap", "50"])
    assert without_command(ours.data) == without_command(theirs)
    assert ours.estimates == theirs["estimates"] and ours.intervals == theirs["intervals"]


def test_fit_from_dicts_and_dataframe_equals_cli():
    theirs = cli_fit([RUNS, "--c", "text=1,image=2", "--bootstrap", "40"])
    from_rows = cimeter.fit(rows(RUNS), c={"text": 1, "image": 2}, bootstrap=40)
    assert from_rows.estimates == theirs["estimates"]
    assert from_rows.intervals == theirs["intervals"]
    try:
        import pandas
    except ImportError:
        return
    df = pandas.read_csv(RUNS, comment="#")
    from_df = cimeter.fit(df, c="text=1,image=2", bootstrap=40)
    assert from_df.estimates == theirs["estimates"]


def test_fit_with_results_equals_cli(sample, tmp_path):
    run = cimeter.measure([sample], tokenizers=["text:chars", "vit-b16"])
    path = tmp_path / "sample.json"
    path.write_text(run.to_json())
    theirs = cli_fit([RUNS, "--results", str(path), "--bootstrap", "30"])
    ours = cimeter.fit(RUNS, results=run, bootstrap=30)
    assert ours.estimates == theirs["estimates"]


def test_predict_equals_cli(tmp_path):
    f = cimeter.fit(TOKENS, form="chinchilla", bootstrap=20)
    path = tmp_path / "fit.json"
    path.write_text(f.to_json())
    out = subprocess.run([CLI, "predict", str(path), "--flops", "1e21"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    p = f.predict(flops=1e21)
    # The CLI prints 6 significant digits or more of P and D; ours must round to them.
    text = out.stdout
    assert f"{p['params']:.4g}".split("e")[0][:3] in text
    L = f.loss(p["params"], p["data"])
    assert abs(L - p["loss"]) <= 1e-9 * abs(L)
    assert f.predict(params=p["params"], data=p["data"])["loss"] == L
    back = f.predict(target_loss=L, data=p["data"])["params"]
    assert abs(back - p["params"]) <= 1e-6 * p["params"]
    with pytest.raises(cimeter.Error) as exc:
        f.predict(target_loss=f.estimates["E"] * 0.5, data=1e12)
    assert exc.value.code == "refused"
    with pytest.raises(TypeError):
        f.predict(flops=1e21, data=3)


def test_fit_bad_input(tmp_path):
    with pytest.raises(cimeter.Error) as exc:
        cimeter.fit(str(tmp_path / "missing.csv"))
    assert exc.value.code == "io"
    bad = tmp_path / "bad.csv"
    bad.write_text("params,loss\n1e8,notanumber\n")
    with pytest.raises(cimeter.Error) as exc:
        cimeter.fit(str(bad))
    assert exc.value.code == "usage"
    with pytest.raises(cimeter.Error) as exc:
        cimeter.fit(TOKENS, form="nosuch")
    assert exc.value.code == "usage"


STARTS = ["alpha=0.2,0.5", "beta=0.2,0.5", "E=1,2"]
FORMULA_CASES = [
    # (name, CLI args after the CSV, cimeter.fit keywords)
    ("formula lsq, tied exponent",
     ["--form", "L = E + A/N^alpha + B/D^beta", "--param", "beta=alpha", "--start", "A=100,1000",
      "--start", "B=100,1000", "--start", "alpha=0.2,0.5", "--start", "E=1,2"],
     dict(form="L = E + A/N^alpha + B/D^beta", param="beta=alpha",
          start=["A=100,1000", "B=100,1000", "alpha=0.2,0.5", "E=1,2"])),
    ("formula huber-log, log parameters",
     ["--form", "L = E + A/N^alpha + B/D^beta", "--objective", "huber-log", "--param", "log E",
      "--param", "log A", "--param", "log B", "--start", "E=0,0.5", "--start", "A=5,7",
      "--start", "B=5,7"] + [a for s in STARTS[:2] for a in ("--start", s)],
     dict(form="L = E + A/N^alpha + B/D^beta", objective="huber-log",
          param=["log E", "log A", "log B"], start=["E=0,0.5", "A=5,7", "B=5,7"] + STARTS[:2])),
    ("formula huber-likelihood, frozen E, a column and a weight, lm solver",
     ["--form", "L = E + A/N^alpha + B/D^beta", "--objective", "huber-likelihood",
      "--param", "E=1.7", "--column", "C = 6*N*D", "--weight", "sqrt(C)/1e10", "--solver", "lm",
      "--start", "A=100,1000", "--start", "B=100,1000"]
     + [a for s in STARTS[:2] for a in ("--start", s)],
     dict(form="L = E + A/N^alpha + B/D^beta", objective="huber-likelihood", param={"E": 1.7},
          column="C = 6*N*D", weight="sqrt(C)/1e10", solver="lm",
          start=["A=100,1000", "B=100,1000"] + STARTS[:2])),
    ("named formula chinchilla-formula, 4 best starts",
     ["--form", "chinchilla-formula", "--starts", "4"],
     dict(form="chinchilla-formula", starts=4)),
    ("chinchilla with a Huber delta",
     ["--form", "chinchilla", "--delta", "0.01"],
     dict(form="chinchilla", delta=0.01)),
]


def without_timing(data):
    """The fit JSON but its command and the time it took (the only fields that vary)."""
    out = without_command(data)
    timing = ("seconds", "cpu_seconds")
    out["fit"] = {k: v for k, v in out.get("fit", {}).items() if k not in timing}
    return out


@pytest.mark.parametrize("name,args,kw", FORMULA_CASES, ids=[c[0] for c in FORMULA_CASES])
def test_formula_fit_equals_cli(name, args, kw):
    theirs = cli_fit([TOKENS] + args + ["--bootstrap", "20"])
    ours = cimeter.fit(TOKENS, bootstrap=20, **kw)
    assert without_timing(ours.data) == without_timing(theirs)
    assert ours.estimates == theirs["estimates"] and ours.estimates


def test_formula_fit_bad_input():
    with pytest.raises(cimeter.Error) as exc:
        cimeter.fit(TOKENS, form="L = E + A/N^alpha", objective="nosuch")
    assert exc.value.code == "usage"
    with pytest.raises(cimeter.Error) as exc:       # formula options need a formula
        cimeter.fit(TOKENS, form="loglinear", param="E=1")
    assert exc.value.code == "usage"
    with pytest.raises(cimeter.Error) as exc:       # the formula's own syntax error
        cimeter.fit(TOKENS, form="L = E + (A/N")
    assert exc.value.code == "usage"
    with pytest.raises(TypeError):
        cimeter.fit(TOKENS, form="chinchilla", starts=-1)
