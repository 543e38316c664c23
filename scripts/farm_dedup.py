#!/usr/bin/env python3
"""Measure banyue's duplicate merging on the local feed farm (../shared/feedfarm).

Usage:
  farm_dedup.py --banyue PATH [--n 2000] [--seed 1] [--port 8800] [--work DIR] [--keep]
                [--max-wrong 0.005] [--farm-tools DIR] [--latency MS] [--run-timeout SECS]

1. generates the farm (genfarm.py) into WORK/farm with base URL http://127.0.0.1:PORT,
   unless WORK/farm already holds one with the same n, seed and base URL;
2. serves it with feedserver.py on 127.0.0.1:PORT (no faults, bounded by --max-seconds);
3. writes WORK/banyue.toml (one `kind = "feed"` source per farm feed) and runs `banyue check`;
4. runs `banyue run --force` on a fresh database (WORK/data, feeds, drafts are wiped first),
   timing it; stdout/stderr go to WORK/run.stdout and WORK/run.stderr;
5. reads WORK/data/banyue.db and scores it against the farm's ground truth: every item's link
   is <base>/a/<story id>.html, and two items are the same story iff their story ids are equal.

Wrong merge: a stored item whose duplicate_of points at an item of a different story.
Missed merge: a story with more than one representative (duplicate_of IS NULL) row.
(Farm copies of a shared story carry the same link, so banyue stores the first and counts the
rest as "seen"; that is expected, not a miss.)

Prints a summary and writes it as JSON to WORK/farm-dedup.json. Exit status: 0 ok,
1 wrong-merge share above --max-wrong, 2 setup/run failure. The server is always stopped.
Without --work a temporary directory is used and removed at the end unless --keep is given;
a --work directory is never removed (so its farm can be reused).
Python 3 standard library only.
"""
import argparse
import collections
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

STORY_RE = re.compile(r"/a/(\d+)\.html")
STORY_RE_B = re.compile(rb"/a/(\d+)\.html")
DEFAULT_TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "feedfarm")


def log(msg):
    print("farm_dedup: " + msg, file=sys.stderr, flush=True)


def toml_str(s):
    # JSON string escapes (\" \\ \n \uXXXX) are valid in TOML basic strings.
    return json.dumps(str(s), ensure_ascii=False)


def story_id(url):
    if not url:
        return None
    m = STORY_RE.search(url)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ farm and server

def ensure_farm(tools, farm, n, seed, base):
    man_path = os.path.join(farm, "manifest.json")
    if os.path.exists(man_path):
        try:
            with open(man_path, encoding="utf-8") as fh:
                man = json.load(fh)
            if man.get("n") == n and man.get("seed") == seed and man.get("base_url") == base:
                log("reusing farm %s (n=%d seed=%d)" % (farm, n, seed))
                return man
        except (OSError, ValueError):
            pass
        log("farm in %s differs (or is broken); regenerating" % farm)
        shutil.rmtree(farm)
    t0 = time.monotonic()
    subprocess.run([sys.executable, os.path.join(tools, "genfarm.py"), "--out", farm, "--n", str(n),
                    "--seed", str(seed), "--base-url", base], check=True, stdout=subprocess.DEVNULL)
    log("generated farm in %.1f s" % (time.monotonic() - t0))
    with open(man_path, encoding="utf-8") as fh:
        return json.load(fh)


def farm_story_ids(farm, man):
    """Every story id linked from the farm's feeds (links are ASCII, so bytes work for GBK too)."""
    ids = set()
    for f in man["feeds"]:
        with open(os.path.join(farm, f["path"]), "rb") as fh:
            ids.update(int(x) for x in STORY_RE_B.findall(fh.read()))
    return ids


def port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_json(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode("utf-8"))


