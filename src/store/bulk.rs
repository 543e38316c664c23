//! A SQLite store set for a writer that commits many transactions in a row (a
//! collecting run), while the run stores. Two settings, measured on a cold run of
//! 2,000 feeds (`docs/benchmarks.md`, stop 45):
//!
//! - **The log checkpointed aside.** By default the connection that commits copies the
//!   write-ahead log back into the database whenever the log passes 1,000 pages, and
//!   waits for the disk twice while it does (the log, then the database): about half of
//!   the commit time of the one thread that stores. A passive checkpoint from another
//!   connection, on a thread of its own, runs beside the writer without blocking it. The
//!   writer keeps a checkpoint of its own at a far larger size, so the log stays bounded
//!   should that thread fall behind.
//! - **Savepoints journaled in memory.** Each source's items are written in a savepoint
//!   of their own, and SQLite keeps the first version of every page a savepoint changes
//!   in a temporary file: a write and a read of the file system per page. In memory, that
//!   journal is bounded by what one source's items change.
//! - **The search index merged in larger steps.** FTS5 writes each commit's words as a
//!   new segment and, by default, merges four segments of a level into one of the next
//!   as soon as there are four. While a run stores, it merges at sixteen: each word's
//!   postings are rewritten on fewer levels (a cold run of 2,000 feeds: the commits
//!   4.5 → 3.4 s). The default comes back when the run ends, and the next writes merge
//!   what is left a step at a time.
//! - **A smaller page cache.** The store's file is hundreds of megabytes and a run's
//!   rows land on pages all over it, so SQLite's default cache (2,000 KiB a database)
//!   holds little that is read again; its memory counted in a cold run's peak (stop 69).

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;

use super::Store;
use super::engine::Conn;

/// How often the thread copies what was committed since its last turn.
const EVERY: Duration = Duration::from_millis(500);

/// The writer's own checkpoint while the thread runs, in pages: what only a log the
/// thread cannot keep up with reaches (SQLite's default is 1,000).
const BACKSTOP_PAGES: i64 = 16_384;

/// SQLite's default, restored when the thread stops.
const DEFAULT_PAGES: i64 = 1_000;

/// Segments of one level that FTS5 merges while a run stores (its most, 16), and its
/// default, restored after.
const BULK_AUTOMERGE: i64 = 16;
const DEFAULT_AUTOMERGE: i64 = 4;

/// The writer's page cache while a run stores, in KiB: for the store's own file, and for
/// the search index's, which the index's own thread fills meanwhile. SQLite's default,
/// restored after, is 2,000 KiB a database.
const BULK_CACHE_KIB: i64 = 1_024;
const BULK_WORDS_CACHE_KIB: i64 = 256;
const DEFAULT_CACHE_KIB: i64 = 2_000;

/// The store's settings for bulk writes, until finished (or dropped: the checkpoint
/// thread then stops after one last checkpoint, and the writer keeps the settings).
pub struct BulkWrites {
    /// The checkpoint thread and the sender whose drop stops it, when there is one.
    aside: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    /// The search index's thread ([`super::words::Indexer`]), when there is one: it
    /// stops once the store lets its queue go.
    indexer: Option<JoinHandle<()>>,
}

impl Store {
    /// Set this SQLite store for bulk writes until the returned guard is finished.
    /// Nothing on PostgreSQL. The log stays on the writer on an in-memory database, and
    /// (with a warning) should the second connection not open.
    pub fn bulk_writes(&self) -> BulkWrites {
        let Conn::Lite(conn) = &self.conn else {
            return BulkWrites {
                aside: None,
                indexer: None,
            };
        };
        if let Err(e) = conn.pragma_update(None, "temp_store", "MEMORY") {
            tracing::warn!("savepoints stay journaled in files: {e}");
        }
        set_automerge(conn, BULK_AUTOMERGE);
        set_caches(conn, self.words, BULK_CACHE_KIB, BULK_WORDS_CACHE_KIB);
        BulkWrites {
            aside: checkpoint_aside(conn),
            indexer: self.index_aside(conn),
        }
    }
}

