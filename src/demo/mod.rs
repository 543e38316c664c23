//! `banyue demo`: the whole pipeline on bundled sample sources served on 127.0.0.1 — an
//! RSS 2.0 news feed, an Atom feed, and a GBK government list page with detail pages,
//! with off-topic items and one story told by two outlets.

pub mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use regex::Regex;

use crate::config::Config;
use crate::pipeline::{Pipeline, RunOptions, RunReport};
use server::{Resource, SiteHandle};

const TECHNEWS: &str = include_str!("../../samples/news/technews.rss.xml");
const PARTNER: &str = include_str!("../../samples/news/partner.atom.xml");
const GOV_LIST: &str = include_str!("../../samples/gov/list.html");
const GOV_DETAILS: &[(i64, &str, &str)] = &[
    (-2, "7730001", include_str!("../../samples/gov/detail-policy.html")),
    (-3, "7730002", include_str!("../../samples/gov/detail-notice.html")),
    (-4, "7730004", include_str!("../../samples/gov/detail-visit.html")),
    (-5, "7730005", include_str!("../../samples/gov/detail-data.html")),
    (-6, "7730007", include_str!("../../samples/gov/detail-jobs.html")),
];

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\{\{(\w+)(?::(-?\d+))?\}\}").expect("static regex"));

/// Fill the sample templates' tokens: `{{base}}`, and dates `days` from `now` in the
/// forms sites write them (`{{rfc2822:-1}}`, `{{date:-2}}`, `{{cn:-4}}`, …).
pub fn expand(template: &str, base: &str, now: DateTime<Utc>, tz: Tz) -> String {
    TOKEN
        .replace_all(template, |c: &regex::Captures| {
            let days: i64 = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
            // Mid-morning local time, so "days ago" never crosses midnight oddly.
            let t = (now + Duration::days(days)).with_timezone(&tz);
            match &c[1] {
                "base" => base.to_string(),
                "rfc2822" => t.to_rfc2822(),
                "rfc3339" => t.to_rfc3339(),
                "date" => t.format("%Y-%m-%d").to_string(),
                "slash" => t.format("%Y/%m/%d").to_string(),
                "compact" => t.format("%Y%m%d").to_string(),
                "cn" => format!("{}年{:02}月{:02}日", t.year(), t.month(), t.day()),
                "cnfull" => format!("{}年{}月{}日", t.year(), t.month(), t.day()),
                "md" => format!("{}月{}日", t.month(), t.day()),
                "year" => t.year().to_string(),
                _ => c[0].to_string(),
            }
        })
        .into_owned()
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// The sample site's routes, with dates relative to `now`. `base` is the server's origin.
pub fn sample_routes(base: &str, now: DateTime<Utc>, tz: Tz) -> HashMap<String, Resource> {
    let mut r = HashMap::new();
    let x = |t: &str| expand(t, base, now, tz);
    r.insert(
        "/news/technews.xml".into(),
        Resource::ok("application/rss+xml; charset=utf-8", x(TECHNEWS)),
    );
    r.insert(
        "/partner/atom.xml".into(),
        Resource::ok("application/atom+xml", x(PARTNER)),
    );
    // The portal declares its charset only in a <meta> tag, as many do.
    r.insert("/gov/tzgg/".into(), Resource::ok("text/html", gbk(&x(GOV_LIST))));
    for (days, id, page) in GOV_DETAILS {
        let path = x(&format!("/gov/tzgg/t{{{{compact:{days}}}}}_{id}.html"));
        r.insert(path, Resource::ok("text/html", gbk(&x(page))));
    }
    r
}

/// The config `demo` runs with: the three sample sources, everything under `dir`.
pub fn sample_config(site: &SiteHandle) -> String {
    format!(
        r#"# Written by `banyue demo`: the bundled sample sources, served on 127.0.0.1.
[settings]
data_dir = "data"
feeds_dir = "feeds"
drafts_dir = "drafts"
base_url = "http://127.0.0.1:8080/feeds/"
report_name = "软件和信息技术服务业半月报（演示）"
publisher = "示例研究院"
concurrency = 4
timeout_secs = 10
# All samples share one host (127.0.0.1); real portals get the polite defaults.
per_host_concurrency = 4
per_host_delay_ms = 0

[[source]]
id = "technews"
name = "示例科技网"
url = "{technews}"
kind = "feed"

[[source]]
id = "partner"
name = "合作媒体"
url = "{partner}"
kind = "feed"

[[source]]
id = "sz-gxj"
name = "苏州市工业和信息化局"
url = "{gov}"
kind = "html"
city = "苏州"
# The sample portal lives on 127.0.0.1, so its detail links must be allowed there.
allow_private = true

  [source.list]
  item = "ul.list li"
  title = "a@title"
  link = "a"
  date = "span"

  [source.detail]
  body = [".TRS_Editor"]
"#,
        technews = site.url("/news/technews.xml"),
        partner = site.url("/partner/atom.xml"),
        gov = site.url("/gov/tzgg/"),
    )
}

/// What the demo produced.
pub struct DemoOutcome {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub report: RunReport,
}

/// Serve the samples, run the pipeline on them into `dir`, stop the server.
pub async fn run(dir: &Path, now: Option<DateTime<Utc>>) -> anyhow::Result<DemoOutcome> {
    let clock = now.unwrap_or_else(Utc::now);
    let tz = chrono_tz::Asia::Shanghai;
    let site = server::serve_with(|origin| sample_routes(origin, clock, tz)).await?;
    std::fs::create_dir_all(dir)?;
    let config_path = dir.join("banyue.toml");
    let text = sample_config(&site);
    crate::fsio::write_atomic(&config_path, text.as_bytes())?;
    let config = Config::parse(&text, &config_path)?;
    let pipeline = Pipeline::new(config)?;
    let report = pipeline
        .run(&RunOptions {
            now,
            force: true,
            ..Default::default()
        })
        .await?;
    Ok(DemoOutcome {
        dir: dir.to_path_buf(),
        config: config_path,
        report,
    })
}
