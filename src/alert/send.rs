//! Delivering the queue: claim a due message, send it (HTTP POST or SMTP), and record
//! what happened — sent, or the error and when to try again (doubling waits, at most an
//! hour, given up after the target's `max_attempts`). A target's `per_minute` holds the
//! rest back. The store is never locked while a message is on the wire.
//!
//! Secrets never reach a log or the store: errors are stripped of URLs and every secret's
//! value is blotted out of whatever text is kept.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Event, format};
use crate::config::{Alert, SmtpTls, Target};
use crate::store::{Outgoing, Store};

/// How long one message may take on the wire.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim keeps other processes off a message being sent.
const CLAIM_SECS: i64 = 120;

/// What one delivery pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    /// Held back by a rate limit or left for the next pass (the time budget ran out).
    pub held: usize,
}

/// HTTP clients for webhooks: one that refuses private addresses (the default), one
/// for targets that allow them.
pub struct Sender {
    public: reqwest::Client,
    private: reqwest::Client,
}

impl Sender {
    pub fn new(user_agent: &str) -> anyhow::Result<Sender> {
        let tls = crate::fetch::tls::client_config()?;
        let build = |public: bool| {
            let mut b = reqwest::Client::builder()
                .user_agent(user_agent.to_string())
                .connect_timeout(Duration::from_secs(10))
                .timeout(SEND_TIMEOUT)
                // A robot's address answers itself; a redirect is not followed with a body.
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .tls_backend_preconfigured(tls.clone());
            if public {
                b = b.dns_resolver(crate::fetch::guard::PublicOnlyResolver);
            }
            b.build()
                .map_err(|e| anyhow::anyhow!("cannot build the alerts' HTTP client: {e}"))
        };
        Ok(Sender {
            public: build(true)?,
            private: build(false)?,
        })
    }

    /// Send `e` to `alert` now. The error is safe to log and store.
    pub async fn send(&self, alert: &Alert, e: &Event, delivery: i64) -> Result<(), String> {
        let secrets = secrets_of(&alert.target);
        let result = match &alert.target {
            Target::Email(spec) => send_mail(spec, e).await,
            target => self.post(alert, target, e, delivery).await,
        };
        result.map_err(|err| blot(&err, &secrets))
    }

    async fn post(&self, alert: &Alert, target: &Target, e: &Event, delivery: i64) -> Result<(), String> {
        let Some(post) = format::post(target, e, delivery, Utc::now())? else {
            return Err("not an HTTP target".into());
        };
        if !alert.allow_private {
            crate::fetch::guard::check_literal(&post.url)
                .map_err(|err| format!("{err} (set allow_private = true on the alert for an intranet receiver)"))?;
        }
        let client = if alert.allow_private {
            &self.private
        } else {
            &self.public
        };
        let resp = client
            .post(post.url)
            .header("X-Banyue-Event", e.kind.as_str())
            .header("X-Banyue-Delivery", delivery.to_string())
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(post.body.to_string())
            .send()
            .await
            .map_err(describe)?;
        let status = resp.status().as_u16();
        // Only the head of an answer is read: a receiver's page of HTML says nothing more.
        let mut body = Vec::new();
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            body.extend_from_slice(&chunk);
            if body.len() > 64 * 1024 {
                break;
            }
        }
        format::accepted(target, status, &String::from_utf8_lossy(&body))
    }
}

/// A reqwest error in words, without its URL (which may hold a robot's key).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Every secret a target holds, as it would appear in text: whole values, and the
/// query values and path of a webhook address (a key is often one of them).
fn secrets_of(target: &Target) -> Vec<String> {
    let mut out = Vec::new();
    for v in target.secrets().into_iter().filter_map(|s| s.read().ok()) {
        if let Ok(u) = url::Url::parse(v.trim()) {
            out.extend(u.query_pairs().map(|(_, v)| v.into_owned()));
            out.extend(u.path_segments().into_iter().flatten().map(str::to_string));
        }
        out.push(v);
    }
    // Short pieces (`send`, `v2`) are words, not secrets.
    out.retain(|s| s.len() >= 8);
    out
}

fn blot(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

async fn send_mail(spec: &crate::config::Email, e: &Event) -> Result<(), String> {
    use lettre::AsyncTransport as _;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let message = format::email(spec, e)?;
    let params = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(spec.host.clone());
        if let Some(ca) = &spec.ca_file {
            let pem = std::fs::read(ca).map_err(|err| format!("cannot read ca_file {}: {err}", ca.display()))?;
            let cert = Certificate::from_pem(&pem).map_err(|err| format!("ca_file {}: {err}", ca.display()))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|err| format!("TLS settings: {err}"))
    };
    let tls = match spec.tls {
        SmtpTls::StartTls => Tls::Required(params()?),
        SmtpTls::Implicit => Tls::Wrapper(params()?),
        SmtpTls::None => Tls::None,
    };
    let mut b = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&spec.host)
        .port(spec.port)
        .tls(tls)
        .timeout(Some(SEND_TIMEOUT));
    if let Some(user) = &spec.username {
        let password = match &spec.password {
            Some(p) => p.read()?,
            None => return Err("username without password_env".into()),
        };
        b = b.credentials(Credentials::new(user.clone(), password));
    }
    let transport = b.build();
    tokio::time::timeout(SEND_TIMEOUT * 2, transport.send(message))
        .await
        .map_err(|_| "the mail server did not answer in time".to_string())?
        .map(|_| ())
        .map_err(|err| format!("SMTP: {err}"))
}

