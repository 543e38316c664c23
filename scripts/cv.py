#!/usr/bin/env python3
"""Cross-validate the section classifier over the shipped dev sets.

Splits the items of the dev files (config/labels/real-dev*.json by default) into K folds
by a fixed rule (item position modulo K), and for each fold runs
`banyue eval FOLD --train OTHER_FOLDS` with a copy of the taxonomy whose seed model is
off, so no fold learns from itself. Prints per-fold and overall accuracy.

    python3 scripts/cv.py --banyue target/release/banyue [--k 5] [FILES...]

With `--web P`, each fold's items are dealt into made-up sources of `--source-size` items
whose main section holds a share P of them (the rest drawn from other sections), and
banyue reads them `--by-source`, as a run reads a source's items: the issue's hidden web,
where a folder per source files 80% of the items, is P = 0.8.
"""
import argparse, json, os, random, re, subprocess

import seedless
from cv_deal import deal

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("--k", type=int, default=5)
ap.add_argument("--taxonomy", default="config/sections.toml")
ap.add_argument("--set", action="append", default=[], help="KEY=VALUE in [classifier], to try a setting")
ap.add_argument("--misfiled", action="store_true", help="list each fold's misfiled items")
ap.add_argument("--why", action="store_true", help="with --misfiled: each misfiled item's reasons too")
ap.add_argument("--also-train", action="append", default=[],
                help="a labelled file every fold also learns from (is it worth shipping as a seed?)")
ap.add_argument("files", nargs="*", default=["config/labels/real-dev.json", "config/labels/real-dev2.json"])
ap.add_argument("--web", type=float, help="deal each fold into made-up sources this pure, read by source")
ap.add_argument("--source-size", type=int, default=10)
ap.add_argument("--second", type=float, default=0.0, help="with --web: this share of each source from one other section")
ap.add_argument("--hints", action="store_true", help="with --web: each made-up source hints its main section")
ap.add_argument("--by-source", action="store_true", help="read by the items' own outlets, as sources")
a = ap.parse_args()


items = []
for f in a.files:
    items.extend(json.load(open(f, encoding="utf-8"))["items"])
cfg = seedless.config(a.taxonomy, a.set, prefix="banyue-cv-")
work = os.path.dirname(cfg)
# Per-section recall weighted by an issue's mix says how an issue's draft would read, where
# the corpora hold far more analysis and commentary than an issue does.
ISSUE_MIX = seedless.ISSUE_MIX
hits, seen = {}, {}


def read_confusion(stdout):
    """Rows of the confusion table: expected section → (right, total)."""
    lines = stdout.split("confusion (rows", 1)[-1].splitlines()[1:]
    if not lines:
        return
    cols = lines[0].split()
    for line in lines[1:]:
        parts = line.split()
        if not parts or not all(p.isdigit() for p in parts[1:]) or len(parts) != len(cols) + 1:
            break
        counts = [int(x) for x in parts[1:]]
        own = [i for i, c in enumerate(cols) if parts[0].startswith(c)]
        right = counts[own[0]] if own else 0
        hits[parts[0]] = hits.get(parts[0], 0) + right
        seen[parts[0]] = seen.get(parts[0], 0) + sum(counts)


extra = [it for f in a.also_train for it in json.load(open(f, encoding="utf-8"))["items"]]
right = total = placed = 0
for k in range(a.k):
    test = [it for i, it in enumerate(items) if i % a.k == k]
    if a.web is not None:
        test = deal(test, a.web, a.source_size, random.Random(k), a.hints, a.second)
    train = [it for i, it in enumerate(items) if i % a.k != k] + extra
    tp, trp = os.path.join(work, f"fold{k}.json"), os.path.join(work, f"train{k}.json")
    json.dump({"items": test}, open(tp, "w", encoding="utf-8"), ensure_ascii=False)
    json.dump({"items": train}, open(trp, "w", encoding="utf-8"), ensure_ascii=False)
    args = [a.banyue, "eval", tp, "--train", trp, "-c", cfg] + (["--by-source"] if a.web is not None or a.by_source else [])
    out = subprocess.run(args, capture_output=True, text=True)
    acc, n = seedless.accuracy(out.stdout, out.stderr)
    right += round(acc * n / 100); total += n
    # Where the draft shows an item: a city note listed under its city from another section.
    m = re.search(r"placed as the draft shows them ([0-9.]+)%", out.stdout)
    placed += round(float(m.group(1)) * n / 100) if m else round(acc * n / 100)
    print(f"fold {k}: {acc:.1f}% of {n}")
    read_confusion(out.stdout)
    if a.misfiled:
        tail = out.stdout.split("\nmisfiled", 1)[-1].splitlines()
        print("\n".join(l for l in tail if l.startswith("  ") and (a.why or not l.startswith("    "))))
print(f"cross-validated accuracy {100 * right / total:.1f}% of {total}; placed as the draft shows them {100 * placed / total:.1f}%")
recall = {s: hits[s] / seen[s] for s in seen if seen[s]}
print("recall by section: " + ", ".join(f"{s} {100 * r:.0f}% of {seen[s]}" for s, r in sorted(recall.items())))
weighted = sum(ISSUE_MIX[s] * recall.get(s, 0.0) for s in ISSUE_MIX) / sum(ISSUE_MIX.values())
print(f"weighted as an issue's sections (report-format.md): {100 * weighted:.1f}%")
