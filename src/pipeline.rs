//! The pipeline, end to end: sources → fetch → extract → normalize → dedup → classify →
//! store → publish → draft. This module only wires the stages together; each stage's
//! logic lives in its own module.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::classify::{Classifier, Input, SourceMix, taxonomy::Taxonomy};
use crate::config::{Config, Settings, Source, SourceKind};
use crate::dedup::{self, Candidate, NearDup, Rank};
use crate::draft::{self, Window, render::Exported};
use crate::extract::{self, html};
use crate::fetch::{FetchError, Fetched, Fetcher, Page, Request, Validators};
use crate::model::{Decision, Item, RawItem};
use crate::normalize;
use crate::publish::{self, Published};
use crate::review::{Edit, Issue, Status};
use crate::store::{NewItem, SourceRun, SourceState, Store};

/// The source of items editors add by URL.
pub const MANUAL: &str = "manual";
const MANUAL_NAME: &str = "编辑添加";

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
    /// Rows its documents held this run (`None`: not read, as on a 304 or a failed fetch),
    /// and how many of them had a date: a list whose shape changed shows here first.
    pub found: Option<usize>,
    pub dated: usize,
    /// List pages read.
    pub pages: usize,
    /// The server said 304: nothing changed, nothing parsed.
    pub not_modified: bool,
    /// Why the source was not fetched this time (backing off, Retry-After).
    pub skipped: Option<String>,
    /// Problems that did not stop the source (a detail page that failed).
    pub warnings: Vec<String>,
    pub error: Option<String>,
    /// What the server asked: come back after this long.
    pub retry_after: Option<std::time::Duration>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub struct RunReport {
    pub sources: Vec<SourceReport>,
    pub published: Published,
    pub draft: Exported,
    pub draft_items: usize,
    /// The outputs were current (nothing they are built from changed): none was built.
    pub unchanged: bool,
}

/// What publishing and drafting produced, or found current.
#[derive(Debug)]
pub struct Outputs {
    pub published: Published,
    pub draft: Exported,
    pub draft_items: usize,
    /// Nothing the outputs are built from changed since they were written: nothing was
    /// built (`published.written` is 0).
    pub unchanged: bool,
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
            match (&s.error, &s.skipped) {
                (Some(e), _) => out.push_str(&format!("FAIL  {:<18} {}  ({})\n", s.id, e, s.name)),
                (None, Some(why)) => out.push_str(&format!("skip  {:<18} {why}  ({})\n", s.id, s.name)),
                (None, None) if s.not_modified => {
                    out.push_str(&format!("304   {:<18} not modified  ({})\n", s.id, s.name))
                }
                (None, None) => out.push_str(&format!(
                    "ok    {:<18} new {:>3}  seen {:>3}  off-topic {:>2}  merged {:>2}  details {:>2}  {}\n",
                    s.id, s.new, s.seen, s.rejected, s.merged, s.details, s.name
                )),
            }
            for w in &s.warnings {
                out.push_str(&format!("      {:<18} warning: {w}\n", ""));
            }
        }
        let failed = self.sources.iter().filter(|s| s.error.is_some()).count();
        out.push_str(&format!(
            "{} sources, {} failed; {} feeds ({}); draft with {} items\n",
            self.sources.len(),
            failed,
            self.published.feeds.len(),
            if self.unchanged {
                "current, not built again".to_string()
            } else {
                format!("{} changed", self.published.written)
            },
            self.draft_items
        ));
        out
    }
}

/// An item the classifier filed elsewhere after an editor's move taught it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resorted {
    pub id: i64,
    pub title: String,
    pub from: String,
    pub to: String,
}

/// What an editor's edit did: its record id, the issue drafted again (unless published),
/// and the items a move re-sorted.
#[derive(Debug)]
pub struct Edited {
    pub id: i64,
    pub draft: Option<draft::Draft>,
    pub resorted: Vec<Resorted>,
}

/// Options of a run that are not configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The clock, fixed in tests.
    pub now: Option<DateTime<Utc>>,
    /// Draft this window instead of the current one.
    pub window: Option<Window>,
    /// Fetch even sources that are backing off or asked us to wait.
    pub force: bool,
    /// Show progress on stderr.
    pub progress: bool,
}

/// Everything a run needs, built once from the config.
pub struct Pipeline {
    pub config: Config,
    pub classifier: Classifier,
    fetcher: Fetcher,
}

