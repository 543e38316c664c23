#!/usr/bin/env python3
"""banyue against a folder per source, on the held-out corpora.

The issue's yardstick is an editor who puts each source in one fixed folder (as in
Miniflux). On held-out items of outlets that gave several items, the best folder an
outlet could have — its most common section among those very items, an oracle no real
setup has — is compared with banyue's sections for the same items.

    python3 scripts/folder_baseline.py --banyue target/debug/banyue [--min 3]
"""
import argparse, collections, glob, json

import evalout

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("--min", type=int, default=3, help="outlets with at least this many held-out items")
ap.add_argument("files", nargs="*")
a = ap.parse_args()
files = a.files or sorted(glob.glob("tests/fixtures/eval/real-heldout*.json"))

items, missed = [], set()
for f in files:
    items += [(f, it) for it in json.load(open(f, encoding="utf-8"))["items"]]
    missed |= {(f, title) for title in evalout.misfiled(a.banyue, f)}

by = collections.defaultdict(list)
for f, it in items:
    by[it["source"]].append((f, it))
chosen = [v for v in by.values() if len(v) >= a.min]
n = sum(len(v) for v in chosen)
folder = sum(collections.Counter(it["section"] for _, it in v).most_common(1)[0][1] for v in chosen)
ours = sum(1 for v in chosen for f, it in v if (f, it["title"].strip()) not in missed)
print(f"held-out items of outlets with {a.min}+ items: {n} ({len(chosen)} outlets)")
print(f"a folder per outlet, the best one for each (oracle): {100 * folder / n:.1f}%")
print(f"banyue: {100 * ours / n:.1f}%")
