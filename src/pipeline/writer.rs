//! A group's rows written on a thread of its own while the storing thread judges the
//! next group: on SQLite in a file, the inserts and the commit (a fifth of the storing
//! thread's time on a cold run) leave the thread that bounds the run.
//!
//! The storing thread judges a group against the stories it knows (its own index, the
//! store's committed rows read on a second connection, and the keys of the rows it
//! judged and has not seen written) and gives each new row the id SQLite would give it:
//! the store's largest id, counted on. The writer takes the store's write lock, checks
//! that the largest id is still the one the judging counted on (another collector's
//! commit in between would have gone unseen), and writes the rows in order. A group the
//! writer could not write, and the group judged meanwhile, are stored again the usual
//! way ([`Pipeline::store_group`]), from their reports as fetched.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::*;
use crate::store::Batch;

/// Where a source's judged rows go: a batch that holds the store's write lock (written
/// at once), or a group's record for the writer thread.
pub(super) trait Rows {
    /// Which of `items` the store, or a row judged before, holds (its guid in its
    /// source, or its link).
    fn known(&mut self, items: &[Item]) -> anyhow::Result<Vec<bool>>;
    /// Insert `new`, item `at` of its source: its id, or `None` if known after all.
    fn insert(&mut self, at: usize, new: NewItem) -> anyhow::Result<Option<i64>>;
    /// Make `new` the representative of the story `old` represented.
    fn promote(&mut self, new: i64, old: i64, why: &str) -> anyhow::Result<()>;
}

impl Rows for &Batch<'_> {
    fn known(&mut self, items: &[Item]) -> anyhow::Result<Vec<bool>> {
        Batch::known_among(self, items)
    }

    fn insert(&mut self, _at: usize, new: NewItem) -> anyhow::Result<Option<i64>> {
        Batch::insert(self, &new)
    }

    fn promote(&mut self, new: i64, old: i64, why: &str) -> anyhow::Result<()> {
        Batch::promote(self, new, old, why)
    }
}

/// The unique keys of rows judged and not yet seen written: what the store will hold.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// Each source's guids: looked up by the item's own strings, nothing built for it.
    guids: HashMap<String, HashSet<String>>,
    urls: HashSet<String>,
}

impl Pending {
    fn holds(&self, item: &Item) -> bool {
        // Compared as the store's unique indexes compare them: (source, guid), and the link.
        self.guids.get(&item.source_id).is_some_and(|g| g.contains(&item.guid))
            || item.url.as_ref().is_some_and(|u| self.urls.contains(u))
    }

    fn add(&mut self, item: &Item) {
        self.guids
            .entry(item.source_id.clone())
            .or_default()
            .insert(item.guid.clone());
        if let Some(u) = &item.url {
            self.urls.insert(u.clone());
        }
    }
}

/// A row to write.
enum Op {
    Insert {
        /// The item's place among its source's items.
        at: usize,
        id: i64,
        decision: Box<Decision>,
        signature: dedup::Signature,
        duplicate_of: Option<(i64, String)>,
        words: Option<String>,
    },
    Promote {
        new: i64,
        old: i64,
        why: String,
    },
}

/// A source's rows judged for the writer: the ids counted on from `last`.
pub(super) struct Recorder<'a> {
    pub(super) reader: &'a Store,
    /// The keys of the group being written meanwhile.
    pub(super) earlier: Option<&'a Pending>,
    /// This group's keys.
    pub(super) own: &'a mut Pending,
    pub(super) last: &'a mut i64,
    ops: Vec<Op>,
}

impl<'a> Recorder<'a> {
    pub(super) fn new(
        reader: &'a Store,
        earlier: Option<&'a Pending>,
        own: &'a mut Pending,
        last: &'a mut i64,
    ) -> Recorder<'a> {
        Recorder {
            reader,
            earlier,
            own,
            last,
            ops: Vec::new(),
        }
    }

    fn held(&self, item: &Item) -> bool {
        self.own.holds(item) || self.earlier.is_some_and(|p| p.holds(item))
    }
}

