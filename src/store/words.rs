//! The search index's own SQLite file, beside the store's (`banyue.db` →
//! `banyue-search.db`), attached to every connection as `words`.
//!
//! Why a file of its own: SQLite has one write lock per file, and a collecting run's
//! storing thread holds the store's for most of the run. FTS5 writing each group's words
//! at its commit was 2.0 of the 3.0 s of commits on a cold run of the 2,000-feed farm
//! (`docs/benchmarks.md`, stops 57 and 59). In a file of its own the index is filled by a
//! thread of its own ([`Indexer`]) beside the storing thread, on the other core.
//!
//! The index is derived from the items and never trusted further than that: it records
//! the highest item id it holds (`words.indexed.up_to`, written in the same transaction
//! as the words) and the store it was built for. Whatever it lacks (a run killed before
//! its thread caught up, a group whose words went nowhere) is indexed from the items
//! themselves by the next catch-up ([`catch_up`]: at every open, and on every turn of the
//! thread). An index built for another store, or ahead of this one (a database put back
//! from a backup), is emptied and built again.
//!
//! Item ids only grow: a store's writers take its write lock for a whole transaction, so
//! every id below a committed one is committed too, and items are never deleted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use anyhow::Context;

use super::engine::{Conn, Tx, params};

/// A report's words for the index: its id, its key in the index
/// ([`super::search::key`]) and its words ([`crate::search::document`]).
pub type Doc = (i64, i64, String);

/// The tables of the search index's file.
const SCHEMA: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS words.item_words USING fts5(words, content = '', contentless_delete = 1,
    tokenize = 'ascii');
CREATE TABLE IF NOT EXISTS words.indexed (one INTEGER PRIMARY KEY CHECK (one = 1), store TEXT NOT NULL,
    up_to INTEGER NOT NULL);
";

/// Reports indexed in one transaction when catching up from the items themselves.
const PAGE: i64 = 2000;

/// Groups' words waiting for the thread; a storing thread that gets further ahead
/// waits (each group is a few hundred documents).
const QUEUED: usize = 2;

/// Where the search index of the database at `db` is kept.
pub fn path_beside(db: &Path) -> PathBuf {
    let stem = db
        .file_stem()
        .map_or_else(|| "banyue".into(), |s| s.to_string_lossy().into_owned());
    let name = match db.extension() {
        Some(ext) => format!("{stem}-search.{}", ext.to_string_lossy()),
        None => format!("{stem}-search.db"),
    };
    db.with_file_name(name)
}

