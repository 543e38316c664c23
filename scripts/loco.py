#!/usr/bin/env python3
"""Leave one corpus out: does learning from more corpora help on a corpus never seen?

The hidden web is a corpus no one on the team labelled, so the question a seed set must
answer is how well a model learned from some corpora files another one. For each real dev
corpus K (config/labels/real-dev*.json), `banyue eval real-devK` runs on a taxonomy that
learns no shipped seeds, trained (`--train`) on

  A: the real dev corpora up to `--a` (today's seeds: 14), without K, and the written sets;
  B: the real dev corpora up to `--b` (all of them by default), without K, the same and
     each `--also-b` file.

Both lines print per corpus and in total. The dev cross-validation (`cv.py`) cannot tell
this: its folds are dealt from one pool of corpora, so a new corpus added to every fold's
training weighs against the pool's own wording.

The model learns in an order of its examples' content, not of the files, so one run per
corpus is the answer (stop 75's `--orders`, which averaged shuffled file orders, went with it).

    python3 scripts/loco.py --banyue BIN [--a 14] [--b 22] [--also-b FILE ...] [--set KEY=VALUE ...]
"""
import argparse
import glob
import re
import subprocess

import seedless

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("--a", type=int, default=14, help="train A on real dev corpora 1..A")
ap.add_argument("--b", type=int, help="train B on real dev corpora 1..B (default: all)")
ap.add_argument("--taxonomy", default="config/sections.toml")
ap.add_argument("--also-b", action="append", default=[], help="a labelled file B also learns from")
ap.add_argument("--set", action="append", default=[], help="KEY=VALUE in [classifier], to try a setting")
a = ap.parse_args()

dev = {}
for path in glob.glob("config/labels/real-dev*.json"):
    k = re.search(r"real-dev(\d*)\.json$", path).group(1)
    dev[int(k or 1)] = path
b_upto = a.b or max(dev)
written = ["config/labels/team-dev.json", "config/labels/team-tuned.json", "config/labels/synthetic-dev.json"]
cfg = seedless.config(a.taxonomy, a.set, prefix="banyue-loco-")


def right_of(k, upto, extra=()):
    """Items of corpus `k` filed right, and its size."""
    files = [dev[j] for j in sorted(dev) if j <= upto and j != k] + written + list(extra)
    args = [a.banyue, "eval", dev[k], "-c", cfg]
    for t in files:
        args += ["--train", t]
    out = subprocess.run(args, capture_output=True, text=True)
    acc, n = seedless.accuracy(out.stdout, out.stderr)
    return round(acc * n / 100), n


totals = {"A": [0, 0], "B": [0, 0]}
print(f"corpus   A (dev 1..{a.a})   B (dev 1..{b_upto})")
for k in sorted(dev):
    row = []
    for name, upto, extra in (("A", a.a, []), ("B", b_upto, a.also_b)):
        r, n = right_of(k, upto, extra)
        totals[name][0] += r
        totals[name][1] += n
        row.append(f"{r:>6}/{n:<4}")
    print(f"{k:>6}   {row[0]}       {row[1]}", flush=True)
for name, (r, n) in totals.items():
    print(f"{name}: {r} of {n} ({100 * r / max(n, 1):.1f}%)")
