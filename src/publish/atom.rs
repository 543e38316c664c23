//! Atom 1.0 (RFC 4287) documents, built with atom_syndication.

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};

use super::{FeedMeta, tag_uri};
use crate::classify::taxonomy::Taxonomy;
use crate::dedup::stable_hash;
use crate::model::StoredItem;
use crate::store::AlsoReported;

const SCHEME: &str = "https://banyue.invalid/sections";

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Default::default()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The id of an item's entry: derived from its source and guid, so it is the same in
/// every run and every feed it appears in.
pub fn entry_id(meta: &FeedMeta, item: &StoredItem) -> String {
    let h = stable_hash(&format!("{}\u{1f}{}", item.source_id, item.guid));
    tag_uri(meta.settings, &format!("item/{h:016x}"))
}

fn entry(meta: &FeedMeta, item: &StoredItem, also: &[AlsoReported], taxonomy: &Taxonomy) -> Entry {
    let updated = fixed(item.date());
    let mut html = item.content_html.clone();
    if html.trim().is_empty() && !item.summary.is_empty() {
        html = format!("<p>{}</p>", escape(&item.summary));
    }
    if !also.is_empty() {
        let names: Vec<String> = also.iter().map(|a| escape(&a.source)).collect();
        html.push_str(&format!("<p>另见：{}</p>", names.join("、")));
    }
    let mut categories = vec![Category {
        term: item.decision.section.clone(),
        scheme: Some(SCHEME.to_string()),
        label: Some(taxonomy.name_of(&item.decision.section).to_string()),
    }];
    if let Some(c) = &item.decision.city {
        categories.push(Category {
            term: format!("city:{c}"),
            scheme: Some(SCHEME.to_string()),
            label: Some(c.clone()),
        });
    }
    Entry {
        id: entry_id(meta, item),
        title: Text::plain(item.title.clone()),
        updated,
        published: item.published.map(fixed),
        authors: vec![Person {
            name: item.source_name.clone(),
            ..Default::default()
        }],
        links: item
            .url
            .iter()
            .map(|u| link(u, "alternate", Some("text/html")))
            .collect(),
        summary: (!item.summary.is_empty()).then(|| Text::plain(item.summary.clone())),
        content: (!html.trim().is_empty()).then(|| Content {
            value: Some(html),
            content_type: Some("html".to_string()),
            ..Default::default()
        }),
        categories,
        ..Default::default()
    }
}

/// Render one feed. `updated` is the newest entry's date, so an unchanged feed renders
/// to the same bytes and is not rewritten.
pub fn render(
    meta: &FeedMeta,
    items: &[(&StoredItem, &[AlsoReported])],
    taxonomy: &Taxonomy,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let entries: Vec<Entry> = items.iter().map(|(i, a)| entry(meta, i, a, taxonomy)).collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_else(|| fixed(now));
    let base = &meta.settings.base_url;
    let self_url = base.join(&meta.file)?;
    let feed = Feed {
        title: Text::plain(meta.title.clone()),
        id: tag_uri(meta.settings, &format!("feed/{}", meta.key)),
        updated,
        authors: vec![Person {
            name: meta.settings.publisher.clone(),
            ..Default::default()
        }],
        links: vec![
            link(self_url.as_str(), "self", Some("application/atom+xml")),
            link(base.as_str(), "alternate", Some("text/html")),
        ],
        categories: meta
            .category
            .iter()
            .map(|(term, label)| Category {
                term: term.clone(),
                scheme: Some(SCHEME.to_string()),
                label: Some(label.clone()),
            })
            .collect(),
        generator: Some(Generator {
            value: "banyue".to_string(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        lang: Some("zh-CN".to_string()),
        entries,
        ..Default::default()
    };
    let mut buf = Vec::new();
    feed.write_to(&mut buf)?;
    // atom_syndication writes the XML declaration itself.
    let mut xml = String::from_utf8(buf)?;
    xml.push('\n');
    Ok(xml)
}
