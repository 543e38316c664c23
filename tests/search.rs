//! Archive search against what is stored: every report whose words hold the term is found
//! (and nothing else), Chinese without spaces, traditional and simplified alike, phrases,
//! exclusions and filters; the index follows new reports and is rebuilt for old stores.

mod common;

use std::collections::{BTreeSet, HashMap};

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use banyue::store::{SearchQuery, Store};

const EXTRA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>港澳科技</title><link>{{base}}/</link><description>t</description>
<item><title>國產作業系統軟件發佈新版本，支持更多工業設備</title><link>{{base}}/a/1.html</link><description>某公司發佈國產作業系統新版本。</description><pubDate>Wed, 25 Nov 2026 08:00:00 +0800</pubDate></item>
<item><title>数据中心算力调度平台上线</title><link>{{base}}/a/2.html</link><description>平台由多家企业联合研发，调度全国算力资源，服务工业软件企业。</description><pubDate>Thu, 26 Nov 2026 09:00:00 +0800</pubDate></item>
<item><title>NVIDIA unveils Blackwell GPU for Rust developers</title><link>{{base}}/a/4.html</link><description>A Café-style demo: ＡＩ inference on ＧＰＵｓ at twice the speed.</description><pubDate>Fri, 27 Nov 2026 11:00:00 +0800</pubDate></item>
<item><title>招聘：软件工程师若干名</title><link>{{base}}/a/3.html</link><description>某软件公司招聘软件工程师。</description><pubDate>Fri, 27 Nov 2026 10:00:00 +0800</pubDate></item>
</channel></rss>"#;

async fn store_with_items() -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().expect("temp dir");
    banyue::demo::run(dir.path(), None).await.expect("demo");
    let site = common::site(|origin| {
        HashMap::from([(
            "/feed.xml".to_string(),
            Resource::ok("application/rss+xml", common::fill(EXTRA, origin)),
        )])
    })
    .await;
    let demo = std::fs::read_to_string(dir.path().join("banyue.toml")).expect("config");
    let settings_end = demo.find("[[source]]").unwrap_or(demo.len());
    let text = format!(
        "{}\n[[source]]\nid = \"hk-tech\"\nname = \"港澳科技\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n",
        &demo[..settings_end],
        site.url("/feed.xml")
    );
    let path = dir.path().join("extra.toml");
    std::fs::write(&path, text).expect("write config");
    let cfg = Config::load(&path).expect("config");
    let pipeline = Pipeline::new(cfg.clone()).expect("pipeline");
    pipeline
        .run(&RunOptions {
            force: true,
            ..Default::default()
        })
        .await
        .expect("run");
    (dir, cfg)
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        limit: 1000,
        ..Default::default()
    }
}

fn ids(found: &[banyue::store::Found]) -> BTreeSet<i64> {
    found.iter().map(|f| f.id).collect()
}

