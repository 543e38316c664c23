//! Atom 1.0 (RFC 4287) documents, built with atom_syndication. Each document goes
//! through [`crate::xmltext::clean`] once on the way out, so a feed is well-formed
//! whatever the web put into the store (the serializer escapes markup, not characters
//! XML forbids).

use std::sync::LazyLock;

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Source, Text};
use chrono::{DateTime, FixedOffset, Utc};
use regex::Regex;

use super::{FeedMeta, ItemEdits, Outlet, tag_uri};
use crate::classify::taxonomy::Taxonomy;
use crate::dedup::stable_hash;
use crate::model::StoredItem;
use crate::store::AlsoReported;
use crate::xmltext::{clean, escape};

pub const SCHEME: &str = "https://banyue.invalid/sections";

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

fn plain(s: &str) -> Text {
    Text::plain(s.to_string())
}

/// The id of an item's entry: derived from its source and guid, so it is the same in
/// every run. Section feeds use it as it is; a city feed adds its own key, because
/// newsboat keys articles by id across all feeds and would otherwise show the entry in
/// one feed only (the section's or the city's), leaving the other incomplete.
pub fn entry_id(meta: &FeedMeta, item: &StoredItem) -> String {
    let h = stable_hash(&format!("{}\u{1f}{}", item.source_id, item.guid));
    if meta.key.starts_with("section/") {
        tag_uri(meta.settings, &format!("item/{h:016x}"))
    } else {
        tag_uri(meta.settings, &format!("item/{h:016x}/{}", meta.key))
    }
}

/// Policy attachments a portal links from its page: the document itself, its annexes.
static ATTACHMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r##"(?i)<a\b[^>]*\bhref="(https?://[^"?#]+\.(pdf|docx?|wps|ofd|xlsx?|et|pptx?|dps|zip|rar|7z|txt|csv))(\?[^"#]*)?(?:#[^"]*)?""##)
        .expect("static regex")
});

/// The MIME type of an attachment by its extension.
fn attachment_type(ext: &str) -> &'static str {
    match ext.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "wps" => "application/vnd.ms-works",
        "ofd" => "application/ofd",
        "xls" | "et" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" | "dps" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip" => "application/zip",
        "rar" => "application/vnd.rar",
        "7z" => "application/x-7z-compressed",
        "csv" => "text/csv",
        _ => "text/plain",
    }
}

/// `rel="enclosure"` links for the attachments an item's content links to, once each.
pub fn enclosures(html: &str) -> Vec<Link> {
    let mut seen = std::collections::HashSet::new();
    ATTACHMENT
        .captures_iter(html)
        .filter_map(|c| {
            let query = c.get(3).map_or("", |m| m.as_str());
            let href = format!("{}{query}", c.get(1)?.as_str()).replace("&amp;", "&");
            let ext = c.get(2)?.as_str();
            seen.insert(href.clone())
                .then(|| link(&href, "enclosure", Some(attachment_type(ext))))
        })
        .take(20)
        .collect()
}

/// Everything an item's entry is built from.
pub struct ItemEntry<'a> {
    pub item: &'a StoredItem,
    pub also: &'a [AlsoReported],
    pub edits: Option<&'a ItemEdits>,
    pub outlet: Option<&'a Outlet>,
}

pub fn item_entry(meta: &FeedMeta, e: &ItemEntry, taxonomy: &Taxonomy) -> Entry {
    let item = e.item;
    let published = fixed(item.date());
    // An editor's change (another section, a corrected headline or summary) is a new
    // version of the entry: `updated` moves, `published` stays.
    let updated = e
        .edits
        .map(|x| x.at)
        .filter(|at| *at > item.date())
        .map(fixed)
        .unwrap_or(published);
    let title = e.edits.and_then(|x| x.headline.as_deref()).unwrap_or(&item.title);
    let summary = e.edits.and_then(|x| x.summary.as_deref()).unwrap_or(&item.summary);
    let mut html = crate::normalize::unwrap_bare_anchors(&item.content_html);
    if html.trim().is_empty() && !summary.is_empty() {
        html = format!("<p>{}</p>", escape(summary));
    }
    if !e.also.is_empty() {
        let names: Vec<String> = e
            .also
            .iter()
            .map(|a| match a.url.as_deref().filter(|u| u.starts_with("http")) {
                Some(u) => format!("<a href=\"{}\">{}</a>", escape(u), escape(&a.source)),
                None => escape(&a.source),
            })
            .collect();
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
    let mut links: Vec<Link> = item
        .url
        .iter()
        .map(|u| link(u, "alternate", Some("text/html")))
        .collect();
    for a in e.also {
        if let Some(u) = a.url.as_deref().filter(|u| u.starts_with("http")) {
            let mut l = link(u, "related", Some("text/html"));
            l.title = Some(format!("{}：{}", a.source, a.title));
            links.push(l);
        }
    }
    links.extend(enclosures(&item.content_html));
    let source = e.outlet.map(|o| Source {
        title: plain(&o.name),
        id: o.url.clone(),
        updated: published,
        links: vec![link(&o.url, "self", None)],
        ..Default::default()
    });
    Entry {
        id: entry_id(meta, item),
        title: plain(title),
        updated,
        published: Some(published),
        authors: vec![Person {
            name: item.source_name.clone(),
            ..Default::default()
        }],
        links,
        summary: (!summary.is_empty()).then(|| plain(summary)),
        content: (!html.trim().is_empty()).then(|| Content {
            value: Some(html),
            content_type: Some("html".to_string()),
            ..Default::default()
        }),
        categories,
        source,
        ..Default::default()
    }
}

/// An editor's text of a published issue (the institute's commentary, the analysis).
pub struct TextEntry<'a> {
    pub id: String,
    pub title: String,
    pub text: &'a str,
    pub editor: &'a str,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub link: Option<String>,
}

