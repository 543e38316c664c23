//! The publish stage: everything under the feeds directory. One Atom feed per section
//! and per city, `issues.xml` (the published issues), an index page at `base_url`, the
//! feeds' icon and an OPML list of them all, in folders.

pub mod atom;
pub mod index;
pub mod opml;
pub mod stamp;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::classify::gazetteer::Gazetteer;
use crate::classify::taxonomy::{Layout, Taxonomy};
use crate::config::Settings;
use crate::fsio::write_atomic;
use crate::model::{StoredItem, TO_SORT};
pub use crate::review::ItemEdits;
use crate::review::{Edit, Issue, Status};
use crate::store::{AlsoReported, Store};

/// The feeds' icon, beside them.
pub const ICON: &str = "icon.svg";
const ICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\"><rect width=\"64\" height=\"64\" rx=\"10\" fill=\"#a4161a\"/><text x=\"32\" y=\"44\" font-size=\"34\" text-anchor=\"middle\" fill=\"#fff\" font-family=\"sans-serif\">半</text></svg>\n";

/// Which folder of the OPML (and part of the index page) a feed belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Group {
    Section,
    City,
    Issues,
}

/// One published feed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FeedFile {
    /// File name under the feeds directory.
    pub file: String,
    pub title: String,
    /// Stable key in tag: ids (`section/policy`, `city/3201`).
    pub key: String,
    pub items: usize,
    pub group: Group,
}

/// What a publish run wrote.
#[derive(Debug, Default)]
pub struct Published {
    pub feeds: Vec<FeedFile>,
    /// Files whose content changed.
    pub written: usize,
}

/// Everything a feed needs besides its entries.
pub struct FeedMeta<'a> {
    pub settings: &'a Settings,
    pub title: String,
    pub subtitle: String,
    pub key: String,
    pub file: String,
    pub category: Option<(String, String)>,
    pub group: Group,
}

/// A configured source as the feeds name it in `atom:source`.
#[derive(Debug, Clone)]
pub struct Outlet {
    pub name: String,
    pub url: String,
}

/// A published issue as its subscribers see it.
pub struct Publication {
    pub issue: Issue,
    /// When it was first published: the entry's `published`, which a reopen and
    /// republish does not move.
    pub first: DateTime<Utc>,
    /// When it was last published: the entry's `updated`.
    pub last: DateTime<Utc>,
    /// Editors' texts in force when it was published (`commentary`, `analysis`).
    pub texts: Vec<EditorText>,
    pub digest: String,
}

/// An editor's text of an issue, in the slot its layout names.
pub struct EditorText {
    pub slot: String,
    pub text: String,
    pub editor: String,
    /// First written: the entry's `published`.
    pub first: DateTime<Utc>,
    /// Last changed: the entry's `updated`.
    pub last: DateTime<Utc>,
}

/// Read the record of every published issue: when, and the editors' texts.
pub fn publications(store: &Store, settings: &Settings) -> anyhow::Result<Vec<Publication>> {
    let mut out = Vec::new();
    // An issue reopened for a correction stays listed with what it was published with:
    // its page is still out, and the republished version replaces it under the same id.
    for issue in store.issues()? {
        let edits = store.edits(issue.id)?;
        let published: Vec<DateTime<Utc>> = edits
            .iter()
            .filter(|e| {
                matches!(
                    e.edit,
                    Edit::Status {
                        status: Status::Published
                    }
                )
            })
            .map(|e| e.at)
            .collect();
        let (Some(&first), Some(&last)) = (published.first(), published.last()) else {
            continue;
        };
        let mut texts: Vec<EditorText> = Vec::new();
        for e in edits.iter().filter(|e| e.undone_at.is_none() && e.at <= last) {
            if let Edit::Text { slot, text } = &e.edit {
                match texts.iter_mut().find(|t| t.slot == *slot) {
                    Some(t) => {
                        t.text = text.clone();
                        t.editor = e.editor.clone();
                        t.last = e.at;
                    }
                    None => texts.push(EditorText {
                        slot: slot.clone(),
                        text: text.clone(),
                        editor: e.editor.clone(),
                        first: e.at,
                        last: e.at,
                    }),
                }
            }
        }
        texts.retain(|t| !t.text.trim().is_empty());
        let digest = published_digest(settings, &issue);
        out.push(Publication {
            issue,
            first,
            last,
            texts,
            digest,
        });
    }
    Ok(out)
}

