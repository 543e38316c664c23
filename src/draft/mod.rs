//! The draft stage: the next issue in the report's own layout — 本期提要, sections in
//! order, policy tables, city notes grouped by city — built from stored decisions.

pub mod digest;
pub mod docx;
pub mod render;
pub mod window;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::taxonomy::{Layout, Taxonomy};
use crate::config::Settings;
use crate::model::{StoredItem, TO_SORT};
use crate::review::{Edit, EditRecord, Issue};
use crate::store::{AlsoReported, Store};
pub use window::Window;

#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftItem {
    pub id: i64,
    pub title: String,
    /// The headline cut to its core, as used in 本期提要.
    pub headline: String,
    pub summary: String,
    pub url: Option<String>,
    pub source: String,
    /// Local date, YYYY-MM-DD.
    pub published: String,
    /// 8月26日
    pub date_cn: String,
    pub section: String,
    pub city: Option<String>,
    pub score: f32,
    pub reasons: Vec<String>,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
    /// The note as it stands under a city heading: "8月26日，…".
    pub note: String,
    /// The document's own name for the policy table (the 《…》 a notice 印发).
    pub policy_title: String,
    /// Pinned to the top of its section by an editor.
    pub pinned: bool,
    /// The editor's position for it within its section.
    pub rank: Option<i64>,
    /// The title as collected, when an editor rewrote the headline.
    pub original_title: Option<String>,
    pub also_reported_by: Vec<AlsoReported>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CityGroup {
    pub city: String,
    pub items: Vec<DraftItem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftSection {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub layout: String,
    pub attribution: String,
    pub items: Vec<DraftItem>,
    /// For the city layout: notes grouped by city, in the editors' order.
    pub cities: Vec<CityGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub section: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub report_name: String,
    pub publisher: String,
    pub year: i32,
    /// 第N期 within the year.
    pub number: u32,
    /// 总第M期.
    pub total: u32,
    /// draft, review or published.
    pub status: String,
    pub window: Window,
    /// Editors' free text by slot: `commentary` (the institute's comment), `analysis`.
    pub texts: BTreeMap<String, String>,
    /// Items editors left out.
    pub excluded: usize,
    /// When the newest item in the store was collected (local time).
    pub data_as_of: String,
    pub digest: Vec<DigestLine>,
    pub sections: Vec<DraftSection>,
    pub to_sort: Vec<DraftItem>,
    /// Items of the window kept out as off-topic.
    pub rejected: usize,
    /// Reports merged into another item's story.
    pub merged: usize,
}

impl Draft {
    /// File stem for this issue's exports: `2026-22`.
    pub fn stem(&self) -> String {
        format!("{}-{:02}", self.year, self.number)
    }

    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }
}

fn local_date(t: DateTime<Utc>, tz: Tz) -> chrono::NaiveDate {
    t.with_timezone(&tz).date_naive()
}

fn draft_item(i: &StoredItem, also: Vec<AlsoReported>, tz: Tz) -> DraftItem {
    let day = local_date(i.date(), tz);
    let date_cn = format!("{}月{}日", day.month(), day.day());
    let headline = digest::shorten(&i.title);
    let note = if digest::has_date_prefix(&i.title) {
        i.title.clone()
    } else if i.title.starts_with("关于") {
        // A bare notice title reads as a note only with its issuer in front.
        let who = i.policy.issuer.as_deref().unwrap_or(&i.source_name);
        format!("{date_cn}，{who}发布《{}》", i.title)
    } else {
        format!("{date_cn}，{}", i.title)
    };
    DraftItem {
        id: i.id,
        title: i.title.clone(),
        headline,
        summary: i.summary.clone(),
        url: i.url.clone(),
        source: i.source_name.clone(),
        published: day.format("%Y-%m-%d").to_string(),
        date_cn,
        section: i.decision.section.clone(),
        city: i.decision.city.clone(),
        score: i.decision.score,
        reasons: i.decision.reasons.clone(),
        issuer: i.policy.issuer.clone(),
        doc_number: i.policy.doc_number.clone(),
        note,
        policy_title: digest::policy_title(&i.title),
        pinned: false,
        rank: None,
        original_title: None,
        also_reported_by: also,
    }
}

