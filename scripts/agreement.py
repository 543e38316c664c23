#!/usr/bin/env python3
"""A second labeller's blind labels against the corpora's, and banyue on the same items.

    python3 scripts/agreement.py --banyue target/debug/banyue [LABELS]

LABELS (default tests/fixtures/eval/agreement/second-labeller.json) names each item by
its held-out file and position; see LABELLING.md, "A second labeller, blind".
"""
import argparse, collections, json, os

import evalout

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/release/banyue")
ap.add_argument("labels", nargs="?", default="tests/fixtures/eval/agreement/second-labeller.json")
a = ap.parse_args()

labels = json.load(open(a.labels, encoding="utf-8"))["labels"]
base = os.path.join(os.path.dirname(a.labels), "..")
ld = open(os.path.join(base, "LABELLING.md"), encoding="utf-8").read()
files = {l["file"]: json.load(open(os.path.join(base, l["file"]), encoding="utf-8"))["items"] for l in labels}
missed = {f: evalout.misfiled(a.banyue, os.path.join(base, f)) for f in files}


def quoted(title):
    """Whether the rules quote the headline (a run of ten of its characters)."""
    t = title.strip()
    return any(t[i:i + 10] in ld for i in range(0, max(1, len(t) - 9), 5))


groups = collections.defaultdict(lambda: [0, 0, 0])
differ = collections.Counter()
for l in labels:
    it = files[l["file"]][l["index"]]
    agree = l["section"] == it["section"]
    ours = it["title"].strip() not in missed[l["file"]]
    for g in ("all", "quoted in a rule" if quoted(it["title"]) else "not quoted"):
        groups[g][0] += 1
        groups[g][1] += agree
        groups[g][2] += ours
    if not agree:
        differ[(it["section"], l["section"])] += 1
for g, (n, agree, ours) in groups.items():
    print(f"{g}: {n} items; second labeller agrees {100 * agree / n:.1f}%, banyue {100 * ours / n:.1f}%")
for (was, now), n in differ.most_common():
    print(f"  {n} labelled {was}, second labeller {now}")
