//! Signing in: users with argon2-hashed passwords, random session tokens in an HttpOnly
//! SameSite=Strict cookie, a CSRF token per session for every form.

use std::time::Duration;

use chrono::{DateTime, Utc};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::config::User;
use crate::store::{Store, StoredSession};

pub const COOKIE: &str = "banyue_session";
const LIFETIME: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub csrf: String,
}

/// A random token, hex encoded (128 bits from the system RNG).
pub fn token() -> String {
    let bytes = argon2::password_hash::generate_salt();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The argon2 PHC string of a password, for the config's `[[user]]` tables.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// The hash an unknown name's password is checked against, made with the same
/// parameters as the users' own: signing in as nobody then takes as long as a wrong
/// password, so names cannot be found by timing.
static NOBODY: std::sync::LazyLock<Option<String>> =
    std::sync::LazyLock::new(|| hash_password("banyue: no such user").ok());

/// What a sign-in verifies the password against: the user's hash, or for a name no user
/// has, the stand-in's.
fn hash_to_check(user: Option<&User>) -> Option<&str> {
    match user {
        Some(u) => Some(u.password_hash.as_str()),
        None => NOBODY.as_deref(),
    }
}

/// Sign-ins that went wrong before a wait is asked; each one after doubles it.
const FREE_FAILURES: u32 = 3;
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const FAILURES_KEPT: Duration = Duration::from_secs(3600);

/// How a sign-in went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the session token for the cookie.
    Token(String),
    /// Wrong name or password (which one is not said).
    Refused,
    /// Too many failures for this name or from this address: try again after this long.
    Wait(Duration),
}

