#!/usr/bin/env python3
"""Differential test: does banyue ingest what Python's feedparser ingests?

Usage:
  python3 scripts/feedparser_diff.py --banyue target/release/banyue
      [--corpus tests/fixtures/feedparser] [--work DIR]
      [--folders wellformed,encoding,illformed] [--limit N]
      [--exceptions scripts/feedparser_diff_exceptions.txt] [--report FILE]
      [--verbose] [--strict]

feedparser's own test corpus (vendored in tests/fixtures/feedparser, see its README) is
served on 127.0.0.1 with the headers feedparser's test runner gives each file: a file
whose path contains "http" gets its `Header: Name: value` comment lines as response
headers and `Content-type` (default text/xml) as its content type, exactly as
tests/helpers.py:get_http_test_data does; every other file is served as application/xml.

One banyue config with one `[[source]]` per file is run once (`banyue run`), and what
banyue stored (SQLite `items`, per source) is compared with what feedparser extracts
from the same bytes and headers (`feedparser.parse(bytes, response_headers=...)`, with
the file's URL as Content-Location so relative links resolve the same way): entries with
a title or a link, their titles (an HTML or XHTML title's text, a plain-text title as it
is; whitespace ignored), links (http(s) only, canonicalized like banyue does) and dates
(published, else updated, to the minute). banyue's `run` line for each source (ok, FAIL
and why, warnings) is kept to explain what it lost, and each loss is put down to the
construct of the document or entry that banyue did not read.

banyue treats an item's link as its identity across sources, so an entry whose link
another corpus file also uses is "seen", not stored, in the shared run. Every source
that ends with fewer stored items than feedparser's entries and some "seen" is run
again alone, in a database of its own, and that run is the one compared.

Exit status: 1 when a file of `wellformed` or `encoding` that is not in the exceptions
file (`relative/path.xml [max-lost=N] reason` per line) loses an entry with a title or a link (including a source that fails or ends ok
with 0 new while feedparser found such entries), or with --strict also when a source
fails on such a file that feedparser reads without error; 2 when the harness itself
could not run; 0 otherwise. The work directory keeps the config, banyue's database and
its output (run.stdout, run.stderr) when given with --work.
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


# --------------------------------------------------------------------------- corpus


def runner_text(data: bytes) -> str:
    """The text feedparser's runner reads comments from (tests/helpers.py:get_file_contents)."""
    starts = (
        (b"\x00\x00\xfe\xff", "utf-32be"),
        (b"\xff\xfe\x00\x00", "utf-32le"),
        (b"\x00\x00\x00\x3c", "utf-32be"),
        (b"\x3c\x00\x00\x00", "utf-32le"),
        (b"\x00\x3c\x00\x3f", "utf-16be"),
        (b"\x3c\x00\x3f\x00", "utf-16le"),
    )
    for prefix, enc in starts:
        if data[:4] == prefix:
            return data.decode(enc, errors="ignore")
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
            cases.append(
                Case(
                    rel=rel,
                    folder=folder,
                    data=data,
                    text=text,
                    headers=served_headers(rel, data, text),
                    slug=slug_of(rel, taken),
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
        cols = ("id", "source_id", "guid", "url", "title", "published", "fetched_at", "duplicate_of", "rejected")
        for row in con.execute(f"SELECT {', '.join(cols)} FROM items ORDER BY id"):
            items[row[1]].append(dict(zip(cols, row)))
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


def strip_markup(s) -> str:
    """Text of an HTML fragment: tags dropped, entities unescaped, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", s or "")).split())


def fp_title(e) -> str:
    """feedparser's title as text: HTML and XHTML titles (which feedparser gives as
    sanitized HTML) lose their tags and entities; a plain-text title is taken as it is."""
    t = e.get("title") or ""
    if (e.get("title_detail") or {}).get("type") in ("text/html", "application/xhtml+xml"):
        return strip_markup(t)
    return " ".join(t.split())


def by_title(item) -> str:
    """banyue's stored title is plain text already."""
    return " ".join((item.get("title") or "").split())


def key(s: str) -> str:
    """Titles compare without whitespace: where a tag stood, one side may put a space."""
    return re.sub(r"\s+", "", s)


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
    made_titles: int = 0
    exception: str = ""  # the reason, when the exceptions file covers what was lost
    listed: tuple = ()  # (reason, max-lost or None) from the exceptions file
    cause: str = ""
    also: list = dataclasses.field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.missing)

    def failing(self, strict: bool) -> bool:
        if self.case.folder not in GATED or self.exception:
            return False
        return self.lost > 0 or (strict and self.status != "ok" and not self.fp_bozo)


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
        return key(fp_title(e))

    def lkey(e):
        return canon_url(e.get("link"))

    take(lambda e, it: tkey(e) and tkey(e) == key(by_title(it)) and lkey(e) == canon_url(it["url"]))
    take(lambda e, it: tkey(e) and tkey(e) == key(by_title(it)))
    take(lambda e, it: lkey(e) and lkey(e) == canon_url(it["url"]))
    take(lambda e, it: True)
    return [(e, items[j] if j is not None else None) for e, j in zip(fp_entries, pairs)]


