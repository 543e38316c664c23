//! The store stage: one SQLite file by default, or a PostgreSQL database shared by several
//! collectors and review servers (`store = "postgres://…"`). All SQL in banyue lives in
//! this module, written once for both engines (`engine` translates it).
//!
//! Writes happen in transactions (and SQLite runs in WAL mode), so a crash at any moment
//! leaves either the old or the new state, never half of a source's items.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

mod alerts;
mod auth;
mod bulk;
mod copy;
pub mod engine;
mod issues;
mod pg;
mod search;
mod words;

pub use bulk::BulkWrites;
pub use copy::copy;
pub use engine::Engine;
use engine::{Conn, Row, Tx, params};

pub use alerts::{AlertTally, Look, OutboxRow, Outgoing};
pub use auth::StoredSession;
pub use search::{Found, SearchQuery, Tuning as SearchTuning, key as search_key};
pub use words::path_beside as search_index_path;

use crate::dedup::{Candidate, Signature, TEXT_READ};
use crate::model::{Decision, Item, PolicyMeta, StoredItem};

/// The migration (counted from 1) that makes the search index as it is now: a store
/// migrated from before it has its reports indexed again (in the index's own file).
pub fn search_migration() -> usize {
    MIGRATIONS
        .iter()
        .rposition(|m| m.contains("store_identity"))
        .map_or(usize::MAX, |p| p + 1)
}

/// `sql` without its `ALTER TABLE t ADD COLUMN c …;` lines whose column `t` already has:
/// SQLite has no `ADD COLUMN IF NOT EXISTS`, and a migration may run again on a store
/// that has it (one whose version was set back to rebuild its search index).
fn without_present_columns(tx: &Tx, sql: &str) -> anyhow::Result<String> {
    let mut kept = String::with_capacity(sql.len());
    for line in sql.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["ALTER", "TABLE", table, "ADD", "COLUMN", column, ..] = words.as_slice() {
            let present: i64 = tx.query_row(
                "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
                params![*table, *column],
                |r| r.get(0),
            )?;
            if present > 0 {
                continue;
            }
        }
        kept.push_str(line);
        kept.push('\n');
    }
    Ok(kept)
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_attempt TEXT,
    last_success TEXT,
    last_status INTEGER,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    items_new INTEGER NOT NULL DEFAULT 0,
    items_seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL,
    guid TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    content_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    published TEXT,
    fetched_at TEXT NOT NULL,
    author TEXT,
    issuer TEXT,
    doc_number TEXT,
    written TEXT,
    index_no TEXT,
    topic TEXT,
    section TEXT NOT NULL,
    score REAL NOT NULL,
    city TEXT,
    rejected TEXT,
    decision TEXT NOT NULL,
    signature BLOB NOT NULL,
    duplicate_of INTEGER REFERENCES items(id),
    duplicate_reason TEXT,
    UNIQUE (source_id, guid)
);
CREATE UNIQUE INDEX items_url ON items(url) WHERE url IS NOT NULL;
CREATE INDEX items_day ON items(coalesce(published, fetched_at));
CREATE INDEX items_fetched ON items(fetched_at);
CREATE INDEX items_duplicate_of ON items(duplicate_of);
"#,
    r#"
ALTER TABLE sources ADD COLUMN etag TEXT;
ALTER TABLE sources ADD COLUMN last_modified TEXT;
ALTER TABLE sources ADD COLUMN next_due TEXT;
ALTER TABLE sources ADD COLUMN last_new TEXT;
ALTER TABLE sources ADD COLUMN not_modified INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
CREATE TABLE labels (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    section TEXT NOT NULL,
    city TEXT,
    editor TEXT NOT NULL,
    at TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE issues (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    total INTEGER NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    created_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (year, number)
);
CREATE TABLE edits (
    id INTEGER PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id),
    item_id INTEGER REFERENCES items(id),
    edit TEXT NOT NULL,
    editor TEXT NOT NULL,
    at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX edits_issue ON edits(issue_id);
"#,
    r#"
CREATE TABLE leases (
    source_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires TEXT NOT NULL
);
"#,
    r#"
ALTER TABLE sources ADD COLUMN last_warning TEXT;
"#,
    // A draft reads its window from this index alone (what `items_for_window` selects),
    // never the rows with their HTML and decisions: at 30k items, 195 ms → 82 ms.
    r#"
CREATE INDEX IF NOT EXISTS items_window ON items(coalesce(published, fetched_at), id, published, fetched_at, source_id,
    guid, url, title, issuer, doc_number, written, index_no, topic, section, score, city, rejected, duplicate_of);
"#,
    // What a source's documents held last time and at best: a list page whose template
    // changed reads zero rows, or rows without dates, where it read them before.
    r#"
ALTER TABLE sources ADD COLUMN rows_read INTEGER;
ALTER TABLE sources ADD COLUMN rows_dated INTEGER;
ALTER TABLE sources ADD COLUMN rows_best INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN dated_best INTEGER NOT NULL DEFAULT 0;
"#,
    // Sign-in state every review server shares and a restart keeps.
    r#"
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at TEXT NOT NULL
);
"#,
    // Archive search: each report's words (`search::document`) under `search::key`
    // (its date, then its id). The words are not kept (contentless): results are read
    // from `items`.
    r#"
CREATE VIRTUAL TABLE item_words USING fts5(words, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0');
"#,
    // Alerts: messages waiting to go (one per target and event key, so a state change is
    // told once), the last state told of each watched thing, and what editors last saw.
    // IF NOT EXISTS: a store rebuilt from before the search index runs it again.
    r#"
CREATE TABLE IF NOT EXISTS alert_outbox (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    event TEXT NOT NULL,
    created TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT NOT NULL,
    claimed_until TEXT,
    last_error TEXT,
    last_error_at TEXT,
    sent_at TEXT,
    gave_up INTEGER NOT NULL DEFAULT 0,
    UNIQUE (target, key)
);
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (next_try) WHERE sent_at IS NULL AND gave_up = 0;
CREATE TABLE IF NOT EXISTS alert_states (
    target TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (target, subject)
);
CREATE TABLE IF NOT EXISTS draft_looks (
    issue TEXT PRIMARY KEY,
    editor TEXT NOT NULL,
    at TEXT NOT NULL,
    items TEXT NOT NULL
);
"#,
    // A count of changes to the items (and to the sources' names they are shown with),
    // kept by the database itself so that every writer bumps it: a reader that kept a
    // window's items knows from one row whether they are still what the store holds.
    r#"
CREATE TABLE IF NOT EXISTS items_version (one INTEGER PRIMARY KEY CHECK (one = 1), v INTEGER NOT NULL);
INSERT OR IGNORE INTO items_version (one, v) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS items_version_insert AFTER INSERT ON items BEGIN UPDATE items_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS items_version_update AFTER UPDATE ON items BEGIN UPDATE items_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS items_version_delete AFTER DELETE ON items BEGIN UPDATE items_version SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS items_version_source AFTER UPDATE OF name ON sources BEGIN UPDATE items_version SET v = v + 1; END;
"#,
    // When a run gave its leases back: a run that started before then leaves those
    // sources alone (another collector just fetched them).
    r#"
CREATE TABLE IF NOT EXISTS leases_done (source_id TEXT PRIMARY KEY, done_at TEXT NOT NULL);
"#,
    // A count of changes to what else the outputs are built from (issues, edits, labels),
    // as PostgreSQL keeps it: with `items_version`, what the published files were built
    // from, across processes and restarts.
    r#"
CREATE TABLE IF NOT EXISTS store_changes (one INTEGER PRIMARY KEY CHECK (one = 1), v INTEGER NOT NULL);
INSERT OR IGNORE INTO store_changes (one, v) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS store_changes_issues_i AFTER INSERT ON issues BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_issues_u AFTER UPDATE ON issues BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_issues_d AFTER DELETE ON issues BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_edits_i AFTER INSERT ON edits BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_edits_u AFTER UPDATE ON edits BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_edits_d AFTER DELETE ON edits BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_labels_i AFTER INSERT ON labels BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_labels_u AFTER UPDATE ON labels BEGIN UPDATE store_changes SET v = v + 1; END;
CREATE TRIGGER IF NOT EXISTS store_changes_labels_d AFTER DELETE ON labels BEGIN UPDATE store_changes SET v = v + 1; END;
"#,
    // Every run records each source's health with its name in the update: only a name
    // that changed is a change to what items are shown with.
    r#"
DROP TRIGGER IF EXISTS items_version_source;
CREATE TRIGGER items_version_source AFTER UPDATE OF name ON sources WHEN old.name IS NOT new.name
BEGIN UPDATE items_version SET v = v + 1; END;
"#,
    // `items_window` starts with the same key, so `items_day` only cost every insert a
    // second B-tree to update.
    r#"
DROP INDEX IF EXISTS items_day;
"#,
    // How near the model came to rejecting a kept item (`Decision::doubt`): the selection
    // reads it with the window, so the window's index carries it.
    r#"
ALTER TABLE items ADD COLUMN doubt REAL NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS items_window;
CREATE INDEX items_window ON items(coalesce(published, fetched_at), id, published, fetched_at, source_id,
    guid, url, title, issuer, doc_number, written, index_no, topic, section, score, city, rejected, doubt, duplicate_of);
"#,
    // The search index rebuilt with FTS5's `ascii` tokenizer: `search::words` has already
    // split and folded every document into space-separated words (Han bigrams, lowercase
    // Latin words), and `ascii` reads them as `unicode61` did, cutting at the spaces alone
    // without its Unicode tables. On a cold run of the 2,000-feed farm the commits took
    // 3.4–3.5 s with `unicode61` and 2.9 s with `ascii` (`docs/benchmarks.md`, stop 56).
    // Every stored report is indexed again when this runs (`Store::migrate`).
    r#"
DROP TABLE IF EXISTS item_words;
CREATE VIRTUAL TABLE item_words USING fts5(words, content = '', contentless_delete = 1, tokenize = 'ascii');
"#,
    // The search index moved to a file of its own (`store::words`), which knows the store
    // it was built for by this identity; the reports are indexed there when it is
    // attached.
    r#"
DROP TABLE IF EXISTS item_words;
CREATE TABLE IF NOT EXISTS store_identity (one INTEGER PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL);
INSERT OR IGNORE INTO store_identity (one, id) VALUES (1, lower(hex(randomblob(16))));
"#,
];

