//! Sign-in state kept where every review server sees it: sessions (by a hash of their
//! token, so a copy of the database signs no one in) and failed sign-ins per account and
//! per address, which throttle guessing across restarts and replicas.

use chrono::{DateTime, Utc};

use super::engine::params;
use super::{Store, parse_ts, ts};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub user: String,
    pub csrf: String,
    pub expires: DateTime<Utc>,
}

impl Store {
    pub fn create_session(&self, token_hash: &str, s: &StoredSession, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE expires <= ?1", params![ts(now)])?;
        self.conn.execute(
            "INSERT INTO sessions (token_hash, \"user\", csrf, expires) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, s.user, s.csrf, ts(s.expires)],
        )?;
        Ok(())
    }

    /// The session of a token's hash, if it has not expired.
    pub fn session(&self, token_hash: &str, now: DateTime<Utc>) -> anyhow::Result<Option<StoredSession>> {
        let row = self.conn.query_opt(
            "SELECT \"user\", csrf, expires FROM sessions WHERE token_hash = ?1 AND expires > ?2",
            params![token_hash, ts(now)],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?)),
        )?;
        Ok(row.and_then(|(user, csrf, expires)| {
            Some(StoredSession {
                user,
                csrf,
                expires: parse_ts(&expires)?,
            })
        }))
    }

    pub fn end_session(&self, token_hash: &str) -> anyhow::Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", params![token_hash])?;
        Ok(())
    }

    /// Failed sign-ins under `key` (`user:NAME` or `addr:IP`) since the last success, and
    /// when the last one was.
    pub fn login_failures(&self, key: &str) -> anyhow::Result<(u32, Option<DateTime<Utc>>)> {
        let row = self.conn.query_opt(
            "SELECT failures, last_at FROM login_failures WHERE key = ?1",
            params![key],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
        )?;
        Ok(match row {
            Some((n, at)) => (u32::try_from(n).unwrap_or(u32::MAX), parse_ts(&at)),
            None => (0, None),
        })
    }

    /// Count one more failure under each key; the new counts. The time is kept to the
    /// millisecond: cut to the second, a 1 s wait could be over at once.
    pub fn record_login_failure(&self, keys: &[&str], now: DateTime<Utc>) -> anyhow::Result<Vec<u32>> {
        let mut out = Vec::new();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for key in keys {
            self.conn.execute(
                "INSERT INTO login_failures (key, failures, last_at) VALUES (?1, 1, ?2)
                 ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1, last_at = excluded.last_at",
                params![key, at],
            )?;
            out.push(self.login_failures(key)?.0);
        }
        Ok(out)
    }

    pub fn clear_login_failures(&self, keys: &[&str]) -> anyhow::Result<()> {
        for key in keys {
            self.conn
                .execute("DELETE FROM login_failures WHERE key = ?1", params![key])?;
        }
        Ok(())
    }
}
