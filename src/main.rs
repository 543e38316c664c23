//! The `banyue` command line.

/// Every allocation of banyue's own goes to jemalloc (see `heap` for why and how it is
/// set); SQLite's, in C, stays with the system's malloc.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: one arena (its default is four a core, and a
/// cold run's hundreds of fetching threads then spread their memory over all of them),
/// small thread caches, and freed pages handed back to the system after 10 ms of disuse
/// (dirty) or at once (muzzy). A cold run frees tens of megabytes of pages and items a
/// second: kept a second, they were a sixth of its peak (docs/benchmarks.md, stop 66);
/// handed back at once, each free is a system call. `_RJEM_MALLOC_CONF` in the
/// environment overrides them.
#[cfg(unix)]
#[unsafe(export_name = "_rjem_malloc_conf")]
static ALLOCATOR_CONF: &[u8; 61] = b"narenas:1,tcache_max:1024,dirty_decay_ms:10,muzzy_decay_ms:0\0";

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use banyue::classify::taxonomy::Taxonomy;
use banyue::config::Config;
use banyue::draft::{self, Window};
use banyue::pipeline::{Pipeline, RunOptions};

#[derive(Parser)]
#[command(
    name = "banyue",
    version,
    about = "Feed aggregator and biweekly industry brief publisher"
)]
struct Cli {
    /// Config file.
    #[arg(
        long,
        short,
        global = true,
        env = "BANYUE_CONFIG",
        default_value = "config/banyue.toml"
    )]
    config: PathBuf,
    /// Log as JSON lines (for log collectors) instead of text; the container image sets
    /// $BANYUE_LOG_JSON=1.
    #[arg(long, global = true, env = "BANYUE_LOG_JSON", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch every source once, then publish the feeds and draft the current issue.
    Run {
        /// Also fetch sources that are backing off after failures or asked us to wait.
        #[arg(long)]
        force: bool,
    },
    /// Run continuously: every source on its schedule; stop with SIGTERM or Ctrl-C.
    Daemon,
    /// The store itself: copy it into another engine, or say what it holds.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Run the whole pipeline on bundled sample sources served on 127.0.0.1 (offline).
    Demo {
        /// Where to put the database, feeds and draft.
        #[arg(long, default_value = "banyue-demo")]
        dir: PathBuf,
    },
    /// Validate the config (and taxonomy); report each problem with file and line.
    Check,
    /// Draft an issue from what is stored, without fetching.
    Draft {
        /// First day of the issue window (YYYY-MM-DD); default: the current window.
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day of the issue window (YYYY-MM-DD).
        #[arg(long)]
        to: Option<NaiveDate>,
    },
    /// Show why an item was filed where it was (by id or part of its title).
    Explain { item: String },
    /// Show each source's last run, grouped by catalogue file; `import` adds a feed
    /// reader's OPML subscriptions.
    Sources {
        #[command(subcommand)]
        action: Option<SourcesAction>,
    },
    /// What the alerts told and what waits or failed; `send` delivers what is due now,
    /// `test ID` sends one target a test message and says what it answered.
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsAction>,
    },
    /// Search everything ever collected: words (Chinese without spaces too), "phrases",
    /// -exclusions; traditional and simplified forms match each other.
    Search {
        query: String,
        #[arg(long)]
        section: Option<String>,
        #[arg(long)]
        city: Option<String>,
        /// A source id.
        #[arg(long)]
        source: Option<String>,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// By relevance instead of newest first.
        #[arg(long)]
        relevance: bool,
        /// Off-topic reports and merged duplicates too.
        #[arg(long)]
        all: bool,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Fetch one page and say how to read it: print a ready `[[source]]` block (feed,
    /// HTML list with selectors and pager, JSON paths) and the first rows it reads.
    Probe {
        /// The page: a list page, a JSON endpoint or a feed.
        url: Option<String>,
        /// Show what a configured source reads now, row by row, instead.
        #[arg(long)]
        source: Option<String>,
        /// Allow loopback and private addresses (an intranet portal, a test site).
        #[arg(long)]
        allow_private: bool,
    },
    /// File an item under a section (or `off-topic`) as an editor: the classifier learns
    /// from it and the current issue is re-drafted.
    Label {
        /// Item id (as shown by `explain` and in the draft's JSON).
        item: i64,
        /// A section id of the taxonomy, or `off-topic`.
        section: String,
        /// Set the item's city too (empty to clear it).
        #[arg(long)]
        city: Option<String>,
        #[arg(long, default_value = "editor", env = "USER")]
        editor: String,
    },
    /// Review and publish issues from scripts (what the review UI does).
    Issue {
        /// The issue, as YEAR-NN (e.g. 2026-22); default: the current one.
        #[arg(long, global = true)]
        issue: Option<String>,
        #[arg(long, global = true, default_value = "editor", env = "USER")]
        editor: String,
        #[command(subcommand)]
        action: IssueAction,
    },
    /// Serve the review UI and the feeds (127.0.0.1:8080 unless settings.listen says otherwise).
    Serve {
        #[arg(long, env = "BANYUE_LISTEN")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Print the argon2 hash of a password read from standard input, for `[[user]]`.
    HashPassword,
    /// Measure the classifier on a labelled JSON file: precision, recall, F1, confusion.
    Eval {
        file: PathBuf,
        /// Labelled files to learn from first, as if editors had filed their items.
        #[arg(long)]
        train: Vec<PathBuf>,
        /// Read the items as a run reads a source's: each `source` field names a source,
        /// and a source whose items mostly go to one section leans its unsure ones there.
        #[arg(long)]
        by_source: bool,
    },
    /// How well significance ranks each section's stories against editors' grades
    /// (2 carried, 1 second tier, 0 minor) of a labelled file's items.
    EvalSignificance {
        /// The labelled items.
        file: PathBuf,
        /// Their grades.
        grades: PathBuf,
        /// Grades of other items, learned first as editors' keeps and excludes.
        #[arg(long)]
        taste: Vec<PathBuf>,
        /// Grade files the taste model starts from in place of the shipped ones (for a
        /// cross-validation that holds one of them out).
        #[arg(long)]
        seeds: Vec<PathBuf>,
        /// Labelled files the classifier learns first (as for `eval --train`).
        #[arg(long)]
        train: Vec<PathBuf>,
        /// List each section's stories in score order, with the parts of each score.
        #[arg(long)]
        verbose: bool,
        /// Rank the file's off-topic items that the classifier keeps as minor items of
        /// the section it files them in, as they compete in a run.
        #[arg(long)]
        noise: bool,
    },
    /// Merging of duplicates on a labelled file of reports with story ids: wrong merges,
    /// merge recall, template twins merged, and each miss with the facts that decided it.
    EvalDedup {
        file: PathBuf,
        /// List every missed merge, not only the first few.
        #[arg(long)]
        verbose: bool,
        /// A store (SQLite file) whose stories are in the index first, as a large store's
        /// are in a run: each report must still find its own story among them.
        #[arg(long)]
        among: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SourcesAction {
    /// Turn an OPML subscription list into `[[source]]` blocks (folder → section hint),
    /// skipping feeds already configured; printed, or appended to a file with --into.
    Import {
        file: PathBuf,
        /// Append to this config or catalogue file (checked before it is written).
        #[arg(long)]
        into: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum StoreAction {
    /// Copy everything a store holds (items, decisions, labels, issues, edits, sessions,
    /// alerts) into a new, empty one, and check the counts: `--to postgres://…` when a
    /// team outgrows one machine.
    Copy {
        /// The store to copy (`sqlite:PATH` or `postgres://…`); the configured one if left out.
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: String,
    },
    /// Which store the config uses, its schema and how much it holds.
    Info,
}

#[derive(Subcommand)]
enum AlertsAction {
    /// Deliver every message that is due now.
    Send,
    /// Send a test message to one `[[alert]]` target, now, outside the queue.
    Test { id: String },
}

#[derive(Subcommand)]
enum IssueAction {
    /// Every issue with its number and status.
    List,
    /// The issue's items by section, with ids, and its edits.
    Show,
    /// File an item under another section (and city); the classifier learns from it.
    Move {
        item: i64,
        section: String,
        #[arg(long)]
        city: Option<String>,
    },
    /// Leave an item out of the issue.
    Exclude {
        item: i64,
    },
    /// Take an excluded or off-topic item back in.
    Include {
        item: i64,
    },
    /// Pin an item to the top of its section.
    Pin {
        item: i64,
    },
    Unpin {
        item: i64,
    },
    /// Set an item's position within its section (lower first).
    Order {
        item: i64,
        rank: i64,
    },
    /// Rewrite an item's headline.
    Headline {
        item: i64,
        text: String,
    },
    /// Rewrite an item's summary.
    Summary {
        item: i64,
        text: String,
    },
    /// Show item as another report of INTO's story.
    Merge {
        item: i64,
        into: i64,
    },
    /// Show a merged report as a story of its own.
    Split {
        item: i64,
    },
    /// Rewrite a section's 本期提要 paragraph.
    Digest {
        section: String,
        text: String,
    },
    /// Write a free-text slot: `commentary` (the institute's comment) or `analysis`.
    Text {
        slot: String,
        text: String,
    },
    /// Add an item by its URL (fetched and extracted like any other).
    Add {
        url: String,
    },
    /// Change the days the issue covers.
    Window {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Undo an edit by its id (see `show`).
    Undo {
        edit: i64,
    },
    /// Mark the issue as in review.
    Review,
    /// Publish: freeze, archive the exports, add to issues.xml.
    Publish,
    /// Reopen a published issue.
    Reopen,
    /// Write the issue's exports (Markdown, HTML, JSON, DOCX) to a directory.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

/// Commands that print and end die quietly of SIGPIPE when their reader goes away
/// (`banyue issue show | head -1`), as Unix tools do, instead of panicking in `println!`.
/// Commands that use the network keep Rust's default (ignored, so a socket closed by
/// its peer is an error to handle, not the end of the process).
fn restore_sigpipe(command: &Command) {
    let networked = matches!(
        command,
        Command::Run { .. }
            | Command::Daemon
            | Command::Demo { .. }
            | Command::Serve { .. }
            | Command::Alerts { .. }
            | Command::Issue {
                action: IssueAction::Add { .. },
                ..
            }
    );
    #[cfg(unix)]
    if !networked {
        // SAFETY: called before any other thread exists; resets one signal's disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    #[cfg(not(unix))]
    let _ = networked;
}

fn main() -> ExitCode {
    banyue::heap::two_arenas_per_core();
    #[cfg(unix)]
    banyue::heap::jemalloc_is_the_allocator();
    let cli = Cli::parse();
    restore_sigpipe(&cli.command);
    let default = if matches!(cli.command, Command::Daemon) {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("BANYUE_LOG").unwrap_or_else(|_| default.into());
    // Colour codes only for a person at a terminal, never into a file or a collector.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if cli.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    if std::env::var_os("BANYUE_RUSAGE").is_some() {
        eprintln!("{}", rusage());
    }
    code
}

async fn store_command(config: &std::path::Path, action: StoreAction) -> anyhow::Result<ExitCode> {
    use banyue::store::{Location, Store};
    let parse = |s: &str| Location::parse(s).map_err(anyhow::Error::msg);
    match action {
        StoreAction::Copy { from, to } => {
            let from = match from {
                Some(f) => parse(&f)?,
                None => Config::load(config)?.settings.store,
            };
            let to = parse(&to)?;
            let (shown_from, shown_to) = (from.to_string(), to.to_string());
            let copied = tokio::task::spawn_blocking(move || banyue::store::copy(&from, &to)).await??;
            println!("copied {shown_from} → {shown_to}, counts checked in both:");
            for (table, n) in &copied.tables {
                println!("  {table:<16} {n:>9}");
            }
            println!("  search index     {:>9} reports", copied.indexed);
        }
        StoreAction::Info => {
            let at = Config::load(config)?.settings.store;
            let store = tokio::task::spawn_blocking(move || Store::connect(&at).map(|s| (s, at))).await??;
            let (store, at) = store;
            println!("store:   {at}");
            println!("engine:  {:?}", store.engine());
            println!("schema:  {}", store.schema_version()?);
            println!("items:   {}", store.count_items()?);
            println!("sources: {}", store.sources()?.len());
            println!("issues:  {}", store.issues()?.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU time and peak memory of this process, from /proc (Linux), for benchmarks.
fn rusage() -> String {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "?".into());
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
    format!("rusage: user_s={:.2} sys_s={:.2} peak_rss={hwm}", ticks(11), ticks(12))
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Store { action } => store_command(&cli.config, action).await,
        Command::Run { force } => run_command(&cli.config, force).await,
        Command::Demo { dir } => demo_command(&dir).await,
        Command::Check => check(&cli.config),
        Command::Serve { listen } => {
            let pipeline = std::sync::Arc::new(Pipeline::new(Config::load(&cli.config)?)?);
            let addr = listen.unwrap_or(pipeline.config.settings.listen);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            println!("review UI on http://{}/ (Ctrl-C to stop)", listener.local_addr()?);
            banyue::serve::serve(pipeline, listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::HashPassword => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let pw = line.trim_end_matches(['\n', '\r']);
            if pw.is_empty() {
                anyhow::bail!("type the password on standard input");
            }
            println!("{}", banyue::serve::auth::hash_password(pw)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Issue { issue, editor, action } => {
            let publishing = matches!(action, IssueAction::Publish);
            let code = issue_command(&cli.config, issue.as_deref(), &editor, action)?;
            if publishing {
                deliver_alerts(&Config::load(&cli.config)?).await;
            }
            Ok(code)
        }
        Command::Alerts { action } => alerts_command(&cli.config, action).await,
        Command::Label {
            item,
            section,
            city,
            editor,
        } => label_command(&cli.config, item, section, city, &editor),
        Command::Daemon => {
            let pipeline = std::sync::Arc::new(Pipeline::new(Config::load(&cli.config)?)?);
            banyue::daemon::run(pipeline, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { file, train, by_source } => {
            let classifier = eval_classifier(&cli.config, &train)?;
            let items = banyue::eval::load(&file)?;
            let report = if by_source {
                banyue::eval::evaluate_by_source(&classifier, &items)
            } else {
                banyue::eval::evaluate(&classifier, &items)
            };
            print!("{}", report.render());
            Ok(ExitCode::SUCCESS)
        }
        Command::EvalSignificance {
            file,
            grades,
            taste,
            seeds,
            train,
            verbose,
            noise,
        } => {
            use banyue::draft::select;
            use banyue::eval::significance;
            let classifier = eval_classifier(&cli.config, &train)?;
            // Grade files as taste examples: the carried kept, the rest dropped.
            let examples_of = |paths: &[PathBuf]| -> anyhow::Result<Vec<_>> {
                let mut examples = Vec::new();
                for p in paths {
                    examples.extend(significance::taste_examples(&significance::load(p)?));
                }
                Ok(examples)
            };
            let edits = examples_of(&taste)?;
            let taste = if seeds.is_empty() {
                select::taste_model(&classifier.taxonomy.selection, &edits)
            } else {
                select::taste_model_from(&examples_of(&seeds)?, &edits)
            };
            let items = banyue::eval::load(&file)?;
            let grades = significance::load(&grades)?;
            let report = if noise {
                significance::rank_with_noise(&classifier, &items, &grades, taste.as_ref())
            } else {
                significance::rank(&classifier, &items, &grades, taste.as_ref())
            };
            print!("{}", report.render(verbose));
            Ok(ExitCode::SUCCESS)
        }
        Command::EvalDedup { file, verbose, among } => {
            let reports = banyue::eval::dedup::load(&file)?;
            let mut background = Vec::new();
            if let Some(path) = &among {
                let store = banyue::store::Store::open(path).with_context(|| format!("opening {}", path.display()))?;
                store.each_candidate(chrono::DateTime::<chrono::Utc>::MIN_UTC, |c| background.push(c))?;
            }
            let e = banyue::eval::dedup::evaluate_among(&banyue::dedup::NearDup::default(), reports, background);
            print!("{}", e.render(verbose));
            Ok(ExitCode::SUCCESS)
        }
        Command::Draft { from, to } => draft_command(&cli.config, from, to),
        Command::Explain { item } => explain_command(&cli.config, &item),
        Command::Sources {
            action: Some(SourcesAction::Import { file, into }),
        } => import_opml(&cli.config, &file, into.as_deref()),
        Command::Search {
            query,
            section,
            city,
            source,
            from,
            to,
            limit,
            relevance,
            all,
            json,
        } => {
            let q = banyue::store::SearchQuery {
                text: query,
                section,
                city,
                source,
                from,
                to,
                by_relevance: relevance,
                everything: all,
                limit,
            };
            search_command(&cli.config, &q, json)
        }
        Command::Probe {
            url,
            source,
            allow_private,
        } => probe(&cli.config, url.as_deref(), source.as_deref(), allow_private).await,
        Command::Sources { action: None } => sources_command(&cli.config),
    }
}

/// `banyue run`: every source once, then the outputs; fails only when every source failed.
async fn run_command(config: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::new(Config::load(config)?)?;
    if pipeline.config.sources.is_empty() {
        anyhow::bail!("{}: no [[source]] configured", config.display());
    }
    let report = pipeline
        .run(&RunOptions {
            force,
            progress: true,
            ..Default::default()
        })
        .await?;
    print!("{}", report.summary());
    println!("feeds: {}", pipeline.config.settings.feeds_dir.display());
    println!("draft: {}", report.outputs.draft.html.display());
    deliver_alerts(&pipeline.config).await;
    Ok(exit_code(&report))
}

/// `banyue demo`: the pipeline on the bundled sample sources, and where its outputs went.
async fn demo_command(dir: &Path) -> anyhow::Result<ExitCode> {
    let out = banyue::demo::run(dir, None).await?;
    print!("{}", out.report.summary());
    println!();
    println!("config:  {}", out.config.display());
    println!("feeds:   {}", dir.join("feeds").display());
    for f in &out.report.outputs.published.feeds {
        println!("         {:<28} {:>3} items  {}", f.file, f.items, f.title);
    }
    println!("draft:   {}", out.report.outputs.draft.markdown.display());
    println!("         {}", out.report.outputs.draft.html.display());
    println!("         {}", out.report.outputs.draft.json.display());
    Ok(exit_code(&out.report))
}

/// A run fails only when every source failed: one broken source never fails the job.
fn exit_code(report: &banyue::pipeline::RunReport) -> ExitCode {
    if report.all_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `banyue label`: file an item as an editor, learn from it, re-draft the current issue.
fn label_command(
    config: &Path,
    item: i64,
    section: String,
    city: Option<String>,
    editor: &str,
) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::new(Config::load(config)?)?;
    if section != banyue::eval::OFF_TOPIC && pipeline.taxonomy.section(&section).is_none() {
        let ids: Vec<&str> = pipeline.taxonomy.sections.iter().map(|s| s.id()).collect();
        anyhow::bail!("`{section}` is not a section; one of: {}, off-topic", ids.join(", "));
    }
    let mut store = pipeline.open_store()?;
    let now = chrono::Utc::now();
    store.set_label(item, &section, city.as_deref(), editor, now)?;
    pipeline.retrain(&store)?;
    let s = &pipeline.config.settings;
    let window = Window::containing(now.with_timezone(&s.timezone).date_naive(), s.issue_window);
    let moved = pipeline.reclassify(&mut store, window)?;
    println!(
        "#{item} filed under {section}; learned from {} editor decisions",
        pipeline.classifier().learned_from()
    );
    for (id, title, from, to) in &moved {
        println!("  moved #{id} {from} → {to}: {title}");
    }
    let out = pipeline.publish_and_draft(&mut store, now, None, false)?;
    println!("draft with {} items: {}", out.draft_items, out.draft.html.display());
    Ok(ExitCode::SUCCESS)
}

/// `banyue draft`: the outputs built from what is stored, current or not.
fn draft_command(config: &Path, from: Option<NaiveDate>, to: Option<NaiveDate>) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::new(Config::load(config)?)?;
    let s = &pipeline.config.settings;
    let now = chrono::Utc::now();
    let window = match (from, to) {
        (Some(from), Some(to)) if from <= to => Some(Window { from, to }),
        (Some(_), Some(_)) => anyhow::bail!("--from must not be after --to"),
        (Some(d), None) | (None, Some(d)) => Some(Window::containing(d, s.issue_window)),
        (None, None) => None,
    };
    let mut store = pipeline.open_store()?;
    // Asked for: built even when current.
    let out = pipeline.publish_and_draft(&mut store, now, window, true)?;
    let files = &out.draft;
    println!(
        "draft with {} items:\n  {}\n  {}\n  {}",
        out.draft_items,
        files.markdown.display(),
        files.html.display(),
        files.json.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `banyue explain`: why an item was filed where it was, and its place in the issue.
fn explain_command(config: &Path, item: &str) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::new(Config::load(config)?)?;
    let store = pipeline.open_store()?;
    let found = match item.parse::<i64>() {
        Ok(id) => store.item(id)?.into_iter().collect(),
        Err(_) => store.find_by_title(item, 5)?,
    };
    if found.is_empty() {
        anyhow::bail!("no stored item matches `{item}`");
    }
    let tax = &pipeline.taxonomy;
    let now = chrono::Utc::now();
    let mut writer = pipeline.open_store()?;
    let issue = pipeline.issue_for(&mut writer, None, now)?;
    let draft = pipeline.draft_of(&store, &issue, now)?;
    for i in found {
        let d = &i.decision;
        println!("#{} {}", i.id, i.title);
        println!(
            "  source:   {} ({})",
            i.source_name,
            i.url.as_deref().unwrap_or("no link")
        );
        println!(
            "  section:  {} [{}] score {:.1}",
            tax.name_of(&d.section),
            d.section,
            d.score
        );
        if let Some(r) = &d.rejected {
            println!("  rejected: {r}");
        }
        if let Some(c) = &d.city {
            println!("  city:     {c}");
        }
        if let Some(dup) = i.duplicate_of {
            println!("  merged into #{dup}");
        }
        let ru: Vec<String> = d.runners_up.iter().map(|(s, v)| format!("{s} {v:.1}")).collect();
        if !ru.is_empty() {
            println!("  runners-up: {}", ru.join(", "));
        }
        for r in &d.reasons {
            println!("    - {r}");
        }
        if let Some((place, significance, parts)) = draft.place_of(i.id) {
            println!("  issue {}: {place}, significance {significance:.1}", issue.stem());
            for p in parts {
                println!("    - {p}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `banyue sources`: each source's last run, and the alerts' tallies.
fn sources_command(config: &Path) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::new(Config::load(config)?)?;
    let store = pipeline.open_store()?;
    let rows = banyue::health::rows(&pipeline.config, &store.sources()?, chrono::Utc::now());
    print!("{}", banyue::health::table(&rows, pipeline.config.settings.timezone));
    if !pipeline.config.alerts.is_empty() {
        println!();
        print!("{}", banyue::alert::summary(&pipeline.config, &store.alert_tallies()?));
    }
    Ok(ExitCode::SUCCESS)
}

/// Send what a command queued, within a short budget: the command's work is done, and
/// what does not go now waits for the next run, the daemon or `banyue alerts send`.
async fn deliver_alerts(config: &Config) {
    match banyue::alert::send::deliver_now(config, std::time::Duration::from_secs(20)).await {
        Ok(d) if d.sent + d.failed + d.held > 0 => {
            println!("alerts: {} sent, {} failed, {} waiting", d.sent, d.failed, d.held)
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: alerts not sent: {e:#}"),
    }
}

async fn alerts_command(config: &Path, action: Option<AlertsAction>) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(config)?;
    match action {
        Some(AlertsAction::Send) => {
            let d = banyue::alert::send::deliver_now(&cfg, std::time::Duration::from_secs(300)).await?;
            println!("{} sent, {} failed, {} waiting", d.sent, d.failed, d.held);
            Ok(if d.failed > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(AlertsAction::Test { id }) => {
            let Some(alert) = cfg.alerts.iter().find(|a| a.id == id) else {
                let ids: Vec<&str> = cfg.alerts.iter().map(|a| a.id.as_str()).collect();
                anyhow::bail!("no [[alert]] with id `{id}`; configured: {}", ids.join(", "));
            };
            let sender = banyue::alert::send::Sender::new(&cfg.settings.user_agent)?;
            let e = banyue::alert::test_event(&cfg, chrono::Utc::now());
            match sender.send(alert, &e, 0).await {
                Ok(()) => {
                    println!("{id}: sent ({})", alert.target.kind());
                    Ok(ExitCode::SUCCESS)
                }
                Err(err) => {
                    eprintln!("{id}: not sent: {err}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        None => {
            let store = banyue::store::Store::connect(&cfg.settings.store)?;
            print!("{}", banyue::alert::summary(&cfg, &store.alert_tallies()?));
            let recent = store.recent_alerts(30)?;
            if !recent.is_empty() {
                println!();
            }
            for r in recent {
                let state = match (&r.sent_at, r.gave_up) {
                    (Some(t), _) => format!("sent {t}"),
                    (None, true) => format!("GIVEN UP after {} tries", r.attempts),
                    (None, false) if r.attempts > 0 => format!("retry {} (tried {})", r.next_try, r.attempts),
                    (None, false) => "waiting".to_string(),
                };
                let error = r.last_error.map(|e| format!(" — {e}")).unwrap_or_default();
                println!("#{:<5} {:<12} {:<48} {}{error}", r.id, r.target, r.key, state);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn search_command(config: &Path, q: &banyue::store::SearchQuery, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(config)?;
    let tz = cfg.settings.timezone;
    let taxonomy = Taxonomy::configured(cfg.settings.taxonomy.as_deref())?;
    let store = banyue::store::Store::connect(&cfg.settings.store)?;
    let found = store.search(q)?;
    for f in &found {
        if json {
            println!("{}", serde_json::to_string(f)?);
            continue;
        }
        let marked = match f.mark {
            Some((at, len)) => {
                let chars: Vec<char> = f.passage.chars().collect();
                let (a, b) = (at.min(chars.len()), (at + len).min(chars.len()));
                format!(
                    "{}【{}】{}",
                    chars[..a].iter().collect::<String>(),
                    chars[a..b].iter().collect::<String>(),
                    chars[b..].iter().collect::<String>()
                )
            }
            None => f.passage.clone(),
        };
        println!(
            "{}  #{:<6} {}  {}{}{}",
            f.date.with_timezone(&tz).format("%Y-%m-%d"),
            f.id,
            taxonomy.name_of(&f.section),
            f.source_id,
            f.city.as_deref().map(|c| format!("  {c}")).unwrap_or_default(),
            if f.rejected { "  (无关)" } else { "" }
        );
        if f.in_title {
            println!("    {marked}");
        } else {
            println!("    {}", f.title);
            println!("    …{marked}…");
        }
        if let Some(u) = &f.url {
            println!("    {u}");
        }
    }
    eprintln!("{} found", found.len());
    Ok(ExitCode::SUCCESS)
}

fn import_opml(config: &Path, file: &Path, into: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(config)?;
    let taxonomy = Taxonomy::configured(cfg.settings.taxonomy.as_deref())?;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let subs = banyue::import::subscriptions(&text).with_context(|| format!("{}", file.display()))?;
    let urls: Vec<String> = cfg.sources.iter().map(|s| s.url.to_string()).collect();
    let ids: Vec<String> = cfg.sources.iter().map(|s| s.id.clone()).collect();
    let got = banyue::import::import(&subs, &urls, &ids, &taxonomy);
    for (title, url, why) in &got.skipped {
        eprintln!("skipped {title} ({url}): {why}");
    }
    match into {
        None => print!("{}", got.blocks),
        Some(target) => {
            let old = std::fs::read_to_string(target).unwrap_or_default();
            let new = format!("{}{}", old.trim_end(), got.blocks);
            Config::parse(&new, target).map_err(|e| anyhow::anyhow!("not written, the result would not load:\n{e}"))?;
            banyue::fsio::write_atomic(target, new.as_bytes())?;
            eprintln!("{} sources appended to {}", got.added, target.display());
        }
    }
    eprintln!("{} added, {} skipped", got.added, got.skipped.len());
    Ok(ExitCode::SUCCESS)
}

async fn probe(
    config: &Path,
    url: Option<&str>,
    source: Option<&str>,
    allow_private: bool,
) -> anyhow::Result<ExitCode> {
    let now = chrono::Utc::now();
    match (url, source) {
        (Some(u), None) => {
            let url = url::Url::parse(u).with_context(|| format!("`{u}` is not a URL"))?;
            // Probing needs no config; one that is there lends its network settings.
            let settings = Config::load(config)
                .map(|c| c.settings)
                .or_else(|_| Config::parse("", Path::new("probe")).map(|c| c.settings))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let fetcher = banyue::fetch::Fetcher::new(&settings)?;
            let found = banyue::probe::probe(&fetcher, &url, allow_private, now).await?;
            print!("{}", banyue::probe::render(&found, settings.timezone));
        }
        (None, Some(id)) => {
            let cfg = Config::load(config)?;
            let src = cfg
                .sources
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| anyhow::anyhow!("no source `{id}` in {}", config.display()))?;
            let fetcher = banyue::fetch::Fetcher::new(&cfg.settings)?;
            let tz = cfg.settings.timezone;
            print!("{}", banyue::probe::probe_source(&fetcher, src, now, tz).await?);
        }
        _ => anyhow::bail!("give a URL or --source ID"),
    }
    Ok(ExitCode::SUCCESS)
}

fn issue_command(config: &Path, which: Option<&str>, editor: &str, action: IssueAction) -> anyhow::Result<ExitCode> {
    use banyue::review::{Edit, Status};
    let pipeline = Pipeline::new(Config::load(config)?)?;
    let mut store = pipeline.open_store()?;
    let now = chrono::Utc::now();
    pipeline.retrain(&store)?;
    let issue = match which {
        None => pipeline.issue_for(&mut store, None, now)?,
        Some(stem) => {
            let (y, n) = banyue::review::Issue::parse_stem(stem)
                .ok_or_else(|| anyhow::anyhow!("--issue takes YEAR-NN, e.g. 2026-22"))?;
            store
                .issue(y, n)?
                .ok_or_else(|| anyhow::anyhow!("no issue {stem}; `banyue issue list` shows them"))?
        }
    };
    let edit = |item: Option<i64>, e: Edit, store: &mut banyue::store::Store| -> anyhow::Result<ExitCode> {
        let edited = pipeline.edit_issue(store, &issue, item, &e, editor, now)?;
        let id = edited.id;
        for r in &edited.resorted {
            println!("  also re-sorted #{} {} → {}: {}", r.id, r.from, r.to, r.title);
        }
        println!("edit #{id} on issue {}: {}", issue.stem(), serde_json::to_string(&e)?);
        Ok(ExitCode::SUCCESS)
    };
    match action {
        IssueAction::List => {
            for i in store.issues()? {
                println!(
                    "{}  第{}期（总第{}期）  {} 至 {}  {}",
                    i.stem(),
                    i.number,
                    i.total,
                    i.window.from,
                    i.window.to,
                    i.status.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Show => {
            let d = pipeline.draft_of(&store, &issue, now)?;
            println!(
                "{} 第{}期（总第{}期） {} — {}",
                d.report_name,
                d.number,
                d.total,
                d.status,
                issue.stem()
            );
            for s in d.sections.iter().filter(|s| !s.items.is_empty()) {
                println!("\n[{}] {}", s.id, s.name);
                for i in &s.items {
                    let flags = format!(
                        "{}{}",
                        if i.pinned { "📌" } else { "" },
                        i.rank.map(|r| format!(" #{r}")).unwrap_or_default()
                    );
                    println!("  {:>5}  {}  ({}, {:.1}){flags}", i.id, i.title, i.source, i.score);
                }
            }
            if !d.to_sort.is_empty() {
                println!("\n[to-sort] 待分类");
                for i in &d.to_sort {
                    println!("  {:>5}  {}  ({})", i.id, i.title, i.source);
                }
            }
            let edits = store.edits(issue.id)?;
            if !edits.is_empty() {
                println!("\nedits:");
                for e in edits {
                    println!(
                        "  #{} {} {} {}{}{}",
                        e.id,
                        e.at.format("%Y-%m-%d %H:%M"),
                        e.editor,
                        e.item_id.map(|i| format!("item {i} ")).unwrap_or_default(),
                        serde_json::to_string(&e.edit)?,
                        if e.undone_at.is_some() { " (undone)" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Move { item, section, city } => edit(Some(item), Edit::Move { section, city }, &mut store),
        IssueAction::Exclude { item } => edit(Some(item), Edit::Exclude, &mut store),
        IssueAction::Include { item } => edit(Some(item), Edit::Include, &mut store),
        IssueAction::Pin { item } => edit(Some(item), Edit::Pin, &mut store),
        IssueAction::Unpin { item } => edit(Some(item), Edit::Unpin, &mut store),
        IssueAction::Order { item, rank } => edit(Some(item), Edit::Order { rank }, &mut store),
        IssueAction::Headline { item, text } => edit(Some(item), Edit::Headline { text }, &mut store),
        IssueAction::Summary { item, text } => edit(Some(item), Edit::Summary { text }, &mut store),
        IssueAction::Merge { item, into } => edit(Some(item), Edit::Merge { into }, &mut store),
        IssueAction::Split { item } => edit(Some(item), Edit::Split, &mut store),
        IssueAction::Digest { section, text } => edit(None, Edit::Digest { section, text }, &mut store),
        IssueAction::Text { slot, text } => edit(None, Edit::Text { slot, text }, &mut store),
        IssueAction::Review => edit(None, Edit::Status { status: Status::Review }, &mut store),
        IssueAction::Window { from, to } => edit(None, Edit::Window { from, to }, &mut store),
        IssueAction::Add { url } => {
            let shared = std::sync::Arc::new(std::sync::Mutex::new(store));
            let rt = tokio::runtime::Handle::current();
            let id =
                tokio::task::block_in_place(|| rt.block_on(pipeline.add_by_url(&shared, &issue, &url, editor, now)))?;
            println!("added item #{id} to issue {}", issue.stem());
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Undo { edit: id } => {
            store.undo_edit(id, now)?;
            let d = pipeline.draft_of(&store, &issue, now)?;
            banyue::draft::render::export(
                &d,
                &pipeline.config.settings.drafts_dir,
                pipeline.config.settings.templates_dir.as_deref(),
            )?;
            println!("edit #{id} undone");
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Publish => {
            let files = pipeline.publish_issue(&mut store, &issue, editor, now)?;
            println!(
                "published {}:\n  {}\n  {}\n  {}\n  {}",
                issue.stem(),
                files.markdown.display(),
                files.html.display(),
                files.json.display(),
                files.docx.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Reopen => {
            pipeline.reopen_issue(&mut store, &issue, editor, now)?;
            println!("reopened {}", issue.stem());
            Ok(ExitCode::SUCCESS)
        }
        IssueAction::Export { out } => {
            let d = pipeline.draft_of(&store, &issue, now)?;
            let files = banyue::draft::render::export(&d, &out, pipeline.config.settings.templates_dir.as_deref())?;
            println!(
                "{}\n{}\n{}\n{}",
                files.markdown.display(),
                files.html.display(),
                files.json.display(),
                files.docx.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let taxonomy = match &config.settings.taxonomy {
        Some(p) => match Taxonomy::load(p) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e:#}");
                return Ok(ExitCode::FAILURE);
            }
        },
        None => Taxonomy::builtin(),
    };
    let classifier = banyue::classify::Classifier::new(taxonomy).context("building the classifier")?;
    // Secrets are read when a message goes out; say now which are missing here.
    for a in &config.alerts {
        for missing in banyue::alert::missing_secrets(a) {
            eprintln!(
                "{}:{}: warning: alert `{}`: {missing} (needed when a message is sent)",
                path.display(),
                a.line,
                a.id
            );
        }
    }
    let mut bad = 0;
    for s in &config.sources {
        if let Some(h) = &s.section_hint
            && classifier.taxonomy.section(h).is_none()
        {
            bad += 1;
            eprintln!(
                "{}:{}: source `{}`: section `{h}` is not in the taxonomy",
                path.display(),
                s.line,
                s.id
            );
        }
        if let Some(c) = &s.city_hint
            && classifier.gazetteer.by_short(c).is_none()
        {
            bad += 1;
            eprintln!(
                "{}:{}: source `{}`: city `{c}` is not a city in the gazetteer",
                path.display(),
                s.line,
                s.id
            );
        }
    }
    if bad > 0 {
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "{}: ok, {} sources, {} sections",
        path.display(),
        config.sources.len(),
        classifier.taxonomy.sections.len()
    );
    let _ = draft::Window::containing;
    Ok(ExitCode::SUCCESS)
}

/// The classifier of `banyue eval`: the config's taxonomy (the shipped one without a
/// config), having learned the given labelled files as editors' filings.
fn eval_classifier(config: &std::path::Path, train: &[PathBuf]) -> anyhow::Result<banyue::classify::Classifier> {
    let taxonomy = Taxonomy::configured(Config::load(config).ok().and_then(|c| c.settings.taxonomy).as_deref())?;
    let classifier = banyue::classify::Classifier::new(taxonomy)?;
    let mut examples = Vec::new();
    for t in train {
        examples.extend(banyue::eval::load(t)?.into_iter().map(|l| l.example()));
    }
    classifier.learn(&examples);
    Ok(classifier)
}
