//! `banyue daemon`: every source on its own cron schedule (with jitter), never two
//! fetches of one source at once, feeds and draft refreshed after new items arrive, a
//! clean stop on SIGTERM/SIGINT. Fetching and storing go through the same
//! [`Pipeline::collect_sources`] as the one-shot `banyue run`.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use crate::pipeline::{Pipeline, SourceReport};
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
    let mut in_flight: HashSet<usize> = HashSet::new();
    let mut tasks: JoinSet<(Vec<usize>, anyhow::Result<Vec<SourceReport>>)> = JoinSet::new();
    tokio::pin!(shutdown);
    tracing::info!(sources = pipeline.config.sources.len(), "daemon started");
    loop {
        let now = Utc::now();
        let due: Vec<usize> = (0..plan.next.len())
            .filter(|i| plan.next[*i] <= now && !in_flight.contains(i))
            .collect();
        if !due.is_empty() {
            for i in &due {
                in_flight.insert(*i);
                // Parked until the fetch ends and reschedules it.
                plan.next[*i] = DateTime::<Utc>::MAX_UTC;
            }
            let (p, st) = (pipeline.clone(), store.clone());
            tasks.spawn(async move {
                let reports = p.collect_sources(&st, &due, Utc::now(), false, false, true).await;
                (due, reports)
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
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                finish(&pipeline, &store, &mut plan, &mut in_flight, done)?;
            }
        }
    }
    tracing::info!(
        in_flight = in_flight.len(),
        "stopping: letting fetches in flight finish"
    );
    while let Some(done) = tasks.join_next().await {
        finish(&pipeline, &store, &mut plan, &mut in_flight, done)?;
    }
    tracing::info!("daemon stopped");
    Ok(())
}

type Done = Result<(Vec<usize>, anyhow::Result<Vec<SourceReport>>), tokio::task::JoinError>;

fn finish(
    pipeline: &Pipeline,
    store: &Arc<Mutex<Store>>,
    plan: &mut Plan,
    in_flight: &mut HashSet<usize>,
    done: Done,
) -> anyhow::Result<()> {
    let (indices, reports) = done?;
    let now = Utc::now();
    for i in &indices {
        in_flight.remove(i);
        plan.reschedule(pipeline, *i, now);
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
