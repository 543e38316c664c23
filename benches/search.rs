//! Archive search at scale: a store of N reports (default 200,000; `BANYUE_BENCH_ITEMS`),
//! written the way `Store` writes them (the row and its index words in one transaction),
//! then the queries editors type — two-character words, longer words, several words,
//! phrases, exclusions, filters, by date and by relevance — each timed over the store.
//!
//!   cargo bench --bench search                        # 200k reports
//!   BANYUE_BENCH_ITEMS=1000000 cargo bench --bench search
//!
//! Prints the build time, database and index size, and per query the median and p99 of
//! its runs, then the median and p99 over all of them.

use std::time::Instant;

use banyue::store::{SearchQuery, Store};
use rusqlite::params;

const CITIES: [&str; 16] = [
    "南京", "济南", "成都", "广州", "深圳", "上海", "北京", "杭州", "福州", "厦门", "青岛", "武汉", "西安", "大连",
    "长沙", "苏州",
];
const WHO: [&str; 12] = [
    "华为",
    "阿里云",
    "腾讯",
    "百度",
    "中国电信",
    "中国移动",
    "浪潮",
    "中兴通讯",
    "科大讯飞",
    "用友网络",
    "金蝶",
    "东软集团",
];
const WHAT: [&str; 14] = [
    "工业软件",
    "大模型",
    "操作系统",
    "数据库",
    "算力中心",
    "工业互联网平台",
    "人工智能芯片",
    "数据要素",
    "开源社区",
    "信创适配中心",
    "低空经济",
    "智能网联汽车",
    "量子计算",
    "网络安全",
];
const DID: [&str; 10] = [
    "发布",
    "签约",
    "开园",
    "揭牌",
    "上线",
    "印发",
    "入选",
    "启动",
    "完成融资",
    "召开推进会",
];
const FILL: &str = "会议指出，要深入贯彻落实国家关于推动软件和信息技术服务业高质量发展的部署要求，加快关键核心技术攻关，强化企业创新主体地位，推进产业链上下游协同，培育一批具有国际竞争力的骨干企业和产业集群，持续优化产业发展环境。";
const SECTIONS: [&str; 7] = [
    "policy",
    "industry-data",
    "tech-innovation",
    "company-news",
    "market",
    "ecosystem-standards",
    "city-news",
];

/// A small deterministic generator: the same store every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
}

fn build(path: &std::path::Path, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    drop(Store::open(path)?);
    let mut conn = rusqlite::Connection::open(path)?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let day0 = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    for chunk in 0..n.div_ceil(10_000) {
        let tx = conn.transaction()?;
        {
            let mut item = tx.prepare(
                "INSERT INTO items (id, source_id, guid, url, title, summary, content_html, body_text, published, fetched_at,
                    section, score, city, decision, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, ?8, ?9, 1.0, ?10, '{}', x'')",
            )?;
            let mut words = tx.prepare("INSERT INTO item_words (rowid, words) VALUES (?1, ?2)")?;
            for k in 0..10_000 {
                let id = (chunk * 10_000 + k + 1) as i64;
                if id as usize > n {
                    break;
                }
                let city = rng.pick(&CITIES);
                let title = format!(
                    "{city}{}{}{}（第{}批）",
                    rng.pick(&WHO),
                    rng.pick(&DID),
                    rng.pick(&WHAT),
                    rng.next() % 9 + 1
                );
                let summary = format!(
                    "{}与{}在{city}{}{}项目。",
                    rng.pick(&WHO),
                    rng.pick(&WHO),
                    rng.pick(&DID),
                    rng.pick(&WHAT)
                );
                let body = format!("{summary}{FILL}{}{FILL}", rng.pick(&WHAT));
                let day = day0 + chrono::Duration::days((rng.next() % 365) as i64);
                let at = format!("{}T08:00:00Z", day.format("%Y-%m-%d"));
                item.execute(params![
                    id,
                    format!("src-{}", rng.next() % 150),
                    format!("g{id}"),
                    format!("https://news.example.cn/a/{id}.html"),
                    title,
                    summary,
                    body,
                    at,
                    rng.pick(&SECTIONS),
                    city
                ])?;
                let date = day.and_hms_opt(8, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
                words.execute(params![
                    banyue::store::search_key(id, date),
                    banyue::search::document(&title, &summary, &body)
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed().as_secs_f64())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("BANYUE_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    // BANYUE_BENCH_DB keeps the store for the next run (building 1M takes minutes).
    let dir = tempfile::tempdir()?;
    let path = std::env::var_os("BANYUE_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("search.db"));
    let secs = if path.exists() { 0.0 } else { build(&path, n)? };
    let store = Store::open(&path)?;
    let db = std::fs::metadata(&path)?.len()
        + std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "{n} reports stored and indexed in {secs:.1} s (0: kept from an earlier run); database {:.0} MB, of it the search index {:.0} MB",
        db as f64 / 1e6,
        store.search_index_bytes()? as f64 / 1e6
    );
    let queries: Vec<SearchQuery> = {
        let q = |text: &str| SearchQuery {
            text: text.into(),
            limit: 20,
            ..Default::default()
        };
        vec![
            q("软件"),
            q("芯片"),
            q("数据"),
            q("南京"),
            q("大模型"),
            q("工业互联网平台"),
            q("华为 操作系统"),
            q("\"阿里云签约\""),
            q("算力 -北京"),
            q("信创 适配 中心"),
            q("量子计算 南京 发布"),
            q("不存在的词语"),
            SearchQuery {
                by_relevance: true,
                ..q("工业软件 上海")
            },
            // The worst case for ranking: a word in nearly every report.
            SearchQuery {
                by_relevance: true,
                ..q("软件")
            },
            SearchQuery {
                section: Some("policy".into()),
                ..q("数据要素")
            },
            SearchQuery {
                city: Some("深圳".into()),
                ..q("融资")
            },
            SearchQuery {
                from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1),
                to: chrono::NaiveDate::from_ymd_opt(2026, 10, 31),
                ..q("低空经济")
            },
        ]
    };
    let mut all = Vec::new();
    println!("{:<28} {:>7} {:>10} {:>10}", "query", "found", "median ms", "p99 ms");
    for query in &queries {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..25 {
            let t = Instant::now();
            found = store.search(query)?.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let label = format!(
            "{}{}",
            query.text,
            if query.by_relevance {
                " (relevance)"
            } else if query.section.is_some() || query.city.is_some() || query.from.is_some() {
                " (filtered)"
            } else {
                ""
            }
        );
        println!(
            "{label:<28} {found:>7} {:>10.1} {:>10.1}",
            pct(&times, 0.5),
            pct(&times, 0.99)
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "all {} queries: median {:.1} ms, p99 {:.1} ms",
        all.len(),
        pct(&all, 0.5),
        pct(&all, 0.99)
    );
    Ok(())
}
