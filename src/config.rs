//! Sources and settings: the TOML configuration, validated up front.
//!
//! Every problem is reported with the file, line and what is wrong, all at once, so an
//! operator fixes a config in one pass. Nothing else in banyue reads TOML.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use url::Url;

mod alert;
pub use alert::{Alert, Email, EventKind, Secret, SmtpTls, Target};

/// A problem found in a config file, located to its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// All problems found in one config file.
#[derive(Debug, Clone)]
pub struct ConfigError(pub Vec<Problem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Turns byte spans into 1-based line numbers for one file.
pub struct Locator<'a> {
    pub file: &'a str,
    pub text: &'a str,
    /// Where each line break is: a line number is a binary search, not a scan from the
    /// top (a config of 2,000 sources asks for 2,000 of them).
    newlines: Vec<usize>,
}

impl<'a> Locator<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Locator<'a> {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Locator { file, text, newlines }
    }

    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.newlines.partition_point(|n| *n < end) + 1
    }

    pub fn problem(&self, offset: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.to_string(),
            line: self.line(offset),
            message: message.into(),
        }
    }

    /// A TOML syntax or shape error, located by its span.
    pub fn toml_problem(&self, err: &toml::de::Error) -> Problem {
        let offset = err.span().map(|s| s.start).unwrap_or(0);
        self.problem(offset, err.message().trim().to_string())
    }
}

/// Every shape error of the file, not only the first: each top-level table
/// (`[settings]`, each `[[source]]` with its subtables, each `[[user]]`) is read on its
/// own, so a wrong type in one does not hide those in the others. Falls back to `first`
/// when no table alone shows an error (a problem between tables).
fn every_toml_problem<T: serde::de::DeserializeOwned>(text: &str, file: &str, first: &toml::de::Error) -> Vec<Problem> {
    let top = |line: &str| {
        let t = line.trim();
        matches!(t, "[settings]" | "[[source]]" | "[[user]]" | "[[alert]]")
    };
    let mut starts: Vec<usize> = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if top(line) && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    let mut problems = Vec::new();
    let whole = Locator::new(file, text);
    for w in starts.windows(2) {
        let chunk = &text[w[0]..w[1]];
        if let Err(e) = toml::from_str::<T>(chunk) {
            let before = whole.line(w[0]) - 1;
            let loc = Locator::new(file, chunk);
            let mut p = loc.toml_problem(&e);
            p.line += before;
            problems.push(p);
        }
    }
    if problems.is_empty() {
        problems.push(whole.toml_problem(first));
    }
    problems
}

// ---------------------------------------------------------------------------------------
// The file as written

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Catalogue files whose `[[source]]` tables join this file's.
    #[serde(default)]
    include: Vec<Spanned<RawInclude>>,
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    user: Vec<Spanned<RawUser>>,
    #[serde(default)]
    alert: Vec<Spanned<alert::RawAlert>>,
}

/// `include = ["sources/national.toml", { file = "sources/cities.toml", except = ["xm-gxj"] }]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawInclude {
    File(String),
    Group(RawGroup),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    file: String,
    /// A whole group switched off without deleting its line.
    #[serde(default = "yes")]
    enabled: bool,
    /// Only these sources of the group.
    only: Option<Vec<String>>,
    /// All but these.
    #[serde(default)]
    except: Vec<String>,
}

/// An included file: sources only (settings and users stay in the main file, so a
/// catalogue cannot change where data goes or who may sign in).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: String,
    /// An argon2 PHC string (`banyue hash-password` prints one).
    password_hash: String,
    /// `editor` (default) or `chief`.
    role: Option<String>,
}

/// What a user may do on the review desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Edits the draft.
    #[default]
    Editor,
    /// Edits, and alone publishes and reopens (when any user is chief).
    Chief,
}

/// Someone who may sign in to the review UI.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password_hash: String,
    pub role: Role,
}

