//! `banyue serve`: the review UI for editors, and the published feeds.
//!
//! Server-rendered HTML that works without JavaScript. Every page but the feeds,
//! `/healthz` and `/metrics` needs a signed-in editor; every form carries the session's
//! CSRF token, and a POST from another origin is refused. Bound to 127.0.0.1 by default.

// Handlers answer errors with ready responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod auth;

use std::collections::HashMap;
use std::path::{Component, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use minijinja::{Environment, context};
use serde::Serialize;

use crate::pipeline::Pipeline;
use crate::review::{Edit, Issue, Status};
use crate::store::Store;
use auth::{COOKIE, Session, SignIn};

/// How often the server looks for writes by other processes, to have the draft an
/// editor will look at next built before they ask.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

pub const REVIEW: &str = include_str!("../../templates/review.html");
pub const LOGIN: &str = include_str!("../../templates/login.html");
pub const SEARCH: &str = include_str!("../../templates/search.html");

#[derive(Default)]
struct Metrics {
    requests: AtomicU64,
    edits: AtomicU64,
    refused: AtomicU64,
    failed_logins: AtomicU64,
}

pub struct App {
    pipeline: Arc<Pipeline>,
    store: Arc<Mutex<Store>>,
    env: Environment<'static>,
    metrics: Metrics,
    /// The last draft built, with the issue and store version it was built from: a
    /// window of thousands of stories takes a while to draft, a page view should not.
    drafts: Mutex<Option<(DraftKey, Arc<crate::draft::Draft>)>>,
    /// The 已剔除 list of the last issue shown, with the issue and store version it was
    /// read at (it reads the window again, a little wider).
    discards: Mutex<Option<(DraftKey, Arc<Vec<Discard>>)>>,
    /// On a shared (PostgreSQL) store the collectors run elsewhere: the store version
    /// this server last wrote its own feeds from.
    published: Mutex<Option<(i64, i64)>>,
}

type DraftKey = (i64, (i64, i64));

type Shared = Arc<App>;

impl App {
    pub fn new(pipeline: Arc<Pipeline>) -> anyhow::Result<App> {
        let mut store = pipeline.open_store()?;
        // The page drafts one window after every edit; edits do not change the items.
        store.keep_windows();
        pipeline.retrain(&store)?;
        let mut env = Environment::new();
        env.add_template("review.html", REVIEW)?;
        env.add_template("login.html", LOGIN)?;
        env.add_template("search.html", SEARCH)?;
        Ok(App {
            pipeline,
            store: Arc::new(Mutex::new(store)),
            env,
            metrics: Metrics::default(),
            drafts: Mutex::new(None),
            discards: Mutex::new(None),
            published: Mutex::new(None),
        })
    }

    /// The draft of `issue` as the store holds it now, built again only when the store
    /// changed since the last one.
    fn draft(&self, store: &Store, issue: &Issue) -> anyhow::Result<Arc<crate::draft::Draft>> {
        let key = (issue.id, store.version()?);
        if let Ok(cache) = self.drafts.lock()
            && let Some((k, d)) = cache.as_ref()
            && *k == key
        {
            return Ok(d.clone());
        }
        let d = Arc::new(self.pipeline.draft_of(store, issue, Utc::now())?);
        if let Ok(mut cache) = self.drafts.lock() {
            *cache = Some((key, d.clone()));
        }
        Ok(d)
    }

    /// What the issue leaves out, each with why: stories of the window kept out as
    /// off-topic, stories an editor excluded (who and when), and stale ones (collected in
    /// the window, published more than `grace_days` before it: never drafted).
    fn discards(&self, store: &Store, issue: &Issue, draft: &crate::draft::Draft) -> anyhow::Result<Arc<Vec<Discard>>> {
        let key = (issue.id, store.version()?);
        if let Ok(cache) = self.discards.lock()
            && let Some((k, d)) = cache.as_ref()
            && *k == key
        {
            return Ok(d.clone());
        }
        let settings = &self.pipeline.config.settings;
        let tz = settings.timezone;
        let (from, to) = issue.window.bounds(tz);
        let grace_from = from - chrono::Duration::days(settings.grace_days);
        let local = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
        // Who excluded what, last: an editor's include after it takes it back.
        let mut by_editor: HashMap<i64, (String, chrono::DateTime<Utc>)> = HashMap::new();
        let mut touched: std::collections::HashSet<i64> = std::collections::HashSet::new();
        for e in store.edits(issue.id)?.into_iter().filter(|e| e.undone_at.is_none()) {
            let Some(id) = e.item_id else { continue };
            match e.edit {
                Edit::Exclude => {
                    by_editor.insert(id, (e.editor, e.at));
                    touched.insert(id);
                }
                Edit::Include => {
                    by_editor.remove(&id);
                    touched.insert(id);
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        for c in draft.candidates.iter().filter(|c| c.excluded) {
            let reason = match by_editor.get(&c.id) {
                Some((who, at)) => format!("编辑 {who} 于 {} 剔除", at.with_timezone(&tz).format("%m-%d %H:%M")),
                None => "编辑剔除".to_string(),
            };
            out.push(Discard {
                id: c.id,
                title: c.title.clone(),
                url: c.url.clone(),
                source: c.source.clone(),
                published: c.published.clone(),
                kind: "excluded",
                reason,
                includable: true,
            });
        }
        // A few weeks before the grace period: stale stories of the window, without
        // reading years of items.
        let lookback = grace_from - chrono::Duration::days(STALE_LOOKBACK_DAYS);
        let window = store.window_items(from, to, lookback)?;
        for i in window
            .iter()
            .filter(|i| i.duplicate_of.is_none() && !touched.contains(&i.id))
        {
            let stale = i.published.is_some_and(|p| p < grace_from);
            let (kind, reason) = if stale {
                (
                    "stale",
                    format!(
                        "旧闻：发布于 {}，早于本期起始日 {} 天以上（{} 才采集到）",
                        local(i.date()),
                        settings.grace_days,
                        local(i.fetched_at)
                    ),
                )
            } else if let Some(why) = &i.decision.rejected {
                let why = why.strip_prefix("off-topic:").unwrap_or(why).trim();
                ("off-topic", format!("与主题无关：{why}"))
            } else {
                continue;
            };
            out.push(Discard {
                id: i.id,
                title: i.title.clone(),
                url: i.url.clone(),
                source: i.source_name.clone(),
                published: local(i.date()),
                kind,
                reason,
                // A stale story is outside the window: including it changes nothing.
                includable: !stale,
            });
        }
        let out = Arc::new(out);
        if let Ok(mut cache) = self.discards.lock() {
            *cache = Some((key, out.clone()));
        }
        Ok(out)
    }

    /// Build again the draft an editor looked at last, when another process (a run,
    /// the CLI) changed the store since: the next view is then served from the cache,
    /// not built while the editor waits. True when it built one.
    fn refresh(&self) -> anyhow::Result<bool> {
        let (year, number, built_at) = match self.drafts.lock().as_deref() {
            Ok(Some(((_, version), d))) => (d.year, d.number, *version),
            _ => return Ok(false),
        };
        let store = self.store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        if store.version()? == built_at {
            return Ok(false);
        }
        let Some(issue) = store.issue(year, number)? else {
            return Ok(false);
        };
        self.draft(&store, &issue)?;
        Ok(true)
    }

    /// On a PostgreSQL store, write this server's feeds from the store when it changed:
    /// collectors on other machines cannot write them here, and every server writes the
    /// same bytes (feeds are stamped with the store's last change, not the clock). On
    /// SQLite the collector shares the server's disk and publishes itself. True when it
    /// wrote.
    fn publish_if_changed(&self) -> anyhow::Result<bool> {
        let store = self.store.lock().map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        if store.engine() != crate::store::Engine::Postgres {
            return Ok(false);
        }
        let version = store.version()?;
        if self.published.lock().ok().and_then(|p| *p) == Some(version) {
            return Ok(false);
        }
        let stamp = store.last_change()?.unwrap_or_else(Utc::now);
        self.pipeline.publish_feeds(&store, stamp)?;
        if let Ok(mut p) = self.published.lock() {
            *p = Some(version);
        }
        Ok(true)
    }

    fn store(&self) -> Result<std::sync::MutexGuard<'_, Store>, Response> {
        self.store
            .lock()
            .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "store lock poisoned"))
    }

    /// (id, name) of every section, for the pages' section menus.
    fn section_options(&self) -> Vec<(String, String)> {
        self.pipeline
            .taxonomy
            .sections
            .iter()
            .map(|s| (s.id().to_string(), s.name.clone()))
            .collect()
    }

    /// A section's name for editors (`company-news` → 企业动态); other labels as they are.
    fn section_name(&self, id: &str) -> String {
        match id {
            crate::model::TO_SORT => "待分类".into(),
            crate::model::OFF_TOPIC => "无关".into(),
            id => self.pipeline.taxonomy.name_of(id).to_string(),
        }
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => html_response(html),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("template {name}: {e}")),
        }
    }
}

