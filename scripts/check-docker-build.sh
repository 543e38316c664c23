#!/usr/bin/env bash
# Check the Dockerfile's build stage without a container engine.
#
# Assembles, in an empty directory, exactly what the build stage's COPY lines would put
# under its WORKDIR (from the build context as .dockerignore filters it), then runs the
# stage's cargo commands there and checks that the files its RUN lines copy out exist.
# A file the build needs that the Dockerfile does not copy (or .dockerignore drops)
# fails here as it would fail `docker build`.
#
#   scripts/check-docker-build.sh [Dockerfile]
#
# The stage's target directory (a BuildKit cache mount in the Dockerfile) is kept in
# $CARGO_TARGET_DIR, default target/docker-check, so a second run recompiles banyue only.
# Environment: DOCKER_CHECK_KEEP=1 keeps the assembled directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
dockerfile="${1:-Dockerfile}"
cache="${CARGO_TARGET_DIR:-$repo/target/docker-check}"
unset CARGO_TARGET_DIR # the stage builds into ./target, which is linked to the cache
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

ctx="$(mktemp -d "${TMPDIR:-/tmp}/banyue-docker-build.XXXXXX")"
if [[ "${DOCKER_CHECK_KEEP:-}" != 1 ]]; then
  trap 'rm -rf "$ctx"' EXIT
fi

# Parse the Dockerfile, filter the context, copy what COPY copies; print the plan.
plan="$ctx.plan"
python3 - "$repo" "$dockerfile" "$ctx/src" "$plan" <<'PY'
import fnmatch, os, re, shlex, shutil, sys

repo, dockerfile, dest_root, plan_path = sys.argv[1:5]

def fail(msg):
    sys.exit(f"check-docker-build: {msg}")

# Logical lines: comments dropped, backslash continuations joined.
lines, cur = [], ""
for raw in open(os.path.join(repo, dockerfile), encoding="utf-8"):
    s = raw.rstrip("\n")
    if not cur and s.lstrip().startswith("#"):
        continue
    if cur and s.lstrip().startswith("#"):
        continue  # comment lines inside a continuation are ignored by Docker too
    if s.endswith("\\"):
        cur += s[:-1] + " "
        continue
    cur += s
    if cur.strip():
        lines.append(cur.strip())
    cur = ""

stages = []  # [name, [(instr, args)]]
for line in lines:
    instr, _, args = line.partition(" ")
    instr = instr.upper()
    if instr == "FROM":
        m = re.match(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.I)
        stages.append([(m.group(2) or str(len(stages))).lower(), m.group(1), []])
    elif stages:
        stages[-1][2].append((instr, args.strip()))
if len(stages) < 2:
    fail(f"{dockerfile}: expected a build stage and a runtime stage")

# The build stage: the one the final stage copies from.
froms = {
    m.group(1).lower()
    for instr, args in stages[-1][2]
    if instr == "COPY"
    for m in [re.search(r"--from=(\S+)", args)]
    if m
}
build = [s for s in stages[:-1] if s[0] in froms]
if len(build) != 1:
    fail(f"{dockerfile}: the final stage must COPY --from exactly one earlier stage, found {sorted(froms)}")
name, base, instrs = build[0]

# .dockerignore, as Docker reads it: patterns relative to the context, the last match wins.
rules = []
di = os.path.join(repo, ".dockerignore")
if os.path.exists(di):
    for raw in open(di, encoding="utf-8"):
        p = raw.strip()
        if not p or p.startswith("#"):
            continue
        neg = p.startswith("!")
        p = os.path.normpath(p[1:] if neg else p).lstrip("/")
        rx = ""
        i = 0
        while i < len(p):
            if p.startswith("**", i):
                rx += ".*"
                i += 2
                if p.startswith("/", i):
                    rx = rx[:-2] + "(?:.*/)?"
                    i += 1
            elif p[i] == "*":
                rx += "[^/]*"; i += 1
            elif p[i] == "?":
                rx += "[^/]"; i += 1
            else:
                rx += re.escape(p[i]); i += 1
        rules.append((re.compile(rx + r"\Z"), neg))

def ignored(rel):
    parts = rel.split("/")
    out = False
    for rx, neg in rules:
        # A pattern matching a parent directory excludes everything under it.
        if any(rx.match("/".join(parts[: k + 1])) for k in range(len(parts))):
            out = not neg
    return out

