//! Collecting: lease the due sources, fetch, extract and normalize each (bounded
//! concurrency), and hand each source's items to the storing stage as it finishes.

use super::*;

impl Pipeline {
    /// Fetch the sources at `indices` (bounded concurrency) and store what they bring as
    /// they finish: those that finished while the store was busy in one transaction, a
    /// savepoint each. `scheduled`: the daemon's call, for
    /// sources due by their schedule (one another collector fetched since its last
    /// scheduled time is not due any more).
    pub async fn collect_sources(
        &self,
        store: &Arc<Mutex<Store>>,
        indices: &[usize],
        now: DateTime<Utc>,
        force: bool,
        progress: &Progress,
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
            assigned: 0,
            spill: Some(self.config.settings.data_dir.clone()),
            spent: Spent::default(),
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
    pub(super) async fn collect_leased(
        &self,
        store: &Arc<Mutex<Store>>,
        indices: &[usize],
        lease: &Lease,
        now: DateTime<Utc>,
        force: bool,
        progress: &Progress,
        near: &NearDup,
        known: &mut Known,
    ) -> anyhow::Result<Vec<SourceReport>> {
        let concurrency = self.config.settings.concurrency;
        let limit = Arc::new(Semaphore::new(concurrency));
        let ahead = Arc::new(LeaseAhead::new(
            lease.clone(),
            indices.iter().map(|&i| self.config.sources[i].clone()).collect(),
            LEASE_CHUNK.min(concurrency),
        ));
        let mut tasks = JoinSet::new();
        let ctx = Arc::new(Ctx {
            fetcher: self.fetcher.clone(),
            store: store.clone(),
            settings: self.config.settings.clone(),
            parsing: Arc::new(Semaphore::new(PARSED_AHEAD.min(concurrency))),
            reading: Arc::new(Semaphore::new(readers())),
        });
        // A source's task is spawned only when it has a slot: a task waiting for one is a
        // future of about 3 KB, and a run of 2,000 sources held 6 MB of them before its
        // first fetch. Slots come back only when this loop stores a group, so it tops
        // them up then.
        let mut next = 0;
        let mut spawn_ready = |tasks: &mut JoinSet<(Collected, OwnedSemaphorePermit)>| {
            while next < indices.len() {
                let Ok(permit) = limit.clone().try_acquire_owned() else {
                    break;
                };
                let (position, index) = (next, indices[next]);
                next += 1;
                let source = self.config.sources[index].clone();
                let ctx = ctx.clone();
                let ahead = ahead.clone();
                tasks.spawn(async move {
                    // The slot is held until the source's items are stored, not just
                    // fetched: fetches run ahead of the store by at most `concurrency`
                    // sources, so a run's memory is bounded by what waits to be stored,
                    // not by the whole web.
                    //
                    // The source's state is read once it is leased: another collector
                    // may have just recorded a failure and its backoff. Taken with the
                    // next sources' when not taken yet, off the async workers: the store
                    // is busy while a source is stored, and a worker waiting for it
                    // would hold up the fetches in flight.
                    let taken = ahead.take(&ctx, position).await;
                    let collected = match taken {
                        Ok(Ok(Ok(state))) => collect(&ctx, &source, state, now, force, index).await,
                        Ok(Ok(Err(why)) | Err(why)) => skipped(&source, index, why),
                        Err(e) => skipped(&source, index, format!("taking its lease: {e}")),
                    };
                    (collected, permit)
                });
            }
        };
        // The log copied back into the database beside the storing thread, not on it, and
        // each source's savepoint journaled in memory.
        let bulk = lock(store)?.bulk_writes();
        let progress = Progress {
            line: progress.line && std::io::stderr().is_terminal(),
            finished: progress.finished.clone(),
        };
        let total = indices.len();
        let mut reports: Vec<(usize, SourceReport)> = Vec::with_capacity(total);
        // Three groups in flight: while one is judged (its search on this thread and
        // every core), the one before is written on the writer's thread (SQLite in a
        // file, `writer`) and the next one's new items are read on another thread. A
        // group with none behind it is stored at once.
        let mut pending: Option<Group> = None;
        let mut line = Line::start(store);
        // The store's usual settings come back however the storing ends.
        let stored: anyhow::Result<()> = async {
            loop {
                spawn_ready(&mut tasks);
                let joined = match tasks.try_join_next() {
                    Some(joined) => joined,
                    None => {
                        if let Some(group) = pending.take() {
                            let done = self.store_judged(store, group, near, known, now, line.as_mut())?;
                            self.reported(done, &mut reports, &progress, total);
                            continue;
                        }
                        // The group with the writer holds its slots until it is written:
                        // with every slot its own, no source would be fetched again.
                        if let Some(line) = line.as_mut().filter(|l| l.in_flight.is_some()) {
                            let (done, _) = self.written(store, line, near, known, now)?;
                            self.reported(done, &mut reports, &progress, total);
                            continue;
                        }
                        let start = std::time::Instant::now();
                        let joined = tasks.join_next().await;
                        known.spent.waiting += start.elapsed();
                        match joined {
                            Some(joined) => joined,
                            None => break,
                        }
                    }
                };
                // The sources that finished while the last group was stored go in together.
                let mut group = vec![joined.context("a source task panicked")?];
                while group.len() < GROUP
                    && let Some(joined) = tasks.try_join_next()
                {
                    group.push(joined.context("a source task panicked")?);
                }
                let (mut collected, permits): (Vec<Collected>, Vec<_>) = group.into_iter().unzip();
                // Read on the line's own connection: the writer may hold the store.
                let plans = match &line {
                    Some(line) => self.plan(&line.reader, &collected),
                    None => self.plan(&*lock(store)?, &collected),
                };
                let start = std::time::Instant::now();
                let mut stored_in = std::time::Duration::ZERO;
                // The reading ahead runs on a worker of the cores' pool (see
                // `storing::par_map`), not on a thread of its own for each group.
                let stored = rayon::in_place_scope(|scope| {
                    // A plan the store could not read leaves the group to be read as it is
                    // stored.
                    if let Ok(plans) = plans {
                        let ahead = &mut collected;
                        scope.spawn(move |_| self.read_ahead(ahead, plans, now));
                    }
                    let group = pending.take()?;
                    Some(timed(&mut stored_in, || {
                        self.store_judged(store, group, near, known, now, line.as_mut())
                    }))
                });
                known.spent.reading_ahead += start.elapsed().saturating_sub(stored_in);
                if let Some(stored) = stored {
                    self.reported(stored?, &mut reports, &progress, total);
                }
                pending = Some(Group { collected, permits });
            }
            // The last group judged, once written.
            if let Some(line) = line.as_mut() {
                let (done, _) = self.written(store, line, near, known, now)?;
                self.reported(done, &mut reports, &progress, total);
            }
            Ok(())
        }
        .await;
        // The writer's thread ends before the store's bulk settings do.
        drop(line);
        if progress.line {
            eprintln!();
        }
        tracing::debug!("where the storing thread's time went: {:?}", known.spent);
        if let Some(index) = &known.index {
            tracing::debug!("the near-duplicate index: {}", index.footprint());
        }
        tracing::debug!("the C heap: {}", crate::heap::c_heap());
        bulk.finish(&*lock(store)?);
        stored?;
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
}

/// Sources fetched and waiting to be stored, each holding its slot among the
/// `concurrency` until it is.
pub(super) struct Group {
    pub(super) collected: Vec<Collected>,
    pub(super) permits: Vec<OwnedSemaphorePermit>,
}

impl Pipeline {
    /// Store a group (see [`Pipeline::store_group`]) and free its slots; should storing
    /// fail, each source's run is recorded as failed on its own.
    pub(super) fn store_and_record(
        &self,
        store: &Arc<Mutex<Store>>,
        group: Group,
        near: &NearDup,
        known: &mut Known,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Collected>> {
        let Group { mut collected, permits } = group;
        let mut st = lock(store)?;
        if let Err(e) = self.store_group(&mut st, &mut collected, near, known, now) {
            for c in collected.iter_mut().filter(|c| c.report.skipped.is_none()) {
                let source = &self.config.sources[c.index];
                c.report.error = Some(format!("storing items: {e:#}"));
                c.report.new = 0;
                let batch = st.begin()?;
                batch.record_done(&source.id, &source.name, &self.run_of(c, now), now, &known.holder)?;
                batch.commit()?;
            }
        }
        drop(permits);
        for c in &mut collected {
            drop(c.parse_slot.take());
        }
        Ok(collected)
    }

    /// Add a stored group's reports, saying how far the run is on a terminal.
    fn reported(
        &self,
        done: Vec<Collected>,
        reports: &mut Vec<(usize, SourceReport)>,
        progress: &Progress,
        total: usize,
    ) {
        for c in done {
            if let Some(finished) = &progress.finished {
                // The receiver gone (a daemon stopping) needs no word.
                let _ = finished.send(c.index);
            }
            if progress.line {
                let id = &self.config.sources[c.index].id;
                eprint!("\r\x1b[K[{}/{}] {id}", reports.len() + 1, total);
            }
            reports.push((c.index, c.report));
        }
    }
}

/// What a run tells as each of its sources is done (its items stored, or the reason
/// it was left).
#[derive(Default)]
pub struct Progress {
    /// A `[n/total] source` line on stderr, when it is a terminal.
    pub line: bool,
    /// Each source's index as it is done: the daemon schedules a source again then, not
    /// when the slowest source fetched with it is done.
    pub finished: Option<tokio::sync::mpsc::UnboundedSender<usize>>,
}

pub(super) fn lock(store: &Arc<Mutex<Store>>) -> anyhow::Result<std::sync::MutexGuard<'_, Store>> {
    store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))
}