pub fn text_entry(t: &TextEntry) -> Entry {
    let html: String = t
        .text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l.trim())))
        .collect();
    Entry {
        id: t.id.clone(),
        title: plain(&t.title),
        updated: fixed(t.updated),
        published: Some(fixed(t.published)),
        authors: vec![Person {
            name: t.editor.to_string(),
            ..Default::default()
        }],
        links: t.link.iter().map(|u| link(u, "alternate", Some("text/html"))).collect(),
        content: Some(Content {
            value: Some(html),
            content_type: Some("html".to_string()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Render one feed. `updated` is the newest entry's date, so an unchanged feed renders
/// to the same bytes and is not rewritten.
pub fn render(meta: &FeedMeta, entries: Vec<Entry>, now: DateTime<Utc>) -> anyhow::Result<String> {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_else(|| fixed(now));
    let s = meta.settings;
    let base = &s.base_url;
    let self_url = base.join(&meta.file)?;
    let feed = Feed {
        title: plain(&meta.title),
        subtitle: Some(plain(&meta.subtitle)),
        id: tag_uri(s, &format!("feed/{}", meta.key)),
        updated,
        authors: vec![Person {
            name: s.publisher.clone(),
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
        icon: Some(base.join(super::ICON)?.to_string()),
        rights: Some(plain(&s.rights)),
        lang: Some("zh-CN".to_string()),
        entries,
        ..Default::default()
    };
    let mut buf = Vec::new();
    feed.write_to(&mut buf)?;
    // atom_syndication writes the XML declaration itself.
    let mut xml = String::from_utf8(buf)?;
    xml.push('\n');
    Ok(clean(&xml).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Decision;

    /// A few thousand random strings, rich in the characters XML forbids, as every field
    /// of an entry: the feed always parses and holds only characters XML allows.
    #[test]
    fn any_text_makes_a_well_formed_feed() {
        let config = crate::config::Config::parse("", std::path::Path::new("banyue.toml")).expect("empty config");
        let taxonomy = Taxonomy::builtin();
        let meta = FeedMeta {
            settings: &config.settings,
            title: "t".into(),
            subtitle: "s".into(),
            key: "section/policy".into(),
            file: "policy.xml".into(),
            category: None,
            group: super::super::Group::Section,
        };
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        let pool: Vec<char> = "工业软件<>&\"'; \t\n\r]]>".chars().collect();
        let mut text = |n: usize| -> String {
            (0..n)
                .map(|_| match next() % 4 {
                    0 => char::from_u32((next() % 0x20) as u32).unwrap_or(' '),
                    1 => char::from_u32((next() % 0x11_0000) as u32).unwrap_or('\u{FFFE}'),
                    _ => pool[(next() % pool.len() as u64) as usize],
                })
                .collect()
        };
        let now = Utc::now();
        for round in 0..300 {
            let item = StoredItem {
                id: round,
                source_id: text(5),
                source_name: text(8),
                guid: text(10),
                url: Some(format!("https://example.org/{round}")),
                title: text(30),
                summary: text(60),
                content_html: format!("<p>{}</p>", text(80)),
                published: Some(now),
                fetched_at: now,
                policy: Default::default(),
                decision: Decision {
                    section: "policy".into(),
                    city: Some(text(3)),
                    ..Default::default()
                },
                duplicate_of: None,
            };
            let entry = item_entry(
                &meta,
                &ItemEntry {
                    item: &item,
                    also: &[],
                    edits: None,
                    outlet: None,
                },
                &taxonomy,
            );
            let xml = render(&meta, vec![entry], now).expect("render");
            assert!(xml.chars().all(crate::xmltext::allowed), "round {round}");
            let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("round {round}: {e}\n{xml}"));
            assert_eq!(feed.entries.len(), 1, "round {round}");
        }
    }

    #[test]
    fn attachments_become_enclosures_with_their_type() {
        let html = r#"<p><a href="https://gov.example.cn/a/附件1.pdf">附件1</a> <a href="https://gov.example.cn/a/x.WPS?t=1">附件2</a>
            <a href="https://gov.example.cn/a/附件1.pdf">again</a> <a href="https://gov.example.cn/a/page.html">page</a></p>"#;
        let e = enclosures(html);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].mime_type.as_deref(), Some("application/pdf"));
        assert_eq!(e[0].rel, "enclosure");
        assert_eq!(e[1].href, "https://gov.example.cn/a/x.WPS?t=1");
        assert_eq!(e[1].mime_type.as_deref(), Some("application/vnd.ms-works"));
    }
}
