//! The draft stage: the next issue in the report's own layout — 本期提要, sections in
//! order, policy tables, city notes grouped by city — built from stored decisions.

pub mod digest;
pub mod docx;
pub mod render;
pub mod select;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::taxonomy::{Layout, Taxonomy};
use crate::config::Settings;
use crate::model::StoredItem;
use crate::review::{Edit, EditRecord, Issue};
use crate::store::{AlsoReported, Store};
pub use crate::window::Window;

/// The heading of city news whose city nobody knows yet (no place in the text, no city
/// on the source): the editor places them.
pub const UNPLACED: &str = "城市待定";

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
    /// How near the classifier came to rejecting it as off-topic (`Decision::doubt`).
    #[serde(skip)]
    pub doubt: f32,
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
    pub source_id: String,
    /// How much the story matters to the issue ([`select::significance`]) and why
    /// (in words for the issue's items only; see [`select::Significance::parts`]).
    pub significance: f32,
    pub why_significant: Vec<String>,
    #[serde(skip)]
    pub scored: select::Significance,
    /// An editor pinned, included or moved it: always in the issue.
    pub kept: bool,
}

/// Which part of the candidate pool an editor looks at: words in the title or source,
/// a section, a city, a source, and a page of `per_page`.
#[derive(Debug, Clone, Default)]
pub struct PoolQuery {
    pub text: String,
    pub section: String,
    pub city: String,
    pub source: String,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// One page of the pool, and how many candidates match in all.
#[derive(Debug, Clone, Serialize)]
pub struct PoolPage {
    pub items: Vec<PoolItem>,
    pub matching: usize,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

impl PoolQuery {
    fn matches(&self, c: &PoolItem) -> bool {
        let words = self
            .text
            .split_whitespace()
            .all(|w| c.title.contains(w) || c.source.contains(w));
        words
            && (self.section.is_empty() || c.section == self.section)
            && (self.city.is_empty() || c.city.as_deref() == Some(self.city.as_str()))
            && (self.source.is_empty() || c.source.contains(self.source.as_str()))
    }

    /// The page of `pool` this query asks for (the pool is most significant first).
    pub fn page(&self, pool: &[PoolItem]) -> PoolPage {
        let per_page = self.per_page.max(1);
        let matching: Vec<&PoolItem> = pool.iter().filter(|c| self.matches(c)).collect();
        let pages = matching.len().div_ceil(per_page).max(1);
        let page = self.page.clamp(1, pages);
        PoolPage {
            items: matching
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|c| (*c).clone())
                .collect(),
            matching: matching.len(),
            total: pool.len(),
            page,
            pages,
        }
    }
}

/// A story of the window that the issue does not hold: the candidate pool editors pick
/// from ("add to issue").
#[derive(Debug, Clone, Serialize)]
pub struct PoolItem {
    pub id: i64,
    pub title: String,
    pub section: String,
    pub city: Option<String>,
    pub source: String,
    pub published: String,
    pub url: Option<String>,
    pub significance: f32,
    /// An editor excluded it (it stays at hand, not out of sight).
    pub excluded: bool,
    /// Its significance signal by signal (for `banyue explain`; not exported).
    #[serde(skip)]
    pub scored: select::Significance,
}

impl PoolItem {
    /// The pool's entry for a story the issue does not hold (moved, not copied: a
    /// window's pool is thousands of stories).
    fn of(d: DraftItem, excluded: bool) -> PoolItem {
        PoolItem {
            id: d.id,
            title: d.title,
            section: d.section,
            city: d.city,
            source: d.source,
            published: d.published,
            url: d.url,
            significance: d.significance,
            excluded,
            scored: d.scored,
        }
    }
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
    /// Every other story of the window, most significant first (exported apart, and
    /// capped: see `render::json`).
    #[serde(skip)]
    pub candidates: Vec<PoolItem>,
}

impl Draft {
    /// Where the draft holds a story: in the issue (its section) or in the candidate
    /// pool, with its significance and the parts of it.
    pub fn place_of(&self, id: i64) -> Option<(String, f32, Vec<String>)> {
        let chosen = self.sections.iter().flat_map(|s| s.items.iter()).chain(&self.to_sort);
        if let Some(d) = chosen.into_iter().find(|d| d.id == id) {
            return Some((
                format!("in the issue ({})", d.section),
                d.significance,
                d.why_significant.clone(),
            ));
        }
        self.candidates.iter().find(|c| c.id == id).map(|c| {
            let place = if c.excluded {
                "excluded, in the candidate pool"
            } else {
                "in the candidate pool"
            };
            (place.to_string(), c.significance, c.scored.parts(&c.title))
        })
    }