def start_server(tools, farm, port, latency, max_seconds, logpath):
    cmd = [sys.executable, os.path.join(tools, "feedserver.py"), "--farm", farm, "--port", str(port),
           "--faults", "0", "--max-seconds", str(max_seconds)]
    if latency:
        cmd += ["--latency", latency]
    logfh = open(logpath, "w")
    proc = subprocess.Popen(cmd, stdout=logfh, stderr=subprocess.STDOUT, start_new_session=True)
    logfh.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("feedserver exited with %s; see %s" % (proc.returncode, logpath))
        try:
            http_json("http://127.0.0.1:%d/_stats" % port, timeout=1.0)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("feedserver did not answer within 60 s; see %s" % logpath)


def stop_server(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# ------------------------------------------------------------------ banyue

def write_config(path, work, man, port):
    lines = [
        "# written by scripts/farm_dedup.py: the feed farm on 127.0.0.1:%d" % port,
        "[settings]",
        "data_dir = %s" % toml_str(os.path.join(work, "data")),
        "feeds_dir = %s" % toml_str(os.path.join(work, "feeds")),
        "drafts_dir = %s" % toml_str(os.path.join(work, "drafts")),
        'timezone = "Asia/Shanghai"',
        'base_url = "http://127.0.0.1:8080/feeds/"',
        'tag_authority = "feedfarm.invalid"',
        "concurrency = 32",
        "per_host_concurrency = 64",
        "per_host_delay_ms = 0",
        "timeout_secs = 30",
        "",
    ]
    for f in man["feeds"]:
        lines += [
            "[[source]]",
            "id = %s" % toml_str(f["id"]),
            "name = %s" % toml_str(f.get("title") or f["id"]),
            "url = %s" % toml_str(f["url"]),
            'kind = "feed"',
            "allow_private = true",
            "",
        ]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


def banyue_env():
    env = dict(os.environ)
    for k in ("BANYUE_CONFIG", "BANYUE_DATA_DIR", "BANYUE_FEEDS_DIR", "BANYUE_DRAFTS_DIR"):
        env.pop(k, None)  # they would override the generated config
    return env


# ------------------------------------------------------------------ scoring

def reason_kind(reason):
    if not reason:
        return "(none)"
    r = reason.split(";")[0].strip()
    for prefix in ("same document number", "both name", "one template"):
        if r.startswith(prefix):
            return prefix
    if r.startswith("text "):
        return "text/title alike"
    return re.sub(r"\d+(\.\d+)?", "#", r.split(",")[0])


def norm_title(t):
    return re.sub(r"\s+", " ", (t or "")).strip().lower()


def score(db_path, farm_ids, man, n_examples):
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT id, url, title, duplicate_of, duplicate_reason, rejected, source_id FROM items").fetchall()
    srcs = con.execute("SELECT id, last_status, last_error, items_new, items_seen FROM sources").fetchall()
    con.close()

    by_id = {r["id"]: r for r in rows}
    sid = {r["id"]: story_id(r["url"]) for r in rows}
    no_sid = [r for r in rows if sid[r["id"]] is None]
    stories = {s for s in sid.values() if s is not None}

    def root(i):
        seen = set()
        while by_id.get(i) is not None and by_id[i]["duplicate_of"] is not None and i not in seen:
            seen.add(i)
            i = by_id[i]["duplicate_of"]
        return i

    wrong, right, dangling, chained = [], 0, 0, 0
    for r in rows:
        d = r["duplicate_of"]
        if d is None:
            continue
        t = by_id.get(d)
        if t is None:
            dangling += 1
            continue
        if t["duplicate_of"] is not None:
            chained += 1
        if sid[r["id"]] is not None and sid[r["id"]] == sid[d]:
            right += 1
        else:
            wrong.append((r, t))
    wrong_stories = {sid[r["id"]] for r, _ in wrong}
    reps = collections.defaultdict(list)
    for r in rows:
        if r["duplicate_of"] is None and sid[r["id"]] is not None:
            reps[sid[r["id"]]].append(r)
    # a story whose every stored item was merged into another story has vanished from the output
    vanished = {s for s in stories if not reps.get(s)}
    missed = {s: rs for s, rs in reps.items() if len(rs) > 1}
    rejected = [r for r in rows if r["rejected"] is not None]
    rej_kinds = collections.Counter(re.sub(r"\d+(\.\d+)?", "#", r["rejected"]).split(":")[0] for r in rejected)
    merged_groups = collections.Counter(root(r["id"]) for r in rows if r["duplicate_of"] is not None)
    failed = [s for s in srcs if s["last_error"]]

    n_st = len(stories)
    share = (len(wrong_stories) / n_st) if n_st else 0.0
    out = {
        "farm": {"feeds": man["totals"]["feeds"], "items": man["totals"]["items"],
                 "stories": len(farm_ids), "manifest_unique_stories": man["totals"]["unique_stories"]},
        "stored_items": len(rows),
        "items_without_story_id": len(no_sid),
        "distinct_stories_stored": n_st,
        "farm_stories_not_stored": len(farm_ids - stories),
        "stored_stories_not_in_farm": len(stories - farm_ids),
        "merged_items": sum(1 for r in rows if r["duplicate_of"] is not None),
        "correct_merges": right,
        "wrong_merges": len(wrong),
        "stories_wrongly_merged": len(wrong_stories),
        "wrong_merge_share": round(share, 6),
        "stories_vanished": len(vanished),
        "largest_merge_group": max(merged_groups.values()) + 1 if merged_groups else 0,
        "chained_duplicate_of": chained,
        "dangling_duplicate_of": dangling,
        # different stories whose titles are the same (the farm's templates repeat): only the body tells them apart
        "wrong_merges_identical_title": sum(1 for r, t in wrong if norm_title(r["title"]) == norm_title(t["title"])),
        "wrong_merges_by_reason": dict(collections.Counter(reason_kind(r["duplicate_reason"]) for r, _ in wrong)
                                       .most_common()),
        "missed_merges": {"stories": len(missed), "extra_representatives": sum(len(v) - 1 for v in missed.values())},
        "rejected_off_topic": len(rejected),
        "rejected_by_reason": dict(rej_kinds.most_common(10)),
        "sources": {"total": len(srcs), "failed": len(failed),
                    "items_new": sum(s["items_new"] for s in srcs), "items_seen": sum(s["items_seen"] for s in srcs)},
        "examples": {
            "wrong_merges": ["%s ⇒ %s [%s]" % (r["title"], t["title"], r["duplicate_reason"])
                             for r, t in wrong[:n_examples]],
            "rejected": ["%s [%s]" % (r["title"], r["rejected"]) for r in rejected[:5]],
            "missed_merges": ["story %d: %s" % (s, " | ".join("%s (%s)" % (r["url"], r["source_id"]) for r in rs))
                              for s, rs in list(missed.items())[:5]],
            "failed_sources": ["%s: %s" % (s["id"], s["last_error"]) for s in failed[:5]],
            "without_story_id": ["%s <%s>" % (r["title"], r["url"]) for r in no_sid[:5]],
            "farm_stories_not_stored": sorted(farm_ids - stories)[:10],
        },
    }
    return out


def print_summary(s):
    p = print
    f = s["farm"]
    p("")
    p("== banyue duplicate merging on the feed farm ==")
    p("farm:      %d feeds, %d items, %d distinct stories" % (f["feeds"], f["items"], f["stories"]))
    if "run" in s:
        r = s["run"]
        p("run:       exit %s in %.1f s (%.0f farm items/s); server saw %s requests"
          % (r["exit"], r["seconds"], f["items"] / r["seconds"] if r["seconds"] else 0, r.get("server_requests", "?")))
        if r.get("server_stats"):
            p("           server counters: %s" % json.dumps(r["server_stats"], sort_keys=True))
        if r.get("stderr_warnings"):
            p("           stderr: %d WARN/ERROR lines, e.g.:" % r["stderr_warn_lines"])
            for w in r["stderr_warnings"]:
                p("             " + w)
    p("sources:   %d, %d failed; items new %d, seen %d"
      % (s["sources"]["total"], s["sources"]["failed"], s["sources"]["items_new"], s["sources"]["items_seen"]))
    p("stored:    %d items, %d distinct stories (%d farm stories not stored, %d items without a story id)"
      % (s["stored_items"], s["distinct_stories_stored"], s["farm_stories_not_stored"], s["items_without_story_id"]))
    p("merged:    %d items (%d same story, %d wrong); largest group %d"
      % (s["merged_items"], s["correct_merges"], s["wrong_merges"], s["largest_merge_group"]))
    p("WRONG:     %d of %d stories merged into another story (%.2f%%), %d vanished entirely"
      % (s["stories_wrongly_merged"], s["distinct_stories_stored"], 100 * s["wrong_merge_share"],
         s["stories_vanished"]))
    if s["wrong_merges"]:
        p("           %d of the %d wrong merges join two different stories with identical titles"
          % (s["wrong_merges_identical_title"], s["wrong_merges"]))
    if s["wrong_merges_by_reason"]:
        p("           by reason: " + ", ".join("%s: %d" % kv for kv in s["wrong_merges_by_reason"].items()))
    p("missed:    %d stories with more than one representative (%d extra)"
      % (s["missed_merges"]["stories"], s["missed_merges"]["extra_representatives"]))
    p("off-topic: %d items rejected%s" % (s["rejected_off_topic"], (" (" + ", ".join(
        "%s: %d" % kv for kv in s["rejected_by_reason"].items()) + ")") if s["rejected_by_reason"] else ""))
    ex = s["examples"]
    for key, head in (("wrong_merges", "wrong merges (title ⇒ representative title [reason])"),
                      ("rejected", "rejected as off-topic"), ("missed_merges", "missed merges"),
                      ("failed_sources", "failed sources"), ("without_story_id", "items without a story id")):
        if ex[key]:
            p("-- %s:" % head)
            for line in ex[key]:
                p("   " + line)
    if s["farm_stories_not_stored"]:
        p("-- farm stories not stored (first ids): %s" % ex["farm_stories_not_stored"])
    p("verdict:   %s (max wrong share %.3f%%)" % ("PASS" if s["pass"] else "FAIL", 100 * s["max_wrong"]))


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--banyue", required=True, help="the banyue binary")
    ap.add_argument("--n", type=int, default=2000, help="farm feeds (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=8800)
    ap.add_argument("--work", help="work directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    ap.add_argument("--max-wrong", type=float, default=0.005, help="fail above this wrong-merge share")
    ap.add_argument("--farm-tools", default=DEFAULT_TOOLS, help="where genfarm.py and feedserver.py live")
    ap.add_argument("--latency", default="0", help="feedserver --latency (ms or MIN-MAX; default 0)")
    ap.add_argument("--run-timeout", type=float, default=3600, help="kill banyue run after this many seconds")
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--store", help="run on this store (postgres://…, a new empty database); it is copied "
                    "into data/banyue.db with `banyue store copy` to be scored")
    a = ap.parse_args()

    banyue = os.path.abspath(a.banyue)
    if not os.access(banyue, os.X_OK):
        log("not an executable: %s" % banyue)
        return 2
    temp = a.work is None
    work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="farm-dedup-"))
    os.makedirs(work, exist_ok=True)
    base = "http://127.0.0.1:%d" % a.port
    server = None
    try:
        farm = os.path.join(work, "farm")
        man = ensure_farm(a.farm_tools, farm, a.n, a.seed, base)
        farm_ids = farm_story_ids(farm, man)
        if port_in_use(a.port):
            log("127.0.0.1:%d is already in use; pick another --port" % a.port)
            return 2
        server = start_server(a.farm_tools, farm, a.port, "" if a.latency in ("", "0") else a.latency,
                              int(a.run_timeout) + 300, os.path.join(work, "feedserver.log"))
        log("feedserver up on %s (pid %d)" % (base, server.pid))

        for d in ("data", "feeds", "drafts"):  # a fresh database: a measurement, not a warm rerun
            shutil.rmtree(os.path.join(work, d), ignore_errors=True)
        cfg = os.path.join(work, "banyue.toml")
        write_config(cfg, work, man, a.port)
        env = banyue_env()
        if a.store:
            env["BANYUE_STORE"] = a.store
        chk = subprocess.run([banyue, "--config", cfg, "check"], capture_output=True, text=True, env=env)
        if chk.returncode != 0:
            log("`banyue check` failed (exit %d):" % chk.returncode)
            sys.stderr.write(chk.stdout + chk.stderr)
            return 2
        log("config ok: %s" % (chk.stdout.strip().splitlines() or [""])[-1])

        out_p, err_p = os.path.join(work, "run.stdout"), os.path.join(work, "run.stderr")
        log("running banyue run --force on %d feeds ..." % len(man["feeds"]))
        t0 = time.monotonic()
        with open(out_p, "w") as fo, open(err_p, "w") as fe:
            try:
                rc = subprocess.run([banyue, "--config", cfg, "run", "--force"], stdout=fo, stderr=fe, env=env,
                                    timeout=a.run_timeout).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        secs = time.monotonic() - t0
        log("banyue run: exit %s after %.1f s" % (rc, secs))
        try:
            stats = http_json(base + "/_stats")
        except (OSError, ValueError):
            stats = None
        with open(err_p, errors="replace") as fh:
            warn = [l.rstrip() for l in fh if re.search(r"\b(WARN|ERROR)\b", l)]
        distinct_warn = list(collections.OrderedDict.fromkeys(
            re.sub(r"^\S+\s+", "", re.sub(r"\d+", "#", w))[:200] for w in warn))[:5]

        db = os.path.join(work, "data", "banyue.db")
        copy_secs = None
        if a.store:
            t1 = time.monotonic()
            env.pop("BANYUE_STORE", None)
            subprocess.run([banyue, "--config", cfg, "store", "copy", "--from", a.store, "--to", "sqlite:" + db],
                           check=True, env=env, stdout=subprocess.DEVNULL)
            copy_secs = time.monotonic() - t1
            log("copied the store into %s in %.1f s" % (db, copy_secs))
        if not os.path.exists(db):
            log("no database at %s; tail of %s:" % (db, err_p))
            with open(err_p, errors="replace") as fh:
                sys.stderr.write("".join(fh.readlines()[-20:]))
            return 2
        s = score(db, farm_ids, man, a.examples)
        s["run"] = {"exit": rc, "seconds": round(secs, 2), "store": "postgres" if a.store else "sqlite",
                    "copy_seconds": copy_secs and round(copy_secs, 1), "stderr_warn_lines": len(warn),
                    "stderr_warnings": distinct_warn, "stdout": out_p, "stderr": err_p}
        if isinstance(stats, dict):
            s["run"]["server_stats"] = stats
            s["run"]["server_requests"] = sum(v for v in stats.values() if isinstance(v, int))
        s["n"], s["seed"], s["work"] = a.n, a.seed, work
        s["max_wrong"] = a.max_wrong
        s["pass"] = s["wrong_merge_share"] <= a.max_wrong
        with open(os.path.join(work, "farm-dedup.json"), "w", encoding="utf-8") as fh:
            json.dump(s, fh, ensure_ascii=False, indent=1)
        print_summary(s)
        if temp and not a.keep:
            print("json:      (in a temporary work dir, removed on exit; pass --work DIR or --keep to keep it)")
        else:
            print("json:      %s" % os.path.join(work, "farm-dedup.json"))
        if rc != 0:
            log("banyue run exited %s; see %s" % (rc, err_p))
            return 2
        return 0 if s["pass"] else 1
    except (subprocess.CalledProcessError, RuntimeError, OSError, sqlite3.Error) as e:
        log("error: %s" % e)
        return 2
    finally:
        stop_server(server)
        if temp and not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif temp:
            log("kept %s" % work)


if __name__ == "__main__":
    sys.exit(main())
