#!/usr/bin/env python3
"""Differential test: does banyue ingest what Python's feedparser ingests?

Usage:
  python3 scripts/feedparser_diff.py --banyue target/release/banyue
      [--corpus tests/fixtures/feedparser] [--work DIR]
      [--folders wellformed,encoding,illformed] [--limit N]
      [--exceptions scripts/feedparser_diff_exceptions.txt] [--report FILE] [--verbose]

feedparser's own test corpus (vendored in tests/fixtures/feedparser, see its README) is
served on 127.0.0.1 with the headers feedparser's test runner gives each file: a file
whose path contains "http" gets its `Header: Name: value` comment lines as response
headers and `Content-type` (default text/xml) as its content type, exactly as
tests/helpers.py:get_http_test_data does; every other file is served as application/xml.

One banyue config with one `[[source]]` per file is run once (`banyue run`), and what
banyue stored (SQLite `items`, per source) is compared with what feedparser extracts
from the same bytes and headers (`feedparser.parse(bytes, response_headers=...)`, with
the file's URL as Content-Location so relative links resolve the same way): entries with
a title or a link, their titles (tags stripped, entities unescaped, whitespace ignored),
links (http(s) only, canonicalized like banyue does) and dates (published, else updated,
to the minute).

banyue treats an item's link as its identity across sources, so an entry whose link
another corpus file also uses is "seen", not stored, in the shared run. Every source
that ends with fewer stored items than feedparser's entries and some "seen" is run
again alone, in a database of its own, and that run is the one compared.

Exit status: 1 when a file of `wellformed` or `encoding` that is not in the exceptions
file loses an entry with a title or a link (including a source that fails or ends ok
with 0 new while feedparser found such entries); 2 when the harness itself could not
run; 0 otherwise.
"""
from __future__ import annotations

import argparse
import calendar
import collections
import concurrent.futures
import dataclasses
import html
import http.server
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import feedparser

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "feedparser"
DEFAULT_EXCEPTIONS = pathlib.Path(__file__).resolve().parent / "feedparser_diff_exceptions.txt"
FOLDERS = ("wellformed", "encoding", "illformed")
GATED = ("wellformed", "encoding")

# feedparser tests/helpers.py
HEADER_RE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
DESC_RE = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")


# --------------------------------------------------------------------------- corpus


def runner_text(data: bytes) -> str:
    """The text feedparser's runner reads comments from (tests/helpers.py:get_file_contents)."""
    boms = (
        (b"\x00\x00\xfe\xff", "utf-32be", 0),
        (b"\xff\xfe\x00\x00", "utf-32le", 0),
        (b"\x00\x00\x00\x3c", "utf-32be", 0),
        (b"\x3c\x00\x00\x00", "utf-32le", 0),
        (b"\x00\x3c\x00\x3f", "utf-16be", 0),
        (b"\x3c\x00\x3f\x00", "utf-16le", 0),
    )
    for prefix, enc, skip in boms:
        if data[:4] == prefix:
            return data[skip:].decode(enc, errors="ignore")
    if data[:2] == b"\xfe\xff" and data[2:4] != b"\x00\x00":
        return data[2:].decode("utf-16be", errors="ignore")
    if data[:2] == b"\xff\xfe" and data[2:4] != b"\x00\x00":
        return data[2:].decode("utf-16le", errors="ignore")
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", errors="ignore")
    return data.decode("utf-8", errors="ignore")


@dataclasses.dataclass
class Case:
    rel: str  # path relative to the corpus, with /
    folder: str
    data: bytes
    text: str
    headers: list  # (name, value) served, Content-Type included
    slug: str
    url: str = ""
    description: str = ""


def served_headers(rel: str, data: bytes, text: str) -> list:
    """Headers as feedparser's runner serves the file (tests/helpers.py:get_http_test_data)."""
    if "http" not in rel:
        return [("Content-Type", "application/xml"), ("Content-Length", str(len(data)))]
    headers = {"Content-Length": str(len(data))}
    headers.update({k: v.strip() for k, v in HEADER_RE.findall(text)})
    content_type = headers.pop("Content-type", "text/xml")
    return [("Content-Type", content_type)] + list(headers.items())


