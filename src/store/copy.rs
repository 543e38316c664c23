//! `banyue store copy`: everything one store holds into another (SQLite into PostgreSQL
//! when a team outgrows one machine, or back), with the counts checked after.

use anyhow::Context;

use super::engine::{Conn, Row, Tx, Value};
use super::{Location, Store};

/// The tables copied, each with its columns and the column its rows are read in order of
/// (in pages, so a store of millions of items is never in memory at once). `leases` are
/// not copied: they belong to the processes of the old store.
const TABLES: &[(&str, &str, Option<&str>)] = &[
    (
        "sources",
        "id, name, last_attempt, last_success, last_status, last_error, consecutive_failures, items_new, items_seen, \
         etag, last_modified, next_due, last_new, not_modified, last_warning, rows_read, rows_dated, rows_best, dated_best",
        None,
    ),
    (
        "items",
        "id, source_id, guid, url, title, summary, content_html, body_text, published, fetched_at, author, issuer, \
         doc_number, written, index_no, topic, section, score, city, rejected, decision, signature, duplicate_of, \
         duplicate_reason, doubt",
        Some("id"),
    ),
    ("labels", "item_id, section, city, editor, at", Some("item_id")),
    (
        "issues",
        "id, year, number, total, window_from, window_to, status, created_at, published_at",
        Some("id"),
    ),
    (
        "edits",
        "id, issue_id, item_id, edit, editor, at, undone_at",
        Some("id"),
    ),
    ("sessions", "token_hash, \"user\", csrf, expires", None),
    ("login_failures", "key, failures, last_at", None),
    (
        "alert_outbox",
        "id, target, key, event, created, attempts, next_try, claimed_until, last_error, last_error_at, sent_at, gave_up",
        Some("id"),
    ),
    ("alert_states", "target, subject, state, since", None),
    ("draft_looks", "issue, editor, at, items", None),
];

const PAGE: i64 = 2000;

/// What a copy moved: rows per table, as counted in both stores after.
#[derive(Debug, Clone, Default)]
pub struct Copied {
    pub tables: Vec<(String, i64)>,
    pub indexed: usize,
}

/// Copy every row of `from` into `to`, which must hold no items yet. One transaction:
/// a copy that fails leaves `to` as it was.
pub fn copy(from: &Location, to: &Location) -> anyhow::Result<Copied> {
    if from == to {
        anyhow::bail!("the store to copy into is the store to copy from");
    }
    let source = Store::connect(from).with_context(|| format!("opening {from}"))?;
    let mut target = Store::connect(to).with_context(|| format!("opening {to}"))?;
    if target.count_items()? > 0 {
        anyhow::bail!("{to} already holds items: copy into a new, empty store");
    }
    let tx = target.write()?;
    let mut out = Copied::default();
    for (table, columns, order) in TABLES {
        let n = copy_table(&source.conn, &tx, table, columns, *order).with_context(|| format!("copying {table}"))?;
        out.tables.push((table.to_string(), n));
    }
    // The search index is built again: its form differs between the engines. SQLite's,
    // in a file of its own, follows the items once they are committed.
    let pg = tx.is_pg();
    if pg {
        tx.execute_batch("DELETE FROM item_words")?;
        out.indexed = super::search::reindex(&tx)?;
    }
    let version = source.items_version().unwrap_or(0);
    tx.execute(
        "UPDATE items_version SET v = ?1 WHERE one = 1",
        super::engine::params![version + 1],
    )?;
    if tx.is_pg() {
        super::pg::reset_identities(&tx)?;
    }
    for (table, n) in &out.tables {
        let there: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))?;
        if there != *n {
            anyhow::bail!("{table}: copied {n} rows but {to} holds {there}; nothing was kept");
        }
        let here: i64 = source
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), &[], |r| r.get(0))?;
        if here != *n {
            anyhow::bail!("{table}: {from} holds {here} rows but {n} were copied; nothing was kept");
        }
    }
    tx.commit()?;
    if !pg {
        out.indexed = super::words::catch_up(&target.conn, Vec::new()).context("indexing the copied reports")?;
    }
    Ok(out)
}

fn copy_table(from: &Conn, to: &Tx, table: &str, columns: &str, order: Option<&str>) -> anyhow::Result<i64> {
    let width = columns.split(',').count();
    let marks = (1..=width).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    // Items point at items (duplicate_of): on SQLite the reference is checked at once,
    // so they come in without it and get it after.
    let items = table == "items";
    let insert = format!("INSERT INTO {table} ({columns}) VALUES ({marks})");
    let read = |r: &Row| (0..width).map(|i| r.value(i)).collect::<anyhow::Result<Vec<Value>>>();
    let mut n = 0i64;
    let mut links = Vec::new();
    let mut put = |mut row: Vec<Value<'static>>| -> anyhow::Result<()> {
        if items && let Some(link) = row.get_mut(22) {
            if let (Value::Int(dup), Value::Int(id)) = (link.clone(), row[0].clone()) {
                links.push((id, dup));
            }
            row[22] = Value::Null;
        }
        to.execute(&insert, &row)?;
        n += 1;
        Ok(())
    };
    match order {
        None => {
            for row in from.query_map(&format!("SELECT {columns} FROM {table}"), &[], read)? {
                put(row)?;
            }
        }
        Some(key) => {
            let mut after = i64::MIN;
            loop {
                let rows = from.query_map(
                    &format!("SELECT {columns} FROM {table} WHERE {key} > ?1 ORDER BY {key} LIMIT ?2"),
                    super::engine::params![after, PAGE],
                    read,
                )?;
                let Some(Value::Int(last)) = rows.last().and_then(|r| r.first()).cloned() else {
                    break;
                };
                after = last;
                for row in rows {
                    put(row)?;
                }
            }
        }
    }
    for (id, dup) in links {
        to.execute(
            "UPDATE items SET duplicate_of = ?2 WHERE id = ?1",
            super::engine::params![id, dup],
        )?;
    }
    Ok(n)
}
