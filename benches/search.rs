//! Archive search at scale: a store of N reports (default 200,000; `BANYUE_BENCH_ITEMS`),
//! written the way `Store` writes them (the row and its index words in one transaction),
//! then the queries editors type — two-character words, longer words, several words,
//! phrases, exclusions, filters, by date and by relevance — each timed over the store.
//!
//!   cargo bench --bench search                        # 200k reports
//!   BANYUE_BENCH_ITEMS=1000000 cargo bench --bench search
//!   BANYUE_BENCH_STORE=postgres://USER@HOST:PORT/DB cargo bench --bench search
//!
//! Prints the build time, database and index size, and per query the median and p99 of
//! its runs, then the median and p99 over all of them.
//!
//! On SQLite the store is a temporary file, or `BANYUE_BENCH_DB=PATH` (kept, and used as it
//! is when it exists). With `BANYUE_BENCH_STORE` the same reports go into that PostgreSQL
//! database, in the schema `Store::connect` makes (items, and their words in `item_words`
//! under its trigram index), and the same queries run through `Store::search`; the
//! database's size is `pg_database_size`. A database that already holds the N reports is
//! used as it is (a 1M build is paid once); give an empty one otherwise.

use std::time::Instant;

use banyue::store::{Location, SearchQuery, Store};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
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

/// One generated report, as either engine stores it.
struct Report {
    id: i64,
    source: String,
    title: String,
    summary: String,
    body: String,
    /// Its `published` and `fetched_at`.
    at: String,
    date: chrono::DateTime<chrono::Utc>,
    section: &'static str,
    city: &'static str,
}

impl Report {
    fn guid(&self) -> String {
        format!("g{}", self.id)
    }
    fn url(&self) -> String {
        format!("https://news.example.cn/a/{}.html", self.id)
    }
}

/// The reports of the store, in id order (from 1): the same ones every run, on either engine.
struct Reports {
    rng: Rng,
    day0: chrono::NaiveDate,
    next: i64,
}

impl Reports {
    fn new() -> anyhow::Result<Reports> {
        Ok(Reports {
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            day0: chrono::NaiveDate::from_ymd_opt(2025, 12, 1).ok_or_else(|| anyhow::anyhow!("date"))?,
            next: 1,
        })
    }
}