impl Config {
    /// Whether `user` may publish or reopen an issue: a chief editor, or anyone while no
    /// user is chief.
    pub fn may_publish(&self, user: &str) -> bool {
        let chiefs = self.users.iter().filter(|u| u.role == Role::Chief).count();
        chiefs == 0 || self.users.iter().any(|u| u.name == user && u.role == Role::Chief)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    data_dir: Option<String>,
    store: Option<Spanned<String>>,
    feeds_dir: Option<String>,
    drafts_dir: Option<String>,
    timezone: Option<Spanned<String>>,
    taxonomy: Option<String>,
    concurrency: Option<usize>,
    timeout_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    user_agent: Option<String>,
    base_url: Option<Spanned<String>>,
    tag_authority: Option<String>,
    report_name: Option<String>,
    publisher: Option<String>,
    rights: Option<String>,
    feed_items: Option<usize>,
    issue_window: Option<Spanned<String>>,
    grace_days: Option<i64>,
    detail_fetch_limit: Option<usize>,
    per_host_concurrency: Option<usize>,
    per_host_delay_ms: Option<u64>,
    max_redirects: Option<usize>,
    max_items: Option<usize>,
    schedule: Option<Spanned<String>>,
    jitter_secs: Option<u64>,
    backoff_base_secs: Option<u64>,
    backoff_max_secs: Option<u64>,
    stale_hours: Option<i64>,
    issue_first_total: Option<u32>,
    listen: Option<Spanned<String>>,
    secure_cookies: Option<bool>,
    templates_dir: Option<String>,
    manual_allow_private: Option<bool>,
    rsshub_url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    name: String,
    /// Required for every kind but `rsshub`, whose address is `rsshub_url` + `route`.
    url: Option<Spanned<String>>,
    kind: Spanned<String>,
    /// An RSSHub route (`/gov/miit/zcwj`), for `kind = "rsshub"`.
    route: Option<Spanned<String>>,
    section: Option<Spanned<String>>,
    city: Option<String>,
    #[serde(default)]
    allow_private: bool,
    #[serde(default)]
    priority: i32,
    #[serde(default = "yes")]
    enabled: bool,
    schedule: Option<Spanned<String>>,
    user_agent: Option<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    cookies: Option<String>,
    list: Option<Spanned<RawList>>,
    json: Option<Spanned<RawJson>>,
    detail: Option<RawDetail>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJson {
    items: Option<String>,
    title: Option<String>,
    link: Option<String>,
    date: Option<String>,
    summary: Option<String>,
    issuer: Option<String>,
    doc_number: Option<String>,
    html: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    item: Spanned<String>,
    title: Spanned<String>,
    link: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    date_format: Option<String>,
    summary: Option<Spanned<String>>,
    next: Option<Spanned<String>>,
    page_pattern: Option<String>,
    page_start: Option<usize>,
    max_pages: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetail {
    #[serde(default)]
    body: Vec<Spanned<String>>,
    #[serde(default = "yes")]
    metadata: bool,
    date: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------------------
// The validated config

/// A CSS selector plus, optionally, the attribute to read (`a@title`, `a@href`).
#[derive(Debug, Clone)]
pub struct Pick {
    pub css: String,
    pub selector: scraper::Selector,
    pub attr: Option<String>,
}

impl Pick {
    pub fn parse(spec: &str) -> Result<Pick, String> {
        let (css, attr) = match spec.rsplit_once('@') {
            Some((css, attr)) if !attr.is_empty() && !attr.contains([' ', ']', '"']) => {
                (css.trim(), Some(attr.trim().to_string()))
            }
            _ => (spec.trim(), None),
        };
        let selector = scraper::Selector::parse(css).map_err(|e| format!("invalid CSS selector `{css}`: {e}"))?;
        Ok(Pick {
            css: css.to_string(),
            selector,
            attr,
        })
    }
}

/// How to read a list page.
#[derive(Debug, Clone)]
pub struct ListSpec {
    pub item: Pick,
    pub title: Pick,
    pub link: Pick,
    pub date: Option<Pick>,
    /// A chrono format for the date text, when the built-in forms do not fit.
    pub date_format: Option<String>,
    pub summary: Option<Pick>,
    /// The link to the next list page (`div.page a.next@href`).
    pub next: Option<Pick>,
    /// Further pages by pattern: `index_{n}.html`, n = 1, 2, … (the TRS convention).
    pub page_pattern: Option<String>,
    /// The n of the second page (1 for TRS `index_1.html`; 2 where page 2 is `index_2.html`).
    pub page_start: usize,
    /// List pages read per run, the first included.
    pub max_pages: usize,
}

/// How to read a JSON list endpoint: dotted paths into the document (`*` = every
/// element or member), then field names within each item.
#[derive(Debug, Clone, Default)]
pub struct JsonSpec {
    pub items: String,
    pub title: String,
    pub link: String,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
}

/// How to read a detail page.
#[derive(Debug, Clone)]
pub struct DetailSpec {
    /// Body selectors, tried in order.
    pub body: Vec<Pick>,
    /// Read 发文机关/发文字号/… from metadata tables and meta tags.
    pub metadata: bool,
    pub date: Option<Pick>,
}

#[derive(Debug, Clone)]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// An HTML list page scraped with CSS selectors.
    Html(Box<ListSpec>),
    /// A JSON endpoint listing items.
    Json(Box<JsonSpec>),
    /// A JSON endpoint whose field holds an HTML fragment of list rows (jpaas/Hanweb).
    JsonHtml { field: String, list: Box<ListSpec> },
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    /// Display name, used in attributions （新闻来源：…）.
    pub name: String,
    pub url: Url,
    pub kind: SourceKind,
    pub section_hint: Option<String>,
    pub city_hint: Option<String>,
    /// Allow scraped links and redirects to loopback/private addresses.
    pub allow_private: bool,
    /// Which report of a story represents it: higher first (an official portal over a
    /// reposting news site).
    pub priority: i32,
    pub detail: Option<DetailSpec>,
    /// When the daemon fetches it; `None` means the settings' default schedule.
    pub schedule: Option<cron::Schedule>,
    /// Extra request headers (Referer, Cookie, User-Agent …).
    pub headers: Vec<(String, String)>,
    /// Where the source is defined, for messages.
    pub line: usize,
    /// The catalogue file it came from (`national` for `sources/national.toml`); `None`
    /// for the main config's own sources.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueWindow {
    /// 1st–15th and 16th–end of month: the report's rhythm.
    HalfMonth,
    Month,
    Week,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Where items, issues and edits are kept (`store`, `$BANYUE_STORE`).
    pub store: StoreLocation,
    pub feeds_dir: PathBuf,
    pub drafts_dir: PathBuf,
    pub timezone: chrono_tz::Tz,
    /// Taxonomy file; `None` means the one built into the binary.
    pub taxonomy: Option<PathBuf>,
    pub concurrency: usize,
    pub timeout_secs: u64,
    pub max_body_bytes: usize,
    pub user_agent: String,
    /// Public base URL of the published feeds (for `rel="self"` links).
    pub base_url: Url,
    /// Authority for tag: URIs; ids must never change once feeds are out.
    pub tag_authority: String,
    pub report_name: String,
    pub publisher: String,
    /// The feeds' `atom:rights` (default: © the publisher).
    pub rights: String,
    pub feed_items: usize,
    pub issue_window: IssueWindow,
    /// An item first collected inside a window still belongs to it when published at
    /// most this many days before the window started.
    pub grace_days: i64,
    /// Detail pages fetched per source per run, at most.
    pub detail_fetch_limit: usize,
    /// Requests to one host at once, and the least time between their starts.
    pub per_host_concurrency: usize,
    pub per_host_delay_ms: u64,
    pub max_redirects: usize,
    /// Items read from one source per run (all its pages together); more are dropped
    /// with a warning: no list page or feed holds thousands of new items.
    pub max_items: usize,
    /// The daemon's default schedule (cron, with seconds: `0 0 */3 * * *`).
    pub schedule: cron::Schedule,
    /// Random delay added to each scheduled fetch, so sources do not fire together.
    pub jitter_secs: u64,
    /// Failing sources wait base·2^(failures−1), at most max, before the next try.
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    /// A source that has produced nothing new for longer is flagged as stale.
    pub stale_hours: i64,
    /// 总第M期 of the first issue this database drafts.
    pub issue_first_total: u32,
    /// Where `banyue serve` listens; loopback unless the operator says otherwise.
    pub listen: std::net::SocketAddr,
    /// Mark the session cookie Secure (behind HTTPS).
    pub secure_cookies: bool,
    /// A directory of templates (`issue.md`, `issue.html`) overriding the built-in ones.
    pub templates_dir: Option<PathBuf>,
    /// Let editors add items by URL from loopback/private addresses (tests, intranets).
    pub manual_allow_private: bool,
    /// A (self-hosted) RSSHub instance for `kind = "rsshub"` sources; `$RSSHUB_URL` wins.
    pub rsshub_url: Option<Url>,
}

impl Settings {
    /// The default store's file (`data_dir/banyue.db`).
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("banyue.db")
    }
}

/// Where the store is: a SQLite file (the default, `data_dir/banyue.db`) or a PostgreSQL
/// database shared by several collectors and review servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StoreLocation {
    /// `sqlite:PATH` (or a bare path), `postgres://…` or `postgresql://…`.
    pub fn parse(s: &str) -> Result<StoreLocation, String> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreLocation::Postgres(s.to_string()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() || path.contains("://") {
            return Err(format!(
                "store `{s}` is neither `sqlite:PATH` nor `postgres://USER@HOST/DB`"
            ));
        }
        Ok(StoreLocation::Sqlite(PathBuf::from(path)))
    }
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            StoreLocation::Postgres(u) => f.write_str(&shown_url(u)),
        }
    }
}

