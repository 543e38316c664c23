//! Archive search, the SQL half: an FTS5 index of every stored report's words
//! (`search::document`), kept in step as reports are stored, and queries over it with the
//! section, city, source and date filters.

use chrono::{DateTime, NaiveDate, Utc};

use super::engine::{Conn, Row, Tx, Value, params};
use super::{Store, parse_ts, ts};
use crate::search;

/// Filters and order of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub section: Option<String>,
    pub city: Option<String>,
    pub source: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// By relevance (bm25) instead of newest first.
    pub by_relevance: bool,
    /// Off-topic reports and merged duplicates too.
    pub everything: bool,
    pub limit: usize,
}

/// One report found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    pub id: i64,
    pub title: String,
    pub source_id: String,
    pub section: String,
    pub city: Option<String>,
    pub date: DateTime<Utc>,
    pub url: Option<String>,
    /// The text around the first term found, and where the term is in it (chars).
    pub passage: String,
    pub mark: Option<(usize, usize)>,
    /// The passage is from the title (not the summary or body).
    pub in_title: bool,
    pub rejected: bool,
    pub duplicate_of: Option<i64>,
}

/// The index's rowid for a report: its date in minutes, then its id, so that the index
/// itself lists reports newest first and a search reads it from the top and stops at the
/// limit, however common the word.
pub fn key(id: i64, date: DateTime<Utc>) -> i64 {
    ((date.timestamp().max(0) / 60) << 32) | (id & ID_BITS)
}

const ID_BITS: i64 = 0xFFFF_FFFF;

/// Add a document to PostgreSQL's index under `key`.
fn index(conn: &Conn, key: i64, words: &str) -> anyhow::Result<()> {
    // Spaces around every word: a phrase is then found as ` w1 w2 ` by substring.
    conn.execute(
        "INSERT INTO item_words (key, words) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET words = excluded.words",
        params![key, format!(" {words} ")],
    )?;
    Ok(())
}

/// Index every stored report on PostgreSQL, in pages of ids (a store of millions is
/// never read at once); the number indexed. SQLite's index follows the items on its own
/// ([`super::words::catch_up`]).
pub(super) fn reindex(conn: &Conn) -> anyhow::Result<usize> {
    const PAGE: i64 = 2000;
    let (mut after, mut n) = (0i64, 0usize);
    loop {
        let docs = documents(conn, after, i64::MAX, PAGE, |_| false)?;
        let Some(last) = docs.last() else { break };
        after = last.0;
        for (_, key, words) in &docs {
            index(conn, *key, words)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The documents of the first `limit` reports after id `after` and up to id `last`, in
/// the order of their ids, but for those `skip` says are made already.
pub(super) fn documents(
    conn: &Conn,
    after: i64,
    last: i64,
    limit: i64,
    skip: impl Fn(i64) -> bool,
) -> anyhow::Result<Vec<super::words::Doc>> {
    let rows = conn.query_map(
        "SELECT id, coalesce(published, fetched_at), title, summary, substr(body_text, 1, ?4) FROM items
         WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
        params![after, last, limit, search::BODY_CHARS],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<String>(4)?,
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .filter(|(id, ..)| !skip(*id))
        .map(|(id, date, title, summary, body)| {
            let date = parse_ts(&date).unwrap_or_default();
            (id, key(id, date), search::document(&title, &summary, &body))
        })
        .collect())
}

/// How many of the newest matches a relevance search ranks.
pub const RELEVANCE_POOL: usize = 5000;

/// A report a search found, with its summary and body (for the passage shown) and, by
/// relevance on PostgreSQL, how many matches the pool held.
type Hit = (Found, String, String, i64);

/// The search's bounds. Tests shrink them to reach PostgreSQL's walk (see `Store::walk`)
/// on a small store; nothing else needs to.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// How many of the newest matches a relevance search ranks.
    pub pool: usize,
    /// How many of the newest reports PostgreSQL walks before it asks its trigram index.
    pub walk: usize,
    /// How far a relevance search may walk on PostgreSQL.
    pub relevance_walk: usize,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            pool: RELEVANCE_POOL,
            walk: 2000,
            relevance_walk: 50_000,
        }
    }
}

