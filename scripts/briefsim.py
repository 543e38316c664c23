#!/usr/bin/env python3
"""A real issue's items among minor ones: does the selection's ranking put them first?

Issue 13's check: a web built from a real issue of the brief with hundreds of plausible
but minor on-topic items added; at least 90% of the real issue's items in the selection.
This builds that window from what is at hand: the on-topic items of the shared examples
(taken from the brief, each one the brief carried: grade 2) against the held-out items
that graders marked minor (grade 0), or minor and second tier (grade 0 or 1), from
tests/fixtures/eval/worthy/ (never tuned on). It writes the items and grades to a work
directory and runs `banyue eval-significance` on them: R-precision is the share of each
section's top n (n = the brief's items there) that are the brief's.

  briefsim.py --banyue BIN [--examples FILE] [--work DIR] [--tiers 0|01]
"""

import argparse
import glob
import json
import os
import subprocess
import sys

from seedless import items_of

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Commentary and analysis have no grades (the quota takes one or two of each by hand).
UNGRADED = {"off-topic", "commentary", "analysis"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--banyue", required=True)
    ap.add_argument("--examples", default=os.path.join(ROOT, "..", "shared", "examples", "labelled-items.json"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "briefsim"))
    ap.add_argument("--tiers", choices=["0", "01"], default="0", help="the grades that compete: minor, or minor and second tier")
    a = ap.parse_args()
    wanted = {int(t) for t in a.tiers}
    items, grades = [], []
    for it in items_of(a.examples):
        if it["section"] in UNGRADED:
            continue
        items.append(it)
        grades.append({"title": it["title"], "section": it["section"], "worthy": 2})
    brief = len(items)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "eval", "worthy", "*.json"))):
        labelled = {i["title"]: i for i in items_of(os.path.join(ROOT, "tests", "fixtures", "eval", os.path.basename(path)))}
        with open(path, encoding="utf-8") as f:
            for g in json.load(f)["grades"]:
                if g["worthy"] in wanted and g["title"] in labelled:
                    items.append(labelled[g["title"]])
                    # Not carried: graded as minor whatever its tier, as the check counts it.
                    grades.append({"title": g["title"], "section": g["section"], "worthy": 0})
    os.makedirs(a.work, exist_ok=True)
    ipath, gpath = os.path.join(a.work, "items.json"), os.path.join(a.work, "grades.json")
    with open(ipath, "w", encoding="utf-8") as f:
        json.dump({"items": items}, f, ensure_ascii=False)
    with open(gpath, "w", encoding="utf-8") as f:
        json.dump({"grades": grades}, f, ensure_ascii=False)
    print(f"briefsim: {brief} items of the brief among {len(items) - brief} held-out items graded {a.tiers}", flush=True)
    return subprocess.run([a.banyue, "eval-significance", ipath, gpath]).returncode


if __name__ == "__main__":
    sys.exit(main())