/// A store's address without its password, for messages and logs.
pub fn shown_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "the configured PostgreSQL store".into(),
    }
}

/// `$BANYUE_STORE`, else `store` in [settings], else the SQLite file in the data directory.
fn store_location(
    raw: Option<&Spanned<String>>,
    data_dir: &std::path::Path,
    rel: impl Fn(Option<String>, &str) -> PathBuf,
    loc: &Locator,
    problems: &mut Vec<Problem>,
) -> StoreLocation {
    let default = StoreLocation::Sqlite(data_dir.join("banyue.db"));
    if let Some(env) = std::env::var("BANYUE_STORE").ok().filter(|v| !v.trim().is_empty()) {
        return StoreLocation::parse(&env).unwrap_or_else(|why| {
            problems.push(loc.problem(0, format!("$BANYUE_STORE: {why}")));
            default
        });
    }
    let Some(raw) = raw else { return default };
    match StoreLocation::parse(raw.get_ref()) {
        Ok(StoreLocation::Sqlite(p)) => StoreLocation::Sqlite(rel(Some(p.to_string_lossy().into_owned()), "")),
        Ok(pg) => pg,
        Err(why) => {
            problems.push(loc.problem(raw.span().start, why));
            default
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub sources: Vec<Source>,
    /// Review UI users, from `[[user]]` tables and `$BANYUE_USERS` (`name:hash;…`).
    pub users: Vec<User>,
    /// Where to say that something needs a person (`[[alert]]`).
    pub alerts: Vec<Alert>,
    /// The file it came from, for messages and relative paths.
    pub path: PathBuf,
}

pub const SECTION_IDS_HINT: &str = "a section id of the taxonomy";

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text =
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        Ok(Config::parse(&text, path)?)
    }

    /// Validate config text; `path` names the file in messages and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let loc = Locator::new(&file, text);
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError(every_toml_problem::<RawConfig>(text, &file, &e)))?;
        let mut problems = Vec::new();
        let base_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let settings = settings(raw.settings, &loc, &base_dir, &mut problems);
        let mut sources: Vec<Source> = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for s in raw.source {
            let line = loc.line(s.span().start);
            if let Some(src) = source(s.into_inner(), line, &loc, settings.rsshub_url.as_ref(), &mut problems) {
                if !ids.insert(src.id.clone()) {
                    problems.push(Problem {
                        file: file.clone(),
                        line,
                        message: format!("source id `{}` is used twice", src.id),
                    });
                }
                sources.push(src);
            }
        }
        // The main file's own sources come first and win: an operator overrides one
        // catalogue entry by writing a source with its id.
        let own: std::collections::HashSet<String> = ids.clone();
        let mut included_ids = std::collections::HashMap::new();
        for inc in &raw.include {
            let at = inc.span().start;
            for src in included(
                inc.get_ref(),
                at,
                &loc,
                &base_dir,
                settings.rsshub_url.as_ref(),
                &mut problems,
            ) {
                if own.contains(&src.id) {
                    continue;
                }
                let group = src.group.clone().unwrap_or_default();
                if let Some(first) = included_ids.insert(src.id.clone(), group.clone()) {
                    problems.push(loc.problem(at, format!("source id `{}` is in both {first} and {group}", src.id)));
                    continue;
                }
                sources.push(src);
            }
        }
        // Two sources on one address fetch it twice and store its items twice.
        let mut by_url: std::collections::HashMap<&str, &Source> = std::collections::HashMap::new();
        for src in &sources {
            if let Some(first) = by_url.insert(src.url.as_str(), src) {
                let where_ = |s: &Source| match &s.group {
                    Some(g) => format!("`{}` (catalogue {g})", s.id),
                    None => format!("`{}`", s.id),
                };
                problems.push(Problem {
                    file: file.clone(),
                    // A line of this file: the source written here, else the top.
                    line: [src, first].iter().find(|s| s.group.is_none()).map_or(1, |s| s.line),
                    message: format!(
                        "sources {} and {} fetch the same address {}; keep one (a source here with a catalogue id replaces it)",
                        where_(first),
                        where_(src),
                        src.url
                    ),
                });
            }
        }
        let mut users = Vec::new();
        for u in raw.user {
            let at = u.span().start;
            let u = u.into_inner();
            if !u.password_hash.starts_with("$argon2") {
                problems.push(loc.problem(
                    at,
                    format!(
                        "user `{}`: password_hash must be an argon2 hash (run `banyue hash-password`)",
                        u.name
                    ),
                ));
            }
            let role = match u.role.as_deref() {
                None | Some("editor") => Role::Editor,
                Some("chief") => Role::Chief,
                Some(other) => {
                    problems.push(loc.problem(at, format!("user `{}`: role `{other}` is not editor or chief", u.name)));
                    Role::Editor
                }
            };
            users.push(User {
                name: u.name,
                password_hash: u.password_hash,
                role,
            });
        }
        // `name:hash` or `name:hash:chief`, separated by `;` (PHC strings hold no `:`).
        if let Ok(env) = std::env::var("BANYUE_USERS") {
            for entry in env.split(';').filter(|p| !p.trim().is_empty()) {
                let mut parts = entry.splitn(3, ':');
                if let (Some(name), Some(hash)) = (parts.next(), parts.next()) {
                    users.push(User {
                        name: name.trim().to_string(),
                        password_hash: hash.trim().to_string(),
                        role: if parts.next().map(str::trim) == Some("chief") {
                            Role::Chief
                        } else {
                            Role::Editor
                        },
                    });
                }
            }
        }
        let mut alerts: Vec<Alert> = Vec::new();
        for (i, a) in raw.alert.into_iter().enumerate() {
            let at = a.span().start;
            if let Some(a) = alert::alert(a.into_inner(), at, i, &loc, &base_dir, &mut problems) {
                if alerts.iter().any(|b| b.id == a.id) {
                    problems.push(loc.problem(at, format!("alert id `{}` is used twice", a.id)));
                }
                alerts.push(a);
            }
        }
        if problems.is_empty() {
            Ok(Config {
                settings,
                sources,
                users,
                alerts,
                path: path.to_path_buf(),
            })
        } else {
            Err(ConfigError(problems))
        }
    }
}