impl Rows for Recorder<'_> {
    fn known(&mut self, items: &[Item]) -> anyhow::Result<Vec<bool>> {
        let stored = self.reader.known_among(items)?;
        Ok(items
            .iter()
            .zip(stored)
            .map(|(i, stored)| self.held(i) || stored)
            .collect())
    }

    fn insert(&mut self, at: usize, new: NewItem) -> anyhow::Result<Option<i64>> {
        // The same guid or link twice in one feed: the second is known, as the store's
        // insert would find it.
        if self.held(new.item) {
            return Ok(None);
        }
        self.own.add(new.item);
        *self.last += 1;
        let id = *self.last;
        self.ops.push(Op::Insert {
            at,
            id,
            decision: Box::new(new.decision.clone()),
            signature: new.signature,
            duplicate_of: new.duplicate_of,
            words: new.words,
        });
        Ok(Some(id))
    }

    fn promote(&mut self, new: i64, old: i64, why: &str) -> anyhow::Result<()> {
        self.ops.push(Op::Promote {
            new,
            old,
            why: why.to_string(),
        });
        Ok(())
    }
}

/// What the writer writes of one source: its rows and its run.
pub(super) struct Written {
    id: String,
    name: String,
    run: SourceRun,
    ops: Vec<Op>,
}

impl Written {
    pub(super) fn new(source: &Source, run: SourceRun, rows: Option<Recorder>) -> Written {
        Written {
            id: source.id.clone(),
            name: source.name.clone(),
            run,
            ops: rows.map(|r| r.ops).unwrap_or_default(),
        }
    }
}

/// A judged group, for the writer.
pub(super) struct Job {
    pub(super) group: Group,
    /// Each source's report as fetched: a group the writer could not write is judged
    /// again from them.
    pub(super) reports: Vec<SourceReport>,
    /// One for each source of the group; `None` for a source that was not fetched.
    pub(super) writes: Vec<Option<Written>>,
    /// The store's largest id the judging counted on.
    pub(super) base: i64,
    pub(super) holder: String,
    pub(super) now: DateTime<Utc>,
}

impl Job {
    /// The group with its reports as fetched, to be stored again.
    pub(super) fn undone(self) -> Group {
        restored(self.group, self.reports)
    }
}

/// `group` with these reports, as fetched.
fn restored(mut group: Group, reports: Vec<SourceReport>) -> Group {
    for (c, report) in group.collected.iter_mut().zip(reports) {
        c.report = report;
    }
    group
}

/// A group judged: each source's rows, the store's largest id counted on, and the keys
/// of its rows.
pub(super) struct Judged {
    writes: Vec<Option<Written>>,
    base: i64,
    keys: Pending,
}

impl Judged {
    /// The writer's job for `group` (whose reports as fetched were `reports`), and the
    /// keys of its rows, known until it is written.
    pub(super) fn into_job(
        self,
        group: Group,
        reports: Vec<SourceReport>,
        known: &Known,
        now: DateTime<Utc>,
    ) -> (Job, Pending) {
        let job = Job {
            group,
            reports,
            writes: self.writes,
            base: self.base,
            holder: known.holder.clone(),
            now,
        };
        (job, self.keys)
    }
}

/// Where the writer's time went.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct WriteSpent {
    pub(super) insert: Duration,
    pub(super) commit: Duration,
}

/// The thread that writes judged groups, one at a time, in order.
pub(super) struct Writer {
    jobs: Option<mpsc::SyncSender<Job>>,
    done: mpsc::Receiver<(Job, anyhow::Result<WriteSpent>)>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(store: Arc<Mutex<Store>>) -> anyhow::Result<Writer> {
        // One group written while the next is judged: no more is ever sent.
        let (jobs, todo) = mpsc::sync_channel::<Job>(1);
        let (finished, done) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                for mut job in todo {
                    let written = write(&store, &mut job);
                    if finished.send((job, written)).is_err() {
                        return;
                    }
                }
            })
            .context("starting the writer thread")?;
        Ok(Writer {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
        })
    }

    /// Give the writer a job; the job back if it is gone.
    pub(super) fn send(&self, job: Job) -> Result<(), Box<Job>> {
        match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|mpsc::SendError(job)| Box::new(job)),
            None => Err(Box::new(job)),
        }
    }

    /// The job sent last, once written or not.
    pub(super) fn finished(&self) -> anyhow::Result<(Job, anyhow::Result<WriteSpent>)> {
        self.done
            .recv()
            .map_err(|_| anyhow::anyhow!("the writer thread ended with a group unwritten"))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the writer thread panicked");
        }
    }
}

