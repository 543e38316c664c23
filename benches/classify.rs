//! Classification throughput on one core, the significance score per story, and
//! near-duplicate clustering of 100,000 items through the LSH index.
//!
//!     cargo bench --bench classify [classify|significance|cluster|read|words]

use std::time::Instant;

use banyue::classify::{Classifier, Input, taxonomy::Taxonomy};
use banyue::dedup::{Candidate, Index, NearDup};
use banyue::draft::{DraftItem, select};
use banyue::eval;
use banyue::model::PolicyMeta;
use chrono::{Duration, Utc};

fn main() {
    // cargo passes --bench; a bare word picks one part.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let classifier = Classifier::new(Taxonomy::builtin()).expect("taxonomy");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut items = Vec::new();
    for f in [
        "config/labels/team-dev.json",
        "config/labels/team-tuned.json",
        "config/labels/real-dev.json",
        "../shared/examples/labelled-items.json",
    ] {
        if let Ok(mut v) = eval::load(&root.join(f)) {
            items.append(&mut v);
        }
    }
    if run("classify") {
        classify(&classifier, &items);
    }
    if run("significance") {
        significance(&classifier, &items);
    }
    if run("cluster") {
        cluster();
    }
    if run("read") {
        read(&items);
    }
    if run("words") {
        words(&items);
    }
}

/// `f` of each labelled item 40 times over, once with its lead as it is (at most 200
/// characters) and once told twice, as a longer text: how many calls, in how many
/// seconds, and the sum of what `f` counted.
fn each_text(items: &[eval::Labelled], mut f: impl FnMut(&eval::Labelled, &str) -> usize) -> (usize, f64, usize) {
    let rounds = 40;
    let long: Vec<String> = items.iter().map(|it| format!("{}{}", it.body, it.body)).collect();
    let t = Instant::now();
    let mut counted = 0usize;
    for _ in 0..rounds {
        for (it, long) in items.iter().zip(&long) {
            for text in [it.body.as_str(), long.as_str()] {
                counted += f(it, text);
            }
        }
    }
    (rounds * items.len() * 2, t.elapsed().as_secs_f64(), counted)
}

/// What an item's archive search document costs on one thread (`search::document`: its
/// title, lead and text folded and cut into words).
fn words(items: &[eval::Labelled]) {
    let (n, secs, bytes) = each_text(items, |it, text| {
        banyue::search::document(&it.title, &it.body, text).len()
    });
    println!(
        "words: {n} documents in {secs:.2} s on one thread = {:.1} µs a document ({bytes} bytes)",
        secs * 1e6 / n as f64
    );
}

/// What reading a new item for dedup and its policy fields costs on one thread: its
/// dedup candidate (signatures, facts of headline, lead and text) and the document
/// number and issuer its headline and lead give.
fn read(items: &[eval::Labelled]) {
    let now = Utc::now();
    let (n, secs, facts) = each_text(items, |it, text| {
        let c = Candidate::new(0, &it.source, &it.title, text, None, now);
        let mut meta = PolicyMeta::default();
        banyue::extract::policy::fill_from_text(&mut meta, &it.title, text, &it.source);
        c.facts.text.figures.len() + usize::from(meta.doc_number.is_some())
    });
    println!(
        "read: {n} items in {secs:.2} s on one thread = {:.1} µs an item ({facts} facts)",
        secs * 1e6 / n as f64
    );
}

fn classify(classifier: &Classifier, items: &[eval::Labelled]) {
    let policy = PolicyMeta::default();
    let rounds = 200;
    // The model learns its seeds once, at the first item a run reads: not a cost per item.
    let t = Instant::now();
    classifier.learn(&[]);
    println!(
        "classify: the model learned its seeds in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut kept = 0usize;
    for _ in 0..rounds {
        for it in items {
            let d = classifier.classify(&Input {
                title: &it.title,
                text: &it.body,
                source_id: &it.source,
                source_name: &it.source,
                section_hint: None,
                city_hint: None,
                policy: &policy,
                source_mix: None,
            });
            kept += usize::from(d.rejected.is_none());
        }
    }
    let n = rounds * items.len();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "classify: {n} items in {secs:.2} s on one thread = {:.0} items/s ({kept} kept)",
        n as f64 / secs
    );
}

