#!/usr/bin/env python3
"""Race banyue against two peers (newsboat, a feedparser thread pool) on the shared feed farm.

Usage:
  farm_bench.py --banyue PATH --work DIR [--n 2000] [--seed 1] [--latency 100] [--threads 64]
                [--port 8800] [--skip-newsboat] [--skip-feedparser] [--banyue-concurrency N]
                [--run-timeout SECS] [--wait-binary SECS] [--farm-tools DIR]

What it does, in one session on one machine, one tool after the other (never two at once):

1. generates the farm (../shared/feedfarm/genfarm.py) into WORK/farm, or reuses the one there
   if it has the same n, seed and base URL (the same code as scripts/farm_dedup.py);
2. serves it with feedserver.py on 127.0.0.1:PORT with --latency MS and --faults 0, and stops
   it at the end (also on an error, Ctrl-C or SIGTERM);
3. runs each tool in a state directory of its own, wiped first:
   - banyue:     WORK/banyue/banyue.toml (farm_dedup's config, `concurrency` set to
                 --banyue-concurrency, default --threads); `banyue run` on a fresh
                 database (cold), then again (warm: every feed answers 304, and the outputs,
                 current, are not built again — as a cron job's next run finds them);
   - newsboat:   `newsboat -u urls.txt -c cache.db -C config -x reload` with
                 `reload-threads THREADS`, three times: the first reload is cold, the second is
                 still a full one (newsboat's quirk, printed as "2nd"), the third is warm;
   - feedparser: peers/fp_fetch.py --threads THREADS --state STATE.json, cold then warm;
4. measures every run as its own child process with os.wait4: wall time (monotonic clock,
   spawn to reap), user+sys CPU and peak RSS (ru_maxrss) of that child alone (the RSS through
   GNU time /usr/bin/time when it is installed: a child forked from this script inherits its
   RSS high-water mark, see gnu_time(); without it the figures are floored); plus what the
   server answered during the run (deltas of /_stats: 200, 200_gzip, 304, ...), and what the
   tool stored: banyue's `items` rows (and those that are no one's duplicate), newsboat's
   `rss_item` rows, feedparser's parsed entries and distinct links; against the manifest's
   `items` and `unique_stories` totals;
5. prints a table of every run, the summary table (tool | cold wall | cold CPU | cold peak RSS |
   warm wall | warm peak RSS), and banyue's cold and warm wall-time ratios against the fastest
   peer; writes the same as JSON to WORK/farm_bench.json.

A peer that is asked for but not installed is reported with a loud "SKIPPED: ... not installed"
line (and in the table), never left out silently. Everything talks to 127.0.0.1 only: the farm's
links all point there, proxies are removed from the children's environment, and fp_fetch.py
refuses any other address.

Install the peers with `apt-get install -y newsboat` and `pip install feedparser` (into the
Python that runs this script: fp_fetch.py is run with the same interpreter).
Exit status: 0 when every run that was made exited 0, 1 when some run failed, 2 on a setup error.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import farm_dedup  # noqa: E402  (the farm, server and banyue config code is shared with it)

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "ALL_PROXY", "FTP_PROXY")


def log(msg):
    print("farm_bench: " + msg, file=sys.stderr, flush=True)


def loopback_env(extra=None, drop=()):
    """The environment for a child: no proxies (so nothing leaves 127.0.0.1), plus `extra`."""
    env = dict(os.environ)
    for k in PROXY_VARS + tuple(drop):
        env.pop(k, None)
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


# ------------------------------------------------------------------ measuring one child

def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def gnu_time():
    """GNU time's path, or None.

    Why not os.wait4 alone: Linux starts a child's ru_maxrss at the RSS high-water mark of the
    process it was forked from (kept across exec), so a tool spawned from this script could never
    report less than this script's own peak (tens of MB). GNU time forks the tool from a ~1 MB
    process and reports the tool's ru_maxrss from its own wait4, which is the tool's real peak.
    """
    exe = shutil.which("time", path="/usr/bin:/bin:/usr/local/bin")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return exe if "GNU" in out.stdout + out.stderr else None


GNU_TIME = gnu_time()


def measure(cmd, cwd, env, label, timeout):
    """Run `cmd` as a child in its own session and reap it with os.wait4.

    Returns wall seconds (spawn to reap), the child's own user/sys CPU seconds (wait4), its peak
    RSS in MB (GNU time's ru_maxrss of the tool when GNU time is installed, else wait4's, which
    is floored at this script's own peak), its exit status and where its stdout/stderr went
    (cwd/LABEL.stdout, cwd/LABEL.stderr).
    """
    out_p, err_p = os.path.join(cwd, label + ".stdout"), os.path.join(cwd, label + ".stderr")
    ru_p = os.path.join(cwd, label + ".rusage")
    argv = ([GNU_TIME, "-f", "rusage %e %U %S %M", "-o", ru_p] if GNU_TIME else []) + list(cmd)
    with open(out_p, "wb") as fo, open(err_p, "wb") as fe:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                start_new_session=True)
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        _kill_group(proc.pid)

    timer = threading.Timer(timeout, on_timeout)
    timer.daemon = True
    timer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    except BaseException:  # Ctrl-C, SIGTERM: take the child (and anything it started) down too
        _kill_group(proc.pid)
        try:
            os.waitpid(proc.pid, 0)
        except ChildProcessError:
            pass
        proc.returncode = -9
        raise
    finally:
        timer.cancel()
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    _kill_group(proc.pid)  # a grandchild left behind would skew the next run
    peak_kb, rss_from = ru.ru_maxrss, "wait4"  # Linux: ru_maxrss is in KiB
    if GNU_TIME:
        try:
            with open(ru_p) as fh:
                last = [l.split() for l in fh if l.startswith("rusage ")][-1]
            peak_kb, rss_from = int(last[4]), "GNU time"
        except (OSError, IndexError, ValueError):
            pass
    # wait4 on GNU time counts the tool too (a reaped descendant), and its own CPU is ~0.
    return {
        "exit": "timeout" if timed_out.is_set() else proc.returncode,
        "wall_s": round(wall, 3),
        "user_s": round(ru.ru_utime, 3),
        "sys_s": round(ru.ru_stime, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(peak_kb / 1024.0, 1),
        "peak_rss_from": rss_from,
        "wait4_maxrss_mb": round(ru.ru_maxrss / 1024.0, 1),
        "stdout": out_p,
        "stderr": err_p,
    }


def server_stats(base):
    try:
        s = farm_dedup.http_json(base + "/_stats")
        return s if isinstance(s, dict) else {}
    except (OSError, ValueError):
        return {}


def timed_run(cmd, cwd, env, label, timeout, base):
    """measure() plus what the farm server answered during the run."""
    before = server_stats(base)
    log("%s: %s" % (label, " ".join(cmd)))
    r = measure(cmd, cwd, env, label, timeout)
    after = server_stats(base)
    r["server"] = {k: after[k] - before.get(k, 0) for k in sorted(after)
                   if isinstance(after[k], int) and after[k] != before.get(k, 0)}
    log("%s: exit %s, %.2f s wall, %.2f s CPU, %.0f MB peak; server %s"
        % (label, r["exit"], r["wall_s"], r["cpu_s"], r["peak_rss_mb"], json.dumps(r["server"])))
    return r


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def sqlite_query(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


# ------------------------------------------------------------------ the tools

def run_banyue(a, man, work, base):
    state = fresh_dir(os.path.join(work, "banyue"))
    cfg = os.path.join(state, "banyue.toml")
    farm_dedup.write_config(cfg, state, man, a.port)
    conc = a.banyue_concurrency or a.threads
    with open(cfg, encoding="utf-8") as fh:
        text = fh.read()
    text = re.sub(r"(?m)^concurrency = \d+$", "concurrency = %d" % conc, text)
    text = re.sub(r"(?m)^per_host_concurrency = \d+$", "per_host_concurrency = %d" % max(conc, 64), text)
    with open(cfg, "w", encoding="utf-8") as fh:
        fh.write(text)
    # BANYUE_RUSAGE=1: banyue prints its own user/sys/peak RSS at exit (a cross-check of wait4's);
    # the BANYUE_* locations and store would override the generated config.
    env = loopback_env({"BANYUE_RUSAGE": "1"}, drop=("BANYUE_CONFIG", "BANYUE_DATA_DIR", "BANYUE_FEEDS_DIR",
                                                     "BANYUE_DRAFTS_DIR", "BANYUE_STORE"))
    chk = subprocess.run([a.banyue, "--config", cfg, "check"], capture_output=True, text=True, env=env)
    if chk.returncode != 0:
        raise RuntimeError("`banyue check` failed (exit %d): %s" % (chk.returncode, (chk.stdout + chk.stderr)[-2000:]))
    db = os.path.join(state, "data", "banyue.db")
    runs = {}
    for phase in ("cold", "warm"):
        r = timed_run([a.banyue, "--config", cfg, "run"], state, env, "banyue-" + phase,
                      a.run_timeout, base)
        with open(r["stderr"], errors="replace") as fh:
            err = fh.read()
        m = re.search(r"rusage: user_s=([\d.]+) sys_s=([\d.]+) peak_rss=(\d+) kB", err)
        if m:  # banyue's own account, a cross-check of wait4's
            r["self_reported"] = {"user_s": float(m.group(1)), "sys_s": float(m.group(2)),
                                  "peak_rss_mb": round(int(m.group(3)) / 1024.0, 1)}
        r["warn_lines"] = len(re.findall(r"\b(?:WARN|ERROR)\b", err))
        if os.path.exists(db):
            n, reps = sqlite_query(db, "SELECT count(*), count(*) - count(duplicate_of) FROM items")
            failed, = sqlite_query(db, "SELECT count(*) FROM sources WHERE last_error IS NOT NULL")
            r["items"] = {"stored": n, "not_a_duplicate": reps, "sources_failed": failed}
        runs[phase] = r
    return {"config": cfg, "concurrency": conc, "runs": runs}


def run_newsboat(a, farm, work, base, exe):
    state = fresh_dir(os.path.join(work, "newsboat"))
    with open(os.path.join(state, "config"), "w") as fh:
        fh.write("reload-threads %d\n" % a.threads)
    urls = os.path.join(farm, "urls.txt")
    cache = os.path.join(state, "cache.db")
    # HOME in the state dir: newsboat finds no ~/.newsboat of the user's and writes nothing outside.
    env = loopback_env({"HOME": state}, drop=("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"))
    cmd = [exe, "-u", urls, "-c", cache, "-C", os.path.join(state, "config"), "-x", "reload"]
    runs = {}
    for phase in ("cold", "2nd", "warm"):  # the second reload after a fresh cache is still a full one
        r = timed_run(cmd, state, env, "newsboat-" + phase, a.run_timeout, base)
        with open(r["stdout"], errors="replace") as fo, open(r["stderr"], errors="replace") as fe:
            msgs = [l.strip() for l in (fo.read() + fe.read()).splitlines() if "rror" in l]
        r["error_lines"], r["error_examples"] = len(msgs), msgs[:5]
        if os.path.exists(cache):
            n, feeds = sqlite_query(cache, "SELECT count(*), count(DISTINCT feedurl) FROM rss_item")
            r["items"] = {"stored": n, "feeds_with_items": feeds}
        runs[phase] = r
    return {"version": subprocess.run([exe, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
            "runs": runs}


def run_feedparser(a, farm, work, base, tools):
    state = fresh_dir(os.path.join(work, "feedparser"))
    cmd = [sys.executable, os.path.join(tools, "peers", "fp_fetch.py"), "--urls", os.path.join(farm, "urls.txt"),
           "--threads", str(a.threads), "--state", os.path.join(state, "state.json")]
    runs = {}
    for phase in ("cold", "warm"):  # the state file does not exist before the cold run
        r = timed_run(cmd, state, loopback_env(), "feedparser-" + phase, a.run_timeout, base)
        with open(r["stdout"], errors="replace") as fh:
            lines = [l for l in fh.read().splitlines() if l.startswith("{")]
        if lines:
            rep = json.loads(lines[-1])
            r["report"] = rep
            r["items"] = {"parsed": rep.get("items"), "distinct": rep.get("distinct_items"),
                          "errors": rep.get("errors"), "bozo": rep.get("bozo")}
        runs[phase] = r
    return {"runs": runs}


# ------------------------------------------------------------------ reporting

def fmt_s(r, key="wall_s"):
    if r is None:
        return "—"
    v = "%.2f s" % r[key]
    return v if r["exit"] == 0 else "%s (exit %s)" % (v, r["exit"])


def fmt_mb(r):
    return "—" if r is None else "%.0f MB" % r["peak_rss_mb"]


def items_text(tool, r):
    it = r.get("items")
    if not it:
        return "?"
    if tool == "banyue":
        return "%d stored (%d not a duplicate)" % (it["stored"], it["not_a_duplicate"])
    if tool == "newsboat":
        return "%d stored (%d feeds)" % (it["stored"], it["feeds_with_items"])
    return "%s parsed (%s distinct)" % (it["parsed"], it["distinct"])


def report(res):
    p = print
    t = res["farm"]
    p("")
    p("== banyue vs peers on the feed farm: %d feeds, %d items, %d unique stories; latency %s ms, %d threads =="
      % (t["feeds"], t["items"], t["unique_stories"], res["latency"], res["threads"]))
    b = res["banyue_binary"]
    p("banyue: %s (built %s, sha256 %s…), concurrency %d" % (b["path"], b["mtime"], b["sha256"][:12],
                                                           res["tools"]["banyue"]["concurrency"]))
    for tool, reason in res["skipped"].items():
        p("SKIPPED: %s %s" % (tool, reason))
    p("measured per run: wall spawn→reap; CPU = user+sys of the child (wait4); peak RSS = its ru_maxrss (%s)"
      % ("through GNU time" if res["gnu_time"] else "wait4"))
    if not res["gnu_time"]:
        p("WARNING: GNU time (/usr/bin/time) not installed: each peak RSS is at least this script's own "
          "(%.0f MB); apt-get install time" % res["rss_floor_mb"])
    p("")
    p("| tool | run | wall | user | sys | peak RSS | server answers | items |")
    p("|---|---|---:|---:|---:|---:|---|---|")
    for tool, tr in res["tools"].items():
        for phase, r in tr["runs"].items():
            p("| %s | %s | %s | %.2f s | %.2f s | %s | %s | %s |"
              % (tool, phase, fmt_s(r), r["user_s"], r["sys_s"], fmt_mb(r),
                 ", ".join("%s %d" % kv for kv in r["server"].items()) or "none", items_text(tool, r)))
    p("")
    p("| tool | cold wall | cold CPU | cold peak RSS | warm wall | warm peak RSS |")
    p("|---|---:|---:|---:|---:|---:|")
    for tool, tr in res["tools"].items():
        c, w = tr["runs"].get("cold"), tr["runs"].get("warm")
        p("| %s | %s | %s | %s | %s | %s |" % (tool, fmt_s(c), fmt_s(c, "cpu_s"), fmt_mb(c), fmt_s(w), fmt_mb(w)))
        if "2nd" in tr["runs"]:
            r = tr["runs"]["2nd"]
            p("| %s (2nd reload, still full) | %s | %s | %s | | |" % (tool, fmt_s(r), fmt_s(r, "cpu_s"), fmt_mb(r)))
    for tool, reason in res["skipped"].items():
        p("| %s | SKIPPED (%s) | | | | |" % (tool, reason))
    p("")
    for line in res["ratio_lines"]:
        p(line)
    b = res["tools"].get("banyue", {}).get("runs", {}).get("cold", {}).get("items")
    if b:
        p("banyue stored %d items (%d not a duplicate); the farm has %d items, %d unique stories"
          % (b["stored"], b["not_a_duplicate"], t["items"], t["unique_stories"]))
    p("json: %s" % res["json"])


def ratios(res):
    """banyue's cold and warm wall time against the fastest peer's (peer / banyue)."""
    out, lines = {}, []
    banyue = res["tools"].get("banyue", {}).get("runs", {})
    for phase in ("cold", "warm"):
        b = banyue.get(phase)
        peers = [(tr["runs"][phase]["wall_s"], tool) for tool, tr in res["tools"].items()
                 if tool != "banyue" and phase in tr["runs"] and tr["runs"][phase]["exit"] == 0]
        if not b or b["exit"] != 0 or not peers:
            lines.append("banyue %s: no ratio (%s)" % (phase, "banyue run failed" if not b or b["exit"] != 0
                                                       else "no peer ran successfully"))
            continue
        pw, peer = min(peers)
        x = pw / b["wall_s"] if b["wall_s"] else float("inf")
        out[phase] = {"peer": peer, "peer_wall_s": pw, "banyue_wall_s": b["wall_s"], "peer_over_banyue": round(x, 3)}
        if x >= 1:
            lines.append("banyue %s is %.2f× faster than the fastest peer (%s): %.2f s vs %.2f s"
                         % (phase, x, peer, b["wall_s"], pw))
        else:
            lines.append("banyue %s is %.2f× SLOWER than the fastest peer (%s): %.2f s vs %.2f s"
                         % (phase, 1 / x, peer, b["wall_s"], pw))
    return out, lines


# ------------------------------------------------------------------ main

def wait_for(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        log("waiting for %s ..." % path)
        time.sleep(30)
    return os.path.exists(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--banyue", required=True, help="the banyue binary (a release build)")
    ap.add_argument("--work", required=True, help="work directory; its farm/ is reused when it matches")
    ap.add_argument("--n", type=int, default=2000, help="farm feeds (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="farm seed (default 1)")
    ap.add_argument("--port", type=int, default=8800, help="feedserver port on 127.0.0.1 (default 8800)")
    ap.add_argument("--latency", default="100", help="feedserver --latency, ms or MIN-MAX (default 100)")
    ap.add_argument("--threads", type=int, default=64, help="peers' threads (newsboat reload-threads, fp_fetch "
                    "--threads; default 64)")
    ap.add_argument("--banyue-concurrency", type=int, default=0,
                    help="banyue's `concurrency` setting (default: the same as --threads)")
    ap.add_argument("--skip-newsboat", action="store_true")
    ap.add_argument("--skip-feedparser", action="store_true")
    ap.add_argument("--run-timeout", type=float, default=1800, help="kill a run after this many seconds")
    ap.add_argument("--wait-binary", type=float, default=0,
                    help="wait up to this many seconds for --banyue to appear (polled every 30 s)")
    ap.add_argument("--farm-tools", default=farm_dedup.DEFAULT_TOOLS,
                    help="where genfarm.py, feedserver.py and peers/ live (default ../shared/feedfarm "
                    "from the repository root)")
    a = ap.parse_args()

    a.banyue = os.path.abspath(a.banyue)
    if a.wait_binary and not wait_for(a.banyue, a.wait_binary):
        log("%s did not appear within %.0f s" % (a.banyue, a.wait_binary))
        return 2
    if not os.access(a.banyue, os.X_OK):
        log("not an executable: %s" % a.banyue)
        return 2
    tools = os.path.abspath(a.farm_tools)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    # Run a copy, so a rebuild of the binary during the session cannot mix two builds in one table.
    binary = {"path": a.banyue, "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(a.banyue).st_mtime))}
    with open(a.banyue, "rb") as fh:
        binary["sha256"] = hashlib.sha256(fh.read()).hexdigest()
    a.banyue = os.path.join(work, "banyue.bin")
    shutil.copy2(binary["path"], a.banyue)
    base = "http://127.0.0.1:%d" % a.port

    skipped = {}
    newsboat = shutil.which("newsboat")
    if a.skip_newsboat:
        skipped["newsboat"] = "(--skip-newsboat)"
    elif not newsboat:
        skipped["newsboat"] = "not installed"
    if a.skip_feedparser:
        skipped["feedparser"] = "(--skip-feedparser)"
    elif importlib.util.find_spec("feedparser") is None:
        skipped["feedparser"] = "not installed (pip install feedparser for %s)" % sys.executable
    for tool, reason in skipped.items():
        msg = "SKIPPED: %s %s" % (tool, reason)
        print("!" * len(msg) + "\n" + msg + "\n" + "!" * len(msg), flush=True)

    # SIGTERM unwinds like Ctrl-C, so the server and a running child are always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load = os.getloadavg()
    if load[0] > 0.5:
        log("warning: load average %.2f before the benchmark; figures may be skewed" % load[0])
    server = None
    failed = False
    try:
        farm = os.path.join(work, "farm")
        man = farm_dedup.ensure_farm(tools, farm, a.n, a.seed, base)
        if farm_dedup.port_in_use(a.port):
            log("127.0.0.1:%d is already in use; stop what listens there or pick another --port" % a.port)
            return 2
        runs = 2 + (0 if "newsboat" in skipped else 3) + (0 if "feedparser" in skipped else 2)
        server = farm_dedup.start_server(tools, farm, a.port, "" if a.latency in ("", "0") else a.latency,
                                         int(a.run_timeout * runs) + 600, os.path.join(work, "feedserver.log"))
        log("feedserver up on %s (pid %d), latency %s ms, no faults" % (base, server.pid, a.latency))

        res = {"n": a.n, "seed": a.seed, "latency": a.latency, "threads": a.threads, "work": work,
               "banyue_binary": binary, "python": sys.executable, "loadavg_before": [round(x, 2) for x in load],
               "farm": {k: man["totals"][k] for k in ("feeds", "items", "unique_stories", "bytes")},
               "gnu_time": GNU_TIME, "rss_floor_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               "skipped": skipped, "tools": {}, "json": os.path.join(work, "farm_bench.json")}
        res["tools"]["banyue"] = run_banyue(a, man, work, base)
        if "newsboat" not in skipped:
            res["tools"]["newsboat"] = run_newsboat(a, farm, work, base, newsboat)
        if "feedparser" not in skipped:
            res["tools"]["feedparser"] = run_feedparser(a, farm, work, base, tools)
        res["ratios"], res["ratio_lines"] = ratios(res)
        failed = any(r["exit"] != 0 for tr in res["tools"].values() for r in tr["runs"].values())
        with open(res["json"], "w", encoding="utf-8") as fh:
            json.dump(res, fh, ensure_ascii=False, indent=1)
        report(res)
    except (subprocess.CalledProcessError, RuntimeError, OSError, sqlite3.Error) as e:
        log("error: %s" % e)
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        farm_dedup.stop_server(server)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