/// Write a judged group in one transaction: nothing of it if the store is not as the
/// judging counted on, or should any row fail.
fn write(store: &Arc<Mutex<Store>>, job: &mut Job) -> anyhow::Result<WriteSpent> {
    let mut spent = WriteSpent::default();
    let mut st = lock(store)?;
    let batch = st.begin()?;
    let largest = batch.max_item_id()?;
    anyhow::ensure!(
        largest == job.base,
        "the store's largest id is {largest}, not the {} its group was judged on (another collector wrote meanwhile)",
        job.base
    );
    let start = std::time::Instant::now();
    for (c, written) in job.group.collected.iter().zip(job.writes.iter_mut()) {
        let Some(written) = written else { continue };
        for op in written.ops.iter_mut() {
            match op {
                Op::Insert {
                    at,
                    id,
                    decision,
                    signature,
                    duplicate_of,
                    words,
                } => {
                    let item = c
                        .items
                        .get(*at)
                        .with_context(|| format!("no item {at} in {}", written.id))?;
                    let new = NewItem {
                        item,
                        decision,
                        signature: *signature,
                        duplicate_of: duplicate_of.take(),
                        words: words.take(),
                    };
                    batch.insert_as(*id, &new)?;
                }
                Op::Promote { new, old, why } => batch.promote(*new, *old, why)?,
            }
        }
        batch.record_done(&written.id, &written.name, &written.run, job.now, &job.holder)?;
    }
    spent.insert = start.elapsed();
    timed(&mut spent.commit, || batch.commit())?;
    Ok(spent)
}

/// A run's way of storing on SQLite in a file: the committed rows read on a connection
/// of their own, the rows written on the writer's thread.
pub(super) struct Line {
    pub(super) reader: Store,
    pub(super) writer: Writer,
    /// The keys of the group the writer has, until it says how that went.
    pub(super) in_flight: Option<Pending>,
}

impl Line {
    /// A line for `store`, if it is SQLite in a file and the thread starts.
    pub(super) fn start(store: &Arc<Mutex<Store>>) -> Option<Line> {
        let reader = match lock(store).and_then(|st| st.reader()) {
            Ok(Some(reader)) => reader,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!("groups are written on the storing thread: no second connection: {e:#}");
                return None;
            }
        };
        match Writer::start(store.clone()) {
            Ok(writer) => Some(Line {
                reader,
                writer,
                in_flight: None,
            }),
            Err(e) => {
                tracing::warn!("groups are written on the storing thread: {e:#}");
                None
            }
        }
    }
}

impl Pipeline {
    /// Store a group: judged here and given to the writer, the group given before
    /// returned once it is written (on a `line`); else stored here at once. A group the
    /// writer could not write, and one that could not be judged, are stored here again.
    pub(super) fn store_judged(
        &self,
        store: &Arc<Mutex<Store>>,
        mut group: Group,
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
        line: Option<&mut Line>,
    ) -> anyhow::Result<Vec<Collected>> {
        let Some(line) = line else {
            return self.store_and_record(store, group, near, known, now);
        };
        // A group that brings no items (every answer a 304) has only its runs to record:
        // handing it to the writer would cost more than it spares.
        if !group.collected.iter().any(Collected::brings_items) {
            let (mut done, _) = self.written(store, line, near, known, now)?;
            done.extend(self.store_and_record(store, group, near, known, now)?);
            return Ok(done);
        }
        let reports: Vec<SourceReport> = group.collected.iter().map(|c| c.report.clone()).collect();
        let judged = self.judge_group(line, &mut group.collected, near, known, now);
        let (mut done, written) = self.written(store, line, near, known, now)?;
        let (job, keys) = match judged {
            Ok(judged) if written => judged.into_job(group, reports, known, now),
            Ok(_) | Err(_) => {
                if let Err(e) = judged {
                    tracing::debug!("a group not judged ahead ({e:#}): stored on the storing thread");
                }
                known.forget_judged();
                let undone = restored(group, reports);
                done.extend(self.store_and_record(store, undone, near, known, now)?);
                return Ok(done);
            }
        };
        match line.writer.send(job) {
            Ok(()) => line.in_flight = Some(keys),
            Err(job) => {
                known.forget_judged();
                done.extend(self.store_and_record(store, job.undone(), near, known, now)?);
            }
        }
        Ok(done)
    }