/// What decoding a page had to repair, in words, if anything.
fn repair_warning(page: &Page) -> Option<String> {
    let mut parts = Vec::new();
    if page.repaired > 0 {
        parts.push(format!(
            "{} invalid byte sequence{} in {} replaced with �",
            page.repaired,
            if page.repaired == 1 { "" } else { "s" },
            page.encoding
        ));
    }
    if page.stripped > 0 {
        parts.push(format!(
            "{} control character{} removed",
            page.stripped,
            if page.stripped == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| format!("{}: {}", page.url, parts.join(", ")))
}

/// The least time a run holds a source's lease (it is given back when the run ends).
const LEASE_SECS: i64 = 30 * 60;

struct Collected {
    index: usize,
    items: Vec<Item>,
    report: SourceReport,
    /// The source's consecutive failures before this run, for the backoff.
    failures_before: i64,
}

impl Pipeline {
    pub fn new(config: Config) -> anyhow::Result<Pipeline> {
        let taxonomy = Taxonomy::configured(config.settings.taxonomy.as_deref())?;
        let classifier = Classifier::new(taxonomy)?;
        let fetcher = Fetcher::new(&config.settings)?;
        Ok(Pipeline {
            config,
            classifier,
            fetcher,
        })
    }

    pub fn open_store(&self) -> anyhow::Result<Store> {
        Store::connect(&self.config.settings.store)
    }

    /// One full run: every source, then publish and draft.
    pub async fn run(&self, opts: &RunOptions) -> anyhow::Result<RunReport> {
        let now = opts.now.unwrap_or_else(Utc::now);
        let store = Arc::new(Mutex::new(self.open_store()?));
        let all: Vec<usize> = (0..self.config.sources.len()).collect();
        let sources = self
            .collect_sources(&store, &all, now, opts.force, opts.progress, false)
            .await?;
        let mut store = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let out = self.publish_and_draft(&mut store, now, opts.window, opts.force)?;
        Ok(RunReport {
            sources,
            published: out.published,
            draft: out.draft,
            draft_items: out.draft_items,
            unchanged: out.unchanged,
        })
    }

    /// The issue covering `window` (default: the current one), created on first use.
    pub fn issue_for(&self, store: &mut Store, window: Option<Window>, now: DateTime<Utc>) -> anyhow::Result<Issue> {
        let s = &self.config.settings;
        let window =
            window.unwrap_or_else(|| Window::containing(now.with_timezone(&s.timezone).date_naive(), s.issue_window));
        store.issue_for(window, window.number(s.issue_window), s.issue_first_total, now)
    }

    /// Publish feeds and write the current issue's draft from what is stored, unless they
    /// are current (see [`publish::stamp`]; `force` builds them anyway). A published issue
    /// is frozen: its files are left as they were published.
    pub fn publish_and_draft(
        &self,
        store: &mut Store,
        now: DateTime<Utc>,
        window: Option<Window>,
        force: bool,
    ) -> anyhow::Result<Outputs> {
        store.publishing(|store| {
            let s = &self.config.settings;
            let issue = self.issue_for(store, window, now)?;
            let today = now.with_timezone(&s.timezone).date_naive();
            let asked = format!("issue {} {:?} day {today}", issue.stem(), issue.status);
            let key = publish::stamp::key(
                store.outputs_version()?,
                &asked,
                self.config_digest(),
                s.templates_dir.as_deref(),
            );
            if !force && let Some(current) = publish::stamp::Stamp::current(&s.feeds_dir, &key) {
                return Ok(Outputs {
                    published: Published {
                        feeds: current.feeds,
                        written: 0,
                    },
                    draft: self.draft_files(&issue),
                    draft_items: current.draft_items,
                    unchanged: true,
                });
            }
            let out = self.build_outputs(store, &issue, now)?;
            let d = &out.draft;
            publish::stamp::Stamp {
                key,
                feeds: out.published.feeds.clone(),
                draft_files: vec![d.markdown.clone(), d.html.clone(), d.json.clone(), d.docx.clone()],
                draft_items: out.draft_items,
            }
            .write(&s.feeds_dir)
            .context("writing the outputs' stamp")?;
            Ok(out)
        })
    }

    /// Where the draft of `issue` is (a published issue's under `published/`).
    fn draft_files(&self, issue: &Issue) -> Exported {
        let s = &self.config.settings;
        match issue.status {
            Status::Published => draft::render::paths(&s.drafts_dir.join("published"), &issue.stem()),
            _ => draft::render::paths(&s.drafts_dir, &issue.stem()),
        }
    }

    /// A digest of everything in the config and taxonomy the outputs are built from (the
    /// config's types hold no hash maps, so their debug text is stable). Not where this
    /// machine keeps its files: collectors that share a feeds directory from different
    /// paths build the same outputs.
    fn config_digest(&self) -> u64 {
        let c = &self.config;
        let mut settings = c.settings.clone();
        for p in [
            &mut settings.data_dir,
            &mut settings.feeds_dir,
            &mut settings.drafts_dir,
        ] {
            *p = std::path::PathBuf::new();
        }
        (settings.taxonomy, settings.templates_dir) = (None, None);
        if let crate::store::Location::Sqlite(p) = &mut settings.store {
            *p = std::path::PathBuf::new();
        }
        let text = format!(
            "{settings:?}\n{:?}\n{:?}\n{}",
            c.sources,
            self.classifier.taxonomy,
            self.classifier.gazetteer.cities.len()
        );
        crate::dedup::stable_hash(&text)
    }

    fn build_outputs(&self, store: &mut Store, issue: &Issue, now: DateTime<Utc>) -> anyhow::Result<Outputs> {
        let s = &self.config.settings;
        let tax = &self.classifier.taxonomy;
        let gaz = &self.classifier.gazetteer;
        // Outputs are stamped with the store's last change, not the clock, so a run that
        // brings nothing new rewrites no file.
        let stamp = store.last_change()?.unwrap_or(now);
        let published = self.publish_feeds(store, stamp)?;
        if issue.status == Status::Published {
            return Ok(Outputs {
                published,
                draft: self.draft_files(issue),
                draft_items: 0,
                unchanged: false,
            });
        }
        let d = draft::build(store, s, tax, gaz, &self.priorities(), issue, stamp).context("building the draft")?;
        let files =
            draft::render::export(&d, &s.drafts_dir, s.templates_dir.as_deref()).context("writing the draft")?;
        if !self.config.alerts.is_empty() {
            let today = now.with_timezone(&s.timezone).date_naive();
            let state = crate::alert::DraftState {
                stem: &issue.stem(),
                issue: format!("{}年第{}期", d.year, d.number),
                window_closing: today >= issue.window.to,
                items: d.item_ids(),
                link: None,
            };
            if let Err(e) = crate::alert::watch_draft(&self.config, store, &state, now) {
                tracing::warn!("alerts: watching the draft: {e:#}");
            }
        }
        Ok(Outputs {
            published,
            draft: files,
            draft_items: d.item_count(),
            unchanged: false,
        })
    }

    /// The draft of `issue` as it stands, edits applied.
    pub fn draft_of(&self, store: &Store, issue: &Issue, now: DateTime<Utc>) -> anyhow::Result<draft::Draft> {
        let stamp = store.last_change()?.unwrap_or(now);
        let (s, tax, gaz) = (
            &self.config.settings,
            &self.classifier.taxonomy,
            &self.classifier.gazetteer,
        );
        draft::build(store, s, tax, gaz, &self.priorities(), issue, stamp)
    }

    /// Write everything under the feeds directory from what is stored.
    pub fn publish_feeds(&self, store: &Store, stamp: DateTime<Utc>) -> anyhow::Result<Published> {
        let outlets: std::collections::HashMap<String, publish::Outlet> = self
            .config
            .sources
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    publish::Outlet {
                        name: s.name.clone(),
                        url: s.url.to_string(),
                    },
                )
            })
            .collect();
        let (s, tax, gaz) = (
            &self.config.settings,
            &self.classifier.taxonomy,
            &self.classifier.gazetteer,
        );
        publish::publish(store, s, tax, gaz, &outlets, stamp).context("publishing feeds")
    }

    /// Each source's configured priority, by id.
    fn priorities(&self) -> std::collections::HashMap<String, i32> {
        self.config.sources.iter().map(|s| (s.id.clone(), s.priority)).collect()
    }

    /// Publish an issue: freeze it, archive its exports (Markdown, HTML, JSON, DOCX) under
    /// `drafts/published/`, copy the HTML beside the feeds and add it to `issues.xml`.
    pub fn publish_issue(
        &self,
        store: &mut Store,
        issue: &Issue,
        editor: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Exported> {
        if issue.status == Status::Published {
            anyhow::bail!("issue {} is already published", issue.stem());
        }
        let s = &self.config.settings;
        let d = self.draft_of(store, issue, now)?;
        let files = draft::render::export(&d, &s.drafts_dir.join("published"), s.templates_dir.as_deref())?;
        store.record_edit(
            issue,
            None,
            &Edit::Status {
                status: Status::Published,
            },
            editor,
            now,
        )?;
        let html = std::fs::read(&files.html).with_context(|| format!("reading {}", files.html.display()))?;
        crate::fsio::write_atomic(
            &s.feeds_dir.join("issues").join(format!("{}.html", issue.stem())),
            &html,
        )?;
        // issues.xml, the editors' texts, the index page and the OPML follow the issue.
        // Stamped as runs stamp them, so the next run with nothing new rewrites nothing.
        let stamp = store.last_change()?.unwrap_or(now);
        self.publish_feeds(store, stamp)?;
        let link = s
            .base_url
            .join(&format!("issues/{}.html", issue.stem()))
            .ok()
            .map(String::from);
        let published = crate::alert::DraftState {
            stem: &issue.stem(),
            issue: format!("{}年第{}期", d.year, d.number),
            window_closing: false,
            items: d.item_ids(),
            link,
        };
        if let Err(e) = crate::alert::issue_published(&self.config, store, &published, editor, now) {
            tracing::warn!("alerts: {e:#}");
        }
        Ok(files)
    }

    /// Apply an editor's edit to `issue`: recorded with who and when; a move also
    /// teaches the classifier; then the issue is re-drafted. Returns the edit's id and
    /// the new draft (none for a published issue), so the review page need not build
    /// it again.
    pub fn edit_issue(
        &self,
        store: &mut Store,
        issue: &Issue,
        item: Option<i64>,
        edit: &Edit,
        editor: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Edited> {
        if let Edit::Move { section, .. } = edit
            && self.classifier.taxonomy.section(section).is_none()
        {
            let ids: Vec<&str> = self.classifier.taxonomy.sections.iter().map(|s| s.id()).collect();
            anyhow::bail!("`{section}` is not a section; one of: {}", ids.join(", "));
        }
        let id = store.record_edit(issue, item, edit, editor, now)?;
        let mut resorted = Vec::new();
        if let (Edit::Move { section, city }, Some(item)) = (edit, item) {
            store.set_label(item, section, city.as_deref(), editor, now)?;
            self.retrain(store)?;
            // What the lesson changes now: the issue's other unfiled items, sorted again.
            if issue.status != Status::Published {
                resorted = self
                    .reclassify(store, issue.window)?
                    .into_iter()
                    .map(|(id, title, from, to)| Resorted { id, title, from, to })
                    .collect();
            }
        }
        if issue.status == Status::Published {
            return Ok(Edited {
                id,
                draft: None,
                resorted,
            });
        }
        let d = self.draft_of(store, issue, now)?;
        draft::render::export(
            &d,
            &self.config.settings.drafts_dir,
            self.config.settings.templates_dir.as_deref(),
        )?;
        Ok(Edited {
            id,
            draft: Some(d),
            resorted,
        })
    }

    /// Add an item an editor found by its URL: fetched and extracted like any other,
    /// classified, stored under the source `manual`, and included in `issue`.
    pub async fn add_by_url(
        &self,
        store: &Arc<Mutex<Store>>,
        issue: &Issue,
        url: &str,
        editor: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        let s = &self.config.settings;
        let url = Url::parse(url.trim()).map_err(|e| anyhow::anyhow!("`{url}` is not a URL: {e}"))?;
        let req = Request {
            allow_private: s.manual_allow_private,
            ..Default::default()
        };
        // The refusal names the setting that governs an editor's URL, not a source's.
        let fetched = self.fetcher.fetch(&url, &req).await.map_err(|e| match e {
            crate::fetch::FetchError::Refused(why) => crate::fetch::FetchError::Refused(
                why.replace(crate::fetch::guard::SOURCE_HINT, crate::fetch::guard::MANUAL_HINT),
            ),
            e => e,
        })?;
        let page = match fetched {
            Fetched::Page(p) => p,
            Fetched::NotModified => anyhow::bail!("{url} answered 304 to a plain GET"),
        };
        if extract::feed::looks_like_feed(&page.text) {
            anyhow::bail!("{url} is a feed: add it as a [[source]] instead");
        }
        let spec = crate::config::DetailSpec {
            body: Vec::new(),
            metadata: true,
            date: None,
        };
        let detail = html::parse_detail(&page.text, &page.url, &spec, now, s.timezone);
        let title = detail
            .title
            .clone()
            .or_else(|| html::page_title(&page.text))
            .ok_or_else(|| anyhow::anyhow!("{url} has no title"))?;
        let raw = RawItem {
            link: Some(page.url.to_string()),
            title,
            content: detail.content_html,
            published: detail
                .published
                .or_else(|| extract::dates::from_url(page.url.as_str(), s.timezone)),
            policy: detail.policy,
            ..Default::default()
        };
        let item =
            normalize::normalize(raw, MANUAL, now).ok_or_else(|| anyhow::anyhow!("{url} has no usable title"))?;
        let mut st = lock(store)?;
        let existing = st.find_by_url(item.url.as_deref().unwrap_or_default())?;
        let id = match existing {
            Some(id) => id,
            None => {
                let decision = self.classifier.classify(&Input {
                    title: &item.title,
                    text: &item.text,
                    source_id: MANUAL,
                    source_name: MANUAL_NAME,
                    section_hint: None,
                    city_hint: None,
                    policy: &item.policy,
                    source_mix: None,
                });
                let batch = st.begin()?;
                let new = NewItem {
                    item: &item,
                    decision: &decision,
                    signature: dedup::signature(&item.title, &item.text),
                    duplicate_of: None,
                };
                let run = SourceRun {
                    status: Some(page.status),
                    new: 1,
                    ..Default::default()
                };
                batch.record_source(MANUAL, MANUAL_NAME, &run, now)?;
                let id = batch
                    .insert(&new)?
                    .ok_or_else(|| anyhow::anyhow!("{url} is already stored"))?;
                batch.commit()?;
                id
            }
        };
        st.record_edit(issue, Some(id), &Edit::Add { url: url.to_string() }, editor, now)?;
        self.edit_issue(&mut st, issue, Some(id), &Edit::Include, editor, now)?;
        Ok(id)
    }

    /// Reopen a published issue for editing (recorded with who and when).
    pub fn reopen_issue(
        &self,
        store: &mut Store,
        issue: &Issue,
        editor: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if issue.status != Status::Published {
            anyhow::bail!("issue {} is not published", issue.stem());
        }
        store.record_edit(issue, None, &Edit::Status { status: Status::Review }, editor, now)?;
        Ok(())
    }

    /// Learn from editors' decisions if they changed since the model was trained.
    pub fn retrain(&self, store: &Store) -> anyhow::Result<()> {
        let examples = store.training_examples()?;
        if examples.len() != self.classifier.learned_from() {
            self.classifier.learn(&examples);
        }
        Ok(())
    }

    /// Classify again the items of a window that no editor filed, with what the
    /// classifier knows now. Returns (id, title, old section, new section) of those that
    /// moved.
    pub fn reclassify(&self, store: &mut Store, window: Window) -> anyhow::Result<Vec<(i64, String, String, String)>> {
        let s = &self.config.settings;
        let (from, to) = window.bounds(s.timezone);
        let items = store.items_for_window(from, to, from - chrono::Duration::days(s.grace_days))?;
        let labelled = store.labelled_ids()?;
        let mut moved = Vec::new();
        let mut mixes: HashMap<String, SourceMix> = HashMap::new();
        for i in items.iter().filter(|i| !labelled.contains(&i.id)) {
            let source = self.config.sources.iter().find(|src| src.id == i.source_id);
            if !mixes.contains_key(&i.source_id) {
                let mix = history_mix(store, &i.source_id)?;
                mixes.insert(i.source_id.clone(), mix);
            }
            let text = store.body_text(i.id)?;
            let d = self.classifier.classify(&Input {
                title: &i.title,
                text: &text,
                source_id: &i.source_id,
                source_name: &i.source_name,
                section_hint: source.and_then(|s| s.section_hint.as_deref()),
                city_hint: source.and_then(|s| s.city_hint.as_deref()),
                policy: &i.policy,
                source_mix: mixes.get(&i.source_id),
            });
            if d != i.decision {
                if d.section != i.decision.section || d.rejected != i.decision.rejected {
                    moved.push((i.id, i.title.clone(), i.decision.section.clone(), d.section.clone()));
                }
                store.update_decision(i.id, &d)?;
            }
        }
        Ok(moved)
    }

    /// Fetch the sources at `indices` (bounded concurrency) and store what they bring,
    /// one transaction per source, as each finishes. `scheduled`: the daemon's call, for
    /// sources due by their schedule (one another collector fetched since its last
    /// scheduled time is not due any more).
    pub async fn collect_sources(
        &self,
        store: &Arc<Mutex<Store>>,
        indices: &[usize],
        now: DateTime<Utc>,
        force: bool,
        progress: bool,
        scheduled: bool,
    ) -> anyhow::Result<Vec<SourceReport>> {
        let near = NearDup::default();
        // Another run (a cron job that overran, another collector on a shared store) may
        // be fetching some of these: each source is leased when a task is about to fetch
        // it, and left to the other run when it holds it. So several collectors share the
        // sources between them, each taking the next one free as it has room, and none
        // fetches a source another is fetching. Leases are
        // kept in wall-clock time and expire, so a killed run blocks nobody for long.
        // A source's lease is given back with its items, marked done then: a run that
        // began before does not fetch it again; the rest go back when the run ends.
        let lease = Lease {
            scheduled,
            started: Utc::now(),
            holder: crate::store::lease_holder(),
            secs: LEASE_SECS.max(self.config.settings.timeout_secs as i64 * 20),
        };
        let since = now - chrono::Duration::days(near.window_days * 2);
        {
            let st = lock(store)?;
            self.retrain(&st)?;
        }
        // The stories to compare with are read when the first source brings items: a
        // run whose every answer is "not modified" reads none of them.
        let mut index = Known {
            index: None,
            after: 0,
            since,
            holder: lease.holder.clone(),
        };
        let holder = lease.holder.clone();
        let reports = self
            .collect_leased(store, indices, &lease, now, force, progress, &near, &mut index)
            .await;
        // Released whatever happened; a crash leaves them to expire.
        if let Ok(mut st) = lock(store)
            && let Err(e) = st.release_leases(&holder, Utc::now())
        {
            tracing::warn!("releasing this run's leases: {e:#}");
        }
        reports
    }

    #[allow(clippy::too_many_arguments)]
    async fn collect_leased(
        &self,
        store: &Arc<Mutex<Store>>,
        indices: &[usize],
        lease: &Lease,
        now: DateTime<Utc>,
        force: bool,
        progress: bool,
        near: &NearDup,
        known: &mut Known,
    ) -> anyhow::Result<Vec<SourceReport>> {
        let limit = Arc::new(Semaphore::new(self.config.settings.concurrency));
        let mut tasks = JoinSet::new();
        for &index in indices {
            let source = self.config.sources[index].clone();
            let ctx = Arc::new(Ctx {
                fetcher: self.fetcher.clone(),
                store: store.clone(),
                settings: self.config.settings.clone(),
            });
            let limit = limit.clone();
            let lease = lease.clone();
            tasks.spawn(async move {
                // Held until the source's items are stored, not just fetched: fetches
                // run ahead of the store by at most `concurrency` sources, so a run's
                // memory is bounded by what waits to be stored, not by the whole web.
                let permit = limit.acquire_owned().await.ok();
                // The source's state is read once it is leased: another collector may
                // have just recorded a failure and its backoff. Off the async workers:
                // the store is busy while a source is stored, and a worker waiting for
                // it would hold up the fetches in flight.
                let taken = {
                    let (ctx, source) = (ctx.clone(), source.clone());
                    tokio::task::spawn_blocking(move || lease.take(&ctx, &source)).await
                };
                let collected = match taken {
                    Ok(Ok(Ok(state))) => collect(&ctx, &source, state, now, force, index).await,
                    Ok(Ok(Err(why)) | Err(why)) => skipped(&source, index, why),
                    Err(e) => skipped(&source, index, format!("taking its lease: {e}")),
                };
                (collected, permit)
            });
        }
        let progress = progress && std::io::stderr().is_terminal();
        let total = indices.len();
        let mut reports: Vec<(usize, SourceReport)> = Vec::with_capacity(total);
        while let Some(joined) = tasks.join_next().await {
            let (mut c, permit) = joined.context("a source task panicked")?;
            let source = &self.config.sources[c.index];
            let mut st = lock(store)?;
            if let Err(e) = self.store_items(&mut st, source, &mut c, near, known, now) {
                c.report.error = Some(format!("storing items: {e:#}"));
                c.report.new = 0;
                let batch = st.begin()?;
                self.finish(batch, source, &c, &known.holder, now)?;
            }
            drop(permit);
            if progress {
                eprint!("\r\x1b[K[{}/{}] {}", reports.len() + 1, total, source.id);
            }
            reports.push((c.index, c.report));
        }
        if progress {
            eprintln!();
        }
        // Health that changed is queued to be told; sending comes after the run.
        if !self.config.alerts.is_empty() {
            let mut st = lock(store)?;
            if let Err(e) = crate::alert::watch_sources(&self.config, &mut st, now) {
                tracing::warn!("alerts: watching the sources: {e:#}");
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        Ok(reports.into_iter().map(|(_, r)| r).collect())
    }

    /// Dedup, classify and store one source's items in one transaction.
    fn store_items(
        &self,
        st: &mut Store,
        source: &Source,
        c: &mut Collected,
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if c.report.skipped.is_some() {
            // Nothing was asked of the server, so there is nothing to record either.
            return Ok(());
        }
        if c.items.is_empty() {
            // Not modified, or an empty list: only the source's run is recorded.
            let batch = st.begin()?;
            return self.finish(batch, source, c, &known.holder, now);
        }
        // What the source usually yields: its stored items, then a first reading of the
        // new ones (an item that knows its section votes; the mix then leans the unsure).
        let mut mix = history_mix(st, &source.id)?;
        let input = |item: &Item, mix: Option<&SourceMix>| -> Decision {
            self.classifier.classify(&Input {
                title: &item.title,
                text: &item.text,
                source_id: &source.id,
                source_name: &source.name,
                section_hint: source.section_hint.as_deref(),
                city_hint: source.city_hint.as_deref(),
                policy: &item.policy,
                source_mix: mix,
            })
        };
        known.load(st)?;
        let batch = st.begin()?;
        // Inside the transaction, which holds the store's write lock: the stories other
        // collectors committed are all visible now, and none can commit until this does.
        known.catch_up(&batch)?;
        let Some(index) = known.index.as_mut() else {
            anyhow::bail!("the stories to compare with were not read");
        };
        let mut fresh: Vec<&Item> = Vec::with_capacity(c.items.len());
        for item in &c.items {
            if batch.known(item)? {
                c.report.seen += 1;
            } else {
                fresh.push(item);
            }
        }
        // Reading each new item (its first classification, its words, facts and
        // signature) is pure and the larger part of storing a source: on every core.
        let mut read: Vec<(Decision, Candidate)> = par_map(&fresh, |item| {
            let probe = Candidate::new(
                0,
                &source.id,
                &item.title,
                &item.text,
                item.policy.doc_number.as_deref(),
                item.published.unwrap_or(now),
            );
            (input(item, None), probe)
        });
        for (d, _) in read.iter().filter(|(d, _)| d.rejected.is_none()) {
            mix.add(&d.section, 1);
        }
        // A source that leans nowhere changes no decision: the first reading stands.
        if mix.leaning().is_some() {
            let second = par_map(&fresh, |item| input(item, Some(&mix)));
            for ((d, _), again) in read.iter_mut().zip(second) {
                *d = again;
            }
        }
        // This batch's own stories, indexed as they come: a feed of k new items costs k
        // look-ups, not k² comparisons.
        let mut added: Vec<Candidate> = Vec::new();
        let mut added_index = dedup::Index::default();
        let mut replaced: Vec<i64> = Vec::new();
        let mut last_id = 0;
        for (item, (decision, probe)) in fresh.into_iter().zip(read) {
            let date = item.published.unwrap_or(now);
            let sig = probe.signature;
            let rank = Rank::of(source.priority, &item.title, item.policy.doc_number.is_some(), date);
            let mut duplicate_of = None;
            let mut replaces = None;
            if decision.rejected.is_none() {
                // Stories stored before this batch, then this batch's own.
                let found = index
                    .find_among(near, &probe, Some(&added_index))
                    .filter(|(id, _)| !replaced.contains(id))
                    .or_else(|| added_index.find_among(near, &probe, Some(index)));
                if let Some((id, why)) = found {
                    let old = index
                        .get(id)
                        .or_else(|| added.iter().find(|c| c.id == id))
                        .map(|c| self.rank_of(c));
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
            last_id = last_id.max(id);
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
                replaced.push(*old);
                added.retain(|c| c.id != *old);
                added_index.remove(*old);
                c.report.merged += 1;
            }
            let candidate = Candidate { id, ..probe };
            added_index.insert(candidate.clone());
            added.push(candidate);
        }
        self.finish(batch, source, c, &known.holder, now)?;
        // The batch held the store's write lock, so every id below its own was read by
        // `catch_up` or is its own: the next catch-up starts after them, instead of
        // reading (and reading the facts of) this batch's stories a second time.
        known.after = known.after.max(last_id);
        // Only what is committed becomes a candidate for later sources.
        for old in replaced {
            index.remove(old);
        }
        for a in added {
            index.insert(a);
        }
        Ok(())
    }
}

impl Pipeline {
    /// Record the source's run and give its lease back with its items, in the batch
    /// that stores them: not held while the run's slower sources finish (the daemon's
    /// next turn for it would find it held).
    fn finish(
        &self,
        batch: crate::store::Batch<'_>,
        source: &Source,
        c: &Collected,
        holder: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        batch.record_source(&source.id, &source.name, &self.run_of(c, now), now)?;
        batch.release_lease(holder, &source.id, Utc::now())?;
        batch.commit()
    }

    /// The rank of a stored report, from its source's configured priority.
    fn rank_of(&self, c: &Candidate) -> Rank {
        let priority = self
            .config
            .sources
            .iter()
            .find(|s| s.id == c.source_id)
            .map(|s| s.priority)
            .unwrap_or(0);
        Rank::of(priority, &c.title, c.doc_number.is_some(), c.date)
    }
}

impl Pipeline {
    /// What to record of a source's run, including when to try a failing one again:
    /// exponential backoff from the settings, or later if the server asked for it.
    fn run_of(&self, c: &Collected, now: DateTime<Utc>) -> SourceRun {
        let r = &c.report;
        let next_due = r.error.as_ref().map(|_| {
            let s = &self.config.settings;
            let failures = c.failures_before + 1;
            let exp = s.backoff_base_secs.saturating_mul(1u64 << (failures - 1).clamp(0, 20));
            let backoff = exp.min(s.backoff_max_secs);
            let wait = r.retry_after.map(|d| d.as_secs()).unwrap_or(0).max(backoff);
            now + chrono::Duration::seconds(wait as i64)
        });
        SourceRun {
            status: r.status,
            error: r.error.clone(),
            new: r.new,
            seen: r.seen,
            not_modified: r.not_modified,
            etag: r.etag.clone(),
            last_modified: r.last_modified.clone(),
            next_due,
            warning: r.warnings.first().cloned(),
            rows: r.found,
            dated: r.found.map(|_| r.dated),
        }
    }
}

/// `f` of each of `items`, in order, on up to as many threads as there are cores (on
/// the calling thread alone when there are few items or one core).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    /// Fewer items than this are not worth a thread.
    const PER_THREAD: usize = 8;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                // A panic in `f` is a bug: carried to the caller as one would be.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

fn lock(store: &Arc<Mutex<Store>>) -> anyhow::Result<std::sync::MutexGuard<'_, Store>> {
    store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))
}

/// The stories a run compares new reports with: those stored when it began, then its
/// own, and those other collectors on the same store add meanwhile (read before each
/// source is stored, so that two collectors merge a story as one run would).
struct Known {
    /// Read from the store when the first source brings items.
    index: Option<dedup::Index>,
    /// The largest item id read from the store.
    after: i64,
    since: DateTime<Utc>,
    /// This run's lease holder name: a source's lease is given back with its items.
    holder: String,
}

impl Known {
    /// Read the stories stored since `since`, once.
    fn load(&mut self, st: &Store) -> anyhow::Result<()> {
        if self.index.is_some() {
            return Ok(());
        }
        // The largest id first: a story stored meanwhile is read again, not missed.
        let after = st.max_item_id()?;
        let mut index = dedup::Index::new(st.candidates(self.since)?);
        for (a, b) in st.split_pairs()? {
            index.keep_apart(&a, &b);
        }
        self.after = after;
        self.index = Some(index);
        Ok(())
    }

    fn catch_up(&mut self, batch: &crate::store::Batch) -> anyhow::Result<()> {
        let Some(index) = self.index.as_mut() else {
            return Ok(());
        };
        for c in batch.candidates_after(self.after, self.since)? {
            self.after = self.after.max(c.id);
            if index.get(c.id).is_none() {
                index.insert(c);
            }
        }
        Ok(())
    }
}

/// This run's name as a lease holder, and how long its leases last.
#[derive(Clone)]
struct Lease {
    scheduled: bool,
    /// When this run began (wall clock, as leases are kept).
    started: DateTime<Utc>,
    holder: String,
    secs: i64,
}

impl Lease {
    /// Lease `source` for this run: its stored state when taken, or why it is left
    /// (`Ok(Err)`: another run holds it; `Err`: the store failed).
    fn take(&self, ctx: &Ctx, src: &Source) -> Result<Result<Option<SourceState>, String>, String> {
        let source = src.id.as_str();
        let mut st = lock(&ctx.store).map_err(|e| format!("{e:#}"))?;
        let wall = Utc::now();
        let until = wall + chrono::Duration::seconds(self.secs);
        let ids = [source.to_string()];
        let taken = st
            .take_leases(&ids, &self.holder, wall, until)
            .map_err(|e| format!("taking its lease: {e:#}"))?;
        if taken.is_empty() {
            let until = st.lease(source, wall).ok().flatten().map_or(wall, |(_, e)| e);
            let local = until.with_timezone(&ctx.settings.timezone).format("%H:%M");
            return Ok(Err(format!("another run is fetching it (lease until {local})")));
        }
        // Another run fetched it and finished after this one began: not again now.
        if let Some(done) = st.lease_done(source).ok().flatten().filter(|d| *d >= self.started) {
            let local = done.with_timezone(&ctx.settings.timezone).format("%H:%M:%S");
            return Ok(Err(format!("another run fetched it at {local}")));
        }
        let state = st
            .source_state(source)
            .map_err(|e| format!("reading its state: {e:#}"))?;
        // On its schedule: another daemon sharing the store may have fetched it since
        // its last scheduled time (the schedules of two daemons differ by their jitter).
        if self.scheduled
            && let Some(last) = state.as_ref().and_then(|s| s.last_attempt)
        {
            let schedule = src.schedule.as_ref().unwrap_or(&ctx.settings.schedule);
            if schedule.after(&last).next().is_some_and(|next| next > Utc::now()) {
                let local = last.with_timezone(&ctx.settings.timezone).format("%H:%M:%S");
                return Ok(Err(format!("another run fetched it at {local}")));
            }
        }
        Ok(Ok(state))
    }
}

/// A source this run left alone, and why.
fn skipped(source: &Source, index: usize, why: String) -> Collected {
    Collected {
        index,
        items: Vec::new(),
        report: SourceReport {
            id: source.id.clone(),
            name: source.name.clone(),
            skipped: Some(why),
            ..Default::default()
        },
        failures_before: 0,
    }
}

/// What a source task needs, owned so it can move into the task.
struct Ctx {
    fetcher: Fetcher,
    store: Arc<Mutex<Store>>,
    settings: Settings,
}

/// Why a source produced nothing this time.
struct Failure {
    message: String,
    retry_after: Option<std::time::Duration>,
    /// The page came but its list selectors matched nothing: a list whose shape changed.
    no_rows: bool,
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        Failure {
            retry_after: e.retry_after(),
            message: e.to_string(),
            no_rows: false,
        }
    }
}