/// Timestamps are stored as fixed-width UTC text so that SQL compares them correctly.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// A new item with everything decided about it.
pub struct NewItem<'a> {
    pub item: &'a Item,
    pub decision: &'a Decision,
    pub signature: Signature,
    pub duplicate_of: Option<(i64, String)>,
    /// Its search words (`search::document`), when they were made ahead on another
    /// core; made here otherwise.
    pub words: Option<String>,
}

/// The result of one source in one run, for the sources table.
#[derive(Debug, Clone, Default)]
pub struct SourceRun {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub new: usize,
    pub seen: usize,
    /// The server answered 304.
    pub not_modified: bool,
    /// Validators of the answer, kept for the next conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Not before this time again (backoff, Retry-After).
    pub next_due: Option<DateTime<Utc>>,
    /// The run's first warning, if any.
    pub warning: Option<String>,
    /// Rows its documents held, and how many were dated (`None`: nothing was read).
    pub rows: Option<usize>,
    pub dated: Option<usize>,
}

/// What the fetcher needs to know of a source's past.
#[derive(Debug, Clone, Default)]
pub struct SourceState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_due: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_new: Option<DateTime<Utc>>,
}

/// A source's health as stored.
#[derive(Debug, Clone, Default)]
pub struct SourceHealth {
    pub id: String,
    pub name: String,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// What the last run had to repair or skip (invalid bytes, control characters).
    pub last_warning: Option<String>,
    pub consecutive_failures: i64,
    pub items_new: i64,
    pub items_seen: i64,
    pub next_due: Option<String>,
    pub last_new: Option<String>,
    pub not_modified: bool,
    /// Rows read last time (and dated), and the most ever read (and dated) in one run.
    pub rows_read: Option<i64>,
    pub rows_dated: Option<i64>,
    pub rows_best: i64,
    pub dated_best: i64,
}

/// Another outlet's report of a story, shown as "also reported by".
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AlsoReported {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub url: Option<String>,
    pub reason: Option<String>,
}

pub struct Store {
    conn: Conn,
    /// The search index's file is attached ([`words`]): a write transaction then locks
    /// the database's own file alone.
    words: bool,
    /// While a run stores, the thread that fills the search index ([`Store::bulk_writes`]).
    indexer: std::sync::Mutex<Option<words::Indexer>>,
    /// Windows' items read before, with the items' version they were read at, when the
    /// store was asked to keep them ([`Store::keep_windows`]).
    windows: std::sync::Mutex<Vec<(WindowKey, std::sync::Arc<Vec<StoredItem>>)>>,
    keep_windows: bool,
    search: search::Tuning,
}

/// Where a store is (`store` in the settings).
pub use crate::config::StoreLocation as Location;

/// A window read: its bounds, its grace start and the items' version.
type WindowKey = (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>, i64);

/// How many windows a store keeps: the review page reads the issue's window and a wider
/// one for its stale stories.
const KEPT_WINDOWS: usize = 2;

const ITEM_COLUMNS: &str = "i.id, i.source_id, coalesce(s.name, i.source_id), i.guid, i.url, i.title, i.summary, \
     i.content_html, i.published, i.fetched_at, i.issuer, i.doc_number, i.written, i.index_no, i.topic, \
     i.decision, i.duplicate_of";

fn item_from_row(r: &Row) -> anyhow::Result<StoredItem> {
    let decision: String = r.get(15)?;
    item_with(r, serde_json::from_str(&decision).unwrap_or_default(), 16)
}

/// An item from the first 15 columns of [`ITEM_COLUMNS`] (in its order), its decision as
/// the query read it, and `duplicate_of` from column `duplicate_col`.
fn item_with(r: &Row, decision: Decision, duplicate_col: usize) -> anyhow::Result<StoredItem> {
    let published: Option<String> = r.get(8)?;
    let fetched: String = r.get(9)?;
    Ok(StoredItem {
        id: r.get(0)?,
        source_id: r.get(1)?,
        source_name: r.get(2)?,
        guid: r.get(3)?,
        url: r.get(4)?,
        title: r.get(5)?,
        summary: r.get(6)?,
        content_html: r.get(7)?,
        published: published.as_deref().and_then(parse_ts),
        fetched_at: parse_ts(&fetched).unwrap_or_default(),
        policy: PolicyMeta {
            issuer: r.get(10)?,
            doc_number: r.get(11)?,
            written: r.get(12)?,
            index_no: r.get(13)?,
            topic: r.get(14)?,
        },
        decision,
        duplicate_of: r.get(duplicate_col)?,
    })
}

/// The query of the representatives (no one's duplicate) that `filter` keeps, in the
/// columns [`candidate_from_row`] reads; the text as far as a candidate reads it.
fn candidates_where(filter: &str) -> String {
    format!(
        "SELECT id, source_id, title, substr(body_text, 1, {TEXT_READ}), doc_number, coalesce(published, fetched_at)
         FROM items WHERE duplicate_of IS NULL AND {filter}"
    )
}

/// A near-duplicate candidate from `id, source_id, title, text, doc_number, date`.
fn candidate_from_row(r: &Row) -> anyhow::Result<Candidate> {
    let (source, title, text): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
    let doc: Option<String> = r.get(4)?;
    let date: String = r.get(5)?;
    Ok(Candidate::new(
        r.get(0)?,
        &source,
        &title,
        &text,
        doc.as_deref(),
        parse_ts(&date).unwrap_or_default(),
    ))
}

/// This process's name as a lease holder: host, process id and start time.
pub fn lease_holder() -> String {
    format!(
        "{}:{}:{}",
        host_name(),
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// Read once: every lease taken asks whether its holders still run.
fn host_name() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|h| h.trim().to_string())
            .unwrap_or_default()
    })
}

/// Whether a lease holder was a process on this machine that no longer runs.
fn lease_holder_gone(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let here = host_name();
    !here.is_empty()
        && host == here
        && pid
            .parse::<u32>()
            .is_ok_and(|p| p != std::process::id() && !Path::new(&format!("/proc/{p}")).exists())
}

/// The PostgreSQL advisory lock a batch of items is stored under (chosen once).
const STORING_LOCK: i64 = 0x0062_616e_7975_6501;

/// The PostgreSQL advisory lock the outputs are built under: one collector or desk at a
/// time decides whether they are current and writes them.
const PUBLISHING_LOCK: i64 = 0x0062_616e_7975_6502;

/// A write transaction on `conn`: with the search index's file attached (`words`), one
/// that locks the store's own file alone ([`Tx::begin_locking`]).
fn begin_write(conn: &Conn, words: bool) -> anyhow::Result<Tx<'_>> {
    if words {
        Tx::begin_locking(conn, "items_version")
    } else {
        Tx::begin(conn)
    }
}

