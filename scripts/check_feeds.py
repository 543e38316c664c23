#!/usr/bin/env python3
"""Read every published Atom feed as subscribers' readers would.

Usage: check_feeds.py FEEDS_DIR [--newsboat]
Fails on any feed Python's feedparser flags as malformed (bozo), or that lacks what
RFC 4287 requires of a feed and its entries. With --newsboat, newsboat also loads every
feed (from file:// URLs) and must end up with every feed titled and every entry stored:
newsboat's exit status does not report a feed it could not parse, its cache does.
"""
import os
import pathlib
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
    ids = set()
    for path in feeds:
        ids.update(e.get("id") for e in feedparser.parse(path.read_bytes()).entries)
    with tempfile.TemporaryDirectory() as home:
        urls = pathlib.Path(home, "urls")
        urls.write_text("".join(f"file://{p.resolve()}\n" for p in feeds))
        cache = pathlib.Path(home, "cache.db")
        subprocess.run(
            ["newsboat", "-u", str(urls), "-c", str(cache), "-C", "/dev/null", "-x", "reload"],
            check=True, env={**os.environ, "HOME": home}, stdout=subprocess.DEVNULL, timeout=120,
        )
        db = sqlite3.connect(cache)
        untitled = [u for (u,) in db.execute("SELECT rssurl FROM rss_feed WHERE title = '' OR title IS NULL")]
        loaded = db.execute("SELECT count(DISTINCT guid) FROM rss_item").fetchone()[0]
        feeds_loaded = db.execute("SELECT count(*) FROM rss_feed").fetchone()[0]
    problems = [f"newsboat could not parse {u}" for u in untitled]
    if loaded != len(ids):
        problems.append(f"newsboat stored {loaded} entries, the feeds hold {len(ids)}")
    for p in problems:
        print(p)
    print(f"newsboat: {feeds_loaded} feeds, {loaded} entries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
