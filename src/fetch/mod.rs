//! The fetch stage: polite, bounded HTTP. Timeouts, a body cap, gzip, a redirect limit,
//! conditional GET, per-host concurrency and spacing, anti-bot answers recognised, a
//! guard against private addresses, and charset decoding. The only module that talks
//! HTTP.

pub mod charset;
pub mod guard;
pub mod hosts;
pub mod tls;

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
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
    /// Invalid byte sequences replaced (U+FFFD) and control characters removed.
    pub repaired: usize,
    pub stripped: usize,
    pub bytes: usize,
    /// Validators for the next conditional GET.
    pub validators: Validators,
}

/// What a server said to identify a version of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a GET: a page (decoded, or [`Held`] as it came), or none.
#[derive(Debug, Clone)]
pub enum Fetched<P = Box<Page>> {
    Page(P),
    /// 304: the document has not changed since the validators we sent.
    NotModified,
}

/// A page as it came over the wire, its body still compressed when the server compressed
/// it. A source's page may wait its turn to be read while the store is busy (the
/// pipeline's parse slots); held so, it costs a fifth of what its text will (the farm's
/// feeds: 118 MB of XML, 24 MB of gzip). [`Held::open`] decompresses and decodes it.
#[derive(Debug)]
pub struct Held {
    url: Url,
    status: u16,
    content_type: Option<String>,
    validators: Validators,
    body: Vec<u8>,
    gzip: bool,
    max_body: usize,
}

impl Held {
    /// The page's text: decompressed (within the body cap, however small the compressed
    /// body was) and decoded. A challenge page served as 200 is told here, from its text.
    pub fn open(self) -> Result<Page, FetchError> {
        let body = if self.gzip {
            gunzip(&self.body, self.max_body)?
        } else {
            self.body
        };
        if self.status == 200 && looks_like_challenge(&body) {
            return Err(FetchError::Blocked(self.status));
        }
        let bytes = body.len();
        let decoded = charset::decode_owned(body, self.content_type.as_deref());
        Ok(Page {
            url: self.url,
            status: self.status,
            content_type: self.content_type,
            encoding: decoded.encoding.name(),
            repaired: decoded.repaired,
            stripped: decoded.stripped,
            text: decoded.text,
            bytes,
            validators: self.validators,
        })
    }
}

/// `bytes` as one gzip member: how `serve` sends published files (and how tests serve
/// a compressed body).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    enc.finish()
}

/// A gzip body (one member or several) decompressed, at most `max` bytes of it.
fn gunzip(compressed: &[u8], max: usize) -> Result<Vec<u8>, FetchError> {
    use std::io::Read;
    // The trailer states the size (modulo 2^32): room for it at once rather than grown
    // into by doubling, never more than the cap however large it claims to be.
    let stated = compressed
        .last_chunk::<4>()
        .map_or(0, |t| u32::from_le_bytes(*t) as usize);
    let mut out = Vec::with_capacity(stated.min(max));
    flate2::read::MultiGzDecoder::new(compressed)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| FetchError::Other(format!("the gzip body is corrupt: {e}")))?;
    if out.len() > max {
        return Err(FetchError::TooLarge(max));
    }
    Ok(out)
}

#[derive(Debug, Error)]
pub enum FetchError {
    #[error("HTTP {0}")]
    Status(u16),
    /// 429 or 503: the server asks us to come back later.
    #[error("HTTP {status}: throttled{}", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    Throttled { status: u16, retry_after: Option<Duration> },
    // Worded as `BLOCKED` says, which alerts look for in a stored error.
    #[error("blocked by an anti-bot challenge (HTTP {0})")]
    Blocked(u16),
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("body exceeds the {0}-byte cap")]
    TooLarge(usize),
    #[error("refused: {0}")]
    Refused(String),
    /// The redirect that was one too many: the (limit + 1)th.
    #[error("too many redirects ({0})")]
    Redirects(usize),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// One request: the URL, whether it may reach private addresses, and the source's own
/// headers and validators.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub allow_private: bool,
    /// The URL is written literally in the config: the operator's own word, so a literal
    /// private address in it is allowed (redirects from it are still checked).
    pub configured: bool,
    pub headers: &'a [(String, String)],
    pub validators: Option<&'a Validators>,
}

/// How a blocked fetch's error begins (alerts tell a blocked source at once).
pub const BLOCKED: &str = "blocked by an anti-bot challenge";

/// The most connections to one host kept open between requests.
const IDLE_PER_HOST: usize = 8;

/// An HTTP client configured from settings. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    guarded: reqwest::Client,
    pinned: reqwest::Client,
    open: reqwest::Client,
    hosts: hosts::HostGate,
    max_body: usize,
    timeout_secs: u64,
    max_redirects: usize,
}

