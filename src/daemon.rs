//! `banyue daemon`: every source on its own cron schedule (with jitter), never two
//! fetches of one source at once, feeds and draft refreshed after new items arrive, a
//! clean stop on SIGTERM/SIGINT. Fetching and storing go through the same
//! [`Pipeline::collect_sources`] as the one-shot `banyue run`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use crate::pipeline::{Pipeline, Progress, SourceReport};
use crate::store::Store;

/// How often queued alerts are sent.
const ALERTS_EVERY: Duration = Duration::from_secs(10);

/// A random delay in `0..=max_secs`.
fn jitter(max_secs: u64) -> chrono::Duration {
    if max_secs == 0 {
        return chrono::Duration::zero();
    }
    let r = std::collections::hash_map::RandomState::new().build_hasher().finish();
    chrono::Duration::milliseconds((r % (max_secs * 1000 + 1)) as i64)
}

/// When each source is next due.
pub struct Plan {
    pub next: Vec<DateTime<Utc>>,
}

impl Plan {
    /// Sources that never ran, or missed a scheduled time while banyue was down, are
    /// due at once; the others at their next scheduled time.
    pub fn new(pipeline: &Pipeline, store: &Store, now: DateTime<Utc>) -> anyhow::Result<Plan> {
        let s = &pipeline.config.settings;
        let mut next = Vec::new();
        for src in &pipeline.config.sources {
            let schedule = src.schedule.as_ref().unwrap_or(&s.schedule);
            let last = store.source_state(&src.id)?.and_then(|st| st.last_attempt);
            let due = match last.and_then(|l| schedule.after(&l).next()) {
                Some(t) if t > now => t + jitter(s.jitter_secs),
                _ => now,
            };
            next.push(due);
        }
        Ok(Plan { next })
    }

    /// Schedule source `i` after a fetch that ended at `now`.
    pub fn reschedule(&mut self, pipeline: &Pipeline, i: usize, now: DateTime<Utc>) {
        let s = &pipeline.config.settings;
        let schedule = pipeline.config.sources[i].schedule.as_ref().unwrap_or(&s.schedule);
        let at = schedule.after(&now).next().unwrap_or(now + chrono::Duration::hours(1));
        self.next[i] = at + jitter(s.jitter_secs);
    }

    /// Source `i` told done (its items stored) at `now`: scheduled again, when a fetch
    /// still held it.
    fn done(&mut self, pipeline: &Pipeline, in_flight: &mut InFlight, i: usize, now: DateTime<Utc>) {
        if in_flight.end(i) {
            self.reschedule(pipeline, i, now);
        }
    }
}

/// Run until `shutdown` resolves; then let fetches in flight finish their writes.
pub async fn run(pipeline: Arc<Pipeline>, shutdown: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let store = Arc::new(Mutex::new(pipeline.open_store()?));
    crate::alert::send::keep_delivering(&pipeline.config, ALERTS_EVERY)?;
    let mut plan = {
        let st = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        Plan::new(&pipeline, &st, Utc::now())?
    };
    // The model learns its seeds before the first tick, not inside the first fetch's
    // storing, where every source that fetch took would wait for it past its next turn.
    let learner = pipeline.clone();
    tokio::task::spawn_blocking(move || {
        learner.classifier();
    })
    .await
    .map_err(|e| anyhow::anyhow!("building the classifier: {e}"))?;
    // Which fetch holds each source in flight: a source is scheduled again as soon as
    // its own items are stored (`done`), not when the slowest source fetched with it is.
    let mut in_flight = InFlight::default();
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let mut tasks: JoinSet<(u64, Vec<usize>, anyhow::Result<Vec<SourceReport>>)> = JoinSet::new();
    tokio::pin!(shutdown);
    tracing::info!(sources = pipeline.config.sources.len(), "daemon started");
    loop {
        let now = Utc::now();
        let due: Vec<usize> = (0..plan.next.len())
            .filter(|i| plan.next[*i] <= now && !in_flight.holds(*i))
            .collect();
        if !due.is_empty() {
            let fetch = in_flight.start(&due);
            for i in &due {
                // Parked until its items are stored and it is scheduled again.
                plan.next[*i] = DateTime::<Utc>::MAX_UTC;
            }
            let (p, st) = (pipeline.clone(), store.clone());
            let progress = Progress {
                line: false,
                finished: Some(done_tx.clone()),
            };
            tasks.spawn(async move {
                let reports = p.collect_sources(&st, &due, Utc::now(), false, &progress, true).await;
                (fetch, due, reports)
            });
        }
        let wake = plan
            .next
            .iter()
            .min()
            .copied()
            .unwrap_or(now + chrono::Duration::hours(1));
        let sleep = (wake - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(Duration::from_secs(3600));
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(sleep) => {}
            Some(i) = done.recv() => plan.done(&pipeline, &mut in_flight, i, Utc::now()),
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                finish(&pipeline, &store, &mut plan, &mut in_flight, &mut done, joined)?;
            }
        }
    }
    tracing::info!(
        in_flight = in_flight.holder.len(),
        "stopping: letting fetches in flight finish"
    );
    while let Some(joined) = tasks.join_next().await {
        finish(&pipeline, &store, &mut plan, &mut in_flight, &mut done, joined)?;
    }
    tracing::info!("daemon stopped");
    Ok(())
}