fn source_url(id: &str, raw: &Spanned<String>, loc: &Locator, problems: &mut Vec<Problem>) -> Option<Url> {
    let written = raw.get_ref();
    let at = raw.span().start;
    let why = match Url::parse(written) {
        Ok(_) if written.trim() != written || written.contains(char::is_whitespace) => {
            format!("source `{id}`: url `{written}` contains a space; write it as %20")
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => format!("source `{id}`: url `{written}` has no host"),
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => return Some(u),
        Ok(u) => format!("source `{id}`: url scheme `{}` is not http or https", u.scheme()),
        Err(e) => format!("source `{id}`: url `{written}` is not a URL: {e}"),
    };
    problems.push(loc.problem(at, why));
    None
}

/// `rsshub_url` + the route: `/gov/miit/zcwj` on `http://rsshub:1200/`.
fn rsshub_route(
    id: &str,
    route: Option<&Spanned<String>>,
    rsshub: Option<&Url>,
    kind_at: usize,
    loc: &Locator,
    problems: &mut Vec<Problem>,
) -> Option<Url> {
    let Some(route) = route else {
        problems.push(loc.problem(
            kind_at,
            format!("source `{id}`: kind = \"rsshub\" needs a route (such as \"/gov/miit/zcwj\")"),
        ));
        return None;
    };
    let Some(base) = rsshub else {
        problems.push(loc.problem(
            kind_at,
            format!("source `{id}`: kind = \"rsshub\" needs rsshub_url in [settings] (or $RSSHUB_URL)"),
        ));
        return None;
    };
    let r = route.get_ref().trim();
    if !r.starts_with('/') || r.contains(char::is_whitespace) {
        problems.push(loc.problem(
            route.span().start,
            format!("source `{id}`: route `{r}` must start with / and hold no spaces"),
        ));
        return None;
    }
    match Url::parse(&format!("{}{r}", base.as_str().trim_end_matches('/'))) {
        Ok(u) => Some(u),
        Err(e) => {
            problems.push(loc.problem(route.span().start, format!("source `{id}`: route `{r}`: {e}")));
            None
        }
    }
}

/// The enabled sources of one `include` entry; problems are located in the included file
/// (its own lines), or at the `include` line when the file cannot be read.
fn included(
    inc: &RawInclude,
    at: usize,
    loc: &Locator,
    base: &Path,
    rsshub: Option<&Url>,
    problems: &mut Vec<Problem>,
) -> Vec<Source> {
    let group = match inc {
        RawInclude::File(f) => RawGroup {
            file: f.clone(),
            enabled: true,
            only: None,
            except: Vec::new(),
        },
        RawInclude::Group(g) => RawGroup {
            file: g.file.clone(),
            enabled: g.enabled,
            only: g.only.clone(),
            except: g.except.clone(),
        },
    };
    if !group.enabled {
        return Vec::new();
    }
    let path = base.join(&group.file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(loc.problem(at, format!("include `{}`: cannot read it: {e}", group.file)));
            return Vec::new();
        }
    };
    let shown = path.display().to_string();
    let inner = Locator::new(&shown, &text);
    let raw: RawCatalogue = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let mut found = every_toml_problem::<RawCatalogue>(&text, &shown, &e);
            for p in &mut found {
                if p.message.contains("unknown field") {
                    p.message = format!("{} (an included file holds only [[source]] tables)", p.message);
                }
            }
            problems.extend(found);
            return Vec::new();
        }
    };
    let name = Path::new(&group.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| group.file.clone());
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in raw.source {
        let line = inner.line(s.span().start);
        let Some(mut src) = source(s.into_inner(), line, &inner, rsshub, problems) else {
            continue;
        };
        if !seen.insert(src.id.clone()) {
            problems.push(Problem {
                file: shown.clone(),
                line,
                message: format!("source id `{}` is used twice", src.id),
            });
            continue;
        }
        let wanted = group.only.as_ref().is_none_or(|o| o.contains(&src.id)) && !group.except.contains(&src.id);
        if wanted {
            src.group = Some(name.clone());
            out.push(src);
        }
    }
    for id in group.only.iter().flatten().chain(&group.except) {
        if !seen.contains(id) {
            problems.push(loc.problem(at, format!("include `{}`: no source `{id}` in it", group.file)));
        }
    }
    out
}