impl Fetcher {
    pub fn new(settings: &Settings) -> anyhow::Result<Fetcher> {
        let tls = tls::client_config()?;
        let max_redirects = settings.max_redirects;
        let build = |mode: guard::Redirects| -> anyhow::Result<reqwest::Client> {
            let mut b = reqwest::Client::builder()
                .user_agent(settings.user_agent.clone())
                .connect_timeout(Duration::from_secs(settings.timeout_secs.min(10)))
                .timeout(Duration::from_secs(settings.timeout_secs))
                .redirect(guard::redirect_policy(mode, max_redirects))
                .pool_idle_timeout(Duration::from_secs(30))
                // A connection kept idle keeps its buffers (28 kB each): the farm's 2,000
                // feeds on one host left 256 of them idle. Sources seldom share a host, and
                // one that does is fetched a few requests at a time.
                .pool_max_idle_per_host(settings.per_host_concurrency.clamp(1, IDLE_PER_HOST))
                // Bodies are decompressed by `Held::open`, when they are read.
                .no_gzip()
                .no_proxy()
                .tls_backend_preconfigured(tls.clone());
            if mode != guard::Redirects::Open {
                b = b.dns_resolver(guard::PublicOnlyResolver);
            }
            b.build()
                .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))
        };
        Ok(Fetcher {
            guarded: build(guard::Redirects::Guarded)?,
            pinned: build(guard::Redirects::Pinned)?,
            open: build(guard::Redirects::Open)?,
            hosts: hosts::HostGate::new(
                settings.per_host_concurrency,
                Duration::from_millis(settings.per_host_delay_ms),
            ),
            max_body: settings.max_body_bytes,
            timeout_secs: settings.timeout_secs,
            max_redirects,
        })
    }

    /// GET `url` with no source-specific options (scraped links: guarded).
    pub async fn get(&self, url: &Url, allow_private: bool) -> Result<Page, FetchError> {
        let req = Request {
            allow_private,
            ..Default::default()
        };
        match self.fetch(url, &req).await? {
            Fetched::Page(p) => Ok(*p),
            Fetched::NotModified => Err(FetchError::Status(304)),
        }
    }

    /// GET `url`, the page decoded. Unless allowed, addresses that are not public are
    /// refused, whether written literally, reached through DNS (checked on the resolved
    /// address) or through a redirect.
    pub async fn fetch(&self, url: &Url, req: &Request<'_>) -> Result<Fetched, FetchError> {
        match self.fetch_held(url, req).await? {
            Fetched::Page(held) => Ok(Fetched::Page(Box::new(held.open()?))),
            Fetched::NotModified => Ok(Fetched::NotModified),
        }
    }

    /// GET `url` as [`fetch`](Self::fetch) does, the page held as it came.
    pub async fn fetch_held(&self, url: &Url, req: &Request<'_>) -> Result<Fetched<Box<Held>>, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "scheme `{}` is not http or https",
                url.scheme()
            )));
        }
        let literal_private = guard::check_literal(url).is_err();
        if !req.allow_private && literal_private && !req.configured {
            guard::check_literal(url)?;
        }
        // The guarded client resolves names to public addresses only; a configured literal
        // private address is reached directly, but redirects away from it stay checked.
        let client = if req.allow_private {
            &self.open
        } else if req.configured && literal_private {
            &self.pinned
        } else {
            &self.guarded
        };
        let mut headers = HeaderMap::new();
        for (k, v) in req.headers {
            let name = HeaderName::try_from(k.as_str()).map_err(|e| FetchError::Other(format!("header {k}: {e}")))?;
            let value = HeaderValue::try_from(v.as_str()).map_err(|e| FetchError::Other(format!("header {k}: {e}")))?;
            headers.insert(name, value);
        }
        if !headers.contains_key(header::ACCEPT_ENCODING) {
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        }
        if let Some(v) = req.validators {
            if let Some(etag) = v.etag.as_deref().and_then(|e| HeaderValue::try_from(e).ok()) {
                headers.insert(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = v.last_modified.as_deref().and_then(|e| HeaderValue::try_from(e).ok()) {
                headers.insert(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let _turn = self.hosts.wait_turn(url).await;
        let mut resp = client
            .get(url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.classify(e))?;
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        let hdr = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        // A redirect the client did not follow (to a scheme it does not speak) ends
        // here: say where it led, not just its status.
        if (300..400).contains(&status)
            && let Some(to) = hdr(header::LOCATION)
        {
            let target = resp.url().join(&to).map(|u| u.to_string()).unwrap_or(to);
            let scheme = target.split(':').next().unwrap_or_default();
            return Err(FetchError::Refused(if matches!(scheme, "http" | "https") {
                format!("HTTP {status} redirect to {target} was not followed")
            } else {
                format!("redirect to a `{scheme}` URL ({target}): only http and https are fetched")
            }));
        }
        let content_type = hdr(header::CONTENT_TYPE);
        let validators = Validators {
            etag: hdr(header::ETAG),
            last_modified: hdr(header::LAST_MODIFIED),
        };
        let retry_after = hdr(header::RETRY_AFTER).and_then(|v| parse_retry_after(&v, Utc::now()));
        let final_url = resp.url().clone();
        if let Some(len) = resp.content_length()
            && len > self.max_body as u64
        {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let gzip = match hdr(header::CONTENT_ENCODING).as_deref().map(str::trim) {
            None | Some("" | "identity") => false,
            Some(c) if c.eq_ignore_ascii_case("gzip") || c.eq_ignore_ascii_case("x-gzip") => true,
            Some(other) => {
                return Err(FetchError::Other(format!(
                    "the body came in `{other}`, which was not asked for (only gzip is)"
                )));
            }
        };
        // Sized by the header when it gives one (within the cap): the body is not
        // grown into by doubling.
        let mut body = Vec::with_capacity(resp.content_length().map_or(0, |l| l as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge(self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        if matches!(status, 412 | 512 | 521) {
            return Err(FetchError::Blocked(status));
        }
        if matches!(status, 429 | 503) {
            return Err(FetchError::Throttled { status, retry_after });
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status));
        }
        Ok(Fetched::Page(Box::new(Held {
            url: final_url,
            status,
            content_type,
            validators,
            body,
            gzip,
            max_body: self.max_body,
        })))
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        if let Some(why) = guard::refusal_in(&e) {
            return if why.starts_with("more than") {
                FetchError::Redirects(self.max_redirects + 1)
            } else {
                FetchError::Refused(why)
            };
        }
        if e.is_timeout() {
            return FetchError::Timeout(self.timeout_secs);
        }
        if e.is_redirect() {
            return FetchError::Redirects(self.max_redirects + 1);
        }
        if e.is_connect() {
            return FetchError::Connect(error_chain(&e));
        }
        FetchError::Other(error_chain(&e))
    }
}

/// `Retry-After` as seconds or an HTTP date; capped at a day.
pub fn parse_retry_after(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = v.trim();
    let secs = match v.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
            (at - now).num_seconds().max(0) as u64
        }
    };
    Some(Duration::from_secs(secs.min(86_400)))
}

/// A JS challenge page (加速乐, 瑞数) served with 200: tiny and script-only.
fn looks_like_challenge(body: &[u8]) -> bool {
    if body.len() > 4096 {
        return false;
    }
    let text = String::from_utf8_lossy(body);
    (text.contains("document.cookie=") || text.contains("$_ts")) && text.contains("<script")
}

/// The messages of an error and its causes, without repeats.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2020-09-04T10:00:00Z")
            .expect("the clock time is RFC 3339")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Fri, 04 Sep 2020 10:05:00 GMT", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_retry_after("999999999", now), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        super::gzip(bytes).expect("writing to a Vec")
    }

    #[test]
    fn a_gzip_body_opens_within_its_cap() {
        let text = "北辰软件发布工业操作系统。".repeat(100);
        assert_eq!(
            gunzip(&gzip(text.as_bytes()), 10_000).ok(),
            Some(text.as_bytes().to_vec())
        );
        assert_eq!(
            gunzip(&gzip(text.as_bytes()), text.len()).map(|b| b.len()).ok(),
            Some(text.len())
        );
        assert!(matches!(
            gunzip(&gzip(text.as_bytes()), text.len() - 1),
            Err(FetchError::TooLarge(_))
        ));
        // A trailer that claims 4 GB: the room reserved is the cap's, and the decoder
        // finds the claim false.
        let mut lying = gzip(b"<rss/>");
        let n = lying.len();
        lying[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(gunzip(&lying, 1000), Err(FetchError::Other(m)) if m.starts_with("the gzip body is corrupt")));
        assert!(
            matches!(gunzip(b"<rss/>", 1000), Err(FetchError::Other(m)) if m.starts_with("the gzip body is corrupt"))
        );
    }

    #[test]
    fn a_held_page_opens_as_a_fetched_one_reads() {
        let gbk = encoding_rs::GBK.encode("<rss><title>软件</title></rss>").0.into_owned();
        for (body, ct) in [
            (
                "<rss><title>软件</title></rss>".as_bytes().to_vec(),
                Some("application/rss+xml"),
            ),
            (gbk, Some("application/rss+xml; charset=gbk")),
            (b"\xef\xbb\xbf<rss/>".to_vec(), None),
            (b"<rss>\x01</rss>".to_vec(), None),
        ] {
            let held = Held {
                url: Url::parse("http://127.0.0.1/feed.xml").expect("a URL"),
                status: 200,
                content_type: ct.map(str::to_string),
                validators: Validators::default(),
                body: gzip(&body),
                gzip: true,
                max_body: 1 << 20,
            };
            let page = held.open().expect("a page");
            let read = charset::decode(&body, ct);
            assert_eq!(
                (page.text, page.encoding, page.bytes),
                (read.text, read.encoding.name(), body.len())
            );
            assert_eq!((page.repaired, page.stripped), (read.repaired, read.stripped));
        }
    }

    #[test]
    fn challenge_pages() {
        assert!(looks_like_challenge(
            b"<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>"
        ));
        assert!(!looks_like_challenge(b"<html><body>news</body></html>"));
    }
}