impl Store {
    /// Reports matching `q`, newest first (or by relevance among the newest
    /// [`RELEVANCE_POOL`] matches), at most `q.limit`.
    pub fn search(&self, q: &SearchQuery) -> anyhow::Result<Vec<Found>> {
        let parsed = search::parse(&q.text);
        let Some(expr) = parsed.fts() else {
            anyhow::bail!("没有要找的词：请给一个词（前面带 - 的词只用来排除）");
        };
        let pg = self.conn.is_pg();
        const COLUMNS: &str =
            "SELECT i.id, i.title, i.source_id, i.section, i.city, coalesce(i.published, i.fetched_at),
                    i.url, i.summary, substr(i.body_text, 1, 400), i.rejected IS NOT NULL, i.duplicate_of";
        // The index's rowids are in date order: newest first reads it from the top and
        // stops at the limit. By relevance, the newest `RELEVANCE_POOL` matches that pass
        // the filters are ranked: ranking every match of a common word over a million
        // reports is what made relevance slow, and an archive question ("工业软件 since
        // March") is narrowed by words and dates, not by paging past thousands.
        // bm25 is computed only when asked for: newest-first never pays for it.
        // PostgreSQL has no bm25: there a report's score is how often the terms occur in
        // its words per length (lower is better, as bm25's), over the same pool.
        let relevance = q.by_relevance;
        let mut args: Vec<Value> = Vec::new();
        let score = match (relevance, pg) {
            (false, _) => String::new(),
            (true, false) => ", bm25(item_words) AS score".to_string(),
            (true, true) => {
                let mut parts = Vec::new();
                for words in &parsed.must {
                    let lone_han = words.len() == 1 && words[0].chars().count() == 1 && !words[0].is_ascii();
                    let needle = if lone_han {
                        format!(" {}", words[0])
                    } else {
                        format!(" {} ", words.join(" "))
                    };
                    args.push(Value::Text(needle.into()));
                    let n = args.len();
                    parts.push(format!(
                        "CAST(length(w.words) - length(replace(w.words, ?{n}, '')) AS DOUBLE PRECISION) / length(?{n})"
                    ));
                }
                format!(
                    ", -(({}) * 1000.0 / (length(w.words) + 100)) AS score",
                    parts.join(" + ")
                )
            }
        };
        let mut arg = |sql: &mut String, clause: &str, v: Value<'static>| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        let mut sql;
        if pg {
            // Each term is a phrase of index words, found as a substring of the
            // space-padded document; the trigram index narrows the rows.
            sql = format!("{COLUMNS}{score} FROM item_words w JOIN items i ON i.id = (w.key & {ID_BITS}) WHERE TRUE");
            for (words, not) in parsed
                .must
                .iter()
                .map(|w| (w, ""))
                .chain(parsed.must_not.iter().map(|w| (w, "NOT ")))
            {
                let lone_han = words.len() == 1 && words[0].chars().count() == 1 && !words[0].is_ascii();
                let pattern = if lone_han {
                    format!("% {}%", like_escape(&words[0]))
                } else {
                    format!("% {} %", like_escape(&words.join(" ")))
                };
                arg(
                    &mut sql,
                    &format!(" AND w.words {not}LIKE ?"),
                    Value::Text(pattern.into()),
                );
            }
        } else {
            sql = format!("{COLUMNS}{score} FROM item_words w JOIN items i ON i.id = (w.rowid & {ID_BITS}) WHERE TRUE");
            arg(&mut sql, " AND item_words MATCH ?", Value::Text(expr.into()));
        }
        if !q.everything {
            sql.push_str(" AND i.rejected IS NULL AND i.duplicate_of IS NULL");
        }
        if let Some(s) = &q.section {
            arg(&mut sql, " AND i.section = ?", Value::Text(s.clone().into()));
        }
        if let Some(c) = &q.city {
            arg(&mut sql, " AND i.city = ?", Value::Text(c.clone().into()));
        }
        if let Some(s) = &q.source {
            arg(&mut sql, " AND i.source_id = ?", Value::Text(s.clone().into()));
        }
        if let Some(d) = q.from {
            let start = d.and_hms_opt(0, 0, 0).map(|t| ts(t.and_utc())).unwrap_or_default();
            arg(
                &mut sql,
                " AND coalesce(i.published, i.fetched_at) >= ?",
                Value::Text(start.into()),
            );
        }
        if let Some(d) = q.to.and_then(|d| d.succ_opt()) {
            let end = d.and_hms_opt(0, 0, 0).map(|t| ts(t.and_utc())).unwrap_or_default();
            arg(
                &mut sql,
                " AND coalesce(i.published, i.fetched_at) < ?",
                Value::Text(end.into()),
            );
        }
        // A report's key starts with its date's minute: on PostgreSQL the dates bound the
        // keys too, so the walk starts at the range's end and the index reads only it.
        let day_key = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| key(0, t.and_utc()));
        let below = q.to.and_then(|d| d.succ_opt()).and_then(day_key);
        if pg {
            if let Some(k) = q.from.and_then(day_key) {
                sql.push_str(&format!(" AND w.key >= {k}"));
            }
            if let Some(k) = below {
                sql.push_str(&format!(" AND w.key < {k}"));
            }
        }
        let limit = q.limit.clamp(1, 1000);
        let pool = self.search.pool;
        // The whole query, its keys from `from` down (all of them: None).
        let full = |from: Option<i64>| {
            let mut s = sql.clone();
            if let Some(k) = from {
                s.push_str(&format!(" AND w.key >= {k}"));
            }
            s.push_str(if pg {
                " ORDER BY w.key DESC"
            } else {
                " ORDER BY w.rowid DESC"
            });
            if relevance {
                // How full the pool is rides along on PostgreSQL (see `walk`).
                let pooled = if pg { ", count(*) OVER () AS pooled" } else { "" };
                s = format!("SELECT *{pooled} FROM ({s} LIMIT {pool}) AS pool ORDER BY score, id DESC");
            }
            s.push_str(&format!(" LIMIT {limit}"));
            s
        };
        let read = |r: &Row| {
            let date: String = r.get(5)?;
            let summary: String = r.get(7)?;
            let body: String = r.get(8)?;
            // On PostgreSQL by relevance: how many matches the pool held (its last column).
            let pooled: i64 = if pg && relevance { r.get(12)? } else { 0 };
            Ok((
                Found {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    source_id: r.get(2)?,
                    section: r.get(3)?,
                    city: r.get(4)?,
                    date: parse_ts(&date).unwrap_or_default(),
                    url: r.get(6)?,
                    passage: String::new(),
                    mark: None,
                    in_title: false,
                    rejected: r.get(9)?,
                    duplicate_of: r.get(10)?,
                },
                summary,
                body,
                pooled,
            ))
        };
        let walked = if pg {
            self.walk(&full, &args, &read, limit, relevance, below)?
        } else {
            None
        };
        let rows = match walked {
            Some(rows) => rows,
            None => self.conn.query_map(&full(None), &args, read)?,
        };
        let mut out = Vec::new();
        for (mut f, summary, body, _) in rows {
            // The passage: where a term is, in the title, else the summary, else the body.
            for (n, text) in [&f.title, &summary, &body].into_iter().enumerate() {
                let (p, mark) = search::passage(text, &parsed.shown, 80);
                if mark.is_some() || f.passage.is_empty() {
                    f.passage = p;
                    f.mark = mark;
                    f.in_title = n == 0 && mark.is_some();
                }
                if mark.is_some() {
                    break;
                }
            }
            out.push(f);
        }
        Ok(out)
    }

    /// PostgreSQL's shortcut for words in many reports. Its trigram index finds every
    /// match in no order, and its planner cannot tell a word in every report from a rare
    /// one (a report's words are over a kilobyte: no statistics), so a common word's
    /// newest twenty cost sorting a million matches (6 s at 1M reports). Walking the
    /// newest keys backwards stops at the limit instead. The walk is bounded: the newest
    /// `walk` reports, or for relevance as many as the pool should need at the density
    /// the first walk saw. Its answer is the query's when the walk filled the limit (or
    /// the pool): those are the newest matches. Otherwise `None`, and the index is asked.
    /// The bounds are `Tuning`'s.
    fn walk(
        &self,
        full: &dyn Fn(Option<i64>) -> String,
        args: &[Value],
        read: &dyn Fn(&Row) -> anyhow::Result<Hit>,
        limit: usize,
        relevance: bool,
        below: Option<i64>,
    ) -> anyhow::Result<Option<Vec<Hit>>> {
        // The key of the `n`th newest report (below the date range's end).
        let nth_newest = |n: usize| -> anyhow::Result<Option<i64>> {
            self.conn.query_opt(
                "SELECT key FROM item_words WHERE key < ?1 ORDER BY key DESC OFFSET ?2 LIMIT 1",
                params![below.unwrap_or(i64::MAX), n.saturating_sub(1) as i64],
                |r| r.get(0),
            )
        };
        let Tuning {
            pool,
            walk,
            relevance_walk,
        } = self.search;
        let Some(from) = nth_newest(walk)? else {
            return Ok(None); // a small store: the index is quick
        };
        let tx = Tx::begin(&self.conn)?;
        // A plan that walks the key index backwards, and no JIT for a query this short.
        tx.execute_batch("SET LOCAL enable_bitmapscan = off; SET LOCAL jit = off")?;
        if !relevance {
            let rows = tx.query_map(&full(Some(from)), args, read)?;
            return Ok((rows.len() == limit).then_some(rows));
        }
        // By relevance the pool wants `pool` matches: first see how dense they are among
        // the newest `walk`, then walk as far as that density should fill it.
        let rows = tx.query_map(&full(Some(from)), args, read)?;
        let seen = rows.first().map_or(0, |r| r.3) as usize;
        if seen == pool {
            return Ok(Some(rows));
        }
        if seen * relevance_walk < pool * walk {
            return Ok(None); // too rare for a walk to fill the pool: the index is quicker
        }
        let reach = (pool * walk / seen.max(1)) * 3 / 2;
        let from = nth_newest(reach.min(relevance_walk))?;
        let rows = tx.query_map(&full(from), args, read)?;
        let full_pool = rows.first().map_or(0, |r| r.3) as usize == pool;
        Ok((full_pool || from.is_none()).then_some(rows))
    }

    /// Change the search's bounds (tests: to reach PostgreSQL's walk on a small store).
    #[doc(hidden)]
    pub fn tune_search(&mut self, tuning: Tuning) {
        self.search = tuning;
    }

    /// The search index's size on disk, in bytes (the FTS5 shadow tables' pages, or the
    /// PostgreSQL table with its indexes).
    pub fn search_index_bytes(&self) -> anyhow::Result<i64> {
        if self.conn.is_pg() {
            return self
                .conn
                .query_row("SELECT pg_total_relation_size('item_words')", &[], |r| r.get(0));
        }
        // In the index's own file ([`super::words`]).
        let page: i64 = self.conn.query_row("PRAGMA words.page_size", &[], |r| r.get(0))?;
        let pages: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM dbstat('words') WHERE name LIKE 'item_words%'",
                &[],
                |r| r.get(0),
            )
            .unwrap_or(0);
        Ok(page * pages)
    }
}

/// `s` matched literally by LIKE (index words hold letters, digits and Han only; this
/// keeps it so whatever they hold).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
