//! The source catalogue (`config/sources/*.toml`) against its fixtures: every entry is
//! served its site's own documents on 127.0.0.1 and read by the whole pipeline, as if an
//! operator had switched the catalogue on.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use banyue::config::Config;
use banyue::pipeline::{Pipeline, RunOptions};
use chrono::{DateTime, Utc};
use common::fixture_site;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    list: String,
    detail: Option<String>,
    content_type: Option<String>,
    #[serde(default)]
    pages: HashMap<String, String>,
    expect: Wanted,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wanted {
    items: usize,
    first_title: String,
    first_date: String,
    issuer: Option<String>,
    doc_number: Option<String>,
    body_contains: Option<String>,
}

fn catalogue_files() -> Vec<PathBuf> {
    let dir = common::repo_file("config/sources");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// A config that includes every catalogue file, writing into `dir`. Entries shipped
/// switched off (`enabled = false`: a column id to copy, a POST-only list) are switched on
/// here: their fixtures are checked too.
fn whole_catalogue(dir: &Path) -> Config {
    let includes: Vec<String> = catalogue_files()
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read a catalogue file");
            let on = text.replace("\nenabled = false", "\nenabled = true");
            let copy = dir.join(p.file_name().expect("a file name"));
            std::fs::write(&copy, on).expect("write the copy");
            format!("{:?}", copy.display().to_string())
        })
        .collect();
    let text = format!(
        "include = [{}]\n[settings]\nper_host_delay_ms = 0\nper_host_concurrency = 256\nconcurrency = 16\ntimeout_secs = 20\n",
        includes.join(", ")
    );
    let path = dir.join("banyue.toml");
    std::fs::write(&path, text).expect("write the config");
    Config::load(&path).unwrap_or_else(|e| panic!("the catalogue does not load:\n{e}"))
}

fn fixture_dir(id: &str) -> PathBuf {
    common::repo_file("tests/fixtures/catalogue").join(id)
}

