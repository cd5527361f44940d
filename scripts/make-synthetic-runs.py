#!/usr/bin/python3
"""make-synthetic-runs.py — writes corpora/runs/synthetic-multimodal.csv.

SYNTHETIC training runs, for trying `cimeter fit` / `cimeter predict` (no
model was trained). Each run gets a model size P, an effective token count
D_eff and a random modality mix; the raw bytes of modality i are
T_i = share_i · D_eff · C_i with the "true" C_i below, and the loss follows the
hypothesis law (Sun & Guo, arXiv 2409.06754) in its loglinear form

    L = a − b·ln D_eff − c·ln P + ε,   ε ~ N(0, sigma²)

Fitting with the true C (--c text=4.2,image=9000,video=6144,audio=290)
recovers a, b, c; `--form free-c` recovers the non-text C_i from the losses
alone. With C measured on some other corpus (--results results/sample.json)
the fit is worse and free-c shows how far those C are from the ones that
explain the losses. The true C are rough values for the default tokenizers
(cl100k text, ViT-B/16 on ~1 MP images, Cosmos DV8x16x16 video, EnCodec 6 kbps
on 44.1 kHz stereo audio); they are not measurements.

Deterministic: Python's random.Random(seed), no numpy. The CSV has no
comment lines; every run is named synthetic-NNN and corpora/runs/README.md
tells this story.
usage: scripts/make-synthetic-runs.py [--seed 1] [-o corpora/runs/synthetic-multimodal.csv]
"""
import argparse, math, os, random

TRUE_C = {"text": 4.2, "image": 9000.0, "video": 6144.0, "audio": 290.0}
LAW = {"a": 9.4, "b": 0.13, "c": 0.11}
SIGMA = 0.01

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default=os.path.join(root, "corpora", "runs", "synthetic-multimodal.csv"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    mods = list(TRUE_C)
    rows = []
    for i in range(6):
        P = 10 ** (7 + 3 * i / 5)
        for j in range(6):
            D = 10 ** (8 + 3 * j / 5)
            for mix in ("text-heavy", "balanced"):
                w = [rng.uniform(0.05, 1.0) for _ in mods]
                if mix == "text-heavy":
                    w[0] += 3.0
                s = sum(w)
                T = [round(wi / s * D * TRUE_C[m]) for wi, m in zip(w, mods)]
                Deff = sum(t / TRUE_C[m] for t, m in zip(T, mods))
                L = LAW["a"] - LAW["b"] * math.log(Deff) - LAW["c"] * math.log(P) + rng.gauss(0, SIGMA)
                rows.append((f"synthetic-{len(rows):03d}", P, L, *T, mix))
    # No '#' comment lines (not every CSV reader skips them, `cimeter report
    # --runs` among them): the run names say "synthetic" and
    # corpora/runs/README.md says how the file was made.
    with open(args.output, "w") as f:
        f.write("run,params,loss," + ",".join("raw_" + m for m in mods) + ",mix\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]:.6g},{r[2]:.6f}," + ",".join(str(t) for t in r[3:-1]) + f",{r[-1]}\n")

if __name__ == "__main__":
    main()