impl Store {
    /// Fill the search index on a thread of its own (none for a store in memory).
    fn index_aside(&self, conn: &Connection) -> Option<JoinHandle<()>> {
        let path = conn.path().filter(|p| !p.is_empty())?.to_owned();
        let mut slot = self.indexer.lock().ok()?;
        match super::words::Indexer::start(std::path::Path::new(&path)) {
            Ok((indexer, thread)) => {
                *slot = Some(indexer);
                Some(thread)
            }
            Err(e) => {
                tracing::warn!("the search index is filled at each commit: {e:#}");
                None
            }
        }
    }
}

/// Checkpoint the log on a thread of its own.
fn checkpoint_aside(conn: &Connection) -> Option<(mpsc::Sender<()>, JoinHandle<()>)> {
    let path = conn.path().filter(|p| !p.is_empty())?.to_owned();
    let started = Connection::open(&path)
        .and_then(|c| {
            c.busy_timeout(super::BUSY_TIMEOUT)?;
            Ok(c)
        })
        .with_context(|| format!("opening {path} for checkpoints"))
        .and_then(|aside| {
            conn.pragma_update(None, "wal_autocheckpoint", BACKSTOP_PAGES)
                .context("raising the writer's own checkpoint")?;
            Ok(aside)
        });
    let aside = match started {
        Ok(aside) => aside,
        Err(e) => {
            tracing::warn!("checkpoints stay on the writer: {e:#}");
            return None;
        }
    };
    let (stop, turns) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("checkpoints".into())
        .spawn(move || run(&aside, &turns));
    match thread {
        Ok(thread) => Some((stop, thread)),
        Err(e) => {
            tracing::warn!("checkpoints stay on the writer: cannot start their thread: {e}");
            restore(conn, "wal_autocheckpoint", DEFAULT_PAGES);
            None
        }
    }
}

/// Set the search index's `automerge`, with a warning should that fail. It is kept in
/// the index itself (`item_words_config`), so a run that is killed leaves its value until
/// the next run ends: the index merges then in larger steps, and reads the same.
fn set_automerge(conn: &Connection, segments: i64) {
    let set = conn.execute(
        "INSERT INTO item_words (item_words, rank) VALUES ('automerge', ?1)",
        [segments],
    );
    if let Err(e) = set {
        tracing::warn!("setting the search index's automerge to {segments}: {e}");
    }
}

/// Set the page caches of the store's file and, when attached, the search index's, with
/// a warning should that fail (a cache's size changes no result).
pub(super) fn set_caches(conn: &Connection, words: bool, main_kib: i64, words_kib: i64) {
    let mut set = format!("PRAGMA main.cache_size = -{main_kib};");
    if words {
        set += &format!("PRAGMA words.cache_size = -{words_kib};");
    }
    if let Err(e) = conn.execute_batch(&set) {
        tracing::warn!("setting the store's page caches: {e}");
    }
}

/// Set `pragma` back to `value`, with a warning should that fail.
fn restore(conn: &Connection, pragma: &str, value: i64) {
    if let Err(e) = conn.pragma_update(None, pragma, value) {
        tracing::warn!("restoring the store's {pragma}: {e}");
    }
}

impl BulkWrites {
    /// Stop the checkpoint thread after its last checkpoint, and give `store`'s writer its
    /// usual settings back.
    pub fn finish(mut self, store: &Store) {
        self.stop_and_join();
        // The queue let go, the thread indexes what is left and stops: the run's reports
        // are all found by a search once the run is done.
        if let Ok(mut slot) = store.indexer.lock() {
            slot.take();
        }
        if let Some(thread) = self.indexer.take()
            && thread.join().is_err()
        {
            tracing::warn!("the search index's thread panicked");
        }
        if let Conn::Lite(conn) = &store.conn {
            restore(conn, "wal_autocheckpoint", DEFAULT_PAGES);
            // 0: the build's default, files (a later query of the store may sort a
            // window larger than memory should hold).
            restore(conn, "temp_store", 0);
            set_automerge(conn, DEFAULT_AUTOMERGE);
            set_caches(conn, store.words, DEFAULT_CACHE_KIB, DEFAULT_CACHE_KIB);
        }
    }

