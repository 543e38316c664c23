//! Storing sources' items: read the new ones (classification, dedup candidate, search
//! words; ahead of time, while the group before is stored, or on every core), judge
//! each against the stories the store knows (dedup) and insert it; the sources that
//! finished while the store was busy in one transaction (a savepoint each only when one
//! of them failed to store).

use std::time::Duration;

use super::*;
use crate::classify::Prepared;

/// The most sources stored in one transaction: those whose fetches finished while the
/// store was busy. Each transaction costs a commit and a write of the search index's
/// pending words; a group shares them, and a source's own writes still land all or not
/// at all (`Pipeline::store_group`).
pub(super) const GROUP: usize = 16;

impl Pipeline {
    /// Dedup, classify and store the items of a group of sources in one transaction: a
    /// source whose items fail to store is recorded as failed, the others stand. Each
    /// source's run is recorded and its lease given back with its items: not held while
    /// the run's slower sources finish (the daemon's next turn for it would find it held).
    pub(super) fn store_group(
        &self,
        st: &mut Store,
        group: &mut [Collected],
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        // First without a savepoint per source: each costs SQLite a journal of every page
        // its source's inserts touch (about a fifth of their time on a cold run). Should a
        // source's items fail to store, the whole transaction is rolled back and the group
        // stored again, each source in a savepoint of its own.
        let reports: Vec<SourceReport> = group.iter().map(|c| c.report.clone()).collect();
        let stored = match self.store_group_in(st, group, near, known, now, Savepoints::No) {
            Err(e) if e.is::<SourceFailed>() => {
                tracing::debug!("{e:#}: the group is stored again, a savepoint for each source");
                known.index = None;
                for (c, report) in group.iter_mut().zip(reports) {
                    c.report = report;
                }
                self.store_group_in(st, group, near, known, now, Savepoints::Each)
            }
            stored => stored,
        };
        if stored.is_err() {
            // Stories the index took from the transaction are not in the store: read
            // them all again before the next source is compared.
            known.index = None;
        }
        stored
    }

    fn store_group_in(
        &self,
        st: &mut Store,
        group: &mut [Collected],
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
        savepoints: Savepoints,
    ) -> anyhow::Result<()> {
        // What each source usually yields, read before the transaction, and the stories
        // to compare with, read when the first source brings items.
        let mixes = self.mixes(st, group)?;
        if mixes.iter().any(Option::is_some) {
            known.load(st)?;
        }
        let batch = st.begin()?;
        // Inside the transaction, which holds the store's write lock: the stories other
        // collectors committed are all visible now, and none can commit until this does.
        known.catch_up(|after, since| batch.candidates_after(after, since))?;
        let mut last_id = 0;
        for (c, mix) in group.iter_mut().zip(mixes) {
            if c.report.skipped.is_some() {
                // Nothing was asked of the server, so there is nothing to record either.
                continue;
            }
            let source = &self.config.sources[c.index];
            if let Some(mix) = mix {
                let mark = match savepoints {
                    Savepoints::Each => Some(batch.savepoint()?),
                    Savepoints::No => None,
                };
                match (self.store_items(&mut &batch, source, c, mix, near, known, now), mark) {
                    (Ok(id), mark) => {
                        if let Some(mark) = mark {
                            batch.release(mark)?;
                        }
                        last_id = last_id.max(id);
                    }
                    (Err(e), None) => return Err(e.context(SourceFailed)),
                    (Err(e), Some(mark)) => {
                        batch.roll_back_to(mark)?;
                        c.report.error = Some(format!("storing items: {e:#}"));
                        c.report.new = 0;
                    }
                }
            }
            batch.record_done(&source.id, &source.name, &self.run_of(c, now), now, &known.holder)?;
        }
        timed(&mut known.spent.commit, || batch.commit())?;
        // The batch held the store's write lock, so every id below its own was read by
        // `catch_up` or is its own: the next catch-up starts after them, instead of
        // reading (and reading the facts of) this batch's stories a second time.
        known.after = known.after.max(last_id);
        Ok(())
    }