fn settings(raw: RawSettings, loc: &Locator, base: &Path, problems: &mut Vec<Problem>) -> Settings {
    let rel = |p: Option<String>, default: &str| -> PathBuf {
        let p = PathBuf::from(p.unwrap_or_else(|| default.to_string()));
        if p.is_absolute() { p } else { base.join(p) }
    };
    // Containers mount their volumes where the image says, whatever the config says.
    let env_dir = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from);
    let timezone = match raw.timezone {
        None => chrono_tz::Asia::Shanghai,
        Some(tz) => tz.get_ref().parse().unwrap_or_else(|_| {
            problems.push(loc.problem(
                tz.span().start,
                format!(
                    "unknown timezone `{}` (use an IANA name such as Asia/Shanghai)",
                    tz.get_ref()
                ),
            ));
            chrono_tz::Asia::Shanghai
        }),
    };
    let default_base = Url::parse("http://127.0.0.1:8080/feeds/").expect("static URL");
    let base_url = match raw.base_url {
        None => default_base,
        Some(u) => match Url::parse(u.get_ref()) {
            Ok(mut url) => {
                if !url.path().ends_with('/') {
                    let p = format!("{}/", url.path());
                    url.set_path(&p);
                }
                url
            }
            Err(e) => {
                problems.push(loc.problem(u.span().start, format!("base_url is not a URL: {e}")));
                default_base
            }
        },
    };
    let default_schedule: cron::Schedule = "0 0 */3 * * *".parse().expect("static cron expression");
    let schedule = match &raw.schedule {
        None => default_schedule,
        Some(sch) => parse_schedule(sch, loc, problems).unwrap_or(default_schedule),
    };
    let issue_window = match raw.issue_window.as_ref().map(|w| w.get_ref().as_str()) {
        None | Some("half-month") => IssueWindow::HalfMonth,
        Some("month") => IssueWindow::Month,
        Some("week") => IssueWindow::Week,
        Some(other) => {
            let at = raw.issue_window.as_ref().map(|w| w.span().start).unwrap_or(0);
            problems.push(loc.problem(
                at,
                format!("issue_window `{other}` is not one of half-month, month, week"),
            ));
            IssueWindow::HalfMonth
        }
    };
    let data_dir = env_dir("BANYUE_DATA_DIR").unwrap_or_else(|| rel(raw.data_dir, "data"));
    let store = store_location(raw.store.as_ref(), &data_dir, rel, loc, problems);
    Settings {
        data_dir,
        store,
        feeds_dir: env_dir("BANYUE_FEEDS_DIR").unwrap_or_else(|| rel(raw.feeds_dir, "feeds")),
        drafts_dir: env_dir("BANYUE_DRAFTS_DIR").unwrap_or_else(|| rel(raw.drafts_dir, "drafts")),
        timezone,
        taxonomy: raw.taxonomy.map(|t| rel(Some(t), "")),
        concurrency: raw.concurrency.unwrap_or(8).clamp(1, 256),
        timeout_secs: raw.timeout_secs.unwrap_or(30).clamp(1, 600),
        max_body_bytes: raw.max_body_bytes.unwrap_or(8 * 1024 * 1024).max(1024),
        user_agent: raw
            .user_agent
            .unwrap_or_else(|| format!("banyue/{} (feed aggregator)", env!("CARGO_PKG_VERSION"))),
        base_url,
        tag_authority: raw.tag_authority.unwrap_or_else(|| "banyue.invalid".to_string()),
        report_name: raw
            .report_name
            .unwrap_or_else(|| "软件和信息技术服务业半月报".to_string()),
        rights: raw
            .rights
            .unwrap_or_else(|| format!("© {}", raw.publisher.as_deref().unwrap_or("banyue"))),
        publisher: raw.publisher.unwrap_or_else(|| "banyue".to_string()),
        feed_items: raw.feed_items.unwrap_or(50).clamp(1, 1000),
        issue_window,
        grace_days: raw.grace_days.unwrap_or(15).clamp(0, 366),
        detail_fetch_limit: raw.detail_fetch_limit.unwrap_or(30),
        per_host_concurrency: raw.per_host_concurrency.unwrap_or(2).clamp(1, 1024),
        per_host_delay_ms: raw.per_host_delay_ms.unwrap_or(500),
        max_redirects: raw.max_redirects.unwrap_or(10).min(20),
        max_items: raw.max_items.unwrap_or(1000).max(1),
        schedule,
        jitter_secs: raw.jitter_secs.unwrap_or(60),
        backoff_base_secs: raw.backoff_base_secs.unwrap_or(300).max(1),
        backoff_max_secs: raw.backoff_max_secs.unwrap_or(6 * 3600).max(1),
        stale_hours: raw.stale_hours.unwrap_or(72).max(1),
        issue_first_total: raw.issue_first_total.unwrap_or(1).max(1),
        listen: match &raw.listen {
            None => std::net::SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(l) => l.get_ref().parse().unwrap_or_else(|_| {
                problems.push(loc.problem(
                    l.span().start,
                    format!("listen `{}` is not an address:port", l.get_ref()),
                ));
                std::net::SocketAddr::from(([127, 0, 0, 1], 8080))
            }),
        },
        secure_cookies: raw.secure_cookies.unwrap_or(false),
        templates_dir: raw.templates_dir.map(|t| rel(Some(t), "")),
        manual_allow_private: raw.manual_allow_private.unwrap_or(false),
        rsshub_url: rsshub_url(raw.rsshub_url.as_ref(), loc, problems),
    }
}