def context_files(src):
    """Files of the context under `src` (relative), as .dockerignore leaves them."""
    full = os.path.join(repo, src)
    if os.path.isfile(full):
        return [src] if not ignored(src) else []
    found = []
    for root, dirs, files in os.walk(full):
        dirs.sort()
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), repo)
            if not ignored(rel):
                found.append(rel)
    return found

workdir = "/"
env, runs, copied = {}, [], []
for instr, args in instrs:
    if instr == "WORKDIR":
        workdir = os.path.join(workdir, args)
    elif instr == "ENV":
        for kv in shlex.split(args):
            k, _, v = kv.partition("=")
            env[k] = v
    elif instr == "COPY":
        words = shlex.split(args)
        if any(w.startswith("--from") for w in words):
            fail(f"build stage COPY --from is not checked: COPY {args}")
        words = [w for w in words if not w.startswith("--")]
        *srcs, dst = words
        dst_abs = os.path.normpath(os.path.join(workdir, dst))
        for pat in srcs:
            matches = sorted(
                e for e in os.listdir(repo) if fnmatch.fnmatchcase(e, pat.rstrip("/"))
            ) if any(c in pat for c in "*?[") else [pat.rstrip("/")]
            matches = [m for m in matches if os.path.exists(os.path.join(repo, m))]
            if not matches:
                fail(f"COPY {args}: `{pat}` is not in the build context")
            for src in matches:
                files = context_files(src)
                if not files:
                    fail(f"COPY {args}: `{src}` is empty once .dockerignore is applied")
                is_dir = os.path.isdir(os.path.join(repo, src))
                for f in files:
                    if is_dir:
                        target = os.path.join(dst_abs, os.path.relpath(f, src))
                    elif dst.endswith("/") or len(srcs) > 1:
                        target = os.path.join(dst_abs, os.path.basename(f))
                    else:
                        target = dst_abs
                    copied.append((f, target))
    elif instr == "RUN":
        cmd = args
        while cmd.startswith("--"):
            cmd = cmd.split(None, 1)[1]
        runs.append(cmd)

# Everything must land under the WORKDIR, which the check stands in for.
for f, target in copied:
    rel = os.path.relpath(target, workdir)
    if rel.startswith(".."):
        fail(f"{f} is copied to {target}, outside WORKDIR {workdir}")
    out = os.path.join(dest_root, rel)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy2(os.path.join(repo, f), out)

with open(plan_path, "w") as plan:
    plan.write(f"# stage {name} from {base}, WORKDIR {workdir}, {len(copied)} files\n")
    for k, v in env.items():
        plan.write(f"ENV\t{k}\t{v}\n")
    for cmd in runs:
        for part in (p.strip() for p in cmd.split("&&")):
            words = shlex.split(part)
            if words and words[0] == "cargo":
                plan.write(f"CARGO\t{part}\n")
            elif words and words[0] in ("install", "cp"):
                src = [w for w in words[1:] if not w.startswith("-")][-2]
                if not src.startswith("/"):
                    plan.write(f"OUTPUT\t{src}\n")
PY

head -n1 "$plan"
# The toolchain CI has against the one the image uses: a difference is worth knowing.
image_rust="$(sed -n 's/^# stage [^ ]* from rust:\([0-9.]*\).*/\1/p' "$plan")"
local_rust="$(rustc -V | awk '{print $2}')"
if [[ -n "$image_rust" && "$local_rust" != "$image_rust"* ]]; then
  echo "note: the image builds with Rust $image_rust, this check with $local_rust"
fi

ln -s "$cache" "$ctx/src/target"
status=0
while IFS=$'\t' read -r kind a b; do
  case "$kind" in
    ENV) export "$a=$b" ;;
    CARGO)
      echo "+ (cd <stage WORKDIR> && $a)"
      (cd "$ctx/src" && eval "$a") || status=1
      ;;
    OUTPUT)
      if [[ -e "$ctx/src/$a" ]]; then
        echo "ok: $a ($(du -h "$ctx/src/$a" | cut -f1))"
      else
        echo "check-docker-build: the stage's RUN copies out $a, which the build did not produce"
        status=1
      fi
      ;;
  esac
done < <(grep -v '^#' "$plan")
rm -f "$plan"
if [[ $status -ne 0 ]]; then
  echo "check-docker-build: FAILED: the build stage, assembled from $dockerfile's COPY lines, does not build"
  exit 1
fi
echo "check-docker-build: the build stage builds from what $dockerfile copies"
