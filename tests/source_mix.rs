//! What a source usually yields leans its unsure items: a city bureau's portal whose
//! notes are 名城动向 lends that section weight, over real HTTP into a real store.

mod common;

use std::collections::HashMap;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use common::site;

const NOTES: &[&str] = &[
    "11月3日，南京市召开软件和信息服务业高质量发展推进会",
    "11月5日，南京软件谷举行数字经济项目集中签约仪式",
    "11月8日，江北新区集成电路设计产业园揭牌",
    "11月10日，南京市数据要素产业集聚区建设启动",
    "11月12日，南京市发布首批人工智能应用场景清单",
    "11月14日，南京市举办工业互联网平台对接会",
];
/// No date, no city, no verb of the trade: alone it is close between sections.
const UNSURE: &str = "软件企业家座谈会召开";

fn list_page() -> String {
    let rows: String = NOTES
        .iter()
        .chain(std::iter::once(&UNSURE))
        .enumerate()
        .map(|(i, t)| format!("<li><a href=\"/a/{i}.html\" title=\"{t}\">{t}</a><span>2026-11-20</span></li>"))
        .collect();
    format!("<html><head><meta charset=\"utf-8\"></head><body><ul class=\"list\">{rows}</ul></body></html>")
}

#[tokio::test]
async fn a_city_portals_unsure_item_leans_to_city_news() {
    let site = site(|_| {
        HashMap::from([(
            "/gxj/".to_string(),
            Resource::ok("text/html; charset=utf-8", list_page()),
        )])
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("banyue.toml");
    let text = format!(
        "[settings]\nper_host_delay_ms = 0\n\n[[source]]\nid = \"nj-gxj\"\nname = \"南京市工业和信息化局\"\nurl = \"{}\"\n\
         kind = \"html\"\nallow_private = true\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\ndate = \"span\"\n",
        site.url("/gxj/")
    );
    std::fs::write(&cfg_path, &text).unwrap();
    let pipeline = Pipeline::new(Config::parse(&text, &cfg_path).unwrap()).unwrap();
    let report = pipeline.run(&RunOptions::default()).await.unwrap();
    assert_eq!(report.sources[0].new, NOTES.len() + 1, "{}", report.summary());
    let items = pipeline.open_store().unwrap().all_items().unwrap();
    let unsure = items
        .iter()
        .find(|i| i.title == UNSURE)
        .expect("the unsure item is stored");
    assert!(
        unsure
            .decision
            .reasons
            .iter()
            .any(|r| r.contains("of the source's items → city-news")),
        "{:?}",
        unsure.decision
    );
    assert_eq!(unsure.decision.section, "city-news", "{:?}", unsure.decision);
    assert_eq!(unsure.decision.city.as_deref(), Some("南京"));
}