/// Editors' edits to one item, folded in the order they were made.
#[derive(Debug, Default, Clone)]
struct ItemEdits {
    section: Option<String>,
    city: Option<Option<String>>,
    excluded: Option<bool>,
    pinned: bool,
    rank: Option<i64>,
    headline: Option<String>,
    summary: Option<String>,
    merged_into: Option<i64>,
    split: bool,
}

#[derive(Debug, Default)]
struct Edits {
    items: HashMap<i64, ItemEdits>,
    digest: HashMap<String, String>,
    texts: BTreeMap<String, String>,
}

fn fold_edits(records: &[EditRecord]) -> Edits {
    let mut e = Edits::default();
    for r in records.iter().filter(|r| r.undone_at.is_none()) {
        let item = r.item_id.map(|id| e.items.entry(id).or_default());
        match (&r.edit, item) {
            (Edit::Move { section, city }, Some(i)) => {
                i.section = Some(section.clone());
                if let Some(c) = city {
                    i.city = Some((!c.is_empty()).then(|| c.clone()));
                }
            }
            (Edit::Exclude, Some(i)) => i.excluded = Some(true),
            (Edit::Include, Some(i)) => i.excluded = Some(false),
            (Edit::Pin, Some(i)) => i.pinned = true,
            (Edit::Unpin, Some(i)) => i.pinned = false,
            (Edit::Order { rank }, Some(i)) => i.rank = Some(*rank),
            (Edit::Headline { text }, Some(i)) => i.headline = Some(text.clone()),
            (Edit::Summary { text }, Some(i)) => i.summary = Some(text.clone()),
            (Edit::Merge { into }, Some(i)) => {
                i.merged_into = Some(*into);
                i.split = false;
            }
            (Edit::Split, Some(i)) => {
                i.split = true;
                i.merged_into = None;
            }
            (Edit::Digest { section, text }, _) => {
                e.digest.insert(section.clone(), text.clone());
            }
            (Edit::Text { slot, text }, _) => {
                e.texts.insert(slot.clone(), text.clone());
            }
            _ => {}
        }
    }
    e
}

