//! Feeds in as readers take them, over loopback HTTP: the shapes feed-rs alone loses
//! (Atom 0.3, RSS 1.0 items known by `rdf:about`, `dc:title`, a truncated document,
//! untitled entries, undeclared Japanese), each stored, and what cannot be stored said in
//! the run line. feedparser's whole corpus is compared in `scripts/feedparser_diff.py`.

mod common;

use std::collections::HashMap;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use common::*;

fn routes(origin: &str) -> HashMap<String, Resource> {
    let atom03 = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>old</title>
<entry><title mode="escaped" type="text/html">工业软件 &lt;b&gt;大会&lt;/b&gt; 开幕</title><link rel="alternate" type="text/html" href="{origin}/a/03-1"/>
<id>tag:x,2004:1</id><issued>2020-09-01T08:00:00+08:00</issued><modified>2020-09-01T09:00:00+08:00</modified></entry>
<entry><title>Plain &lt;blink&gt; title</title><link rel="alternate" type="text/html" href="{origin}/a/03-2"/><id>tag:x,2004:2</id><issued>2020-09-02T08:00:00+08:00</issued></entry>
</feed>"#
    );
    let rdf = format!(
        r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{origin}/"><title>rdf</title></channel>
<item rdf:about="{origin}/r/1"><title>只有 rdf:about 的条目</title><dc:date>2020-09-01</dc:date></item>
<item rdf:about="{origin}/r/2"><dc:title>只有 dc:title 的条目</dc:title><dc:date>2020-09-02</dc:date></item>
</rdf:RDF>"#
    );
    let mut truncated = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>");
    for i in 0..26 {
        truncated.push_str(&format!(
            "<item><title>第{i}条软件产业新闻</title><link>{origin}/t/{i}</link><description>第{i}条的正文。</description></item>"
        ));
    }
    // The server cut the connection in the 18th item.
    let cut = truncated
        .match_indices("<item>")
        .nth(17)
        .map(|(i, _)| i + 30)
        .unwrap_or(truncated.len());
    truncated.truncate(cut);
    let untitled = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>u</title>