/// The selection's score of 20,000 stories on one thread, as the draft of a window gives
/// it (the draft spreads it over every core): without a taste model, and with the
/// shipped one.
fn significance(classifier: &Classifier, items: &[eval::Labelled]) {
    let stories: Vec<DraftItem> = items
        .iter()
        .cycle()
        .take(20_000)
        .enumerate()
        .map(|(i, it)| DraftItem {
            id: i as i64,
            title: it.title.clone(),
            source: it.source.clone(),
            source_id: it.source.clone(),
            section: it.section.clone(),
            city: it.city.clone(),
            score: 4.0,
            ..Default::default()
        })
        .collect();
    let selection = &classifier.taxonomy.selection;
    let priority = std::collections::HashMap::new();
    let examples = select::taste_examples(selection, &[]).unwrap_or_default();
    let taste = banyue::classify::learn::Model::train(&examples);
    // The memo of an earlier build of the same window (the review server's case).
    let mut memo = select::TasteMemo::new(&examples, selection.taste_weight);
    {
        let signals = select::Signals::for_taxonomy(&classifier.taxonomy, &priority, 15.0, taste.as_ref());
        for d in &stories {
            let mut d = d.clone();
            d.scored = select::significance(&d, 3.0, &signals);
            memo.record(&d);
        }
    }
    for (name, taste, memo) in [
        ("no taste", None, None),
        ("shipped taste", taste.as_ref(), None),
        ("shipped taste, remembered", taste.as_ref(), Some(&memo)),
    ] {
        let mut signals = select::Signals::for_taxonomy(&classifier.taxonomy, &priority, 15.0, taste);
        if let Some(m) = memo {
            signals = signals.with_memo(m);
        }
        let t = Instant::now();
        let mut total = 0.0f32;
        for _ in 0..5 {
            for d in &stories {
                total += select::significance(d, 3.0, &signals).total;
            }
        }
        let secs = t.elapsed().as_secs_f64() / 5.0;
        println!(
            "significance ({name}): {} stories in {:.1} ms on one thread = {:.2} µs a story (sum {total:.0})",
            stories.len(),
            secs * 1000.0,
            secs * 1e6 / stories.len() as f64
        );
    }
}

