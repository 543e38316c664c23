#!/usr/bin/env python3
"""Replay a store's items into a new SQLite store of the same schema, with the window's
index as shipped, narrower or left out, and print the cost of an insert.

A cold run's writer inserts about 36 rows a statement batch and commits every few
hundred; this does the same, in arrival (id) order, with the writer's 1 MiB page cache
during a run (`store::bulk`). Python's own overhead is in every figure alike.

  insert_replay.py STORE.db [--rows N] [--work DIR] VARIANT...    # shipped, narrow, mid, none
"""

import argparse
import os
import sqlite3
import tempfile
import time

COLS = ("source_id,guid,url,title,summary,content_html,body_text,published,fetched_at,author,issuer,"
        "doc_number,written,index_no,topic,section,score,city,rejected,decision,signature,duplicate_of,"
        "duplicate_reason,doubt")
VARIANTS = {
    "shipped": None,  # the store's own definition
    "none": "",
    "narrow": "CREATE INDEX items_window ON items(coalesce(published, fetched_at), id)",
    "mid": "CREATE INDEX items_window ON items(coalesce(published, fetched_at), id, section, rejected, "
           "duplicate_of, score, doubt, city)",
}

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("store")
ap.add_argument("variants", nargs="+", choices=sorted(VARIANTS))
ap.add_argument("--rows", type=int, default=None, help="the first N items (default: all)")
ap.add_argument("--rounds", type=int, default=2)
ap.add_argument("--work", default=None, help="where the new store is written (default: a temp dir)")
a = ap.parse_args()

src = sqlite3.connect(a.store)
limit = f" LIMIT {a.rows}" if a.rows else ""
rows = src.execute(f"SELECT {COLS} FROM items ORDER BY id{limit}").fetchall()
schema = [r[0] for r in src.execute(
    "SELECT sql FROM sqlite_master WHERE tbl_name IN ('items', 'items_version') AND sql IS NOT NULL")]
work = a.work or tempfile.mkdtemp(prefix="insert-replay-")


def run(variant):
    path = os.path.join(work, "replay.db")
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("PRAGMA cache_size = -1024")
    for sql in schema:
        if "items_version_source" in sql:  # a trigger on the sources table, not copied
            continue
        if "items_window" in sql:
            own = VARIANTS[variant]
            sql = sql if own is None else own
            if not sql:
                continue
        c.execute(sql)
    c.execute("INSERT OR IGNORE INTO items_version (one, v) VALUES (1, 0)")
    c.commit()
    insert = "INSERT INTO items (%s) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id" % (COLS, ",".join("?" * 24))
    start = time.time()
    for i in range(0, len(rows), 36):
        for r in rows[i:i + 36]:
            r = list(r)
            r[21] = None  # duplicate_of: ids differ in the new store
            c.execute(insert, r).fetchall()
        if i % 720 == 0:
            c.commit()
    c.commit()
    spent = time.time() - start
    c.close()
    return spent / len(rows) * 1e6, os.path.getsize(path)


for _ in range(a.rounds):
    for v in a.variants:
        us, size = run(v)
        print(f"{v}: {us:.1f} µs a row, {size // 1_000_000} MB ({len(rows)} rows)", flush=True)