fn html_response(html: String) -> Response {
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
    );
    r.headers_mut()
        .insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// Why an edit failed, in words an editor can act on: a store that stayed busy past
/// the wait (a long run writing) is "try again", not an SQLite code.
fn edit_failure(e: &anyhow::Error) -> (StatusCode, String) {
    let busy = e.chain().any(|c| {
        c.downcast_ref::<rusqlite::Error>().is_some_and(|r| {
            matches!(
                r.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        })
    });
    if busy {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "未保存：数据库忙了一分钟（采集正在写入），请稍后再试".into(),
        )
    } else {
        (StatusCode::BAD_REQUEST, format!("未保存：{e:#}"))
    }
}

/// An error as a page an editor can act on: what happened, and the way back (to sign in
/// again after a restart, or to the issue).
fn error(status: StatusCode, message: &str) -> Response {
    let way = if status == StatusCode::UNAUTHORIZED {
        r#"<a href="/login">重新登录</a>"#
    } else {
        r#"<a href="/issue">返回本期</a>"#
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>出错了（{code}）</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}}p.why{{background:#fff3f3;border:1px solid #ecc;padding:.6em 1em;border-radius:4px}}a{{color:#0645ad}}</style></head>\
<body><h1>出错了</h1><p class=\"why\" role=\"alert\">{msg}</p><p>{way}</p><p><small>HTTP {code}</small></p></body></html>\n",
        code = status.as_u16(),
        msg = crate::xmltext::escape(message),
    );
    let mut r = html_response(html);
    *r.status_mut() = status;
    r
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(name)?.strip_prefix('=').map(str::to_string))
}

fn session(app: &App, headers: &HeaderMap) -> Option<(String, Session)> {
    let token = cookie(headers, COOKIE)?;
    let store = app.store.lock().ok()?;
    auth::session(&store, &token, Utc::now()).map(|s| (token, s))
}

/// A POST must come from this site: an Origin (or Referer) naming another host is refused,
/// and so is one that names no host at all (`Origin: null`, sent from sandboxed frames
/// and `data:` pages).
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let Some(from) = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)) else {
        return true;
    };
    match from.to_str().ok().and_then(|v| url::Url::parse(v).ok()) {
        None => false,
        Some(u) if u.host_str().is_none() => false,
        Some(u) => {
            let h = match u.port() {
                Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                None => u.host_str().unwrap_or("").to_string(),
            };
            h == host
        }
    }
}

/// Checks for a state-changing request: signed in, same origin, right CSRF token.
fn authorize(app: &App, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<Session, Response> {
    let refuse = |status, why: &str| {
        app.metrics.refused.fetch_add(1, Ordering::Relaxed);
        Err(error(status, why))
    };
    if !same_origin(headers) {
        return refuse(StatusCode::FORBIDDEN, "已拒绝：请求来自别的网站，不是本页面");
    }
    let Some((_, s)) = session(app, headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "请先登录：会话已过期，或服务重启过。登录后再做一次刚才的操作。",
        );
    };
    let token = form.get("csrf").map(String::as_str).unwrap_or("");
    if !auth::same(token, &s.csrf) {
        return refuse(
            StatusCode::FORBIDDEN,
            "已拒绝：表单已过期（或不是本页面发出的），请刷新页面后重试",
        );
    }
    Ok(s)
}