impl Iterator for Reports {
    type Item = Report;
    fn next(&mut self) -> Option<Report> {
        let (rng, id) = (&mut self.rng, self.next);
        self.next += 1;
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
        let day = self.day0 + chrono::Duration::days((rng.next() % 365) as i64);
        let at = format!("{}T08:00:00Z", day.format("%Y-%m-%d"));
        let source = format!("src-{}", rng.next() % 150);
        let section = rng.pick(&SECTIONS);
        let date = day.and_hms_opt(8, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
        Some(Report {
            id,
            source,
            title,
            summary,
            body,
            at,
            date,
            section,
            city,
        })
    }
}

fn build(path: &std::path::Path, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    drop(Store::open(path)?);
    let mut conn = rusqlite::Connection::open(path)?;
    let mut reports = Reports::new()?.take(n);
    for _chunk in 0..n.div_ceil(CHUNK) {
        let tx = conn.transaction()?;
        {
            let mut item = tx.prepare(
                "INSERT INTO items (id, source_id, guid, url, title, summary, content_html, body_text, published, fetched_at,
                    section, score, city, decision, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, ?8, ?9, 1.0, ?10, '{}', x'')",
            )?;
            let mut words = tx.prepare("INSERT INTO item_words (rowid, words) VALUES (?1, ?2)")?;
            for r in reports.by_ref().take(CHUNK) {
                item.execute(params![
                    r.id,
                    r.source,
                    r.guid(),
                    r.url(),
                    r.title,
                    r.summary,
                    r.body,
                    r.at,
                    r.section,
                    r.city
                ])?;
                words.execute(params![
                    banyue::store::search_key(r.id, r.date),
                    banyue::search::document(&r.title, &r.summary, &r.body)
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// How many reports go in one transaction, on either engine.
const CHUNK: usize = 10_000;

/// The columns the bench fills, with their PostgreSQL types (the schema's); the others stay
/// NULL, as in the SQLite rows.
const PG_ITEM_COLUMNS: &str = "id, source_id, guid, url, title, summary, content_html, body_text, published, fetched_at, \
     section, score, city, decision, signature";
const PG_ITEM_TYPES: [Type; 15] = [
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::FLOAT8,
    Type::TEXT,
    Type::TEXT,
    Type::BYTEA,
];

/// The store on PostgreSQL (`BANYUE_BENCH_STORE=postgres://…`): the schema made by
/// `Store::connect`, then N reports, unless the database holds them already (a 1M build is
/// paid once; a build cut short is carried on from its last whole transaction).
fn postgres_store(at: &str, n: usize) -> anyhow::Result<Store> {
    let location = Location::parse(at).map_err(anyhow::Error::msg)?;
    let Location::Postgres(url) = &location else {
        anyhow::bail!("BANYUE_BENCH_STORE is a postgres://… address (a SQLite file is BANYUE_BENCH_DB)");
    };
    let store = Store::connect(&location)?;
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let row = client.query_one(
        "SELECT count(*), coalesce(max(id), 0), (SELECT count(*) FROM item_words) FROM items",
        &[],
    )?;
    let (have, last, words): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let have = usize::try_from(have)?;
    let secs = if have == n && words == have as i64 {
        0.0
    } else if have < n && last == have as i64 && words == have as i64 && same_reports(&mut client, have)? {
        if have > 0 {
            println!("carrying on a build cut short after {have} reports");
        }
        build_pg(&mut client, have, n)?
    } else {
        anyhow::bail!(
            "{location} holds {have} reports (and {words} indexed), not the bench's {n}: give it an empty database, or one built for {n}"
        );
    };
    let db: i64 = client
        .query_one("SELECT pg_database_size(current_database())", &[])?
        .get(0);
    println!(
        "{n} reports stored and indexed in {secs:.1} s (0: kept from an earlier run); database {:.0} MB, of it the search index {:.0} MB",
        db as f64 / 1e6,
        store.search_index_bytes()? as f64 / 1e6
    );
    check(&store, n)?;
    Ok(store)
}

/// Whether the first `have` items are the bench's (the last of them is the report the
/// generator makes for its id).
fn same_reports(client: &mut postgres::Client, have: usize) -> anyhow::Result<bool> {
    let Some(want) = have.checked_sub(1).and_then(|k| Reports::new().ok()?.nth(k)) else {
        return Ok(true);
    };
    let row = client.query_opt("SELECT title, guid, published FROM items WHERE id = $1", &[&want.id])?;
    Ok(row.is_some_and(|r| {
        r.get::<_, String>(0) == want.title
            && r.get::<_, String>(1) == want.guid()
            && r.get::<_, Option<String>>(2).as_deref() == Some(want.at.as_str())
    }))
}

/// Reports `have + 1 ..= n` into PostgreSQL as `Batch::insert` writes them — the row, and its
/// words space-padded under `search::key` in `item_words`, in one transaction — but
/// `CHUNK` at a time, each table by one binary COPY. The rows are the SQLite build's, to
/// the byte (its placeholder decision `{}` and empty signature too). The seconds it took,
/// with the `VACUUM (ANALYZE)` after (what autovacuum does to a store that just grew).
fn build_pg(client: &mut postgres::Client, have: usize, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut reports = Reports::new()?.take(n).skip(have);
    let no_bytes: &[u8] = &[];
    loop {
        let chunk: Vec<Report> = reports.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let words: Vec<(i64, String)> = chunk
            .iter()
            .map(|r| {
                (
                    banyue::store::search_key(r.id, r.date),
                    format!(" {} ", banyue::search::document(&r.title, &r.summary, &r.body)),
                )
            })
            .collect();
        let mut tx = client.transaction()?;
        let sink = tx.copy_in(&format!("COPY items ({PG_ITEM_COLUMNS}) FROM STDIN (FORMAT binary)"))?;
        let mut rows = BinaryCopyInWriter::new(sink, &PG_ITEM_TYPES);
        for r in &chunk {
            rows.write(&[
                &r.id,
                &r.source,
                &r.guid(),
                &r.url(),
                &r.title,
                &r.summary,
                &"",
                &r.body,
                &r.at,
                &r.at,
                &r.section,
                &1.0f64,
                &r.city,
                &"{}",
                &no_bytes,
            ])?;
        }
        rows.finish()?;
        let sink = tx.copy_in("COPY item_words (key, words) FROM STDIN (FORMAT binary)")?;
        let mut rows = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT]);
        for (key, words) in &words {
            rows.write(&[key, words])?;
        }
        rows.finish()?;
        // What `Batch::commit` counts on PostgreSQL: one change of the items per batch.
        tx.execute("UPDATE items_version SET v = v + 1 WHERE one = 1", &[])?;
        tx.commit()?;
    }
    // The rows came with their ids: new items go on past the largest (as `store copy`).
    client.batch_execute(
        "SELECT setval(pg_get_serial_sequence('items', 'id'), coalesce((SELECT max(id) FROM items), 0) + 1, false)",
    )?;
    client.batch_execute("VACUUM (ANALYZE) items")?;
    client.batch_execute("VACUUM (ANALYZE) item_words")?;
    Ok(started.elapsed().as_secs_f64())
}

/// The store finds what the generator wrote: one search, all its matches (a month of
/// them, fewer than the limit), against those counted from the reports' text.
fn check(store: &Store, n: usize) -> anyhow::Result<()> {
    let terms = ["量子计算", "南京", "发布"];
    let mut want: Vec<(chrono::DateTime<chrono::Utc>, i64)> = Reports::new()?
        .take(n)
        .filter(|r| r.at.starts_with("2026-03-"))
        .filter(|r| {
            let head: String = r.body.chars().take(banyue::search::BODY_CHARS).collect();
            terms
                .iter()
                .all(|t| r.title.contains(t) || r.summary.contains(t) || head.contains(t))
        })
        .map(|r| (r.date, r.id))
        .collect();
    want.sort_by(|a, b| b.cmp(a));
    want.truncate(1000);
    let found: Vec<i64> = store
        .search(&SearchQuery {
            text: terms.join(" "),
            from: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
            to: chrono::NaiveDate::from_ymd_opt(2026, 3, 31),
            limit: 1000,
            ..Default::default()
        })?
        .iter()
        .map(|f| f.id)
        .collect();
    let want: Vec<i64> = want.into_iter().map(|(_, id)| id).collect();
    anyhow::ensure!(
        found == want,
        "check: {} in March 2026 found {} reports, the generator wrote {} (first found {:?}, first written {:?})",
        terms.join(" "),
        found.len(),
        want.len(),
        found.first(),
        want.first()
    );
    println!(
        "check: {} in March 2026 finds the {} reports the generator wrote, newest first",
        terms.join(" "),
        found.len()
    );
    Ok(())
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
    let store = if let Some(at) = std::env::var("BANYUE_BENCH_STORE")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        postgres_store(&at, n)?
    } else {
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
        store
    };
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
