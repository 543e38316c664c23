//! From many stories to the issue's few: quotas hold, no source fills a section, the
//! rest wait in the candidate pool (searchable, and an editor's "add" brings one in),
//! the exports carry the selection and the pool apart.

mod common;

use std::collections::HashMap;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::draft::PoolQuery;
use banyue::pipeline::{Pipeline, RunOptions};
use banyue::review::Edit;
use chrono::{DateTime, Utc};
use common::site;

const COMPANIES: [&str; 10] = [
    "星河云",
    "北辰软件",
    "天穹智能",
    "云帆数科",
    "若水科技",
    "青松信息",
    "明川智算",
    "远山数据",
    "海澜软件",
    "凌峰电子",
];
const SMALL: [&str; 2] = ["白鹭科技", "松果智能"];

fn feed(origin: &str, path: &str, companies: &[&str]) -> String {
    let mut items = String::new();
    for (i, c) in companies.iter().enumerate() {
        items.push_str(&format!(
            "<item><title>{c}发布第{n}代分布式数据库，事务性能提升{p}倍</title>\
             <link>{origin}/{path}/{i}.html</link><guid>{origin}/{path}/{i}.html</guid>\
             <pubDate>Tue, 24 Nov 2026 {h:02}:00:00 +0800</pubDate>\
             <description>{c}今日发布第{n}代分布式数据库产品，兼容主流开源生态，支持多地多活部署，已在{c}的金融客户完成试点。</description></item>",
            n = i + 2,
            p = i + 2,
            h = 8 + i
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>{path}</title>\
         <link>{origin}/</link><description>t</description>{items}</channel></rss>"
    )
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn quotas_a_pool_and_an_editors_add() {
    let site = site(|origin| {
        HashMap::from([
            (
                "/big.xml".to_string(),
                Resource::ok("application/rss+xml", feed(origin, "big", &COMPANIES)),
            ),
            (
                "/small.xml".to_string(),
                Resource::ok("application/rss+xml", feed(origin, "small", &SMALL)),
            ),
        ])
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("banyue.toml");
    let text = format!(
        "[settings]\ndata_dir = \"data\"\nfeeds_dir = \"feeds\"\ndrafts_dir = \"drafts\"\nper_host_delay_ms = 0\n\n\
         [[source]]\nid = \"big\"\nname = \"大站\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\npriority = 2\n\n\
         [[source]]\nid = \"small\"\nname = \"小站\"\nurl = \"{}\"\nkind = \"feed\"\nallow_private = true\n",
        site.url("/big.xml"),
        site.url("/small.xml")
    );
    std::fs::write(&cfg_path, &text).unwrap();
    let pipeline = Pipeline::new(Config::parse(&text, &cfg_path).unwrap()).unwrap();
    let report = pipeline
        .run(&RunOptions {
            now: Some(now()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(report.sources.iter().all(|s| s.error.is_none()), "{}", report.summary());

    let mut store = pipeline.open_store().unwrap();
    let issue = pipeline.issue_for(&mut store, None, now()).unwrap();
    let draft = pipeline.draft_of(&store, &issue, now()).unwrap();
    // The taxonomy's quota for the section, and the most one source may fill of it.
    let taxonomy = banyue::classify::taxonomy::Taxonomy::builtin();
    let quota = taxonomy.section("tech-innovation").unwrap().quota.unwrap();
    let per_source = (quota as f32 * taxonomy.selection.source_share).ceil() as usize;
    assert!(
        per_source < COMPANIES.len() && quota - per_source <= SMALL.len(),
        "the test's feeds hold enough to fill the quota from both sources"
    );
    let tech = draft.sections.iter().find(|s| s.id == "tech-innovation").unwrap();
    let titles: Vec<&str> = tech.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(tech.items.len(), quota, "the quota of {quota}: {titles:?}");
    let from_big = tech.items.iter().filter(|i| i.source_id == "big").count();
    assert_eq!(
        from_big, per_source,
        "the big source takes at most its share of the quota: {titles:?}"
    );
    assert!(
        tech.items.iter().all(|i| !i.why_significant.is_empty()),
        "each chosen item says why it matters"
    );
    let pool: Vec<_> = draft
        .candidates
        .iter()
        .filter(|c| c.section == "tech-innovation")
        .collect();
    assert_eq!(
        pool.len(),
        COMPANIES.len() + SMALL.len() - quota,
        "the rest wait in the pool"
    );
    assert!(
        draft
            .candidates
            .windows(2)
            .all(|w| w[0].significance >= w[1].significance),
        "the pool is most significant first"
    );

    // An editor looks for one by name and adds it: it joins the issue, over the quota.
    let wanted = COMPANIES
        .iter()
        .find(|c| pool.iter().any(|p| p.title.starts_with(*c)))
        .unwrap();
    let page = PoolQuery {
        text: wanted.to_string(),
        per_page: 30,
        ..Default::default()
    }
    .page(&draft.candidates);
    assert_eq!(page.matching, 1, "{page:?}");
    let id = page.items[0].id;
    store
        .record_edit(&issue, Some(id), &Edit::Include, "小王", now())
        .unwrap();
    let draft = pipeline.draft_of(&store, &issue, now()).unwrap();
    let tech = draft.sections.iter().find(|s| s.id == "tech-innovation").unwrap();
    assert!(tech.items.iter().any(|i| i.id == id), "added to the issue");
    assert_eq!(tech.items.len(), quota + 1);
    assert!(draft.candidates.iter().all(|c| c.id != id));

    // Excluded, it drops back to the pool, marked, not out of sight.
    store
        .record_edit(&issue, Some(id), &Edit::Exclude, "小王", now())
        .unwrap();
    let draft = pipeline.draft_of(&store, &issue, now()).unwrap();
    assert!(draft.candidates.iter().any(|c| c.id == id && c.excluded));

    // The exports: the issue's layout holds the selection, the JSON carries the pool apart.
    let files = banyue::draft::render::export(&draft, &dir.path().join("drafts"), None).unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files.json).unwrap()).unwrap();
    let left_out = &draft.candidates[0].title;
    assert!(
        !md.contains(left_out.as_str()),
        "a candidate is not in the issue's text"
    );
    assert_eq!(json["candidates"].as_array().unwrap().len(), draft.candidates.len());
}