fn issue_of(app: &App, store: &mut Store, which: Option<&String>) -> Result<Issue, Response> {
    let now = Utc::now();
    let bad = |e: anyhow::Error| error(StatusCode::BAD_REQUEST, &format!("{e:#}"));
    match which.filter(|w| !w.is_empty()) {
        None => app.pipeline.issue_for(store, None, now).map_err(bad),
        Some(stem) => {
            let (y, n) = Issue::parse_stem(stem)
                .ok_or_else(|| error(StatusCode::BAD_REQUEST, "期次应写作 年-期号，如 2026-22"))?;
            store
                .issue(y, n)
                .map_err(bad)?
                .ok_or_else(|| error(StatusCode::NOT_FOUND, "没有这一期"))
        }
    }
}

/// The store, locked, and the issue a request names (default: the current one).
/// What every page of an issue starts with: the editor's session (else the sign-in
/// page), the store and the issue the query names.
#[allow(clippy::type_complexity)]
fn page_of<'a>(
    app: &'a App,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Result<(Session, std::sync::MutexGuard<'a, Store>, Issue), Response> {
    let Some((_, s)) = session(app, headers) else {
        return Err(Redirect::to("/login").into_response());
    };
    let (store, issue) = store_and_issue(app, q.get("issue"))?;
    Ok((s, store, issue))
}

fn store_and_issue<'a>(
    app: &'a App,
    which: Option<&String>,
) -> Result<(std::sync::MutexGuard<'a, Store>, Issue), Response> {
    let mut store = app.store()?;
    let issue = issue_of(app, &mut store, which)?;
    Ok((store, issue))
}

#[derive(Serialize)]
struct EditView {
    id: i64,
    at: String,
    editor: String,
    item: Option<i64>,
    what: String,
    undone: bool,
    /// A lifecycle change: not undoable, publish or reopen instead.
    status: bool,
}

/// How far before an issue's grace period the 已剔除 list looks for stale stories.
const STALE_LOOKBACK_DAYS: i64 = 60;

/// A story the issue leaves out, for the 已剔除 list.
#[derive(Serialize, Clone)]
struct Discard {
    id: i64,
    title: String,
    url: Option<String>,
    source: String,
    published: String,
    /// `off-topic`, `excluded` (by an editor) or `stale`.
    kind: &'static str,
    reason: String,
    /// Whether "include" brings it in (a stale story is outside the window).
    includable: bool,
}

async fn review(State(app): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let (s, store, issue) = match page_of(&app, &headers, &q) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let draft = match app.draft(&store, &issue) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    // What this editor now has seen: "changed since an editor looked" counts from here.
    let config = &app.pipeline.config;
    if config
        .alerts
        .iter()
        .any(|a| a.wants(crate::config::EventKind::DraftChanged))
        && let Err(e) = store.record_look(&issue.stem(), &s.user, &draft.item_ids(), chrono::Utc::now())
    {
        tracing::warn!("review: recording what {} saw: {e:#}", s.user);
    }
    // The pool can hold thousands of stories: the page shows one page of it.
    let pool_query = banyue_pool_query(&q);
    let pool = pool_query.page(&draft.candidates);
    let tz = app.pipeline.config.settings.timezone;
    let stored_edits = store.edits(issue.id).unwrap_or_default();
    // Forms say which edits their page had seen, so a later one can tell what it missed.
    let last_edit = stored_edits.iter().map(|e| e.id).max().unwrap_or(0);
    let edits: Vec<EditView> = stored_edits
        .into_iter()
        .rev()
        .map(|e| EditView {
            id: e.id,
            at: e.at.with_timezone(&tz).format("%m-%d %H:%M").to_string(),
            editor: e.editor,
            item: e.item_id,
            what: e.edit.describe(&|id| app.section_name(id)),
            undone: e.undone_at.is_some(),
            status: !e.edit.undoable() || issue.status == Status::Published,
        })
        .collect();
    let issues: Vec<String> = store.issues().unwrap_or_default().iter().map(Issue::stem).collect();
    let sections = app.section_options();
    let mut section_names: HashMap<String, String> = sections.iter().cloned().collect();
    section_names.insert(crate::model::TO_SORT.into(), app.section_name(crate::model::TO_SORT));
    let discards = match app.discards(&store, &issue, &draft) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let discard_count = |kind: &str| discards.iter().filter(|d| d.kind == kind).count();
    let discard_counts = context! {
        off_topic => discard_count("off-topic"),
        excluded => discard_count("excluded"),
        stale => discard_count("stale"),
    };
    app.render(
        "review.html",
        context! {
            issue => minijinja::Value::from_serialize(&*draft),
            stem => issue.stem(),
            status => issue.status.as_str(),
            status_label => issue.status.label(),
            seen => last_edit,
            issues => issues,
            sections => sections,
            section_names => section_names,
            discards => minijinja::Value::from_serialize(&*discards),
            discard_counts => discard_counts,
            edits => edits,
            pool => minijinja::Value::from_serialize(&pool),
            pool_query => context! {
                q => pool_query.text,
                section => pool_query.section,
                city => pool_query.city,
                source => pool_query.source,
            },
            user => s.user,
            csrf => s.csrf,
            message => q.get("msg").cloned().unwrap_or_default(),
            resorted => resorted_note(&app, &draft, q.get("resorted").map(String::as_str).unwrap_or("")),
        },
    )
}

#[derive(Serialize)]
struct ResortedView {
    id: i64,
    title: String,
    from: String,
    from_name: String,
    to_name: String,
}

