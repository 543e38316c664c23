//! Hostile pages get bounded work: a list page nested tens of thousands of elements deep
//! is read (its tags below the depth limit dropped, its rows kept), and a list of
//! thousands of rows gives the first `max_items` with a warning that says so.

mod common;

use std::collections::HashMap;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::pipeline::{Pipeline, RunOptions};
use common::site;

const DEEP: usize = 50_000;
const ROWS: usize = 3_000;

fn deep_page() -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"></head><body><ul class=\"list\">\
         <li><a href=\"/a/deep.html\" title=\"某市发布软件产业扶持政策\">某市发布软件产业扶持政策</a><span>2026-11-20</span></li>\
         </ul>{}x{}</body></html>",
        "<div>".repeat(DEEP),
        "</div>".repeat(DEEP)
    )
}

fn wide_page() -> String {
    let rows: String = (0..ROWS)
        .map(|i| {
            format!(
                "<li><a href=\"/a/{i}.html\" title=\"某区公示第{i}批软件企业名单\">某区公示第{i}批软件企业名单</a><span>2026-11-20</span></li>"
            )
        })
        .collect();
    format!("<html><head><meta charset=\"utf-8\"></head><body><ul class=\"list\">{rows}</ul></body></html>")
}

#[tokio::test]
async fn deep_and_wide_pages_are_read_within_bounds() {
    let site = site(|_| {
        HashMap::from([
            (
                "/deep/".to_string(),
                Resource::ok("text/html; charset=utf-8", deep_page()),
            ),
            (
                "/wide/".to_string(),
                Resource::ok("text/html; charset=utf-8", wide_page()),
            ),
        ])
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("banyue.toml");
    let source = |id: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nkind = \"html\"\nallow_private = true\n\
             [source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\ndate = \"span\"\n\n",
            site.url(&format!("/{id}/"))
        )
    };
    let text = format!(
        "[settings]\nper_host_delay_ms = 0\nmax_body_bytes = 20000000\nmax_items = 100\n\n{}{}",
        source("deep"),
        source("wide")
    );
    std::fs::write(&cfg_path, &text).unwrap();
    let pipeline = Pipeline::new(Config::parse(&text, &cfg_path).unwrap()).unwrap();
    let report = pipeline.run(&RunOptions::default()).await.unwrap();
    let summary = report.summary();
    let by_id: HashMap<&str, _> = report.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    let deep = by_id["deep"];
    assert!(deep.error.is_none(), "{summary}");
    assert_eq!(deep.new, 1, "the row above the trap is read: {summary}");
    let wide = by_id["wide"];
    assert!(wide.error.is_none(), "{summary}");
    assert_eq!(wide.new, 100, "{summary}");
    assert!(
        wide.warnings
            .iter()
            .any(|w| w.contains(&format!("{ROWS} items")) && w.contains("max_items")),
        "{:?}",
        wide.warnings
    );
}