def slug_of(rel: str, taken: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", rel[: -len(".xml")] if rel.endswith(".xml") else rel).strip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def load_corpus(corpus: pathlib.Path, folders, limit) -> list:
    cases, taken = [], set()
    for folder in folders:
        root = corpus / folder
        if not root.is_dir():
            raise SystemExit(f"no folder {root}")
        files = sorted(p for p in root.rglob("*.xml") if p.is_file())
        if limit:
            files = files[:limit]
        for p in files:
            rel = p.relative_to(corpus).as_posix()
            data = p.read_bytes()
            text = runner_text(data)
            m = DESC_RE.search(text)
            cases.append(
                Case(
                    rel=rel,
                    folder=folder,
                    data=data,
                    text=text,
                    headers=served_headers(rel, data, text),
                    slug=slug_of(rel, taken),
                    description=m.group(1).strip() if m else "",
                )
            )
    return cases


# --------------------------------------------------------------------------- server


def start_server(cases):
    by_path = {}
    for c in cases:
        path = "/" + urllib.parse.quote(c.rel)
        by_path[path] = c

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            c = by_path.get(self.path.split("?", 1)[0])
            if c is None:
                self.send_error(404)
                return
            self.send_response(200)
            for k, v in c.headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(c.data)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # banyue opens 64 connections at once; the default 5 drops SYNs

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    for path, c in by_path.items():
        c.url = f"http://127.0.0.1:{port}{path}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --------------------------------------------------------------------------- banyue


def toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def write_config(work: pathlib.Path, cases) -> pathlib.Path:
    lines = [
        "# written by scripts/feedparser_diff.py: one source per corpus file",
        "[settings]",
        'data_dir = "data"',
        'feeds_dir = "feeds"',
        'drafts_dir = "drafts"',
        # feedparser reads a date without an offset as UTC; so must banyue, to compare.
        'timezone = "UTC"',
        "concurrency = 64",
        "per_host_concurrency = 64",
        "per_host_delay_ms = 0",
        "timeout_secs = 10",
        "",
    ]
    for c in cases:
        lines += [
            "[[source]]",
            f"id = {toml_str(c.slug)}",
            f"name = {toml_str(c.rel)}",
            f"url = {toml_str(c.url)}",
            'kind = "feed"',
            "allow_private = true",
            "",
        ]
    work.mkdir(parents=True, exist_ok=True)
    for sub in ("data", "feeds", "drafts"):
        shutil.rmtree(work / sub, ignore_errors=True)
    cfg = work / "banyue.toml"
    cfg.write_text("\n".join(lines), encoding="utf-8")
    return cfg


def banyue_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANYUE_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


RUN_LINE = re.compile(r"^(ok|FAIL|skip|304)\s+(\S+)\s*(.*)$")
OK_COUNTS = re.compile(r"new\s+(\d+)\s+seen\s+(\d+)")


def parse_run_output(stdout: str) -> dict:
    """Per source id: status, detail (error or counts), warnings, new, seen."""
    out, last = {}, None
    for line in stdout.splitlines():
        m = RUN_LINE.match(line)
        if m:
            status, sid, rest = m.groups()
            rec = {"status": status, "detail": rest.strip(), "warnings": [], "new": None, "seen": None}
            if status == "ok":
                cm = OK_COUNTS.search(rest)
                if cm:
                    rec["new"], rec["seen"] = int(cm.group(1)), int(cm.group(2))
            elif status == "FAIL":
                # "FAIL  id  reason  (name)"
                rec["detail"] = re.sub(r"\s+\(\S+\)$", "", rec["detail"]).strip()
            out[sid] = rec
            last = sid
        elif line.startswith("      ") and "warning:" in line and last:
            out[last]["warnings"].append(line.split("warning:", 1)[1].strip())
    return out


def run_banyue(banyue: str, cfg: pathlib.Path, timeout: int):
    p = subprocess.run(
        [banyue, "run", "--force", "--config", str(cfg)],
        cwd=cfg.parent,
        env=banyue_env(),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    return p


def read_db(work: pathlib.Path):
    db = work / "data" / "banyue.db"
    items = collections.defaultdict(list)
    sources = {}
    if not db.exists():
        return items, sources
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for row in con.execute(
            "SELECT id, source_id, guid, url, title, published, fetched_at, duplicate_of, rejected "
            "FROM items ORDER BY id"
        ):
            items[row[1]].append(
                dict(zip(("id", "source_id", "guid", "url", "title", "published", "fetched_at", "duplicate_of", "rejected"), row))
            )
        cols = [r[1] for r in con.execute("PRAGMA table_info(sources)")]
        for row in con.execute("SELECT * FROM sources"):
            rec = dict(zip(cols, row))
            sources[rec["id"]] = rec
    finally:
        con.close()
    return items, sources


# --------------------------------------------------------------------------- feedparser


TRACKING = {
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "spm", "from",
    "fbclid", "gclid", "share_token", "share_from", "sharer", "scene", "srcid", "tt_from", "wfr",
    "isappinstalled", "timestamp", "_t", "ref", "refer",
}


def canon_url(u):
    """A link as banyue keys it (src/normalize.rs canonical_url), loosely: None unless http(s)."""
    if not u:
        return None
    try:
        p = urllib.parse.urlsplit(u.strip())
        if p.scheme.lower() not in ("http", "https"):
            return None
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return None
    netloc = host
    if port and not ((p.scheme.lower() == "http" and port == 80) or (p.scheme.lower() == "https" and port == 443)):
        netloc += f":{port}"
    if p.username:
        netloc = p.username + (":" + p.password if p.password else "") + "@" + netloc
    path = urllib.parse.unquote(p.path) or "/"
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(p.query, keep_blank_values=True)
        if not (k.lower() in TRACKING or k.lower().startswith("utm_"))
    ]
    q = "&".join(f"{k}={v}" for k, v in query)
    return f"{p.scheme.lower()}://{netloc}{path}" + (f"?{q}" if q else "")


TAG = re.compile(r"<[^>]*>")


def norm_text(s) -> str:
    if not s:
        return ""
    s = TAG.sub(" ", s)
    s = html.unescape(s)
    return " ".join(s.split())


def text_key(s) -> str:
    return re.sub(r"\s+", "", norm_text(s))


def fp_parse(c: Case):
    headers = {k.lower(): v for k, v in c.headers if k.lower() != "content-length"}
    loc = headers.get("content-location")
    headers["content-location"] = urllib.parse.urljoin(c.url, loc) if loc else c.url
    return feedparser.parse(c.data, response_headers=headers)


def fp_date(e):
    t = e.get("published_parsed") or e.get("updated_parsed")
    return calendar.timegm(t) if t else None


def db_date(s):
    if not s:
        return None
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


# --------------------------------------------------------------------------- compare


@dataclasses.dataclass
class Result:
    case: Case
    fp_version: str = ""
    fp_bozo: str = ""
    fp_entries: int = 0  # all entries
    fp_counted: list = dataclasses.field(default_factory=list)  # entries with a title or a link
    status: str = "missing"  # ok / FAIL / skip / 304 / missing (no run line)
    error: str = ""
    warnings: list = dataclasses.field(default_factory=list)
    new: int | None = None
    seen: int | None = None
    stored: list = dataclasses.field(default_factory=list)
    isolated: bool = False
    missing: list = dataclasses.field(default_factory=list)  # fp entries banyue lacks
    title_mm: list = dataclasses.field(default_factory=list)
    link_mm: list = dataclasses.field(default_factory=list)
    date_mm: list = dataclasses.field(default_factory=list)
    clamped: int = 0
    nonhttp_links: int = 0
    exception: str = ""
    cause: str = ""

    @property
    def lost(self) -> int:
        return len(self.missing)

    @property
    def failing(self) -> bool:
        return self.case.folder in GATED and self.lost > 0 and not self.exception


def pair_entries(fp_entries, items):
    """Pairs (fp entry, banyue item or None): same title and link, same title, same link,
    then what is left in document order."""
    left = list(range(len(items)))
    pairs = [None] * len(fp_entries)

    def take(pred):
        for i, e in enumerate(fp_entries):
            if pairs[i] is not None:
                continue
            for j in left:
                if pred(e, items[j]):
                    pairs[i] = j
                    left.remove(j)
                    break

    def tkey(e):
        return text_key(e.get("title"))

    def lkey(e):
        return canon_url(e.get("link"))

    take(lambda e, it: tkey(e) and tkey(e) == text_key(it["title"]) and lkey(e) == canon_url(it["url"]))
    take(lambda e, it: tkey(e) and tkey(e) == text_key(it["title"]))
    take(lambda e, it: lkey(e) and lkey(e) == canon_url(it["url"]))
    take(lambda e, it: True)
    return [(e, items[j] if j is not None else None) for e, j in zip(fp_entries, pairs)]


def compare(r: Result, now: float):
    r.missing, r.title_mm, r.link_mm, r.date_mm, r.clamped, r.nonhttp_links = [], [], [], [], 0, 0
    for e, it in pair_entries(r.fp_counted, r.stored):
        if it is None:
            r.missing.append(e)
            continue
        ft, bt = norm_text(e.get("title")), norm_text(it["title"])
        if text_key(ft) != text_key(bt):
            r.title_mm.append((ft, bt))
        fl = e.get("link") or ""
        if fl and canon_url(fl) is None:
            r.nonhttp_links += 1
        elif canon_url(fl) != canon_url(it["url"]):
            r.link_mm.append((fl, it["url"] or ""))
        fd, bd = fp_date(e), db_date(it["published"])
        if fd is not None and bd is not None and fd // 60 == bd // 60:
            continue
        if fd is None and bd is None:
            continue
        fetched = db_date(it["fetched_at"])
        if fd is not None and bd is not None and fd > now + 86400 and fetched and abs(bd - fetched) < 120:
            r.clamped += 1  # banyue's rule: a future date is replaced by the fetch time
            continue
        r.date_mm.append((fmt_ts(fd), fmt_ts(bd)))


def fmt_ts(t):
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(t)) if t is not None else "none"