#[test]
fn the_catalogue_loads_and_every_entry_says_what_it_yields_and_where_its_facts_came_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = whole_catalogue(dir.path());
    assert!(cfg.sources.len() >= 30, "a catalogue of {} sources", cfg.sources.len());
    let mut missing = Vec::new();
    for file in catalogue_files() {
        let text = std::fs::read_to_string(&file).expect("read a catalogue file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "[[source]]" {
                continue;
            }
            let above: Vec<&str> = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with('#'))
                .copied()
                .collect();
            for key in ["# yields:", "# feeds:", "# facts:"] {
                if !above.iter().any(|l| l.trim_start().starts_with(key)) {
                    missing.push(format!("{}:{}: no `{key}` comment", file.display(), i + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    for s in &cfg.sources {
        assert!(s.group.is_some(), "{} has no group", s.id);
        assert!(
            fixture_dir(&s.id).join("expect.toml").is_file(),
            "catalogue source `{}` has no fixture (tests/fixtures/catalogue/{}/expect.toml)",
            s.id,
            s.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogue_entry_reads_its_sites_documents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = whole_catalogue(dir.path());
    cfg.settings.data_dir = dir.path().join("data");
    cfg.settings.feeds_dir = dir.path().join("feeds");
    cfg.settings.drafts_dir = dir.path().join("drafts");
    let mut wanted = HashMap::new();
    let mut servers = Vec::new();
    let mut problems = Vec::new();
    for source in &mut cfg.sources {
        let fdir = fixture_dir(&source.id);
        let text =
            std::fs::read_to_string(fdir.join("expect.toml")).unwrap_or_else(|e| panic!("{}: {e}", fdir.display()));
        let expect: Expect = toml::from_str(&text).unwrap_or_else(|e| panic!("{}/expect.toml: {e}", fdir.display()));
        let host = source.url.host_str().expect("catalogue URLs have hosts").to_string();
        let path = match source.url.query() {
            Some(q) => format!("{}?{q}", source.url.path()),
            None => source.url.path().to_string(),
        };
        let mut built = Err(String::new());
        let site = common::site(|origin| {
            built = fixture_site::routes(
                &fdir,
                &host,
                origin,
                (&path, &expect.list),
                &expect.pages,
                expect.detail.as_deref(),
                expect.content_type.as_deref(),
            );
            built.clone().unwrap_or_default()
        })
        .await;
        if let Err(e) = built {
            problems.push(format!("{}: {e}", source.id));
            continue;
        }
        let mut url = source.url.clone();
        url.set_scheme("http").expect("http");
        url.set_host(Some("127.0.0.1")).expect("loopback host");
        url.set_port(Some(site.addr.port())).expect("port");
        source.url = url;
        source.allow_private = true;
        servers.push(site);
        wanted.insert(source.id.clone(), expect.expect);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-30T12:00:00+08:00")
        .expect("a date")
        .with_timezone(&Utc);
    let pipeline = Pipeline::new(cfg).expect("pipeline");
    let report = pipeline
        .run(&RunOptions {
            now: Some(now),
            force: true,
            ..Default::default()
        })
        .await
        .expect("the run");
    let store = pipeline.open_store().expect("store");
    let items = store.all_items().expect("items");
    let tz = chrono_tz::Asia::Shanghai;
    for r in &report.sources {
        let Some(w) = wanted.get(&r.id) else { continue };
        if let Some(e) = &r.error {
            problems.push(format!("{}: failed: {e}", r.id));
            continue;
        }
        // `new` counts every item stored this run, off-topic and merged ones included.
        let read = r.new + r.seen;
        if read != w.items {
            problems.push(format!(
                "{}: {read} items read, expected {} (warnings: {:?})",
                r.id, w.items, r.warnings
            ));
        }
        let mine: Vec<_> = items.iter().filter(|i| i.source_id == r.id).collect();
        let Some(first) = mine.iter().find(|i| i.title == w.first_title) else {
            let titles: Vec<&str> = mine.iter().take(5).map(|i| i.title.as_str()).collect();
            problems.push(format!(
                "{}: no item titled {:?}; read {titles:?}…",
                r.id, w.first_title
            ));
            continue;
        };
        let date = first
            .published
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string());
        if date.as_deref() != Some(w.first_date.as_str()) {
            problems.push(format!(
                "{}: first item dated {date:?}, expected {}",
                r.id, w.first_date
            ));
        }
        let undated = mine.iter().filter(|i| i.published.is_none()).count();
        if undated > 0 {
            problems.push(format!("{}: {undated} of {} items without a date", r.id, mine.len()));
        }
        if w.issuer.is_some() && first.policy.issuer != w.issuer {
            problems.push(format!(
                "{}: issuer {:?}, expected {:?}",
                r.id, first.policy.issuer, w.issuer
            ));
        }
        if w.doc_number.is_some() && first.policy.doc_number != w.doc_number {
            problems.push(format!(
                "{}: doc number {:?}, expected {:?}",
                r.id, first.policy.doc_number, w.doc_number
            ));
        }
        if let Some(phrase) = &w.body_contains {
            let body = store.body_text(first.id).expect("body");
            if !body.contains(phrase.as_str()) {
                let start: String = body.chars().take(80).collect();
                problems.push(format!("{}: body lacks {phrase:?}; it starts {start:?}", r.id));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} catalogue problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(wanted.len(), report.sources.len(), "every source ran");
}

/// `kind = "rsshub"`: the route on the operator's RSSHub instance, read as a feed.
#[tokio::test]
async fn an_rsshub_route_is_read_from_the_configured_instance() {
    let feed = common::fixture("news/rss2.xml");
    let site = common::site(|origin| {
        let mut routes = HashMap::new();
        routes.insert(
            "/gov/miit/zcwj".to_string(),
            banyue::demo::server::Resource::ok("application/rss+xml", common::fill(&feed, origin)),
        );
        routes
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("banyue.toml");
    std::fs::write(
        &path,
        format!(
            "[settings]\nrsshub_url = {:?}\n\n[[source]]\nid = \"miit-zcwj-rsshub\"\nname = \"工业和信息化部 政策文件\"\nkind = \"rsshub\"\nroute = \"/gov/miit/zcwj\"\n",
            site.url("/")
        ),
    )
    .expect("write config");
    let cfg = Config::load(&path).expect("config");
    let pipeline = Pipeline::new(cfg).expect("pipeline");
    let report = pipeline
        .run(&RunOptions {
            force: true,
            now: Some(common::fixture_now()),
            ..Default::default()
        })
        .await
        .expect("run");
    let r = &report.sources[0];
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(site.hits("/gov/miit/zcwj"), 1);
    assert!(r.new >= 3, "{r:?}");
}

/// A portal that changes its template: the next run reads no rows, and `banyue sources`
/// says the list changed (and how to look) instead of a bare error.
#[tokio::test]
async fn a_list_whose_template_changed_is_flagged() {
    let before = r#"<ul class="list"><li><a href="/a/1.html" title="关于开展2026年度软件产品评估工作的通知">关于开展2026年度软件产品评估工作的通知</a><span>2026-11-20</span></li><li><a href="/a/2.html" title="市工信局召开人工智能产业发展座谈会">市工信局召开人工智能产业发展座谈会</a><span>2026-11-18</span></li></ul>"#;
    let after = r#"<div class="news-list"><div class="row"><a href="/a/3.html">关于公布第三批数据要素应用场景名单的通知</a><em>2026-11-25</em></div></div>"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let config_for = |origin: &str| {
        format!(
            "[settings]\ndata_dir = {:?}\nfeeds_dir = {:?}\ndrafts_dir = {:?}\n\n[[source]]\nid = \"portal\"\nname = \"某市工业和信息化局\"\nurl = \"{origin}/tzgg/\"\nkind = \"html\"\nallow_private = true\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\ndate = \"span\"\n",
            dir.path().join("data").display().to_string(),
            dir.path().join("feeds").display().to_string(),
            dir.path().join("drafts").display().to_string()
        )
    };
    let mut flags = Vec::new();
    for page in [before, after] {
        let site = common::site(|_| {
            HashMap::from([(
                "/tzgg/".to_string(),
                banyue::demo::server::Resource::ok("text/html; charset=utf-8", page),
            )])
        })
        .await;
        let path = dir.path().join("banyue.toml");
        std::fs::write(&path, config_for(&site.url(""))).expect("write config");
        let pipeline = Pipeline::new(Config::load(&path).expect("config")).expect("pipeline");
        let now = chrono::Utc::now();
        pipeline
            .run(&RunOptions {
                force: true,
                now: Some(now),
                ..Default::default()
            })
            .await
            .expect("run");
        let store = pipeline.open_store().expect("store");
        let rows = banyue::health::rows(&pipeline.config, &store.sources().expect("health"), now);
        flags.push(rows[0].shape.clone());
    }
    assert_eq!(flags[0], None, "the first template reads fine");
    let changed = flags[1].clone().unwrap_or_default();
    assert!(
        changed.starts_with("LIST CHANGED: 0 rows where there were 2"),
        "{changed}"
    );
}