    /// The group the writer has, once written: `true` with it if it was, or stored here
    /// again (`false`: whatever was judged after it counted on it).
    pub(super) fn written(
        &self,
        store: &Arc<Mutex<Store>>,
        line: &mut Line,
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(Vec<Collected>, bool)> {
        if line.in_flight.take().is_none() {
            return Ok((Vec::new(), true));
        }
        let (job, result) = timed(&mut known.spent.writer_wait, || line.writer.finished())?;
        match result {
            Ok(spent) => {
                known.spent.writer.insert += spent.insert;
                known.spent.writer.commit += spent.commit;
                let Group { mut collected, permits } = job.group;
                drop(permits);
                for c in &mut collected {
                    drop(c.parse_slot.take());
                }
                Ok((collected, true))
            }
            Err(e) => {
                tracing::debug!("a group judged ahead is stored again: {e:#}");
                known.forget_judged();
                let done = self.store_and_record(store, job.undone(), near, known, now)?;
                Ok((done, false))
            }
        }
    }

    /// Judge a group's items for the writer: as [`Pipeline::store_group`] does, against
    /// what the store has committed and the rows the writer has not yet written; each
    /// source's rows, and the store's largest id counted on.
    fn judge_group(
        &self,
        line: &mut Line,
        group: &mut [Collected],
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Judged> {
        let reader = &line.reader;
        let mixes = self.mixes(reader, group)?;
        if mixes.iter().any(Option::is_some) {
            known.load(reader)?;
        }
        // The largest id first, then the stories up to it: one committed after is
        // caught by the writer's check.
        let base = reader.max_item_id()?.max(known.assigned);
        known.catch_up(|after, since| reader.candidates_after(after, since))?;
        let mut last = base;
        let mut own = Pending::default();
        let mut writes = Vec::with_capacity(group.len());
        for (c, mix) in group.iter_mut().zip(mixes) {
            if c.report.skipped.is_some() {
                writes.push(None);
                continue;
            }
            let source = &self.config.sources[c.index];
            let rows = match mix {
                Some(mix) => {
                    let mut rows = Recorder::new(reader, line.in_flight.as_ref(), &mut own, &mut last);
                    self.store_items(&mut rows, source, c, mix, near, known, now)?;
                    Some(rows)
                }
                None => None,
            };
            let run = self.run_of(c, now);
            writes.push(Some(Written::new(source, run, rows)));
        }
        known.assigned = last;
        known.after = known.after.max(last);
        Ok(Judged {
            writes,
            base,
            keys: own,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_group_the_writer_cannot_write_is_stored_again_and_a_refused_source_fails_alone() {
        testing::a_refused_source_fails_alone(|pipeline, store, group, known, now| {
            let near = NearDup::default();
            let mut line = Line::start(store).expect("a line on SQLite in a file");
            let sent = pipeline
                .store_judged(store, group, &near, known, now, Some(&mut line))
                .expect("the group judged");
            assert!(sent.is_empty(), "nothing was given to the writer before");
            let (done, written) = pipeline
                .written(store, &mut line, &near, known, now)
                .expect("the group stored");
            assert!(!written, "the writer wrote a group with a refused row");
            done
        });
    }

    #[test]
    fn after_a_group_is_stored_again_the_next_is_written_by_the_writer() {
        let testing::Stored {
            dir: _dir,
            pipeline,
            db,
            store,
        } = testing::stored(&["refused", "good", "later"]);
        testing::refuse(&db, "refused");
        let near = NearDup::default();
        let now = Utc::now();
        let mut line = Line::start(&store).expect("a line on SQLite in a file");
        let mut known = testing::known(now);
        let group = |i: usize, titles: &[&str]| collect::Group {
            collected: vec![testing::collected(
                &pipeline,
                i,
                &titles.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                now,
            )],
            permits: Vec::new(),
        };
        // The refused group fails with the writer while the good one is judged: both are
        // stored again here, and the ids the good one counted on are no longer the store's.
        for g in [
            group(0, &["南京软件谷第一批项目签约", "南京软件谷第二批项目签约"]),
            group(1, &["杭州数据交易所上线", "合肥量子计算中心启用"]),
            group(2, &["成都天府软件园举办工业软件对接会"]),
        ] {
            pipeline
                .store_judged(&store, g, &near, &mut known, now, Some(&mut line))
                .expect("a group stored");
        }
        let (_, written) = pipeline
            .written(&store, &mut line, &near, &mut known, now)
            .expect("the last group written");
        assert!(written, "the writer refused every group after the failed one");
        let count: i64 = lock(&store).and_then(|st| st.count_items()).expect("a count");
        assert_eq!(count, 3);
    }

    #[test]
    fn a_group_judged_before_another_collector_wrote_is_judged_again() {
        let testing::Stored {
            dir: _dir,
            pipeline,
            db,
            store,
        } = testing::stored(&["ours", "theirs"]);
        let near = NearDup::default();
        let now = Utc::now();
        let story = "南京市发布《软件和信息服务业高质量发展三年行动计划》".to_string();
        let ours = vec![story.clone(), "苏州工业园区人工智能产业创新中心揭牌".to_string()];
        let mut group = collect::Group {
            collected: vec![testing::collected(&pipeline, 0, &ours, now)],
            permits: Vec::new(),
        };
        let reports = group.collected.iter().map(|c| c.report.clone()).collect();
        let mut line = Line::start(&store).expect("a line on SQLite in a file");
        let mut known = testing::known(now);
        let judged = pipeline
            .judge_group(&mut line, &mut group.collected, &near, &mut known, now)
            .expect("the group judged");
        assert_eq!(judged.base, 0);
        // Another collector stores the same story, with the id the judging counted on.
        {
            let mut st = Store::open(&db).expect("a second store");
            let mut theirs = vec![testing::collected(&pipeline, 1, std::slice::from_ref(&story), now)];
            pipeline
                .store_group(&mut st, &mut theirs, &near, &mut testing::known(now), now)
                .expect("their group stored");
        }
        let (mut job, keys) = judged.into_job(group, reports, &known, now);
        let refused = write(&store, &mut job).expect_err("the writer checks the largest id");
        assert!(refused.to_string().contains("another collector"), "{refused:#}");
        assert!(line.writer.send(job).is_ok());
        line.in_flight = Some(keys);
        let (done, written) = pipeline
            .written(&store, &mut line, &near, &mut known, now)
            .expect("the group stored again");
        assert!(!written, "the writer wrote over another collector's rows");
        assert_eq!(done[0].report.new, 2, "{:?}", done[0].report);
        assert_eq!(done[0].report.merged, 1, "{:?}", done[0].report);
        let conn = rusqlite::Connection::open(&db).expect("the store");
        let rows: Vec<(i64, String, Option<i64>)> = conn
            .prepare("SELECT id, source_id, duplicate_of FROM items ORDER BY id")
            .and_then(|mut q| {
                q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()
            })
            .expect("the rows");
        // Their report first; ours of the same story merged into it, as one run would.
        assert_eq!(
            rows,
            [
                (1, "theirs".to_string(), None),
                (2, "ours".to_string(), Some(1)),
                (3, "ours".to_string(), None)
            ]
        );
    }

    #[test]
    fn rows_judged_ahead_know_the_links_and_guids_not_yet_written() {
        let testing::Stored {
            dir: _dir,
            pipeline,
            db: _,
            store,
        } = testing::stored(&["a", "b"]);
        let near = NearDup::default();
        let now = Utc::now();
        let mut line = Line::start(&store).expect("a line on SQLite in a file");
        let mut known = testing::known(now);
        let mut a = testing::collected(&pipeline, 0, &["杭州数据交易所上线".to_string()], now);
        // Twice the same guid in one feed, and b's link the same as a's.
        a.items.push(a.items[0].clone());
        let mut b = testing::collected(&pipeline, 1, &["合肥量子计算中心启用".to_string()], now);
        b.items[0].url = a.items[0].url.clone();
        let mut reports = Vec::new();
        for c in [a, b] {
            let mut group = collect::Group {
                collected: vec![c],
                permits: Vec::new(),
            };
            let before = vec![group.collected[0].report.clone()];
            // b is judged while a is with the writer.
            let judged = pipeline
                .judge_group(&mut line, &mut group.collected, &near, &mut known, now)
                .expect("a group judged");
            let report = &group.collected[0].report;
            reports.push((report.new, report.seen));
            let (_, written) = pipeline
                .written(&store, &mut line, &near, &mut known, now)
                .expect("the group before written");
            assert!(written, "a group judged ahead was written again");
            let (job, keys) = judged.into_job(group, before, &known, now);
            assert!(line.writer.send(job).is_ok());
            line.in_flight = Some(keys);
        }
        let (_, written) = pipeline
            .written(&store, &mut line, &near, &mut known, now)
            .expect("the last group written");
        assert!(written, "a group judged ahead was written again");
        assert_eq!(reports, [(1, 1), (0, 1)]);
        let count: i64 = lock(&store).and_then(|st| st.count_items()).expect("a count");
        assert_eq!(count, 1);
    }
}