/// Attach the search index of the store at `db` as `words`, with its tables; emptied
/// when it was built for another store or is ahead of this one.
pub(super) fn attach(conn: &Conn, db: &Path) -> anyhow::Result<()> {
    let file = path_beside(db);
    let target = file.to_string_lossy();
    conn.execute("ATTACH DATABASE ?1 AS words", params![target.as_ref()])
        .with_context(|| format!("attaching the search index {target}"))?;
    conn.query_row("PRAGMA words.journal_mode = WAL", &[], |r| r.get::<String>(0))?;
    conn.execute_batch("PRAGMA words.synchronous = NORMAL")?;
    conn.execute_batch(SCHEMA)?;
    let store: String = conn.query_row("SELECT id FROM store_identity", &[], |r| r.get(0))?;
    let newest: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM items", &[], |r| r.get(0))?;
    let tx = Tx::begin_locking(conn, "words.indexed")?;
    let held: Option<(String, i64)> = tx.query_opt("SELECT store, up_to FROM words.indexed", &[], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    match held {
        Some((of, up_to)) if of == store && up_to <= newest => {}
        held => {
            if held.is_some() {
                tracing::info!("search: the index was built for another store, or ahead of this one; built again");
            }
            tx.execute_batch("INSERT INTO words.item_words (item_words) VALUES ('delete-all')")?;
            tx.execute(
                "INSERT OR REPLACE INTO words.indexed (one, store, up_to) VALUES (1, ?1, 0)",
                params![store],
            )?;
        }
    }
    tx.commit()
}

/// Index every item the index lacks: from `given` (the words a run made of its reports)
/// when they are there, from the items otherwise. The number indexed.
pub(super) fn catch_up(conn: &Conn, given: Vec<Doc>) -> anyhow::Result<usize> {
    let up_to = |c: &Conn| c.query_row("SELECT up_to FROM words.indexed", &[], |r| r.get::<i64>(0));
    let newest = |c: &Conn| c.query_row("SELECT coalesce(max(id), 0) FROM items", &[], |r| r.get::<i64>(0));
    // Asked without the lock first: nearly always there is nothing to do.
    if up_to(conn)? >= newest(conn)? {
        return Ok(0);
    }
    let mut given: HashMap<i64, (i64, String)> = given.into_iter().map(|(id, key, w)| (id, (key, w))).collect();
    let mut n = 0;
    loop {
        let tx = Tx::begin_locking(conn, "words.indexed")?;
        let after = up_to(&tx)?;
        // The reports' own words where the run gave them: a run of ids from the first the
        // index lacks needs no look at the items (every id of it is a report committed),
        // which would read each report's page again.
        let mut docs: Vec<(i64, String)> = Vec::new();
        let mut last = after;
        while let Some(doc) = given.remove(&(last + 1)) {
            docs.push(doc);
            last += 1;
        }
        let whole_page = if docs.is_empty() {
            // Made from the items, but for the words given.
            let ids: Vec<i64> = tx.query_map(
                "SELECT id FROM items WHERE id > ?1 ORDER BY id LIMIT ?2",
                params![after, PAGE],
                |r| r.get(0),
            )?;
            let Some(&end) = ids.last() else { break };
            let mut taken: Vec<i64> = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(doc) = given.remove(id) {
                    docs.push(doc);
                    taken.push(*id);
                }
            }
            if docs.len() < ids.len() {
                // `ids` ascend, and so do those taken.
                let made = super::search::documents(&tx, after, end, PAGE, |id| taken.binary_search(&id).is_ok())?;
                docs.extend(made.into_iter().map(|(_, key, words)| (key, words)));
            }
            last = end;
            ids.len() as i64 == PAGE
        } else {
            false
        };
        // In the order of their keys: FTS5 keeps pending words only while each key is
        // above the last (a key below it writes them out as a new segment first), and a
        // report's key starts with its date, not its insertion.
        docs.sort_unstable_by_key(|(key, _)| *key);
        for (key, words) in &docs {
            tx.execute(
                "INSERT INTO words.item_words (rowid, words) VALUES (?1, ?2)",
                params![*key, words.as_str()],
            )?;
        }
        tx.execute("UPDATE words.indexed SET up_to = ?1", params![last])?;
        tx.commit()?;
        n += docs.len();
        if !whole_page && last >= newest(conn)? {
            break;
        }
    }
    Ok(n)
}

/// The thread that fills the search index while a run stores, from the words of each
/// group the run commits.
pub struct Indexer {
    queue: mpsc::SyncSender<Vec<Doc>>,
}

impl Indexer {
    /// Start the thread, on a connection of its own to the store at `db`.
    pub fn start(db: &Path) -> anyhow::Result<(Indexer, JoinHandle<()>)> {
        let conn = super::Store::connection(db)?;
        attach(&conn, db)?;
        // It reads the store's file only to find reports the run gave no words for. The
        // index's own pages are written more than read again: at SQLite's default (2 MB)
        // its cache was 8 MB of a cold run's peak heap (docs/benchmarks.md, stop 66).
        conn.execute_batch("PRAGMA main.cache_size = -256; PRAGMA words.cache_size = -512")?;
        let (queue, groups) = mpsc::sync_channel::<Vec<Doc>>(QUEUED);
        let thread = std::thread::Builder::new()
            .name("search index".into())
            .spawn(move || {
                let mut warned = false;
                while let Ok(mut docs) = groups.recv() {
                    // The groups that queued meanwhile, in one transaction.
                    while let Ok(more) = groups.try_recv() {
                        docs.extend(more);
                    }
                    if let Err(e) = catch_up(&conn, docs)
                        && !std::mem::replace(&mut warned, true)
                    {
                        tracing::warn!("search: indexing the new reports: {e:#} (the next catch-up will)");
                    }
                }
                if let Err(e) = catch_up(&conn, Vec::new()) {
                    tracing::warn!("search: indexing the new reports: {e:#} (the next catch-up will)");
                }
            })
            .context("starting the search index's thread")?;
        Ok((Indexer { queue }, thread))
    }

    /// Hand the thread a committed group's words; given back when the thread is gone.
    pub(super) fn send(&self, docs: Vec<Doc>) -> Result<(), Vec<Doc>> {
        self.queue.send(docs).map_err(|e| e.0)
    }
}