/// The 本期提要 of a published issue, from its frozen JSON export.
fn published_digest(settings: &Settings, issue: &Issue) -> String {
    let path = settings
        .drafts_dir
        .join("published")
        .join(format!("{}.json", issue.stem()));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return String::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return String::new();
    };
    json["digest"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Write every section and city feed, `issues.xml`, the index page, the icon and the
/// OPML list. Files whose bytes would not change are left alone.
pub fn publish(
    store: &Store,
    settings: &Settings,
    taxonomy: &Taxonomy,
    gazetteer: &Gazetteer,
    outlets: &HashMap<String, Outlet>,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    crate::fsio::remove_stale_temps(&settings.feeds_dir);
    // Enough history for every feed to be full, without reading the whole database.
    let items = store.recent_publishable(settings.feed_items * (taxonomy.sections.len() + 20))?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let also = store.also_reported(&ids)?;
    let edits = store.item_edits(&ids)?;
    let pubs = publications(store, settings)?;
    let mut out = Published::default();
    let mut feeds: Vec<(FeedMeta, Vec<atom_syndication::Entry>)> = Vec::new();
    for s in &taxonomy.sections {
        let meta = FeedMeta {
            settings,
            title: format!("{} · {}", settings.report_name, s.name),
            subtitle: match &s.parent {
                Some(p) => format!("{}：{} · {}", settings.report_name, p, s.name),
                None => format!("{}：{}", settings.report_name, s.name),
            },
            key: format!("section/{}", s.id()),
            file: format!("{}.xml", s.id()),
            category: Some((s.id().to_string(), s.name.clone())),
            group: Group::Section,
        };
        let mut entries: Vec<atom_syndication::Entry> = items
            .iter()
            .filter(|i| i.decision.section == s.id())
            .take(settings.feed_items)
            .map(|i| atom::item_entry(&meta, &entry_of(i, &also, &edits, outlets), taxonomy))
            .collect();
        // The sections editors write themselves carry their texts of published issues.
        let slot = match s.layout {
            Layout::Commentary => Some("commentary"),
            Layout::Analysis => Some("analysis"),
            _ => None,
        };
        if let Some(slot) = slot {
            for p in &pubs {
                for t in p.texts.iter().filter(|t| t.slot == slot) {
                    entries.push(atom::text_entry(&atom::TextEntry {
                        id: tag_uri(settings, &format!("text/{}/{slot}", p.issue.stem())),
                        title: format!(
                            "{} · 第{}期（总第{}期）· {}",
                            settings.report_name, p.issue.number, p.issue.total, s.name
                        ),
                        text: &t.text,
                        editor: &t.editor,
                        published: t.first.max(p.first),
                        updated: t.last.max(p.first),
                        link: issue_url(settings, &p.issue),
                    }));
                }
            }
            entries.sort_by_key(|e| std::cmp::Reverse(e.published));
            entries.truncate(settings.feed_items);
        }
        feeds.push((meta, entries));
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
        let meta = FeedMeta {
            settings,
            title: format!("{} · 名城动向 · {city}", settings.report_name),
            subtitle: format!("{}：{city}的产业动态", settings.report_name),
            key: format!("city/{code}"),
            file: format!("city-{code}.xml"),
            category: Some((format!("city:{city}"), city.to_string())),
            group: Group::City,
        };
        let entries = list
            .into_iter()
            .take(settings.feed_items)
            .map(|i| atom::item_entry(&meta, &entry_of(i, &also, &edits, outlets), taxonomy))
            .collect();
        feeds.push((meta, entries));
    }

    let issues_meta = FeedMeta {
        settings,
        title: format!("{} · 各期", settings.report_name),
        subtitle: format!("{}的各期全文", settings.report_name),
        key: "issues".to_string(),
        file: "issues.xml".to_string(),
        category: None,
        group: Group::Issues,
    };
    let issue_entries = issues_entries(settings, &pubs);
    feeds.push((issues_meta, issue_entries));

    for (meta, entries) in feeds {
        let n = entries.len();
        let xml = atom::render(&meta, entries, now)?;
        if write_atomic(&settings.feeds_dir.join(&meta.file), xml.as_bytes())? {
            out.written += 1;
        }
        out.feeds.push(FeedFile {
            file: meta.file,
            title: meta.title,
            key: meta.key,
            items: n,
            group: meta.group,
        });
    }
    let pages = [
        ("feeds.opml", opml::render(settings, &out.feeds)),
        ("index.html", index::render(settings, &out.feeds, &pubs)),
        (ICON, ICON_SVG.to_string()),
    ];
    for (file, text) in pages {
        if write_atomic(&settings.feeds_dir.join(file), text.as_bytes())? {
            out.written += 1;
        }
    }
    Ok(out)
}

fn entry_of<'a>(
    i: &'a StoredItem,
    also: &'a HashMap<i64, Vec<AlsoReported>>,
    edits: &'a HashMap<i64, ItemEdits>,
    outlets: &'a HashMap<String, Outlet>,
) -> atom::ItemEntry<'a> {
    atom::ItemEntry {
        item: i,
        also: also.get(&i.id).map(Vec::as_slice).unwrap_or(&[]),
        edits: edits.get(&i.id),
        outlet: outlets.get(&i.source_id),
    }
}

/// Where a published issue's HTML is, beside the feeds.
pub fn issue_url(settings: &Settings, issue: &Issue) -> Option<String> {
    settings
        .base_url
        .join(&format!("issues/{}.html", issue.stem()))
        .ok()
        .map(|u| u.to_string())
}

/// `issues.xml`'s entries: one per published issue, newest first.
fn issues_entries(settings: &Settings, pubs: &[Publication]) -> Vec<atom_syndication::Entry> {
    let mut entries: Vec<atom_syndication::Entry> = pubs
        .iter()
        .map(|p| {
            let mut e = atom::text_entry(&atom::TextEntry {
                id: tag_uri(settings, &format!("issue/{}", p.issue.stem())),
                title: format!(
                    "{} 第{}期（总第{}期）",
                    settings.report_name, p.issue.number, p.issue.total
                ),
                text: &p.digest,
                editor: &settings.publisher,
                published: p.first,
                updated: p.last.max(p.first),
                link: issue_url(settings, &p.issue),
            });
            if p.digest.trim().is_empty() {
                e.content = None;
            }
            e
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.published));
    entries
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
