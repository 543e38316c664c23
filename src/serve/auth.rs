//! Signing in: users with argon2-hashed passwords, random session tokens in an HttpOnly
//! SameSite=Strict cookie, a CSRF token per session for every form.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::config::User;

pub const COOKIE: &str = "banyue_session";
const LIFETIME: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub csrf: String,
    expires: Instant,
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

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Check a user's password; a new session token on success.
    pub fn sign_in(&self, users: &[User], name: &str, password: &str) -> Option<String> {
        let user = users.iter().find(|u| u.name == name);
        let verified = Argon2::default()
            .verify_password(password.as_bytes(), hash_to_check(user)?)
            .is_ok();
        let user = user.filter(|_| verified)?;
        let t = token();
        let mut map = self.map.lock().ok()?;
        map.retain(|_, s| s.expires > Instant::now());
        map.insert(
            t.clone(),
            Session {
                user: user.name.clone(),
                csrf: token(),
                expires: Instant::now() + LIFETIME,
            },
        );
        Some(t)
    }

    pub fn get(&self, token: &str) -> Option<Session> {
        let map = self.map.lock().ok()?;
        map.get(token).filter(|s| s.expires > Instant::now()).cloned()
    }

    pub fn sign_out(&self, token: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(token);
        }
    }
}

/// Compare secrets without an early exit.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let sessions = Sessions::default();
        let users = [User {
            name: "ed".into(),
            password_hash: real,
        }];
        assert!(sessions.sign_in(&users, "nobody", "banyue: no such user").is_none());
        assert!(sessions.sign_in(&users, "ed", "pw").is_some());
    }

    #[test]
    fn passwords_and_sessions() {
        let users = vec![User {
            name: "editor".into(),
            password_hash: hash_password("s3cret").expect("the password hashes"),
        }];
        let s = Sessions::default();
        assert!(s.sign_in(&users, "editor", "wrong").is_none());
        assert!(s.sign_in(&users, "nobody", "s3cret").is_none());
        let t = s
            .sign_in(&users, "editor", "s3cret")
            .expect("the right name and password sign in");
        let sess = s.get(&t).expect("the new token finds its session");
        assert_eq!(sess.user, "editor");
        assert_eq!(sess.csrf.len(), 32);
        s.sign_out(&t);
        assert!(s.get(&t).is_none());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
