//! `banyue daemon` as operators run it: sources on their schedules, never two fetches of
//! one source at once, feeds published after new items, a clean exit on SIGTERM.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use banyue::demo::server::Resource;
use common::*;

#[test]
fn scheduled_fetches_publish_and_stop_cleanly_on_sigterm() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let site = rt.block_on(site(|origin| {
        let mut r = HashMap::new();
        r.insert(
            "/rss2.xml".to_string(),
            Resource::ok("application/rss+xml", fill(&fixture("news/rss2.xml"), origin)),
        );
        let slow = Resource {
            delay: Duration::from_millis(9000),
            ..Resource::ok("application/atom+xml", fill(&fixture("news/atom.xml"), origin))
        };
        r.insert("/slow.xml".to_string(), slow);
        r
    }));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("banyue.toml");
    std::fs::write(
        &cfg,
        format!(
            "[settings]\njitter_secs = 0\nper_host_delay_ms = 0\nper_host_concurrency = 4\ntimeout_secs = 10\n\n\
             [[source]]\nid = \"fast\"\nname = \"示例科技网\"\nurl = \"{}\"\nkind = \"feed\"\nschedule = \"*/2 * * * * *\"\n\n\
             [[source]]\nid = \"slow\"\nname = \"合作媒体\"\nurl = \"{}\"\nkind = \"feed\"\nschedule = \"* * * * * *\"\n",
            site.url("/rss2.xml"),
            site.url("/slow.xml")
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_banyue"))
        .args(["daemon", "--config"])
        .arg(&cfg)
        .env("BANYUE_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The clock starts at the first fetch: a loaded machine may take seconds to start a
    // debug build, and the schedule is what is measured here.
    let started = Instant::now();
    while site.hits("/rss2.xml") == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Both sources are due at the first tick and fetched together; the fast one is due
    // again two seconds after its items are stored (a debug build's first storing may
    // take seconds on a loaded machine), while the slow one's first fetch (9 s) is still
    // in flight for the whole window.
    std::thread::sleep(Duration::from_millis(8000));
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let stopped_in = sent.elapsed();
    let mut log = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(stopped_in < Duration::from_secs(5), "stopped in {stopped_in:?}");
    assert!(log.contains("daemon stopped"), "{log}");

    // Every 2 s for 8 s after the first: a handful of fetches, not a storm, and not held
    // back by the slow source it was first fetched with (that would be once: the slow
    // fetch ends after the window).
    let fast = site.hits("/rss2.xml");
    assert!((2..=5).contains(&fast), "fast source fetched {fast} times\n{log}");
    // Due every second but its fetch takes 9 s: never two at once.
    let slow = site.hits("/slow.xml");
    assert_eq!(slow, 1, "slow source fetched {slow} times\n{log}");

    let feeds = dir.path().join("feeds");
    let market = std::fs::read_to_string(feeds.join("market.xml")).unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert!(market.contains("北辰软件"));
    assert!(
        std::fs::read_dir(dir.path().join("drafts")).unwrap().count() >= 3,
        "draft written"
    );
    assert!(log.contains("published"), "{log}");
}