def compare(r: Result, now: float):
    r.missing, r.title_mm, r.link_mm, r.date_mm = [], [], [], []
    r.clamped = r.nonhttp_links = r.made_titles = 0
    for e, it in pair_entries(r.fp_counted, r.stored):
        if it is None:
            r.missing.append(e)
            continue
        ft, bt = fp_title(e), by_title(it)
        if not ft:
            r.made_titles += 1  # banyue needs a title and makes one up; nothing to compare
        elif key(ft) != key(bt):
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
        r.date_mm.append((fmt_ts(fd), fmt_ts(bd), date_elements(r.case.text, e)))


DATE_ELEMENT = re.compile(
    r"<((?:[\w.-]+:)?(?:pubDate|date|published|updated|issued|modified|created|lastBuildDate))\b", re.I
)


def date_elements(text: str, e) -> str:
    """The date elements of the entry's block, to say where feedparser's date came from."""
    block = match_block(entry_blocks(text), e) or ""
    names = sorted({m.group(1) for m in DATE_ELEMENT.finditer(block)})
    return "entry has " + ", ".join(f"<{n}>" for n in names) if names else ""


def fmt_ts(t):
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(t)) if t is not None else "none"


# --------------------------------------------------------------------------- causes


ENTRY_BLOCK = re.compile(r"<((?:[\w.-]+:)?(?:item|entry))\b[^>]*?(?:/>|>.*?</\1\s*>)", re.S | re.I)
# The first element after the prolog (BOM, XML declaration, comments, DOCTYPE).
ROOT_ELEMENT = re.compile(
    r"^(?:\s+|\ufeff|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<([\w:.-]+)([^>]*)>", re.S | re.I
)
# The RSS versions banyue's feed reader (feed-rs) dispatched on at the baseline; others are named.
RSS_VERSIONS = ("2.0", "0.91", "0.92", "")