/// When a message that failed `attempts` times is tried again; `None`: given up.
pub fn retry_at(alert: &Alert, attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= i64::from(alert.max_attempts) {
        return None;
    }
    let exp = attempts.clamp(1, 20) - 1;
    let wait = alert.retry_secs.saturating_mul(1u64 << exp).min(3600);
    Some(now + chrono::Duration::seconds(wait as i64))
}

fn lock(store: &Mutex<Store>) -> anyhow::Result<std::sync::MutexGuard<'_, Store>> {
    store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))
}

/// Send what is due, until the queue is empty or `budget` is spent.
pub async fn deliver_due(
    sender: &Sender,
    store: &Mutex<Store>,
    alerts: &[Alert],
    budget: Duration,
) -> anyhow::Result<Delivered> {
    let mut done = Delivered::default();
    if alerts.is_empty() {
        return Ok(done);
    }
    let started = std::time::Instant::now();
    let targets: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    let due: Vec<Outgoing> = lock(store)?.due_alerts(&targets, Utc::now(), 500)?;
    for msg in due {
        if started.elapsed() >= budget {
            done.held += 1;
            continue;
        }
        let now = Utc::now();
        let Some(alert) = alerts.iter().find(|a| a.id == msg.target) else {
            continue;
        };
        {
            let st = lock(store)?;
            let minute_ago = now - chrono::Duration::seconds(60);
            if st.alerts_sent_since(&alert.id, minute_ago)? >= alert.per_minute {
                st.alert_later(msg.id, now + chrono::Duration::seconds(60))?;
                done.held += 1;
                continue;
            }
            if !st.claim_alert(msg.id, now, now + chrono::Duration::seconds(CLAIM_SECS))? {
                continue;
            }
        }
        let outcome = match serde_json::from_str::<Event>(&msg.event) {
            Ok(e) => sender.send(alert, &e, msg.id).await,
            Err(err) => Err(format!("the queued event cannot be read: {err}")),
        };
        let now = Utc::now();
        let st = lock(store)?;
        match outcome {
            Ok(()) => {
                st.alert_sent(msg.id, now)?;
                tracing::info!(alert = %alert.id, key = %msg.key, "alert sent");
                done.sent += 1;
            }
            Err(err) => {
                let retry = retry_at(alert, msg.attempts + 1, now);
                st.alert_failed(msg.id, &err, now, retry)?;
                match retry {
                    Some(at) => {
                        tracing::warn!(alert = %alert.id, key = %msg.key, error = %err, retry = %at, "alert not sent")
                    }
                    None => tracing::error!(alert = %alert.id, key = %msg.key, error = %err, "alert given up"),
                }
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// One delivery pass with a store of its own (after `banyue run`, a CLI publish, or
/// `banyue alerts send`).
pub async fn deliver_now(config: &crate::config::Config, budget: Duration) -> anyhow::Result<Delivered> {
    if config.alerts.is_empty() {
        return Ok(Delivered::default());
    }
    let sender = Sender::new(&config.settings.user_agent)?;
    let store = Mutex::new(Store::connect(&config.settings.store)?);
    deliver_due(&sender, &store, &config.alerts, budget).await
}

/// Deliver what comes due, every `every`, for as long as the process runs (the daemon
/// and the review server). Nothing is spawned when no alert is configured.
pub fn keep_delivering(config: &crate::config::Config, every: Duration) -> anyhow::Result<()> {
    if config.alerts.is_empty() {
        return Ok(());
    }
    let sender = Sender::new(&config.settings.user_agent)?;
    // Its own connection: sending never waits behind a run's long write.
    let store = Mutex::new(Store::connect(&config.settings.store)?);
    let alerts = config.alerts.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match deliver_due(&sender, &store, &alerts, every.max(Duration::from_secs(30))).await {
                Ok(d) if d.sent + d.failed > 0 => tracing::debug!(sent = d.sent, failed = d.failed, "alerts delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!("alerts: {e:#}"),
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn waits_double_up_to_an_hour_then_give_up() {
        let mut a = crate::alert::tests_support::alert();
        a.retry_secs = 30;
        a.max_attempts = 10;
        let now = Utc::now();
        let wait = |n| retry_at(&a, n, now).map(|t| (t - now).num_seconds());
        assert_eq!(wait(1), Some(30));
        assert_eq!(wait(2), Some(60));
        assert_eq!(wait(8), Some(3600));
        assert_eq!(wait(10), None);
    }

    #[test]
    fn secrets_are_blotted_out_of_errors() {
        let target = Target::Dingtalk {
            url: Secret::Literal("https://oapi.example/robot/send?access_token=tok-1234567890".into()),
            secret: Some(Secret::Literal("SEC-abcdefgh".into())),
        };
        let s = secrets_of(&target);
        let text = blot("error sending to …access_token=tok-1234567890 with SEC-abcdefgh", &s);
        assert!(
            !text.contains("tok-1234567890") && !text.contains("SEC-abcdefgh"),
            "{text}"
        );
    }
}
