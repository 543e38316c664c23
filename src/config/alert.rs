//! `[[alert]]` tables: where banyue tells people that something needs them.
//!
//! Secrets (a robot's key in its URL, a signing secret, an SMTP password) may be named by
//! an environment variable instead of written in the file, and are read when a message
//! is sent, so `banyue check` and the read-only commands work without them.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{Locator, Problem};

/// What happened, as a target subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// N failures in a row, blocked by an anti-bot answer, or stale.
    SourceBroken,
    /// A source that was reported broken works again.
    SourceRecovered,
    /// The current issue's window has reached its last day and its draft has items.
    DraftReady,
    /// More than `changed` items entered the draft since an editor last looked.
    DraftChanged,
    /// An issue was published.
    IssuePublished,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::SourceBroken,
        EventKind::SourceRecovered,
        EventKind::DraftReady,
        EventKind::DraftChanged,
        EventKind::IssuePublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SourceBroken => "source-broken",
            EventKind::SourceRecovered => "source-recovered",
            EventKind::DraftReady => "draft-ready",
            EventKind::DraftChanged => "draft-changed",
            EventKind::IssuePublished => "issue-published",
        }
    }
}

/// A value given in the file, or the name of the environment variable that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    Literal(String),
    Env(String),
}

impl Secret {
    /// The value, read now; the error names the variable, never a value.
    pub fn read(&self) -> Result<String, String> {
        match self {
            Secret::Literal(v) => Ok(v.clone()),
            Secret::Env(var) => std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("${var} is not set")),
        }
    }
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
    /// No TLS at all: only for a relay on this machine, and never with a password.
    None,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from: String,
    pub to: Vec<String>,
    /// A PEM file of certificates to trust besides the system's (an internal CA).
    pub ca_file: Option<std::path::PathBuf>,
}

/// Where a message goes, in that service's own format.
#[derive(Debug, Clone)]
pub enum Target {
    /// Any JSON receiver: `{event, title, text, at, data}`.
    Webhook {
        url: Secret,
    },
    /// 企业微信 group robot (`msgtype: markdown`).
    Wecom {
        url: Secret,
    },
    /// 钉钉 custom robot (`msgtype: markdown`), signed when a secret is set.
    Dingtalk {
        url: Secret,
        secret: Option<Secret>,
    },
    /// 飞书 custom bot (`msg_type: text`), signed when a secret is set.
    Feishu {
        url: Secret,
        secret: Option<Secret>,
    },
    Email(Email),
}