impl From<extract::ExtractError> for Failure {
    fn from(e: extract::ExtractError) -> Failure {
        Failure {
            no_rows: matches!(e, extract::ExtractError::Empty),
            message: e.to_string(),
            retry_after: None,
        }
    }
}

/// Fetch, extract and normalize one source (and its detail pages). Never fails: a
/// broken source comes back with its error in the report.
async fn collect(
    ctx: &Ctx,
    source: &Source,
    state: Option<SourceState>,
    now: DateTime<Utc>,
    force: bool,
    index: usize,
) -> Collected {
    let mut report = SourceReport {
        id: source.id.clone(),
        name: source.name.clone(),
        ..Default::default()
    };
    let failures_before = state.as_ref().map(|s| s.consecutive_failures).unwrap_or(0);
    if let Some(due) = state.as_ref().and_then(|s| s.next_due).filter(|d| *d > now && !force) {
        let local = due.with_timezone(&ctx.settings.timezone).format("%Y-%m-%d %H:%M");
        report.skipped = Some(format!(
            "backing off after {failures_before} failures, next try {local}"
        ));
        return Collected {
            index,
            items: Vec::new(),
            report,
            failures_before,
        };
    }
    let items = match fetch_source(ctx, source, state.as_ref(), now, &mut report).await {
        Ok(raw) => {
            let found = raw.len();
            if !report.not_modified {
                report.found = Some(found);
                report.dated = raw.iter().filter(|r| r.published.is_some()).count();
            }
            let items: Vec<Item> = raw
                .into_iter()
                .filter_map(|r| normalize::normalize(r, &source.id, now))
                .collect();
            // Entries the document has but that cannot be kept are said, never dropped
            // silently.
            if items.len() < found {
                report.warnings.push(format!(
                    "{found} entries, {} usable: {} with no title, text or link",
                    items.len(),
                    found - items.len()
                ));
            }
            items
        }
        Err(f) => {
            if f.no_rows {
                report.found = Some(0);
            }
            report.error = Some(f.message);
            report.retry_after = f.retry_after;
            Vec::new()
        }
    };
    Collected {
        index,
        items,
        report,
        failures_before,
    }
}

