"""Shared by the evaluation scripts (cv.py, learning_curve.py, sigcv.py, briefsim.py,
briefweb.py): a config whose taxonomy does not learn the shipped seeds (so an evaluation
learns only what it is given with `--train`), the accuracy line of `banyue eval`, a
labelled file's items, and an issue's mix of sections."""
import json, os, re, sys, tempfile

# An issue of the brief holds about this many items of each section (report-format.md).
ISSUE_MIX = {"industry-data": 3, "policy": 3, "tech-innovation": 4, "company-news": 3, "market": 3,
             "ecosystem-standards": 4, "city-news": 20, "commentary": 2, "analysis": 1}


def items_of(path):
    """The items of a labelled file: `{"items": [...]}` or a bare list."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data["items"] if isinstance(data, dict) else data


def config(taxonomy, settings=(), prefix="banyue-eval-", seeds=False):
    """A temp dir's banyue.toml over a copy of `taxonomy` with `seed_examples = false`
    (unless `seeds`) and each KEY=VALUE of `settings` set in it; its path."""
    work = tempfile.mkdtemp(prefix=prefix)
    tax = open(taxonomy, encoding="utf-8").read()
    if not seeds:
        tax = re.sub(r"(?m)^seed_examples\s*=.*$", "seed_examples = false", tax)
    for kv in settings:
        key, value = kv.split("=", 1)
        tax, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", tax, count=1)
        if n == 0:
            sys.exit(f"no setting {key} in {taxonomy}")
    open(os.path.join(work, "sections.toml"), "w", encoding="utf-8").write(tax)
    cfg = os.path.join(work, "banyue.toml")
    open(cfg, "w", encoding="utf-8").write('[settings]\ntaxonomy = "sections.toml"\ndata_dir = "data"\n')
    return cfg


def accuracy(stdout, stderr=""):
    """(accuracy in %, items) from `banyue eval`'s output; exits when it has none."""
    m = re.search(r"accuracy ([\d.]+)% of (\d+)", stdout)
    if not m:
        sys.exit(f"no accuracy line\n{stdout}\n{stderr}")
    return float(m.group(1)), int(m.group(2))
