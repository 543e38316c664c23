//! Each service's own message format, and how it says a message was taken. Pure: the
//! time stamp a signature needs is passed in.
//!
//! - generic webhook: `{event, title, text, link, at, delivery, data}`;
//! - 企业微信 group robot: `{"msgtype":"markdown","markdown":{"content":…}}` (at most
//!   4,096 bytes), answered `{"errcode":0,…}`;
//! - 钉钉 custom robot: `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`; signed
//!   by `timestamp` (ms) and `sign` = Base64(HMAC-SHA256(secret, timestamp + "\n" +
//!   secret)) in the query; answered `{"errcode":0,…}`;
//! - 飞书 custom bot: `{"msg_type":"text","content":{"text":…}}`, signed by `timestamp`
//!   (s) and `sign` = Base64(HMAC-SHA256(key = timestamp + "\n" + secret, empty
//!   message)) in the body; answered `{"code":0,…}`.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use url::Url;

use super::Event;
use crate::config::{Email, Target};

/// An HTTP POST of a JSON body.
#[derive(Debug, Clone)]
pub struct Post {
    pub url: Url,
    pub body: serde_json::Value,
}

/// 企业微信 refuses markdown content over 4,096 bytes; 钉钉 and 飞书 take more, but a
/// chat message that long is unread anyway.
const MAX_BYTES: usize = 4000;

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, message).as_ref())
}

/// The 钉钉 signature of `timestamp_ms`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_base64(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes())
}

/// The 飞书 signature of `timestamp_s`.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    hmac_base64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

fn with_link(text: &str, link: Option<&str>, markdown: bool) -> String {
    match (link, markdown) {
        (Some(l), true) => format!("{text}\n\n[查看]({l})"),
        (Some(l), false) => format!("{text}\n{l}"),
        (None, _) => text.to_string(),
    }
}

fn url_of(secret: &crate::config::Secret) -> Result<Url, String> {
    let raw = secret.read()?;
    // The address holds the robot's key: say what is wrong with it, never what it is.
    Url::parse(raw.trim()).map_err(|e| format!("the webhook address is not a URL ({e})"))
}

/// The POST that tells `e` to an HTTP target (`None` for email). `delivery` is the
/// outbox row, which a generic receiver can use to drop a retried message it already has.
pub fn post(target: &Target, e: &Event, delivery: i64, now: DateTime<Utc>) -> Result<Option<Post>, String> {
    let post = match target {
        Target::Email(_) => return Ok(None),
        Target::Webhook { url } => Post {
            url: url_of(url)?,
            body: serde_json::json!({
                "event": e.kind.as_str(),
                "title": e.title,
                "text": e.text,
                "link": e.link,
                "at": e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "delivery": delivery,
                "data": e.data,
            }),
        },
        Target::Wecom { url } => Post {
            url: url_of(url)?,
            body: serde_json::json!({
                "msgtype": "markdown",
                "markdown": {
                    "content": cut(&with_link(&format!("**{}**\n{}", e.title, quote(&e.text)), e.link.as_deref(), true), MAX_BYTES),
                },
            }),
        },
        Target::Dingtalk { url, secret } => {
            let mut url = url_of(url)?;
            if let Some(secret) = secret {
                let secret = secret.read()?;
                let ts = now.timestamp_millis();
                url.query_pairs_mut()
                    .append_pair("timestamp", &ts.to_string())
                    .append_pair("sign", &dingtalk_sign(&secret, ts));
            }
            Post {
                url,
                body: serde_json::json!({
                    "msgtype": "markdown",
                    "markdown": {
                        "title": e.title,
                        "text": cut(&with_link(&format!("#### {}\n\n{}", e.title, e.text.replace('\n', "\n\n")), e.link.as_deref(), true), MAX_BYTES),
                    },
                }),
            }
        }
        Target::Feishu { url, secret } => {
            let mut body = serde_json::json!({
                "msg_type": "text",
                "content": { "text": cut(&with_link(&format!("{}\n{}", e.title, e.text), e.link.as_deref(), false), MAX_BYTES) },
            });
            if let Some(secret) = secret {
                let secret = secret.read()?;
                let ts = now.timestamp();
                body["timestamp"] = serde_json::Value::String(ts.to_string());
                body["sign"] = serde_json::Value::String(feishu_sign(&secret, ts));
            }
            Post {
                url: url_of(url)?,
                body,
            }
        }
    };
    Ok(Some(post))
}

fn quote(text: &str) -> String {
    text.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
}

/// Whether the service took the message, from its answer: any 2xx for a generic
/// webhook; for the robots also their JSON code 0 (they answer HTTP 200 to refusals).
pub fn accepted(target: &Target, status: u16, body: &str) -> Result<(), String> {
    let short = cut(body.trim(), 200);
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {short}"));
    }
    let field = match target {
        Target::Wecom { .. } | Target::Dingtalk { .. } => "errcode",
        Target::Feishu { .. } => "code",
        Target::Webhook { .. } | Target::Email(_) => return Ok(()),
    };
    let v: serde_json::Value =
        serde_json::from_str(body).map_err(|_| format!("HTTP {status} but not the service's JSON answer: {short}"))?;
    // 飞书's older answers carry only `StatusCode`.
    let code = v
        .get(field)
        .or_else(|| v.get("StatusCode"))
        .and_then(serde_json::Value::as_i64);
    match code {
        Some(0) => Ok(()),
        Some(c) => {
            let msg = ["errmsg", "msg", "StatusMessage"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|m| m.as_str()))
                .unwrap_or("");
            Err(format!("refused: {field} {c} {msg}"))
        }
        None => Err(format!("HTTP {status} without {field}: {short}")),
    }
}