# --------------------------------------------------------------------------- causes


ENTRY_BLOCK = re.compile(r"<((?:\w+:)?(?:item|entry|ITEM))\b.*?(?:</\1\s*>|/>)", re.S | re.I)


def entry_blocks(text: str):
    return [m.group(0) for m in ENTRY_BLOCK.finditer(text)]


def guess_cause(r: Result) -> str:
    """A short account of what construct banyue lost, for the failure list."""
    c, t = r.case, r.case.text
    if r.status == "FAIL":
        return f"source failed: {simplify_error(r.error)}"
    if r.status != "ok":
        return f"source {r.status}: {r.error}"
    # what the missing entries have in common
    tags = []
    v = r.fp_version
    low = t.lower()
    if v == "atom03":
        tags.append("Atom 0.3")
    elif v == "cdf":
        tags.append("CDF")
    elif v in ("rss090", "rss10"):
        tags.append("RSS 0.90/1.0 (RDF)")
    elif v == "":
        tags.append("feedparser: unknown version")
    untitled = [e for e in r.missing if not (e.get("title") or "").strip()]
    if untitled and len(untitled) == len(r.missing):
        tags.append("no title (link only)")
    else:
        blocks = " ".join(entry_blocks(t)).lower()
        if re.search(r"<title\b[^>]*type=[\"']xhtml", blocks):
            tags.append("xhtml title")
        if re.search(r"<title\b[^>]*mode=[\"']base64", blocks):
            tags.append("base64 title")
        if "<dc:title" in blocks and not re.search(r"<title\b", blocks):
            tags.append("dc:title")
        if "<media:title" in blocks and not re.search(r"<title\b", blocks):
            tags.append("media:title")
        if "<itunes:title" in blocks and not re.search(r"<title\b", blocks):
            tags.append("itunes:title")
    if c.folder == "encoding" or "encoding" in low[:200]:
        tags.append("encoding")
    return ", ".join(tags) or "other"


