//! The pipeline, end to end: sources → fetch → extract → normalize → dedup → classify →
//! store → publish → draft. This module only wires the stages together; each stage's
//! logic lives in its own module.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::classify::{Classifier, Input, taxonomy::Taxonomy};
use crate::config::{Config, Source, SourceKind};
use crate::dedup::{self, Candidate, NearDup, Rank};
use crate::draft::{self, Window, render::Exported};
use crate::extract::{self, html};
use crate::fetch::{Fetcher, error_chain};
use crate::model::{Item, RawItem};
use crate::normalize;
use crate::publish::{self, Published};
use crate::store::{NewItem, SourceRun, Store};

/// How one source went in one run.
#[derive(Debug, Clone, Default)]
pub struct SourceReport {
    pub id: String,
    pub name: String,
    pub status: Option<u16>,
    pub encoding: Option<&'static str>,
    pub new: usize,
    pub seen: usize,
    pub rejected: usize,
    pub merged: usize,
    pub details: usize,
    /// Problems that did not stop the source (a detail page that failed).
    pub warnings: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct RunReport {
    pub sources: Vec<SourceReport>,
    pub published: Published,
    pub draft: Exported,
    pub draft_items: usize,
}

impl RunReport {
    /// Nothing could be done: every source failed.
    pub fn all_failed(&self) -> bool {
        !self.sources.is_empty() && self.sources.iter().all(|s| s.error.is_some())
    }

    /// A plain, line-per-source summary for logs and terminals.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for s in &self.sources {
            match &s.error {
                None => out.push_str(&format!(
                    "ok    {:<18} new {:>3}  seen {:>3}  off-topic {:>2}  merged {:>2}  details {:>2}  {}\n",
                    s.id, s.new, s.seen, s.rejected, s.merged, s.details, s.name
                )),
                Some(e) => out.push_str(&format!("FAIL  {:<18} {}  ({})\n", s.id, e, s.name)),
            }
            for w in &s.warnings {
                out.push_str(&format!("      {:<18} warning: {w}\n", ""));
            }
        }
        let failed = self.sources.iter().filter(|s| s.error.is_some()).count();
        out.push_str(&format!(
            "{} sources, {} failed; {} feeds ({} changed); draft with {} items\n",
            self.sources.len(),
            failed,
            self.published.feeds.len(),
            self.published.written,
            self.draft_items
        ));
        out
    }
}

/// Options of a run that are not configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The clock, fixed in tests.
    pub now: Option<DateTime<Utc>>,
    /// Draft this window instead of the current one.
    pub window: Option<Window>,
}

/// Everything a run needs, built once from the config.
pub struct Pipeline {
    pub config: Config,
    pub classifier: Classifier,
    fetcher: Fetcher,
}

struct Collected {
    index: usize,
    items: Vec<Item>,
    report: SourceReport,
}

impl Pipeline {
    pub fn new(config: Config) -> anyhow::Result<Pipeline> {
        let taxonomy = match &config.settings.taxonomy {
            Some(p) => Taxonomy::load(p)?,
            None => Taxonomy::builtin(),
        };
        let classifier = Classifier::new(taxonomy)?;
        let fetcher = Fetcher::new(&config.settings)?;
        Ok(Pipeline {
            config,
            classifier,
            fetcher,
        })
    }

    pub fn open_store(&self) -> anyhow::Result<Store> {
        Store::open(&self.config.settings.db_path())
    }

    /// One full run: every source, then publish and draft.
    pub async fn run(&self, opts: &RunOptions) -> anyhow::Result<RunReport> {
        let now = opts.now.unwrap_or_else(Utc::now);
        let store = Arc::new(Mutex::new(self.open_store()?));
        let sources = self.collect_and_store(&store, now).await?;
        let store = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let (published, draft, draft_items) = self.publish_and_draft(&store, now, opts.window)?;
        Ok(RunReport {
            sources,
            published,
            draft,
            draft_items,
        })
    }