/// What a reader would find by reading every stored report: on-topic representatives
/// whose title, summary or lead holds every term (folded alike).
fn by_reading(store: &Store, terms: &[&str], without: &[&str]) -> BTreeSet<i64> {
    let holds = |text: &str, t: &str| banyue::classify::fold(text).contains(&banyue::classify::fold(t));
    store
        .all_items()
        .expect("items")
        .into_iter()
        .filter(|i| i.decision.rejected.is_none() && i.duplicate_of.is_none())
        .filter(|i| {
            let body = store.body_text(i.id).unwrap_or_default();
            let lead: String = body.chars().take(banyue::search::BODY_CHARS).collect();
            let parts = [i.title.as_str(), i.summary.as_str(), lead.as_str()];
            terms.iter().all(|t| parts.iter().any(|p| holds(p, t)))
                && !without.iter().any(|t| parts.iter().any(|p| holds(p, t)))
        })
        .map(|i| i.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_what_is_there_and_nothing_else() {
    let (_dir, cfg) = store_with_items().await;
    let store = Store::open(&cfg.settings.db_path()).expect("store");
    for (terms, without) in [
        (vec!["软件"], vec![]),
        (vec!["算力"], vec![]),
        (vec!["工业", "软件"], vec![]),
        (vec!["软件"], vec!["工业"]),
        (vec!["操作系统"], vec![]),
        (vec!["数据"], vec![]),
        (vec!["芯片"], vec![]),
    ] {
        let mut text = terms.join(" ");
        for w in &without {
            text.push_str(&format!(" -{w}"));
        }
        let found = store.search(&q(&text)).expect("search");
        let want = by_reading(&store, &terms, &without);
        assert!(
            !want.is_empty() || terms == ["操作系统"],
            "the fixture has reports for {text}"
        );
        assert_eq!(ids(&found), want, "`{text}`");
        // Newest first.
        assert!(
            found.windows(2).all(|w| w[0].date >= w[1].date),
            "`{text}` newest first"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latin_words_are_found_whatever_their_case_or_width() {
    let (_dir, cfg) = store_with_items().await;
    let store = Store::open(&cfg.settings.db_path()).expect("store");
    let everything = |text: &str| SearchQuery {
        everything: true,
        ..q(text)
    };
    let blackwell = |found: &[banyue::store::Found]| -> Vec<String> { found.iter().map(|f| f.title.clone()).collect() };
    let want = vec!["NVIDIA unveils Blackwell GPU for Rust developers".to_string()];
    for text in [
        "blackwell",
        "BLACKWELL",
        "gpu rust",
        "ＧＰＵ",
        "\"blackwell gpu\"",
        "café",
        "CAFÉ",
        "ａｉ inference",
    ] {
        let found = store.search(&everything(text)).expect("search");
        assert_eq!(blackwell(&found), want, "`{text}`");
    }
    // Whole words: a word is not found inside a longer one, nor a phrase out of order.
    for text in ["black", "\"gpu blackwell\"", "nvidia -rust"] {
        let found = store.search(&everything(text)).expect("search");
        assert!(found.is_empty(), "`{text}`: {:?}", blackwell(&found));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traditional_and_simplified_find_each_other() {
    let (_dir, cfg) = store_with_items().await;
    let store = Store::open(&cfg.settings.db_path()).expect("store");
    let found = store.search(&q("国产作业系统")).expect("search");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].title.starts_with("國產作業系統"));
    let (at, len) = found[0].mark.expect("marked");
    let marked: String = found[0].passage.chars().skip(at).take(len).collect();
    assert_eq!(marked, "國產作業系統", "the passage marks the words as written");
    let found = store.search(&q("軟件")).expect("search");
    assert!(
        found.iter().any(|f| f.title.contains("软件")),
        "traditional finds simplified"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phrases_filters_and_the_rebuilt_index() {
    let (dir, cfg) = store_with_items().await;
    let db = cfg.settings.db_path();
    {
        let store = Store::open(&db).expect("store");
        // A phrase is the words in that order; apart they are not it.
        let phrase = store.search(&q("\"工业软件\"")).expect("search");
        let words = store.search(&q("工业 软件")).expect("search");
        assert!(ids(&phrase).is_subset(&ids(&words)));
        assert!(phrase.iter().all(|f| {
            let body = store.body_text(f.id).unwrap_or_default();
            format!("{}{}{body}", f.title, f.passage).contains("工业软件")
        }));
        // Filters: source, section, days.
        let only = store
            .search(&SearchQuery {
                source: Some("hk-tech".into()),
                ..q("软件")
            })
            .expect("search");
        assert!(!only.is_empty() && only.iter().all(|f| f.source_id == "hk-tech"));
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("a day");
        let on_day = store
            .search(&SearchQuery {
                from: Some(day),
                to: Some(day),
                source: Some("hk-tech".into()),
                ..q("算力")
            })
            .expect("search");
        assert_eq!(on_day.len(), 1, "{on_day:?}");
        // Off-topic reports (a job ad) only when asked for everything.
        let ads = store.search(&q("招聘")).expect("search");
        let all = store
            .search(&SearchQuery {
                everything: true,
                ..q("招聘")
            })
            .expect("search");
        assert!(ads.is_empty() && all.iter().any(|f| f.rejected), "{ads:?} / {all:?}");
        assert!(store.search(&q("-招聘")).is_err(), "nothing to look for");
    }
    // A store from before the index had a file of its own (it was a table of the
    // database, read by FTS5's `unicode61` tokenizer): the table goes, and its reports are
    // indexed in the new file when it is opened.
    let before = Store::open(&db).expect("store").search(&q("软件")).expect("search");
    assert!(!before.is_empty());
    let beside = banyue::store::search_index_path(&db);
    let tables = |db: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(db).expect("raw connection");
        let mut q = conn
            .prepare("SELECT name FROM sqlite_master WHERE name IN ('item_words', 'store_identity')")
            .expect("query");
        q.query_map([], |r| r.get(0))
            .expect("names")
            .collect::<Result<_, _>>()
            .expect("names")
    };
    {
        let conn = rusqlite::Connection::open(&db).expect("raw connection");
        // Later migrations run again on it: they are written to allow that.
        conn.execute_batch(
            "DROP TABLE store_identity;
             CREATE VIRTUAL TABLE item_words USING fts5(words, content = '', contentless_delete = 1,
                 tokenize = 'unicode61 remove_diacritics 0');",
        )
        .expect("the index as it was");
        conn.pragma_update(None, "user_version", banyue::store::search_migration() - 1)
            .expect("as before the index had a file of its own");
    }
    std::fs::remove_file(&beside).expect("no file of its own then");
    assert!(tables(&db).contains(&"item_words".to_string()));
    let store = Store::open(&db).expect("store");
    assert_eq!(tables(&db), vec!["store_identity".to_string()]);
    assert!(beside.exists());
    assert_eq!(ids(&store.search(&q("软件")).expect("search")), ids(&before));
    drop(store);
    // The index is the items' and nothing else: one that says it was built for another
    // store, or that it holds reports this store has not (a database put back from a
    // backup), or one lost, is built again from the items.
    for change in [
        "UPDATE indexed SET store = 'another'",
        "UPDATE indexed SET up_to = up_to + 1000",
    ] {
        {
            let conn = rusqlite::Connection::open(&beside).expect("the index's file");
            conn.execute_batch(&format!(
                "{change}; INSERT INTO item_words (item_words) VALUES ('delete-all');"
            ))
            .expect("the index changed");
        }
        let store = Store::open(&db).expect("store");
        assert_eq!(
            ids(&store.search(&q("软件")).expect("search")),
            ids(&before),
            "{change}"
        );
        drop(store);
    }
    std::fs::remove_file(&beside).expect("the index lost");
    let store = Store::open(&db).expect("store");
    assert_eq!(ids(&store.search(&q("软件")).expect("search")), ids(&before));
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_marks_the_words_found() {
    let (dir, cfg) = store_with_items().await;
    let _ = cfg;
    let out = common::banyue_command()
        .args(["search", "算力", "--config"])
        .arg(dir.path().join("extra.toml"))
        .output()
        .expect("run banyue");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("【算力】"), "{stdout}");
}
