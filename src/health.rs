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
    pub health: Option<SourceHealth>,
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
                health: h,
            }
        })
        .collect()
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
        Ok(())
    }
}