/// What a session token is stored as: its hash, so the database alone signs no one in.
pub fn token_hash(token: &str) -> String {
    use blake2::Digest;
    blake2::Blake2s256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The wait that `failures` (the last at `last`) impose at `now`.
fn wait_after(failures: u32, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    let Some(last) = last else { return Duration::ZERO };
    let since = (now - last).to_std().unwrap_or(Duration::ZERO);
    if failures <= FREE_FAILURES || since >= FAILURES_KEPT {
        return Duration::ZERO;
    }
    let wait = Duration::from_secs(1u64 << (failures - FREE_FAILURES - 1).min(20)).min(LONGEST_WAIT);
    wait.saturating_sub(since)
}

/// Check a user's password against the store's throttle; a new stored session on success.
/// Failures are counted per name (known or not: the answer never says which) and per
/// address, and each is logged. `clock` is read before the check and again after it: a
/// failure's wait starts when the refusal is told, so a slow password check (a debug
/// build, a busy machine) does not use up the wait it earns.
pub fn sign_in(
    store: &Store,
    users: &[User],
    name: &str,
    password: &str,
    addr: Option<std::net::IpAddr>,
    clock: &dyn Fn() -> DateTime<Utc>,
) -> anyhow::Result<SignIn> {
    let now = clock();
    let user_key = format!("user:{name}");
    let addr_key = addr.map(|a| format!("addr:{a}"));
    let keys: Vec<&str> = std::iter::once(user_key.as_str()).chain(addr_key.as_deref()).collect();
    let mut wait = Duration::ZERO;
    for key in &keys {
        let (n, last) = store.login_failures(key)?;
        let forgotten = last.is_some_and(|l| (now - l).to_std().unwrap_or(Duration::ZERO) >= FAILURES_KEPT);
        if forgotten {
            store.clear_login_failures(&[key])?;
        }
        wait = wait.max(wait_after(n, last, now));
    }
    if !wait.is_zero() {
        tracing::warn!(user = name, addr = ?addr, wait_secs = wait.as_secs(), "sign-in refused: too many failures");
        return Ok(SignIn::Wait(wait));
    }
    let user = users.iter().find(|u| u.name == name);
    let verified =
        hash_to_check(user).is_some_and(|h| Argon2::default().verify_password(password.as_bytes(), h).is_ok());
    let Some(user) = user.filter(|_| verified) else {
        let counts = store.record_login_failure(&keys, clock())?;
        tracing::warn!(user = name, addr = ?addr, failures = ?counts, "sign-in failed");
        return Ok(SignIn::Refused);
    };
    store.clear_login_failures(&[user_key.as_str()])?;
    let t = token();
    let lifetime = chrono::Duration::from_std(LIFETIME).unwrap_or(chrono::Duration::hours(12));
    store.create_session(
        &token_hash(&t),
        &StoredSession {
            user: user.name.clone(),
            csrf: token(),
            expires: now + lifetime,
        },
        now,
    )?;
    tracing::info!(user = name, "signed in");
    Ok(SignIn::Token(t))
}

/// The session a cookie's token names, if it is still good.
pub fn session(store: &Store, token: &str, now: DateTime<Utc>) -> Option<Session> {
    store.session(&token_hash(token), now).ok().flatten().map(|s| Session {
        user: s.user,
        csrf: s.csrf,
    })
}

pub fn sign_out(store: &Store, token: &str) -> anyhow::Result<()> {
    store.end_session(&token_hash(token))
}

/// Compare secrets without an early exit.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).expect("store");
        (dir, store)
    }

    /// One editor, `editor` with the password `s3cret`.
    fn editor() -> anyhow::Result<Vec<User>> {
        Ok(vec![User {
            name: "editor".into(),
            password_hash: hash_password("s3cret")?,
            role: crate::config::Role::Editor,
        }])
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn an_unknown_name_costs_a_password_check_like_a_known_one() {
        let stand_in = hash_to_check(None).expect("the stand-in hash is made");
        let real = hash_password("pw").expect("the password hashes");
        let params = |h: &str| h.rsplitn(3, '$').nth(2).map(str::to_string);
        assert_eq!(params(stand_in), params(&real), "the same algorithm, version and cost");
        assert!(
            Argon2::default().verify_password(b"anything", stand_in).is_err(),
            "the stand-in lets no one in"
        );
    }

    #[test]
    fn sessions_live_in_the_store_by_their_hash() -> anyhow::Result<()> {
        let (_d, store) = store();
        let users = editor()?;
        assert_eq!(sign_in(&store, &users, "editor", "wrong", None, &now)?, SignIn::Refused);
        assert_eq!(
            sign_in(&store, &users, "nobody", "s3cret", None, &now)?,
            SignIn::Refused
        );
        let SignIn::Token(t) = sign_in(&store, &users, "editor", "s3cret", None, &now)? else {
            anyhow::bail!("the right name and password sign in");
        };
        let sess = session(&store, &t, now()).expect("the new token finds its session");
        assert_eq!(sess.user, "editor");
        assert_eq!(sess.csrf.len(), 32);
        assert!(
            store.session(&t, now())?.is_none(),
            "the token itself is not what is stored"
        );
        assert!(
            session(&store, &t, now() + chrono::Duration::hours(13)).is_none(),
            "sessions expire"
        );
        sign_out(&store, &t)?;
        assert!(session(&store, &t, now()).is_none());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        Ok(())
    }

    #[test]
    fn a_slow_password_check_does_not_use_up_the_wait_it_earns() -> anyhow::Result<()> {
        let (_d, store) = store();
        let users = editor()?;
        // Every check takes 1.5 s: the clock moves on by that much at each reading.
        let step = chrono::Duration::milliseconds(1500);
        let t = std::cell::Cell::new(now());
        let slow = || {
            let at = t.get();
            t.set(at + step);
            at
        };
        for _ in 0..=FREE_FAILURES {
            assert_eq!(
                sign_in(&store, &users, "editor", "guess", None, &slow)?,
                SignIn::Refused
            );
        }
        // Half a second after the last refusal was told (2 s after that check began),
        // the 1 s wait still holds.
        let told = t.get() - step;
        let later = told + chrono::Duration::milliseconds(500);
        assert!(matches!(
            sign_in(&store, &users, "editor", "s3cret", None, &|| later)?,
            SignIn::Wait(_)
        ));
        Ok(())
    }

    #[test]
    fn guessing_meets_growing_waits_the_same_for_any_name() -> anyhow::Result<()> {
        let (_d, store) = store();
        let users = editor()?;
        let addr: Option<std::net::IpAddr> = Some([192, 0, 2, 7].into());
        let mut t = now();
        for name in ["editor", "nobody"] {
            for _ in 0..FREE_FAILURES {
                assert_eq!(sign_in(&store, &users, name, "guess", None, &|| t)?, SignIn::Refused);
            }
            assert_eq!(sign_in(&store, &users, name, "guess", None, &|| t)?, SignIn::Refused);
            // Now even the right password waits: the answer says nothing of the name.
            assert_eq!(
                sign_in(&store, &users, name, "s3cret", None, &|| t)?,
                SignIn::Wait(Duration::from_secs(1))
            );
        }
        t += chrono::Duration::seconds(2);
        assert_eq!(
            sign_in(&store, &users, "editor", "guess", None, &|| t)?,
            SignIn::Refused
        );
        assert_eq!(
            sign_in(&store, &users, "editor", "s3cret", None, &|| t)?,
            SignIn::Wait(Duration::from_secs(2)),
            "the wait doubles"
        );
        // One address guessing across names is held back too.
        for n in 0..=FREE_FAILURES {
            let r = sign_in(&store, &users, &format!("name{n}"), "guess", addr, &|| t)?;
            assert_eq!(r, SignIn::Refused);
        }
        assert!(matches!(
            sign_in(&store, &users, "other", "x", addr, &|| t)?,
            SignIn::Wait(_)
        ));
        // An hour later the failures are forgotten and the editor gets in.
        t += chrono::Duration::hours(2);
        assert!(matches!(
            sign_in(&store, &users, "editor", "s3cret", addr, &|| t)?,
            SignIn::Token(_)
        ));
        Ok(())
    }
}