    /// File stem for this issue's exports: `2026-22`.
    pub fn stem(&self) -> String {
        format!("{}-{:02}", self.year, self.number)
    }

    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    /// The ids of the items in the sections (the selection, not the pool).
    pub fn item_ids(&self) -> Vec<i64> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(|i| i.id))
            .collect()
    }
}

fn local_date(t: DateTime<Utc>, tz: Tz) -> chrono::NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The texts a chosen item shows — its short headline, its city note, its policy
/// title — made for the issue's few, not for every story of the window.
fn fill_texts(d: &mut DraftItem) {
    // The headline as it stands: an editor's rewrite reaches the city note and the
    // 本期提要 line made from it.
    let title = d.title.as_str();
    d.note = if digest::has_date_prefix(title) {
        title.to_string()
    } else if title.starts_with("关于") {
        // A bare notice title reads as a note only with its issuer in front.
        let who = d.issuer.as_deref().unwrap_or(&d.source);
        format!("{}，{who}发布《{title}》", d.date_cn)
    } else {
        format!("{}，{title}", d.date_cn)
    };
    d.headline = digest::shorten(&d.title);
    d.policy_title = digest::policy_title(&d.title);
}

fn draft_item(i: StoredItem, also: Vec<AlsoReported>, tz: Tz) -> DraftItem {
    let day = local_date(i.date(), tz);
    let date_cn = format!("{}月{}日", day.month(), day.day());
    DraftItem {
        id: i.id,
        title: i.title,
        headline: String::new(),
        summary: i.summary,
        url: i.url,
        source: i.source_name,
        published: day.format("%Y-%m-%d").to_string(),
        date_cn,
        section: i.decision.section,
        city: i.decision.city,
        score: i.decision.score,
        doubt: i.decision.doubt,
        reasons: i.decision.reasons,
        issuer: i.policy.issuer,
        doc_number: i.policy.doc_number,
        note: String::new(),
        policy_title: String::new(),
        pinned: false,
        rank: None,
        original_title: None,
        also_reported_by: also,
        source_id: i.source_id,
        significance: 0.0,
        why_significant: Vec::new(),
        scored: select::Significance::default(),
        kept: false,
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

/// What editors kept and dropped in every issue so far, as a model of their taste:
/// pinned, included, moved or rewritten items were kept, excluded ones dropped (an
/// item's last such edit counts). None until both kinds number at least two.
fn taste(
    store: &Store,
    config: &crate::classify::taxonomy::Selection,
) -> anyhow::Result<Option<(crate::classify::learn::Model, select::TasteMemo)>> {
    let mut verdict: HashMap<i64, bool> = HashMap::new();
    for issue in store.issues()? {
        for r in store.edits(issue.id)?.iter().filter(|r| r.undone_at.is_none()) {
            let Some(id) = r.item_id else { continue };
            let kept = match r.edit {
                Edit::Exclude => false,
                Edit::Pin | Edit::Include | Edit::Move { .. } | Edit::Headline { .. } | Edit::Summary { .. } => true,
                _ => continue,
            };
            verdict.insert(id, kept);
        }
    }
    let mut edits: Vec<(i64, bool)> = verdict.into_iter().collect();
    // In the order of the items, so that the same edits make the same model (and memo).
    edits.sort_unstable();
    let mut examples = Vec::new();
    for (id, kept) in edits {
        if let Some(item) = store.item(id)? {
            examples.push(select::taste_example(&item, kept));
        }
    }
    let Some(examples) = select::taste_examples(config, &examples) else {
        return Ok(None);
    };
    let memo = select::TasteMemo::new(&examples, config.taste_weight);
    Ok(crate::classify::learn::Model::train(&examples).map(|m| (m, memo)))
}

/// What the taste model said of the last window drafted in this process (see
/// [`select::TasteMemo`]); the review server drafts the same window again and again.
static TASTE_MEMO: std::sync::Mutex<Option<select::TasteMemo>> = std::sync::Mutex::new(None);

/// Build the draft of `issue`, applying every edit editors made to it and choosing the
/// issue's items from the window's stories (the rest become the candidate pool).
pub fn build(
    store: &Store,
    settings: &Settings,
    taxonomy: &Taxonomy,
    gazetteer: &Gazetteer,
    priorities: &HashMap<String, i32>,
    issue: &Issue,
    now: DateTime<Utc>,
) -> anyhow::Result<Draft> {
    let tz = settings.timezone;
    let window = issue.window;
    let (from, to) = window.bounds(tz);
    let grace_from = from - chrono::Duration::days(settings.grace_days);
    let started = std::time::Instant::now();
    let items = store.window_items(from, to, grace_from)?;
    tracing::debug!(
        items = items.len(),
        ms = started.elapsed().as_millis() as u64,
        "draft: window loaded"
    );
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
    // Stories an editor excluded stay at hand in the pool.
    let dropped = |i: &StoredItem| edit_of(i.id).excluded == Some(true);
    let rejected = items
        .iter()
        .filter(|i| story_of(i).is_none() && i.decision.rejected.is_some() && edit_of(i.id).excluded.is_none())
        .count();
    let excluded = items.iter().filter(|i| edit_of(i.id).excluded == Some(true)).count();
    let ids: Vec<i64> = items
        .iter()
        .filter(|i| story_of(i).is_none() && (included(i) || dropped(i)))
        .map(|i| i.id)
        .collect();
    let mut also = store.also_reported(&ids)?;
    for list in also.values_mut() {
        list.retain(|a| !edit_of(a.id).split && edit_of(a.id).merged_into.is_none());
    }
    for i in items.iter() {
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

    tracing::debug!(ms = started.elapsed().as_millis() as u64, "draft: also-reported loaded");
    let (taste, mut memo) = taste(store, &taxonomy.selection)?.unzip();
    // The last build's memo serves if it was made for the same model.
    let earlier = TASTE_MEMO
        .lock()
        .ok()
        .and_then(|mut m| m.take())
        .filter(|e| memo.as_ref().is_some_and(|m| m.same_model(e)));
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        remembered = earlier.as_ref().map_or(0, |m| m.len()),
        "draft: taste learned"
    );
    let mut signals = select::Signals::for_taxonomy(
        taxonomy,
        priorities,
        (to - from).num_hours() as f32 / 24.0,
        taste.as_ref(),
    );
    if let Some(e) = &earlier {
        signals = signals.with_memo(e);
    }
    // The rows become draft items: moved when this build holds the only copy (a run, the
    // CLI), copied when the review server keeps the window for its next build.
    let mut pooled: Vec<(DraftItem, DateTime<Utc>)> = Vec::new();
    let mut drafted: Vec<(DraftItem, DateTime<Utc>)> = Vec::with_capacity(ids.len());
    let kept_rows: Arc<Vec<StoredItem>>;
    let rows: Box<dyn Iterator<Item = Cow<'_, StoredItem>>> = match Arc::try_unwrap(items) {
        Ok(owned) => Box::new(owned.into_iter().map(Cow::Owned)),
        Err(shared) => {
            kept_rows = shared;
            Box::new(kept_rows.iter().map(Cow::Borrowed))
        }
    };
    for i in rows {
        if story_of(&i).is_some() {
            continue;
        }
        let e = edit_of(i.id);
        let (keep, pool) = (included(&i), dropped(&i));
        if !keep && !pool {
            continue;
        }
        let (id, date) = (i.id, i.date());
        let mut d = draft_item(i.into_owned(), also.remove(&id).unwrap_or_default(), tz);
        if pool {
            pooled.push((d, date));
            continue;
        }
        if let Some(section) = &e.section {
            d.section = section.clone();
        }
        if let Some(city) = &e.city {
            d.city = city.clone();
        }
        if let Some(h) = &e.headline {
            d.original_title = Some(std::mem::replace(&mut d.title, h.clone()));
        }
        if let Some(sm) = &e.summary {
            d.summary = sm.clone();
        }
        d.pinned = e.pinned;
        d.rank = e.rank;
        d.kept =
            e.pinned || e.excluded == Some(false) || e.section.is_some() || e.headline.is_some() || e.summary.is_some();
        drafted.push((d, date));
    }
    let mut candidates: Vec<PoolItem> = Vec::new();
    score_all(&mut pooled, to, &signals);
    if let Some(m) = memo.as_mut() {
        pooled.iter().for_each(|(d, _)| m.record(d));
    }
    candidates.extend(pooled.into_iter().map(|(d, _)| PoolItem::of(d, true)));
    score_all(&mut drafted, to, &signals);
    if let Some(mut m) = memo {
        drafted.iter().for_each(|(d, _)| m.record(d));
        if let Ok(mut slot) = TASTE_MEMO.lock() {
            *slot = Some(m);
        }
    }
    let (mut by_section, mut city_notes) = by_section(taxonomy, drafted);
    // Pinned first, then the editors' order, then the most significant.
    let order = |a: &DraftItem, b: &DraftItem| {
        b.pinned
            .cmp(&a.pinned)
            .then(a.rank.unwrap_or(i64::MAX).cmp(&b.rank.unwrap_or(i64::MAX)))
            .then(b.significance.total_cmp(&a.significance))
            .then(a.published.cmp(&b.published))
    };
    // Kept items first, then the most significant: the order in which quotas fill.
    let choosing = |a: &DraftItem, b: &DraftItem| b.kept.cmp(&a.kept).then(order(a, b));
    let pick = |mut list: Vec<DraftItem>, s: &crate::classify::taxonomy::Section, pool: &mut Vec<PoolItem>| {
        list.sort_by(choosing);
        let quota = select::Quota {
            count: s.quota,
            per_city: (s.layout == Layout::City).then_some(taxonomy.selection.per_city),
            floor: taxonomy.selection.min_significance,
        };
        let (mut chosen, rest) = select::select(list, &quota, taxonomy.selection.source_share);
        pool.extend(rest.into_iter().map(|d| PoolItem::of(d, false)));
        chosen.sort_by(order);
        chosen
    };
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "draft: stories scored");
    let mut sections = Vec::new();
    for (s, items) in taxonomy.sections.iter().zip(by_section.iter_mut()) {
        let mut items = std::mem::take(items);
        if s.layout == Layout::City {
            // City notes of other sections compete for the same places.
            items.append(&mut city_notes);
        }
        let mut items = pick(items, s, &mut candidates);
        let mut cities = Vec::new();
        if s.layout == Layout::City {
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
                let city = list
                    .first()
                    .and_then(|i| i.city.clone())
                    .unwrap_or_else(|| UNPLACED.to_string());
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
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "draft: selected");
    // 待分类 is chosen as a section is: up to its cap, no doubtful slight item in it.
    let mut to_sort = by_section.pop().unwrap_or_default();
    to_sort.sort_by(choosing);
    let quota = select::Quota {
        count: Some(taxonomy.selection.to_sort_cap),
        per_city: None,
        floor: taxonomy.selection.min_significance,
    };
    let (mut to_sort, rest) = select::select(to_sort, &quota, 1.0);
    candidates.extend(rest.into_iter().map(|d| PoolItem::of(d, false)));
    to_sort.sort_by(order);
    // A city note left out is no candidate when its story is in its own section.
    let chosen: std::collections::HashSet<i64> = sections
        .iter()
        .flat_map(|s: &DraftSection| s.items.iter().map(|i| i.id))
        .chain(to_sort.iter().map(|i| i.id))
        .collect();
    candidates.retain(|c| !chosen.contains(&c.id));
    // Summaries and reasons are read for the chosen only: a window holds thousands.
    let ids: Vec<i64> = chosen.iter().copied().collect();
    let mut shown = store.shown(&ids)?;
    for d in sections
        .iter_mut()
        .flat_map(|s| {
            s.items
                .iter_mut()
                .chain(s.cities.iter_mut().flat_map(|c| c.items.iter_mut()))
        })
        .chain(to_sort.iter_mut())
    {
        if let Some((summary, reasons)) = shown.get(&d.id) {
            d.reasons = reasons.clone();
            // An editor's summary stands.
            if d.summary.is_empty() {
                d.summary = summary.clone();
            }
        }
        d.why_significant = d.scored.parts(&d.title);
        fill_texts(d);
    }
    shown.clear();
    candidates.sort_by(|a, b| b.significance.total_cmp(&a.significance).then(a.id.cmp(&b.id)));
    candidates.dedup_by_key(|c| c.id);
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
        candidates,
    })
}

