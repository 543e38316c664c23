//! The store on PostgreSQL: the same pipeline and review behaviour as on SQLite, a copy
//! from one into the other, and several collectors and review servers on one database.
//! Each test starts from a new database on the tests' own server (`common::pg`).

mod common;

use std::path::Path;

use banyue::config::Config;
use banyue::demo;
use banyue::pipeline::{Pipeline, RunOptions};
use banyue::store::{Location, Store};
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).single().expect("a time")
}

/// The demo's sources with the store at `store` (the SQLite default when `None`).
fn config(dir: &Path, site: &banyue::demo::server::SiteHandle, store: Option<&str>) -> Config {
    // Sources finish in any order, and of two equal reports of a story the first stored
    // represents it: a priority makes the technology site's report the representative
    // in every run, whichever came first.
    let mut text = demo::sample_config(site).replacen("id = \"technews\"\n", "id = \"technews\"\npriority = 5\n", 1);
    if let Some(url) = store {
        text = text.replacen("[settings]\n", &format!("[settings]\nstore = \"{url}\"\n"), 1);
    }
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("banyue.toml");
    std::fs::write(&path, &text).expect("config");
    Config::parse(&text, &path).expect("config parses")
}

async fn run(cfg: Config) -> Pipeline {
    let pipeline = Pipeline::new(cfg).expect("pipeline");
    pipeline
        .run(&RunOptions {
            now: Some(now()),
            force: true,
            ..Default::default()
        })
        .await
        .expect("run");
    pipeline
}

/// What a store holds, comparable across engines: per item (by source and guid) its
/// headline, filing, the item it merged into and the reasons.
fn contents(store: &Store) -> Vec<String> {
    let items = store.all_items().expect("items");
    let guid = |id: i64| {
        items
            .iter()
            .find(|i| i.id == id)
            .map(|i| format!("{}/{}", i.source_id, i.guid))
    };
    let mut out: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{}/{} | {} | {} | {:?} | {:?} | {:?} | {:?}",
                i.source_id,
                i.guid,
                i.title,
                i.decision.section,
                i.decision.city,
                i.decision.rejected,
                i.duplicate_of.and_then(guid),
                i.decision.reasons
            )
        })
        .collect();
    out.sort();
    out
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        // Dot files are the publisher's own (the outputs' stamp names its store's counts).
        .filter(|e| e.path().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("file"),
            )
        })
        .collect();
    out.sort();
    out
}

fn without_ids(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| k != "id" && k != "reason" && !k.ends_with("_id") && !k.ends_with("_ids"));
            map.values_mut().for_each(without_ids);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_ids),
        _ => {}
    }
}