/// This run's name as a lease holder, and how long its leases last.
#[derive(Clone)]
pub(super) struct Lease {
    scheduled: bool,
    /// When this run began (wall clock, as leases are kept).
    started: DateTime<Utc>,
    holder: String,
    secs: i64,
}

/// A source's lease as taken: its stored state, or why it is left (`Ok(Err)`: another
/// run holds it or fetched it; `Err`: the store failed).
pub(super) type Taken = Result<Result<Option<SourceState>, String>, String>;

/// How many sources' leases are taken in one transaction (at most `concurrency`): a
/// run of 2,000 sources whose answers are all "not modified" took 2,000 write
/// transactions, one per source, and as many blocking threads waiting for the store.
const LEASE_CHUNK: usize = 64;

/// The leases of a run's sources, taken a chunk ahead in the run's order: the sources
/// whose tasks get their slots next. Another collector still finds every source it
/// could take free, but for those this run is about to fetch.
pub(super) struct LeaseAhead {
    lease: Lease,
    /// The run's sources in its order.
    sources: Vec<Source>,
    chunk: usize,
    state: Mutex<Ahead>,
    /// Held by the one task whose chunk is being taken on a blocking thread: the
    /// others wait for it here, off any thread, and most then find theirs taken with
    /// it. A cold run's first tasks, all at once, each held a blocking thread of their
    /// own waiting for the store (64 threads, each keeping what it allocated cached).
    turn: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Ahead {
    /// Positions before this one were taken (or tried).
    next: usize,
    ready: HashMap<usize, Taken>,
}

impl LeaseAhead {
    pub(super) fn new(lease: Lease, sources: Vec<Source>, chunk: usize) -> LeaseAhead {
        LeaseAhead {
            lease,
            sources,
            chunk: chunk.max(1),
            state: Mutex::new(Ahead::default()),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// The lease of the source at `position`: taken already with its chunk, or taken
    /// now with the next sources' (`take_through`), one chunk at a time.
    pub(super) async fn take(
        self: Arc<Self>,
        ctx: &Arc<Ctx>,
        position: usize,
    ) -> Result<Taken, tokio::task::JoinError> {
        if let Some(taken) = self.taken(position) {
            return Ok(taken);
        }
        let _turn = self.turn.lock().await;
        if let Some(taken) = self.taken(position) {
            return Ok(taken);
        }
        let (ctx, held) = (Arc::clone(ctx), Arc::clone(&self));
        tokio::task::spawn_blocking(move || held.take_through(&ctx, position)).await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Ahead> {
        // The state is a plain map: a task that panicked holding it left it whole.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lease of the source at `position`, if its chunk was taken.
    pub(super) fn taken(&self, position: usize) -> Option<Taken> {
        self.state().ready.remove(&position)
    }

    /// The lease of the source at `position`, taking it with the next sources' in one
    /// transaction when it was not taken yet. Blocks on the store.
    pub(super) fn take_through(&self, ctx: &Ctx, position: usize) -> Taken {
        let mut state = self.state();
        if let Some(taken) = state.ready.remove(&position) {
            return taken;
        }
        let (from, to) = chunk_bounds(state.next, position, self.chunk, self.sources.len());
        let chunk: Vec<&Source> = self.sources[from..to].iter().collect();
        let taken = self.lease.take(ctx, &chunk);
        for (i, t) in (from..to).zip(taken) {
            state.ready.insert(i, t);
        }
        state.next = state.next.max(to);
        state
            .ready
            .remove(&position)
            .unwrap_or_else(|| Err("its lease was not taken".to_string()))
    }
}

/// The positions whose leases are taken together when `position`'s is asked for and
/// those before `next` were taken: from `next`, `chunk` of them and `position` among
/// them. Tasks ask nearly in order (their slots are handed out first come, first
/// served); one that asks behind the chunks taken is taken alone.
fn chunk_bounds(next: usize, position: usize, chunk: usize, len: usize) -> (usize, usize) {
    let (from, to) = if position < next {
        (position, position + 1)
    } else {
        (next, (next + chunk).max(position + 1))
    };
    (from, to.min(len))
}

impl Lease {
    /// Lease `sources` for this run in one transaction: for each, its stored state when
    /// taken, or why it is left.
    fn take(&self, ctx: &Ctx, sources: &[&Source]) -> Vec<Taken> {
        let mut st = match lock(&ctx.store) {
            Ok(st) => st,
            Err(e) => return sources.iter().map(|_| Err(format!("{e:#}"))).collect(),
        };
        let wall = Utc::now();
        let until = wall + chrono::Duration::seconds(self.secs);
        let ids: Vec<String> = sources.iter().map(|s| s.id.clone()).collect();
        let taken = match st.take_leases(&ids, &self.holder, wall, until) {
            Ok(taken) => taken,
            Err(e) => {
                return sources
                    .iter()
                    .map(|_| Err(format!("taking its lease: {e:#}")))
                    .collect();
            }
        };
        sources
            .iter()
            .map(|src| {
                if !taken.contains(&src.id) {
                    let until = st.lease(&src.id, wall).ok().flatten().map_or(wall, |(_, e)| e);
                    let local = until.with_timezone(&ctx.settings.timezone).format("%H:%M");
                    return Ok(Err(format!("another run is fetching it (lease until {local})")));
                }
                self.state_of(&st, ctx, src)
            })
            .collect()
    }

    /// A leased source's stored state, unless another run fetched it meanwhile.
    fn state_of(&self, st: &Store, ctx: &Ctx, src: &Source) -> Taken {
        let source = src.id.as_str();
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
pub(super) fn skipped(source: &Source, index: usize, why: String) -> Collected {
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
        read_ahead: None,
        parse_slot: None,
    }
}

/// What a source task needs, owned so it can move into the task.
pub(super) struct Ctx {
    fetcher: Fetcher,
    store: Arc<Mutex<Store>>,
    settings: Settings,
    /// Slots for sources whose pages are read into items that wait to be stored.
    parsing: Arc<Semaphore>,
    /// Pages being read into items at once: one a core.
    reading: Arc<Semaphore>,
}

/// How many pages are read into items at once: one a core. Reading is all CPU; more at
/// once only interleaves them, each holding its half-read document and its own caches of
/// the patterns it runs.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// How many sources may hold their items read and waiting to be stored (or be reading
/// them). A fetched page is smaller than what its items become (each item's text,
/// sanitized HTML and summary: 160 MB from the farm's 132 MB of feeds) and than what
/// reading it holds for a while; the rest of a run's `concurrency` slots wait with their
/// page while the store is the bottleneck, as it is on a large web. A cold run of 256
/// slots held 256 sources' items at once.
const PARSED_AHEAD: usize = 4 * GROUP;

/// Why a source produced nothing this time.
pub(super) struct Failure {
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
pub(super) async fn collect(
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
            read_ahead: None,
            parse_slot: None,
        };
    }
    let mut parse_slot = None;
    let items = match fetch_source(ctx, source, state.as_ref(), now, &mut report, &mut parse_slot).await {
        Ok(raw) => {
            let found = raw.len();
            if !report.not_modified {
                report.found = Some(found);
                report.dated = raw.iter().filter(|r| r.published.is_some()).count();
            }
            let items: Vec<Item> = raw
                .into_iter()
                .filter_map(|r| normalize::normalize(r, &source.id, &source.name, now))
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
        read_ahead: None,
        parse_slot,
    }
}

/// The list pages (following pagination), then the detail pages of items not yet stored.
pub(super) async fn fetch_source(
    ctx: &Ctx,
    source: &Source,
    state: Option<&SourceState>,
    now: DateTime<Utc>,
    report: &mut SourceReport,
    parse_slot: &mut Option<OwnedSemaphorePermit>,
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
    let held = match ctx.fetcher.fetch_held(&source.url, &req).await? {
        Fetched::NotModified => {
            report.not_modified = true;
            report.status = Some(304);
            return Ok(Vec::new());
        }
        Fetched::Page(p) => p,
    };
    // Its items will wait to be stored: read them when a slot for them is free, the page
    // held compressed meanwhile. Not a portal's whose detail pages come next: those are
    // fetched one by one, spaced per host, and a portal waiting on them would hold a
    // slot that feeds need.
    if source.detail.is_none() {
        *parse_slot = ctx.parsing.clone().acquire_owned().await.ok();
    }
    let page = Arc::new(held.open()?);
    report.status = Some(page.status);
    report.encoding = Some(page.encoding);
    if let Some(w) = repair_warning(&page) {
        report.warnings.push(w);
    }
    report.etag = page.validators.etag.clone();
    report.last_modified = page.validators.last_modified.clone();
    report.pages = 1;
    let budget = ctx.settings.timeout_secs;
    let (mut raw, notes) = extract_within(&ctx.reading, &page, source, now, tz, budget).await?;
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
                    let p = Arc::new(*p);
                    match extract_within(&ctx.reading, &p, source, now, tz, budget).await {
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
pub(super) async fn extract_within(
    readers: &Arc<Semaphore>,
    page: &Arc<Page>,
    source: &Source,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    secs: u64,
) -> Result<(Vec<RawItem>, Vec<String>), extract::ExtractError> {
    // The page is shared with the blocking thread, not copied: pages are the largest
    // allocations a run makes.
    let (page, source) = (Arc::clone(page), source.clone());
    // Its time runs from when a reader is free; the reader is freed when the reading
    // ends, even one past its time.
    let reader = readers.clone().acquire_owned().await.ok();
    let work = tokio::task::spawn_blocking(move || {
        let read = extract::read(&page.text, &page.url, &source.kind, now, tz);
        drop(reader);
        // The blocking pool's next page may go to another of its threads.
        crate::heap::flush_thread_cache();
        read
    });
    match tokio::time::timeout(std::time::Duration::from_secs(secs.max(1)), work).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(extract::ExtractError::Malformed("the page's reader failed".into())),
        Err(_) => Err(extract::ExtractError::TooSlow(secs)),
    }
}

pub(super) async fn fetch_details(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_page_s_time_to_be_read_runs_from_when_a_reader_is_free() -> Result<(), Box<dyn std::error::Error>> {
        use std::sync::Arc;
        let config = crate::config::Config::parse(
            "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1:9/feed\"\nkind = \"feed\"\n",
            std::path::Path::new("t.toml"),
        )?;
        let source = &config.sources[0];
        let page = Arc::new(crate::fetch::Page {
            url: source.url.clone(),
            status: 200,
            content_type: Some("application/rss+xml".into()),
            text: "<rss version=\"2.0\"><channel><title>A</title><item><title>第一条</title>\
                   <link>http://127.0.0.1:9/a/1.html</link></item></channel></rss>"
                .into(),
            encoding: "utf-8",
            repaired: 0,
            stripped: 0,
            bytes: 0,
            validators: Default::default(),
        });
        let readers = Arc::new(tokio::sync::Semaphore::new(1));
        // The only reader is busy for longer than the page may take to be read.
        let busy = readers.clone().acquire_owned().await?;
        let read = tokio::spawn({
            let (readers, page, source) = (readers.clone(), page.clone(), source.clone());
            async move { super::extract_within(&readers, &page, &source, chrono::Utc::now(), chrono_tz::UTC, 1).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert!(!read.is_finished(), "read while the only reader was busy");
        drop(busy);
        let (items, _) = read.await??;
        assert_eq!(items.len(), 1);
        // The reader is free again once the page is read.
        assert_eq!(readers.available_permits(), 1);
        Ok(())
    }

    /// Every task asks at once, as a cold run's first do: each gets its own source's
    /// lease, taken with its chunk by one task at a time, and none is taken twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn leases_asked_for_at_once_are_taken_a_chunk_at_a_time() -> Result<(), Box<dyn std::error::Error>> {
        use std::sync::Arc;
        let ids: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let t = crate::pipeline::testing::stored(&ids);
        let p = &t.pipeline;
        let ctx = Arc::new(Ctx {
            fetcher: p.fetcher.clone(),
            store: t.store.clone(),
            settings: p.config.settings.clone(),
            parsing: Arc::new(Semaphore::new(1)),
            reading: Arc::new(Semaphore::new(1)),
        });
        let lease = Lease {
            scheduled: false,
            started: chrono::Utc::now(),
            holder: "this run".into(),
            secs: 600,
        };
        let ahead = Arc::new(LeaseAhead::new(lease, p.config.sources.clone(), 8));
        // Later positions first: a task that got ahead of the chunks takes those before it.
        let mut tasks = tokio::task::JoinSet::new();
        for position in (0..40).rev() {
            let (ahead, ctx) = (ahead.clone(), ctx.clone());
            tasks.spawn(async move { (position, ahead.take(&ctx, position).await) });
        }
        let mut got = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (position, taken) = joined?;
            assert!(matches!(taken, Ok(Ok(Ok(None)))), "source {position}: {taken:?}");
            got.push(position);
        }
        got.sort_unstable();
        assert_eq!(got, (0..40).collect::<Vec<_>>());
        assert!(ahead.state().ready.is_empty(), "every lease taken was handed out");
        assert_eq!(ahead.state().next, 40);
        let st = lock(&t.store)?;
        for id in &ids {
            assert_eq!(
                st.lease(id, chrono::Utc::now())?.map(|(h, _)| h).as_deref(),
                Some("this run"),
                "{id}"
            );
        }
        Ok(())
    }

    #[test]
    fn leases_are_taken_a_chunk_ahead_and_never_twice() {
        // The first task takes the first chunk; the next asks after it.
        assert_eq!(chunk_bounds(0, 0, 4, 10), (0, 4));
        assert_eq!(chunk_bounds(4, 4, 4, 10), (4, 8));
        // A task that got ahead of the chunks takes those before it too.
        assert_eq!(chunk_bounds(4, 9, 4, 10), (4, 10));
        // The last chunk stops at the end.
        assert_eq!(chunk_bounds(8, 8, 4, 10), (8, 10));
        // One behind the chunks taken (its lease was tried and handed out) is alone.
        assert_eq!(chunk_bounds(8, 2, 4, 10), (2, 3));
    }
}