fn rsshub_url(raw: Option<&Spanned<String>>, loc: &Locator, problems: &mut Vec<Problem>) -> Option<Url> {
    let from_env = std::env::var("RSSHUB_URL").ok().filter(|v| !v.trim().is_empty());
    let (text, at) = match (from_env, raw) {
        (Some(env), _) => (env, 0),
        (None, Some(r)) => (r.get_ref().clone(), r.span().start),
        (None, None) => return None,
    };
    match Url::parse(text.trim()) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Some(u),
        _ => {
            problems.push(loc.problem(at, format!("rsshub_url `{text}` is not an http(s) URL")));
            None
        }
    }
}

fn parse_schedule(spec: &Spanned<String>, loc: &Locator, problems: &mut Vec<Problem>) -> Option<cron::Schedule> {
    match schedule_of(spec.get_ref()) {
        Ok(s) => Some(s),
        Err(why) => {
            problems.push(loc.problem(spec.span().start, why));
            None
        }
    }
}

/// A cron schedule (with a seconds field), or what is wrong with it in words a person
/// can act on.
pub fn schedule_of(expr: &str) -> Result<cron::Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() == 5 {
        return Err(format!(
            "schedule `{expr}` has 5 fields; banyue's cron starts with seconds: write `0 {expr}`"
        ));
    }
    // Ranges in our words: the cron crate's say "less than 59" of minutes 0–59.
    const RANGES: [(&str, u32, u32); 6] = [
        ("seconds", 0, 59),
        ("minutes", 0, 59),
        ("hours", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 1, 7),
    ];
    for (field, (name, lo, hi)) in fields.iter().zip(RANGES) {
        for part in field.split([',', '-', '/']) {
            if let Ok(n) = part.parse::<u32>()
                && (n < lo || n > hi)
                && !field.contains(&format!("/{part}"))
            {
                return Err(format!("schedule `{expr}`: {name} must be {lo}–{hi}, not {n}"));
            }
        }
    }
    let schedule = expr
        .parse::<cron::Schedule>()
        .map_err(|e| format!("schedule `{expr}` is not a cron expression (sec min hour day month weekday): {e}"))?;
    if schedule.upcoming(chrono::Utc).next().is_none() {
        return Err(format!("schedule `{expr}` never fires (no such date)"));
    }
    Ok(schedule)
}

fn pick(spec: &Spanned<String>, what: &str, loc: &Locator, problems: &mut Vec<Problem>) -> Option<Pick> {
    match Pick::parse(spec.get_ref()) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(loc.problem(spec.span().start, format!("{what}: {e}")));
            None
        }
    }
}

fn list_spec(id: &str, l: &RawList, loc: &Locator, problems: &mut Vec<Problem>) -> Option<ListSpec> {
    let before = problems.len();
    let mut p = |spec: &Spanned<String>, what: &str| pick(spec, &format!("source `{id}` list.{what}"), loc, problems);
    let item = p(&l.item, "item");
    let title = p(&l.title, "title");
    let link = match &l.link {
        Some(s) => p(s, "link"),
        None => Pick::parse("a").ok(),
    };
    let date = l.date.as_ref().and_then(|s| p(s, "date"));
    let summary = l.summary.as_ref().and_then(|s| p(s, "summary"));
    let next = l.next.as_ref().and_then(|s| p(s, "next"));
    if let Some(pat) = &l.page_pattern
        && !pat.contains("{n}")
    {
        problems.push(loc.problem(
            l.item.span().start,
            format!("source `{id}`: page_pattern `{pat}` has no {{n}}"),
        ));
    }
    if problems.len() > before {
        return None;
    }
    Some(ListSpec {
        item: item?,
        title: title?,
        link: link?,
        date,
        date_format: l.date_format.clone(),
        summary,
        next,
        page_pattern: l.page_pattern.clone(),
        page_start: l.page_start.unwrap_or(1).min(10_000),
        max_pages: l.max_pages.unwrap_or(1).clamp(1, 50),
    })
}

