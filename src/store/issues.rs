//! Issues and editors' edits.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::engine::{Row, params};
use super::{Store, parse_ts, ts};
use crate::review::{Edit, EditRecord, Issue, ItemEdits, Status};
use crate::window::Window;
use std::collections::HashMap;

const ISSUE_COLUMNS: &str = "id, year, number, total, window_from, window_to, status, created_at, published_at";

fn issue_from_row(r: &Row) -> anyhow::Result<Issue> {
    let day = |i: usize| -> anyhow::Result<NaiveDate> {
        let s: String = r.get(i)?;
        Ok(NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or_default())
    };
    let status: String = r.get(6)?;
    let created: String = r.get(7)?;
    let published: Option<String> = r.get(8)?;
    Ok(Issue {
        id: r.get(0)?,
        year: r.get(1)?,
        number: r.get(2)?,
        total: r.get(3)?,
        window: Window {
            from: day(4)?,
            to: day(5)?,
        },
        status: Status::parse(&status).unwrap_or(Status::Draft),
        created_at: parse_ts(&created).unwrap_or_default(),
        published_at: published.as_deref().and_then(parse_ts),
    })
}

impl Store {
    /// The issue for `window` (第`number`期), created on first use. 总第M期 counts on from
    /// `first_total` for the report's first issue in this database.
    pub fn issue_for(
        &mut self,
        window: Window,
        number: u32,
        first_total: u32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Issue> {
        let year = chrono::Datelike::year(&window.from);
        let sql = format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE year = ?1 AND number = ?2");
        if let Some(i) = self.conn.query_opt(&sql, params![year, number], issue_from_row)? {
            return Ok(i);
        }
        let before: u32 = self.conn.query_row(
            "SELECT count(*) FROM issues WHERE window_from < ?1",
            params![window.from.to_string()],
            |r| r.get(0),
        )?;
        // Two review servers opening a new issue at once: the second finds it made.
        self.conn.execute(
            "INSERT INTO issues (year, number, total, window_from, window_to, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6)
             ON CONFLICT DO NOTHING",
            params![year, number, first_total + before, window.from.to_string(), window.to.to_string(), ts(now)],
        )?;
        self.conn
            .query_row(&sql, params![year, number], issue_from_row)
            .context("reading the new issue")
    }

    pub fn issues(&self) -> anyhow::Result<Vec<Issue>> {
        self.conn.query_map(
            &format!("SELECT {ISSUE_COLUMNS} FROM issues ORDER BY window_from DESC"),
            &[],
            issue_from_row,
        )
    }

    pub fn issue(&self, year: i32, number: u32) -> anyhow::Result<Option<Issue>> {
        let sql = format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE year = ?1 AND number = ?2");
        self.conn.query_opt(&sql, params![year, number], issue_from_row)
    }

    /// Record an edit. Refused on a published issue (reopen it first) and for an item
    /// that does not exist.
    pub fn record_edit(
        &mut self,
        issue: &Issue,
        item: Option<i64>,
        edit: &Edit,
        editor: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        let current = self
            .issue(issue.year, issue.number)?
            .map(|i| i.status)
            .unwrap_or(issue.status);
        if current == Status::Published && !matches!(edit, Edit::Status { .. }) {
            anyhow::bail!("issue {} is published and frozen; reopen it to edit", issue.stem());
        }
        if let Edit::Window { from, to } = edit
            && from > to
        {
            anyhow::bail!("the window must not end before it starts");
        }
        edit.check(item).map_err(anyhow::Error::msg)?;
        if edit.needs_item() {
            let id = item.ok_or_else(|| anyhow::anyhow!("this edit needs an item"))?;
            if self.item(id)?.is_none() {
                anyhow::bail!("no item #{id}");
            }
        }
        if let Edit::Merge { into } = edit
            && self.item(*into)?.is_none()
        {
            anyhow::bail!("no item #{into} to merge into");
        }
        let tx = self.write()?;
        let id: i64 = tx.query_row(
            "INSERT INTO edits (issue_id, item_id, edit, editor, at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![issue.id, item, serde_json::to_string(edit)?, editor, ts(at)],
            |r| r.get(0),
        )?;
        if let Edit::Window { from, to } = edit {
            tx.execute(
                "UPDATE issues SET window_from = ?2, window_to = ?3 WHERE id = ?1",
                params![issue.id, from.to_string(), to.to_string()],
            )?;
        }
        if let Edit::Status { status } = edit {
            tx.execute(
                "UPDATE issues SET status = ?2, published_at = CASE WHEN ?2 = 'published' THEN ?3 ELSE published_at END WHERE id = ?1",
                params![issue.id, status.as_str(), ts(at)],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// What editors changed of these items' published entries (another section, a
    /// headline, a summary), from the edits still in force, by item.
    pub fn item_edits(&self, ids: &[i64]) -> anyhow::Result<HashMap<i64, ItemEdits>> {
        let rows = self.conn.query_map(
            "SELECT item_id, edit, at FROM edits
             WHERE undone_at IS NULL AND item_id IN (SELECT value FROM json_each(?1))
               AND json_extract(edit, '$.action') IN ('move', 'headline', 'summary')
             ORDER BY id",
            params![serde_json::to_string(ids)?],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<String>(2)?)),
        )?;
        let mut out: HashMap<i64, ItemEdits> = HashMap::new();
        for (id, edit, at) in rows {
            let Ok(edit) = serde_json::from_str::<Edit>(&edit) else {
                continue;
            };
            let e = out.entry(id).or_default();
            e.at = e.at.max(parse_ts(&at).unwrap_or_default());
            match edit {
                Edit::Headline { text } => e.headline = Some(text).filter(|t| !t.trim().is_empty()),
                Edit::Summary { text } => e.summary = Some(text).filter(|t| !t.trim().is_empty()),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Every edit of an issue, oldest first, undone ones included.
    pub fn edits(&self, issue_id: i64) -> anyhow::Result<Vec<EditRecord>> {
        let rows = self.conn.query_map(
            "SELECT id, issue_id, item_id, edit, editor, at, undone_at FROM edits WHERE issue_id = ?1 ORDER BY id",
            params![issue_id],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<Option<i64>>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<String>(5)?,
                    r.get::<Option<String>>(6)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for (id, issue_id, item_id, edit, editor, at, undone) in rows {
            let edit: Edit = serde_json::from_str(&edit).with_context(|| format!("edit #{id} is unreadable"))?;
            out.push(EditRecord {
                id,
                issue_id,
                item_id,
                edit,
                editor,
                at: parse_ts(&at).unwrap_or_default(),
                undone_at: undone.as_deref().and_then(parse_ts),
            });
        }
        Ok(out)
    }

    /// Undo an edit (it stays in the record, marked undone).
    pub fn undo_edit(&mut self, id: i64, at: DateTime<Utc>) -> anyhow::Result<()> {
        let edit: Option<String> = self
            .conn
            .query_opt("SELECT edit FROM edits WHERE id = ?1", params![id], |r| r.get(0))?;
        if edit
            .as_deref()
            .and_then(|e| serde_json::from_str::<Edit>(e).ok())
            .is_some_and(|e| matches!(e, Edit::Status { .. }))
        {
            anyhow::bail!("edit #{id} changed the issue's status; publish or reopen instead");
        }
        let issue_status: Option<String> = self.conn.query_opt(
            "SELECT i.status FROM edits e JOIN issues i ON i.id = e.issue_id WHERE e.id = ?1",
            params![id],
            |r| r.get(0),
        )?;
        if issue_status.as_deref() == Some("published") {
            anyhow::bail!("the issue of edit #{id} is published and frozen; reopen it first");
        }
        let n = self.conn.execute(
            "UPDATE edits SET undone_at = ?2 WHERE id = ?1 AND undone_at IS NULL",
            params![id, ts(at)],
        )?;
        if n == 0 {
            anyhow::bail!("no edit #{id} to undo");
        }
        Ok(())
    }
}
