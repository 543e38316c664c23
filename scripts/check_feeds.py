#!/usr/bin/env python3
"""Read every published Atom feed as subscribers' readers would.

Usage: check_feeds.py FEEDS_DIR [--newsboat]
Fails on any feed Python's feedparser flags as malformed (bozo), or that lacks what
RFC 4287 requires of a feed and its entries. With --newsboat, newsboat imports feeds.opml
(its URLs pointed at the files) and must end up with every feed titled and every entry of
every feed stored: newsboat's exit status does not report a feed it could not parse, its
cache does.
"""
import os
import pathlib
import re
import sqlite3
import subprocess
import sys
import tempfile

import feedparser


def main() -> int:
    feeds = sorted(pathlib.Path(sys.argv[1]).glob("*.xml"))
    if not feeds:
        print(f"no feeds in {sys.argv[1]}")
        return 1
    bad = 0
    entries = 0
    for path in feeds:
        d = feedparser.parse(path.read_bytes())
        problems = []
        if d.bozo:
            problems.append(f"malformed: {d.bozo_exception}")
        if d.version != "atom10":
            problems.append(f"not Atom 1.0 ({d.version!r})")
        f = d.feed
        for key in ("id", "title", "updated"):
            if not f.get(key):
                problems.append(f"feed has no {key}")
        if not any(link.get("rel") == "self" for link in f.get("links", [])):
            problems.append("feed has no rel=self link")
        for e in d.entries:
            entries += 1
            for key in ("id", "title", "updated"):
                if not e.get(key):
                    problems.append(f"entry {e.get('id')} has no {key}")
            if not (e.get("authors") or f.get("authors")):
                problems.append(f"entry {e.get('id')} has no author")
        for p in problems:
            print(f"{path.name}: {p}")
        bad += bool(problems)
    print(f"feedparser: {len(feeds)} feeds, {entries} entries, {bad} with problems")
    if "--newsboat" in sys.argv:
        bad += newsboat(feeds)
    return 1 if bad else 0


def newsboat(feeds) -> int:
    """Import feeds.opml into newsboat (its URLs pointed at the files) and reload: every
    feed must be titled and hold every one of its entries. newsboat keys articles by id
    across feeds, so an id shared by two feeds would leave one of them short."""
    want = {}
    for path in feeds:
        want[f"file://{path.resolve()}"] = {e.get("id") for e in feedparser.parse(path.read_bytes()).entries}
    folder = feeds[0].parent
    opml = (folder / "feeds.opml").read_text(encoding="utf-8")
    listed = re.findall(r'xmlUrl="([^"]+)"', opml)
    for url in listed:
        local = folder / url.rsplit("/", 1)[-1]
        opml = opml.replace(f'xmlUrl="{url}"', f'xmlUrl="file://{local.resolve()}"')
    problems = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home}
        urls = pathlib.Path(home, "urls")
        urls.write_text("")
        local_opml = pathlib.Path(home, "feeds.opml")
        local_opml.write_text(opml, encoding="utf-8")
        subprocess.run(["newsboat", "-u", str(urls), "-C", "/dev/null", "-i", str(local_opml)],
                       check=True, env=env, stdout=subprocess.DEVNULL, timeout=60)
        imported = [l.split()[0] for l in urls.read_text().splitlines() if l.strip() and not l.startswith("#")]
        cache = pathlib.Path(home, "cache.db")
        subprocess.run(
            ["newsboat", "-u", str(urls), "-c", str(cache), "-C", "/dev/null", "-x", "reload"],
            check=True, env=env, stdout=subprocess.DEVNULL, timeout=120,
        )
        db = sqlite3.connect(cache)
        untitled = [u for (u,) in db.execute("SELECT rssurl FROM rss_feed WHERE title = '' OR title IS NULL")]
        held = dict(db.execute("SELECT feedurl, count(*) FROM rss_item GROUP BY feedurl").fetchall())
    missing = sorted(set(want) - set(imported))
    problems += [f"feeds.opml does not list {u}" for u in missing]
    problems += [f"newsboat could not parse {u}" for u in untitled]
    for url, ids in sorted(want.items()):
        if url in imported and held.get(url, 0) != len(ids):
            problems.append(f"newsboat holds {held.get(url, 0)} of the {len(ids)} entries of {url}")
    for p in problems:
        print(p)
    print(f"newsboat: {len(imported)} feeds imported from feeds.opml, {sum(held.values())} entries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