def simplify_error(e: str) -> str:
    e = re.sub(r"\d+", "N", e)
    return e[:120]


# --------------------------------------------------------------------------- report


def load_exceptions(path: pathlib.Path) -> dict:
    out = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rel, _, reason = line.partition(" ")
        out[rel] = reason.strip() or "(no reason given)"
    return out


COLUMNS = [
    ("files", "files"),
    ("fp entries", "files where feedparser finds an entry with a title or a link"),
    ("all", "banyue stored all of them"),
    ("lost some", "banyue stored some, not all"),
    ("FAIL", "the source failed (with entries)"),
    ("ok, 0 new", "the source ended ok with nothing stored"),
    ("FAIL, no entries", "the source failed on a file without counted entries"),
    ("title ≠", "entries whose titles differ"),
    ("link ≠", "entries whose links differ"),
    ("date ≠", "entries whose dates differ (at the minute)"),
]


def folder_row(results):
    with_e = [r for r in results if r.fp_counted]
    return [
        len(results),
        len(with_e),
        sum(1 for r in with_e if r.lost == 0),
        sum(1 for r in with_e if r.status == "ok" and 0 < r.lost < len(r.fp_counted)),
        sum(1 for r in with_e if r.status != "ok"),
        sum(1 for r in with_e if r.status == "ok" and r.lost == len(r.fp_counted)),
        sum(1 for r in results if not r.fp_counted and r.status != "ok"),
        sum(len(r.title_mm) for r in results),
        sum(len(r.link_mm) for r in results),
        sum(len(r.date_mm) for r in results),
    ]