def attr(attrs: str, name: str):
    m = re.search(r"(?:^|\s)" + re.escape(name) + r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", attrs)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def doc_format(text: str) -> str:
    """The construct of the document's root that a parser must recognise, when unusual."""
    m = ROOT_ELEMENT.match(text)
    if not m:
        return "no root element found"
    name, attrs = m.group(1), m.group(2)
    prefix, _, local = name.rpartition(":")
    xmlns = attr(attrs, f"xmlns:{prefix}" if prefix else "xmlns") or ""
    if local == "feed":
        if xmlns == "http://purl.org/atom/ns#" or attr(attrs, "version") == "0.3":
            return 'Atom 0.3: <feed version="0.3" xmlns="http://purl.org/atom/ns#">'
        if xmlns not in ("", "http://www.w3.org/2005/Atom"):
            return f"Atom <feed> in namespace {xmlns}"
        return ""
    if local == "rss":
        v = attr(attrs, "version")
        issues = []
        if xmlns:
            issues.append(f'RSS in a namespace: <{name} xmlns{":" + prefix if prefix else ""}="{xmlns}">')
        elif v is None:
            issues.append("<rss> without a version attribute")
        elif v.strip() not in RSS_VERSIONS:
            issues.append(f'<rss version="{v}">')
        if not re.search(r"<(?:[\w.-]+:)?channel\b", text[m.end():]):
            issues.append("no <channel> (an empty feed)")
        return ", ".join(issues)
    if local == "RDF":
        xmlns = attr(attrs, "xmlns") or ""
        if "my.netscape.com/rdf/simple/0.9" in xmlns:
            return 'RSS 0.90: <rdf:RDF xmlns="http://my.netscape.com/rdf/simple/0.9/">'
        if xmlns != "http://purl.org/rss/1.0/":
            return f"<rdf:RDF> with default namespace {xmlns or '(none)'}"
        return ""
    if local.lower() == "channel":
        return "CDF: <CHANNEL> root"
    return f"root element <{name}>"


def entry_constructs(block: str, e, rdf: bool) -> list:
    """What is unusual about how one entry gives its title and link."""
    out = []
    own = re.sub(r"<(image|source|media:group)\b.*?</\1\s*>", "", block, flags=re.S | re.I)
    titles = re.findall(r"<((?:[\w.-]+:)?title)\b([^>]*)>", own, flags=re.I)
    extension = ("dc:", "dcterms:", "media:", "itunes:", "psc:", "georss:", "content:", "slash:")
    plain = [(n, a) for n, a in titles if not n.lower().startswith(extension)]
    ft = fp_title(e)
    if not ft:
        start_tag = own.split(">", 1)[0]
        if re.search(r"<(?:[\w.-]+:)?link\b", own, re.I) or re.search(r"\shref\s*=", start_tag, re.I):
            out.append("no title (link only)")
        else:
            out.append("no title, and the only link is feedparser's: a <guid>/<id> it maps to the link")
        return out
    if not plain:
        others = sorted({n.lower() for n, _ in titles})
        if others:
            out.append("title only as " + ", ".join(f"<{n}>" for n in others))
        elif re.search(r"<(image)\b.*?<title", block, re.S | re.I):
            out.append("no title of its own; feedparser takes a nested <image><title>")
        else:
            out.append("title from elsewhere")
        return out
    for _, a in plain:
        mode = (attr(a, "mode") or "").lower()
        if mode == "base64":
            out.append('base64 title (mode="base64")')
        elif mode == "escaped":
            out.append('escaped title (mode="escaped")')
        t = attr(a, "type")
        if t and t not in ("text", "html", "xhtml", "text/html", "text/plain"):
            out.append(f'title type="{t}"')
        elif t == "xhtml":
            out.append('xhtml title (type="xhtml")')
    if rdf and not re.search(r"<(?:[\w.-]+:)?link\b", own, re.I):
        out.append("RDF <item> without <link>" + (" (rdf:about only)" if "rdf:about" in block else ""))
    return out


def guess_cause(r: Result):
    """What construct banyue lost: the document's (its root, or what failed the source),
    then what is unusual about the lost entries themselves (which would still be lost
    once the first is fixed)."""
    t = r.case.text
    fmt = doc_format(t)
    blocks = entry_blocks(t)
    m = ROOT_ELEMENT.match(t)
    rdf = bool(m) and m.group(1).rpartition(":")[2] == "RDF"
    causes = collections.Counter()
    for e in r.missing:
        block = match_block(blocks, e) or " ".join(blocks)
        for c in entry_constructs(block, e, rdf):
            causes[c] += 1
    also = [c for c, _ in causes.most_common()]
    if r.status != "ok":
        m = re.search(r"unsupported content type (\S*)", r.error)
        if m:
            return f'a text construct with type="{m.group(1)}" fails the whole feed', also
        err = simplify_error(r.error)
        cause = f"FAIL ({err})" if "unable to parse XML" in r.error or not fmt else f"{fmt} → FAIL ({err})"
        decoding = [w for w in r.warnings if "control character" in w or "invalid byte" in w]
        if decoding:
            cause += "; decoded with " + simplify_error(decoding[0].split(": ", 1)[-1]).replace("N", "some")
        return cause, also
    if r.isolated and (r.seen or 0) > 0 and len(r.stored) + (r.seen or 0) >= len(r.fp_counted):
        return "entries sharing banyue's key (id, else link, else title) stored once", also
    if fmt:
        return fmt, also
    if also:
        return also[0], also[1:]
    return "other", []


def entry_blocks(text: str):
    return [m.group(0) for m in ENTRY_BLOCK.finditer(text)]


def match_block(blocks, e):
    ft, fl = fp_title(e), e.get("link") or ""
    for b in blocks:
        if ft and (ft in strip_markup(html.unescape(b)) or ft in strip_markup(b)):
            return b
    tail = urllib.parse.urlsplit(fl).path if fl else ""
    for b in blocks:
        if tail and tail in b:
            return b
    return blocks[0] if len(blocks) == 1 else None


SERVED = re.compile(r"http://127\.0\.0\.1:\d+/")


def shown_url(u: str) -> str:
    """A URL on the corpus server, without its port (which changes every run)."""
    return SERVED.sub("(served)/", u or "")


def entries_word(n: int) -> str:
    return f"{n} entr" + ("y" if n == 1 else "ies")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def simplify_error(e: str) -> str:
    e = SERVED.sub("/", e)
    e = re.sub(r"(?<![A-Za-z-])\d+", "N", e)
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
        reason = reason.strip()
        max_lost = None
        m = re.match(r"max-lost=(\d+)\s*(.*)$", reason)
        if m:
            max_lost, reason = int(m.group(1)), m.group(2)
        out[rel] = (reason or "(no reason given)", max_lost)
    return out


COLUMNS = [
    ("files", "corpus files"),
    ("with entries", "files where feedparser finds an entry with a title or a link"),
    ("all stored", "… and banyue stored every one of them"),
    ("lost some", "… banyue ended ok but stored only some"),
    ("FAIL", "… the source failed"),
    ("ok, 0 new", "… the source ended ok with nothing stored"),
    ("FAIL, no entries", "the source failed on a file where feedparser finds no such entry"),
    ("title ≠", "stored entries whose title differs"),
    ("link ≠", "stored entries whose link differs"),
    ("date ≠", "stored entries whose date differs (at the minute)"),
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


class Out:
    """Text for the terminal or Markdown for --report, from the same calls."""

    def __init__(self, md: bool):
        self.md, self.lines = md, []

    def code(self, s) -> str:
        s = str(s)
        if not self.md:
            return s
        s = s.replace("`", "'").replace("|", "\\|")
        return f"`{s}`" if s else "``"

    def prose(self, s) -> str:
        """Free text, with what Markdown would read as HTML escaped."""
        s = str(s)
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") if self.md else s

    def heading(self, level: int, text: str):
        self.lines.append(("#" * (level + 1) + " " if self.md else ("== " if level == 1 else "-- ")) + text)
        self.lines.append("")

    def para(self, text: str):
        self.lines.append(text)
        self.lines.append("")

    def item(self, text: str):
        self.lines.append(("- " if self.md else "   ") + text)

    def end_list(self):
        self.lines.append("")

    def table(self, header, rows, right=()):
        """Columns whose indices are in `right` are numbers, aligned right."""
        if self.md:
            self.lines.append("| " + " | ".join(header) + " |")
            self.lines.append("|" + "".join("---:|" if i in right else "---|" for i in range(len(header))))
            for row in rows:
                self.lines.append("| " + " | ".join(str(x) for x in row) + " |")
        else:
            widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
            for row in [header] + rows:
                self.lines.append(
                    "  ".join(
                        str(x).rjust(w) if i in right else str(x).ljust(w)
                        for i, (x, w) in enumerate(zip(row, widths))
                    ).rstrip()
                )
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines)


def short(s, n=90):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render(results, folders, md: bool, verbose: bool, header: str) -> str:
    o = Out(md)
    o.para(header)
    by_folder = collections.defaultdict(list)
    for r in results:
        by_folder[r.case.folder].append(r)
    rows = [[f] + folder_row(by_folder[f]) for f in folders if by_folder[f]]
    rows.append(["total"] + [sum(col) for col in zip(*[row[1:] for row in rows])])
    o.table(["folder"] + [c[0] for c in COLUMNS], rows, right=range(1, len(COLUMNS) + 1))
    if md:
        o.para("Columns: " + "; ".join(f"**{a}**: {b}" for a, b in COLUMNS) + ".")
    entries = sum(len(r.fp_counted) for r in results)
    o.para(
        f"feedparser finds {sum(r.fp_entries for r in results)} entries in all; "
        f"{entries} have a title or a link, of which banyue stored "
        f"{entries - sum(r.lost for r in results)} and lost {sum(r.lost for r in results)}. "
        f"Titles banyue made up for entries feedparser gives none (not counted as title ≠): "
        f"{sum(r.made_titles for r in results)}. "
        f"Future dates banyue replaced by the fetch time (not counted as date ≠): {sum(r.clamped for r in results)}. "
        f"Non-http(s) links feedparser gives and banyue drops (not counted as link ≠): "
        f"{sum(r.nonhttp_links for r in results)}. Files where banyue stored more items than feedparser "
        f"has entries with a title or a link: {sum(1 for r in results if len(r.stored) > len(r.fp_counted))}. "
        f"Sources run again alone because their links are other files' too: {sum(1 for r in results if r.isolated)}."
    )

    failing = [r for r in results if r.lost and r.case.folder in GATED]
    groups = collections.defaultdict(list)
    for r in failing:
        groups[("excepted: " if r.exception else "") + r.cause].append(r)
    order = sorted(groups.items(), key=lambda kv: (kv[0].startswith("excepted"), -len(kv[1]), kv[0]))
    o.heading(1, f"Files that lose entries (wellformed, encoding): {len(failing)}, "
                 f"{sum(1 for r in failing if not r.exception)} not excepted")
    o.para(
        "Grouped by the construct of the document banyue does not read (its root element, or what "
        "failed the whole source), else by what the lost entries have in common. \"also\" names what "
        "those entries have besides, which would still lose them once the group's construct is read."
    )
    trows = []
    for cause, rs in order:
        ex = ", ".join(o.code(r.case.rel) for r in sorted(rs, key=lambda r: r.case.rel)[:3])
        also = collections.Counter(a for r in rs for a in r.also)
        also_s = "; ".join(f"{o.code(a)} ×{n}" for a, n in also.most_common()) or "–"
        row = [o.code(cause), len(rs), sum(r.lost for r in rs)]
        trows.append(row + [also_s, ex] if md else row)
    if trows:
        o.table(["cause", "files", "entries"] + (["also (files)", "e.g."] if md else []), trows, right=(1, 2))
    for cause, rs in order:
        o.heading(2, f"{o.code(cause)} ({plural(len(rs), 'file')}, {entries_word(sum(r.lost for r in rs))})")
        rs = sorted(rs, key=lambda r: r.case.rel)
        if md and len(rs) > 5:
            for r in rs[:3]:
                o.item(line_of(r, o))
            o.end_list()
            o.lines.append(f"<details><summary>all {len(rs)} files</summary>")
            o.lines.append("")
            for r in rs:
                o.item(line_of(r, o))
            o.end_list()
            o.lines.append("</details>")
            o.lines.append("")
            continue
        shown = rs if verbose or md else rs[:8]
        for r in shown:
            o.item(line_of(r, o))
        if len(shown) < len(rs):
            o.item(f"… {len(rs) - len(shown)} more (--verbose lists them)")
        o.end_list()

    other = [r for r in results if r.lost and r.case.folder not in GATED]
    if other:
        o.heading(1, f"Not gated ({', '.join(f for f in folders if f not in GATED)}): {len(other)} files lose entries")
        for r in sorted(other, key=lambda r: r.case.rel):
            o.item(f"{line_of(r, o)}; cause: {o.code(r.cause)}")
        o.end_list()

    noent = [r for r in results if not r.fp_counted and r.status != "ok"]
    if noent:
        o.heading(
            1,
            f"Sources that failed on files where feedparser finds no entry with a title or a link: {len(noent)} "
            "(not gated; " + ", ".join(f"{f} {sum(1 for r in noent if r.case.folder == f)}" for f in folders) + ")",
        )
        groups = collections.defaultdict(list)
        for r in noent:
            groups[r.cause].append(r)
        for cause, rs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            ex = sorted(r.case.rel for r in rs)
            shown = ex if verbose else ex[:4]
            more = "" if len(shown) == len(ex) else f", … {len(ex) - len(shown)} more"
            o.item(f"{len(rs)} × {o.code(cause)}: {', '.join(o.code(x) for x in shown)}{more}")
        o.end_list()

    kinds = (("Title mismatches", "title_mm"), ("Link mismatches", "link_mm"), ("Date mismatches", "date_mm"))
    for title, attr_ in kinds:
        rs = [r for r in results if getattr(r, attr_)]
        if not rs:
            continue
        n = sum(len(getattr(r, attr_)) for r in rs)
        o.heading(1, f"{title}: {entries_word(n)} in {plural(len(rs), 'file')} (feedparser → banyue)")
        for r in sorted(rs, key=lambda r: r.case.rel):
            for a, b, *note in getattr(r, attr_)[: (None if verbose else 3)]:
                note = f" ({o.code(note[0])})" if note and note[0] else ""
                a, b = shown_url(a), shown_url(b)
                o.item(f"{o.code(r.case.rel)}: {o.code(short(a))} → {o.code(short(b))}{note}")
        o.end_list()
    return o.text()


def line_of(r: Result, o: Out) -> str:
    bits = [f"{o.code(r.case.rel)}: feedparser {len(r.fp_counted)}, banyue {len(r.stored)}"]
    if r.status != "ok":
        bits.append(f"{r.status} {o.code(short(r.error, 140))}")
    if r.exception:
        bits.append(f"excepted: {o.prose(r.exception)}")
    elif r.listed:
        bits.append(f"listed in the exceptions file for at most {r.listed[1]} lost, not {r.lost}")
    if r.also:
        bits.append("also: " + "; ".join(o.code(a) for a in r.also))
    if r.isolated:
        bits.append("(run alone)")
    if r.missing:
        e = r.missing[0]
        t, l = short(fp_title(e), 50), short(shown_url(e.get("link") or ""), 60)
        what = [f"title {o.code(t)}" if t else "", f"link {o.code(l)}" if l else ""]
        bits.append("lost: " + ", ".join(x for x in what if x))
    return "; ".join(bits)


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--banyue", required=True, help="path to the banyue binary")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="the vendored corpus (default: %(default)s)")
    ap.add_argument("--work", help="work directory (default: a temporary one, removed afterwards)")
    ap.add_argument("--folders", default=",".join(FOLDERS), help="comma-separated (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=0, help="at most N files per folder")
    ap.add_argument(
        "--exceptions",
        default=str(DEFAULT_EXCEPTIONS),
        help="files where banyue is right to differ: `path [max-lost=N] reason` per line",
    )
    ap.add_argument("--report", help="also write the tables and lists as Markdown to this file")
    ap.add_argument("--verbose", action="store_true", help="list every file and mismatch, not the first few")
    ap.add_argument(
        "--strict",
        action="store_true",
        help="also fail when a source fails on a wellformed/encoding file feedparser reads without error, "
        "entries or not",
    )
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
        r.fp_bozo = str(d.get("bozo_exception", "")) if d.get("bozo") else ""
        r.fp_entries = len(d.entries)
        r.fp_counted = [e for e in d.entries if fp_title(e) or e.get("link")]
        r.listed = exceptions.get(r.case.rel, ())

    cfg = write_config(work, cases)
    check = subprocess.run(
        [banyue, "check", "--config", str(cfg)], cwd=work, env=banyue_env(), capture_output=True, text=True
    )
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
        if r.lost or r.status != "ok":
            r.cause, r.also = guess_cause(r)
        if r.listed:
            reason, max_lost = r.listed
            r.exception = reason if max_lost is None or r.lost <= max_lost else ""

    ordered = [results[c.slug] for c in cases]
    header = describe(banyue, pathlib.Path(args.corpus), cases)
    print(render(ordered, folders, md=False, verbose=args.verbose, header=header))
    if args.report:
        md = render(ordered, folders, md=True, verbose=args.verbose, header=header)
        pathlib.Path(args.report).write_text(md + "\n", encoding="utf-8")
    failing = [r for r in ordered if r.failing(args.strict)]
    print(
        f"{len(failing)} failing file(s) in {', '.join(GATED)}"
        f"{' (--strict)' if args.strict else ''}; {sum(1 for r in ordered if r.exception)} excepted; "
        f"{time.time() - started:.0f} s"
    )
    return 1 if failing else 0


def describe(banyue: str, corpus: pathlib.Path, cases) -> str:
    """Which versions were compared."""
    try:
        v = subprocess.run([banyue, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        v = "banyue (version unknown)"
    commit = ""
    readme = corpus / "README.md"
    if readme.exists():
        m = re.search(r"\b[0-9a-f]{40}\b", readme.read_text(encoding="utf-8"))
        commit = f" at {m.group(0)[:12]}" if m else ""
    try:
        import chardet  # noqa: F401

        detector = "with chardet"
    except ImportError:
        detector = "without chardet"
    return (
        f"{v} against Python feedparser {feedparser.__version__} ({detector}) on {len(cases)} files of "
        f"feedparser's test corpus{commit}."
    )


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
