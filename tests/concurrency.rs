//! Writers that wait: two runs over one database at once (a cron run that overran) while
//! an editor keeps filing items, with slow sources so the runs overlap. No source may
//! fail on a lock, every source is fetched by exactly one of the runs, and every item
//! is stored once.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use common::site;

const SOURCES: usize = 12;
const ITEMS: usize = 15;

fn feed(origin: &str, n: usize) -> String {
    let mut items = String::new();
    for i in 0..ITEMS {
        items.push_str(&format!(
            "<item><title>第{n}号源：某市发布第{i}批工业软件重点项目名单，共{i}{n}个项目入选</title>\
             <link>{origin}/a/{n}-{i}.html</link><guid>{origin}/a/{n}-{i}.html</guid>\
             <pubDate>Mon, 23 Nov 2026 0{h}:00:00 +0800</pubDate>\
             <description>第{n}号源第{i}条：名单涵盖工业软件、信创和数据要素领域，项目总投资{i}{n}7亿元。</description></item>",
            h = i % 10
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>源{n}</title>\
         <link>{origin}/</link><description>t</description>{items}</channel></rss>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runs_and_an_editor_at_once() {
    let site = site(|origin| {
        let mut r = HashMap::new();
        for n in 0..SOURCES {
            let mut res = Resource::ok("application/rss+xml", feed(origin, n));
            // Slow enough that the second run starts while the first holds its leases.
            res.delay = Duration::from_millis(300);
            r.insert(format!("/f{n}.xml"), res);
        }
        r
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg_path = dir.path().join("banyue.toml");
    let mut text = String::from(
        "[settings]\ntimeout_secs = 10\nper_host_delay_ms = 0\nper_host_concurrency = 16\nconcurrency = 4\n\n",
    );
    for n in 0..SOURCES {
        text += &format!(
            "[[source]]\nid = \"s{n}\"\nname = \"源{n}\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n\n",
            site.url(&format!("/f{n}.xml"))
        );
    }
    std::fs::write(&cfg_path, &text).expect("write config");
    let config = || Config::parse(&text, &cfg_path).expect("valid config");
    let (a, b) = (
        Pipeline::new(config()).expect("pipeline"),
        Pipeline::new(config()).expect("pipeline"),
    );
    // The editor: a third connection writing a label every 20 ms until the runs end.
    let stop = Arc::new(AtomicBool::new(false));
    let editor = {
        let stop = stop.clone();
        let store_path = a.open_store().expect("store").path().expect("a file");
        std::thread::spawn(move || {
            let mut edits = 0usize;
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) && edits < 2000 {
                let mut st = banyue::store::Store::open(&store_path).expect("editor's store");
                let ids: Vec<i64> = st
                    .all_items()
                    .unwrap_or_default()
                    .iter()
                    .map(|i| i.id)
                    .take(3)
                    .collect();
                for id in ids {
                    if let Err(e) = st.set_label(id, "company-news", None, "editor", chrono::Utc::now()) {
                        failures.push(format!("{e:#}"));
                    }
                    edits += 1;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (edits, failures)
        })
    };
    let opts = RunOptions::default();
    let (ra, rb) = tokio::join!(a.run(&opts), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.run(&opts).await
    });
    stop.store(true, Ordering::Relaxed);
    let (edits, failures) = editor.join().expect("editor thread");
    let (ra, rb) = (ra.expect("first run"), rb.expect("second run"));
    println!("{}\n{}", ra.summary(), rb.summary());
    assert!(failures.is_empty(), "the editor's edits failed: {failures:?}");
    assert!(edits > 0, "the editor wrote while the runs ran");

    let mut fetched_by: HashMap<String, usize> = HashMap::new();
    for s in ra.sources.iter().chain(&rb.sources) {
        assert!(s.error.is_none(), "{}: {:?}", s.id, s.error);
        if s.skipped.is_none() {
            *fetched_by.entry(s.id.clone()).or_default() += 1;
        } else {
            assert!(s.skipped.as_deref().is_some_and(|w| w.contains("another run")), "{s:?}");
        }
    }
    // Each source fetched once in all (the second run takes only what the first
    // does not hold) — or twice when the first had already finished it, which the
    // delay above makes unlikely but which would still store nothing twice.
    assert_eq!(fetched_by.len(), SOURCES, "{fetched_by:?}");

    let st = a.open_store().expect("store");
    let items = st.all_items().expect("items");
    let urls: HashSet<&str> = items.iter().filter_map(|i| i.url.as_deref()).collect();
    assert_eq!(items.len(), SOURCES * ITEMS, "every item stored once");
    assert_eq!(urls.len(), items.len());
    assert_eq!(st.integrity_check().expect("integrity"), "ok");
}

/// One slot: the source whose group the writer has holds it until that group is written,
/// and every other source still waits for it. A run stores them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_one_slot_stores_every_source() {
    const FEW: usize = 4;
    let site = site(|origin| {
        (0..FEW)
            .map(|n| {
                let res = Resource::ok("application/rss+xml", feed(origin, n));
                (format!("/f{n}.xml"), res)
            })
            .collect()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg_path = dir.path().join("banyue.toml");
    let mut text = String::from("[settings]\ntimeout_secs = 10\nper_host_delay_ms = 0\nconcurrency = 1\n\n");
    for n in 0..FEW {
        text += &format!(
            "[[source]]\nid = \"s{n}\"\nname = \"源{n}\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n\n",
            site.url(&format!("/f{n}.xml"))
        );
    }
    std::fs::write(&cfg_path, &text).expect("write config");
    let pipeline = Pipeline::new(Config::parse(&text, &cfg_path).expect("valid config")).expect("pipeline");
    let report = pipeline.run(&RunOptions::default()).await.expect("the run");
    let ids: HashSet<&str> = report.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), FEW, "{:?}", report.sources);
    assert!(
        report.sources.iter().all(|s| s.error.is_none() && s.new == ITEMS),
        "{:?}",
        report.sources
    );
    let stored = pipeline.open_store().expect("store").count_items().expect("a count");
    assert_eq!(stored, (FEW * ITEMS) as i64);
}