<item><description>没有标题的条目：正文的第一句成为标题。后面还有。</description><link>{origin}/u/1</link></item>
<item><link>{origin}/u/2</link></item>
<item><guid>{origin}/u/3</guid></item>
<item><description></description></item>
</channel></rss>"#
    );
    let mut sjis = encoding_rs::SHIFT_JIS
        .encode(&format!(
            "<rss version=\"2.0\"><channel><title>j</title><item><title>ゲーム三昧な正月を過ごしました</title><link>{origin}/j/1</link>\
             <description>年末年始はずっとゲームをしていました。とても楽しかったです。ソフトウェアの話もあります。</description></item></channel></rss>"
        ))
        .0
        .into_owned();
    sjis.insert(0, b'\n');
    [
        ("/atom03.xml", Resource::ok("application/xml", atom03)),
        ("/rdf.xml", Resource::ok("application/xml", rdf)),
        ("/truncated.xml", Resource::ok("application/rss+xml", truncated)),
        ("/untitled.xml", Resource::ok("application/rss+xml", untitled)),
        ("/sjis.xml", Resource::ok("application/xml", sjis)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_feed_rs_alone_loses_are_stored_or_explained() {
    let site = site(routes).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = String::from("[settings]\ntimeout_secs = 3\nper_host_delay_ms = 0\nper_host_concurrency = 8\n\n");
    for id in ["atom03", "rdf", "truncated", "untitled", "sjis"] {
        cfg += &format!(
            "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n\n",
            site.url(&format!("/{id}.xml"))
        );
    }
    let config = Config::parse(&cfg, &dir.path().join("banyue.toml")).expect("valid config");
    let pipeline = Pipeline::new(config).unwrap();
    let report = pipeline
        .run(&RunOptions {
            now: Some(fixture_now()),
            ..Default::default()
        })
        .await
        .expect("run");
    let summary = report.summary();
    println!("{summary}");
    let by_id: HashMap<&str, &banyue::pipeline::SourceReport> =
        report.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &report.sources {
        assert!(s.error.is_none(), "{}: {summary}", s.id);
    }
    let store = pipeline.open_store().unwrap();
    let items = store.all_items().unwrap();
    let of =
        |source: &str| -> Vec<&banyue::model::StoredItem> { items.iter().filter(|i| i.source_id == source).collect() };

    let atom = of("atom03");
    assert_eq!(atom.len(), 2, "Atom 0.3: {summary}");
    assert!(atom.iter().any(|i| i.title == "工业软件大会开幕"), "{atom:?}");
    assert!(
        atom.iter().any(|i| i.title == "Plain <blink> title"),
        "a text title stays text"
    );
    assert!(atom.iter().all(|i| i.published.is_some()));

    let rdf = of("rdf");
    assert_eq!(rdf.len(), 2, "rdf:about and dc:title: {summary}");
    assert!(rdf.iter().any(|i| i.title == "只有 dc:title 的条目"));
    assert!(rdf.iter().all(|i| i.url.as_deref().is_some_and(|u| u.contains("/r/"))));

    assert_eq!(
        of("truncated").len(),
        17,
        "the complete entries before the cut: {summary}"
    );
    assert!(
        by_id["truncated"].warnings.iter().any(|w| w.contains("truncated")),
        "{summary}"
    );

    let untitled = of("untitled");
    assert_eq!(untitled.len(), 3, "{untitled:?}");
    assert!(
        untitled
            .iter()
            .any(|i| i.title == "没有标题的条目：正文的第一句成为标题。"),
        "{untitled:?}"
    );
    assert!(
        untitled
            .iter()
            .any(|i| i.url.as_deref().is_some_and(|u| u.ends_with("/u/3"))),
        "a guid URL is the link"
    );
    assert!(
        by_id["untitled"]
            .warnings
            .iter()
            .any(|w| w.contains("4 entries, 3 usable")),
        "the entry with nothing is said: {summary}"
    );

    let sjis = of("sjis");
    assert_eq!(sjis.len(), 1);
    assert_eq!(sjis[0].title, "ゲーム三昧な正月を過ごしました", "undeclared Shift_JIS");
}

/// A run whose every answer is "not modified" builds no classifier (its gazetteer and
/// patterns delayed a warm run's first request by 40 ms), and an editor's label read
/// before it is built is learned once it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_new_builds_no_classifier_and_labels_wait_for_it() {
    let site = site(routes).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        "[settings]\ntimeout_secs = 3\nper_host_delay_ms = 0\n\n[[source]]\nid = \"rdf\"\nname = \"rdf\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n",
        site.url("/rdf.xml")
    );
    let config = || Config::parse(&cfg, &dir.path().join("banyue.toml")).expect("valid config");
    let opts = RunOptions {
        now: Some(fixture_now()),
        ..Default::default()
    };
    let first = Pipeline::new(config()).unwrap();
    first.run(&opts).await.expect("first run");
    assert!(first.classifier_is_built(), "new items are classified");

    let again = Pipeline::new(config()).unwrap();
    let report = again.run(&opts).await.expect("second run");
    assert!(report.sources.iter().all(|s| s.not_modified), "{}", report.summary());
    assert!(
        !again.classifier_is_built(),
        "nothing new, nothing to classify or draft again"
    );

    let mut store = again.open_store().unwrap();
    let id = store.all_items().unwrap()[0].id;
    store
        .set_label(id, "policy", None, "小王", fixture_now())
        .expect("label");
    again.retrain(&store).expect("retrain");
    assert!(!again.classifier_is_built(), "the label waits for the classifier");
    assert_eq!(again.classifier().learned_from(), 1, "and is learned once it is built");
}
