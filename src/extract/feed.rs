//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use super::{ExtractError, dates};
use crate::model::RawItem;
use crate::xmltext::escape;

/// Parse a feed document (already decoded to text).
pub fn parse(text: &str, base: &Url, now: DateTime<Utc>, tz: Tz) -> Result<Vec<RawItem>, ExtractError> {
    parse_noting(text, base, now, tz).map(|(items, _)| items)
}

/// Parse a feed document, with what had to be read leniently (a truncated document, a
/// format feed-rs does not read) as warnings for the run line.
///
/// feed-rs reads the document first. The lenient reader ([`super::loose`]) reads it too,
/// and wins where feed-rs found fewer entries (Atom 0.3, a document cut off in the
/// middle, an element feed-rs refuses) or fills what feed-rs left empty (`dc:title`,
/// `rdf:about`), entry by entry when both found the same number.
pub fn parse_noting(
    text: &str,
    base: &Url,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(Vec<RawItem>, Vec<String>), ExtractError> {
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
    let strict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(body.as_bytes())))
        .map_err(|_| ExtractError::Malformed("the XML parser gave up on this document".into()))
        .and_then(|r| r.map_err(|e| ExtractError::Malformed(e.to_string())));
    let xml = !body.trim_start().starts_with('{');
    // The lenient reader runs only where it can add something: feed-rs failed, found
    // fewer entries than the document has elements for, left an entry without a title,
    // link or date, or the document is Atom 0.3. A well-formed feed is read once.
    let complete = strict.as_ref().is_ok_and(|feed| {
        feed.entries.len() >= entry_tags(&body)
            && feed.entries.iter().all(|e| {
                e.title.as_ref().is_some_and(|t| !t.content.trim().is_empty())
                    && !e.links.is_empty()
                    && (e.published.is_some() || e.updated.is_some())
            })
            && !body.contains("purl.org/atom/ns")
    });
    let loose = if xml && !complete {
        super::loose::read(&body)
    } else {
        Default::default()
    };
    let link_of = |href: &str| base.join(href.trim()).ok().map(|u| u.to_string());
    let date = |s: &Option<String>| s.as_deref().and_then(|s| dates::parse(s, now, tz));
    let mut warnings = Vec::new();
    let items: Vec<RawItem> = match strict {
        Ok(feed) if !loose.atom03 && feed.entries.len() >= loose.entries.len() => {
            let atom = feed.feed_type == feed_rs::model::FeedType::Atom;
            let paired = feed.entries.len() == loose.entries.len();
            feed.entries
                .into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let other = loose.entries.get(i).filter(|_| paired);
                    let link = e
                        .links
                        .iter()
                        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                        .or(e.links.first())
                        .and_then(|l| link_of(&l.href))
                        .or_else(|| other.and_then(|o| o.link.as_deref()).and_then(link_of));
                    let title = match e.title {
                        // Atom's plain-text titles are text: "the <blink> tag" stays.
                        Some(t) if atom && t.content_type.essence().to_string() == "text/plain" => escape(&t.content),
                        Some(t) => t.content,
                        None => String::new(),
                    };
                    let title = if title.trim().is_empty() {
                        other.and_then(|o| o.title.clone()).unwrap_or_default()
                    } else {
                        title
                    };
                    RawItem {
                        guid: Some(e.id)
                            .filter(|id| !id.trim().is_empty())
                            .or_else(|| other.and_then(|o| o.guid.clone())),
                        link,
                        title,
                        summary: e.summary.map(|t| t.content),
                        content: e.content.and_then(|c| c.body),
                        published: e
                            .published
                            .or(e.updated)
                            .or_else(|| other.and_then(|o| date(&o.published).or_else(|| date(&o.updated)))),
                        author: e.authors.first().and_then(|a| a.name.clone()).filter(|n| !n.is_empty()),
                        policy: Default::default(),
                    }
                })
                .collect()
        }
        strict => {
            if loose.entries.is_empty() {
                return match strict {
                    // A well-formed feed with no entries (an <rss> of a version feed-rs
                    // does not know, CDF) is empty, not broken.
                    Err(_) if loose.feed_root && !loose.truncated => Ok((Vec::new(), warnings)),
                    Err(e) => Err(e),
                    Ok(_) if loose.truncated => Err(ExtractError::Malformed(
                        "the document ends before its first entry is complete".into(),
                    )),
                    Ok(_) => Ok((Vec::new(), warnings)),
                };
            }
            let n = loose.entries.len();
            if loose.truncated {
                warnings.push(format!(
                    "the document ends early (truncated?): kept its {n} complete entries"
                ));
            } else if let Err(e) = &strict {
                warnings.push(format!("read leniently ({e})"));
            }
            loose
                .entries
                .into_iter()
                .map(|o| RawItem {
                    guid: o.guid,
                    link: o.link.as_deref().and_then(link_of),
                    title: o.title.unwrap_or_default(),
                    summary: o.summary,
                    content: o.content,
                    published: date(&o.published).or_else(|| date(&o.updated)),
                    author: o.author,
                    policy: Default::default(),
                })
                .collect()
        }
    };
    Ok((items.into_iter().map(|i| titled(linked(i, base))).collect(), warnings))
}

/// How many `<item>` or `<entry>` elements (any prefix, any case) the text opens.
fn entry_tags(text: &str) -> usize {
    let b = text.as_bytes();
    let mut n = 0;
    for (i, _) in text.match_indices('<') {
        let rest = &b[i + 1..];
        let name_end = rest
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let local = name.rsplit(|c| *c == b':').next().unwrap_or(name);
        if local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry") {
            n += 1;
        }
    }
    n
}

/// An entry with no link whose id is an http(s) URL (an RSS `<guid>`, a permalink by
/// default; an Atom `<id>`) links there, as readers do.
fn linked(mut item: RawItem, base: &Url) -> RawItem {
    if item.link.is_none()
        && let Some(g) = item.guid.as_deref().map(str::trim)
    {
        let lower = g.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            item.link = base.join(g).ok().map(|u| u.to_string());
        }
    }
    item
}

/// An entry without a title is titled as readers title it: from the start of its text,
/// else from its link (Miniflux does the same). One with neither stays untitled and is
/// counted as unusable.
fn titled(mut item: RawItem) -> RawItem {
    // A title with text outside any tag needs no reading (normalize reads it anyway).
    let plain = !item.title.contains('<') && !item.title.contains('&');
    if (plain && !item.title.trim().is_empty()) || !super::html::html_to_text(&item.title).is_empty() {
        return item;
    }
    let text = item
        .content
        .as_deref()
        .or(item.summary.as_deref())
        .map(super::html::html_to_text)
        .unwrap_or_default();
    let first = text
        .split_inclusive(['。', '！', '？', '.', '!', '?'])
        .next()
        .unwrap_or_default()
        .trim();
    item.title = if !first.is_empty() {
        escape(&super::html::truncate(first, 60))
    } else {
        item.link.clone().map(|l| escape(&l)).unwrap_or_default()
    };
    item
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
