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
import argparse, json, os, random, re, subprocess, sys, tempfile

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

work = tempfile.mkdtemp(prefix="banyue-web-")
tax = open(a.taxonomy, encoding="utf-8").read()
for kv in a.set:
    key, value = kv.split("=", 1)
    tax, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", tax, count=1)
    if n == 0:
        sys.exit(f"no setting {key} in {a.taxonomy}")
open(os.path.join(work, "sections.toml"), "w", encoding="utf-8").write(tax)
cfg = os.path.join(work, "banyue.toml")
open(cfg, "w", encoding="utf-8").write('[settings]\ntaxonomy = "sections.toml"\ndata_dir = "data"\n')

items = [it for f in a.files for it in json.load(open(f, encoding="utf-8"))["items"]]
for purity in a.web:
    dealt = deal(items, purity, a.source_size, random.Random(1), a.hints)
    path = os.path.join(work, f"web{purity}.json")
    json.dump({"items": dealt}, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    line = []
    for mode in ([], ["--by-source"]):
        out = subprocess.run([a.banyue, "eval", path, "-c", cfg] + mode, capture_output=True, text=True)
        m = re.search(r"accuracy ([\d.]+)% of (\d+)", out.stdout)
        if not m:
            sys.exit(f"no accuracy line\n{out.stdout}\n{out.stderr}")
        line.append(f"{'by source' if mode else 'alone'} {m.group(1)}%")
    print(f"purity {purity}: {len(dealt)} items in sources of {a.source_size}: " + ", ".join(line))