/// The note after a move taught the classifier: the other items it filed elsewhere, each
/// with a way back (filing it where it was, which the classifier learns too).
fn resorted_note(app: &App, draft: &crate::draft::Draft, param: &str) -> Vec<ResortedView> {
    let title_of = |id: i64| -> String {
        draft
            .sections
            .iter()
            .flat_map(|s| s.items.iter())
            .chain(draft.to_sort.iter())
            .find(|i| i.id == id)
            .map(|i| i.title.clone())
            .or_else(|| draft.candidates.iter().find(|c| c.id == id).map(|c| c.title.clone()))
            .unwrap_or_else(|| format!("条目 #{id}"))
    };
    param
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.splitn(3, ':');
            let id = parts.next()?.parse::<i64>().ok()?;
            let from = parts.next()?.to_string();
            let to = parts.next()?.to_string();
            Some(ResortedView {
                id,
                title: title_of(id),
                from_name: app.section_name(&from),
                to_name: app.section_name(&to),
                from,
            })
        })
        .take(MAX_RESORTED_SHOWN)
        .collect()
}

/// The candidate pool's filter and page from the review page's query string.
fn banyue_pool_query(q: &HashMap<String, String>) -> crate::draft::PoolQuery {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    crate::draft::PoolQuery {
        text: get("q"),
        section: get("pool_section"),
        city: get("pool_city"),
        source: get("pool_source"),
        page: get("page").parse().unwrap_or(1),
        per_page: 30,
    }
}

async fn login_page(State(app): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    app.render("login.html", context! { failed => q.contains_key("failed") })
}

async fn login(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        app.metrics.refused.fetch_add(1, Ordering::Relaxed);
        return error(StatusCode::FORBIDDEN, "已拒绝：请求来自别的网站，不是本页面");
    }
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    // Password hashing is slow on purpose: off the async workers.
    let worker = app.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let store = worker
            .store
            .lock()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        auth::sign_in(
            &store,
            &worker.pipeline.config.users,
            &name,
            &password,
            Some(peer.ip()),
            &Utc::now,
        )
    })
    .await;
    match outcome {
        Ok(Ok(SignIn::Token(token))) => {
            let secure = if app.pipeline.config.settings.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{secure}");
            let mut r = Redirect::to("/issue").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(Ok(SignIn::Refused)) => {
            app.metrics.failed_logins.fetch_add(1, Ordering::Relaxed);
            Redirect::to("/login?failed=1").into_response()
        }
        Ok(Ok(SignIn::Wait(wait))) => {
            app.metrics.failed_logins.fetch_add(1, Ordering::Relaxed);
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "登录失败次数过多，请 {} 秒后再试（为防止猜测密码）。",
                    wait.as_secs().max(1)
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("sign-in stopped: {e}")),
    }
}