/// The list pages (following pagination), then the detail pages of items not yet stored.
async fn fetch_source(
    ctx: &Ctx,
    source: &Source,
    state: Option<&SourceState>,
    now: DateTime<Utc>,
    report: &mut SourceReport,
) -> Result<Vec<RawItem>, Failure> {
    let tz = ctx.settings.timezone;
    let validators = state.map(|s| Validators {
        etag: s.etag.clone(),
        last_modified: s.last_modified.clone(),
    });
    let req = Request {
        allow_private: source.allow_private,
        configured: true,
        headers: &source.headers,
        validators: validators.as_ref(),
    };
    let page = match ctx.fetcher.fetch(&source.url, &req).await? {
        Fetched::NotModified => {
            report.not_modified = true;
            report.status = Some(304);
            return Ok(Vec::new());
        }
        Fetched::Page(p) => p,
    };
    report.status = Some(page.status);
    report.encoding = Some(page.encoding);
    if let Some(w) = repair_warning(&page) {
        report.warnings.push(w);
    }
    report.etag = page.validators.etag.clone();
    report.last_modified = page.validators.last_modified.clone();
    report.pages = 1;
    let budget = ctx.settings.timeout_secs;
    let (mut raw, notes) = extract_within(&page, source, now, tz, budget).await?;
    report.warnings.extend(notes);
    if let SourceKind::Html(spec) | SourceKind::JsonHtml { list: spec, .. } = &source.kind {
        let mut current = page;
        let page_req = Request {
            validators: None,
            configured: false,
            ..req
        };
        for n in 1..spec.max_pages {
            let next = match (&spec.next, &spec.page_pattern) {
                (Some(pick), _) => html::next_page(&current.text, &current.url, pick),
                (None, Some(pattern)) => source
                    .url
                    .join(&pattern.replace("{n}", &(spec.page_start + n - 1).to_string()))
                    .ok(),
                (None, None) => None,
            };
            let Some(next) = next else { break };
            // A page of items we already have means the rest are older still.
            if raw
                .iter()
                .rev()
                .take(3)
                .filter_map(|r| probe(r, source, now))
                .all(|i| is_known(&ctx.store, &i))
            {
                break;
            }
            match ctx.fetcher.fetch(&next, &page_req).await {
                Ok(Fetched::Page(p)) => {
                    match extract_within(&p, source, now, tz, budget).await {
                        Ok((mut more, notes)) => {
                            raw.append(&mut more);
                            report
                                .warnings
                                .extend(notes.into_iter().map(|w| format!("page {next}: {w}")));
                        }
                        Err(e) => report.warnings.push(format!("page {next}: {e}")),
                    }
                    report.pages += 1;
                    current = p;
                }
                Ok(Fetched::NotModified) => break,
                Err(e) => {
                    report.warnings.push(format!("page {next}: {e}"));
                    break;
                }
            }
        }
    }
    let cap = ctx.settings.max_items;
    if raw.len() > cap {
        report.warnings.push(format!(
            "{} items on its pages; read the first {cap} (max_items)",
            raw.len()
        ));
        raw.truncate(cap);
    }
    if let Some(spec) = &source.detail {
        fetch_details(ctx, source, spec, &mut raw, now, report).await;
    }
    Ok(raw)
}