/// The sources each fetch in flight holds.
#[derive(Default)]
struct InFlight {
    holder: HashMap<usize, u64>,
    fetches: u64,
}

impl InFlight {
    fn holds(&self, source: usize) -> bool {
        self.holder.contains_key(&source)
    }

    /// A new fetch of `sources`; its number.
    fn start(&mut self, sources: &[usize]) -> u64 {
        self.fetches += 1;
        for &i in sources {
            self.holder.insert(i, self.fetches);
        }
        self.fetches
    }

    /// Source `i` is done; whether it was in flight.
    fn end(&mut self, i: usize) -> bool {
        self.holder.remove(&i).is_some()
    }

    /// Fetch `fetch` is over: the sources it still holds (none told they were done,
    /// as when it failed), now free.
    fn end_fetch(&mut self, fetch: u64, sources: &[usize]) -> Vec<usize> {
        let freed: Vec<usize> = sources
            .iter()
            .copied()
            .filter(|i| self.holder.get(i) == Some(&fetch))
            .collect();
        for i in &freed {
            self.holder.remove(i);
        }
        freed
    }
}

type Joined = Result<(u64, Vec<usize>, anyhow::Result<Vec<SourceReport>>), tokio::task::JoinError>;

fn finish(
    pipeline: &Pipeline,
    store: &Arc<Mutex<Store>>,
    plan: &mut Plan,
    in_flight: &mut InFlight,
    done: &mut tokio::sync::mpsc::UnboundedReceiver<usize>,
    joined: Joined,
) -> anyhow::Result<()> {
    let (fetch, indices, reports) = joined?;
    let now = Utc::now();
    // Every source this fetch told done was sent before it ended: taken first, so that
    // none is read later as the word of a newer fetch of the same source.
    while let Ok(i) = done.try_recv() {
        plan.done(pipeline, in_flight, i, now);
    }
    for i in in_flight.end_fetch(fetch, &indices) {
        plan.reschedule(pipeline, i, now);
    }
    let reports = reports?;
    let mut new = 0;
    for r in &reports {
        match (&r.error, &r.skipped) {
            (Some(e), _) => tracing::warn!(source = %r.id, error = %e, "fetch failed"),
            (None, Some(why)) => tracing::info!(source = %r.id, %why, "skipped"),
            _ => tracing::info!(source = %r.id, new = r.new, seen = r.seen, not_modified = r.not_modified, "fetched"),
        }
        new += r.new;
    }
    if new > 0 {
        let mut st = store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        let out = pipeline.publish_and_draft(&mut st, now, None, false)?;
        tracing::info!(
            new,
            feeds_changed = out.published.written,
            draft = %out.draft.html.display(),
            items = out.draft_items,
            unchanged = out.unchanged,
            "published"
        );
    }
    // What the turn freed (bodies, readings, the index, the draft) stays in the allocator's
    // arenas otherwise, and the daemon would sleep at its busiest turn's size.
    crate::heap::give_back_freed();
    Ok(())
}