/// The same files with the same bytes; for a text file that differs, its first line that does.
fn same_files(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) {
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b));
    for ((name, x), (_, y)) in a.iter().zip(b) {
        if x != y {
            let at = x
                .iter()
                .zip(y.iter())
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            let around =
                |b: &[u8]| String::from_utf8_lossy(&b[at.saturating_sub(300)..(at + 200).min(b.len())]).into_owned();
            panic!("{name} differs at byte {at}:\n{}\n---\n{}", around(x), around(y));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_postgres_stores_and_publishes_what_sqlite_does() {
    let Some(url) = common::pg::database("a_run_on_postgres_stores_and_publishes_what_sqlite_does") else {
        return;
    };
    let tz = chrono_tz::Asia::Shanghai;
    let site = banyue::demo::server::serve_with(|origin| demo::sample_routes(origin, now(), tz))
        .await
        .expect("site");
    let dir = tempfile::tempdir().expect("tempdir");
    let lite = run(config(&dir.path().join("lite"), &site, None)).await;
    let pg = run(config(&dir.path().join("pg"), &site, Some(&url))).await;
    assert!(matches!(pg.config.settings.store, Location::Postgres(_)));
    let (lite_store, pg_store) = (lite.open_store().expect("sqlite"), pg.open_store().expect("postgres"));
    assert_eq!(pg_store.engine(), banyue::store::Engine::Postgres);
    let held = contents(&pg_store);
    assert!(held.len() >= 10, "{held:#?}");
    assert_eq!(contents(&lite_store), held);
    // The same feeds and the same draft, byte for byte.
    let feeds = |p: &Pipeline| files(&p.config.settings.feeds_dir);
    assert!(!feeds(&pg).is_empty());
    same_files(&feeds(&lite), &feeds(&pg));
    // Drafts too, but for item ids and merge reasons: ids count in the order sources
    // finished, and a merge's likeness figures weigh words by the stories stored before
    // it, so both differ from run to run on either engine.
    let drafts = |p: &Pipeline| {
        files(&p.config.settings.drafts_dir)
            .into_iter()
            .filter(|(name, _)| !name.ends_with(".docx"))
            .map(|(name, bytes)| {
                if name.ends_with(".json") {
                    let mut v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                    without_ids(&mut v);
                    (name, v.to_string().into_bytes())
                } else {
                    (name, bytes)
                }
            })
            .collect::<Vec<_>>()
    };
    same_files(&drafts(&lite), &drafts(&pg));
    // Sources' health, searches and a second run (all known now) agree too.
    let health = |s: &Store| {
        s.sources()
            .expect("sources")
            .into_iter()
            .map(|h| (h.id, h.last_status, h.items_new, h.consecutive_failures, h.rows_best))
            .collect::<Vec<_>>()
    };
    assert_eq!(health(&lite_store), health(&pg_store));
    // Archive search (FTS5 on SQLite, trigrams on PostgreSQL) finds the same reports:
    // words inside Chinese text, phrases, a lone character, a word left out, filters.
    let found = |s: &Store, text: &str, section: Option<&str>| {
        let mut q = banyue::store::SearchQuery {
            text: text.into(),
            section: section.map(String::from),
            everything: true,
            limit: 100,
            ..Default::default()
        };
        // By relevance, the same reports in another order.
        q.by_relevance = true;
        let mut ranked: Vec<String> = s.search(&q).expect("search").into_iter().map(|f| f.title).collect();
        ranked.sort();
        q.by_relevance = false;
        let mut t: Vec<String> = s.search(&q).expect("search").into_iter().map(|f| f.title).collect();
        t.sort();
        assert_eq!(ranked, t, "{text}");
        t
    };
    for (text, section) in [
        ("软件", None),
        ("软件 -苏州", None),
        ("\"分布式数据库\"", None),
        ("云", None),
        ("db", None),
        ("软件", Some("policy")),
    ] {
        let on_pg = found(&pg_store, text, section);
        assert!(!on_pg.is_empty(), "{text}");
        assert_eq!(found(&lite_store, text, section), on_pg, "{text}");
    }
    let again = run(config(&dir.path().join("pg"), &site, Some(&url))).await;
    assert_eq!(contents(&again.open_store().expect("postgres")), held);
}

/// PostgreSQL's walk of the newest reports (its shortcut for common words) answers as its
/// trigram index does: the same reports in the same order, newest first and by relevance,
/// for words in every report, in some and in none, with exclusions and filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_of_the_newest_reports_finds_what_the_index_finds() {
    let Some(url) = common::pg::database("the_walk_of_the_newest_reports") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    demo::run(dir.path(), None).await.expect("demo");
    let from = Location::Sqlite(dir.path().join("data").join("banyue.db"));
    banyue::store::copy(&from, &Location::Postgres(url.clone())).expect("copy");
    let mut store = Store::connect(&Location::Postgres(url)).expect("postgres");
    let n = store.count_items().expect("count") as usize;
    assert!(n >= 12, "enough reports to walk past: {n}");
    let index_only = banyue::store::SearchTuning {
        pool: 6,
        walk: n + 1,
        relevance_walk: n + 1,
    };
    let walking = banyue::store::SearchTuning {
        pool: 6,
        walk: 3,
        relevance_walk: 8,
    };
    // Date ranges too: the keys start with the date, so they bound the walk.
    let mut days: Vec<chrono::NaiveDate> = store
        .all_items()
        .expect("items")
        .iter()
        .map(|i| i.date().date_naive())
        .collect();
    days.sort();
    let (first, middle) = (days[0], days[days.len() / 2]);
    let ranges = [
        (None, None),
        (None, Some(middle)),
        (Some(first), Some(middle)),
        (Some(middle), None),
    ];
    let mut walked = 0;
    for text in [
        "软件",
        "数据",
        "发布",
        "平台",
        "工业 软件",
        "软件 -数据",
        "\"工业软件\"",
        "南京",
        "算力",
        "不存在的词语",
    ] {
        for (limit, (from, to)) in [1, 2, 5, 1000].into_iter().flat_map(|l| ranges.map(|r| (l, r))) {
            for by_relevance in [false, true] {
                for everything in [false, true] {
                    let q = banyue::store::SearchQuery {
                        text: text.into(),
                        limit,
                        by_relevance,
                        everything,
                        from,
                        to,
                        ..Default::default()
                    };
                    let ids = |store: &Store| -> Vec<i64> {
                        store.search(&q).expect("search").into_iter().map(|f| f.id).collect()
                    };
                    store.tune_search(index_only);
                    let want = ids(&store);
                    store.tune_search(walking);
                    let got = ids(&store);
                    assert_eq!(
                        got, want,
                        "{text} limit {limit} relevance {by_relevance} everything {everything} from {from:?} to {to:?}"
                    );
                    walked += usize::from(!by_relevance && want.len() == limit);
                }
            }
        }
    }
    assert!(walked >= 10, "the walk answered only {walked} searches");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_copied_into_postgres_holds_everything_and_is_the_same_store() {
    let Some(url) = common::pg::database("a_store_copied_into_postgres_holds_everything") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let demo_dir = dir.path().join("demo");
    let out = common::banyue_command()
        .args(["demo", "--dir"])
        .arg(&demo_dir)
        .output()
        .expect("banyue demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = demo_dir.join("data").join("banyue.db");
    // An editor's label and an issue's edit, so that those tables are not empty.
    let edited = {
        let mut st = Store::open(&db).expect("sqlite");
        let first = st.all_items().expect("items")[0].id;
        st.set_label(first, "policy", None, "ed", now()).expect("label");
        let window = banyue::window::Window::containing(now().date_naive(), banyue::config::IssueWindow::HalfMonth);
        let issue = st.issue_for(window, 1, 1, now()).expect("issue");
        st.record_edit(&issue, Some(first), &banyue::review::Edit::Pin, "ed", now())
            .expect("edit");
        issue
    };
    let out = common::banyue_command()
        .arg("--config")
        .arg(demo_dir.join("banyue.toml"))
        .args(["store", "copy", "--to", &url])
        .output()
        .expect("banyue store copy");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("items"), "{said}");
    let lite = Store::open(&db).expect("sqlite");
    let pg = Store::connect(&Location::Postgres(url.clone())).expect("postgres");
    assert_eq!(contents(&lite), contents(&pg));
    assert_eq!(lite.count_items().expect("n"), pg.count_items().expect("n"));
    let issues = |s: &Store| format!("{:?}", s.issues().expect("issues"));
    assert_eq!(issues(&lite), issues(&pg));
    let issue = &pg.issue(edited.year, edited.number).expect("issue").expect("copied");
    assert_eq!(pg.edits(issue.id).expect("edits").len(), 1);
    assert_eq!(pg.labelled_ids().expect("labels"), lite.labelled_ids().expect("labels"));
    // New rows continue after the copied ids.
    let mut pg = pg;
    let again = pg
        .record_edit(
            issue,
            None,
            &banyue::review::Edit::Status {
                status: banyue::review::Status::Draft,
            },
            "ed",
            now(),
        )
        .expect("a new edit");
    assert!(again > lite.edits(issue.id).expect("edits")[0].id);
    // A review desk on the shared store writes its own feeds from it (collectors run
    // elsewhere): the same files as published from the SQLite store (after the label).
    let lite_feeds = {
        let text = std::fs::read_to_string(demo_dir.join("banyue.toml"))
            .expect("config")
            .replacen("feeds_dir = \"feeds\"", "feeds_dir = \"lite-feeds\"", 1);
        let p = Pipeline::new(Config::parse(&text, &demo_dir.join("lite.toml")).expect("config")).expect("pipeline");
        let stamp = lite.last_change().expect("stamp").expect("items");
        p.publish_feeds(&lite, stamp).expect("publish");
        files(&p.config.settings.feeds_dir)
    };
    let text = std::fs::read_to_string(demo_dir.join("banyue.toml"))
        .expect("config")
        .replacen("[settings]\n", &format!("[settings]\nstore = \"{url}\"\n"), 1)
        .replacen("feeds_dir = \"feeds\"", "feeds_dir = \"desk-feeds\"", 1);
    let desk_config = Config::parse(&text, &demo_dir.join("desk.toml")).expect("config");
    let desk_feeds = desk_config.settings.feeds_dir.clone();
    let desk = common::serve_pipeline(std::sync::Arc::new(Pipeline::new(desk_config).expect("pipeline"))).await;
    let started = std::time::Instant::now();
    let opml = loop {
        let r = desk
            .http
            .get(format!("{}/feeds/feeds.opml", desk.base))
            .send()
            .await
            .expect("get");
        if r.status() == reqwest::StatusCode::OK || started.elapsed() > std::time::Duration::from_secs(30) {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(opml.status(), reqwest::StatusCode::OK);
    same_files(&files(&desk_feeds), &lite_feeds);
    let _ = desk.stop.send(());
    // A second copy into a store that holds items is refused, and changes nothing.
    let out = common::banyue_command()
        .arg("--config")
        .arg(demo_dir.join("banyue.toml"))
        .args(["store", "copy", "--to", &url])
        .output()
        .expect("banyue store copy");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds items"));
    assert_eq!(pg.count_items().expect("n"), lite.count_items().expect("n"));
}

#[test]
fn two_review_servers_share_sessions_issues_and_edits() {
    let Some(url) = common::pg::database("two_review_servers_share_sessions_issues_and_edits") else {
        return;
    };
    let at = Location::Postgres(url);
    let (mut a, mut b) = (Store::connect(&at).expect("a"), Store::connect(&at).expect("b"));
    let session = banyue::store::StoredSession {
        user: "editor".into(),
        csrf: "c".into(),
        expires: now() + chrono::Duration::hours(8),
    };
    a.create_session("hash", &session, now()).expect("session");
    assert_eq!(b.session("hash", now()).expect("read"), Some(session));
    a.end_session("hash").expect("end");
    assert_eq!(b.session("hash", now()).expect("read"), None);
    // Failed sign-ins count across servers.
    a.record_login_failure(&["user:x"], now()).expect("failure");
    assert_eq!(b.record_login_failure(&["user:x"], now()).expect("failure"), vec![2]);
    // Both open the same issue: one row.
    let window = banyue::window::Window::containing(now().date_naive(), banyue::config::IssueWindow::HalfMonth);
    let one = a.issue_for(window, 1, 1, now()).expect("issue");
    let two = b.issue_for(window, 1, 1, now()).expect("issue");
    assert_eq!(one.id, two.id);
    let v = b.version().expect("version");
    a.record_edit(
        &one,
        None,
        &banyue::review::Edit::Window {
            from: window.from,
            to: window.to,
        },
        "ed",
        now(),
    )
    .expect("edit");
    assert_ne!(
        b.version().expect("version"),
        v,
        "another server's edit changes the version"
    );
    assert_eq!(b.edits(one.id).expect("edits").len(), 1);
    assert_eq!(b.integrity_check().expect("check"), "ok");
}

/// A site of `n` feeds (`/f/K.xml`), each of four items and slow to answer; feed K and
/// feed K + n/2 both carry one story (another outlet's report of it).
fn slow_feeds(
    n: usize,
    delay: std::time::Duration,
) -> impl FnOnce(&str) -> std::collections::HashMap<String, banyue::demo::server::Resource> {
    move |origin: &str| {
        let mut routes = std::collections::HashMap::new();
        let cities = [
            "苏州", "无锡", "南京", "杭州", "宁波", "合肥", "武汉", "成都", "西安", "济南", "青岛", "厦门",
        ];
        for k in 0..n {
            let shared = k % (n / 2);
            let city = cities[shared % cities.len()];
            let mut items = String::new();
            for j in 0..4 {
                let (title, body) = if j == 0 {
                    (
                        format!(
                            "{city}发布工业软件产业发展三年行动计划 到2028年产业规模突破{}00亿元",
                            shared + 3
                        ),
                        format!(
                            "{city}市工业和信息化局日前印发工业软件产业发展三年行动计划，提出到2028年全市工业软件产业规模突破{}00亿元，培育一批重点企业。",
                            shared + 3
                        ),
                    )
                } else {
                    // Every other item is about this feed's own city: a story of its own.
                    let own = cities[k % cities.len()];
                    let what = ["软件企业技术中心名单公示", "数据要素产业园开园", "人工智能创新中心揭牌"][j - 1];
                    (
                        format!("{own}{what}"),
                        format!("{own}市日前举行活动，{what}，共{}家企业参与。", k * 10 + j),
                    )
                };
                items.push_str(&format!(
                    "<item><title>{title}</title><link>{origin}/a/{k}-{j}.html</link><guid>{origin}/a/{k}-{j}.html</guid>\
                     <pubDate>Thu, 19 Nov 2026 0{j}:00:00 +0800</pubDate><description>{body}</description></item>"
                ));
            }
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>源{k}</title>\
                 <link>{origin}/</link><description>d</description>{items}</channel></rss>"
            );
            routes.insert(
                format!("/f/{k}.xml"),
                banyue::demo::server::Resource {
                    delay,
                    ..banyue::demo::server::Resource::ok("application/rss+xml", xml)
                },
            );
        }
        routes
    }
}

/// A new database, a scratch directory and `n` slow feeds (`delay_ms` each) for a test of
/// collectors sharing a store; `None` (after SKIPPED) without PostgreSQL.
async fn shared_farm(
    test: &str,
    n: usize,
    delay_ms: u64,
) -> Option<(String, tempfile::TempDir, banyue::demo::server::SiteHandle)> {
    let url = common::pg::database(test)?;
    let dir = tempfile::tempdir().expect("tempdir");
    let site = banyue::demo::server::serve_with(slow_feeds(n, std::time::Duration::from_millis(delay_ms)))
        .await
        .expect("site");
    Some((url, dir, site))
}

fn farm_config(
    dir: &Path,
    site: &banyue::demo::server::SiteHandle,
    n: usize,
    store: Option<&str>,
) -> std::path::PathBuf {
    let mut text = String::from(
        "[settings]\nconcurrency = 2\nper_host_concurrency = 8\nper_host_delay_ms = 0\ntimeout_secs = 20\n",
    );
    if let Some(url) = store {
        text.push_str(&format!("store = \"{url}\"\n"));
    }
    for k in 0..n {
        text.push_str(&format!(
            "\n[[source]]\nid = \"s{k:02}\"\nname = \"源{k}\"\nurl = \"{}\"\nkind = \"feed\"\n",
            site.url(&format!("/f/{k}.xml"))
        ));
    }
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("banyue.toml");
    std::fs::write(&path, text).expect("config");
    path
}

/// The stories a store holds: each as the sorted guids of its reports.
fn stories(store: &Store) -> Vec<Vec<String>> {
    let items = store.all_items().expect("items");
    let mut groups: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for i in &items {
        groups
            .entry(i.duplicate_of.unwrap_or(i.id))
            .or_default()
            .push(i.guid.rsplit('/').next().unwrap_or("").to_string());
    }
    let mut out: Vec<Vec<String>> = groups
        .into_values()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    out.sort();
    out
}

fn spawn_run(config: &Path) -> std::process::Child {
    common::banyue_command()
        .arg("--config")
        .arg(config)
        .arg("run")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("banyue run")
}

async fn finish(child: std::process::Child) -> String {
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

/// What one run on SQLite stores of the same sources.
async fn single_sqlite_run(site: &banyue::demo::server::SiteHandle, n: usize, dir: &Path) -> Vec<Vec<String>> {
    let config = farm_config(&dir.join("lite"), site, n, None);
    finish(spawn_run(&config)).await;
    stories(&Store::open(&dir.join("lite").join("data").join("banyue.db")).expect("sqlite"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_share_the_sources_and_fetch_none_twice() {
    const N: usize = 12;
    let Some((url, dir, site)) = shared_farm("two_collectors_share_the_sources_and_fetch_none_twice", N, 400).await
    else {
        return;
    };
    // Two collectors (on two machines, as far as the store knows), started together.
    let a = spawn_run(&farm_config(&dir.path().join("a"), &site, N, Some(&url)));
    let b = spawn_run(&farm_config(&dir.path().join("b"), &site, N, Some(&url)));
    let (a, b) = (finish(a).await, finish(b).await);
    for k in 0..N {
        assert_eq!(site.hits(&format!("/f/{k}.xml")), 1, "feed {k} fetched once\n{a}\n{b}");
    }
    // Both did part of the work, and left the rest to the other.
    let fetched = |out: &str| out.lines().filter(|l| l.starts_with("ok ")).count();
    let left = |out: &str| {
        out.lines()
            .filter(|l| l.contains("another run is fetching it") || l.contains("another run fetched it"))
            .count()
    };
    assert!(fetched(&a) > 0 && fetched(&b) > 0, "{a}\n{b}");
    assert_eq!(fetched(&a) + fetched(&b), N, "{a}\n{b}");
    assert_eq!(left(&a) + left(&b), N, "{a}\n{b}");
    let shared = Store::connect(&Location::Postgres(url)).expect("postgres");
    assert_eq!(shared.count_items().expect("count"), (N * 4) as i64);
    let held = stories(&shared);
    // The same stories as one run on SQLite: each city's plan told by two feeds is one.
    let single = tokio::spawn({
        let dir = dir.path().to_path_buf();
        let site = banyue::demo::server::serve_with(slow_feeds(N, std::time::Duration::ZERO))
            .await
            .expect("site");
        async move { single_sqlite_run(&site, N, &dir).await }
    })
    .await
    .expect("single run");
    assert_eq!(held.iter().filter(|g| g.len() == 2).count(), N / 2, "{held:?}");
    assert_eq!(held, single);
}

/// Collectors that share a feeds directory build the outputs once per change: after two
/// runs together, the last outputs are current for the store as both left it, and two more
/// runs that bring nothing build nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collectors_sharing_their_outputs_build_them_once_per_change() {
    const N: usize = 6;
    let Some((url, dir, site)) = shared_farm("collectors_sharing_their_outputs", N, 100).await else {
        return;
    };
    let out = dir.path().join("shared");
    let config = |name: &str| {
        let path = farm_config(&dir.path().join(name), &site, N, Some(&url));
        let text = std::fs::read_to_string(&path).expect("config").replacen(
            "[settings]\n",
            &format!(
                "[settings]\nfeeds_dir = \"{}\"\ndrafts_dir = \"{}\"\n",
                out.join("feeds").display(),
                out.join("drafts").display()
            ),
            1,
        );
        std::fs::write(&path, text).expect("config");
        path
    };
    let (ca, cb) = (config("a"), config("b"));
    let built = |out: &str| !out.contains("current, not built again");
    let (a, b) = (finish(spawn_run(&ca)).await, finish(spawn_run(&cb)).await);
    assert!(built(&a), "the first run builds the outputs\n{a}");
    assert!(!built(&b), "nothing changed since: the second finds them current\n{b}");
    let feeds = files(&out.join("feeds"));
    assert!(feeds.iter().any(|(f, _)| f.ends_with(".xml")), "{feeds:?}");
    // Two together, nothing new (every feed was fetched just now): neither builds.
    let (a2, b2) = (spawn_run(&ca), spawn_run(&cb));
    let (a2, b2) = (finish(a2).await, finish(b2).await);
    assert!(!built(&a2) && !built(&b2), "{a2}\n{b2}");
    same_files(&feeds, &files(&out.join("feeds")));
    // A change (an editor's label) is built once, by whichever collector comes first.
    let mut shared = Store::connect(&Location::Postgres(url)).expect("postgres");
    let id = shared.all_items().expect("items")[0].id;
    shared.set_label(id, "policy", None, "小王", now()).expect("label");
    let (a3, b3) = (spawn_run(&ca), spawn_run(&cb));
    let (a3, b3) = (finish(a3).await, finish(b3).await);
    assert_eq!(
        [built(&a3), built(&b3)].iter().filter(|b| **b).count(),
        1,
        "one build of the change\n{a3}\n{b3}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_killed_mid_run_loses_nothing_and_blocks_no_one() {
    const N: usize = 12;
    let Some((url, dir, site)) = shared_farm("a_collector_killed_mid_run_loses_nothing", N, 700).await else {
        return;
    };
    let config = farm_config(&dir.path().join("a"), &site, N, Some(&url));
    let mut first = spawn_run(&config);
    // Killed (SIGKILL) once it has fetched a few sources, mid-way through the rest.
    let fetched = || (0..N).map(|k| site.hits(&format!("/f/{k}.xml"))).sum::<usize>();
    let started = std::time::Instant::now();
    while fetched() < 5 && started.elapsed() < std::time::Duration::from_secs(60) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    assert!(fetched() < N, "the first run finished before it was killed");
    let before = Store::connect(&Location::Postgres(url.clone()))
        .expect("postgres")
        .count_items()
        .expect("count");
    assert!(before < (N * 4) as i64);
    // The next collector takes the dead one's leases at once (its process is gone) and
    // stores the rest; nothing is lost or doubled.
    let started = std::time::Instant::now();
    let second = finish(spawn_run(&farm_config(&dir.path().join("b"), &site, N, Some(&url)))).await;
    assert!(!second.contains("another run is fetching it"), "{second}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let shared = Store::connect(&Location::Postgres(url)).expect("postgres");
    assert_eq!(shared.count_items().expect("count"), (N * 4) as i64);
    let single = single_sqlite_run(&site, N, dir.path()).await;
    assert_eq!(stories(&shared), single);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_on_one_store_fetch_each_source_once_per_schedule() {
    const N: usize = 6;
    let Some((url, dir, site)) =
        shared_farm("two_daemons_on_one_store_fetch_each_source_once_per_schedule", N, 100).await
    else {
        return;
    };
    // Every source every four seconds, each daemon's times jittered by up to a second.
    let daemon = |name: &str| {
        let config = farm_config(&dir.path().join(name), &site, N, Some(&url));
        let text = std::fs::read_to_string(&config).expect("config").replacen(
            "[settings]\n",
            "[settings]\nschedule = \"*/4 * * * * *\"\njitter_secs = 1\n",
            1,
        );
        std::fs::write(&config, text).expect("config");
        common::banyue_command()
            .arg("--config")
            .arg(&config)
            .arg("daemon")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("banyue daemon")
    };
    let (mut a, mut b) = (daemon("a"), daemon("b"));
    let fetched = || (0..N).map(|k| site.hits(&format!("/f/{k}.xml"))).collect::<Vec<_>>();
    let started = std::time::Instant::now();
    while fetched().contains(&0) && started.elapsed() < std::time::Duration::from_secs(60) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let first = std::time::Instant::now();
    tokio::time::sleep(std::time::Duration::from_secs(13)).await;
    let hits = fetched();
    let elapsed = first.elapsed().as_secs_f64();
    for child in [&mut a, &mut b] {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    let _ = (a.wait(), b.wait());
    // The first fetch, then one per four-second slot at most: two daemons that each
    // fetched on their own schedule would fetch about twice that.
    let slots = (elapsed / 4.0).ceil() as usize + 1;
    for (k, h) in hits.iter().enumerate() {
        assert!(
            *h >= 2 && *h <= slots,
            "feed {k}: {h} fetches in {elapsed:.1} s (at most {slots}): {hits:?}"
        );
    }
    let shared = Store::connect(&Location::Postgres(url)).expect("postgres");
    assert_eq!(shared.count_items().expect("count"), (N * 4) as i64);
}

/// Items as a feed would give them again: `(source, guid, link)`.
fn probes(keys: &[(&str, &str, Option<&str>)]) -> Vec<banyue::model::Item> {
    keys.iter()
        .map(|(source, guid, url)| banyue::model::Item {
            source_id: source.to_string(),
            guid: guid.to_string(),
            url: url.map(str::to_string),
            title: "标题".into(),
            summary: String::new(),
            content_html: String::new(),
            text: String::new(),
            published: None,
            fetched_at: now(),
            author: None,
            policy: Default::default(),
        })
        .collect()
}

/// A run asks which of a source's items are stored in one query; each engine answers as
/// it answers of each item alone: its guid in its source, or its link anywhere.
#[tokio::test]
async fn which_items_are_stored_is_asked_of_a_source_at_once_on_both_engines() {
    let Some(url) = common::pg::database("which_items_are_stored") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    demo::run(dir.path(), None).await.expect("demo");
    let lite = dir.path().join("data").join("banyue.db");
    banyue::store::copy(&Location::Sqlite(lite.clone()), &Location::Postgres(url.clone())).expect("copy");
    let stored = Store::open(&lite).expect("sqlite").all_items().expect("items");
    let a = stored
        .iter()
        .find(|i| i.url.is_some())
        .expect("a stored report with a link");
    let b = stored
        .iter()
        .find(|i| i.source_id != a.source_id)
        .expect("a report of another source");
    let link = a.url.as_deref();
    let items = probes(&[
        (&a.source_id, &a.guid, None),                                  // its guid in its source
        (&b.source_id, &a.guid, None),                                  // the guid in another source
        (&b.source_id, "fresh-1", link),                                // its link, from another source
        (&a.source_id, "fresh-2", Some("https://example.invalid/new")), // nothing stored
        (&b.source_id, &b.guid, Some("https://example.invalid/new2")),
        (&a.source_id, "fresh-3", None),
    ]);
    let expected = vec![true, a.guid == b.guid, true, false, true, false];
    for store in [
        Store::open(&lite).expect("sqlite"),
        Store::connect(&Location::Postgres(url)).expect("postgres"),
    ] {
        let one_by_one: Vec<bool> = items.iter().map(|i| store.is_known(i).expect("known")).collect();
        assert_eq!(one_by_one, expected, "{:?}", store.engine());
        assert_eq!(
            store.known_among(&items).expect("known among"),
            expected,
            "{:?}",
            store.engine()
        );
        assert_eq!(store.known_among(&[]).expect("nothing asked"), Vec::<bool>::new());
    }
}