/// Score every story against the window's end, on every core: a window holds 20k
/// stories and the review page waits for them.
fn score_all(items: &mut [(DraftItem, DateTime<Utc>)], to: DateTime<Utc>, signals: &select::Signals) {
    let score = |part: &mut [(DraftItem, DateTime<Utc>)]| {
        for (d, date) in part {
            let age = (to - *date).num_hours().max(0) as f32 / 24.0;
            d.scored = select::significance(d, age, signals);
            d.significance = d.scored.total;
        }
    };
    use rayon::prelude::*;
    /// Stories a thread scores at a time: fewer are not worth a thread.
    const CHUNK: usize = 2048;
    // On rayon's pool, whose threads a run and the review server keep for their other
    // parallel work, rather than threads spawned for each build.
    if items.len() <= CHUNK || rayon::current_num_threads() <= 1 {
        score(items);
        return;
    }
    items.par_chunks_mut(CHUNK).for_each(score);
}

/// The drafted items by section, in the taxonomy's order with the to-sort bucket last
/// (where a section the taxonomy no longer has goes), each in the order drafted; and a
/// copy of those its city's note lists too. The items leave the drafted list a section
/// at a time, the list giving back its room as it shrinks: a window's 30k items are about
/// 18 MB, and lists that grew beside it held 21 MB more at a cold run's peak
/// (docs/benchmarks.md, issue 11, stop 69).
fn by_section(
    taxonomy: &Taxonomy,
    mut drafted: Vec<(DraftItem, DateTime<Utc>)>,
) -> (Vec<Vec<DraftItem>>, Vec<DraftItem>) {
    let n = taxonomy.sections.len();
    let rank = |d: &DraftItem| taxonomy.sections.iter().position(|s| s.id() == d.section).unwrap_or(n);
    let noted = |d: &DraftItem| taxonomy.city_note_too(&d.section, d.city.as_deref());
    let mut city_notes = Vec::with_capacity(drafted.iter().filter(|(d, _)| noted(d)).count());
    city_notes.extend(drafted.iter().filter(|(d, _)| noted(d)).map(|(d, _)| d.clone()));
    // Stable: equal ranks keep the order drafted.
    drafted.sort_by_cached_key(|(d, _)| rank(d));
    let mut sections: Vec<Vec<DraftItem>> = (0..=n).map(|_| Vec::new()).collect();
    while let Some((last, _)) = drafted.last() {
        let k = rank(last);
        let start = drafted.partition_point(|(d, _)| rank(d) < k);
        sections[k] = drafted.split_off(start).into_iter().map(|(d, _)| d).collect();
        drafted.shrink_to_fit();
    }
    (sections, city_notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafted_items_go_to_their_sections_in_the_order_drafted() {
        let t = Taxonomy::builtin();
        let plain: Vec<usize> = (0..t.sections.len()).filter(|&k| !t.sections[k].city_notes).collect();
        let noted = (0..t.sections.len())
            .find(|&k| t.sections[k].city_notes)
            .expect("a section with city notes");
        let (a, b) = (plain[0], plain[1]);
        let item = |id: i64, section: &str, city: Option<&str>| {
            let d = DraftItem {
                id,
                section: section.to_string(),
                city: city.map(str::to_string),
                ..DraftItem::default()
            };
            (d, Utc::now())
        };
        let id = |k: usize| t.sections[k].id().to_string();
        let drafted = vec![
            item(1, &id(b), None),
            item(2, &id(a), None),
            item(3, "a-section-no-longer-there", None),
            item(4, &id(b), None),
            item(5, &id(noted), Some("杭州")),
            item(6, &id(a), None),
            item(7, &id(noted), None),
        ];
        let (sections, notes) = by_section(&t, drafted);
        let ids = |list: &[DraftItem]| list.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(
            sections.len(),
            t.sections.len() + 1,
            "the taxonomy's sections, then to-sort"
        );
        assert_eq!(ids(&sections[a]), [2, 6]);
        assert_eq!(ids(&sections[b]), [1, 4]);
        assert_eq!(ids(&sections[noted]), [5, 7]);
        assert_eq!(
            ids(&sections[t.sections.len()]),
            [3],
            "an unknown section's item is to sort"
        );
        let placed: usize = sections.iter().map(Vec::len).sum();
        assert_eq!(placed, 7, "each item in one section");
        assert_eq!(
            ids(&notes),
            [5],
            "only an item with a city in a section with city notes"
        );
    }
}