    /// Dedup, classify and insert one source's items into `rows` (the open batch, or the
    /// record of a group for the writer): the largest id it inserted. Its new stories join
    /// the index at once, for the next source of the group to compare with.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store_items(
        &self,
        rows: &mut impl Rows,
        source: &Source,
        c: &mut Collected,
        history: SourceMix,
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        let Some(index) = known.index.as_mut() else {
            anyhow::bail!("the stories to compare with were not read");
        };
        let mut fresh: Vec<usize> = Vec::with_capacity(c.items.len());
        let stored = timed(&mut known.spent.known, || rows.known(&c.items))?;
        for (i, known) in stored.into_iter().enumerate() {
            if known {
                c.report.seen += 1;
            } else {
                fresh.push(i);
            }
        }
        let read = self.read_fresh(source, c, &fresh, history, now);
        let fresh: Vec<(usize, &Item)> = fresh.iter().map(|&i| (i, &c.items[i])).collect();
        // The search among the stories stored before this batch is the larger part of
        // judging an item, and reads only them: on every core, before the items are
        // judged one by one. An item whose counts this batch's earlier stories change
        // (a rare term or a MinHash value they share) is searched again in order below.
        let index_ref: &dedup::Index = index;
        let spent = &mut known.spent;
        let mut searched: Vec<Option<Option<(i64, String)>>> = timed(&mut spent.search, || {
            par_map(&read, |r| {
                r.decision
                    .rejected
                    .is_none()
                    .then(|| index_ref.find_among(near, &r.probe, None))
            })
        });
        // This batch's own stories, indexed as they come: a feed of k new items costs k
        // look-ups, not k² comparisons.
        let mut added_index = dedup::Index::unpacked();
        let mut replaced: Vec<i64> = Vec::new();
        let mut last_id = 0;
        for (
            (
                (at, item),
                Reading {
                    decision, probe, words, ..
                },
            ),
            searched,
        ) in fresh.into_iter().zip(read).zip(searched.iter_mut())
        {
            let date = item.published.unwrap_or(now);
            let sig = probe.candidate.signature;
            let rank = Rank::of(source.priority, &item.title, item.policy.doc_number.is_some(), date);
            let mut duplicate_of = None;
            let mut replaces = None;
            if decision.rejected.is_none() {
                // Stories stored before this batch, then this batch's own.
                let among_stored = match searched.take() {
                    Some(found) if index.counts_unchanged_by(&added_index, &probe.candidate) => found,
                    _ => {
                        spent.searched_again += 1;
                        timed(&mut spent.search_again, || {
                            index.find_among(near, &probe, Some(&added_index))
                        })
                    }
                };
                let found = among_stored.filter(|(id, _)| !replaced.contains(id)).or_else(|| {
                    timed(&mut spent.search_own, || {
                        added_index.find_among(near, &probe, Some(index))
                    })
                });
                if let Some((id, why)) = found {
                    let old = index.get(id).or_else(|| added_index.get(id)).map(|c| self.rank_of(&c));
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
                words: Some(words),
            };
            let Some(id) = timed(&mut spent.insert, || rows.insert(at, new))? else {
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
                rows.promote(id, *old, why)?;
                replaced.push(*old);
                added_index.remove(*old);
                c.report.merged += 1;
            }
            added_index.insert_probe(probe.stored_as(id));
        }
        // What this source adds becomes a candidate for the sources after it; should its
        // savepoint or the batch fail, the caller reads the stories again.
        for old in replaced {
            index.remove(old);
        }
        for a in added_index.into_probes() {
            index.insert_probe(a);
        }
        Ok(last_id)
    }
}

impl Pipeline {
    /// Read a source's new items: what the classifier makes of each, its dedup
    /// candidate and its search words. Pure, and the larger part of storing a source:
    /// `cores` says where it runs. The decisions are the first readings, before the
    /// source's lean is known ([`Pipeline::settle`]).
    fn first_reading(&self, source: &Source, items: &[&Item], now: DateTime<Utc>, cores: Cores) -> Vec<Reading> {
        let classifier = self.classifier();
        cores.map(items, |item| {
            let probe = dedup::Probe::new(Candidate::new(
                0,
                &source.id,
                &item.title,
                &item.text,
                item.policy.doc_number.as_deref(),
                item.published.unwrap_or(now),
            ));
            let words = crate::search::document(&item.title, &item.summary, &item.text);
            let prepared = classifier.prepare(&self.input(source, item));
            Reading {
                decision: classifier.finish(&prepared, None),
                prepared,
                probe,
                words,
            }
        })
    }

    /// The decisions on a source's new items, given their first readings (see
    /// [`crate::classify::Classifier::settle`]).
    fn settle(&self, first: &[Reading], history: SourceMix) -> Option<Vec<Decision>> {
        self.classifier()
            .settle(first.iter().map(|r| (&r.prepared, &r.decision)), history)
    }

