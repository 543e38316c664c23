"""Shared by cv.py and learning_curve.py: a config whose taxonomy does not learn the
shipped seeds (so an evaluation learns only what it is given with `--train`), and the
accuracy line of `banyue eval`."""
import os, re, sys, tempfile


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