/// Build the draft of `issue`, applying every edit editors made to it.
pub fn build(
    store: &Store,
    settings: &Settings,
    taxonomy: &Taxonomy,
    gazetteer: &Gazetteer,
    issue: &Issue,
    now: DateTime<Utc>,
) -> anyhow::Result<Draft> {
    let tz = settings.timezone;
    let window = issue.window;
    let (from, to) = window.bounds(tz);
    let grace_from = from - chrono::Duration::days(settings.grace_days);
    let items = store.items_for_window(from, to, grace_from)?;
    let edits = fold_edits(&store.edits(issue.id)?);
    let none = ItemEdits::default();
    let edit_of = |id: i64| edits.items.get(&id).unwrap_or(&none);
    // Which story each report belongs to, after editors' merges and splits.
    let story_of = |i: &StoredItem| -> Option<i64> {
        let e = edit_of(i.id);
        if e.split {
            return None;
        }
        e.merged_into.filter(|t| *t != i.id).or(i.duplicate_of)
    };
    let merged = items.iter().filter(|i| story_of(i).is_some()).count();
    let included = |i: &StoredItem| match edit_of(i.id).excluded {
        Some(excluded) => !excluded,
        None => i.decision.rejected.is_none(),
    };
    let reps: Vec<&StoredItem> = items.iter().filter(|i| story_of(i).is_none() && included(i)).collect();
    let rejected = items
        .iter()
        .filter(|i| story_of(i).is_none() && i.decision.rejected.is_some() && edit_of(i.id).excluded.is_none())
        .count();
    let excluded = items.iter().filter(|i| edit_of(i.id).excluded == Some(true)).count();
    let ids: Vec<i64> = reps.iter().map(|i| i.id).collect();
    let mut also = store.also_reported(&ids)?;
    for list in also.values_mut() {
        list.retain(|a| !edit_of(a.id).split && edit_of(a.id).merged_into.is_none());
    }
    for i in &items {
        if let Some(into) = edit_of(i.id).merged_into {
            also.entry(into).or_default().push(AlsoReported {
                id: i.id,
                source: i.source_name.clone(),
                title: i.title.clone(),
                url: i.url.clone(),
                reason: Some("merged by an editor".into()),
            });
        }
    }

    let mut by_section: BTreeMap<String, Vec<DraftItem>> = BTreeMap::new();
    let mut city_notes: Vec<DraftItem> = Vec::new();
    for i in &reps {
        let e = edit_of(i.id);
        let mut d = draft_item(i, also.remove(&i.id).unwrap_or_default(), tz);
        if let Some(section) = &e.section {
            d.section = section.clone();
        }
        if let Some(city) = &e.city {
            d.city = city.clone();
        }
        if let Some(h) = &e.headline {
            d.original_title = Some(std::mem::replace(&mut d.title, h.clone()));
            d.headline = digest::shorten(h);
            d.policy_title = digest::policy_title(h);
        }
        if let Some(sm) = &e.summary {
            d.summary = sm.clone();
        }
        d.pinned = e.pinned;
        d.rank = e.rank;
        let sec = taxonomy.section(&d.section);
        if d.city.is_some() && sec.is_some_and(|s| s.city_notes) {
            city_notes.push(d.clone());
        }
        by_section
            .entry(taxonomy_key(taxonomy, &d.section).to_string())
            .or_default()
            .push(d);
    }
    // Pinned first, then the editors' order, then the classifier's confidence.
    let order = |a: &DraftItem, b: &DraftItem| {
        b.pinned
            .cmp(&a.pinned)
            .then(a.rank.unwrap_or(i64::MAX).cmp(&b.rank.unwrap_or(i64::MAX)))
            .then(b.score.total_cmp(&a.score))
            .then(a.published.cmp(&b.published))
    };
    for list in by_section.values_mut() {
        list.sort_by(order);
    }
    let mut sections = Vec::new();
    for s in &taxonomy.sections {
        let mut items = by_section.remove(s.id()).unwrap_or_default();
        let mut cities = Vec::new();
        if s.layout == Layout::City {
            items.append(&mut city_notes);
            items.sort_by(|a, b| {
                b.pinned
                    .cmp(&a.pinned)
                    .then(a.rank.unwrap_or(i64::MAX).cmp(&b.rank.unwrap_or(i64::MAX)))
                    .then(a.published.cmp(&b.published))
            });
            let mut groups: BTreeMap<(usize, String), Vec<DraftItem>> = BTreeMap::new();
            for it in &items {
                let city = it.city.clone().unwrap_or_default();
                groups
                    .entry(crate::publish::city_rank(taxonomy, gazetteer, &city))
                    .or_default()
                    .push(it.clone());
            }
            for (_, list) in groups {
                let city = list.first().and_then(|i| i.city.clone()).unwrap_or_default();
                cities.push(CityGroup { city, items: list });
            }
        }
        sections.push(DraftSection {
            id: s.id().to_string(),
            name: s.name.clone(),
            parent: s.parent.clone(),
            layout: format!("{:?}", s.layout).to_lowercase(),
            attribution: s.attribution().to_string(),
            items,
            cities,
        });
    }
    let to_sort = by_section.remove(TO_SORT).unwrap_or_default();
    let mut digest = digest::paragraphs(taxonomy, &sections);
    for line in digest.iter_mut() {
        if let Some(t) = edits.digest.get(&line.section) {
            line.text = t.clone();
        }
    }
    for (section, text) in &edits.digest {
        if !digest.iter().any(|l| &l.section == section) {
            digest.push(DigestLine {
                section: section.clone(),
                text: text.clone(),
            });
        }
    }
    Ok(Draft {
        report_name: settings.report_name.clone(),
        publisher: settings.publisher.clone(),
        year: window.from.year(),
        number: issue.number,
        total: issue.total,
        status: issue.status.as_str().to_string(),
        window,
        texts: edits.texts,
        excluded,
        data_as_of: now.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        digest,
        sections,
        to_sort,
        rejected,
        merged,
    })
}

/// Sections the taxonomy no longer has go to the to-sort bucket.
fn taxonomy_key<'a>(taxonomy: &Taxonomy, id: &'a str) -> &'a str {
    if taxonomy.section(id).is_some() { id } else { TO_SORT }
}
