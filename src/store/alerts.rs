//! The alerts' memory: messages waiting to go out (the outbox), the last state told of
//! each watched thing per target, and the draft an editor last saw.
//!
//! A message is keyed by its target and what it tells (`source-broken:gxb:<since>`), so
//! a run that finds the same state again adds nothing: one message per change, across
//! runs, processes and restarts. Sending claims a message for a while first, so two
//! processes sharing the store never send it both.

use chrono::{DateTime, Utc};

use super::engine::{Value, params};
use super::{Store, parse_ts, ts};

/// A new message is due at once, whatever clock the run that queued it kept (a run
/// may be given its time; sending keeps the wall clock).
const DUE_AT_ONCE: &str = "1970-01-01T00:00:00Z";

/// Queue a message unless its target already has one with its key.
const ENQUEUE: &str =
    "INSERT OR IGNORE INTO alert_outbox (target, key, event, created, next_try) VALUES (?1, ?2, ?3, ?4, ?5)";

/// A message due to be sent.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub target: String,
    pub key: String,
    /// The event as JSON (`alert::Event`): the body is made when sent, so a signature's
    /// time stamp is fresh on every try.
    pub event: String,
    pub attempts: i64,
    pub created: DateTime<Utc>,
}

/// One row of `banyue alerts`.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub target: String,
    pub key: String,
    pub created: String,
    pub attempts: i64,
    pub next_try: String,
    pub sent_at: Option<String>,
    pub gave_up: bool,
    pub last_error: Option<String>,
}

/// Per target: what went out and what did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertTally {
    pub target: String,
    pub sent: i64,
    pub waiting: i64,
    /// Waiting messages whose last try failed.
    pub failing: i64,
    pub gave_up: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// The draft as an editor last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    pub editor: String,
    pub at: DateTime<Utc>,
    pub items: Vec<i64>,
}

impl Store {
    /// Record `subject`'s new state for `target`, and queue `message` (key, event JSON)
    /// with it, in one transaction: the state and its message are never told apart.
    pub fn tell_state(
        &mut self,
        target: &str,
        subject: &str,
        state: &str,
        message: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO alert_states (target, subject, state, since) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (target, subject) DO UPDATE SET state = excluded.state, since = excluded.since",
            params![target, subject, state, ts(now)],
        )?;
        if let Some((key, event)) = message {
            tx.execute(ENQUEUE, params![target, key, event, ts(now), DUE_AT_ONCE])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The state last told of `subject` to `target`, and since when.
    pub fn alert_state(&self, target: &str, subject: &str) -> anyhow::Result<Option<(String, DateTime<Utc>)>> {
        let row = self.conn.query_opt(
            "SELECT state, since FROM alert_states WHERE target = ?1 AND subject = ?2",
            params![target, subject],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
        )?;
        Ok(row.map(|(s, since)| (s, parse_ts(&since).unwrap_or(DateTime::<Utc>::MIN_UTC))))
    }

    /// Queue a message unless one with this key was queued for `target` before.
    pub fn enqueue_alert(&self, target: &str, key: &str, event: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let n = self
            .conn
            .execute(ENQUEUE, params![target, key, event, ts(now), DUE_AT_ONCE])?;
        Ok(n == 1)
    }

    /// Messages for `targets` due now, oldest first, that nobody is sending. (Messages of
    /// a target that left the config wait, in case it comes back, without holding up
    /// the others.)
    pub fn due_alerts(&self, targets: &[&str], now: DateTime<Utc>, limit: usize) -> anyhow::Result<Vec<Outgoing>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (0..targets.len())
            .map(|i| format!("?{}", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, target, key, event, attempts, created FROM alert_outbox
             WHERE sent_at IS NULL AND gave_up = 0 AND next_try <= ?1
               AND (claimed_until IS NULL OR claimed_until <= ?1) AND target IN ({marks})
             ORDER BY id LIMIT ?2"
        );
        let mut args: Vec<Value> = vec![Value::Text(ts(now).into()), Value::Int(limit as i64)];
        args.extend(targets.iter().map(|t| Value::Text((*t).into())));
        self.conn.query_map(&sql, &args, |r| {
            Ok(Outgoing {
                id: r.get(0)?,
                target: r.get(1)?,
                key: r.get(2)?,
                event: r.get(3)?,
                attempts: r.get(4)?,
                created: parse_ts(&r.get::<String>(5)?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            })
        })
    }

    /// Take a message to send until `until`; false when another process took it first.
    pub fn claim_alert(&self, id: i64, now: DateTime<Utc>, until: DateTime<Utc>) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "UPDATE alert_outbox SET claimed_until = ?3
             WHERE id = ?1 AND sent_at IS NULL AND gave_up = 0 AND (claimed_until IS NULL OR claimed_until <= ?2)",
            params![id, ts(now), ts(until)],
        )?;
        Ok(n == 1)
    }

