//! Alerts: telling people when something needs them — a source broke or recovered, the
//! draft is ready or changed a lot since an editor looked, an issue went out.
//!
//! Three rooms: this file decides *what* to tell (pure: health rows and drafts in,
//! [`Event`]s out, plus the small glue that queues them in the store), `format.rs` says
//! it in each service's own message format (pure), and `send.rs` delivers the queue
//! (HTTP and SMTP, with retries, a rate limit and claims). Runs only queue; sending
//! happens after, so a slow or dead receiver never delays a run.

pub mod format;
pub mod send;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Alert, Config, EventKind};
use crate::health::Row;
use crate::store::Store;

/// Something to tell, as queued in the store and sent to every format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// One line, in the editors' language.
    pub title: String,
    /// A few lines more.
    pub text: String,
    /// Where to look (the review page, the published issue), when known.
    pub link: Option<String>,
    /// The facts, for machines reading the generic webhook.
    pub data: serde_json::Value,
}

/// A source's condition as an alert sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Working,
    /// Why, in words.
    Broken(String),
}

/// How a source stands for a target that wants to hear after `failures` failures in a
/// row; `None` while that cannot be said yet (never run, or failing fewer times).
pub fn condition(row: &Row, failures: i64) -> Option<Condition> {
    let h = row.health.as_ref()?;
    if let Some(err) = &h.last_error {
        if err.contains(crate::fetch::BLOCKED) {
            return Some(Condition::Broken(format!("被网站的反爬虫机制拦截：{err}")));
        }
        if h.consecutive_failures >= failures {
            return Some(Condition::Broken(format!(
                "连续 {} 次抓取失败：{err}",
                h.consecutive_failures
            )));
        }
        return None;
    }
    if let Some(shape) = &row.shape {
        return Some(Condition::Broken(format!("列表结构变了：{shape}")));
    }
    if let Some(stale) = &row.stale {
        return Some(Condition::Broken(format!("长时间没有新条目（STALE: {stale}）")));
    }
    Some(Condition::Working)
}

const WORKING: &str = "working";
const BROKEN: &str = "broken";

