#!/usr/bin/python3
"""One runs-CSV reader for fit and report, and strict number arguments.

A runs CSV that starts with a `# comment` line is read the same way by
`cimeter fit` and by `cimeter report --runs` (both go through the fitter's
reader); the plot's D_eff is the fitter's (raw_<modality> / C). Numbers given
to fit, predict and report must be whole numbers of the right kind: `-j abc`
or `--bootstrap 5x` exit 2 with a message naming the option."""
import json
from fitlib import *

# Plots reach fontconfig, whose process-wide caches are never freed: the
# report tests' LeakSanitizer suppression applies here too.
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report", "lsan.supp")

rows = [(10 ** (7 + i / 4), 4.0 - 0.1 * i, 10 ** (8 + i / 4)) for i in range(12)]
commented = write_csv("commented.csv", ["params", "loss", "tokens"], rows, comments=["runs of a sweep"])
rc, f = fit(commented, "--bootstrap", "0")
check(rc == 0 and f["n_points"] == 12, "fit reads a runs CSV whose first line is a comment")
fj = os.path.join(TMP, "fit.json")
json.dump(f, open(fj, "w"))
for fmt in ("svg", "md"):
    out = os.path.join(TMP, "law." + fmt)
    rc, so, se = cimeter("report", "--fit", fj, "--runs", commented, "--format", fmt, "-o", out)
    check(rc == 0 and os.path.getsize(out) > 0, f"report --runs reads the same commented CSV ({fmt}: rc {rc}, {se.strip()!r})")

# The report's reader is the fitter's: the same malformed cell gets the same message.
bad = os.path.join(TMP, "bad.csv")
open(bad, "w").write("# c\nparams,loss,tokens\n1e9,3.1,1e10\n2e9,abc,1e10\n")
rc1, _, se1 = cimeter("fit", bad)
rc2, _, se2 = cimeter("report", "--fit", fj, "--runs", bad, "--format", "svg", "-o", os.path.join(TMP, "x.svg"))
msg = "bad.csv:4: column 2 'loss': 'abc' is not a number"
check(rc1 == 2 and rc2 == 2 and msg in se1 and msg in se2, f"one message from both readers: {se1.strip()!r} / {se2.strip()!r}")

# D_eff of raw_ columns in the plot is the fitter's: a negative raw cell is refused by both.
raw_rows = [(P, L, D * 4) for P, L, D in rows]
rc, fr = fit(write_csv("rawgood.csv", ["params", "loss", "raw_text"], raw_rows), "--c", "text=4", "--bootstrap", "0")
fjr = os.path.join(TMP, "fit-raw.json")
json.dump(fr, open(fjr, "w"))
raw_rows[3] = (raw_rows[3][0], raw_rows[3][1], -5.0)
rawbad = write_csv("rawbad.csv", ["params", "loss", "raw_text"], raw_rows)
rc1, _, se1 = cimeter("fit", rawbad, "--c", "text=4", "--bootstrap", "0")
rc2, _, se2 = cimeter("report", "--fit", fjr, "--runs", rawbad, "--format", "svg", "-o", os.path.join(TMP, "y.svg"))
check(rc1 == 2 and rc2 == 2 and "rawbad.csv:5: raw_text = -5" in se1 and "rawbad.csv:5: raw_text = -5" in se2,
      f"negative raw cell refused by fit and report: {se1.strip()!r} / {se2.strip()!r}")

def expect_usage(args, needle, what):
    rc, so, se = cimeter(*args)
    check(rc == 2 and needle in se, f"{what}: exit {rc}, stderr {se.strip()!r}")

good = write_csv("good.csv", ["params", "loss", "tokens"], rows)
expect_usage(["fit", good, "-j", "abc"], "--threads", "fit -j abc")
expect_usage(["fit", good, "--threads", "0"], "--threads", "fit --threads 0")
expect_usage(["fit", good, "--threads", "2x"], "--threads", "fit --threads 2x")
expect_usage(["fit", good, "--bootstrap", "5x"], "--bootstrap", "fit --bootstrap 5x")
expect_usage(["fit", good, "--bootstrap", "-1"], "--bootstrap", "fit --bootstrap -1")
expect_usage(["fit", good, "--seed", "-3"], "--seed", "fit --seed -3")
expect_usage(["fit", good, "--seed", "99999999999999999999999"], "--seed", "fit --seed overflow")
expect_usage(["fit", good, "--starts", "1e3"], "--starts", "fit --starts 1e3")
expect_usage(["fit", good, "--starts", "99999999999"], "--starts", "fit --starts overflow")
expect_usage(["fit", good, "--delta", "nan"], "--delta", "fit --delta nan")
expect_usage(["fit", good, "--heldout", "0.2 "], "--heldout", "fit --heldout with a trailing blank")
rc, so, se = cimeter("fit", good, "-j", "2", "--bootstrap", "10")
check(rc == 0, f"fit -j 2 is accepted (rc {rc})")
lp = os.path.join(TMP, "law.json")
json.dump({"schema": "cimeter.fit/1", "form": "chinchilla",
           "estimates": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}}, open(lp, "w"))
expect_usage(["predict", lp, "--flops", "1e24x"], "--flops", "predict --flops 1e24x")
expect_usage(["predict", lp, "--flops", "inf"], "--flops", "predict --flops inf")
expect_usage(["predict", lp, "--target-loss", "2", "--data", ""], "--data", "predict --data ''")
done()