    /// Messages sent to `target` at or after `since` (for the rate limit).
    pub fn alerts_sent_since(&self, target: &str, since: DateTime<Utc>) -> anyhow::Result<u32> {
        self.conn.query_row(
            "SELECT count(*) FROM alert_outbox WHERE target = ?1 AND sent_at >= ?2",
            params![target, ts(since)],
            |r| r.get(0),
        )
    }

    pub fn alert_sent(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE alert_outbox SET sent_at = ?2, attempts = attempts + 1, claimed_until = NULL WHERE id = ?1",
            params![id, ts(now)],
        )?;
        Ok(())
    }

    /// A try failed: try again at `retry`, or never (`None`).
    pub fn alert_failed(
        &self,
        id: i64,
        error: &str,
        now: DateTime<Utc>,
        retry: Option<DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE alert_outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = ?2,
                 last_error_at = ?3, next_try = coalesce(?4, next_try),
                 gave_up = CASE WHEN ?4 IS NULL THEN 1 ELSE 0 END
             WHERE id = ?1",
            params![id, error, ts(now), retry.map(ts)],
        )?;
        Ok(())
    }

    /// A message held back (the target's rate limit): not a failure, just later.
    pub fn alert_later(&self, id: i64, at: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE alert_outbox SET next_try = ?2, claimed_until = NULL WHERE id = ?1",
            params![id, ts(at)],
        )?;
        Ok(())
    }

    /// Per target, what went out and what is stuck.
    pub fn alert_tallies(&self) -> anyhow::Result<Vec<AlertTally>> {
        self.conn.query_map(
            "SELECT target,
                    count(*) FILTER (WHERE sent_at IS NOT NULL),
                    count(*) FILTER (WHERE sent_at IS NULL AND gave_up = 0),
                    count(*) FILTER (WHERE sent_at IS NULL AND gave_up = 0 AND last_error IS NOT NULL),
                    count(*) FILTER (WHERE gave_up <> 0),
                    (SELECT last_error FROM alert_outbox b WHERE b.target = a.target AND b.last_error IS NOT NULL
                        ORDER BY last_error_at DESC LIMIT 1),
                    max(last_error_at)
             FROM alert_outbox a GROUP BY target ORDER BY target",
            &[],
            |r| {
                Ok(AlertTally {
                    target: r.get(0)?,
                    sent: r.get(1)?,
                    waiting: r.get(2)?,
                    failing: r.get(3)?,
                    gave_up: r.get(4)?,
                    last_error: r.get(5)?,
                    last_error_at: r.get(6)?,
                })
            },
        )
    }

    /// The newest messages, newest first.
    pub fn recent_alerts(&self, limit: usize) -> anyhow::Result<Vec<OutboxRow>> {
        self.conn.query_map(
            "SELECT id, target, key, created, attempts, next_try, sent_at, gave_up, last_error
             FROM alert_outbox ORDER BY id DESC LIMIT ?1",
            params![limit],
            |r| {
                Ok(OutboxRow {
                    id: r.get(0)?,
                    target: r.get(1)?,
                    key: r.get(2)?,
                    created: r.get(3)?,
                    attempts: r.get(4)?,
                    next_try: r.get(5)?,
                    sent_at: r.get(6)?,
                    gave_up: r.get(7)?,
                    last_error: r.get(8)?,
                })
            },
        )
    }

    /// Remember that `editor` saw `issue`'s draft holding `items`. Only a different set is
    /// written, so reloading the page writes nothing. Returns whether it wrote.
    pub fn record_look(&self, issue: &str, editor: &str, items: &[i64], now: DateTime<Utc>) -> anyhow::Result<bool> {
        let mut sorted = items.to_vec();
        sorted.sort_unstable();
        let text = serde_json::to_string(&sorted)?;
        let n = self.conn.execute(
            "INSERT INTO draft_looks (issue, editor, at, items) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (issue) DO UPDATE SET editor = excluded.editor, at = excluded.at, items = excluded.items
             WHERE draft_looks.items != excluded.items",
            params![issue, editor, ts(now), text],
        )?;
        Ok(n == 1)
    }

    pub fn last_look(&self, issue: &str) -> anyhow::Result<Option<Look>> {
        let row = self.conn.query_opt(
            "SELECT editor, at, items FROM draft_looks WHERE issue = ?1",
            params![issue],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?)),
        )?;
        Ok(row.map(|(editor, at, items)| Look {
            editor,
            at: parse_ts(&at).unwrap_or(DateTime::<Utc>::MIN_UTC),
            items: serde_json::from_str(&items).unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let st = Store::open(&dir.path().join("a.db")).expect("store");
        (dir, st)
    }

    #[test]
    fn a_message_is_queued_once_per_key_and_claimed_once() {
        let (_d, mut st) = store();
        let now = Utc::now();
        st.tell_state("ops", "source:a", "broken", Some(("k1", "{}")), now)
            .expect("tell");
        st.tell_state("ops", "source:a", "broken", Some(("k1", "{}")), now)
            .expect("tell again");
        let due = st.due_alerts(&["ops"], now, 10).expect("due");
        assert_eq!(due.len(), 1, "the same key is queued once");
        assert!(
            st.due_alerts(&["other"], now, 10).expect("due").is_empty(),
            "only the targets asked for"
        );
        assert!(
            st.claim_alert(due[0].id, now, now + chrono::Duration::seconds(60))
                .expect("claim")
        );
        assert!(
            !st.claim_alert(due[0].id, now, now + chrono::Duration::seconds(60))
                .expect("claim"),
            "a claimed message is not claimed again"
        );
        assert!(
            st.due_alerts(&["ops"], now, 10).expect("due").is_empty(),
            "claimed: not due"
        );
        st.alert_failed(due[0].id, "HTTP 500", now, Some(now + chrono::Duration::seconds(30)))
            .expect("failed");
        assert!(
            st.due_alerts(&["ops"], now, 10).expect("due").is_empty(),
            "waits for its retry"
        );
        let later = now + chrono::Duration::seconds(31);
        let again = st.due_alerts(&["ops"], later, 10).expect("due");
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 1);
        st.alert_sent(again[0].id, later).expect("sent");
        assert!(st.due_alerts(&["ops"], later, 10).expect("due").is_empty());
        let t = st.alert_tallies().expect("tallies");
        assert_eq!((t[0].sent, t[0].waiting, t[0].gave_up), (1, 0, 0));
        assert_eq!(t[0].last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(st.alerts_sent_since("ops", now).expect("count"), 1);
        assert_eq!(
            st.alert_state("ops", "source:a")
                .expect("state")
                .map(|s| s.0)
                .as_deref(),
            Some("broken")
        );
    }

    #[test]
    fn a_look_is_written_only_when_the_draft_differs() {
        let (_d, st) = store();
        let now = Utc::now();
        assert!(st.record_look("2026-23", "wang", &[3, 1, 2], now).expect("look"));
        assert!(!st.record_look("2026-23", "li", &[1, 2, 3], now).expect("same look"));
        assert_eq!(
            st.last_look("2026-23").expect("look").map(|l| l.editor).as_deref(),
            Some("wang")
        );
        assert!(st.record_look("2026-23", "li", &[1, 2, 3, 4], now).expect("new look"));
        let look = st.last_look("2026-23").expect("look").expect("some");
        assert_eq!((look.editor.as_str(), look.items), ("li", vec![1, 2, 3, 4]));
    }
}