    /// What the classifier reads of an item, before its source's lean is known.
    fn input<'a>(&self, source: &'a Source, item: &'a Item) -> Input<'a> {
        Input {
            title: &item.title,
            text: &item.text,
            source_id: &source.id,
            source_name: &source.name,
            section_hint: source.section_hint.as_deref(),
            city_hint: source.city_hint.as_deref(),
            policy: &item.policy,
            source_mix: None,
        }
    }

    /// Read a source's new items (`fresh`, indices into its items) as it is stored: from
    /// what was read ahead when the store knew the same history and no fewer of them,
    /// or now, on every core.
    fn read_fresh(
        &self,
        source: &Source,
        c: &mut Collected,
        fresh: &[usize],
        history: SourceMix,
        now: DateTime<Utc>,
    ) -> Vec<Reading> {
        let items: Vec<&Item> = fresh.iter().map(|i| &c.items[*i]).collect();
        let mut ahead = c.read_ahead.take().filter(|a| a.history == history);
        if let Some(same) = ahead.take_if(|a| a.fresh == fresh) {
            return with_decisions(same.first, same.settled);
        }
        // Items another source stored meanwhile are dropped, and the rest settled again;
        // an item that was known then and is new now (an editor's delete) has no
        // reading: then all are read again.
        let first = match ahead.and_then(|a| kept_of(&a.fresh, a.first, fresh)) {
            Some(kept) => kept,
            None => self.first_reading(source, &items, now, Cores::All),
        };
        let settled = self.settle(&first, history);
        with_decisions(first, settled)
    }

    /// Read the new items of `group`'s sources ahead, on this thread, from what the
    /// store knows now (`plans`): while the group before is stored on the others.
    pub(super) fn read_ahead(&self, group: &mut [Collected], plans: Vec<Option<Plan>>, now: DateTime<Utc>) {
        for (c, plan) in group.iter_mut().zip(plans) {
            let Some(plan) = plan else { continue };
            let source = &self.config.sources[c.index];
            let items: Vec<&Item> = plan.fresh.iter().map(|i| &c.items[*i]).collect();
            let first = self.first_reading(source, &items, now, Cores::One);
            let settled = self.settle(&first, plan.history.clone());
            c.read_ahead = Some(ReadAhead {
                fresh: plan.fresh,
                history: plan.history,
                first,
                settled,
            });
        }
    }

    /// What the store knows of each source of `group` that brought items: which of
    /// them are new, and the source's history. `None` for the others.
    pub(super) fn plan(&self, st: &Store, group: &[Collected]) -> anyhow::Result<Vec<Option<Plan>>> {
        let mut plans = Vec::with_capacity(group.len());
        for c in group {
            if !c.brings_items() {
                plans.push(None);
                continue;
            }
            // One query for the source, as when it is stored (`Rows::known`).
            let stored = st.known_among(&c.items)?;
            let fresh: Vec<usize> = stored
                .iter()
                .enumerate()
                .filter(|(_, k)| !**k)
                .map(|(i, _)| i)
                .collect();
            let history = history_mix(st, &self.config.sources[c.index].id)?;
            plans.push(Some(Plan { fresh, history }));
        }
        Ok(plans)
    }
}

/// A new item read: its decision (the first, or settled with its source's lean), what
/// that decision was weighed from, its dedup probe (a candidate of id 0 until stored,
/// its headline read once for every search) and its search words.
pub(super) struct Reading {
    decision: Decision,
    prepared: Prepared,
    probe: dedup::Probe,
    words: String,
}

/// Where pure work on a list runs: on every core ([`par_map`]), or on the calling
/// thread alone (reading ahead, while the other cores store).
#[derive(Clone, Copy)]
pub(super) enum Cores {
    All,
    One,
}

impl Cores {
    fn map<T: Sync, R: Send>(self, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
        match self {
            Cores::All => par_map(items, f),
            Cores::One => items.iter().map(f).collect(),
        }
    }
}

/// What the store knew of a source's items when its reading ahead began.
pub(super) struct Plan {
    /// Indices of the items it did not know.
    fresh: Vec<usize>,
    history: SourceMix,
}

/// A source's new items read ahead, with the inputs they were read from: used only if
/// the store says the same when the source is stored.
pub(super) struct ReadAhead {
    fresh: Vec<usize>,
    history: SourceMix,
    /// The first readings, and the decisions they settled to.
    first: Vec<Reading>,
    settled: Option<Vec<Decision>>,
}