    /// Publish feeds and write the draft from what is stored.
    pub fn publish_and_draft(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        window: Option<Window>,
    ) -> anyhow::Result<(Published, Exported, usize)> {
        let s = &self.config.settings;
        let tax = &self.classifier.taxonomy;
        let gaz = &self.classifier.gazetteer;
        let published = publish::publish(store, s, tax, gaz, now).context("publishing feeds")?;
        let window =
            window.unwrap_or_else(|| Window::containing(now.with_timezone(&s.timezone).date_naive(), s.issue_window));
        let d = draft::build(store, s, tax, gaz, window, now).context("building the draft")?;
        let files = draft::render::export(&d, &s.drafts_dir, None).context("writing the draft")?;
        Ok((published, files, d.item_count()))
    }

    async fn collect_and_store(
        &self,
        store: &Arc<Mutex<Store>>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<SourceReport>> {
        let near = NearDup::default();
        let mut candidates = {
            let st = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
            st.candidates(now - chrono::Duration::days(near.window_days * 2))?
        };
        let limit = Arc::new(Semaphore::new(self.config.settings.concurrency));
        let mut tasks = JoinSet::new();
        for (index, source) in self.config.sources.iter().enumerate() {
            let source = source.clone();
            let fetcher = self.fetcher.clone();
            let limit = limit.clone();
            let store = store.clone();
            let settings = self.config.settings.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                collect(&source, &fetcher, &store, &settings, now, index).await
            });
        }
        let mut reports: Vec<Option<SourceReport>> = vec![None; self.config.sources.len()];
        while let Some(joined) = tasks.join_next().await {
            let mut c = joined.context("a source task panicked")?;
            let source = &self.config.sources[c.index];
            let mut st = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
            if let Err(e) = self.store_items(&mut st, source, &mut c, &near, &mut candidates, now) {
                c.report.error = Some(format!("storing items: {e:#}"));
                c.report.new = 0;
                let batch = st.begin()?;
                batch.record_source(&source.id, &source.name, &run_of(&c.report), now)?;
                batch.commit()?;
            }
            reports[c.index] = Some(c.report);
        }
        Ok(reports.into_iter().flatten().collect())
    }

    /// Dedup, classify and store one source's items in one transaction.
    fn store_items(
        &self,
        st: &mut Store,
        source: &Source,
        c: &mut Collected,
        near: &NearDup,
        candidates: &mut Vec<Candidate>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let batch = st.begin()?;
        let mut added: Vec<Candidate> = Vec::new();
        for item in &c.items {
            if batch.known(item)? {
                c.report.seen += 1;
                continue;
            }
            let decision = self.classifier.classify(&Input {
                title: &item.title,
                text: &item.text,
                source_name: &source.name,
                section_hint: source.section_hint.as_deref(),
                city_hint: source.city_hint.as_deref(),
                policy: &item.policy,
            });
            let sig = dedup::signature(&item.title, &item.text);
            let date = item.published.unwrap_or(now);
            let rank = Rank {
                priority: source.priority,
                has_doc_number: item.policy.doc_number.is_some(),
                date,
            };
            let mut duplicate_of = None;
            let mut replaces = None;
            if decision.rejected.is_none() {
                let pool = candidates.iter().chain(added.iter());
                let all: Vec<Candidate> = pool.cloned().collect();
                if let Some((id, why)) = near.find(&item.title, &sig, item.policy.doc_number.as_deref(), date, &all) {
                    let old = all.iter().find(|c| c.id == id).map(|c| self.rank_of(c));
                    if old.is_some_and(|old| rank.beats(&old)) {
                        replaces = Some((id, why));
                    } else {
                        duplicate_of = Some((id, why));
                    }
                }
            }
            let new = NewItem {
                item,
                decision: &decision,
                signature: sig,
                duplicate_of: duplicate_of.clone(),
            };
            let Some(id) = batch.insert(&new)? else {
                c.report.seen += 1;
                continue;
            };
            c.report.new += 1;
            if decision.rejected.is_some() {
                c.report.rejected += 1;
                continue;
            }
            if duplicate_of.is_some() {
                c.report.merged += 1;
                continue;
            }
            if let Some((old, why)) = &replaces {
                batch.promote(id, *old, why)?;
                candidates.retain(|c| c.id != *old);
                added.retain(|c| c.id != *old);
                c.report.merged += 1;
            }
            added.push(Candidate {
                id,
                source_id: source.id.clone(),
                title: item.title.clone(),
                signature: sig,
                doc_number: item.policy.doc_number.clone(),
                date,
            });
        }
        batch.record_source(&source.id, &source.name, &run_of(&c.report), now)?;
        batch.commit()?;
        candidates.extend(added);
        Ok(())
    }
}