async fn logout(State(app): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = authorize(&app, &headers, &form) {
        return r;
    }
    if let Some((token, _)) = session(&app, &headers)
        && let Ok(store) = app.store.lock()
        && let Err(e) = auth::sign_out(&store, &token)
    {
        tracing::warn!("signing out: {e:#}");
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("banyue_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

/// Turn a form into an edit.
fn edit_of(form: &HashMap<String, String>) -> Result<(Option<i64>, Edit), String> {
    let f = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let item = f("item").parse::<i64>().ok();
    let text = f("text");
    let edit = match f("action").as_str() {
        "move" => Edit::Move {
            section: f("section"),
            city: form.get("city").map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        },
        "exclude" => Edit::Exclude,
        "include" => Edit::Include,
        "pin" => Edit::Pin,
        "unpin" => Edit::Unpin,
        "order" => Edit::Order {
            rank: f("rank").parse().map_err(|_| "rank must be a number".to_string())?,
        },
        "headline" if !text.is_empty() => Edit::Headline { text },
        "summary" if !text.is_empty() => Edit::Summary { text },
        "merge" => Edit::Merge {
            into: f("into")
                .parse()
                .map_err(|_| "merge needs the id of the story to merge into".to_string())?,
        },
        "split" => Edit::Split,
        "digest" => Edit::Digest {
            section: f("section"),
            text,
        },
        "text" if matches!(f("slot").as_str(), "commentary" | "analysis") => Edit::Text { slot: f("slot"), text },
        "review" => Edit::Status { status: Status::Review },
        "window" => Edit::Window {
            from: f("from")
                .parse()
                .map_err(|_| "from must be a date, YYYY-MM-DD".to_string())?,
            to: f("to")
                .parse()
                .map_err(|_| "to must be a date, YYYY-MM-DD".to_string())?,
        },
        other => return Err(format!("unknown or incomplete action `{other}`")),
    };
    Ok((item, edit))
}

/// How many re-sorted items the note after a move lists.
const MAX_RESORTED_SHOWN: usize = 30;

/// Back to the issue page with a message, at the item acted on (so the editor does not
/// scroll back from the top after every action).
fn back(issue: &Issue, msg: &str, resorted: &str, at: Option<&str>) -> Response {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("issue", &issue.stem()).append_pair("msg", msg);
    if !resorted.is_empty() {
        q.append_pair("resorted", resorted);
    }
    let q = q.finish();
    let anchor = at.map(|a| format!("#{a}")).unwrap_or_default();
    Redirect::to(&format!("/issue?{q}{anchor}")).into_response()
}

async fn do_edit(State(app): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let s = match authorize(&app, &headers, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let issue = match store_and_issue(&app, form.get("issue")) {
        Ok((_, i)) => i,
        Err(r) => return r,
    };
    let now = Utc::now();
    let action = form.get("action").map(String::as_str).unwrap_or("");
    // Publishing asks first, and says what readers would miss (items still in 待分类).
    if action == "publish" && form.get("confirm").map(String::as_str) != Some("yes") {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("issue", &issue.stem())
            .finish();
        return Redirect::to(&format!("/issue/publish?{q}")).into_response();
    }
    if matches!(action, "publish" | "reopen") && !app.pipeline.config.may_publish(&s.user) {
        return error(
            StatusCode::FORBIDDEN,
            "只有主编（role = \"chief\"）能发布或重新打开一期；请主编来做。",
        );
    }
    // Two editors on one item at once: the later form was made before the other's edit,
    // so it is refused and the editor told, never silently written over.
    if let (Some(item), Some(seen)) = (
        form.get("item").and_then(|i| i.parse::<i64>().ok()),
        form.get("seen").and_then(|v| v.parse::<i64>().ok()),
    ) {
        let newer = app.store().map(|st| {
            st.edits(issue.id)
                .unwrap_or_default()
                .into_iter()
                .find(|e| e.item_id == Some(item) && e.id > seen && e.editor != s.user)
        });
        match newer {
            Err(r) => return r,
            Ok(Some(e)) => {
                let tz = app.pipeline.config.settings.timezone;
                return error(
                    StatusCode::CONFLICT,
                    &format!(
                        "未保存：{} 在 {} 刚改过条目 #{item}（{}）。请看最新内容后再改。",
                        e.editor,
                        e.at.with_timezone(&tz).format("%H:%M:%S"),
                        e.edit.describe(&|id| app.section_name(id))
                    ),
                );
            }
            Ok(None) => {}
        }
    }
    // Where the page should land after the action: the item acted on.
    let at = form
        .get("item")
        .filter(|i| i.parse::<i64>().is_ok())
        .map(|i| format!("item-{i}"));
    // Items a move re-sorted, for the note on the next page (id:from:to,…).
    let mut resorted = String::new();
    let result = if action == "add" {
        // Fetching takes a while; the store is not held meanwhile.
        let url = form.get("url").cloned().unwrap_or_default();
        app.pipeline
            .add_by_url(&app.store, &issue, &url, &s.user, now)
            .await
            .map(|id| format!("已按网址添加条目 #{id}"))
    } else {
        let mut store = match app.store() {
            Ok(s) => s,
            Err(r) => return r,
        };
        match action {
            "undo" => form
                .get("edit")
                .and_then(|e| e.parse::<i64>().ok())
                .ok_or_else(|| anyhow::anyhow!("撤销哪一项修改？（缺少 edit）"))
                .and_then(|id| {
                    store.undo_edit(id, now)?;
                    let d = app.pipeline.draft_of(&store, &issue, now)?;
                    let st = &app.pipeline.config.settings;
                    crate::draft::render::export(&d, &st.drafts_dir, st.templates_dir.as_deref())?;
                    Ok(format!("已撤销第 {id} 项修改"))
                }),
            "publish" => app
                .pipeline
                .publish_issue(&mut store, &issue, &s.user, now)
                .map(|_| format!("第{}期已发布", issue.number)),
            "reopen" => app
                .pipeline
                .reopen_issue(&mut store, &issue, &s.user, now)
                .map(|()| format!("第{}期已重新打开，可以继续修改", issue.number)),
            _ => match edit_of(&form) {
                Ok((item, edit)) => {
                    let what = edit.describe(&|id| app.section_name(id));
                    app.pipeline
                        .edit_issue(&mut store, &issue, item, &edit, &s.user, now)
                        .map(|edited| {
                            // The page that follows shows this draft (an item's edit leaves
                            // the issue itself as it was, so the draft is the page's).
                            if let (Some(d), Some(_), Ok(version)) = (edited.draft, item, store.version())
                                && let Ok(mut cache) = app.drafts.lock()
                            {
                                *cache = Some(((issue.id, version), Arc::new(d)));
                            }
                            resorted = edited
                                .resorted
                                .iter()
                                .take(MAX_RESORTED_SHOWN)
                                .map(|r| format!("{}:{}:{}", r.id, r.from, r.to))
                                .collect::<Vec<_>>()
                                .join(",");
                            match (item, edited.resorted.len()) {
                                (Some(i), 0) => format!("已保存：条目 #{i} {what}"),
                                (Some(i), n) => format!("已保存：条目 #{i} {what}；分类器随之改归了另外 {n} 条，见下"),
                                (None, _) => format!("已保存：{what}"),
                            }
                        })
                }
                Err(e) => Err(anyhow::anyhow!(e)),
            },
        }
    };
    match result {
        Ok(msg) => {
            app.metrics.edits.fetch_add(1, Ordering::Relaxed);
            back(&issue, &msg, &resorted, at.as_deref())
        }
        Err(e) => {
            let (status, message) = edit_failure(&e);
            error(status, &message)
        }
    }
}

#[derive(Serialize)]
struct FoundView {
    id: i64,
    title: String,
    url: Option<String>,
    date: String,
    section_name: String,
    city: Option<String>,
    source: String,
    in_title: bool,
    before: String,
    hit: String,
    after: String,
    /// "in" (already in the issue), "can" (in its window: may be added), "" (outside it).
    state: &'static str,
}

/// The archive search on the review desk: the matching passage marked, and "加入本期" for
/// reports of the issue's window that are not in it (its candidate pool).
async fn search_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (s, store, issue) = match page_of(&app, &headers, &q) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let day = |k: &str| get(k).and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let text = get("q").unwrap_or_default();
    let query = crate::store::SearchQuery {
        text: text.clone(),
        section: get("section"),
        city: get("city"),
        source: get("source"),
        from: day("from"),
        to: day("to"),
        by_relevance: get("sort").as_deref() == Some("relevance"),
        everything: false,
        limit: 100,
    };
    let (found, error_text) = if text.is_empty() {
        (Vec::new(), String::new())
    } else {
        match store.search(&query) {
            Ok(f) => (f, String::new()),
            Err(e) => (Vec::new(), format!("{e:#}")),
        }
    };
    let draft = match app.draft(&store, &issue) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let in_issue: std::collections::HashSet<i64> = draft
        .sections
        .iter()
        .flat_map(|sec| sec.items.iter().map(|i| i.id))
        .collect();
    let in_pool: std::collections::HashSet<i64> = draft.candidates.iter().map(|c| c.id).collect();
    let tz = app.pipeline.config.settings.timezone;
    let views: Vec<FoundView> = found
        .into_iter()
        .map(|f| {
            let chars: Vec<char> = f.passage.chars().collect();
            let (a, b) = f
                .mark
                .map(|(at, len)| (at.min(chars.len()), (at + len).min(chars.len())))
                .unwrap_or((chars.len(), chars.len()));
            let local = f.date.with_timezone(&tz).date_naive();
            // The window's other stories are the pool (excluded ones included).
            let state = if in_issue.contains(&f.id) {
                "in"
            } else if in_pool.contains(&f.id) && issue.status != Status::Published {
                "can"
            } else {
                ""
            };
            FoundView {
                id: f.id,
                title: f.title,
                url: f.url,
                date: local.format("%Y-%m-%d").to_string(),
                section_name: app.section_name(&f.section),
                city: f.city,
                source: f.source_id,
                in_title: f.in_title,
                before: chars[..a].iter().collect(),
                hit: chars[a..b].iter().collect(),
                after: chars[b..].iter().collect(),
                state,
            }
        })
        .collect();
    let sections = app.section_options();
    app.render(
        "search.html",
        context! {
            q => text,
            section => get("section").unwrap_or_default(),
            city => get("city").unwrap_or_default(),
            source => get("source").unwrap_or_default(),
            from => get("from").unwrap_or_default(),
            to => get("to").unwrap_or_default(),
            relevance => query.by_relevance,
            limit => query.limit,
            found => views,
            error => error_text,
            sections => sections,
            stem => issue.stem(),
            number => issue.number,
            report_name => draft.report_name.clone(),
            csrf => s.csrf,
        },
    )
}

/// What the confirmation says of items left in 待分类: the published report leaves them out.
fn unsorted_warning(unsorted: usize, stem: &str) -> String {
    if unsorted == 0 {
        return String::new();
    }
    format!(
        "<p class=\"warn\" role=\"alert\">还有 <strong>{unsorted}</strong> 条在「待分类」：发布后的报告和订阅源里<strong>不会有它们</strong>。要收录，请先<a href=\"/issue?issue={stem}#section-{}\">归入栏目</a>。</p>",
        crate::model::TO_SORT
    )
}

/// The step before publishing: what will go out, and what is still unsorted.
async fn publish_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (s, store, issue) = match page_of(&app, &headers, &q) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let draft = match app.draft(&store, &issue) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let count = |id: &str| {
        draft
            .sections
            .iter()
            .filter(|sec| sec.id == id)
            .map(|sec| sec.items.len())
            .sum::<usize>()
    };
    let unsorted = count(crate::model::TO_SORT);
    let total: usize = draft
        .sections
        .iter()
        .filter(|sec| sec.id != crate::model::TO_SORT)
        .map(|sec| sec.items.len())
        .sum();
    let stem = issue.stem();
    let warning = unsorted_warning(unsorted, &stem);
    let html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>确认发布 第{n}期</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}}.warn{{background:#fff3d6;border:1px solid #e0c070;padding:.6em 1em;border-radius:4px}}button{{font-size:1em;padding:.4em 1.2em}}button.primary{{background:#0645ad;color:#fff;border:0;border-radius:4px}}</style></head>\
<body><h1>确认发布 第{n}期</h1><p>{name}（{from} 至 {to}），共 {total} 条。发布后本期冻结（可重新打开），报告和订阅源对外更新。</p>{warning}\
<form method=\"post\" action=\"/issue/edit\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"issue\" value=\"{stem}\"><input type=\"hidden\" name=\"action\" value=\"publish\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">\
<button class=\"primary\" id=\"confirm-publish\">确认发布</button> <a href=\"/issue?issue={stem}\">返回修改</a></form></body></html>\n",
        n = issue.number,
        name = crate::xmltext::escape(&draft.report_name),
        from = draft.window.from,
        to = draft.window.to,
        csrf = s.csrf,
    );
    html_response(html)
}

/// An item's stored text (its HTML, sanitized when it was collected; else its summary)
/// with its link, as a page of its own: the review page shows it in a side panel, in a
/// sandboxed frame. Signed-in editors only.
async fn item_text(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    if session(&app, &headers).is_none() {
        return error(StatusCode::UNAUTHORIZED, "请先登录：会话已过期，或服务重启过。");
    }
    let Some(id) = q.get("id").and_then(|i| i.trim().parse::<i64>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "哪一条？（缺少条目编号 id）");
    };
    let item = match app.store().map(|s| s.item(id)) {
        Err(r) => return r,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
        Ok(Ok(None)) => return error(StatusCode::NOT_FOUND, &format!("没有条目 #{id}")),
        Ok(Ok(Some(i))) => i,
    };
    let esc = crate::xmltext::escape;
    let tz = app.pipeline.config.settings.timezone;
    let body = if item.content_html.trim().is_empty() {
        if item.summary.trim().is_empty() {
            "<p class=\"none\">（未存正文）</p>".to_string()
        } else {
            format!("<p>{}</p>", esc(&item.summary))
        }
    } else {
        item.content_html.clone()
    };
    let link = item
        .url
        .as_deref()
        .map(|u| format!("<a href=\"{}\" rel=\"noopener noreferrer\">原文链接</a>", esc(u)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><base target=\"_blank\"><title>{title}</title>\
<style>body{{font-family:\"Noto Serif CJK SC\",\"Songti SC\",serif;margin:1em 1.2em;color:#111;line-height:1.8;font-size:15px}}h1{{font-size:1.2em;line-height:1.4}}\
.meta{{color:#555;font-size:.85em}}img{{max-width:100%;height:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .4em}}a{{color:#0645ad}}</style></head>\
<body><h1>{title}</h1><p class=\"meta\">#{id} · {source} · {date} · {link}</p><article>{body}</article></body></html>\n",
        title = esc(&item.title),
        source = esc(&item.source_name),
        date = item.date().with_timezone(&tz).format("%Y-%m-%d %H:%M"),
    );
    let mut r = html_response(html);
    // Framed by the review page only; the stored text runs no script and loads nothing
    // from elsewhere (its images stay out: nothing is fetched from outside this server).
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'",
        ),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r
}

