//! The fetch stage: HTTP GET with timeouts, a body cap, gzip, redirect limits, a guard
//! against private addresses, and charset decoding. The only module that talks HTTP.

pub mod charset;
pub mod guard;

use std::time::Duration;

use thiserror::Error;
use url::Url;

use crate::config::Settings;

/// A fetched document, decoded to text.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where the body came from, after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub text: String,
    pub encoding: &'static str,
    pub bytes: usize,
}

#[derive(Debug, Error)]
pub enum FetchError {
    #[error("HTTP {0}")]
    Status(u16),
    #[error("blocked by an anti-bot challenge (HTTP {0})")]
    Blocked(u16),
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("body exceeds the {0}-byte cap")]
    TooLarge(usize),
    #[error("refused: {0}")]
    Refused(String),
    #[error("too many redirects")]
    Redirects,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

/// An HTTP client configured from settings. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    guarded: reqwest::Client,
    open: reqwest::Client,
    max_body: usize,
    timeout_secs: u64,
}

const MAX_REDIRECTS: usize = 5;

impl Fetcher {
    pub fn new(settings: &Settings) -> anyhow::Result<Fetcher> {
        // Any of several crates may have installed it already; either way one is there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |guarded: bool| -> anyhow::Result<reqwest::Client> {
            let mut b = reqwest::Client::builder()
                .user_agent(settings.user_agent.clone())
                .connect_timeout(Duration::from_secs(settings.timeout_secs.min(10)))
                .timeout(Duration::from_secs(settings.timeout_secs))
                .redirect(guard::redirect_policy(guarded, MAX_REDIRECTS))
                .no_proxy();
            if guarded {
                b = b.dns_resolver(guard::PublicOnlyResolver);
            }
            b.build()
                .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))
        };
        Ok(Fetcher {
            guarded: build(true)?,
            open: build(false)?,
            max_body: settings.max_body_bytes,
            timeout_secs: settings.timeout_secs,
        })
    }

    /// GET `url`. Unless `allow_private`, addresses that are not public are refused,
    /// whether written literally or reached through DNS or a redirect.
    pub async fn get(&self, url: &Url, allow_private: bool) -> Result<Page, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "scheme `{}` is not http or https",
                url.scheme()
            )));
        }
        if !allow_private {
            guard::check_literal(url)?;
        }
        let client = if allow_private { &self.open } else { &self.guarded };
        let mut resp = client.get(url.clone()).send().await.map_err(|e| self.classify(e))?;
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(len) = resp.content_length()
            && len as usize > self.max_body
        {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge(self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        if matches!(status, 412 | 512 | 521) || (status == 200 && looks_like_challenge(&body)) {
            return Err(FetchError::Blocked(status));
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status));
        }
        let (text, enc) = charset::decode(&body, content_type.as_deref());
        Ok(Page {
            url: final_url,
            status,
            content_type,
            text,
            encoding: enc.name(),
            bytes: body.len(),
        })
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout(self.timeout_secs);
        }
        if e.is_redirect() {
            return match guard::refusal_in(&e) {
                Some(why) => FetchError::Refused(why),
                None => FetchError::Redirects,
            };
        }
        if let Some(why) = guard::refusal_in(&e) {
            return FetchError::Refused(why);
        }
        if e.is_connect() {
            return FetchError::Connect(error_chain(&e));
        }
        FetchError::Other(error_chain(&e))
    }
}

/// A JS challenge page (加速乐, 瑞数) served with 200: tiny and script-only.
fn looks_like_challenge(body: &[u8]) -> bool {
    if body.len() > 4096 {
        return false;
    }
    let text = String::from_utf8_lossy(body);
    (text.contains("document.cookie=") || text.contains("$_ts")) && text.contains("<script")
}

/// The innermost useful message of an error chain.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        cur = s.source();
    }
    parts.join(": ")
}
