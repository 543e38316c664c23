//! The pipeline, end to end: sources → fetch → extract → normalize → dedup → classify →
//! store → publish → draft. This module only wires the stages together; each stage's
//! logic lives in its own module.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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

mod collect;
mod editing;
mod outputs;
mod storing;
mod writer;

pub use collect::Progress;
use collect::*;
use storing::*;
use writer::*;

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
    /// The feeds and the draft the run published, or found current.
    pub outputs: Outputs,
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
            self.outputs.published.feeds.len(),
            if self.outputs.unchanged {
                "current, not built again".to_string()
            } else {
                format!("{} changed", self.outputs.published.written)
            },
            self.outputs.draft_items
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
    /// The sections file, checked: what ids, names and outputs read without classifying.
    pub taxonomy: Taxonomy,
    /// Built on first use (see [`Pipeline::classifier`]).
    classifier: std::sync::OnceLock<Classifier>,
    /// Editors' decisions read before the classifier was built, for it to learn from
    /// when it is ([`Pipeline::retrain`]).
    unlearned: Mutex<Vec<crate::classify::learn::Example>>,
    fetcher: Fetcher,
    /// The outputs' config digest ([`Pipeline::config_digest`]), taken once.
    digest: std::sync::OnceLock<u64>,
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
    /// Its new items, read while the group before it was stored.
    read_ahead: Option<ReadAhead>,
    /// Its slot among the sources whose items wait to be stored (`collect::Ctx`).
    parse_slot: Option<OwnedSemaphorePermit>,
}

impl Collected {
    /// Whether the source was fetched and brought items to read (not skipped, not a 304).
    fn brings_items(&self) -> bool {
        self.report.skipped.is_none() && !self.items.is_empty()
    }
}

impl Pipeline {
    pub fn new(config: Config) -> anyhow::Result<Pipeline> {
        let taxonomy = Taxonomy::configured(config.settings.taxonomy.as_deref())?;
        // Everything in the taxonomy that could keep its classifier from building is
        // checked here, so that a bad line stops the command before it fetches anything.
        crate::classify::gazetteer::check_aliases(&taxonomy.cities)?;
        let fetcher = Fetcher::new(&config.settings)?;
        Ok(Pipeline {
            config,
            taxonomy,
            classifier: std::sync::OnceLock::new(),
            unlearned: Mutex::new(Vec::new()),
            fetcher,
            digest: std::sync::OnceLock::new(),
        })
    }

    /// Whether anything has needed the classifier yet.
    pub fn classifier_is_built(&self) -> bool {
        self.classifier.get().is_some()
    }