/// [`extract_page`] on a blocking thread, given at most `secs`: a page that takes longer
/// (a pathological selector or tree no bound foresaw) fails its source with a reason,
/// and the other sources never wait for it.
async fn extract_within(
    page: &Page,
    source: &Source,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    secs: u64,
) -> Result<(Vec<RawItem>, Vec<String>), extract::ExtractError> {
    let (page, source) = (page.clone(), source.clone());
    let work = tokio::task::spawn_blocking(move || extract::read(&page.text, &page.url, &source.kind, now, tz));
    match tokio::time::timeout(std::time::Duration::from_secs(secs.max(1)), work).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(extract::ExtractError::Malformed("the page's reader failed".into())),
        Err(_) => Err(extract::ExtractError::TooSlow(secs)),
    }
}

fn probe(r: &RawItem, source: &Source, now: DateTime<Utc>) -> Option<Item> {
    normalize::normalize(r.clone(), &source.id, now)
}

fn is_known(store: &Arc<Mutex<Store>>, item: &Item) -> bool {
    lock(store).ok().and_then(|st| st.is_known(item).ok()).unwrap_or(false)
}

async fn fetch_details(
    ctx: &Ctx,
    source: &Source,
    spec: &crate::config::DetailSpec,
    raw: &mut [RawItem],
    now: DateTime<Utc>,
    report: &mut SourceReport,
) {
    let tz = ctx.settings.timezone;
    let req = Request {
        allow_private: source.allow_private,
        configured: false,
        headers: &source.headers,
        validators: None,
    };
    let mut fetched = 0;
    for r in raw.iter_mut() {
        if fetched >= ctx.settings.detail_fetch_limit {
            break;
        }
        let Some(link) = r.link.as_deref().and_then(|l| Url::parse(l).ok()) else {
            continue;
        };
        if probe(r, source, now).is_some_and(|i| is_known(&ctx.store, &i)) {
            continue;
        }
        fetched += 1;
        match ctx.fetcher.fetch(&link, &req).await {
            Ok(Fetched::Page(p)) => {
                if let Some(w) = repair_warning(&p) {
                    report.warnings.push(w);
                }
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
            Ok(Fetched::NotModified) => {}
            Err(e) => report.warnings.push(format!("detail {link}: {e}")),
        }
    }
}

/// A source's mix of sections from its latest stored items.
fn history_mix(store: &Store, source_id: &str) -> anyhow::Result<SourceMix> {
    let mut mix = SourceMix::default();
    for (section, n) in store.source_sections(source_id, 200)? {
        mix.add(&section, n);
    }
    Ok(mix)
}

#[cfg(test)]
mod tests {
    use super::par_map;

    #[test]
    fn par_map_keeps_the_order_of_its_items() {
        for n in [0, 1, 7, 8, 16, 17, 100, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = par_map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{n} items");
        }
    }
}