/// Of `values` (one for each of `had`, both in ascending order of item), those of the
/// items in `wanted`; `None` if `wanted` has one that `had` has not.
fn kept_of<T>(had: &[usize], values: Vec<T>, wanted: &[usize]) -> Option<Vec<T>> {
    let mut kept = Vec::with_capacity(wanted.len());
    let mut wanted = wanted.iter().peekable();
    for (i, value) in had.iter().zip(values) {
        if wanted.peek() == Some(&i) {
            wanted.next();
            kept.push(value);
        }
    }
    wanted.peek().is_none().then_some(kept)
}

/// The readings with the decisions they settled to, if the second reading changed them.
fn with_decisions(first: Vec<Reading>, settled: Option<Vec<Decision>>) -> Vec<Reading> {
    let Some(settled) = settled else { return first };
    first
        .into_iter()
        .zip(settled)
        .map(|(r, decision)| Reading { decision, ..r })
        .collect()
}

impl Pipeline {
    /// The rank of a stored report, from its source's configured priority.
    pub(super) fn rank_of(&self, c: &Candidate) -> Rank {
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
    pub(super) fn run_of(&self, c: &Collected, now: DateTime<Utc>) -> SourceRun {
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

/// `f` of each of `items`, in order, on the cores' worker threads (on the calling
/// thread alone when there are few items or one core). The workers take the items a few
/// at a time as they finish, not a half each: items differ in cost (a template's report
/// is compared with 24 stories, an off-topic one with none), and a core is shared with
/// the reading of the next group.
///
/// The workers live as long as the process (rayon's pool): a cold run calls this for
/// most of its sources, and threads spawned per call each grew their own caches (every
/// regular expression's lazy DFA, the search's room, the allocator's) and handed them
/// to no one when they ended.
pub(super) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    /// Fewer items than this are not worth a thread.
    const PER_THREAD: usize = 8;
    /// Items a thread takes at a time.
    const TAKE: usize = 4;
    use rayon::prelude::*;
    // The pool's size, read without a system call: `available_parallelism` reads the
    // process's cgroup files, and this runs for every source.
    if rayon::current_num_threads().min(items.len() / PER_THREAD) <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    items.par_iter().with_min_len(TAKE).map(f).collect()
}

/// Whether a group's transaction gives each source a savepoint of its own.
#[derive(Debug, Clone, Copy)]
enum Savepoints {
    No,
    Each,
}

/// A source's items failed to store in a transaction without savepoints: the transaction
/// is rolled back and the group stored again with them.
#[derive(Debug)]
struct SourceFailed;

impl std::fmt::Display for SourceFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a source's items failed to store")
    }
}

impl std::error::Error for SourceFailed {}

/// The stories a run compares new reports with: those stored when it began, then its
/// own, and those other collectors on the same store add meanwhile (read before each
/// source is stored, so that two collectors merge a story as one run would).
pub(super) struct Known {
    /// Read from the store when the first source brings items.
    pub(super) index: Option<dedup::Index>,
    /// The largest item id read from the store.
    pub(super) after: i64,
    /// The largest id given to a row judged for the writer.
    pub(super) assigned: i64,
    pub(super) since: DateTime<Utc>,
    /// This run's lease holder name: a source's lease is given back with its items.
    pub(super) holder: String,
    /// Where the index keeps its stories' bytes (`dedup::Index::spill_to`).
    pub(super) spill: Option<std::path::PathBuf>,
    /// Where the storing thread's time went so far: it is the thread that uses `Known`.
    pub(super) spent: Spent,
}

/// Where the storing thread's time went in a collection, said at debug level when it
/// ends (`BANYUE_LOG=banyue=debug`): a cold run of a large web is bound by this one
/// thread, and these are the parts to weigh (docs/benchmarks.md, stop 43).
#[derive(Debug, Default)]
pub(super) struct Spent {
    /// Waiting for a source to finish, with none to store.
    pub(super) waiting: Duration,
    /// Waiting for the next group's reading ahead once this one was stored.
    pub(super) reading_ahead: Duration,
    /// The search among the stories stored before a source's batch, on every core.
    pub(super) search: Duration,
    /// Items searched again in order, since a story of their batch changed a count.
    pub(super) searched_again: usize,
    pub(super) search_again: Duration,
    /// The search among the stories of a source's batch itself.
    pub(super) search_own: Duration,
    /// Asking the store which items it holds already.
    pub(super) known: Duration,
    pub(super) insert: Duration,
    pub(super) commit: Duration,
    /// Waiting for the writer to write the group before.
    pub(super) writer_wait: Duration,
    /// The writer's own time.
    pub(super) writer: super::writer::WriteSpent,
}

