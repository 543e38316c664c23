"""Reading `banyue eval`'s report from scripts: which items of a labelled file it misfiled."""
import re
import subprocess

MISFILED = re.compile(r"^  ([a-z-]+) → ([a-z-]+) .*?\): (.*)$")


def misfiled(banyue, path):
    """Headlines (stripped) of the items of `path` that banyue files in another section."""
    out = subprocess.run([banyue, "eval", path], capture_output=True, text=True, check=True).stdout
    missed = set()
    for line in out.split("\nmisfiled\n", 1)[-1].splitlines():
        m = MISFILED.match(line)
        if m and m.group(1) != m.group(2):
            missed.add(m.group(3).strip())
    return missed