async fn preview(State(app): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if session(&app, &headers).is_none() {
        return Redirect::to("/login").into_response();
    }
    let (store, issue) = match store_and_issue(&app, q.get("issue")) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let format = q.get("format").map(String::as_str).unwrap_or("html");
    let draft = match app.pipeline.draft_of(&store, &issue, Utc::now()) {
        Ok(d) => d,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let name = format!("{}.{format}", issue.stem());
    let templates = app.pipeline.config.settings.templates_dir.as_deref();
    let attach = |ct: &'static str, body: Vec<u8>| {
        let mut r = Response::new(Body::from(body));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r
    };
    let rendered = match format {
        "html" => crate::draft::render::render(&draft, "issue.html", templates).map(html_response),
        "md" => crate::draft::render::render(&draft, "issue.md", templates)
            .map(|m| attach("text/markdown; charset=utf-8", m.into_bytes())),
        "json" => crate::draft::render::json(&draft).map(|j| attach("application/json", j.into_bytes())),
        "docx" => crate::draft::docx::render(&draft).map(|d| {
            attach(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                d,
            )
        }),
        _ => return error(StatusCode::BAD_REQUEST, "format is one of html, md, json, docx"),
    };
    rendered.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")))
}

/// Whether an `If-None-Match` field matches a representation whose entity tags are
/// `tags` (RFC 9110 §13.1.2: `*`, a list, weak comparison). Both the identity and the
/// gzip body's tag name the same version of the file, so either one matches.
fn none_match(field: &str, tags: &[&str]) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    field
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || tags.iter().any(|tag| opaque(t) == opaque(tag)))
}