/// `f()`, its time added to `slot`.
pub(super) fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

impl Known {
    /// Read the stories stored since `since`, once.
    pub(super) fn load(&mut self, st: &Store) -> anyhow::Result<()> {
        if self.index.is_some() {
            return Ok(());
        }
        // The largest id first: a story stored meanwhile is read again, not missed.
        let after = st.max_item_id()?;
        let mut index = dedup::Index::default();
        if let Some(dir) = &self.spill
            && let Err(e) = index.spill_to(dir)
        {
            tracing::warn!(
                "the near-duplicate index stays in memory: no spill file in {}: {e}",
                dir.display()
            );
        }
        st.each_candidate(self.since, |c| index.insert(c))?;
        for (a, b) in st.split_pairs()? {
            index.keep_apart(&a, &b);
        }
        self.after = after;
        self.index = Some(index);
        Ok(())
    }

    /// Forget what was judged for the writer and not written: the stories it added to the
    /// index, and the ids it counted on (the next group counts on the store's own).
    pub(super) fn forget_judged(&mut self) {
        self.index = None;
        self.assigned = 0;
    }

    /// Add the stories stored after the largest id read (`stored_after(after, since)`).
    pub(super) fn catch_up(
        &mut self,
        stored_after: impl FnOnce(i64, DateTime<Utc>) -> anyhow::Result<Vec<Candidate>>,
    ) -> anyhow::Result<()> {
        let Some(index) = self.index.as_mut() else {
            return Ok(());
        };
        for c in stored_after(self.after, self.since)? {
            self.after = self.after.max(c.id);
            if !index.contains(c.id) {
                index.insert(c);
            }
        }
        Ok(())
    }
}

pub(super) fn probe(r: &RawItem, source: &Source, now: DateTime<Utc>) -> Option<Item> {
    normalize::normalize(r.clone(), &source.id, &source.name, now)
}

pub(super) fn is_known(store: &Arc<Mutex<Store>>, item: &Item) -> bool {
    lock(store).ok().and_then(|st| st.is_known(item).ok()).unwrap_or(false)
}

impl Pipeline {
    /// What each source of `group` that brought items usually yields; `None` for the others.
    pub(super) fn mixes(&self, st: &Store, group: &[Collected]) -> anyhow::Result<Vec<Option<SourceMix>>> {
        group
            .iter()
            .map(|c| {
                let id = &self.config.sources[c.index].id;
                c.brings_items().then(|| history_mix(st, id)).transpose()
            })
            .collect()
    }
}

/// A source's mix of sections from its latest stored items.
pub(super) fn history_mix(store: &Store, source_id: &str) -> anyhow::Result<SourceMix> {
    let mut mix = SourceMix::default();
    for (section, n) in store.source_sections(source_id, 200)? {
        mix.add(&section, n);
    }
    Ok(mix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_whose_items_fail_to_store_fails_alone_in_its_group() {
        testing::a_refused_source_fails_alone(|pipeline, store, group, known, now| {
            let mut st = lock(store).expect("the store");
            let mut collected = group.collected;
            pipeline
                .store_group(&mut st, &mut collected, &NearDup::default(), known, now)
                .expect("the group stored");
            collected
        });
    }

    #[test]
    fn a_reading_ahead_is_kept_for_the_items_still_new() {
        let had = [0, 2, 3, 7];
        let values = || vec!["a", "c", "d", "h"];
        assert_eq!(kept_of(&had, values(), &[0, 2, 3, 7]), Some(values()));
        // Another source stored two of them meanwhile.
        assert_eq!(kept_of(&had, values(), &[2, 7]), Some(vec!["c", "h"]));
        assert_eq!(kept_of(&had, values(), &[]), Some(vec![]));
        // An item that was known then is new now: nothing read ahead is for it.
        assert_eq!(kept_of(&had, values(), &[1, 2]), None);
        assert_eq!(kept_of(&had, values(), &[7, 8]), None);
    }

    #[test]
    fn par_map_keeps_the_order_of_its_items() {
        for n in [0, 1, 7, 8, 16, 17, 100, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = par_map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{n} items");
        }
    }
}