/// What to tell one target about one source, given the state last told (and since
/// when): the new state to record and, when it changed, the message with its key. The
/// key names the state it leaves, so two processes that see one change queue it once.
pub fn source_change(
    alert: &Alert,
    row: &Row,
    told: Option<&(String, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Option<(&'static str, Option<(String, Event)>)> {
    let cond = condition(row, alert.failures)?;
    let state = match cond {
        Condition::Working => WORKING,
        Condition::Broken(_) => BROKEN,
    };
    if told.is_some_and(|(s, _)| s == state) {
        return None;
    }
    let left = told.map(|(s, since)| format!("{s}@{}", crate::store::ts(*since)));
    let name = if row.name.is_empty() { &row.id } else { &row.name };
    let message = match (cond, told) {
        // A source first seen working is not news.
        (Condition::Working, None) => None,
        (Condition::Working, Some(_)) => alert.wants(EventKind::SourceRecovered).then(|| {
            let since = told.map(|(_, t)| crate::store::ts(*t));
            Event {
                kind: EventKind::SourceRecovered,
                at: now,
                title: format!("【banyue】来源恢复：{name}"),
                text: format!("来源 {name}（{}）恢复正常抓取。", row.id),
                link: None,
                data: serde_json::json!({ "source": row.id, "name": row.name, "broken_since": since }),
            }
        }),
        (Condition::Broken(why), _) => alert.wants(EventKind::SourceBroken).then(|| {
            let h = row.health.as_ref();
            Event {
                kind: EventKind::SourceBroken,
                at: now,
                title: format!("【banyue】来源故障：{name}"),
                text: format!(
                    "来源 {name}（{}）{why}\n查看：banyue sources；检查选择器：banyue probe --source {}",
                    row.id, row.id
                ),
                link: None,
                data: serde_json::json!({
                    "source": row.id,
                    "name": row.name,
                    "why": why,
                    "failures": h.map(|h| h.consecutive_failures),
                    "error": h.and_then(|h| h.last_error.clone()),
                    "stale": row.stale,
                    "list": row.shape,
                }),
            }
        }),
    };
    let message = message.map(|e| {
        let key = format!(
            "{}:{}:{}",
            e.kind.as_str(),
            row.id,
            left.unwrap_or_else(|| "first".into())
        );
        (key, e)
    });
    Some((state, message))
}

/// Queue what changed in the sources' health since it was last told. Returns how many
/// messages were queued.
pub fn watch_sources(config: &Config, store: &mut Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let watching: Vec<&Alert> = config
        .alerts
        .iter()
        .filter(|a| a.wants(EventKind::SourceBroken) || a.wants(EventKind::SourceRecovered))
        .collect();
    if watching.is_empty() {
        return Ok(0);
    }
    let rows = crate::health::rows(config, &store.sources()?, now);
    let mut queued = 0;
    for alert in watching {
        for row in &rows {
            let subject = format!("source:{}", row.id);
            let told = store.alert_state(&alert.id, &subject)?;
            let Some((state, message)) = source_change(alert, row, told.as_ref(), now) else {
                continue;
            };
            let message = match &message {
                Some((key, e)) => Some((key.as_str(), serde_json::to_string(e)?)),
                None => None,
            };
            queued += usize::from(message.is_some());
            store.tell_state(
                &alert.id,
                &subject,
                state,
                message.as_ref().map(|(k, e)| (*k, e.as_str())),
                now,
            )?;
        }
    }
    Ok(queued)
}

/// The draft as the alerts need it.
#[derive(Debug, Clone)]
pub struct DraftState<'a> {
    /// `2026-23`.
    pub stem: &'a str,
    /// 2026年第23期.
    pub issue: String,
    /// The window's last day has come.
    pub window_closing: bool,
    /// The items in the draft's sections.
    pub items: Vec<i64>,
    pub link: Option<String>,
}

/// The draft's events for one target: ready (once per issue) and changed since the last
/// look (once per look), each with its key.
pub fn draft_events(
    alert: &Alert,
    d: &DraftState,
    look: Option<&crate::store::Look>,
    now: DateTime<Utc>,
) -> Vec<(String, Event)> {
    let mut out = Vec::new();
    if alert.wants(EventKind::DraftReady) && d.window_closing && !d.items.is_empty() {
        out.push((
            format!("draft-ready:{}", d.stem),
            Event {
                kind: EventKind::DraftReady,
                at: now,
                title: format!("【banyue】{}草稿可以审阅了", d.issue),
                text: format!("{}草稿共 {} 条，本期最后一天已到。", d.issue, d.items.len()),
                link: d.link.clone(),
                data: serde_json::json!({ "issue": d.stem, "items": d.items.len() }),
            },
        ));
    }
    if let (true, Some(look)) = (alert.wants(EventKind::DraftChanged), look) {
        let seen: std::collections::HashSet<i64> = look.items.iter().copied().collect();
        let new = d.items.iter().filter(|id| !seen.contains(id)).count();
        if new > alert.changed {
            out.push((
                format!("draft-changed:{}:{}", d.stem, crate::store::ts(look.at)),
                Event {
                    kind: EventKind::DraftChanged,
                    at: now,
                    title: format!("【banyue】{}草稿新增 {new} 条", d.issue),
                    text: format!(
                        "自 {} 上次查看（{}）以来，{}草稿新增 {new} 条，现共 {} 条。",
                        look.editor,
                        crate::store::ts(look.at),
                        d.issue,
                        d.items.len()
                    ),
                    link: d.link.clone(),
                    data: serde_json::json!({
                        "issue": d.stem, "new": new, "items": d.items.len(),
                        "looked_by": look.editor, "looked_at": look.at,
                    }),
                },
            ));
        }
    }
    out
}

/// Queue the draft's events for every target. Returns how many were new.
pub fn watch_draft(config: &Config, store: &Store, d: &DraftState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    if config.alerts.is_empty() {
        return Ok(0);
    }
    let look = store.last_look(d.stem)?;
    let mut queued = 0;
    for alert in &config.alerts {
        for (key, e) in draft_events(alert, d, look.as_ref(), now) {
            queued += usize::from(store.enqueue_alert(&alert.id, &key, &serde_json::to_string(&e)?, now)?);
        }
    }
    Ok(queued)
}

/// Queue "issue published" for every target that wants it.
pub fn issue_published(
    config: &Config,
    store: &Store,
    issue: &DraftState,
    by: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let (name, items) = (&issue.issue, issue.items.len());
    let e = Event {
        kind: EventKind::IssuePublished,
        at: now,
        title: format!("【banyue】{name}已发布"),
        text: format!("{name}由 {by} 发布，共 {items} 条。"),
        link: issue.link.clone(),
        data: serde_json::json!({ "issue": issue.stem, "items": items, "by": by }),
    };
    let body = serde_json::to_string(&e)?;
    let mut queued = 0;
    for alert in config.alerts.iter().filter(|a| a.wants(EventKind::IssuePublished)) {
        let key = format!("issue-published:{}:{}", issue.stem, crate::store::ts(now));
        queued += usize::from(store.enqueue_alert(&alert.id, &key, &body, now)?);
    }
    Ok(queued)
}

/// The environment variables a target names that are not set here, in words.
pub fn missing_secrets(alert: &Alert) -> Vec<String> {
    alert
        .target
        .secrets()
        .into_iter()
        .filter_map(|s| s.read().err())
        .collect()
}

/// The message `banyue alerts test` sends.
pub fn test_event(config: &Config, now: DateTime<Utc>) -> Event {
    Event {
        kind: EventKind::SourceRecovered,
        at: now,
        title: "【banyue】测试消息".into(),
        text: format!(
            "{} 的提醒已接通：来源故障与恢复、草稿可审阅、发布都会发到这里。",
            config.settings.report_name
        ),
        link: None,
        data: serde_json::json!({ "test": true }),
    }
}

/// The alerts' counters in the Prometheus text format, per target.
pub fn metrics(tallies: &[crate::store::AlertTally]) -> String {
    use std::fmt::Write as _;
    let label = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::new();
    type Family = (
        &'static str,
        &'static str,
        &'static str,
        fn(&crate::store::AlertTally) -> i64,
    );
    let families: [Family; 4] = [
        ("banyue_alerts_sent_total", "counter", "Alert messages sent.", |t| {
            t.sent
        }),
        (
            "banyue_alerts_waiting",
            "gauge",
            "Alert messages waiting to be sent.",
            |t| t.waiting,
        ),
        (
            "banyue_alerts_failing",
            "gauge",
            "Waiting alert messages whose last try failed.",
            |t| t.failing,
        ),
        (
            "banyue_alerts_given_up_total",
            "counter",
            "Alert messages given up after every retry.",
            |t| t.gave_up,
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for t in tallies {
            let _ = writeln!(out, "{name}{{target=\"{}\"}} {}", label(&t.target), value(t));
        }
    }
    out
}

/// What `banyue sources` says of the alerts: a line per target with trouble.
pub fn summary(config: &Config, tallies: &[crate::store::AlertTally]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for a in &config.alerts {
        let t = tallies.iter().find(|t| t.target == a.id).cloned().unwrap_or_default();
        let trouble = t.failing > 0 || t.gave_up > 0;
        let _ = write!(
            out,
            "alert {:<14} {:<8} {} sent, {} waiting",
            a.id,
            a.target.kind(),
            t.sent,
            t.waiting
        );
        if t.gave_up > 0 {
            let _ = write!(out, ", {} GIVEN UP", t.gave_up);
        }
        if let (true, Some(e)) = (trouble, &t.last_error) {
            let _ = write!(out, "; FAILING: {e} ({})", t.last_error_at.as_deref().unwrap_or("-"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests_support {
    use crate::config::{Alert, EventKind, Secret, Target};

    /// A webhook target on a closed loopback port, wanting everything.
    pub fn alert() -> Alert {
        Alert {
            id: "ops".into(),
            target: Target::Webhook {
                url: Secret::Literal("http://127.0.0.1:9/".into()),
            },
            events: EventKind::ALL.to_vec(),
            failures: 3,
            changed: 2,
            per_minute: 20,
            retry_secs: 30,
            max_attempts: 10,
            allow_private: true,
            line: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SourceHealth;

    fn alert(events: &[EventKind]) -> Alert {
        Alert {
            events: events.to_vec(),
            ..tests_support::alert()
        }
    }

    fn row(failures: i64, error: Option<&str>) -> Row {
        Row {
            id: "gxb".into(),
            name: "工信部".into(),
            state: String::new(),
            next_due: None,
            stale: None,
            shape: None,
            group: None,
            health: Some(SourceHealth {
                id: "gxb".into(),
                consecutive_failures: failures,
                last_error: error.map(str::to_string),
                ..SourceHealth::default()
            }),
        }
    }

    #[test]
    fn a_source_is_broken_after_n_failures_or_once_blocked() {
        assert_eq!(condition(&row(2, Some("HTTP 500")), 3), None, "two of three: not yet");
        assert!(
            matches!(condition(&row(3, Some("HTTP 500")), 3), Some(Condition::Broken(w)) if w.contains("连续 3 次"))
        );
        let blocked = format!("{} (HTTP 412)", crate::fetch::BLOCKED);
        assert!(matches!(condition(&row(1, Some(&blocked)), 3), Some(Condition::Broken(w)) if w.contains("拦截")));
        let mut stale = row(0, None);
        stale.stale = Some("nothing new for 80 h".into());
        assert!(matches!(condition(&stale, 3), Some(Condition::Broken(w)) if w.contains("STALE")));
        assert_eq!(condition(&row(0, None), 3), Some(Condition::Working));
    }

    #[test]
    fn one_message_per_change_keyed_by_the_state_it_leaves() {
        let a = alert(&EventKind::ALL);
        let now = Utc::now();
        // First seen working: recorded, not told.
        let (state, msg) = source_change(&a, &row(0, None), None, now).expect("decided");
        assert_eq!((state, msg.is_none()), (WORKING, true));
        let told = (WORKING.to_string(), now);
        assert!(
            source_change(&a, &row(0, None), Some(&told), now).is_none(),
            "no change"
        );
        let (state, msg) = source_change(&a, &row(3, Some("HTTP 500")), Some(&told), now).expect("changed");
        let (key, e) = msg.expect("told");
        assert_eq!(state, BROKEN);
        assert_eq!(e.kind, EventKind::SourceBroken);
        assert!(key.starts_with("source-broken:gxb:working@"), "{key}");
        let broken = (BROKEN.to_string(), now);
        assert!(
            source_change(&a, &row(4, Some("HTTP 500")), Some(&broken), now).is_none(),
            "still broken"
        );
        let (_, msg) = source_change(&a, &row(0, None), Some(&broken), now).expect("recovered");
        assert_eq!(msg.expect("told").1.kind, EventKind::SourceRecovered);
        // A target that wants no recoveries records the state quietly.
        let quiet = alert(&[EventKind::SourceBroken]);
        let (state, msg) = source_change(&quiet, &row(0, None), Some(&broken), now).expect("recorded");
        assert_eq!((state, msg.is_none()), (WORKING, true));
    }

    #[test]
    fn the_draft_is_ready_once_and_changed_only_past_the_threshold() {
        let a = alert(&EventKind::ALL);
        let now = Utc::now();
        let d = DraftState {
            stem: "2026-23",
            issue: "2026年第23期".into(),
            window_closing: false,
            items: vec![1, 2, 3, 4, 5],
            link: None,
        };
        assert!(draft_events(&a, &d, None, now).is_empty(), "mid-window, nobody looked");
        let look = crate::store::Look {
            editor: "wang".into(),
            at: now,
            items: vec![1, 2, 3],
        };
        assert!(
            draft_events(&a, &d, Some(&look), now).is_empty(),
            "2 new is not more than 2"
        );
        let more = DraftState {
            items: vec![1, 2, 3, 4, 5, 6],
            window_closing: true,
            ..d.clone()
        };
        let events = draft_events(&a, &more, Some(&look), now);
        let keys: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys[0], "draft-ready:2026-23");
        assert!(keys[1].starts_with("draft-changed:2026-23:"), "{keys:?}");
        assert!(events[1].1.title.contains("新增 3 条"), "{}", events[1].1.title);
    }
}