/// Whether the client takes a gzip body (`Accept-Encoding`, honouring `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .unwrap_or(1.0);
            (name == "gzip" || name == "x-gzip" || name == "*") && q > 0.0
        })
}

/// The answer to a conditional GET of a file with these validators (RFC 9110 §13.2.2):
/// `If-None-Match` decides when present; otherwise `If-Modified-Since`, "not modified
/// since", compared at the second.
fn not_modified(headers: &HeaderMap, tags: &[&str], modified: Option<std::time::SystemTime>) -> bool {
    if let Some(field) = headers.get(header::IF_NONE_MATCH) {
        return field.to_str().is_ok_and(|f| none_match(f, tags));
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    match (since, modified) {
        (Some(since), Some(m)) => {
            let secs = |t: std::time::SystemTime| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            };
            secs(m) <= secs(since)
        }
        _ => false,
    }
}

/// A file under the feeds directory, with ETag and Last-Modified, gzip when asked for
/// (with its own ETag), 304 when unchanged; the directory itself is its index page.
async fn feed_file(
    State(app): State<Shared>,
    headers: HeaderMap,
    path: Option<axum::extract::Path<String>>,
) -> Response {
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let rel = match path {
        Some(axum::extract::Path(p)) if !p.is_empty() && !p.ends_with('/') => PathBuf::from(p),
        Some(axum::extract::Path(p)) => PathBuf::from(p).join("index.html"),
        None => PathBuf::from("index.html"),
    };
    // Dot files are the publisher's own (the outputs' stamp, files being written).
    let hidden = |c: Component| match c {
        Component::Normal(n) => n.to_string_lossy().starts_with('.'),
        _ => true,
    };
    if rel.components().any(hidden) {
        return error(StatusCode::NOT_FOUND, "not found");
    }
    let path = app.pipeline.config.settings.feeds_dir.join(&rel);
    let Ok(bytes) = std::fs::read(&path) else {
        return error(StatusCode::NOT_FOUND, "not found");
    };
    let hash = crate::dedup::stable_hash(&String::from_utf8_lossy(&bytes));
    let (identity_tag, gzip_tag) = (format!("\"{hash:016x}\""), format!("\"{hash:016x}-gzip\""));
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let compressed = accepts_gzip(&headers);
    let etag = if compressed { &gzip_tag } else { &identity_tag };
    let ct = match rel.extension().and_then(|e| e.to_str()) {
        Some("xml") => "application/atom+xml; charset=utf-8",
        Some("opml") => "text/x-opml; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let mut r = if not_modified(&headers, &[&identity_tag, &gzip_tag], modified) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let body = if compressed {
            match crate::fetch::gzip(&bytes) {
                Ok(b) => b,
                Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("compressing: {e}")),
            }
        } else {
            bytes
        };
        let mut r = Response::new(Body::from(body));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        if compressed {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = r.headers_mut();
    // Caches must key on the encoding, for 304s too (RFC 9110 §15.4.5).
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(m) = modified
        && let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(m))
    {
        h.insert(header::LAST_MODIFIED, v);
    }
    r
}

