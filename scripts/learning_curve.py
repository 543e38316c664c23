#!/usr/bin/env python3
"""How the section model's held-out accuracy grows with what it learns from.

Trains the seed model on a growing, shuffled prefix of the dev files (a copy of the
taxonomy with the shipped seeds turned off, `banyue eval --train PREFIX`) and measures the
held-out files pooled. A curve still rising says more labelled data will pay.

    python3 scripts/learning_curve.py --banyue target/release/banyue [--steps 4]
"""
import argparse, glob, json, os, random, subprocess

import seedless

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("--taxonomy", default="config/sections.toml")
ap.add_argument("--steps", type=int, default=4)
ap.add_argument("--dev", nargs="*", default=sorted(glob.glob("config/labels/real-dev*.json"))
                + ["config/labels/team-dev.json", "config/labels/team-tuned.json"])
ap.add_argument("--heldout", nargs="*", default=sorted(glob.glob("tests/fixtures/eval/real-heldout*.json")))
a = ap.parse_args()

dev = [it for f in a.dev for it in json.load(open(f, encoding="utf-8"))["items"]]
test = [it for f in a.heldout for it in json.load(open(f, encoding="utf-8"))["items"]]
random.Random(7).shuffle(dev)
cfg = seedless.config(a.taxonomy, prefix="banyue-curve-")
work = os.path.dirname(cfg)
test_path = os.path.join(work, "test.json")
json.dump({"items": test}, open(test_path, "w", encoding="utf-8"), ensure_ascii=False)
print(f"held-out items: {len(test)}; dev items: {len(dev)}")
for step in range(a.steps + 1):
    n = len(dev) * step // a.steps
    args = [a.banyue, "-c", cfg, "eval", test_path]
    if n:
        train = os.path.join(work, "train.json")
        json.dump({"items": dev[:n]}, open(train, "w", encoding="utf-8"), ensure_ascii=False)
        args += ["--train", train]
    out = subprocess.run(args, capture_output=True, text=True)
    acc, _ = seedless.accuracy(out.stdout, out.stderr)
    print(f"learned from {n:>5} items: {acc:.1f}%")
