//! The draft stage: the next issue in the report's own layout — 本期提要, sections in
//! order, policy tables, city notes grouped by city — built from stored decisions.

pub mod digest;
pub mod render;
pub mod window;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::taxonomy::{Layout, Taxonomy};
use crate::config::Settings;
use crate::model::{StoredItem, TO_SORT};
use crate::store::{AlsoReported, Store};
pub use window::Window;

#[derive(Debug, Clone, Serialize)]
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
    pub also_reported_by: Vec<AlsoReported>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CityGroup {
    pub city: String,
    pub items: Vec<DraftItem>,
}

#[derive(Debug, Clone, Serialize)]
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
    pub window: Window,
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
        also_reported_by: also,
    }
}

/// Build the draft of the issue covering `window`.
pub fn build(
    store: &Store,
    settings: &Settings,
    taxonomy: &Taxonomy,
    gazetteer: &Gazetteer,
    window: Window,
    now: DateTime<Utc>,
) -> anyhow::Result<Draft> {
    let tz = settings.timezone;
    let (from, to) = window.bounds(tz);
    let grace_from = from - chrono::Duration::days(settings.grace_days);
    let items = store.items_for_window(from, to, grace_from)?;
    let merged = items.iter().filter(|i| i.duplicate_of.is_some()).count();
    let reps: Vec<&StoredItem> = items
        .iter()
        .filter(|i| i.duplicate_of.is_none() && i.decision.rejected.is_none())
        .collect();
    let rejected = items
        .iter()
        .filter(|i| i.duplicate_of.is_none() && i.decision.rejected.is_some())
        .count();
    let ids: Vec<i64> = reps.iter().map(|i| i.id).collect();
    let mut also = store.also_reported(&ids)?;

    let mut by_section: BTreeMap<&str, Vec<DraftItem>> = BTreeMap::new();
    let mut city_notes: Vec<DraftItem> = Vec::new();
    for i in &reps {
        let d = draft_item(i, also.remove(&i.id).unwrap_or_default(), tz);
        let sec = taxonomy.section(&i.decision.section);
        if d.city.is_some() && sec.is_some_and(|s| s.city_notes) {
            city_notes.push(d.clone());
        }
        by_section
            .entry(taxonomy_key(taxonomy, &i.decision.section))
            .or_default()
            .push(d);
    }
    for list in by_section.values_mut() {
        list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.published.cmp(&b.published)));
    }
    let mut sections = Vec::new();
    for s in &taxonomy.sections {
        let mut items = by_section.remove(s.id()).unwrap_or_default();
        let mut cities = Vec::new();
        if s.layout == Layout::City {
            items.append(&mut city_notes);
            items.sort_by(|a, b| a.published.cmp(&b.published));
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
    let digest = digest::paragraphs(taxonomy, &sections);
    Ok(Draft {
        report_name: settings.report_name.clone(),
        publisher: settings.publisher.clone(),
        year: window.from.year(),
        number: window.number(settings.issue_window),
        window,
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