    /// The classifier, built the first time an item is read or a draft built: its
    /// gazetteer and patterns took 40 ms before a run's first request, which a run that
    /// finds nothing new (every answer a 304) never needs.
    pub fn classifier(&self) -> &Classifier {
        self.classifier.get_or_init(|| {
            // Held while building, so that a retraining meanwhile waits for the classifier.
            let mut unlearned = self.unlearned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // `Pipeline::new` checked the taxonomy's patterns and aliases, and the
            // gazetteer's own tables are compiled in (and built by every test).
            let c = Classifier::new(self.taxonomy.clone()).expect("a checked taxonomy builds its classifier");
            let examples = std::mem::take(&mut *unlearned);
            if !examples.is_empty() {
                c.learn(&examples);
            }
            c
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
        let progress = Progress {
            line: opts.progress,
            finished: None,
        };
        let sources = self
            .collect_sources(&store, &all, now, opts.force, &progress, false)
            .await?;
        let mut store = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let outputs = self.publish_and_draft(&mut store, now, opts.window, opts.force)?;
        Ok(RunReport { sources, outputs })
    }

    /// The issue covering `window` (default: the current one), created on first use.
    pub fn issue_for(&self, store: &mut Store, window: Option<Window>, now: DateTime<Utc>) -> anyhow::Result<Issue> {
        let s = &self.config.settings;
        let window =
            window.unwrap_or_else(|| Window::containing(now.with_timezone(&s.timezone).date_naive(), s.issue_window));
        store.issue_for(window, window.number(s.issue_window), s.issue_first_total, now)
    }
}

/// What the storing tests share: sources whose items are given, not fetched.
#[cfg(test)]
mod testing {
    use super::*;

    /// A pipeline of feed sources `ids`, its config in `dir`.
    pub(super) fn pipeline(dir: &std::path::Path, ids: &[&str]) -> Pipeline {
        let mut text = String::from("[settings]\n\n");
        for id in ids {
            text += &format!(
                "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"http://127.0.0.1:9/{id}.xml\"\nkind = \"feed\"\n\n"
            );
        }
        let config = Config::parse(&text, &dir.join("banyue.toml")).expect("the config");
        Pipeline::new(config).expect("a pipeline")
    }

    /// A pipeline of sources `ids` with its store in a file: both live as long as `dir`.
    pub(super) struct Stored {
        pub(super) dir: tempfile::TempDir,
        pub(super) pipeline: Pipeline,
        pub(super) db: std::path::PathBuf,
        pub(super) store: Arc<Mutex<Store>>,
    }

    pub(super) fn stored(ids: &[&str]) -> Stored {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let pipeline = pipeline(dir.path(), ids);
        let db = dir.path().join("banyue.db");
        let store = Arc::new(Mutex::new(Store::open(&db).expect("a store")));
        Stored {
            dir,
            pipeline,
            db,
            store,
        }
    }

    /// Source `index`'s items with these headlines, as a run collects them.
    pub(super) fn collected(pipeline: &Pipeline, index: usize, titles: &[String], now: DateTime<Utc>) -> Collected {
        let source = &pipeline.config.sources[index];
        let items = titles
            .iter()
            .enumerate()
            .filter_map(|(n, title)| {
                let raw = RawItem {
                    guid: Some(format!("{}-{n}", source.id)),
                    link: Some(format!("http://127.0.0.1:9/{}/{n}.html", source.id)),
                    title: title.clone(),
                    published: Some(now),
                    ..RawItem::default()
                };
                normalize::normalize(raw, &source.id, &source.name, now)
            })
            .collect();
        Collected {
            index,
            items,
            report: SourceReport {
                id: source.id.clone(),
                ..SourceReport::default()
            },
            failures_before: 0,
            read_ahead: None,
            parse_slot: None,
        }
    }

    /// Make the store at `db` refuse `source`'s items, as a full disk or a broken row would.
    pub(super) fn refuse(db: &std::path::Path, source: &str) {
        rusqlite::Connection::open(db)
            .and_then(|c| {
                c.execute_batch(&format!(
                    "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN new.source_id = '{source}'
                     BEGIN SELECT RAISE(ABORT, 'no room for this source'); END;"
                ))
            })
            .expect("the trigger");
    }

    /// A run's stories to compare with, none read yet.
    pub(super) fn known(now: DateTime<Utc>) -> Known {
        Known {
            index: None,
            after: 0,
            assigned: 0,
            since: now - chrono::Duration::days(14),
            holder: "test".to_string(),
            spill: None,
            spent: Spent::default(),
        }
    }

    /// Sources `good`, `refused` and `also-good` stored by `store_it` in one group, while
    /// the store refuses the second one's items (as a full disk or a broken row would):
    /// that source fails alone.
    pub(super) fn a_refused_source_fails_alone(
        store_it: impl FnOnce(&Pipeline, &Arc<Mutex<Store>>, collect::Group, &mut Known, DateTime<Utc>) -> Vec<Collected>,
    ) {
        let Stored {
            dir: _dir,
            pipeline,
            db,
            store,
        } = stored(&["good", "refused", "also-good"]);
        refuse(&db, "refused");
        let now = Utc::now();
        let collected = (0..3)
            .map(|i| {
                let id = &pipeline.config.sources[i].id;
                let titles: Vec<String> = (0..2).map(|n| format!("南京软件谷第{n}批{id}项目签约")).collect();
                collected(&pipeline, i, &titles, now)
            })
            .collect();
        let group = collect::Group {
            collected,
            permits: Vec::new(),
        };
        let mut known = known(now);
        let mut done = store_it(&pipeline, &store, group, &mut known, now);
        done.sort_by_key(|c| c.index);
        let [good, refused, also_good] = done.as_slice() else {
            panic!("three sources")
        };
        let error = refused.report.error.clone().unwrap_or_default();
        assert!(
            error.starts_with("storing items") && error.contains("no room"),
            "{error}"
        );
        assert_eq!(refused.report.new, 0);
        // The sources stored in the same transaction stand, each counted once.
        for c in [good, also_good] {
            assert!(c.report.error.is_none() && c.report.new == 2, "{:?}", c.report);
        }
        let conn = rusqlite::Connection::open(&db).expect("the store");
        let stored = |source: &str| {
            conn.query_row("SELECT count(*) FROM items WHERE source_id = ?1", [source], |r| {
                r.get::<_, i64>(0)
            })
            .expect("a count")
        };
        assert_eq!((stored("good"), stored("refused"), stored("also-good")), (2, 0, 2));
        // Each source's run is recorded once, its lease given back.
        let runs: i64 = conn
            .query_row("SELECT count(*) FROM sources WHERE last_attempt IS NOT NULL", [], |r| {
                r.get(0)
            })
            .expect("the sources");
        assert_eq!(runs, 3);
    }
}
