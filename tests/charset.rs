//! One stray byte costs one character: a feed declared UTF-8 with one invalid byte in
//! one title keeps its five titles readable, the run says what it repaired, and
//! `banyue sources` keeps the warning.

mod common;

use std::collections::HashMap;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use common::site;

const TITLES: [&str; 5] = [
    "工业和信息化部发布前三季度软件业经济运行情况",
    "软件业务收入同比增长百分之十二",
    "苏州市出台工业软件高质量发展若干措施",
    "数据要素市场化配置改革试点启动",
    "信创产业生态大会在南京开幕",
];

fn feed(origin: &str) -> Vec<u8> {
    let mut f = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title><link>x</link><description>d</description>".to_vec();
    for (i, t) in TITLES.iter().enumerate() {
        f.extend(b"<item><title>");
        f.extend(t.as_bytes());
        if i == 2 {
            f.push(0x80);
        }
        f.extend(format!("</title><link>{origin}/a/{i}.html</link><description>").as_bytes());
        f.extend(t.as_bytes());
        f.extend("，会议指出要加快推进软件和信息技术服务业高质量发展。</description></item>".as_bytes());
    }
    f.extend(b"</channel></rss>");
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stray_byte_costs_one_character() {
    let site = site(|origin| {
        let mut r = HashMap::new();
        r.insert(
            "/feed.xml".to_string(),
            Resource {
                status: 200,
                headers: vec![("content-type".into(), "application/rss+xml; charset=utf-8".into())],
                body: feed(origin),
                delay: std::time::Duration::ZERO,
            },
        );
        r
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("banyue.toml");
    let text = format!(
        "[settings]\ntimeout_secs = 5\nper_host_delay_ms = 0\n\n[[source]]\nid = \"stray\"\nname = \"示例网\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n",
        site.url("/feed.xml")
    );
    let pipeline = Pipeline::new(Config::parse(&text, &cfg).expect("config")).expect("pipeline");
    let report = pipeline.run(&RunOptions::default()).await.expect("run");
    let summary = report.summary();
    println!("{summary}");
    let source = &report.sources[0];
    assert!(source.error.is_none(), "{summary}");
    assert_eq!(source.new, 5, "{summary}");
    assert!(
        source.warnings.iter().any(|w| w.contains("1 invalid byte sequence")),
        "{summary}"
    );
    let store = pipeline.open_store().expect("store");
    let items = store.all_items().expect("items");
    for t in TITLES {
        assert!(items.iter().any(|i| i.title.starts_with(t)), "{t} readable");
    }
    assert!(items.iter().all(|i| i.decision.rejected.is_none()), "none off-topic");
    let health = store.sources().expect("sources");
    assert!(
        health[0]
            .last_warning
            .as_deref()
            .is_some_and(|w| w.contains("replaced")),
        "{:?}",
        health[0].last_warning
    );
}