/// The email that tells `e`.
pub fn email(spec: &Email, e: &Event) -> Result<lettre::Message, String> {
    let parse = |a: &str| {
        a.parse::<lettre::message::Mailbox>()
            .map_err(|err| format!("`{a}` is not a mail address ({err})"))
    };
    let mut b = lettre::Message::builder()
        .from(parse(&spec.from)?)
        .subject(e.title.clone())
        .date(e.at.into());
    for to in &spec.to {
        b = b.to(parse(to)?);
    }
    b.header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(with_link(&e.text, e.link.as_deref(), false))
        .map_err(|err| format!("cannot build the message: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EventKind, Secret};

    fn event() -> Event {
        Event {
            kind: EventKind::SourceBroken,
            at: DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
                .expect("date")
                .with_timezone(&Utc),
            title: "【banyue】来源故障：工信部".into(),
            text: "来源 工信部（gxb）连续 3 次抓取失败：HTTP 500".into(),
            link: Some("http://127.0.0.1:8080/issue".into()),
            data: serde_json::json!({ "source": "gxb" }),
        }
    }

    #[test]
    fn signatures_follow_the_services_worked_examples() {
        // HMAC-SHA256 of RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?"),
        // checked here through the same helper both signatures use.
        let mac = hmac_base64(b"Jefe", b"what do ya want for nothing?");
        let hex: String = base64::engine::general_purpose::STANDARD
            .decode(mac)
            .expect("base64")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // 钉钉 signs "ts\nsecret" with the secret; 飞书 signs nothing with "ts\nsecret".
        assert_eq!(dingtalk_sign("SEC1", 1), hmac_base64(b"SEC1", b"1\nSEC1"));
        assert_eq!(feishu_sign("s", 2), hmac_base64(b"2\ns", b""));
    }

    #[test]
    fn each_robot_gets_its_own_shape() {
        let e = event();
        let now = e.at;
        let url = Secret::Literal("http://127.0.0.1:1/send?access_token=abc".into());
        let ding = Target::Dingtalk {
            url: url.clone(),
            secret: Some(Secret::Literal("SECxyz".into())),
        };
        let p = post(&ding, &e, 7, now).expect("post").expect("http");
        assert_eq!(p.body["msgtype"], "markdown");
        assert!(
            p.body["markdown"]["text"]
                .as_str()
                .expect("text")
                .starts_with("#### 【banyue】")
        );
        let q: std::collections::HashMap<_, _> = p.url.query_pairs().into_owned().collect();
        assert_eq!(q["access_token"], "abc");
        assert_eq!(q["timestamp"], now.timestamp_millis().to_string());
        assert_eq!(q["sign"], dingtalk_sign("SECxyz", now.timestamp_millis()));
        let fei = Target::Feishu {
            url: url.clone(),
            secret: Some(Secret::Literal("s".into())),
        };
        let p = post(&fei, &e, 7, now).expect("post").expect("http");
        assert_eq!(p.body["msg_type"], "text");
        assert_eq!(p.body["timestamp"], now.timestamp().to_string());
        assert!(p.body["content"]["text"].as_str().expect("text").contains("连续 3 次"));
        let wecom = Target::Wecom { url: url.clone() };
        let p = post(&wecom, &e, 7, now).expect("post").expect("http");
        assert!(
            p.body["markdown"]["content"]
                .as_str()
                .expect("content")
                .starts_with("**【banyue】")
        );
        let hook = Target::Webhook { url };
        let p = post(&hook, &e, 7, now).expect("post").expect("http");
        assert_eq!(
            (p.body["event"].as_str(), p.body["delivery"].as_i64()),
            (Some("source-broken"), Some(7))
        );
    }

    #[test]
    fn robots_that_answer_200_with_an_error_code_did_not_take_it() {
        let wecom = Target::Wecom {
            url: Secret::Literal("http://127.0.0.1:1/".into()),
        };
        assert!(accepted(&wecom, 200, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        let e = accepted(&wecom, 200, r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#).expect_err("refused");
        assert!(e.contains("45009"), "{e}");
        assert!(accepted(&wecom, 500, "oops").expect_err("500").starts_with("HTTP 500"));
        let fei = Target::Feishu {
            url: Secret::Literal("http://127.0.0.1:1/".into()),
            secret: None,
        };
        assert!(accepted(&fei, 200, r#"{"code":0,"msg":"success","data":{}}"#).is_ok());
        assert!(accepted(&fei, 200, r#"{"StatusCode":0,"StatusMessage":"success"}"#).is_ok());
        assert!(accepted(&fei, 200, r#"{"code":19021,"msg":"sign match fail"}"#).is_err());
    }

    #[test]
    fn a_long_message_is_cut_on_a_character() {
        let long = "长".repeat(3000);
        let c = cut(&long, MAX_BYTES);
        assert!(c.len() <= MAX_BYTES && c.ends_with('…'));
    }
}
