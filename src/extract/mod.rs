//! The extract stage: turn a fetched document into [`RawItem`]s.
//!
//! Pure functions of text: no I/O here, so every parser is tested on fixtures alone.

pub mod dates;
pub mod feed;
pub mod html;
pub mod json;
pub mod loose;
pub mod policy;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;
use url::Url;

use crate::config::SourceKind;
use crate::model::RawItem;

#[derive(Debug, Error)]
pub enum ExtractError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
    #[error("the list selectors matched no items")]
    Empty,
    #[error("reading the page took longer than {0} s")]
    TooSlow(u64),
}

/// Read a fetched document as its source's kind says, with what the reader noticed.
pub fn read(
    text: &str,
    url: &Url,
    kind: &SourceKind,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(Vec<RawItem>, Vec<String>), ExtractError> {
    let quiet = |r: Result<Vec<RawItem>, ExtractError>| r.map(|items| (items, Vec::new()));
    match kind {
        SourceKind::Feed => feed::parse_noting(text, url, now, tz),
        // A portal that serves a feed where a list page was expected is read as the feed.
        SourceKind::Html(_) if feed::looks_like_feed(text) => feed::parse_noting(text, url, now, tz),
        SourceKind::Html(spec) => quiet(html::parse_list(text, url, spec, now, tz)),
        SourceKind::Json(spec) => quiet(json::parse(text, url, spec, now, tz)),
        SourceKind::JsonHtml { field, list } => {
            let fragment = json::html_field(text, field)?;
            quiet(html::parse_list(&fragment, url, list, now, tz))
        }
    }
}
