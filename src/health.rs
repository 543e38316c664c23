//! Source health as operators read it: last attempt and success, status, failures, the
//! last error in words, when the source is next due, and whether it has gone quiet.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::store::SourceHealth;

#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub state: String,
    pub next_due: Option<DateTime<Utc>>,
    pub stale: Option<String>,
    /// The list's shape changed: no rows, or no dates, where there were.
    pub shape: Option<String>,
    /// The catalogue file the source came from (`None`: the main config).
    pub group: Option<String>,
    pub health: Option<SourceHealth>,
}

/// Did the source's documents stop yielding rows, or dates, that they used to?
fn shape_change(h: &SourceHealth) -> Option<String> {
    match (h.rows_read, h.rows_dated) {
        (Some(0), _) if h.rows_best > 0 => Some(format!(
            "LIST CHANGED: 0 rows where there were {} (check the selectors with `banyue probe --source {}`)",
            h.rows_best, h.id
        )),
        (Some(n), Some(0)) if n > 0 && h.dated_best > 0 => Some(format!(
            "DATES LOST: none of {n} rows dated, where {} were (check list.date)",
            h.dated_best
        )),
        _ => None,
    }
}

fn parse(t: Option<&str>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// One row per configured source, in config order.
pub fn rows(config: &Config, stored: &[SourceHealth], now: DateTime<Utc>) -> Vec<Row> {
    let s = &config.settings;
    config
        .sources
        .iter()
        .map(|src| {
            let h = stored.iter().find(|h| h.id == src.id).cloned();
            let schedule = src.schedule.as_ref().unwrap_or(&s.schedule);
            let last_attempt = h.as_ref().and_then(|h| parse(h.last_attempt.as_deref()));
            let backoff = h.as_ref().and_then(|h| parse(h.next_due.as_deref()));
            let scheduled = last_attempt.and_then(|l| schedule.after(&l).next());
            let next_due = match (backoff, scheduled) {
                (Some(b), Some(s)) => Some(b.max(s)),
                (b, s) => b.or(s),
            };
            let state = match &h {
                None => "never run".to_string(),
                Some(h) if h.last_error.is_some() => format!("failing ×{}", h.consecutive_failures),
                Some(h) if h.not_modified => "ok (304)".to_string(),
                Some(h) if h.last_warning.is_some() => "ok, warned".to_string(),
                Some(_) => "ok".to_string(),
            };
            let limit = chrono::Duration::hours(s.stale_hours);
            let stale = h.as_ref().and_then(|h| {
                let last_new = parse(h.last_new.as_deref());
                let since = last_new.or(parse(h.last_success.as_deref()).filter(|_| last_new.is_none()))?;
                (now - since > limit).then(|| match last_new {
                    Some(t) => format!("nothing new for {} h", (now - t).num_hours()),
                    None => "has never produced an item".to_string(),
                })
            });
            Row {
                id: src.id.clone(),
                name: src.name.clone(),
                state,
                next_due,
                stale,
                shape: h.as_ref().and_then(shape_change),
                group: src.group.clone(),
                health: h,
            }
        })
        .collect()
}

/// The `banyue sources` table: the main config's sources, then each catalogue group's.
pub fn table(rows: &[Row], tz: chrono_tz::Tz) -> String {
    use std::fmt::Write as _;
    let local = |t: Option<&str>| {
        parse(t)
            .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "-".into())
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<18} {:<12} {:<11} {:<11} {:>6} {:>5} {:>5} {:>5}  {:<11}  notes",
        "source", "state", "attempt", "success", "status", "rows", "new", "seen", "next due"
    );
    let mut groups: Vec<Option<&str>> = Vec::new();
    for r in rows {
        if !groups.contains(&r.group.as_deref()) {
            groups.push(r.group.as_deref());
        }
    }
    for g in groups {
        let members: Vec<&Row> = rows.iter().filter(|r| r.group.as_deref() == g).collect();
        let flagged = members
            .iter()
            .filter(|r| r.shape.is_some() || r.stale.is_some())
            .count();
        let failing = members
            .iter()
            .filter(|r| r.health.as_ref().is_some_and(|h| h.last_error.is_some()))
            .count();
        let _ = writeln!(
            out,
            "\n== {} — {} sources, {failing} failing, {flagged} flagged",
            g.map(|g| format!("catalogue {g}"))
                .unwrap_or_else(|| "this config".into()),
            members.len()
        );
        for r in members {
            let h = r.health.as_ref();
            let next = r
                .next_due
                .map(|d| d.with_timezone(&tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "now".into());
            let mut notes: Vec<String> = Vec::new();
            if let Some(s) = &r.shape {
                notes.push(s.clone());
            }
            if let Some(e) = h.and_then(|h| h.last_error.clone()) {
                notes.push(e);
            }
            if let Some(w) = h.and_then(|h| h.last_warning.clone()) {
                notes.push(format!("warning: {w}"));
            }
            if let Some(s) = &r.stale {
                notes.push(format!("STALE: {s}"));
            }
            let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "{:<18} {:<12} {:<11} {:<11} {:>6} {:>5} {:>5} {:>5}  {:<11}  {}",
                r.id,
                r.state,
                local(h.and_then(|h| h.last_attempt.as_deref())),
                local(h.and_then(|h| h.last_success.as_deref())),
                num(h.and_then(|h| h.last_status)),
                num(h.and_then(|h| h.rows_read)),
                h.map(|h| h.items_new).unwrap_or(0),
                h.map(|h| h.items_seen).unwrap_or(0),
                next,
                notes.join("; ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn quiet_and_failing_sources_are_flagged() -> Result<(), Box<dyn std::error::Error>> {
        let cfg = Config::parse(
            "[settings]\nstale_hours = 24\nschedule = \"0 0 * * * *\"\n[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x.test/a\"\nkind = \"feed\"\n[[source]]\nid = \"b\"\nname = \"B\"\nurl = \"http://x.test/b\"\nkind = \"feed\"\n[[source]]\nid = \"c\"\nname = \"C\"\nurl = \"http://x.test/c\"\nkind = \"feed\"\n",
            Path::new("t.toml"),
        )?;
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:30:00Z")?.with_timezone(&Utc);
        let h = |id: &str, err: Option<&str>, last_new: Option<&str>| SourceHealth {
            id: id.into(),
            name: id.into(),
            last_attempt: Some("2026-11-24T10:00:00Z".into()),
            last_success: Some("2026-11-24T10:00:00Z".into()),
            last_status: Some(200),
            last_error: err.map(str::to_string),
            last_warning: None,
            consecutive_failures: i64::from(err.is_some()) * 3,
            items_new: 0,
            items_seen: 5,
            next_due: err.map(|_| "2026-11-24T12:00:00Z".to_string()),
            last_new: last_new.map(str::to_string),
            not_modified: false,
            rows_read: Some(5),
            rows_dated: Some(5),
            rows_best: 5,
            dated_best: 5,
        };
        let stored = [
            h("a", None, Some("2026-11-20T10:00:00Z")),
            h("b", Some("HTTP 500"), Some("2026-11-24T09:00:00Z")),
        ];
        let r = rows(&cfg, &stored, now);
        assert_eq!(r[0].stale.as_deref(), Some("nothing new for 96 h"));
        assert_eq!(
            r[0].next_due.map(|d| d.to_rfc3339()),
            Some("2026-11-24T11:00:00+00:00".into())
        );
        assert_eq!(r[1].state, "failing ×3");
        assert_eq!(
            r[1].next_due.map(|d| d.to_rfc3339()),
            Some("2026-11-24T12:00:00+00:00".into()),
            "backoff wins"
        );
        assert!(r[1].stale.is_none());
        assert_eq!(r[2].state, "never run");
        assert!(r[0].shape.is_none());
        Ok(())
    }

    #[test]
    fn a_list_that_stops_yielding_rows_or_dates_is_flagged() -> Result<(), Box<dyn std::error::Error>> {
        let cfg = Config::parse(
            "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x.test/a\"\nkind = \"feed\"\n[[source]]\nid = \"b\"\nname = \"B\"\nurl = \"http://x.test/b\"\nkind = \"feed\"\n",
            Path::new("t.toml"),
        )?;
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:30:00Z")?.with_timezone(&Utc);
        let h = |id: &str, read: i64, dated: i64| SourceHealth {
            id: id.into(),
            name: id.into(),
            last_attempt: Some("2026-11-24T10:00:00Z".into()),
            last_success: Some("2026-11-24T10:00:00Z".into()),
            rows_read: Some(read),
            rows_dated: Some(dated),
            rows_best: 20,
            dated_best: 20,
            ..Default::default()
        };
        let r = rows(&cfg, &[h("a", 0, 0), h("b", 20, 0)], now);
        assert!(
            r[0].shape
                .as_deref()
                .is_some_and(|s| s.starts_with("LIST CHANGED: 0 rows where there were 20"))
        );
        assert!(r[1].shape.as_deref().is_some_and(|s| s.starts_with("DATES LOST")));
        let table = table(&r, chrono_tz::Asia::Shanghai);
        assert!(
            table.contains("== this config — 2 sources, 0 failing, 2 flagged"),
            "{table}"
        );
        Ok(())
    }
}