/// How long a writer waits for another (a run storing a source, an editor's edit).
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl Store {
    /// A write transaction (see [`Tx::begin`]).
    fn write(&mut self) -> anyhow::Result<Tx<'_>> {
        begin_write(&self.conn, self.words)
    }

    /// Open the store at `at`, bringing its schema up to date.
    pub fn connect(at: &Location) -> anyhow::Result<Store> {
        match at {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres(url) => {
                let conn = Conn::Pg(engine::PgClient::connect(url)?);
                let mut store = Store::with(conn);
                store
                    .migrate()
                    .with_context(|| format!("cannot migrate the store at {at}"))?;
                Ok(store)
            }
        }
    }

    fn with(conn: Conn) -> Store {
        Store {
            conn,
            words: false,
            indexer: std::sync::Mutex::new(None),
            windows: std::sync::Mutex::new(Vec::new()),
            keep_windows: false,
            search: search::Tuning::default(),
        }
    }

    /// Open (creating if needed) the SQLite database at `path` and bring its schema up
    /// to date.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut store = Store::with(Store::connection(path)?);
        store
            .migrate()
            .with_context(|| format!("cannot migrate database {}", path.display()))?;
        store.attach_words(path)?;
        Ok(store)
    }

    /// A connection to the SQLite database at `path`, set as every connection to a store
    /// is (its schema as it is).
    fn connection(path: &Path) -> anyhow::Result<Conn> {
        let conn = Connection::open(path).with_context(|| format!("cannot open database {}", path.display()))?;
        // Writers wait for each other (every write transaction takes the lock before it
        // reads, so none fails half-way on a lock it cannot upgrade), up to this long.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Conn::Lite(conn))
    }

    /// Attach the search index's file and index what it lacks.
    fn attach_words(&mut self, path: &Path) -> anyhow::Result<()> {
        words::attach(&self.conn, path).context("opening the search index")?;
        self.words = true;
        let n = words::catch_up(&self.conn, Vec::new()).context("catching the search index up")?;
        if n > 0 {
            tracing::info!("search: indexed {n} reports the index did not have");
        }
        Ok(())
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.conn.engine()
    }

    fn migrate(&mut self) -> anyhow::Result<()> {
        let Conn::Lite(_) = &self.conn else {
            return pg::migrate(&self.conn);
        };
        // The version is read inside the write transaction: a desk and a collector
        // starting together on one volume migrate once, the second finding it done.
        let tx = self.write()?;
        let version = tx.query_row("PRAGMA user_version", &[], |r| r.get::<usize>(0))?;
        if version > MIGRATIONS.len() {
            anyhow::bail!(
                "database schema {version} is newer than this banyue ({})",
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(&without_present_columns(&tx, sql)?)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        }
        // The search index is filled when its file is attached (`Store::attach_words`).
        tx.commit()
    }

    /// The database file, for another connection to the same store.
    pub fn path(&self) -> Option<std::path::PathBuf> {
        match &self.conn {
            Conn::Lite(c) => c.path().filter(|p| !p.is_empty()).map(std::path::PathBuf::from),
            Conn::Pg(_) => None,
        }
    }

    pub fn schema_version(&self) -> anyhow::Result<usize> {
        match &self.conn {
            Conn::Lite(_) => self.conn.query_row("PRAGMA user_version", &[], |r| r.get(0)),
            Conn::Pg(_) => pg::schema_version(&self.conn),
        }
    }

    /// Start a transaction: one per group of sources, each in a savepoint of its own
    /// ([`Batch::savepoint`]), so a source's items land all or not at all.
    /// It holds the store's write lock: on SQLite the database's, on PostgreSQL an
    /// advisory lock, so that collectors sharing a store compare and add stories one at a
    /// time, as one run does (two reports of a story stored at once would both stand).
    pub fn begin(&mut self) -> anyhow::Result<Batch<'_>> {
        let tx = begin_write(&self.conn, self.words)?;
        if tx.is_pg() {
            tx.execute("SELECT pg_advisory_xact_lock(?1)", params![STORING_LOCK])?;
        }
        Ok(Batch {
            tx,
            inserted: std::cell::Cell::new(false),
            words: std::cell::RefCell::new(Vec::new()),
            indexer: &self.indexer,
        })
    }

    /// Take the leases of `sources` that no other run holds (or whose holder's lease
    /// expired), for `holder` until `until`; the ids taken. A second run that overlaps
    /// the first fetches only what the first is not fetching.
    ///
    /// On PostgreSQL two collectors taking leases at once are ordered by the row locks of
    /// the upsert: the second sees the first's lease once it commits and takes nothing
    /// it holds. Ids are taken in sorted order, so two collectors never wait on each other
    /// in a circle.
    pub fn take_leases(
        &mut self,
        sources: &[String],
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> anyhow::Result<Vec<String>> {
        let tx = self.write()?;
        // A lease whose holder was a process of this machine that is gone (a run
        // killed mid-way) is free at once; one from another machine waits for expiry.
        let holders: Vec<String> = tx.query_map(
            "SELECT DISTINCT holder FROM leases WHERE expires >= ?1",
            params![ts(now)],
            |r| r.get(0),
        )?;
        for h in holders {
            if lease_holder_gone(&h) {
                tx.execute("DELETE FROM leases WHERE holder = ?1", params![h])?;
            }
        }
        let mut sorted: Vec<&String> = sources.iter().collect();
        sorted.sort();
        let mut taken = Vec::new();
        for id in sorted {
            let n = tx.execute(
                "INSERT INTO leases (source_id, holder, expires) VALUES (?1, ?2, ?3)
                 ON CONFLICT(source_id) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                 WHERE leases.expires < ?4 OR leases.holder = excluded.holder",
                params![id, holder, ts(until), ts(now)],
            )?;
            if n > 0 {
                taken.push(id.clone());
            }
        }
        tx.commit()?;
        // In the caller's order.
        taken.sort_by_key(|id| sources.iter().position(|s| s == id));
        Ok(taken)
    }

    /// Who holds the lease of `source` until when, if anyone does after `now`.
    pub fn lease(&self, source: &str, now: DateTime<Utc>) -> anyhow::Result<Option<(String, DateTime<Utc>)>> {
        let row: Option<(String, String)> = self.conn.query_opt(
            "SELECT holder, expires FROM leases WHERE source_id = ?1 AND expires >= ?2",
            params![source, ts(now)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(row.and_then(|(h, e)| parse_ts(&e).map(|e| (h, e))))
    }

    /// Give back the leases `holder` took, marking the sources done at `now`.
    pub fn release_leases(&mut self, holder: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let tx = self.write()?;
        release(&tx, holder, None, now)?;
        tx.commit()
    }

    /// When a run last gave back the lease of `source` (it fetched it then or before).
    pub fn lease_done(&self, source: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
        let done: Option<String> = self.conn.query_opt(
            "SELECT done_at FROM leases_done WHERE source_id = ?1",
            params![source],
            |r| r.get(0),
        )?;
        Ok(done.as_deref().and_then(parse_ts))
    }

    /// Representatives collected since `since`, for the near-duplicate check, each handed
    /// to `f` as it is read (the index keeps less of one than a candidate holds). Their
    /// signatures and facts are computed from the stored text, so that a database
    /// written by an older release is compared the way this one reads.
    pub fn each_candidate(&self, since: DateTime<Utc>, mut f: impl FnMut(Candidate)) -> anyhow::Result<()> {
        self.conn.query_map(
            &candidates_where("coalesce(published, fetched_at) >= ?1"),
            params![ts(since)],
            |r| candidate_from_row(r).map(&mut f),
        )?;
        Ok(())
    }

    /// The largest item id (0 in an empty store).
    pub fn max_item_id(&self) -> anyhow::Result<i64> {
        max_item_id(&self.conn)
    }

    /// Representatives stored after item `after` and dated since `since`, as committed.
    pub fn candidates_after(&self, after: i64, since: DateTime<Utc>) -> anyhow::Result<Vec<Candidate>> {
        candidates_after(&self.conn, after, since)
    }

    /// The page cache of [`Store::reader`]'s connection, in KiB (SQLite's default: 2,000).
    const READER_CACHE_KIB: i64 = 512;

    /// A second connection to this store, to read what is committed beside a thread
    /// that writes on this one (a run judges a group while the group before is
    /// written): on SQLite in a file, `None` otherwise.
    pub fn reader(&self) -> anyhow::Result<Option<Store>> {
        let Conn::Lite(_) = &self.conn else {
            return Ok(None);
        };
        let Some(path) = self.path() else {
            return Ok(None);
        };
        let conn = Store::connection(&path)?;
        if let Conn::Lite(c) = &conn {
            // It reads what was just committed, a few pages a group, read once.
            bulk::set_caches(c, false, Self::READER_CACHE_KIB, 0);
        }
        Ok(Some(Store::with(conn)))
    }

    /// Headlines of the reports editors split from a story, each with the headline of
    /// the story's representative: pairs the near-duplicate check must keep apart.
    pub fn split_pairs(&self) -> anyhow::Result<Vec<(String, String)>> {
        self.conn.query_map(
            "SELECT a.title, b.title FROM edits e
             JOIN items a ON a.id = e.item_id JOIN items b ON b.id = a.duplicate_of
             WHERE e.undone_at IS NULL AND json_extract(e.edit, '$.action') = 'split'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Items that belong to an issue window: published inside it, or first collected
    /// inside it and published at most `grace` before it started.
    /// Their HTML content and summary are left out (empty), and so are the reasons and
    /// runners-up of their decisions: a window holds thousands of items and a draft shows
    /// a few; [`Store::shown`] reads those for the few.
    pub fn items_for_window(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        grace_from: DateTime<Utc>,
    ) -> anyhow::Result<Vec<StoredItem>> {
        // Not the HTML, the summary or the decision's JSON (its reasons): a window holds
        // tens of thousands of items and a draft needs their headlines and filing only;
        // parsing decisions was most of a draft's time. The decision's own columns are
        // read as they are.
        let columns = ITEM_COLUMNS
            .replace("i.content_html", "'' AS content_html")
            .replace("i.summary", "'' AS summary")
            .replace("i.decision", "i.section, i.score, i.city, i.rejected, i.doubt");
        // Every item of the window files between `grace_from` and a day past `to` (a
        // date more than a day past its fetch is replaced by the fetch time), so the
        // `items_window` index bounds the scan on both sides: neither years of older items
        // nor the days after the window are read.
        let sql = format!(
            "SELECT {columns} FROM items i LEFT JOIN sources s ON s.id = i.source_id
             WHERE coalesce(i.published, i.fetched_at) >= ?3
               AND coalesce(i.published, i.fetched_at) < ?4
               AND ((i.published >= ?1 AND i.published < ?2)
                OR (i.fetched_at >= ?1 AND i.fetched_at < ?2 AND (i.published IS NULL OR i.published >= ?3)))
             ORDER BY coalesce(i.published, i.fetched_at), i.id"
        );
        let horizon = to + chrono::Duration::days(2);
        self.conn.query_map(
            &sql,
            params![ts(from), ts(to), ts(grace_from.min(from)), ts(horizon)],
            |r| {
                let decision = Decision {
                    section: r.get::<Option<String>>(15)?.unwrap_or_default(),
                    score: r.get::<Option<f64>>(16)?.unwrap_or_default() as f32,
                    city: r.get(17)?,
                    rejected: r.get(18)?,
                    doubt: r.get::<Option<f64>>(19)?.unwrap_or_default() as f32,
                    ..Default::default()
                };
                item_with(r, decision, 20)
            },
        )
    }

    /// Keep the windows read by [`Store::window_items`] until the items change: for a
    /// long-lived reader that drafts one window again and again (the review server, after
    /// each edit), not for a collector, which changes the items every run.
    pub fn keep_windows(&mut self) {
        self.keep_windows = true;
    }

    /// The count of changes to the items (see the `items_version` table).
    pub fn items_version(&self) -> anyhow::Result<i64> {
        self.conn
            .query_row("SELECT v FROM items_version WHERE one = 1", &[], |r| r.get(0))
    }

    /// [`Store::items_for_window`], served from the last reads while the items are
    /// unchanged when the store keeps windows.
    pub fn window_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        grace_from: DateTime<Utc>,
    ) -> anyhow::Result<std::sync::Arc<Vec<StoredItem>>> {
        if !self.keep_windows {
            return Ok(std::sync::Arc::new(self.items_for_window(from, to, grace_from)?));
        }
        let key = (from, to, grace_from, self.items_version()?);
        if let Ok(kept) = self.windows.lock()
            && let Some((_, items)) = kept.iter().find(|(k, _)| *k == key)
        {
            return Ok(items.clone());
        }
        let items = std::sync::Arc::new(self.items_for_window(from, to, grace_from)?);
        if let Ok(mut kept) = self.windows.lock() {
            // What was read at an older version can never be served again.
            kept.retain(|(k, _)| k.3 == key.3);
            if kept.len() >= KEPT_WINDOWS {
                kept.remove(0);
            }
            kept.push((key, items.clone()));
        }
        Ok(items)
    }

    /// The newest `limit` items that may be published (representatives, not rejected).
    /// The unary `+` keeps SQLite off the `duplicate_of` index: with it, the planner read
    /// every story with its HTML into a sort (0.41 s on 71k stories); walking the
    /// window index newest first reads `limit` rows (0.03 s).
    pub fn recent_publishable(&self, limit: usize) -> anyhow::Result<Vec<StoredItem>> {
        self.conn.query_map(&recent_sql(), params![limit], item_from_row)
    }

    pub fn item(&self, id: i64) -> anyhow::Result<Option<StoredItem>> {
        let sql =
            format!("SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.id = i.source_id WHERE i.id = ?1");
        self.conn.query_opt(&sql, params![id], item_from_row)
    }

    /// Every stored item, oldest first (for tests and exports of small stores).
    pub fn all_items(&self) -> anyhow::Result<Vec<StoredItem>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.id = i.source_id ORDER BY i.id");
        self.conn.query_map(&sql, &[], item_from_row)
    }

    /// `PRAGMA integrity_check` on SQLite: "ok" for a sound file. PostgreSQL keeps its
    /// own pages sound; there it is "ok" when the store answers.
    pub fn integrity_check(&self) -> anyhow::Result<String> {
        match &self.conn {
            Conn::Lite(_) => self.conn.query_row("PRAGMA integrity_check", &[], |r| r.get(0)),
            Conn::Pg(_) => self.conn.query_row("SELECT 'ok'::text", &[], |r| r.get(0)),
        }
    }

    /// Items whose title contains `needle` (for `explain` by title).
    pub fn find_by_title(&self, needle: &str, limit: usize) -> anyhow::Result<Vec<StoredItem>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.id = i.source_id
             WHERE instr(i.title, ?1) > 0 ORDER BY i.id DESC LIMIT ?2"
        );
        self.conn.query_map(&sql, params![needle, limit], item_from_row)
    }

    /// For each representative, the other reports merged into it.
    pub fn also_reported(&self, ids: &[i64]) -> anyhow::Result<HashMap<i64, Vec<AlsoReported>>> {
        let mut out: HashMap<i64, Vec<AlsoReported>> = HashMap::new();
        // One query for all of them (a window holds thousands of stories).
        let rows = self.conn.query_map(
            "SELECT i.duplicate_of, i.id, coalesce(s.name, i.source_id), i.title, i.url, i.duplicate_reason
             FROM items i LEFT JOIN sources s ON s.id = i.source_id
             WHERE i.duplicate_of IN (SELECT value FROM json_each(?1)) ORDER BY i.id",
            params![serde_json::to_string(ids)?],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    AlsoReported {
                        id: r.get(1)?,
                        source: r.get(2)?,
                        title: r.get(3)?,
                        url: r.get(4)?,
                        reason: r.get(5)?,
                    },
                ))
            },
        )?;
        for (rep, also) in rows {
            out.entry(rep).or_default().push(also);
        }
        Ok(out)
    }

    /// What a draft shows of these items beyond the window's columns: the summary and
    /// the reasons of the decision.
    pub fn shown(&self, ids: &[i64]) -> anyhow::Result<HashMap<i64, (String, Vec<String>)>> {
        let rows = self.conn.query_map(
            "SELECT id, summary, json_extract(decision, '$.reasons') FROM items
             WHERE id IN (SELECT value FROM json_each(?1))",
            params![serde_json::to_string(ids)?],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<Option<String>>(2)?)),
        )?;
        let mut out = HashMap::new();
        for (id, summary, json) in rows {
            let reasons: Vec<String> = json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
            out.insert(id, (summary, reasons));
        }
        Ok(out)
    }

    /// The item stored under this canonical link, if any.
    pub fn find_by_url(&self, url: &str) -> anyhow::Result<Option<i64>> {
        self.conn
            .query_opt("SELECT id FROM items WHERE url = ?1", params![url], |r| r.get(0))
    }

    /// Whether this item is already stored (same guid in its source, or same link).
    pub fn is_known(&self, item: &Item) -> anyhow::Result<bool> {
        known(&self.conn, item)
    }

    /// Which of `items` are already stored, as [`Store::is_known`] says of each.
    pub fn known_among(&self, items: &[Item]) -> anyhow::Result<Vec<bool>> {
        known_among(&self.conn, items)
    }

    /// File an item where an editor says (a section id, or `off-topic`): stored as a
    /// label the classifier learns from, and applied to the item at once.
    pub fn set_label(
        &mut self,
        id: i64,
        section: &str,
        city: Option<&str>,
        editor: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let tx = self.write()?;
        let decision: Option<String> =
            tx.query_opt("SELECT decision FROM items WHERE id = ?1", params![id], |r| r.get(0))?;
        let Some(decision) = decision else {
            anyhow::bail!("no item #{id}");
        };
        let mut d: Decision = serde_json::from_str(&decision).unwrap_or_default();
        d.reasons.push(format!("editor {editor} filed it under {section}"));
        if section == crate::model::OFF_TOPIC {
            d.rejected = Some(format!("off-topic: excluded by editor {editor}"));
        } else {
            d.rejected = None;
            d.section = section.to_string();
        }
        if let Some(c) = city {
            d.city = (!c.is_empty()).then(|| c.to_string());
        }
        tx.execute(
            "INSERT INTO labels (item_id, section, city, editor, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (item_id) DO UPDATE SET section = excluded.section, city = excluded.city, editor = excluded.editor, at = excluded.at",
            params![id, section, city, editor, ts(at)],
        )?;
        write_decision(&tx, id, &d)?;
        tx.commit()?;
        Ok(())
    }

    /// Every labelled item, as training data.
    pub fn training_examples(&self) -> anyhow::Result<Vec<crate::classify::learn::Example>> {
        self.conn.query_map(
            "SELECT i.title, i.body_text, i.source_id, l.section FROM labels l JOIN items i ON i.id = l.item_id ORDER BY l.item_id",
            &[],
            |r| {
                Ok(crate::classify::learn::Example {
                    title: r.get(0)?,
                    text: r.get(1)?,
                    source_id: r.get(2)?,
                    label: r.get(3)?,
                })
            },
        )
    }

    /// Sections of a source's latest `limit` kept items (as editors left them), with how
    /// many went to each: what the source usually yields.
    pub fn source_sections(&self, source_id: &str, limit: u32) -> anyhow::Result<Vec<(String, u32)>> {
        self.conn.query_map(
            "SELECT section, count(*) FROM (SELECT section FROM items WHERE source_id = ?1 AND rejected IS NULL
             ORDER BY id DESC LIMIT ?2) AS latest GROUP BY section",
            params![source_id, limit],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Ids of the items editors filed by hand.
    pub fn labelled_ids(&self) -> anyhow::Result<std::collections::HashSet<i64>> {
        Ok(self
            .conn
            .query_map("SELECT item_id FROM labels", &[], |r| r.get(0))?
            .into_iter()
            .collect())
    }

    /// The plain text of an item's body.
    pub fn body_text(&self, id: i64) -> anyhow::Result<String> {
        self.conn
            .query_row("SELECT body_text FROM items WHERE id = ?1", params![id], |r| r.get(0))
            .with_context(|| format!("no item #{id}"))
    }

    /// Replace the classifier's decision for an item (after it learned something).
    pub fn update_decision(&mut self, id: i64, d: &Decision) -> anyhow::Result<()> {
        write_decision(&self.conn, id, d)
    }

    /// When the newest item was collected: what "now" means for outputs, so that an
    /// unchanged store renders to unchanged files.
    pub fn last_change(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self
            .conn
            .query_row("SELECT max(fetched_at) FROM items", &[], |r| r.get(0))?;
        Ok(t.as_deref().and_then(parse_ts))
    }

    /// A value that changes whenever anything in the database does: a key for caches of
    /// what is built from the store. On SQLite, changes by this connection
    /// (`total_changes()`) or another (`PRAGMA data_version`); on PostgreSQL, the counts
    /// its triggers keep of changes to the items and to the issues, edits and labels.
    pub fn version(&self) -> anyhow::Result<(i64, i64)> {
        match &self.conn {
            Conn::Lite(_) => {
                let other: i64 = self.conn.query_row("PRAGMA data_version", &[], |r| r.get(0))?;
                let own: i64 = self.conn.query_row("SELECT total_changes()", &[], |r| r.get(0))?;
                Ok((other, own))
            }
            Conn::Pg(_) => self.conn.query_row(
                "SELECT (SELECT v FROM items_version WHERE one = 1), (SELECT v FROM store_changes WHERE one = 1)",
                &[],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ),
        }
    }

    /// What the outputs (feeds, drafts) are built from, as counts of changes that every
    /// process sees and that survive restarts: of the items, and of issues, edits and labels.
    pub fn outputs_version(&self) -> anyhow::Result<(i64, i64)> {
        self.conn.query_row(
            "SELECT (SELECT v FROM items_version WHERE one = 1), (SELECT v FROM store_changes WHERE one = 1)",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Run `f` while no other process on this store builds the outputs (on PostgreSQL, a
    /// session advisory lock; on SQLite one machine's files are written atomically and a
    /// lock would add nothing).
    pub fn publishing<T>(&mut self, f: impl FnOnce(&mut Store) -> anyhow::Result<T>) -> anyhow::Result<T> {
        if !self.conn.is_pg() {
            return f(self);
        }
        self.conn
            .execute("SELECT pg_advisory_lock(?1)", params![PUBLISHING_LOCK])
            .context("waiting for another publisher")?;
        let out = f(self);
        let unlocked = self
            .conn
            .execute("SELECT pg_advisory_unlock(?1)", params![PUBLISHING_LOCK]);
        let out = out?;
        unlocked.context("releasing the publishing lock")?;
        Ok(out)
    }

    pub fn count_items(&self) -> anyhow::Result<i64> {
        self.conn.query_row("SELECT count(*) FROM items", &[], |r| r.get(0))
    }

    pub fn sources(&self) -> anyhow::Result<Vec<SourceHealth>> {
        self.conn.query_map(
            "SELECT id, name, last_attempt, last_success, last_status, last_error, consecutive_failures, items_new, items_seen,
                    next_due, last_new, not_modified, last_warning, rows_read, rows_dated, rows_best, dated_best
             FROM sources ORDER BY id",
            &[],
            |r| {
                Ok(SourceHealth {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    last_attempt: r.get(2)?,
                    last_success: r.get(3)?,
                    last_status: r.get(4)?,
                    last_error: r.get(5)?,
                    consecutive_failures: r.get(6)?,
                    items_new: r.get(7)?,
                    items_seen: r.get(8)?,
                    next_due: r.get(9)?,
                    last_new: r.get(10)?,
                    not_modified: r.get::<i64>(11)? != 0,
                    last_warning: r.get(12)?,
                    rows_read: r.get(13)?,
                    rows_dated: r.get(14)?,
                    rows_best: r.get(15)?,
                    dated_best: r.get(16)?,
                })
            },
        )
    }

    /// The stored state of one source (validators, backoff), if it ran before.
    pub fn source_state(&self, id: &str) -> anyhow::Result<Option<SourceState>> {
        self.conn.query_opt(
            "SELECT etag, last_modified, next_due, consecutive_failures, last_attempt, last_new FROM sources WHERE id = ?1",
            params![id],
            |r| {
                let t = |i: usize| -> anyhow::Result<Option<DateTime<Utc>>> {
                    Ok(r.get::<Option<String>>(i)?.as_deref().and_then(parse_ts))
                };
                Ok(SourceState {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                    next_due: t(2)?,
                    consecutive_failures: r.get(3)?,
                    last_attempt: t(4)?,
                    last_new: t(5)?,
                })
            },
        )
    }
}

fn write_decision(conn: &Conn, id: i64, d: &Decision) -> anyhow::Result<()> {
    conn.execute(
        "UPDATE items SET section = ?2, score = ?3, city = ?4, rejected = ?5, decision = ?6, doubt = ?7 WHERE id = ?1",
        params![
            id,
            d.section,
            d.score,
            d.city,
            d.rejected,
            serde_json::to_string(d)?,
            d.doubt
        ],
    )?;
    Ok(())
}

/// One source's lease marked done, and given back (`?1` the holder, `?3`/`?2` the source).
const RELEASE_ONE_DONE: &str = "INSERT INTO leases_done (source_id, done_at) SELECT source_id, ?2 FROM leases
     WHERE source_id = ?3 AND holder = ?1
     ON CONFLICT (source_id) DO UPDATE SET done_at = excluded.done_at";
const RELEASE_ONE: &str = "DELETE FROM leases WHERE source_id = ?2 AND holder = ?1";

/// Give back `holder`'s leases (of `source` only, or all), marking them done at `now`.
fn release(conn: &Conn, holder: &str, source: Option<&str>, now: DateTime<Utc>) -> anyhow::Result<()> {
    // One source's lease is found by its key. A filter that also allowed "every source"
    // (`?3 IS NULL OR source_id = ?3`) kept both engines from using the key: each release
    // read every lease held (a run's sources in flight and a chunk ahead, a few hundred),
    // twice, for each of a run's sources.
    match source {
        Some(source) => {
            conn.execute(RELEASE_ONE_DONE, params![holder, ts(now), source])?;
            conn.execute(RELEASE_ONE, params![holder, source])?;
        }
        None => {
            conn.execute(
                "INSERT INTO leases_done (source_id, done_at) SELECT source_id, ?2 FROM leases
                 WHERE holder = ?1
                 ON CONFLICT (source_id) DO UPDATE SET done_at = excluded.done_at",
                params![holder, ts(now)],
            )?;
            conn.execute("DELETE FROM leases WHERE holder = ?1", params![holder])?;
        }
    }
    Ok(())
}

/// Representatives stored after item `after` and dated since `since`.
fn candidates_after(conn: &Conn, after: i64, since: DateTime<Utc>) -> anyhow::Result<Vec<Candidate>> {
    conn.query_map(
        &candidates_where("id > ?1 AND coalesce(published, fetched_at) >= ?2 ORDER BY id"),
        params![after, ts(since)],
        candidate_from_row,
    )
}

fn max_item_id(conn: &Conn) -> anyhow::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM items", &[], |r| r.get(0))
}

/// Whether this item is already stored: its guid in its source, or its link in any.
fn known(conn: &Conn, item: &Item) -> anyhow::Result<bool> {
    Ok(known_among(conn, std::slice::from_ref(item))?
        .first()
        .copied()
        .unwrap_or(false))
}

/// Which of `items` are already stored, each as [`known`] says, in one query a source
/// rather than one an item: a cold run asks it of every item it fetches, and a query an
/// item was a twentieth of the thread that bounds the run.
fn known_among(conn: &Conn, items: &[Item]) -> anyhow::Result<Vec<bool>> {
    // The lists go in as JSON arrays, which both engines read as rows.
    let sql = if conn.is_pg() {
        "SELECT source_id, guid, url FROM items
         WHERE (source_id = ?1 AND guid IN (SELECT json_array_elements_text(CAST(CAST(?2 AS TEXT) AS JSON))))
            OR (url IS NOT NULL AND url IN (SELECT json_array_elements_text(CAST(CAST(?3 AS TEXT) AS JSON))))"
    } else {
        "SELECT source_id, guid, url FROM items
         WHERE (source_id = ?1 AND guid IN (SELECT value FROM json_each(?2)))
            OR (url IS NOT NULL AND url IN (SELECT value FROM json_each(?3)))"
    };
    let mut sources: Vec<&str> = items.iter().map(|i| i.source_id.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut known = vec![false; items.len()];
    for source in sources {
        let of_source: Vec<usize> = (0..items.len()).filter(|&i| items[i].source_id == source).collect();
        let guids: Vec<&str> = of_source.iter().map(|&i| items[i].guid.as_str()).collect();
        let urls: Vec<&str> = of_source.iter().filter_map(|&i| items[i].url.as_deref()).collect();
        let (guids, urls) = (serde_json::to_string(&guids)?, serde_json::to_string(&urls)?);
        // What the store holds of them: this source's guids, and links of any source.
        let (mut held_guids, mut held_urls) = (HashSet::new(), HashSet::new());
        conn.query_map(sql, params![source, guids, urls], |r| {
            let (row_source, guid): (String, String) = (r.get(0)?, r.get(1)?);
            if row_source == source {
                held_guids.insert(guid);
            }
            if let Some(url) = r.get::<Option<String>>(2)? {
                held_urls.insert(url);
            }
            Ok(())
        })?;
        for i in of_source {
            let item = &items[i];
            known[i] = held_guids.contains(&item.guid) || item.url.as_ref().is_some_and(|u| held_urls.contains(u));
        }
    }
    Ok(known)
}

/// Where one source's writes start in a [`Batch`] of several.
pub struct Savepoint {
    words: usize,
}

/// Sources' writes, committed together.
pub struct Batch<'a> {
    tx: Tx<'a>,
    /// It inserted an item (on PostgreSQL, counted once at commit).
    inserted: std::cell::Cell<bool>,
    /// On SQLite, the new reports' search words, indexed once the batch commits (the
    /// index's file is filled apart from the store's, [`words`]).
    words: std::cell::RefCell<Vec<words::Doc>>,
    /// The thread that indexes them, while a run stores.
    indexer: &'a std::sync::Mutex<Option<words::Indexer>>,
}

impl Batch<'_> {
    /// Record how a source's run went and give back `holder`'s lease of it, with its
    /// items (see [`Batch::release_lease`]).
    pub fn record_done(
        &self,
        id: &str,
        name: &str,
        run: &SourceRun,
        at: DateTime<Utc>,
        holder: &str,
    ) -> anyhow::Result<()> {
        self.record_source(id, name, run, at)?;
        self.release_lease(holder, id, Utc::now())
    }

    /// Give back `holder`'s lease of `source` with its items: another run may fetch it
    /// again once this commits (a run that began before then will not).
    pub fn release_lease(&self, holder: &str, source: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        release(&self.tx, holder, Some(source), now)
    }

    /// Representatives stored after item `after` (by another collector, while a run
    /// goes on) and dated since `since`.
    pub fn candidates_after(&self, after: i64, since: DateTime<Utc>) -> anyhow::Result<Vec<Candidate>> {
        candidates_after(&self.tx, after, since)
    }

    /// Which of `items` are already stored (same guid in its source, or same link).
    pub fn known_among(&self, items: &[Item]) -> anyhow::Result<Vec<bool>> {
        known_among(&self.tx, items)
    }

    /// The largest item id, this batch's own included.
    pub fn max_item_id(&self) -> anyhow::Result<i64> {
        max_item_id(&self.tx)
    }

    /// Insert a new item; `None` if it turned out to be known after all.
    pub fn insert(&self, new: &NewItem) -> anyhow::Result<Option<i64>> {
        self.insert_with(None, new)
    }

    /// Insert a new item as `id`, which a run gave it while judging it ahead of this
    /// transaction (see `pipeline::writer`): the id SQLite would have given it, as the
    /// store's largest id was checked first. An item known after all is an error here,
    /// since the ids after it were given on the word that it was new. SQLite only.
    pub fn insert_as(&self, id: i64, new: &NewItem) -> anyhow::Result<()> {
        match self.insert_with(Some(id), new)? {
            Some(stored) if stored == id => Ok(()),
            Some(stored) => anyhow::bail!("item {id} was stored as {stored}"),
            None => anyhow::bail!(
                "item {id} ({} in {}) was stored meanwhile",
                new.item.guid,
                new.item.source_id
            ),
        }
    }

    fn insert_with(&self, id: Option<i64>, new: &NewItem) -> anyhow::Result<Option<i64>> {
        let i = new.item;
        let d = new.decision;
        // On PostgreSQL the report's search words go in with it, in one statement: a
        // round trip less per item.
        let pg = self.tx.is_pg();
        let date = i.published.unwrap_or(i.fetched_at);
        let document = || {
            new.words
                .clone()
                .unwrap_or_else(|| crate::search::document(&i.title, &i.summary, &i.text))
        };
        let words = if pg { format!(" {} ", document()) } else { String::new() };
        let sql = if pg {
            anyhow::ensure!(id.is_none(), "PostgreSQL gives an item its id");
            format!(
                "WITH ins AS ({INSERT_ITEM} RETURNING id),
                      w AS (INSERT INTO item_words (key, words) SELECT (CAST(?25 AS BIGINT) << 32) | id, ?26 FROM ins)
                 SELECT id FROM ins"
            )
        } else if id.is_some() {
            let as_id = INSERT_ITEM
                .replacen("INSERT INTO items (", "INSERT INTO items (id, ", 1)
                .replacen("VALUES (", "VALUES (?25, ", 1);
            format!("{as_id} RETURNING id")
        } else {
            format!("{INSERT_ITEM} RETURNING id")
        };
        let decision = serde_json::to_string(d)?;
        let signature = new.signature.to_bytes();
        let minutes = search::key(0, date) >> 32;
        let (published, fetched) = (i.published.map(ts), ts(i.fetched_at));
        let duplicate_of = new.duplicate_of.as_ref().map(|(id, _)| *id);
        let why = new.duplicate_of.as_ref().map(|(_, why)| why.as_str());
        let p25 = if pg { minutes } else { id.unwrap_or_default() };
        let values = params![
            i.source_id,
            i.guid,
            i.url,
            i.title,
            i.summary,
            i.content_html,
            i.text,
            published,
            fetched,
            i.author,
            i.policy.issuer,
            i.policy.doc_number,
            i.policy.written,
            i.policy.index_no,
            i.policy.topic,
            d.section,
            d.score,
            d.city,
            d.rejected,
            decision,
            signature,
            duplicate_of,
            why,
            d.doubt,
            p25,
            words,
        ];
        // SQLite's statement has the first 24 (its words go in after, by rowid), and the
        // id given ahead as the 25th.
        let values = match (pg, id) {
            (true, _) => values,
            (false, Some(_)) => &values[..25],
            (false, None) => &values[..24],
        };
        let id: Option<i64> = self.tx.query_opt(&sql, values, |r| r.get(0))?;
        let Some(id) = id else {
            return Ok(None);
        };
        self.inserted.set(true);
        if !pg {
            self.words.borrow_mut().push((id, search::key(id, date), document()));
        }
        Ok(Some(id))
    }

    /// Make `new` the representative of the story `old` represented: `old` and every
    /// report merged into it now point at `new`.
    pub fn promote(&self, new: i64, old: i64, reason: &str) -> anyhow::Result<()> {
        self.tx.execute(
            "UPDATE items SET duplicate_of = ?1, duplicate_reason = coalesce(duplicate_reason, ?3)
             WHERE (duplicate_of = ?2 OR id = ?2) AND id != ?1",
            params![new, old, reason],
        )?;
        self.tx.execute(
            "UPDATE items SET duplicate_of = NULL, duplicate_reason = NULL WHERE id = ?1",
            params![new],
        )?;
        Ok(())
    }

    /// Record how a source's run went.
    pub fn record_source(&self, id: &str, name: &str, run: &SourceRun, at: DateTime<Utc>) -> anyhow::Result<()> {
        let ok = run.error.is_none();
        // Flags are compared with 1 and 0 (not used as truth values), and a parameter
        // that is also a column's value is cast to the column's type where it is compared:
        // PostgreSQL gives each parameter one type.
        self.tx.execute(
            "INSERT INTO sources (id, name, last_attempt, last_success, last_status, last_error, consecutive_failures,
                                  items_new, items_seen, etag, last_modified, next_due, last_new, not_modified, last_warning,
                                  rows_read, rows_dated, rows_best, dated_best)
             VALUES (?1, ?2, ?3, CASE WHEN ?4 = 1 THEN ?3 END, ?5, ?6, CASE WHEN ?4 = 1 THEN 0 ELSE 1 END, ?7, ?8, ?9, ?10, ?11,
                     CASE WHEN CAST(?7 AS BIGINT) > 0 THEN ?3 END, ?12, ?13, ?14, ?15,
                     coalesce(CAST(?14 AS BIGINT), 0), coalesce(CAST(?15 AS BIGINT), 0))
             ON CONFLICT (id) DO UPDATE SET
                name = excluded.name,
                last_attempt = excluded.last_attempt,
                last_success = coalesce(excluded.last_success, sources.last_success),
                last_status = coalesce(excluded.last_status, sources.last_status),
                last_error = excluded.last_error,
                consecutive_failures = CASE WHEN ?4 = 1 THEN 0 ELSE sources.consecutive_failures + 1 END,
                items_new = excluded.items_new,
                items_seen = excluded.items_seen,
                etag = CASE WHEN ?4 = 1 AND CAST(?12 AS BIGINT) = 0 THEN excluded.etag ELSE sources.etag END,
                last_modified = CASE WHEN ?4 = 1 AND CAST(?12 AS BIGINT) = 0 THEN excluded.last_modified ELSE sources.last_modified END,
                next_due = excluded.next_due,
                last_new = coalesce(excluded.last_new, sources.last_new),
                not_modified = excluded.not_modified,
                last_warning = excluded.last_warning,
                rows_read = coalesce(excluded.rows_read, sources.rows_read),
                rows_dated = coalesce(excluded.rows_dated, sources.rows_dated),
                rows_best = CASE WHEN excluded.rows_best > sources.rows_best THEN excluded.rows_best ELSE sources.rows_best END,
                dated_best = CASE WHEN excluded.dated_best > sources.dated_best THEN excluded.dated_best ELSE sources.dated_best END",
            params![
                id,
                name,
                ts(at),
                ok,
                run.status,
                run.error,
                run.new,
                run.seen,
                run.etag,
                run.last_modified,
                run.next_due.map(ts),
                run.not_modified,
                run.warning,
                run.rows,
                run.dated
            ],
        )?;
        Ok(())
    }

    /// Mark where one source's writes start, so that they can be undone alone.
    pub fn savepoint(&self) -> anyhow::Result<Savepoint> {
        self.tx.execute_batch("SAVEPOINT source")?;
        Ok(Savepoint {
            words: self.words.borrow().len(),
        })
    }

    /// Keep the writes since `mark`.
    pub fn release(&self, _mark: Savepoint) -> anyhow::Result<()> {
        self.tx.execute_batch("RELEASE SAVEPOINT source")
    }

    /// Undo the writes since `mark`, and the search words they queued.
    pub fn roll_back_to(&self, mark: Savepoint) -> anyhow::Result<()> {
        self.words.borrow_mut().truncate(mark.words);
        self.tx
            .execute_batch("ROLLBACK TO SAVEPOINT source; RELEASE SAVEPOINT source")
    }

    pub fn commit(self) -> anyhow::Result<()> {
        if self.tx.is_pg() && self.inserted.get() {
            // What SQLite's insert trigger counts (see the PostgreSQL schema).
            self.tx
                .execute("UPDATE items_version SET v = v + 1 WHERE one = 1", &[])?;
        }
        let conn = self.tx.conn();
        self.tx.commit()?;
        let docs = self.words.take();
        if docs.is_empty() {
            return Ok(());
        }
        // The reports are stored: the index follows them, on its thread while a run
        // stores, here otherwise. Should it fail, the next catch-up indexes them.
        let queued = match self.indexer.lock().as_deref() {
            Ok(Some(indexer)) => indexer.send(docs).err(),
            _ => Some(docs),
        };
        if let Some(docs) = queued
            && let Err(e) = words::catch_up(conn, docs)
        {
            tracing::warn!("search: indexing the new reports: {e:#} (the next catch-up will)");
        }
        Ok(())
    }
}