fn cluster() {
    // 20,000 stories, each told 5 times: different openings, reworded titles, trimmed
    // or extended bodies. Stories are built from pools of names and phrases, so that
    // different stories share words the way real news does.
    let stories = 20_000usize;
    let now = Utc::now();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    // Company names from a wide pool of characters, as real names are.
    let syll: Vec<char> = "星辰云海华信达通联创智讯科数芯微天宇恒泰安远航博睿思源明德新锐捷迅飞鸿图腾龙凤麟光景翔\
        嘉和瑞祥丰盛弘毅卓越精诚致远启明融汇中元九州万方长城东方南山北斗紫金青松白鹭碧水金石铭鼎晟昊煜晨曦朗峰岳川\
        泽霖露雪松柏桐楠梧樟竹梅兰菊荷莲芷若兮言知行合一秉承开拓进取同舟共济"
        .chars()
        .collect();
    let cities = [
        "南京", "北京", "上海", "深圳", "杭州", "成都", "济南", "武汉", "苏州", "西安", "合肥", "长沙",
    ];
    let things = [
        "工业软件平台",
        "分布式数据库",
        "大模型",
        "操作系统",
        "AI芯片",
        "云原生中间件",
        "智能网联系统",
        "工业互联网平台",
        "安全网关",
        "低代码平台",
        "数据中台",
        "边缘计算盒子",
    ];
    let acts = ["发布", "推出", "上线", "开源", "升级"];
    let vocab: Vec<&str> =
        "金融 电信 能源 制造 交通 医疗 政务 教育 零售 物流 算力 数据 模型 芯片 安全 平台 生态 客户 研发 团队 \
        市场 试点 部署 接入 性能 提升 降低 成本 效率 场景 应用 服务 合作 伙伴 产品 方案 架构 开源 社区 标准 认证 专利 \
        工厂 园区 城市 政府 高校 医院 银行 车企 运营商 工程师 用户 订单 营收 增长 投入 资金 基金 项目 系统 网络 终端 \
        云端 边缘 实时 智能 自动 协同 融合 赋能 转型 升级 迭代 版本 发布 上线 推广 覆盖 全国 海外 东南亚 中东 欧洲"
            .split_whitespace()
            .collect();
    let openings = ["", "记者获悉，", "据报道，", "本网讯 ", "近日，"];
    let endings = [
        "",
        "（完）",
        "更多详情请关注后续报道。",
        "（来源：合作媒体）",
        "责任编辑：王某",
    ];
    let mut reports = Vec::with_capacity(stories * 5);
    for s in 0..stories {
        let name: String = (0..2 + next(2)).map(|_| syll[next(syll.len())]).collect();
        let (city, thing, act) = (
            cities[next(cities.len())],
            things[next(things.len())],
            acts[next(acts.len())],
        );
        let version = format!("{}.{}", next(9) + 1, next(10));
        // The body: the lead, then sentences of this story's own words, as real reports
        // share a story's facts but hardly another story's sentences.
        let mut sentences = vec![format!("{name}科技在{city}{act}{thing}{version}。")];
        for _ in 0..4 {
            let words: String = (0..6).map(|_| vocab[next(vocab.len())]).collect::<Vec<_>>().join("");
            sentences.push(format!("{words}{}。", next(1000)));
        }
        for v in 0..5 {
            let title = match v {
                0 => format!("{name}科技{act}{thing}{version}"),
                1 => format!("{name}科技{thing}{version}正式{act}，性能大幅提升"),
                2 => format!("{thing}{version}亮相：{name}科技再发力"),
                3 => format!("{city}企业{name}科技{act}新一代{thing}"),
                _ => format!("{name}科技新品{thing}{version}上线"),
            };
            // Each outlet keeps a different share of the body.
            let keep = 3 + v % 3;
            let text = format!("{}{}{}", openings[v], sentences[..keep].concat(), endings[v]);
            reports.push((s, title, text));
        }
    }
    // Interleave, as sources deliver them.
    reports.sort_by_key(|(s, t, _)| (t.len() * 7919 + s) % 100_003);
    let near = NearDup::default();
    let mut index = Index::default();
    let mut story_of = std::collections::HashMap::new();
    let (mut merged, mut wrong) = (0usize, 0usize);
    let t = Instant::now();
    for (i, (story, title, text)) in reports.iter().enumerate() {
        let date = now - Duration::minutes((i % 5000) as i64);
        let report = Candidate::new(i as i64, "s", title, text, None, date);
        match index.find(&near, &report) {
            Some((id, why)) => {
                merged += 1;
                if story_of.get(&id) != Some(story) {
                    wrong += 1;
                    if wrong <= 3 {
                        let other = reports
                            .iter()
                            .find(|r| Some(&r.0) == story_of.get(&id))
                            .map(|r| r.1.clone())
                            .unwrap_or_default();
                        eprintln!("wrong merge ({why}): {title} ⇒ {other}");
                    }
                }
            }
            None => {
                let id = i as i64;
                story_of.insert(id, *story);
                index.insert(Candidate { id, ..report });
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let expected = reports.len() - stories;
    println!(
        "cluster: {} reports of {stories} stories in {secs:.2} s ({:.0} reports/s); merged {merged} of {expected} repeats ({:.1}%), {wrong} into the wrong story; {} stories left",
        reports.len(),
        reports.len() as f64 / secs,
        merged as f64 * 100.0 / expected as f64,
        index.len()
    );
}
