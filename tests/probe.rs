//! `banyue probe` as an operator uses it: probe a portal page it has never seen, paste the
//! printed `[[source]]` block into a config, run, and get the page's items with their
//! dates. The cases (`tests/fixtures/probe/`) are pages in the shapes Chinese portals and
//! news sites serve; `dev` guided the code, `heldout` is only measured.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use banyue::config::Config;
use banyue::pipeline::{Pipeline, RunOptions};
use chrono::{DateTime, Utc};
use common::fixture_site;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    host: String,
    path: String,
    page: String,
    content_type: Option<String>,
    detail: Option<String>,
    #[serde(default)]
    pages: HashMap<String, String>,
    expect: Wanted,
}

#[derive(Debug, Deserialize)]
struct Wanted {
    kind: String,
    items: usize,
    first_title: String,
    first_date: String,
    #[serde(default)]
    paginated: bool,
    issuer: Option<String>,
    doc_number: Option<String>,
}

fn cases(set: &str) -> Vec<PathBuf> {
    let dir = common::repo_file("tests/fixtures/probe").join(set);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.toml").is_file())
        .collect();
    out.sort();
    out
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T12:00:00+08:00")
        .expect("a date")
        .with_timezone(&Utc)
}

/// Probe one case, run its printed block, and say what is wrong (empty: nothing).
async fn try_case(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("expect.toml")).expect("expect.toml");
    let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{}/expect.toml: {e}", dir.display()));
    let mut built = Err(String::new());
    let site = common::site(|origin| {
        built = fixture_site::routes(
            dir,
            &case.host,
            origin,
            (&case.path, &case.page),
            &case.pages,
            case.detail.as_deref(),
            case.content_type.as_deref(),
        );
        built.clone().unwrap_or_default()
    })
    .await;
    if let Err(e) = built {
        return vec![e];
    }
    let url = url::Url::parse(&site.url(&case.path)).expect("url");
    let work = tempfile::tempdir().expect("temp dir");
    let settings = format!(
        "[settings]\ndata_dir = {:?}\nfeeds_dir = {:?}\ndrafts_dir = {:?}\nper_host_delay_ms = 0\n",
        work.path().join("data").display().to_string(),
        work.path().join("feeds").display().to_string(),
        work.path().join("drafts").display().to_string()
    );
    let fetcher = banyue::fetch::Fetcher::new(
        &Config::parse(&settings, Path::new("probe.toml"))
            .expect("settings")
            .settings,
    )
    .expect("fetcher");
    let found = match banyue::probe::probe(&fetcher, &url, true, now()).await {
        Ok(f) => f,
        Err(e) => return vec![format!("probe failed: {e:#}")],
    };
    let mut wrong = Vec::new();
    let kind = found
        .block
        .lines()
        .find_map(|l| l.strip_prefix("kind = "))
        .unwrap_or("")
        .trim_matches('"')
        .to_string();
    if kind != case.expect.kind {
        wrong.push(format!("kind {kind}, expected {}", case.expect.kind));
    }
    if case.expect.paginated && !(found.block.contains("next = ") || found.block.contains("page_pattern = ")) {
        wrong.push("no pager in the block".into());
    }
    // Paste the block into a config and run it.
    let config_text = format!("{settings}\n{}", found.block);
    let path = work.path().join("banyue.toml");
    std::fs::write(&path, &config_text).expect("write config");
    let cfg = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => return vec![format!("the printed block does not load: {e}\n{}", found.block)],
    };
    let id = cfg.sources[0].id.clone();
    let pipeline = Pipeline::new(cfg).expect("pipeline");
    let report = pipeline
        .run(&RunOptions {
            now: Some(now()),
            force: true,
            ..Default::default()
        })
        .await
        .expect("run");
    if let Some(e) = &report.sources[0].error {
        wrong.push(format!("the run failed: {e}"));
    }
    let store = pipeline.open_store().expect("store");
    let items: Vec<_> = store
        .all_items()
        .expect("items")
        .into_iter()
        .filter(|i| i.source_id == id)
        .collect();
    if items.len() < case.expect.items {
        wrong.push(format!(
            "{} items, expected at least {}",
            items.len(),
            case.expect.items
        ));
    }
    // A paginated list whose next page is served: the block must read it too.
    if case.expect.paginated && !case.pages.is_empty() && items.len() <= case.expect.items {
        wrong.push(format!(
            "{} items: the next page was not read (its first page has {})",
            items.len(),
            case.expect.items
        ));
    }
    let tz = chrono_tz::Asia::Shanghai;
    match items.iter().find(|i| i.title == case.expect.first_title) {
        None => wrong.push(format!(
            "no item titled {:?}; got {:?}",
            case.expect.first_title,
            items.iter().take(3).map(|i| i.title.as_str()).collect::<Vec<_>>()
        )),
        Some(first) => {
            let date = first
                .published
                .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string());
            if date.as_deref() != Some(case.expect.first_date.as_str()) {
                wrong.push(format!(
                    "first item dated {date:?}, expected {}",
                    case.expect.first_date
                ));
            }
            if case.expect.issuer.is_some() && first.policy.issuer != case.expect.issuer {
                wrong.push(format!(
                    "issuer {:?}, expected {:?}",
                    first.policy.issuer, case.expect.issuer
                ));
            }
            if case.expect.doc_number.is_some() && first.policy.doc_number != case.expect.doc_number {
                wrong.push(format!(
                    "doc number {:?}, expected {:?}",
                    first.policy.doc_number, case.expect.doc_number
                ));
            }
        }
    }
    if !wrong.is_empty() {
        wrong.push(format!("the block was:\n{}", found.block));
    }
    wrong
}

async fn run_set(set: &str) -> (usize, Vec<String>) {
    let all = cases(set);
    let mut failures = Vec::new();
    for dir in &all {
        let wrong = try_case(dir).await;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        eprintln!("probe {set}/{name}: {}", if wrong.is_empty() { "ok" } else { "WRONG" });
        if !wrong.is_empty() {
            failures.push(format!("{set}/{name}:\n  {}", wrong.join("\n  ")));
        }
    }
    (all.len(), failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probed_blocks_read_the_development_pages() {
    let (n, failures) = run_set("dev").await;
    assert!(n >= 10, "{n} development cases");
    assert!(
        failures.is_empty(),
        "{} of {n} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Pages no one tuned on: most must work on the first run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probed_blocks_read_most_held_out_pages() {
    let (n1, mut failures) = run_set("heldout").await;
    let (n2, more) = run_set("heldout2").await;
    failures.extend(more);
    let n = n1 + n2;
    assert!(n >= 6, "{n} held-out cases");
    let ok = n - failures.len();
    eprintln!("held-out: {ok} of {n} read right on the first run");
    assert!(
        ok * 4 >= n * 3,
        "{ok} of {n} held-out pages read right:\n{}",
        failures.join("\n")
    );
}
