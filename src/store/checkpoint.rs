//! Checkpoints of SQLite's write-ahead log on a thread of their own, for a writer that
//! commits many transactions in a row (a collecting run).
//!
//! By default the connection that commits copies the log back into the database itself
//! whenever the log passes 1,000 pages, and waits for the disk twice while it does (the
//! log, then the database). On a cold run of 2,000 feeds that was about half of the
//! commit time on the one thread that stores (`docs/benchmarks.md`, stop 45). A
//! passive checkpoint from another connection runs beside the writer without blocking
//! it, so the copying and the waiting move off the storing thread. The writer keeps a
//! checkpoint of its own at a far larger size, so the log stays bounded should this
//! thread fall behind.

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

/// The checkpointing thread; stops (after one last checkpoint) when finished or dropped.
pub struct Checkpoints {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Store {
    /// Checkpoint this SQLite store's log on a thread of its own until the returned
    /// guard is finished or dropped. Nothing on PostgreSQL or an in-memory database, and
    /// nothing (with a warning) should the second connection not open: the writer then
    /// checkpoints as before.
    pub fn checkpoint_aside(&self) -> Option<Checkpoints> {
        let Conn::Lite(conn) = &self.conn else {
            return None;
        };
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
            Ok(thread) => Some(Checkpoints {
                stop: Some(stop),
                thread: Some(thread),
            }),
            Err(e) => {
                tracing::warn!("checkpoints stay on the writer: cannot start their thread: {e}");
                self.own_checkpoints();
                None
            }
        }
    }

    fn own_checkpoints(&self) {
        if let Conn::Lite(conn) = &self.conn
            && let Err(e) = conn.pragma_update(None, "wal_autocheckpoint", DEFAULT_PAGES)
        {
            tracing::warn!("restoring the writer's own checkpoints: {e}");
        }
    }
}

impl Checkpoints {
    /// Stop the thread after its last checkpoint, and give checkpoints back to `store`'s
    /// writer.
    pub fn finish(mut self, store: &Store) {
        self.stop_and_join();
        store.own_checkpoints();
    }

    fn stop_and_join(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the checkpoint thread panicked");
        }
    }
}

impl Drop for Checkpoints {
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

    fn autocheckpoint(store: &Store) -> anyhow::Result<i64> {
        let Conn::Lite(conn) = &store.conn else {
            anyhow::bail!("not SQLite");
        };
        Ok(conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?)
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
        let aside = store.checkpoint_aside().context("no checkpoint thread")?;
        assert_eq!(autocheckpoint(&store)?, BACKSTOP_PAGES);
        conn.execute_batch("CREATE TABLE scratch (body BLOB)")?;
        // 40 commits of 100 KB: about 1,000 pages, far below the writer's own threshold.
        for _ in 0..40 {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            for _ in 0..25 {
                conn.execute("INSERT INTO scratch VALUES (zeroblob(4000))", [])?;
            }
            conn.execute_batch("COMMIT")?;
        }
        aside.finish(&store);
        assert_eq!(autocheckpoint(&store)?, DEFAULT_PAGES);
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
        assert!(store.checkpoint_aside().is_none());
        Ok(())
    }
}
