#!/usr/bin/env python3
"""Significance ranking, cross-validated over the graded dev corpora: each corpus is
ranked by a taste model seeded from the other corpora's grades only (never its own),
then AUC (carried above minor) and R-precision are pooled over sections and corpora.

    python3 scripts/sigcv.py --banyue target/debug/banyue [--config C] [--verbose] [--cv-classifier]

Pairs: config/labels/real-devN.json with config/labels/worthy/real-devN.json. The held-out
grades (tests/fixtures/eval/worthy/) are read only with --heldout, which measures them
against the shipped seeds (every dev grade) instead: a measurement, never a tuning step.
"""
import argparse, glob, os, re, subprocess, sys
from collections import defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("--banyue", default="target/debug/banyue")
ap.add_argument("--config", default=None, help="a banyue.toml (e.g. one whose taxonomy is a variant)")
ap.add_argument("--verbose", action="store_true", help="print each corpus's misses")
ap.add_argument("--heldout", action="store_true", help="measure the held-out grades with the shipped seeds")
ap.add_argument("--cv-classifier", action="store_true",
                help="classify each corpus with a model that learned the other corpora only (seeds off), as the "
                     "shipped one learned every dev corpus: for signals that read the classifier's confidence")
ap.add_argument("--also-seed", action="append", default=[],
                help="a grade file every fold also learns from (is it worth shipping as a seed?); with "
                     "--heldout, on top of every dev grade")
ap.add_argument("--noise", action="store_true",
                help="rank each corpus's off-topic items that the classifier keeps as minor ones (with "
                     "--cv-classifier, as a run on unseen items would let some in)")
a = ap.parse_args()
if a.cv_classifier:
    if a.config or a.heldout:
        sys.exit("--cv-classifier makes its own config, for the dev corpora")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import seedless
    a.config = seedless.config("config/sections.toml", prefix="banyue-sigcv-")

pairs = []
graded, labelled = ("tests/fixtures/eval/worthy/real-heldout*.json", "tests/fixtures/eval") if a.heldout else ("config/labels/worthy/real-dev*.json", "config/labels")
for g in sorted(glob.glob(graded), key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p)]):
    items = os.path.join(labelled, os.path.basename(g))
    if os.path.exists(items):
        pairs.append((items, g))
if len(pairs) < 2:
    sys.exit("need at least two graded dev corpora")

# banyue's own counts, pooled over corpora; the listing (--verbose) only names the misses.
SUMMARY = re.compile(r"carried above minor [0-9.]+% \(([0-9.]+) of (\d+) pairs\).*R-precision [0-9.]+% \((\d+) of (\d+)\) \((\d+) graded")
LINE = re.compile(r"^  ([012]) +(-?[0-9.]+) (.*?)  \[")
tot = defaultdict(float)
for items, grades in pairs:
    others = [g for _, g in pairs if g != grades]
    cmd = [a.banyue]
    if a.config:
        cmd += ["-c", a.config]
    cmd += ["eval-significance", items, grades] + (["--verbose"] if a.verbose else []) + (["--noise"] if a.noise else [])
    if not a.heldout:
        for o in others:
            cmd += ["--seeds", o]
    elif a.also_seed:
        for o in sorted(glob.glob("config/labels/worthy/real-dev*.json")):
            cmd += ["--seeds", o]
    for o in a.also_seed:
        cmd += ["--seeds", o]
    if a.cv_classifier:
        for o, _ in pairs:
            if o != items:
                cmd += ["--train", o]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}\n{out.stderr}")
    m = SUMMARY.search(out.stdout)
    if not m:
        sys.exit(f"no summary line from {' '.join(cmd)}")
    c = dict(zip(["auc", "pairs", "hit", "n", "graded"], map(float, m.groups())))
    if a.verbose:
        section, ranked = None, defaultdict(list)
        for line in out.stdout.splitlines():
            if line and not line.startswith(" ") and " " not in line.strip():
                section = line.strip()
                continue
            r = LINE.match(line)
            if r and section:
                ranked[section].append((int(r.group(1)), float(r.group(2)), r.group(3)))
        for sec, rows in ranked.items():
            rows.sort(key=lambda r: -r[1])
            n = sum(1 for w, _, _ in rows if w == 2)
            cut = rows[n - 1][1] if n else 0
            for w, s, t in rows:
                if (w == 2 and s < cut) or (w != 2 and s >= cut and n):
                    print(f"  {os.path.basename(items)} {sec:<18} {w} {s:6.2f} {t[:60]}")
    for k, v in c.items():
        tot[k] += v
    print(f"{os.path.basename(items):<22} graded {int(c['graded']):>4}  carried>minor {100*c['auc']/max(c['pairs'],1):5.1f}%  R-precision {100*c['hit']/max(c['n'],1):5.1f}% ({int(c['hit'])}/{int(c['n'])})")
print(f"{'pooled':<22} graded {int(tot['graded']):>4}  carried>minor {100*tot['auc']/max(tot['pairs'],1):5.1f}%  R-precision {100*tot['hit']/max(tot['n'],1):5.1f}% ({int(tot['hit'])}/{int(tot['n'])})")