    fn stop_and_join(&mut self) {
        if let Some((stop, thread)) = self.aside.take() {
            drop(stop);
            if thread.join().is_err() {
                tracing::warn!("the checkpoint thread panicked");
            }
        }
    }
}

impl Drop for BulkWrites {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn run(conn: &Connection, turns: &mpsc::Receiver<()>) {
    let mut warned = false;
    loop {
        let last = matches!(turns.recv_timeout(EVERY), Err(mpsc::RecvTimeoutError::Disconnected));
        // PASSIVE: copy what no reader still needs, never wait for the writer or readers.
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0));
        if let Err(e) = done
            && !warned
        {
            tracing::warn!("checkpointing the store's log: {e}");
            warned = true;
        }
        if last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(store: &Store, name: &str) -> anyhow::Result<i64> {
        let Conn::Lite(conn) = &store.conn else {
            anyhow::bail!("not SQLite");
        };
        Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    }

    /// The search index's `automerge`, where one was set.
    fn automerge(conn: &Connection) -> anyhow::Result<Option<i64>> {
        let mut q = conn.prepare("SELECT v FROM item_words_config WHERE k = 'automerge'")?;
        let mut rows = q.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows.next().transpose()?)
    }

    /// What the thread copied is in the database file itself: a copy of that file alone,
    /// without its log, taken while the writer still has the store open (closing it would
    /// checkpoint on its own), holds every row committed.
    #[test]
    fn the_committed_rows_reach_the_database_file_while_the_writer_works_on() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("b.db");
        let store = Store::open(&path)?;
        let Conn::Lite(conn) = &store.conn else {
            anyhow::bail!("not SQLite");
        };
        let bulk = store.bulk_writes();
        assert!(bulk.aside.is_some(), "no checkpoint thread");
        assert!(bulk.indexer.is_some(), "no search index thread");
        assert_eq!(pragma(&store, "wal_autocheckpoint")?, BACKSTOP_PAGES);
        assert_eq!(pragma(&store, "temp_store")?, 2, "savepoints journaled in memory");
        assert_eq!(automerge(conn)?, Some(BULK_AUTOMERGE));
        assert_eq!(pragma(&store, "main.cache_size")?, -BULK_CACHE_KIB);
        assert_eq!(pragma(&store, "words.cache_size")?, -BULK_WORDS_CACHE_KIB);
        conn.execute_batch("CREATE TABLE scratch (body BLOB)")?;
        // 40 commits of 100 KB: about 1,000 pages, far below the writer's own threshold.
        for _ in 0..40 {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            for _ in 0..25 {
                conn.execute("INSERT INTO scratch VALUES (zeroblob(4000))", [])?;
            }
            conn.execute_batch("COMMIT")?;
        }
        bulk.finish(&store);
        assert_eq!(pragma(&store, "wal_autocheckpoint")?, DEFAULT_PAGES);
        assert_eq!(pragma(&store, "temp_store")?, 0);
        assert_eq!(automerge(conn)?, Some(DEFAULT_AUTOMERGE));
        assert_eq!(pragma(&store, "main.cache_size")?, -DEFAULT_CACHE_KIB);
        assert_eq!(pragma(&store, "words.cache_size")?, -DEFAULT_CACHE_KIB);
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy)?;
        let alone = Connection::open(&copy)?;
        let rows: i64 = alone.query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))?;
        assert_eq!(rows, 1000);
        Ok(())
    }

    #[test]
    fn an_in_memory_store_has_no_thread() -> anyhow::Result<()> {
        let store = Store::with(Conn::Lite(Connection::open_in_memory()?));
        assert!(store.bulk_writes().aside.is_none());
        Ok(())
    }
}
