//! The publish stage: Atom feeds per section and per city, and an OPML list of them.

pub mod atom;
pub mod opml;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::classify::gazetteer::Gazetteer;
use crate::classify::taxonomy::Taxonomy;
use crate::config::Settings;
use crate::fsio::write_atomic;
use crate::model::{StoredItem, TO_SORT};
use crate::store::{AlsoReported, Store};

/// One published feed.
#[derive(Debug, Clone)]
pub struct FeedFile {
    /// File name under the feeds directory.
    pub file: String,
    pub title: String,
    /// Stable key in tag: ids (`section/policy`, `city/3201`).
    pub key: String,
    pub items: usize,
}

/// What a publish run wrote.
#[derive(Debug, Default)]
pub struct Published {
    pub feeds: Vec<FeedFile>,
    /// Files whose content changed.
    pub written: usize,
}

/// Everything a feed needs besides its items.
pub struct FeedMeta<'a> {
    pub settings: &'a Settings,
    pub title: String,
    pub key: String,
    pub file: String,
    pub category: Option<(String, String)>,
}

/// Write every section and city feed, then the OPML list.
pub fn publish(
    store: &Store,
    settings: &Settings,
    taxonomy: &Taxonomy,
    gazetteer: &Gazetteer,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    crate::fsio::remove_stale_temps(&settings.feeds_dir);
    // Enough history for every feed to be full, without reading the whole database.
    let items = store.recent_publishable(settings.feed_items * (taxonomy.sections.len() + 20))?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let also = store.also_reported(&ids)?;
    let mut out = Published::default();

    let mut groups: Vec<(FeedMeta, Vec<&StoredItem>)> = Vec::new();
    for s in &taxonomy.sections {
        let chosen: Vec<&StoredItem> = items
            .iter()
            .filter(|i| i.decision.section == s.id())
            .take(settings.feed_items)
            .collect();
        groups.push((
            FeedMeta {
                settings,
                title: format!("{} · {}", settings.report_name, s.name),
                key: format!("section/{}", s.id()),
                file: format!("{}.xml", s.id()),
                category: Some((s.id().to_string(), s.name.clone())),
            },
            chosen,
        ));
    }
    let mut by_city: HashMap<&str, Vec<&StoredItem>> = HashMap::new();
    for i in items.iter().filter(|i| i.decision.section != TO_SORT) {
        if let Some(c) = i.decision.city.as_deref() {
            by_city.entry(c).or_default().push(i);
        }
    }
    let mut cities: Vec<(&str, Vec<&StoredItem>)> = by_city.into_iter().collect();
    cities.sort_by_key(|(c, _)| city_rank(taxonomy, gazetteer, c));
    for (city, list) in cities {
        let code = gazetteer
            .by_short(city)
            .map(|i| gazetteer.cities[i].code.clone())
            .unwrap_or_else(|| format!("{:x}", crate::dedup::stable_hash(city)));
        groups.push((
            FeedMeta {
                settings,
                title: format!("{} · 名城动向 · {city}", settings.report_name),
                key: format!("city/{code}"),
                file: format!("city-{code}.xml"),
                category: Some((format!("city:{city}"), city.to_string())),
            },
            list.into_iter().take(settings.feed_items).collect(),
        ));
    }
    let empty: Vec<AlsoReported> = Vec::new();
    for (meta, list) in &groups {
        let entries: Vec<(&StoredItem, &[AlsoReported])> = list
            .iter()
            .map(|i| (*i, also.get(&i.id).map(Vec::as_slice).unwrap_or(&empty)))
            .collect();
        let xml = atom::render(meta, &entries, taxonomy, now)?;
        if write_atomic(&settings.feeds_dir.join(&meta.file), xml.as_bytes())? {
            out.written += 1;
        }
        out.feeds.push(FeedFile {
            file: meta.file.clone(),
            title: meta.title.clone(),
            key: meta.key.clone(),
            items: list.len(),
        });
    }
    let opml = opml::render(settings, &out.feeds);
    if write_atomic(&settings.feeds_dir.join("feeds.opml"), opml.as_bytes())? {
        out.written += 1;
    }
    Ok(out)
}

/// Cities in the editors' order first, then the rest by name.
pub fn city_rank(taxonomy: &Taxonomy, gazetteer: &Gazetteer, city: &str) -> (usize, String) {
    let pos = taxonomy
        .cities
        .order
        .iter()
        .position(|c| c == city)
        .unwrap_or(usize::MAX);
    let code = gazetteer
        .by_short(city)
        .map(|i| gazetteer.cities[i].code.clone())
        .unwrap_or_default();
    (pos, code)
}

/// An RFC 4151 tag URI under the configured authority.
pub fn tag_uri(settings: &Settings, specific: &str) -> String {
    format!("tag:{},2026:{specific}", settings.tag_authority)
}

/// `issues.xml`: one entry per published issue, linking to its HTML beside the feeds.
pub fn issues_feed(
    settings: &Settings,
    issues: &[(crate::review::Issue, String)],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use atom_syndication::{Entry, Feed, Link, Person, Text};
    let base = &settings.base_url;
    let entries: Vec<Entry> = issues
        .iter()
        .map(|(i, digest)| {
            let url = base
                .join(&format!("issues/{}.html", i.stem()))
                .map(|u| u.to_string())
                .unwrap_or_default();
            let at = i.published_at.unwrap_or(now).fixed_offset();
            Entry {
                id: tag_uri(settings, &format!("issue/{}", i.stem())),
                title: Text::plain(format!(
                    "{} 第{}期（总第{}期）",
                    settings.report_name, i.number, i.total
                )),
                updated: at,
                published: Some(at),
                links: vec![Link {
                    href: url,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                summary: (!digest.is_empty()).then(|| Text::plain(digest.clone())),
                ..Default::default()
            }
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| now.fixed_offset());
    let feed = Feed {
        title: Text::plain(format!("{} · 各期", settings.report_name)),
        id: tag_uri(settings, "feed/issues"),
        updated,
        authors: vec![Person {
            name: settings.publisher.clone(),
            ..Default::default()
        }],
        links: vec![Link {
            href: base.join("issues.xml")?.to_string(),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Default::default()
        }],
        lang: Some("zh-CN".into()),
        entries,
        ..Default::default()
    };
    let mut buf = Vec::new();
    feed.write_to(&mut buf)?;
    write_atomic(&settings.feeds_dir.join("issues.xml"), &buf)?;
    Ok(())
}