impl Pipeline {
    /// The rank of a stored report, from its source's configured priority.
    fn rank_of(&self, c: &Candidate) -> Rank {
        let priority = self
            .config
            .sources
            .iter()
            .find(|s| s.id == c.source_id)
            .map(|s| s.priority)
            .unwrap_or(0);
        Rank {
            priority,
            has_doc_number: c.doc_number.is_some(),
            date: c.date,
        }
    }
}

fn run_of(r: &SourceReport) -> SourceRun {
    SourceRun {
        status: r.status,
        error: r.error.clone(),
        new: r.new,
        seen: r.seen,
    }
}

/// Fetch, extract and normalize one source (and its detail pages). Never fails: a
/// broken source comes back with its error in the report.
async fn collect(
    source: &Source,
    fetcher: &Fetcher,
    store: &Arc<Mutex<Store>>,
    settings: &crate::config::Settings,
    now: DateTime<Utc>,
    index: usize,
) -> Collected {
    let mut report = SourceReport {
        id: source.id.clone(),
        name: source.name.clone(),
        ..Default::default()
    };
    let tz = settings.timezone;
    // The configured URL is the operator's own word; everything found from it is not.
    let page = match fetcher.get(&source.url, true).await {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e.to_string());
            return Collected {
                index,
                items: Vec::new(),
                report,
            };
        }
    };
    report.status = Some(page.status);
    report.encoding = Some(page.encoding);
    let raw: Result<Vec<RawItem>, extract::ExtractError> = match &source.kind {
        SourceKind::Feed => extract::feed::parse(&page.text, &page.url, now, tz),
        SourceKind::Html(spec) => html::parse_list(&page.text, &page.url, spec, now, tz),
    };
    let mut raw = match raw {
        Ok(r) => r,
        Err(e) => {
            report.error = Some(e.to_string());
            return Collected {
                index,
                items: Vec::new(),
                report,
            };
        }
    };
    if let Some(spec) = &source.detail {
        let mut fetched = 0;
        for r in raw.iter_mut() {
            if fetched >= settings.detail_fetch_limit {
                break;
            }
            let Some(link) = r.link.as_deref().and_then(|l| Url::parse(l).ok()) else {
                continue;
            };
            let probe = normalize::normalize(r.clone(), &source.id, now);
            let known = match (&probe, store.lock()) {
                (Some(item), Ok(st)) => st.is_known(item).unwrap_or(false),
                _ => false,
            };
            if known {
                continue;
            }
            fetched += 1;
            match fetcher.get(&link, source.allow_private).await {
                Ok(p) => {
                    let d = html::parse_detail(&p.text, &p.url, spec, now, tz);
                    if d.content_html.is_some() {
                        r.content = d.content_html;
                    }
                    r.published = r.published.or(d.published);
                    if let Some(t) = d.title.filter(|t| t.chars().count() > r.title.chars().count()) {
                        r.title = t;
                    }
                    r.policy.merge_missing(d.policy);
                    report.details += 1;
                }
                Err(e) => report.warnings.push(format!("detail {link}: {}", error_chain(&e))),
            }
        }
    }
    let items = raw
        .into_iter()
        .filter_map(|r| normalize::normalize(r, &source.id, now))
        .collect();
    Collected { index, items, report }
}
