//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use super::{ExtractError, dates};
use crate::model::RawItem;

/// Parse a feed document (already decoded to text).
pub fn parse(text: &str, base: &Url, now: DateTime<Utc>, tz: Tz) -> Result<Vec<RawItem>, ExtractError> {
    let head: String = text
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.contains("<html") && !head.contains("<rss") && !head.contains("<feed"))
    {
        return Err(ExtractError::NotAFeed(
            "an HTML page was served where a feed was expected".into(),
        ));
    }
    // The text is UTF-8 now, whatever the declaration said; feed-rs must not decode again.
    let body = strip_encoding_declaration(text);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An empty id tells us the feed gave none, so our own key is used instead.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(move |s| dates::parse(s, now, tz))
        .sanitize_content(false)
        .build();
    // A parser that panics on a hostile document (quick-xml on a second XML declaration
    // after a DOCTYPE, found by tests/fuzz.rs) fails this source, not the run.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(body.as_bytes())))
        .map_err(|_| ExtractError::Malformed("the XML parser gave up on this document".into()))?;
    let feed = parsed.map_err(|e| ExtractError::Malformed(e.to_string()))?;
    let items = feed
        .entries
        .into_iter()
        .map(|e| {
            let link = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(e.links.first())
                .and_then(|l| base.join(l.href.trim()).ok())
                .map(|u| u.to_string());
            RawItem {
                guid: Some(e.id).filter(|id| !id.trim().is_empty()),
                link,
                title: e.title.map(|t| t.content).unwrap_or_default(),
                summary: e.summary.map(|t| t.content),
                content: e.content.and_then(|c| c.body),
                published: e.published.or(e.updated),
                author: e.authors.first().and_then(|a| a.name.clone()).filter(|n| !n.is_empty()),
                policy: Default::default(),
            }
        })
        .collect();
    Ok(items)
}

/// Whether a document is an RSS, RDF or Atom feed (whatever it was served as).
pub fn looks_like_feed(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<?xml") && (head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf"))
}

fn strip_encoding_declaration(text: &str) -> std::borrow::Cow<'_, str> {
    let t = text.trim_start_matches('\u{feff}');
    if let Some(rest) = t.strip_prefix("<?xml")
        && let Some(end) = rest.find("?>")
    {
        return format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{}", &rest[end + 2..]).into();
    }
    t.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_the_xml_parser_panics_on_is_a_malformed_feed() {
        let bytes = include_bytes!("../../tests/fixtures/news/fuzz-double-declaration.xml");
        let text = String::from_utf8_lossy(bytes);
        let base = Url::parse("http://127.0.0.1/").expect("static URL");
        let r = parse(&text, &base, Utc::now(), chrono_tz::Asia::Shanghai);
        assert!(
            matches!(r, Err(ExtractError::Malformed(_)) | Err(ExtractError::NotAFeed(_))),
            "{r:?}"
        );
    }
}