fn source(
    raw: RawSource,
    line: usize,
    loc: &Locator,
    rsshub: Option<&Url>,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    let before = problems.len();
    let id = raw.id.get_ref().trim().to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        problems.push(loc.problem(
            raw.id.span().start,
            format!("source id `{id}` must be non-empty ASCII letters, digits, - or _"),
        ));
    }
    let kind_at = raw.kind.span().start;
    let is_rsshub = raw.kind.get_ref() == "rsshub";
    let url = match (&raw.url, is_rsshub) {
        (Some(u), false) => source_url(&id, u, loc, problems),
        (None, false) => {
            problems.push(loc.problem(kind_at, format!("source `{id}`: url is missing")));
            None
        }
        (Some(u), true) => {
            problems.push(loc.problem(
                u.span().start,
                format!("source `{id}`: kind = \"rsshub\" takes a route, not a url"),
            ));
            None
        }
        (None, true) => rsshub_route(&id, raw.route.as_ref(), rsshub, kind_at, loc, problems),
    };
    let list = raw
        .list
        .as_ref()
        .and_then(|l| list_spec(&id, l.get_ref(), loc, problems));
    let needs = |what: &str, problems: &mut Vec<Problem>| {
        problems.push(loc.problem(
            kind_at,
            format!("source `{id}`: kind = \"{}\" needs {what}", raw.kind.get_ref()),
        ));
    };
    if let (Some(r), false) = (&raw.route, is_rsshub) {
        problems.push(loc.problem(r.span().start, format!("source `{id}`: route is for kind = \"rsshub\"")));
    }
    let kind = match raw.kind.get_ref().as_str() {
        "feed" | "rsshub" => {
            if let Some(l) = &raw.list {
                problems.push(loc.problem(
                    l.span().start,
                    format!("source `{id}`: [source.list] is not for kind = \"feed\""),
                ));
            }
            Some(SourceKind::Feed)
        }
        "html" => match (&raw.list, list) {
            (None, _) => {
                needs("a [source.list] table with item and title selectors", problems);
                None
            }
            (Some(_), l) => l.map(|l| SourceKind::Html(Box::new(l))),
        },
        "json" => match raw.json.as_ref().map(|j| j.get_ref()) {
            None => {
                needs("a [source.json] table", problems);
                None
            }
            Some(RawJson { html: Some(field), .. }) => match list {
                Some(l) => Some(SourceKind::JsonHtml {
                    field: field.clone(),
                    list: Box::new(l),
                }),
                None => {
                    needs("a [source.list] table to read the HTML in json.html", problems);
                    None
                }
            },
            Some(j) => match (&j.items, &j.title, &j.link) {
                (Some(items), Some(title), Some(link)) => Some(SourceKind::Json(Box::new(JsonSpec {
                    items: items.clone(),
                    title: title.clone(),
                    link: link.clone(),
                    date: j.date.clone(),
                    summary: j.summary.clone(),
                    issuer: j.issuer.clone(),
                    doc_number: j.doc_number.clone(),
                }))),
                _ => {
                    needs(
                        "json.items, json.title and json.link (or json.html with a [source.list])",
                        problems,
                    );
                    None
                }
            },
        },
        other => {
            problems.push(loc.problem(
                kind_at,
                format!("source `{id}`: kind `{other}` is not one of feed, html, json, rsshub"),
            ));
            None
        }
    };
    let detail = raw.detail.map(|d| DetailSpec {
        body: d
            .body
            .iter()
            .filter_map(|b| pick(b, &format!("source `{id}` detail.body"), loc, problems))
            .collect(),
        metadata: d.metadata,
        date: d
            .date
            .as_ref()
            .and_then(|s| pick(s, &format!("source `{id}` detail.date"), loc, problems)),
    });
    let schedule = raw.schedule.as_ref().and_then(|s| parse_schedule(s, loc, problems));
    let mut headers: Vec<(String, String)> = raw.headers.into_iter().collect();
    if let Some(ua) = raw.user_agent {
        headers.push(("User-Agent".into(), ua));
    }
    if let Some(c) = raw.cookies {
        headers.push(("Cookie".into(), c));
    }
    for (k, v) in &headers {
        if reqwest::header::HeaderName::try_from(k.as_str()).is_err()
            || reqwest::header::HeaderValue::try_from(v.as_str()).is_err()
        {
            problems.push(Problem {
                file: loc.file.to_string(),
                line,
                message: format!("source `{id}`: header `{k}` is not a valid HTTP header"),
            });
        }
    }
    let section_hint = raw.section.map(|s| s.into_inner());
    if problems.len() > before || !raw.enabled {
        return None;
    }
    Some(Source {
        id,
        name: raw.name,
        url: url?,
        kind: kind?,
        section_hint,
        city_hint: raw.city,
        // The RSSHub instance is the operator's own, often on a private network.
        allow_private: raw.allow_private || is_rsshub,
        priority: raw.priority,
        detail,
        schedule,
        headers,
        line,
        group: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("banyue.toml"))
    }

    /// A directory with a main config and a catalogue file, removed on drop.
    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn dir_with(files: &[(&str, &str)]) -> Dir {
        let d = std::env::temp_dir().join(format!("banyue-config-{}-{:x}", std::process::id(), {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            files[0].1.hash(&mut h);
            h.finish()
        }));
        for (name, text) in files {
            let path = d.join(name);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("temp dir");
            std::fs::write(path, text).expect("temp file");
        }
        Dir(d)
    }

    const CATALOGUE: &str = "# two portals\n[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://a.test/\"\nkind = \"feed\"\n\n[[source]]\nid = \"b\"\nname = \"B\"\nurl = \"http://b.test/\"\nkind = \"feed\"\n";

    #[test]
    fn included_sources_join_with_their_group_and_the_main_file_overrides_them() {
        let d = dir_with(&[
            (
                "banyue.toml",
                "include = [\"sources/gov.toml\"]\n[[source]]\nid = \"b\"\nname = \"Mine\"\nurl = \"http://mine.test/\"\nkind = \"feed\"\n",
            ),
            ("sources/gov.toml", CATALOGUE),
        ]);
        let cfg = Config::load(&d.0.join("banyue.toml")).expect("valid");
        let seen: Vec<(&str, Option<&str>, &str)> = cfg
            .sources
            .iter()
            .map(|s| (s.id.as_str(), s.group.as_deref(), s.name.as_str()))
            .collect();
        assert_eq!(seen, vec![("b", None, "Mine"), ("a", Some("gov"), "A")]);
    }

    #[test]
    fn a_group_can_be_switched_off_or_cut_and_its_problems_name_its_own_lines() {
        let d = dir_with(&[
            (
                "banyue.toml",
                "include = [{ file = \"sources/gov.toml\", except = [\"a\"] }, { file = \"sources/off.toml\", enabled = false }]\n",
            ),
            ("sources/gov.toml", CATALOGUE),
            ("sources/off.toml", "[[source]]\nid = \"c\"\n"),
        ]);
        let cfg = Config::load(&d.0.join("banyue.toml")).expect("valid: the broken group is off");
        assert_eq!(cfg.sources.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), vec!["b"]);

        let d = dir_with(&[
            (
                "banyue.toml",
                "include = [\"sources/bad.toml\", { file = \"sources/gov.toml\", only = [\"zz\"] }, \"sources/missing.toml\"]\n",
            ),
            ("sources/gov.toml", CATALOGUE),
            (
                "sources/bad.toml",
                "[[source]]\nid = \"x\"\nname = \"X\"\nurl = \"ftp://x.test/\"\nkind = \"feed\"\n\n[settings]\nconcurrency = 1\n",
            ),
        ]);
        let err = Config::load(&d.0.join("banyue.toml")).expect_err("three problems");
        let text = err.to_string();
        assert!(text.contains("bad.toml:7:"), "{text}");
        assert!(text.contains("only [[source]] tables"), "{text}");
        assert!(text.contains("no source `zz`"), "{text}");
        assert!(text.contains("missing.toml") && text.contains("cannot read"), "{text}");
    }

    #[test]
    fn an_rsshub_source_is_a_feed_at_the_instance_plus_its_route() {
        let cfg = parse("[settings]\nrsshub_url = \"http://rsshub:1200/\"\n[[source]]\nid = \"miit\"\nname = \"工信部\"\nkind = \"rsshub\"\nroute = \"/gov/miit/zcwj\"\n")
            .expect("valid");
        let s = &cfg.sources[0];
        assert!(matches!(s.kind, SourceKind::Feed));
        assert_eq!(s.url.as_str(), "http://rsshub:1200/gov/miit/zcwj");
        let err =
            parse("[[source]]\nid = \"miit\"\nname = \"工信部\"\nkind = \"rsshub\"\nroute = \"/gov/miit/zcwj\"\n")
                .expect_err("no instance");
        assert!(err.to_string().contains("rsshub_url"), "{err}");
        let err = parse("[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"feed\"\n").expect_err("no url");
        assert!(err.to_string().contains("url is missing"), "{err}");
    }

    #[test]
    fn a_typo_in_a_key_names_its_line() {
        let err = parse("[settings]\n\n[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x.test/\"\nkind = \"feed\"\nsection_hnt = \"policy\"\n")
            .unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].line, 8, "{err}");
        assert!(err.0[0].message.contains("section_hnt"), "{err}");
    }

    #[test]
    fn every_semantic_problem_is_reported_with_its_line() {
        let text = "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"ftp://x.test/\"\nkind = \"feed\"\n\n[[source]]\nid = \"b\"\nname = \"B\"\nurl = \"http://x.test/\"\nkind = \"html\"\n[source.list]\nitem = \"li[\"\ntitle = \"a@title\"\n";
        let err = parse(text).unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![4, 13], "{err}");
        assert!(
            err.to_string()
                .contains("banyue.toml:13: source `b` list.item: invalid CSS selector")
        );
    }

    #[test]
    fn every_wrong_type_is_reported_not_only_the_first() {
        let text = "[settings]\nconcurrency = \"x\"\n\n[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://x.test/\"\nkind = \"feed\"\npriority = \"high\"\n\n[[source]]\nid = \"b\"\nname = \"B\"\nurl = \"http://x.test/b\"\nkind = \"feed\"\nallow_private = 1\n";
        let err = parse(text).unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 9, 16], "{err}");
    }

    /// The problems of a config of one feed source at `url` with `more` lines, as text.
    fn one_source_problems(url: &str, more: &str) -> String {
        parse(&format!(
            "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"{url}\"\nkind = \"feed\"\n{more}"
        ))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    }

    fn says(problems: &str, want: &str) {
        assert!(problems.contains(want), "wanted `{want}` in: {problems}");
    }

    #[test]
    fn cron_problems_in_words() {
        let with = |sched: &str| one_source_problems("http://x.test/", &format!("schedule = \"{sched}\"\n"));
        says(&with("*/5 * * * *"), "write `0 */5 * * * *`");
        says(&with("0 60 * * * *"), "minutes must be 0–59, not 60");
        says(&with("0 0 0 30 2 *"), "never fires");
        assert_eq!(with("0 */15 * * * *"), "");
        assert_eq!(with("0 0 8 * * Mon-Fri"), "");
    }

    #[test]
    fn urls_with_spaces_or_no_host_are_refused() {
        let with = |url: &str| one_source_problems(url, "");
        says(&with("http://x.test/a b.xml"), "contains a space");
        says(&with("http://:80/feed.xml"), "not a URL");
        assert_eq!(with("http://x.test/a%20b.xml"), "");
    }

    #[test]
    fn html_source_with_selectors_is_valid() {
        let cfg = parse("[[source]]\nid = \"gov\"\nname = \"G\"\nurl = \"http://x.test/list/\"\nkind = \"html\"\ncity = \"南京\"\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\ndate = \"span\"\n[source.detail]\nbody = [\"#zoom\"]\n")
            .expect("the html source with selectors parses");
        let s = &cfg.sources[0];
        let SourceKind::Html(list) = &s.kind else {
            panic!("not html")
        };
        assert_eq!(list.title.attr.as_deref(), Some("title"));
        assert_eq!(list.link.css, "a");
        assert_eq!(s.city_hint.as_deref(), Some("南京"));
        assert_eq!(cfg.settings.timezone, chrono_tz::Asia::Shanghai);
    }
}