impl Target {
    /// Every secret the target holds: its address, signing secret or password.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Target::Webhook { url } | Target::Wecom { url } => vec![url],
            Target::Dingtalk { url, secret } | Target::Feishu { url, secret } => {
                std::iter::once(url).chain(secret.as_ref()).collect()
            }
            Target::Email(e) => e.password.iter().collect(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Target::Webhook { .. } => "webhook",
            Target::Wecom { .. } => "wecom",
            Target::Dingtalk { .. } => "dingtalk",
            Target::Feishu { .. } => "feishu",
            Target::Email(_) => "email",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Alert {
    /// Names the target in logs, `banyue alerts`, `banyue sources` and `/metrics`.
    pub id: String,
    pub target: Target,
    pub events: Vec<EventKind>,
    /// `source-broken` after this many failures in a row.
    pub failures: i64,
    /// `draft-changed` after more than this many new items since an editor looked.
    pub changed: usize,
    /// Messages a minute, at most (the robots refuse more than 20).
    pub per_minute: u32,
    /// The first retry waits this long; each next one twice as long, at most an hour.
    pub retry_secs: u64,
    /// Give a message up after this many failed tries.
    pub max_attempts: u32,
    /// Webhook addresses on loopback or private networks (an intranet receiver, tests).
    pub allow_private: bool,
    pub line: usize,
}

impl Alert {
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.contains(&kind)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlert {
    id: Option<String>,
    kind: String,
    url: Option<String>,
    url_env: Option<String>,
    secret_env: Option<String>,
    events: Option<Vec<Spanned<String>>>,
    failures: Option<i64>,
    changed: Option<usize>,
    per_minute: Option<u32>,
    retry_secs: Option<u64>,
    max_attempts: Option<u32>,
    #[serde(default)]
    allow_private: bool,
    smtp: Option<String>,
    tls: Option<String>,
    username: Option<String>,
    password_env: Option<String>,
    from: Option<String>,
    to: Option<Vec<String>>,
    ca_file: Option<String>,
}

/// Read one `[[alert]]` table; problems go to `problems` at the table's line.
pub(super) fn alert(
    raw: RawAlert,
    at: usize,
    index: usize,
    loc: &Locator,
    base: &std::path::Path,
    problems: &mut Vec<Problem>,
) -> Option<Alert> {
    let line = loc.line(at);
    let id = raw.id.clone().unwrap_or_else(|| format!("{}-{}", raw.kind, index + 1));
    let before = problems.len();
    let mut bad = |m: String| problems.push(loc.problem(at, format!("alert `{id}`: {m}")));
    let url = match (&raw.url, &raw.url_env) {
        (Some(u), None) => match Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => Some(Secret::Literal(u.clone())),
            Ok(p) => {
                bad(format!("url must be http or https, not {}", p.scheme()));
                None
            }
            Err(e) => {
                bad(format!("url is not a URL ({e})"));
                None
            }
        },
        (None, Some(var)) => Some(Secret::Env(var.clone())),
        (Some(_), Some(_)) => {
            bad("give url or url_env, not both".into());
            None
        }
        (None, None) => None,
    };
    let secret = raw.secret_env.clone().map(Secret::Env);
    let target = match (raw.kind.as_str(), url) {
        ("email", _) => email(&raw, base, &mut bad),
        ("webhook" | "wecom" | "dingtalk" | "feishu", None) => {
            bad("needs url (or url_env naming the variable that holds it)".into());
            None
        }
        ("webhook", Some(url)) => Some(Target::Webhook { url }),
        ("wecom", Some(url)) => Some(Target::Wecom { url }),
        ("dingtalk", Some(url)) => Some(Target::Dingtalk { url, secret }),
        ("feishu", Some(url)) => Some(Target::Feishu { url, secret }),
        (other, _) => {
            bad(format!(
                "kind `{other}` is not webhook, wecom, dingtalk, feishu or email"
            ));
            None
        }
    };
    let mut events = Vec::new();
    match &raw.events {
        None => events.extend(EventKind::ALL),
        Some(list) => {
            for e in list {
                let kind = EventKind::ALL.iter().find(|k| k.as_str() == e.get_ref());
                match kind {
                    Some(k) => events.push(*k),
                    None => problems.push(loc.problem(
                        e.span().start,
                        format!(
                            "alert `{id}`: event `{}` is not one of {}",
                            e.get_ref(),
                            EventKind::ALL.map(EventKind::as_str).join(", ")
                        ),
                    )),
                }
            }
        }
    }
    let failures = raw.failures.unwrap_or(3);
    if failures < 1 {
        problems.push(loc.problem(at, format!("alert `{id}`: failures must be at least 1")));
    }
    let per_minute = raw.per_minute.unwrap_or(20);
    if per_minute == 0 {
        problems.push(loc.problem(at, format!("alert `{id}`: per_minute must be at least 1")));
    }
    if problems.len() > before {
        return None;
    }
    Some(Alert {
        id,
        target: target?,
        events,
        failures,
        changed: raw.changed.unwrap_or(10),
        per_minute,
        retry_secs: raw.retry_secs.unwrap_or(30),
        max_attempts: raw.max_attempts.unwrap_or(10),
        allow_private: raw.allow_private,
        line,
    })
}

fn email(raw: &RawAlert, base: &std::path::Path, bad: &mut impl FnMut(String)) -> Option<Target> {
    let Some(smtp) = &raw.smtp else {
        bad("needs smtp = \"smtp://host:587\" (STARTTLS) or \"smtps://host:465\"".into());
        return None;
    };
    let parsed = match Url::parse(smtp) {
        Ok(u) => u,
        Err(e) => {
            bad(format!("smtp is not a URL ({e})"));
            return None;
        }
    };
    let (implicit, default_port) = match parsed.scheme() {
        "smtp" => (false, 587),
        "smtps" => (true, 465),
        other => {
            bad(format!("smtp must be smtp:// or smtps://, not {other}://"));
            return None;
        }
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bad("put no user or password in the smtp URL: use username and password_env".into());
        return None;
    }
    let Some(host) = parsed.host_str().map(str::to_string) else {
        bad("smtp names no host".into());
        return None;
    };
    let tls = match (raw.tls.as_deref(), implicit) {
        (None, true) | (Some("tls"), _) => SmtpTls::Implicit,
        (None, false) | (Some("starttls"), false) => SmtpTls::StartTls,
        (Some("none"), false) => SmtpTls::None,
        (Some(t), _) => {
            bad(format!(
                "tls `{t}` does not fit {smtp} (smtp:// takes starttls or none, smtps:// takes tls)"
            ));
            return None;
        }
    };
    let password = raw.password_env.clone().map(Secret::Env);
    if tls == SmtpTls::None && password.is_some() {
        bad("a password is never sent without TLS: drop tls = \"none\" or the password".into());
        return None;
    }
    let Some(from) = raw.from.clone() else {
        bad("needs from = \"banyue <banyue@example.org>\"".into());
        return None;
    };
    let to = raw.to.clone().unwrap_or_default();
    if to.is_empty() {
        bad("needs to = [\"editors@example.org\"]".into());
        return None;
    }
    for addr in std::iter::once(&from).chain(&to) {
        if addr.parse::<lettre::message::Mailbox>().is_err() {
            bad(format!("`{addr}` is not a mail address"));
            return None;
        }
    }
    let ca_file = raw.ca_file.as_ref().map(|f| {
        let p = std::path::PathBuf::from(f);
        if p.is_absolute() { p } else { base.join(p) }
    });
    Some(Target::Email(Email {
        host,
        port: parsed.port().unwrap_or(default_port),
        tls,
        username: raw.username.clone(),
        password,
        from,
        to,
        ca_file,
    }))
}
