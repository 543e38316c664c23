//! Editors' work that goes through the pipeline: an edit of the issue, an item added by
//! URL, reopening, and teaching the classifier again.

use super::*;

impl Pipeline {
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
            && self.taxonomy.section(section).is_none()
        {
            let ids: Vec<&str> = self.taxonomy.sections.iter().map(|s| s.id()).collect();
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
            normalize::normalize(raw, MANUAL, "", now).ok_or_else(|| anyhow::anyhow!("{url} has no usable title"))?;
        let mut st = lock(store)?;
        let existing = st.find_by_url(item.url.as_deref().unwrap_or_default())?;
        let id = match existing {
            Some(id) => id,
            None => {
                let decision = self.classifier().classify(&Input {
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
                    words: None,
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

    /// Learn from editors' decisions if they changed since the model was trained; a
    /// classifier not built yet learns them when it is.
    pub fn retrain(&self, store: &Store) -> anyhow::Result<()> {
        let examples = store.training_examples()?;
        let mut unlearned = self.unlearned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match self.classifier.get() {
            Some(c) if examples.len() != c.learned_from() => c.learn(&examples),
            Some(_) => {}
            None => *unlearned = examples,
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
            let d = self.classifier().classify(&Input {
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
                // An item left out before and after has no place an editor sees: its
                // section changing behind the off-topic verdict is no move.
                let shown = d.rejected.is_none() || i.decision.rejected.is_none();
                if shown && (d.section != i.decision.section || d.rejected != i.decision.rejected) {
                    moved.push((i.id, i.title.clone(), i.decision.section.clone(), d.section.clone()));
                }
                store.update_decision(i.id, &d)?;
            }
        }
        Ok(moved)
    }
}