def render(results, folders, md: bool, verbose: bool) -> str:
    out = []
    by_folder = collections.defaultdict(list)
    for r in results:
        by_folder[r.case.folder].append(r)

    def table(header, rows):
        if md:
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "---|" * len(header))
            for row in rows:
                out.append("| " + " | ".join(str(x) for x in row) + " |")
        else:
            widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
            for row in [header] + rows:
                out.append("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))
        out.append("")

    rows = [[f] + folder_row(by_folder[f]) for f in folders if by_folder[f]]
    rows.append(["total"] + [sum(col) for col in zip(*[row[1:] for row in rows])])
    table(["folder"] + [c[0] for c in COLUMNS], rows)
    if md:
        out.append("Columns: " + "; ".join(f"**{a}**: {b}" for a, b in COLUMNS) + ".")
        out.append("")
    entries = sum(len(r.fp_counted) for r in results)
    stored = sum(min(len(r.stored), len(r.fp_counted)) for r in results)
    out.append(
        f"feedparser entries with a title or a link: {entries}; stored by banyue: {stored}; "
        f"lost: {sum(r.lost for r in results)}"
    )
    clamped = sum(r.clamped for r in results)
    nonhttp = sum(r.nonhttp_links for r in results)
    extra = [r for r in results if len(r.stored) > len(r.fp_counted)]
    isolated = sum(1 for r in results if r.isolated)
    out.append(
        f"future dates banyue replaced by the fetch time (not counted as date ≠): {clamped}; "
        f"non-http(s) links feedparser gives and banyue drops (not counted as link ≠): {nonhttp}; "
        f"files where banyue stored more items than feedparser counts: {len(extra)}; "
        f"sources re-run alone (their links are other files' too): {isolated}"
    )
    out.append("")

    failing = [r for r in results if r.lost and r.case.folder in GATED]
    h = "## " if md else "== "
    out.append(f"{h}Files that lose entries (wellformed, encoding): {len(failing)}")
    out.append("")
    groups = collections.defaultdict(list)
    for r in failing:
        groups[("excepted: " if r.exception else "") + r.cause].append(r)
    for cause, rs in sorted(groups.items(), key=lambda kv: (kv[0].startswith("excepted"), -len(kv[1]), kv[0])):
        out.append(f"{'### ' if md else '-- '}{cause} ({len(rs)} files, {sum(r.lost for r in rs)} entries)")
        out.append("")
        for r in sorted(rs, key=lambda r: r.case.rel):
            out.append(("- " if md else "   ") + line_of(r, md))
        out.append("")

    other = [r for r in results if r.lost and r.case.folder not in GATED]
    if other:
        out.append(f"{h}Not gated (illformed): {len(other)} files lose entries")
        out.append("")
        for r in sorted(other, key=lambda r: r.case.rel):
            out.append(("- " if md else "   ") + line_of(r, md))
        out.append("")

    noent_fail = [r for r in results if not r.fp_counted and r.status != "ok"]
    if noent_fail:
        out.append(f"{h}Sources that failed on files without counted entries: {len(noent_fail)}")
        out.append("")
        errs = collections.Counter(simplify_error(r.error) for r in noent_fail)
        for e, n in errs.most_common():
            ex = [r.case.rel for r in noent_fail if simplify_error(r.error) == e][:3]
            out.append(("- " if md else "   ") + f"{n} × {code(e, md)} (e.g. {', '.join(code(x, md) for x in ex)})")
        out.append("")

    for title, attr in (("Title mismatches", "title_mm"), ("Link mismatches", "link_mm"), ("Date mismatches", "date_mm")):
        rs = [r for r in results if getattr(r, attr)]
        if not rs:
            continue
        out.append(f"{h}{title}: {sum(len(getattr(r, attr)) for r in rs)} entries in {len(rs)} files (feedparser → banyue)")
        out.append("")
        for r in sorted(rs, key=lambda r: r.case.rel):
            for a, b in getattr(r, attr)[: (None if verbose else 3)]:
                out.append(("- " if md else "   ") + f"{code(r.case.rel, md)}: {code(short(a), md)} → {code(short(b), md)}")
        out.append("")
    return "\n".join(out)


def short(s, n=90):
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def code(s, md):
    if not md:
        return s
    s = str(s).replace("`", "'").replace("|", "\\|")
    return f"`{s}`" if s else "``"


def line_of(r: Result, md: bool) -> str:
    bits = [f"{code(r.case.rel, md)}: feedparser {len(r.fp_counted)}, banyue {len(r.stored)}"]
    if r.status != "ok":
        bits.append(f"{r.status} {code(short(r.error, 140), md)}")
    if r.exception:
        bits.append(f"excepted: {r.exception}")
    if r.warnings:
        bits.append("warning: " + code(short(r.warnings[0], 100), md))
    if r.isolated:
        bits.append("(run alone)")
    ex = r.missing[0] if r.missing else None
    if ex is not None:
        bits.append(f"lost e.g. title {code(short(norm_text(ex.get('title')), 50), md)} link {code(short(ex.get('link') or '', 50), md)}")
    return "; ".join(bits)


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--banyue", required=True, help="path to the banyue binary")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--work", help="work directory (default: a temporary one, removed afterwards)")
    ap.add_argument("--folders", default=",".join(FOLDERS))
    ap.add_argument("--limit", type=int, default=0, help="at most N files per folder")
    ap.add_argument("--exceptions", default=str(DEFAULT_EXCEPTIONS))
    ap.add_argument("--report", help="also write the tables and lists as Markdown to this file")
    ap.add_argument("--verbose", action="store_true", help="list every mismatch, not three per file")
    args = ap.parse_args(argv)

    started = time.time()
    banyue = os.path.abspath(args.banyue)
    if not os.access(banyue, os.X_OK):
        print(f"not an executable: {args.banyue}", file=sys.stderr)
        return 2
    folders = [f for f in args.folders.split(",") if f]
    cases = load_corpus(pathlib.Path(args.corpus), folders, args.limit)
    exceptions = load_exceptions(pathlib.Path(args.exceptions))
    unknown = sorted(set(exceptions) - {c.rel for c in cases})
    if unknown and not args.limit and set(folders) >= set(GATED):
        print(f"exceptions for files not in the corpus: {', '.join(unknown)}", file=sys.stderr)

    tmp = None
    if args.work:
        work = pathlib.Path(args.work).resolve()
    else:
        tmp = tempfile.mkdtemp(prefix="feedparser-diff-")
        work = pathlib.Path(tmp)
    server = start_server(cases)
    try:
        return run(args, banyue, cases, exceptions, work, folders, started)
    finally:
        server.shutdown()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, banyue, cases, exceptions, work, folders, started) -> int:
    results = {c.slug: Result(case=c) for c in cases}
    for r in results.values():
        d = fp_parse(r.case)
        r.fp_version = d.get("version", "")
        r.fp_bozo = str(d.get("bozo_exception", "")) if d.get("bozo") else ""
        r.fp_entries = len(d.entries)
        r.fp_counted = [e for e in d.entries if (e.get("title") or "").strip() or e.get("link")]
        r.exception = exceptions.get(r.case.rel, "")

    cfg = write_config(work, cases)
    check = subprocess.run([banyue, "check", "--config", str(cfg)], cwd=work, env=banyue_env(), capture_output=True, text=True)
    if check.returncode != 0:
        print(f"banyue check refused the generated config:\n{check.stdout}{check.stderr}", file=sys.stderr)
        return 2
    p = run_banyue(banyue, cfg, timeout=600)
    (work / "run.stdout").write_text(p.stdout, encoding="utf-8")
    (work / "run.stderr").write_text(p.stderr, encoding="utf-8")
    lines = parse_run_output(p.stdout)
    items, sources = read_db(work)
    if not sources:
        print(f"banyue run stored nothing (exit {p.returncode}):\n{p.stderr[-2000:]}", file=sys.stderr)
        return 2
    now = time.time()
    for slug, r in results.items():
        absorb(r, lines.get(slug), sources.get(slug), items.get(slug, []))
        compare(r, now)

    # Items known by a link another source stored first: run those sources alone.
    again = [r for r in results.values() if r.status == "ok" and r.lost and (r.seen or 0) > 0]
    if again:
        def alone(r):
            sub = work / "alone" / r.case.slug
            c = write_config(sub, [r.case])
            p = run_banyue(banyue, c, timeout=120)
            it, src = read_db(sub)
            return r, parse_run_output(p.stdout).get(r.case.slug), src.get(r.case.slug), it.get(r.case.slug, [])

        with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
            for r, line, src, its in pool.map(alone, again):
                absorb(r, line, src, its)
                r.isolated = True
                compare(r, now)

    for r in results.values():
        if r.lost:
            r.cause = guess_cause(r)

    ordered = [results[c.slug] for c in cases]
    print(render(ordered, folders, md=False, verbose=args.verbose))
    if args.report:
        md = render(ordered, folders, md=True, verbose=args.verbose)
        pathlib.Path(args.report).write_text(md + "\n", encoding="utf-8")
    failing = [r for r in ordered if r.failing]
    print(
        f"{len(failing)} failing file(s) in {', '.join(GATED)} "
        f"({sum(1 for r in ordered if r.exception)} excepted); {time.time() - started:.0f} s"
    )
    return 1 if failing else 0


def absorb(r: Result, line, src, items):
    if line:
        r.status = line["status"]
        r.warnings = line["warnings"]
        r.new, r.seen = line["new"], line["seen"]
        if r.status == "FAIL":
            r.error = line["detail"]
        elif r.status != "ok":
            r.error = line["detail"]
    elif src:
        r.status = "FAIL" if src.get("last_error") else "ok"
        r.error = src.get("last_error") or ""
        r.new, r.seen = src.get("items_new"), src.get("items_seen")
        if src.get("last_warning"):
            r.warnings = [src["last_warning"]]
    else:
        r.status, r.error = "missing", "no run line and no sources row"
    r.stored = items


if __name__ == "__main__":
    sys.exit(main())