/// A new item, or nothing when it is known (its guid in its source, or its link).
const INSERT_ITEM: &str =
    "INSERT INTO items (source_id, guid, url, title, summary, content_html, body_text, published, fetched_at,
        author, issuer, doc_number, written, index_no, topic, section, score, city, rejected, decision,
        signature, duplicate_of, duplicate_reason, doubt)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
     ON CONFLICT DO NOTHING";

fn recent_sql() -> String {
    format!(
        "SELECT {ITEM_COLUMNS} FROM items i LEFT JOIN sources s ON s.id = i.source_id
         WHERE +i.duplicate_of IS NULL AND i.rejected IS NULL
         ORDER BY coalesce(i.published, i.fetched_at) DESC, i.id DESC LIMIT ?1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite picks for a statement given `params`: one line per step.
    fn plan(store: &Store, sql: &str, params: &[engine::Value]) -> anyhow::Result<Vec<String>> {
        store
            .conn
            .query_map(&format!("EXPLAIN QUERY PLAN {sql}"), params, |r| r.get::<String>(3))
    }

    #[test]
    fn a_reader_reads_with_a_small_page_cache_and_the_store_keeps_its_own() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("b.db"))?;
        let reader = store.reader()?.expect("a reader of a store in a file");
        let cache = |s: &Store| s.conn.query_row("PRAGMA main.cache_size", &[], |r| r.get::<i64>(0));
        assert_eq!(cache(&reader)?, -Store::READER_CACHE_KIB);
        assert_eq!(cache(&store)?, -2000, "SQLite's default");
        Ok(())
    }

    #[test]
    fn a_sources_lease_is_given_back_by_its_key_and_no_other_is() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("b.db"))?;
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(10);
        let sources: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(store.take_leases(&sources[..2], "one", now, until)?, ["a", "b"]);
        assert_eq!(store.take_leases(&sources[2..], "two", now, until)?, ["c"]);
        let batch = store.begin()?;
        batch.release_lease("one", "a", now)?;
        // Not the holder's lease: it stays with its holder, and the source is not done.
        batch.release_lease("one", "c", now)?;
        batch.commit()?;
        let holder = |s: &Store, id: &str| s.lease(id, now).map(|l| l.map(|(h, _)| h));
        assert_eq!(holder(&store, "a")?, None);
        assert_eq!(holder(&store, "b")?.as_deref(), Some("one"));
        assert_eq!(holder(&store, "c")?.as_deref(), Some("two"));
        assert!(store.lease_done("a")?.is_some());
        assert!(store.lease_done("b")?.is_none() && store.lease_done("c")?.is_none());
        store.release_leases("one", now)?;
        assert_eq!(holder(&store, "b")?, None);
        assert!(store.lease_done("b")?.is_some());
        assert_eq!(holder(&store, "c")?.as_deref(), Some("two"));
        // Found by the key, not by reading every lease (a run gives back each of its
        // sources' leases so).
        let at = ts(now);
        for (sql, p) in [
            (RELEASE_ONE_DONE, params!["one", at, "a"]),
            (RELEASE_ONE, params!["one", "a"]),
        ] {
            let plan = plan(&store, sql, p)?;
            assert!(plan.iter().any(|p| p.contains("USING INDEX")), "{sql}: {plan:?}");
            assert!(!plan.iter().any(|p| p.starts_with("SCAN leases")), "{sql}: {plan:?}");
        }
        Ok(())
    }

    fn item(guid: &str, title: &str, at: DateTime<Utc>) -> Item {
        Item {
            source_id: "s".into(),
            guid: guid.into(),
            url: None,
            title: title.into(),
            summary: String::new(),
            content_html: String::new(),
            text: String::new(),
            published: Some(at),
            fetched_at: at,
            author: None,
            policy: PolicyMeta::default(),
        }
    }

    /// `item` as new, filed as `decision`, with no signature of note.
    fn new_item<'a>(item: &'a Item, decision: &'a Decision) -> NewItem<'a> {
        NewItem {
            item,
            decision,
            signature: crate::dedup::signature("", ""),
            duplicate_of: None,
            words: None,
        }
    }

    /// The titles of every report a search for `text` finds, merged and off-topic ones
    /// too, in order.
    fn found_titles(store: &Store, text: &str) -> anyhow::Result<Vec<String>> {
        let q = SearchQuery {
            text: text.into(),
            limit: 10,
            everything: true,
            ..Default::default()
        };
        let mut titles: Vec<String> = store.search(&q)?.into_iter().map(|f| f.title).collect();
        titles.sort();
        Ok(titles)
    }

    /// Empty the search index and forget what it held, as a lost index file would.
    fn lose_search_index(store: &Store) -> anyhow::Result<()> {
        store.conn.execute_batch(
            "UPDATE words.indexed SET up_to = 0; INSERT INTO words.item_words (item_words) VALUES ('delete-all');",
        )
    }

    fn add(store: &mut Store, guid: &str, at: DateTime<Utc>) -> anyhow::Result<i64> {
        add_decided(store, guid, at, &Decision::default())
    }

    /// Store one report, titled after its guid, as `decision` filed it.
    fn add_decided(store: &mut Store, guid: &str, at: DateTime<Utc>, decision: &Decision) -> anyhow::Result<i64> {
        let item = item(guid, &format!("标题 {guid}"), at);
        let batch = store.begin()?;
        let id = batch
            .insert(&NewItem {
                item: &item,
                decision,
                signature: crate::dedup::signature(&item.title, ""),
                duplicate_of: None,
                words: None,
            })?
            .ok_or_else(|| anyhow::anyhow!("{guid} was stored before"))?;
        batch.commit()?;
        Ok(id)
    }

    #[test]
    fn a_decisions_doubt_is_read_with_the_window_and_written_again() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("b.db"))?;
        let at = Utc::now() - chrono::Duration::hours(2);
        let decision = Decision {
            section: "tech-innovation".into(),
            score: 8.0,
            doubt: 0.25,
            ..Default::default()
        };
        let id = add_decided(&mut store, "a", at, &decision)?;
        let window = || store.items_for_window(at - chrono::Duration::days(1), Utc::now(), at);
        assert_eq!(window()?[0].decision.doubt, 0.25, "the window's columns carry it");
        write_decision(
            &store.conn,
            id,
            &Decision {
                doubt: 0.0,
                ..decision.clone()
            },
        )?;
        assert_eq!(window()?[0].decision.doubt, 0.0, "a decision made again replaces it");
        Ok(())
    }

    #[test]
    fn a_kept_window_is_read_again_only_when_the_items_change() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("b.db");
        let mut reader = Store::open(&path)?;
        reader.keep_windows();
        let mut writer = Store::open(&path)?;
        let from = Utc::now() - chrono::Duration::days(3);
        let to = Utc::now() + chrono::Duration::days(1);
        add(&mut writer, "a", from + chrono::Duration::hours(1))?;
        let first = reader.window_items(from, to, from)?;
        assert_eq!(first.len(), 1);
        // Nothing changed: the same read, not a new one.
        assert!(std::sync::Arc::ptr_eq(&first, &reader.window_items(from, to, from)?));
        // Another connection adds an item: the next read sees it.
        let b = add(&mut writer, "b", from + chrono::Duration::hours(2))?;
        let second = reader.window_items(from, to, from)?;
        assert_eq!(second.len(), 2);
        // …and changes one (a merge): read again.
        writer
            .conn
            .execute("UPDATE items SET duplicate_of = ?1 WHERE guid = 'a'", params![b])?;
        let third = reader.window_items(from, to, from)?;
        assert_eq!(third.iter().filter(|i| i.duplicate_of == Some(b)).count(), 1);
        // A store that does not keep windows reads every time.
        let plain = Store::open(&path)?;
        assert!(!std::sync::Arc::ptr_eq(
            &plain.window_items(from, to, from)?,
            &plain.window_items(from, to, from)?
        ));
        Ok(())
    }

    #[test]
    fn the_search_index_is_filled_beside_the_stores_writes() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("b.db");
        let mut store = Store::open(&path)?;
        let at = Utc::now();
        let decision = Decision::default();
        let new = |i| new_item(i, &decision);
        let found = found_titles;
        let (a, b, c) = (
            item("a", "星河云发布数据库", at),
            item("b", "北辰软件完成融资", at),
            item("c", "星河云完成融资", at),
        );
        let batch = store.begin()?;
        batch.insert(&new(&a))?;
        batch.commit()?;
        assert_eq!(found(&store, "星河云")?, vec![a.title.clone()], "indexed at commit");
        // The index lost: what it lacks is indexed from the items, on another connection,
        // while a batch holds the store's write lock.
        lose_search_index(&store)?;
        assert!(found(&store, "星河云")?.is_empty());
        let batch = store.begin()?;
        batch.insert(&new(&b))?;
        let other = Store::connection(&path)?;
        if let Conn::Lite(c) = &other {
            c.busy_timeout(std::time::Duration::from_millis(200))?;
        }
        words::attach(&other, &path)?;
        assert_eq!(
            words::catch_up(&other, Vec::new())?,
            1,
            "the store's lock is its file's alone"
        );
        drop(other);
        batch.commit()?;
        assert_eq!(found(&store, "星河云")?, vec![a.title.clone()]);
        assert_eq!(found(&store, "融资")?, vec![b.title.clone()]);
        // While a run stores, a thread of its own indexes what it commits; all of it is
        // found once the run is done.
        let bulk = store.bulk_writes();
        let batch = store.begin()?;
        batch.insert(&new(&c))?;
        batch.commit()?;
        bulk.finish(&store);
        let mut want = vec![c.title.clone(), b.title.clone()];
        want.sort();
        assert_eq!(found(&store, "融资")?, want);
        assert!(
            store.search_index_bytes()? > 0,
            "the index's size is its own file's pages"
        );
        Ok(())
    }

    #[test]
    fn the_index_takes_the_words_a_run_gives_and_reads_the_items_for_the_rest() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("b.db"))?;
        let at = Utc::now();
        let decision = Decision::default();
        let mut ids = Vec::new();
        for (guid, title) in [
            ("a", "星河云发布数据库"),
            ("b", "北辰软件完成融资"),
            ("c", "苏州出台软件政策"),
        ] {
            let batch = store.begin()?;
            ids.extend(batch.insert(&new_item(&item(guid, title, at), &decision))?);
            batch.commit()?;
        }
        let titles = |text: &str| found_titles(&store, text);
        let lose = || lose_search_index(&store);
        // Words given for the last two: the first is read from its item.
        let given = |ids: &[i64]| -> Vec<words::Doc> {
            ids.iter()
                .map(|id| (*id, search::key(*id, at), crate::search::document("青龙湖", "", "")))
                .collect()
        };
        lose()?;
        assert_eq!(words::catch_up(&store.conn, given(&ids[1..]))?, 3);
        assert_eq!(titles("星河云")?, vec!["星河云发布数据库".to_string()]);
        assert_eq!(
            titles("青龙湖")?,
            vec!["北辰软件完成融资".to_string(), "苏州出台软件政策".to_string()]
        );
        assert!(titles("北辰")?.is_empty(), "the words given, not the item's");
        // Words given for all: taken as they are.
        lose()?;
        assert_eq!(words::catch_up(&store.conn, given(&ids))?, 3);
        assert_eq!(titles("青龙湖")?.len(), 3);
        assert!(titles("星河云")?.is_empty());
        Ok(())
    }

    #[test]
    fn a_copy_into_sqlite_is_found_by_a_search_as_its_source_is() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let (from, to) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let mut store = Store::open(&from)?;
        let decision = Decision::default();
        let batch = store.begin()?;
        batch.insert(&new_item(&item("a", "星河云发布数据库", Utc::now()), &decision))?;
        batch.commit()?;
        drop(store);
        let copied = copy(&Location::Sqlite(from), &Location::Sqlite(to.clone()))?;
        assert_eq!(copied.indexed, 1, "indexed in the target's own file once committed");
        assert_eq!(
            found_titles(&Store::open(&to)?, "星河云")?,
            vec!["星河云发布数据库".to_string()]
        );
        Ok(())
    }

    #[test]
    fn a_source_rolled_back_in_a_batch_leaves_no_row_and_no_search_words() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("b.db"))?;
        let at = Utc::now();
        let (kept, undone) = (item("a", "星河云发布数据库", at), item("b", "北辰软件完成融资", at));
        let decision = Decision::default();
        let new = |i| new_item(i, &decision);
        let batch = store.begin()?;
        let mark = batch.savepoint()?;
        batch.insert(&new(&kept))?;
        batch.release(mark)?;
        let mark = batch.savepoint()?;
        batch.insert(&new(&undone))?;
        batch.roll_back_to(mark)?;
        batch.commit()?;
        let titles: Vec<String> = store.all_items()?.into_iter().map(|i| i.title).collect();
        assert_eq!(titles, vec![kept.title.clone()]);
        let found = |text: &str| found_titles(&store, text);
        assert_eq!(
            found("星河云")?.len(),
            1,
            "the kept source's words are indexed at commit"
        );
        assert!(found("北辰")?.is_empty(), "the undone source's words went with it");
        let indexed: i64 = store
            .conn
            .query_row("SELECT count(*) FROM item_words", &[], |r| r.get(0))?;
        assert_eq!(indexed, 1, "no words left under the undone report's key");
        Ok(())
    }

    #[test]
    fn the_newest_stories_are_read_from_the_window_index_not_sorted() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("b.db"))?;
        let steps = plan(&store, &recent_sql(), params![1])?;
        assert!(
            steps.iter().any(|s| s.contains("USING INDEX items_window")),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{steps:?}");
        Ok(())
    }

    #[test]
    fn a_store_location_reads_as_written() -> anyhow::Result<()> {
        let parse = |s: &str| Location::parse(s).map_err(anyhow::Error::msg);
        assert_eq!(
            parse("sqlite:data/banyue.db")?,
            Location::Sqlite("data/banyue.db".into())
        );
        assert_eq!(parse("data/x.db")?, Location::Sqlite("data/x.db".into()));
        assert!(matches!(
            parse("postgres://banyue@127.0.0.1/banyue")?,
            Location::Postgres(_)
        ));
        assert!(Location::parse("mysql://x/y").is_err());
        assert!(Location::parse("sqlite:").is_err());
        Ok(())
    }
}
