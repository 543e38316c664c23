#!/usr/bin/env python3
"""The section classifier on labelled items dealt into made-up sources, read as a run
reads a source's items (`banyue eval --by-source`), with the shipped seeds.

A web whose sources each publish mostly one section is where a folder per source does
well (the issue's hidden web: 80%). This deals the items of FILES into sources of
`--source-size` items, a share `--web` of each from one section and the rest from others
(as `cv.py --web` does per fold; `--hints`: each source hints its main section, as a
folder per source would), and prints banyue's accuracy read alone and read by
source, for each purity asked.

    python3 scripts/webeval.py --banyue target/debug/banyue --web 0.5 --web 0.8 \\
        tests/fixtures/eval/real-heldout*.json
"""
import argparse, json, os, random, subprocess

import seedless
from cv_deal import deal

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("--web", type=float, action="append", required=True)
ap.add_argument("--source-size", type=int, default=10)
ap.add_argument("--hints", action="store_true", help="each made-up source hints its main section (a folder per source)")
ap.add_argument("--taxonomy", default="config/sections.toml")
ap.add_argument("--set", action="append", default=[], help="KEY=VALUE in the taxonomy, to try a setting")
ap.add_argument("files", nargs="+")
a = ap.parse_args()

cfg = seedless.config(a.taxonomy, a.set, prefix="banyue-web-", seeds=True)
work = os.path.dirname(cfg)

items = [it for f in a.files for it in json.load(open(f, encoding="utf-8"))["items"]]
for purity in a.web:
    dealt = deal(items, purity, a.source_size, random.Random(1), a.hints)
    path = os.path.join(work, f"web{purity}.json")
    json.dump({"items": dealt}, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    line = []
    for mode in ([], ["--by-source"]):
        out = subprocess.run([a.banyue, "eval", path, "-c", cfg] + mode, capture_output=True, text=True)
        acc, _ = seedless.accuracy(out.stdout, out.stderr)
        line.append(f"{'by source' if mode else 'alone'} {acc:.1f}%")
    print(f"purity {purity}: {len(dealt)} items in sources of {a.source_size}: " + ", ".join(line))
