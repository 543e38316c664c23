//! The publish and draft end of the pipeline: feeds, the issue's draft and publishing an
//! issue, built from what is stored (and not built again while current).

use super::*;

impl Pipeline {
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
        // Collecting has just freed its indexes and bodies; drafting should not stack on them.
        crate::heap::give_back_freed();
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
    pub(super) fn draft_files(&self, issue: &Issue) -> Exported {
        let s = &self.config.settings;
        match issue.status {
            Status::Published => draft::render::paths(&s.drafts_dir.join("published"), &issue.stem()),
            _ => draft::render::paths(&s.drafts_dir, &issue.stem()),
        }
    }

    /// A digest of everything in the config and taxonomy the outputs are built from (the
    /// config's types hold no hash maps, so their debug text is stable). Not where this
    /// machine keeps its files: collectors that share a feeds directory from different
    /// paths build the same outputs. Taken once: a pipeline's config does not change.
    pub(super) fn config_digest(&self) -> u64 {
        *self.digest.get_or_init(|| self.digest_config())
    }

    fn digest_config(&self) -> u64 {
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
        // The gazetteer's tables are compiled in: the stamp's build id covers them.
        let text = format!("{settings:?}\n{:?}\n{:?}", c.sources, self.taxonomy);
        crate::dedup::stable_hash(&text)
    }

    pub(super) fn build_outputs(
        &self,
        store: &mut Store,
        issue: &Issue,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Outputs> {
        let s = &self.config.settings;
        let tax = &self.taxonomy;
        let gaz = &self.classifier().gazetteer;
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
        let (s, tax, gaz) = (&self.config.settings, &self.taxonomy, &self.classifier().gazetteer);
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
        let (s, tax, gaz) = (&self.config.settings, &self.taxonomy, &self.classifier().gazetteer);
        publish::publish(store, s, tax, gaz, &outlets, stamp).context("publishing feeds")
    }

    /// Each source's configured priority, by id.
    pub(super) fn priorities(&self) -> std::collections::HashMap<String, i32> {
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
}