async fn healthz(State(app): State<Shared>) -> Response {
    match app.store().map(|s| s.schema_version()) {
        Ok(Ok(_)) => "ok\n".into_response(),
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

async fn metrics(State(app): State<Shared>) -> Response {
    let (items, failing, alerts) = match app.store() {
        Ok(s) => (
            s.count_items().unwrap_or(0),
            s.sources()
                .map(|v| v.iter().filter(|h| h.last_error.is_some()).count())
                .unwrap_or(0),
            s.alert_tallies().unwrap_or_default(),
        ),
        Err(r) => return r,
    };
    let m = &app.metrics;
    let body = format!(
        "# HELP banyue_items Items stored.\n# TYPE banyue_items gauge\nbanyue_items {items}\n\
         # HELP banyue_sources_failing Sources whose last fetch failed.\n# TYPE banyue_sources_failing gauge\nbanyue_sources_failing {failing}\n\
         # HELP banyue_http_requests_total Pages and feeds served.\n# TYPE banyue_http_requests_total counter\nbanyue_http_requests_total {}\n\
         # HELP banyue_edits_total Editor actions applied.\n# TYPE banyue_edits_total counter\nbanyue_edits_total {}\n\
         # HELP banyue_refused_total Requests refused (no session, bad CSRF token, other origin).\n# TYPE banyue_refused_total counter\nbanyue_refused_total {}\n\
         # HELP banyue_failed_logins_total Failed sign-ins.\n# TYPE banyue_failed_logins_total counter\nbanyue_failed_logins_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.edits.load(Ordering::Relaxed),
        m.refused.load(Ordering::Relaxed),
        m.failed_logins.load(Ordering::Relaxed),
    ) + &crate::alert::metrics(&alerts);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The router, for `serve` and for tests.
pub fn router(app: Shared) -> Router {
    let feeds = Router::new()
        .route("/feeds", get(|| async { Redirect::permanent("/feeds/") }))
        .route("/feeds/", get(feed_file))
        .route("/feeds/{*path}", get(feed_file));
    Router::new()
        .route("/", get(|| async { Redirect::to("/issue") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/issue", get(review))
        .route("/issue/edit", post(do_edit))
        .route("/issue/publish", get(publish_page))
        .route("/search", get(search_page))
        .route("/issue/preview", get(preview))
        .route("/issue/item", get(item_text))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(feeds)
        .with_state(app)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    pipeline: Arc<Pipeline>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if pipeline.config.users.is_empty() {
        tracing::warn!("no users configured: nobody can sign in (add [[user]] with `banyue hash-password`)");
    }
    // "Published" is queued here when an editor publishes; this process sends it.
    crate::alert::send::keep_delivering(&pipeline.config, std::time::Duration::from_secs(5))?;
    let app = Arc::new(App::new(pipeline)?);
    let watcher = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        loop {
            tick.tick().await;
            let app = watcher.clone();
            match tokio::task::spawn_blocking(move || app.publish_if_changed()).await {
                Ok(Ok(true)) => tracing::info!("review: feeds written again from the shared store"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!("review: writing the feeds: {e:#}"),
                Err(e) => tracing::warn!("review: the feeds refresh stopped: {e}"),
            }
            let app = watcher.clone();
            match tokio::task::spawn_blocking(move || app.refresh()).await {
                Ok(Ok(true)) => tracing::debug!("review: draft built again after another process wrote"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!("review: building the draft again: {e:#}"),
                Err(e) => tracing::warn!("review: the draft refresh stopped: {e}"),
            }
        }
    });
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_publish_confirmation_names_what_is_still_unsorted() {
        assert_eq!(unsorted_warning(0, "2026-22"), "");
        let w = unsorted_warning(3, "2026-22");
        assert!(
            w.contains("还有 <strong>3</strong> 条在「待分类」") && w.contains("不会有它们"),
            "{w}"
        );
        assert!(w.contains("href=\"/issue?issue=2026-22#section-to-sort\""), "{w}");
    }
    use super::*;

    #[test]
    fn only_this_site_or_no_origin_at_all_may_post() {
        let headers = |pairs: &[(header::HeaderName, &str)]| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, header::HeaderValue::from_static("127.0.0.1:8080"));
            for (k, v) in pairs {
                h.insert(k.clone(), header::HeaderValue::from_str(v).expect("a header value"));
            }
            h
        };
        assert!(same_origin(&headers(&[])), "no Origin or Referer: a plain form client");
        assert!(same_origin(&headers(&[(header::ORIGIN, "http://127.0.0.1:8080")])));
        assert!(same_origin(&headers(&[(
            header::REFERER,
            "http://127.0.0.1:8080/issue?issue=2026-21"
        )])));
        assert!(!same_origin(&headers(&[(header::ORIGIN, "http://evil.example")])));
        assert!(
            !same_origin(&headers(&[(header::ORIGIN, "null")])),
            "a sandboxed frame's origin"
        );
        assert!(
            !same_origin(&headers(&[(header::ORIGIN, "data:text/html,x")])),
            "no host"
        );
        assert!(!same_origin(&headers(&[(header::REFERER, "not a url")])));
    }

    #[test]
    fn a_write_by_another_process_has_the_draft_built_before_the_next_view() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = crate::config::Config::parse("[settings]\ndata_dir = \"data\"\n", &dir.path().join("b.toml"))?;
        let pipeline = Arc::new(Pipeline::new(config)?);
        let app = App::new(pipeline.clone())?;
        assert!(!app.refresh()?, "no draft viewed yet, none to keep fresh");
        let issue = {
            let mut store = app.store.lock().expect("the store lock is not poisoned");
            let issue = pipeline.issue_for(&mut store, None, Utc::now())?;
            app.draft(&store, &issue)?;
            issue
        };
        assert!(!app.refresh()?, "nothing changed since the view");
        // Another process (the CLI, a run) writes to the same file.
        let mut other = pipeline.open_store()?;
        other.record_edit(
            &issue,
            None,
            &crate::review::Edit::Digest {
                section: "policy".into(),
                text: "政策发布方面，……".into(),
            },
            "cli",
            Utc::now(),
        )?;
        assert!(app.refresh()?, "the change is drafted before anyone asks");
        let cached = app
            .drafts
            .lock()
            .expect("the draft cache lock is not poisoned")
            .as_ref()
            .map(|(_, d)| d.clone())
            .expect("the refresh cached a draft");
        assert!(
            cached.digest.iter().any(|l| l.text == "政策发布方面，……"),
            "{:?}",
            cached.digest
        );
        assert!(!app.refresh()?, "built once per change");
        Ok(())
    }

    #[test]
    fn a_busy_store_is_said_in_words() {
        let busy = anyhow::Error::new(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        ))
        .context("recording the edit");
        let (status, message) = edit_failure(&busy);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(message.contains("稍后再试"), "{message}");
        let other = anyhow::anyhow!("no item #7");
        assert_eq!(
            edit_failure(&other),
            (StatusCode::BAD_REQUEST, "未保存：no item #7".to_string())
        );
    }
}
