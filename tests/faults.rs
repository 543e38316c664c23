//! A fault-injecting farm on 127.0.0.1: each broken source is named with the right
//! reason, and the healthy sources in the same run still publish.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions, SourceReport};
use chrono::Utc;
use common::*;

/// Take the request, then hang up without a word.
fn reset(mut s: std::net::TcpStream) {
    read_head(&mut s);
    let _ = s.shutdown(std::net::Shutdown::Both);
}

fn drip(mut s: std::net::TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 4000\r\n\r\n<rss>");
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(100));
        if s.write_all(b" ").is_err() {
            return;
        }
    }
}

fn chunked_flood(mut s: std::net::TcpStream) {
    read_head(&mut s);
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = format!("{:x}\r\n{}\r\n", 1024, "x".repeat(1024));
    for _ in 0..256 {
        if s.write_all(chunk.as_bytes()).is_err() {
            return;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
}

fn routes(origin: &str) -> HashMap<String, Resource> {
    let mut r = HashMap::new();
    let f = |name: &str| fill(&fixture(name), origin);
    r.insert(
        "/good.xml".into(),
        Resource::ok("application/rss+xml", f("news/rss2.xml")),
    );
    r.insert(
        "/good-atom.xml".into(),
        Resource::ok("application/atom+xml", f("news/atom.xml")),
    );
    r.insert("/500.xml".into(), Resource::status(500, "boom"));
    let mut throttled = Resource::status(429, "slow down");
    throttled.headers.push(("retry-after".into(), "120".into()));
    r.insert("/429.xml".into(), throttled);
    r.insert(
        "/timeout.xml".into(),
        Resource {
            delay: Duration::from_secs(4),
            ..Resource::ok("application/rss+xml", f("news/rss2.xml"))
        },
    );
    r.insert(
        "/big.xml".into(),
        Resource::ok("application/rss+xml", "x".repeat(200_000)),
    );
    r.insert("/loop-a".into(), Resource::redirect("/loop-b"));
    r.insert("/loop-b".into(), Resource::redirect("/loop-a"));
    // The header says UTF-8; the bytes are GBK.
    r.insert(
        "/wrong-charset.xml".into(),
        Resource::ok("application/rss+xml; charset=utf-8", gbk(&f("news/rss1.xml"))),
    );
    r.insert(
        "/malformed.xml".into(),
        Resource::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss><channel><item><title>半截</title></chan",
        ),
    );
    r.insert(
        "/html.xml".into(),
        Resource::ok(
            "text/html",
            "<!DOCTYPE html><html><head><title>首页</title></head><body>网站首页</body></html>",
        ),
    );
    r.insert("/to-private".into(), Resource::redirect("http://10.255.255.1/feed.xml"));
    // A chain: /hop/1 reaches the feed in 10 redirects (followed), /hop/0 in 11 (one too many).
    for i in 0..10 {
        r.insert(format!("/hop/{i}"), Resource::redirect(&format!("/hop/{}", i + 1)));
    }
    // Its own copy of the good feed (other links and ids): which of the two sources is
    // fetched first must not decide which one sees the items as new.
    r.insert("/hop/10".into(), Resource::redirect("/hop-end.xml"));
    r.insert(
        "/hop-end.xml".into(),
        Resource::ok(
            "application/rss+xml",
            f("news/rss2.xml").replace("rss2-", "hops-").replace("shtml", "html"),
        ),
    );
    r.insert("/to-file".into(), Resource::redirect("file:///etc/passwd"));
    r.insert(
        "/to-localhost".into(),
        Resource::redirect(&format!(
            "http://localhost:{}/good.xml",
            origin.rsplit(':').next().unwrap_or("80")
        )),
    );
    r.insert(
        "/521".into(),
        Resource::status(
            521,
            "<script>document.cookie='__jsl_clearance=1';location.reload()</script>",
        ),
    );
    r
}

fn by_id(reports: &[SourceReport]) -> HashMap<&str, &SourceReport> {
    reports.iter().map(|r| (r.id.as_str(), r)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_named_and_healthy_sources_still_publish() {
    let site = site(routes).await;
    let reset_addr = raw_server(reset);
    let drip_addr = raw_server(drip);
    let flood_addr = raw_server(chunked_flood);
    let dir = tempfile::tempdir().unwrap();
    let feed = |id: &str, url: String| {
        format!("[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{url}\"\nkind = \"feed\"\n\n")
    };
    let mut text = String::from(
        "[settings]\ntimeout_secs = 2\nmax_body_bytes = 65536\nper_host_delay_ms = 0\nper_host_concurrency = 16\nconcurrency = 16\nbackoff_base_secs = 60\n\n",
    );
    for (id, path) in [
        ("good", "/good.xml"),
        ("good-atom", "/good-atom.xml"),
        ("e500", "/500.xml"),
        ("e429", "/429.xml"),
        ("timeout", "/timeout.xml"),
        ("big", "/big.xml"),
        ("loop", "/loop-a"),
        ("charset", "/wrong-charset.xml"),
        ("malformed", "/malformed.xml"),
        ("html", "/html.xml"),
        ("private", "/to-private"),
        ("localhost", "/to-localhost"),
        ("blocked", "/521"),
        ("ten-hops", "/hop/1"),
        ("eleven-hops", "/hop/0"),
        ("to-file", "/to-file"),
    ] {
        text += &feed(id, site.url(path));
    }
    text += &feed("reset", format!("http://{reset_addr}/feed.xml"));
    text += &feed("drip", format!("http://{drip_addr}/feed.xml"));
    text += &feed("flood", format!("http://{flood_addr}/feed.xml"));
    let config = Config::parse(&text, &dir.path().join("banyue.toml")).unwrap();
    let pipeline = Pipeline::new(config).unwrap();
    let started = Utc::now();
    let report = pipeline.run(&RunOptions::default()).await.unwrap();
    let summary = report.summary();
    println!("{summary}");
    let r = by_id(&report.sources);
    let err = |id: &str| {
        r[id]
            .error
            .clone()
            .unwrap_or_else(|| panic!("{id} should fail: {summary}"))
    };

    assert!(r["good"].error.is_none() && r["good"].new == 4, "{summary}");
    assert!(r["good-atom"].error.is_none() && r["good-atom"].new == 4, "{summary}");
    assert!(
        r["charset"].error.is_none() && r["charset"].new == 2,
        "a wrong charset is corrected: {summary}"
    );
    assert_eq!(err("e500"), "HTTP 500");
    assert_eq!(err("e429"), "HTTP 429: throttled, retry after 120 s");
    assert!(err("timeout").contains("timed out after 2 s"), "{summary}");
    assert!(
        err("drip").contains("timed out"),
        "a slow drip hits the total timeout: {summary}"
    );
    let reset = err("reset");
    assert!(
        reset.contains("connection") || reset.contains("closed") || reset.contains("reset"),
        "{summary}"
    );
    assert_eq!(err("big"), "body exceeds the 65536-byte cap");
    assert_eq!(
        err("flood"),
        "body exceeds the 65536-byte cap",
        "without a Content-Length too"
    );
    assert!(err("loop").contains("too many redirects (11)"), "{summary}");
    assert_eq!(err("eleven-hops"), "too many redirects (11)");
    assert!(
        err("to-file").contains("redirect to a `file` URL (file:///etc/passwd): only http and https are fetched"),
        "{summary}"
    );
    assert!(
        by_id(&report.sources)["ten-hops"].error.is_none(),
        "ten redirects are followed: {summary}"
    );
    assert!(err("malformed").contains("malformed feed"), "{summary}");
    assert!(
        err("html").contains("HTML page was served where a feed was expected"),
        "{summary}"
    );
    assert!(
        err("private").contains("10.255.255.1 is a non-public address"),
        "{summary}"
    );
    assert!(
        err("localhost").contains("localhost is a non-public address"),
        "{summary}"
    );
    assert!(err("blocked").contains("anti-bot challenge (HTTP 521)"), "{summary}");
    assert!(summary.contains("FAIL  e500"));

    // The healthy sources published.
    let feeds = &pipeline.config.settings.feeds_dir;
    let market = std::fs::read_to_string(feeds.join("market.xml")).unwrap();
    assert!(market.contains("北辰软件"), "{market}");
    let eco = std::fs::read_to_string(feeds.join("ecosystem-standards.xml")).unwrap();
    assert!(
        eco.contains("开源基金会成立工业操作系统工作组"),
        "from the GBK-bytes feed labelled UTF-8"
    );

    // Failing sources back off (429 as long as asked), and are named as skipped.
    let store = pipeline.open_store().unwrap();
    let health: HashMap<String, banyue::store::SourceHealth> = store
        .sources()
        .unwrap()
        .into_iter()
        .map(|h| (h.id.clone(), h))
        .collect();
    assert_eq!(health["e500"].consecutive_failures, 1);
    let due = |id: &str| {
        chrono::DateTime::parse_from_rfc3339(health[id].next_due.as_deref().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    assert!(
        due("e429") >= started + chrono::Duration::seconds(119),
        "Retry-After honoured"
    );
    assert!(due("e500") >= started + chrono::Duration::seconds(59), "backoff");
    assert!(health["good"].next_due.is_none());
    let again = pipeline.run(&RunOptions::default()).await.unwrap();
    let a = by_id(&again.sources);
    assert!(
        a["e429"].skipped.as_deref().is_some_and(|s| s.contains("backing off")),
        "{}",
        again.summary()
    );
    assert!(
        a["good"].not_modified,
        "unchanged feeds answer 304: {}",
        again.summary()
    );
    assert_eq!(site.hits("/429.xml"), 1, "not asked again before Retry-After");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_whose_items_fail_to_store_fails_alone() {
    let site = site(routes).await;
    let dir = tempfile::tempdir().unwrap();
    // The store refuses one source's items, as a full disk or a broken row would.
    let db = dir.path().join("data").join("banyue.db");
    drop(banyue::store::Store::open(&db).unwrap());
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN new.source_id = 'refused'
             BEGIN SELECT RAISE(ABORT, 'no room for this source'); END;",
        )
        .unwrap();
    let mut text = String::from("[settings]\nper_host_delay_ms = 0\nconcurrency = 4\n\n");
    for (id, path) in [
        ("good", "/good.xml"),
        ("refused", "/hop-end.xml"),
        ("good-atom", "/good-atom.xml"),
    ] {
        text += &format!(
            "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nkind = \"feed\"\n\n",
            site.url(path)
        );
    }
    let config = Config::parse(&text, &dir.path().join("banyue.toml")).unwrap();
    let report = Pipeline::new(config)
        .unwrap()
        .run(&RunOptions::default())
        .await
        .unwrap();
    let summary = report.summary();
    let r = by_id(&report.sources);
    let refused = r["refused"].error.clone().unwrap_or_default();
    assert!(
        refused.starts_with("storing items") && refused.contains("no room for this source"),
        "{summary}"
    );
    assert_eq!(r["refused"].new, 0, "{summary}");
    // The sources stored beside it, in its transaction or another, stand.
    assert!(r["good"].error.is_none() && r["good"].new == 4, "{summary}");
    assert!(r["good-atom"].error.is_none() && r["good-atom"].new == 4, "{summary}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored = |source: &str| {
        conn.query_row("SELECT count(*) FROM items WHERE source_id = ?1", [source], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    assert_eq!((stored("good"), stored("good-atom"), stored("refused")), (4, 4, 0));
}

fn gzipped(bytes: &[u8]) -> Vec<u8> {
    banyue::fetch::gzip(bytes).unwrap()
}

fn encoded(coding: &str, body: Vec<u8>) -> Resource {
    let mut r = Resource::ok("application/rss+xml", body);
    r.headers.push(("content-encoding".into(), coding.into()));
    r
}

/// A compressed body is held as it came until its source's turn to be read, then
/// decompressed within the body cap however small it came; a body that is not what its
/// header says fails its source with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_read_within_the_cap() {
    let site = site(|origin| {
        let feed = fill(&fixture("news/rss2.xml"), origin);
        let mut r = HashMap::new();
        r.insert("/gzip.xml".into(), encoded("gzip", gzipped(feed.as_bytes())));
        // Two members, as `cat a.gz b.gz` makes: one body.
        let (head, tail) = feed.split_at(feed.len() / 2);
        let mut members = gzipped(head.as_bytes());
        members.extend(gzipped(tail.as_bytes()));
        let members_feed = encoded("x-gzip", members);
        r.insert("/members.xml".into(), members_feed);
        // 200 kB of spaces in a few hundred bytes: over the cap once decompressed.
        let mut bomb = String::from("<rss>");
        bomb.push_str(&" ".repeat(200_000));
        r.insert("/bomb.xml".into(), encoded("gzip", gzipped(bomb.as_bytes())));
        r.insert("/broken.xml".into(), encoded("gzip", feed.as_bytes().to_vec()));
        r.insert("/brotli.xml".into(), encoded("br", b"\x1b\x03\x00".to_vec()));
        r
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[settings]\ntimeout_secs = 5\nmax_body_bytes = 65536\nper_host_delay_ms = 0\nconcurrency = 8\n\n",
    );
    for id in ["gzip", "members", "bomb", "broken", "brotli"] {
        text += &format!(
            "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nkind = \"feed\"\n\n",
            site.url(&format!("/{id}.xml"))
        );
    }
    let config = Config::parse(&text, &dir.path().join("banyue.toml")).unwrap();
    let pipeline = Pipeline::new(config).unwrap();
    let report = pipeline.run(&RunOptions::default()).await.unwrap();
    let summary = report.summary();
    let r = by_id(&report.sources);
    let err = |id: &str| r[id].error.clone().unwrap_or_default();
    assert!(r["gzip"].error.is_none() && r["gzip"].found == Some(4), "{summary}");
    assert!(
        r["members"].error.is_none() && r["members"].found == Some(4),
        "{summary}"
    );
    assert_eq!(err("bomb"), "body exceeds the 65536-byte cap", "{summary}");
    assert!(err("broken").starts_with("the gzip body is corrupt"), "{summary}");
    assert_eq!(
        err("brotli"),
        "the body came in `br`, which was not asked for (only gzip is)",
        "{summary}"
    );
}
