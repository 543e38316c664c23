//! The whole pipeline over real HTTP on 127.0.0.1: fixture feeds of every format, a GBK
//! portal with detail pages, broken sources; then the store, the feeds and the draft.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use banyue::config::Config;
use banyue::demo::server::Resource;
use banyue::model::StoredItem;
use banyue::pipeline::{Pipeline, RunOptions};
use common::pg::{Engine, on_both_engines};
use common::*;

fn routes(origin: &str) -> HashMap<String, Resource> {
    let mut r = HashMap::new();
    let f = |name: &str| fill(&fixture(name), origin);
    r.insert(
        "/rss2.xml".into(),
        Resource::ok("application/rss+xml", f("news/rss2.xml")),
    );
    r.insert(
        "/rss1.xml".into(),
        Resource::ok("application/rdf+xml", f("news/rss1.xml")),
    );
    r.insert(
        "/atom.xml".into(),
        Resource::ok("application/atom+xml", f("news/atom.xml")),
    );
    r.insert(
        "/feed.json".into(),
        Resource::ok("application/feed+json", f("news/feed.json")),
    );
    r.insert(
        "/xxe.xml".into(),
        Resource::ok("application/rss+xml", f("news/xxe.xml")),
    );
    r.insert("/broken.xml".into(), Resource::status(500, "internal error"));
    r.insert(
        "/garbage.xml".into(),
        Resource::ok("application/rss+xml", "<rss><channel><item><title>未闭合"),
    );
    r.insert(
        "/html-not-feed.xml".into(),
        Resource::ok("text/html", "<!DOCTYPE html><html><body>首页</body></html>"),
    );
    r.insert(
        "/slow.xml".into(),
        Resource {
            delay: Duration::from_secs(5),
            ..Resource::ok("application/rss+xml", f("news/rss2.xml"))
        },
    );
    // The portal: charset only in <meta>, bytes in GBK.
    let list = gbk(&f("portal/list_gbk.html"));
    r.insert("/tzgg/".into(), Resource::ok("text/html", list.clone()));
    r.insert("/guarded/tzgg/".into(), Resource::ok("text/html", list));
    r.insert(
        "/tzgg/202009/t20200904_7730001.html".into(),
        Resource::ok("text/html", gbk(&fixture("portal/detail_policy_gbk.html"))),
    );
    let plain = |text: &str| gbk(&fixture("portal/detail_plain_gbk.html").replace("{{text}}", text));
    r.insert(
        "/tzgg/202009/t20200903_7730002.html".into(),
        Resource::ok(
            "text/html",
            // Signed, with no table of the document's fields: the signature names its issuer.
            plain("为推动工业互联网创新发展，现组织开展2020年度工业互联网标杆工厂申报工作，入选项目给予扶持资金。</p><p>苏州市工业和信息化局</p><p>2020年9月3日"),
        ),
    );
    r.insert(
        "/tzgg/202009/t20200901_7730004.html".into(),
        Resource::ok("text/html", plain("副局长王喆带队赴园区调研工业软件企业。")),
    );
    r.insert(
        "/tzgg/202008/t20200828_7730005.html".into(),
        Resource::ok(
            "text/html",
            plain("1—7月，全市软件业务收入1210亿元，同比增长14.2%，其中工业软件产品收入同比增长18.6%。"),
        ),
    );
    r.insert(
        "/tzgg/202008/t20200826_7730007.html".into(),
        Resource::ok("text/html", plain("面向社会公开招聘编外人员3名。")),
    );
    r
}

fn config_text(site: &banyue::demo::server::SiteHandle) -> String {
    let feed = |id: &str, name: &str, path: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{name}\"\nurl = \"{}\"\nkind = \"feed\"\n\n",
            site.url(path)
        )
    };
    let mut t = String::from(
        "[settings]\nbase_url = \"https://brief.example.test/feeds/\"\nreport_name = \"测试半月报\"\npublisher = \"测试研究院\"\ntimeout_secs = 3\nper_host_delay_ms = 0\nper_host_concurrency = 8\n\n",
    );
    t += &feed("rss2", "示例科技网", "/rss2.xml");
    t += &feed("rss1", "开源资讯", "/rss1.xml");
    t += &feed("atom", "合作媒体", "/atom.xml");
    t += &feed("json", "数据观察", "/feed.json");
    t += &feed("xxe", "实体测试", "/xxe.xml");
    t += &feed("broken", "坏源", "/broken.xml");
    t += &feed("garbage", "乱码源", "/garbage.xml");
    t += &feed("htmlfeed", "网页源", "/html-not-feed.xml");
    let portal = |id: &str, path: &str, allow: bool| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"苏州市工业和信息化局\"\nurl = \"{}\"\nkind = \"html\"\ncity = \"苏州\"\nallow_private = {allow}\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\ndate = \"span\"\n[source.detail]\nbody = [\".TRS_Editor\"]\n\n",
            site.url(path)
        )
    };
    t += &portal("gov", "/tzgg/", true);
    t += &portal("guarded", "/guarded/tzgg/", false);
    t
}

fn find<'a>(items: &'a [StoredItem], needle: &str) -> &'a StoredItem {
    let found: Vec<&StoredItem> = items.iter().filter(|i| i.title.contains(needle)).collect();
    assert!(!found.is_empty(), "no stored item contains {needle}");
    found
        .iter()
        .find(|i| i.duplicate_of.is_none())
        .copied()
        .unwrap_or(found[0])
}

on_both_engines!(
    broken_sources_are_named_and_the_others_go_through,
    stored_items_are_safe_classified_and_merged,
    published_feeds_parse_back_with_stable_ids,
    the_draft_has_the_reports_layout,
    a_second_run_changes_nothing_until_an_editor_does,
    portal_shapes_pagination_json_and_datastore
);

/// The fixture sources run once into a fresh store, over real HTTP.
struct FixtureRun {
    site: banyue::demo::server::SiteHandle,
    _dir: tempfile::TempDir,
    pipeline: Pipeline,
    opts: RunOptions,
    report: banyue::pipeline::RunReport,
}

async fn fixture_run(engine: Engine) -> FixtureRun {
    let site = site(routes).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("banyue.toml");
    let config = Config::parse(&engine.config(&config_text(&site)), &cfg_path).expect("valid config");
    let pipeline = Pipeline::new(config).unwrap();
    let opts = RunOptions {
        now: Some(fixture_now()),
        ..Default::default()
    };
    let report = pipeline.run(&opts).await.expect("run");
    println!("{}", report.summary());
    FixtureRun {
        site,
        _dir: dir,
        pipeline,
        opts,
        report,
    }
}

/// Each published feed's entry ids: (file, id).
fn entry_ids(run: &FixtureRun) -> Vec<(String, String)> {
    let feeds_dir = &run.pipeline.config.settings.feeds_dir;
    let mut ids = Vec::new();
    for f in &run.report.outputs.published.feeds {
        let xml = std::fs::read_to_string(feeds_dir.join(&f.file)).unwrap();
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        ids.extend(feed.entries.iter().map(|e| (f.file.clone(), e.id.clone())));
    }
    ids
}

async fn broken_sources_are_named_and_the_others_go_through(engine: Engine) {
    let run = fixture_run(engine).await;
    let report = &run.report;
    let summary = report.summary();
    // Broken sources are named with the reason; the others went through.
    let by_id: HashMap<&str, &banyue::pipeline::SourceReport> =
        report.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    assert_eq!(by_id["broken"].error.as_deref(), Some("HTTP 500"));
    assert!(
        by_id["garbage"]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("malformed")),
        "{summary}"
    );
    assert!(
        by_id["htmlfeed"]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("HTML page")),
        "{summary}"
    );
    for ok in ["rss2", "rss1", "atom", "json", "gov"] {
        assert!(by_id[ok].error.is_none(), "{ok}: {summary}");
    }
    assert!(summary.contains("FAIL  broken"), "{summary}");
    assert_eq!(by_id["gov"].details, 5, "the five detail pages that exist; {summary}");
    assert!(
        by_id["gov"].warnings.iter().any(|w| w.contains("404")),
        "a missing detail page is a warning: {summary}"
    );
    // Scraped links to 127.0.0.1 are refused for a source that does not allow it.
    assert_eq!(by_id["guarded"].details, 0);
    assert!(
        by_id["guarded"]
            .warnings
            .iter()
            .any(|w| w.contains("non-public address")),
        "{summary}"
    );
    assert!(!report.all_failed());
}

async fn stored_items_are_safe_classified_and_merged(engine: Engine) {
    let run = fixture_run(engine).await;
    let items = run.pipeline.open_store().unwrap().all_items().unwrap();

    // No XML entity was expanded.
    for i in &items {
        assert!(
            !i.title.contains("root:") && !i.title.contains("lollol") && !i.content_html.contains("root:"),
            "{}",
            i.title
        );
    }

    // Sections, off-topic, cities, policy fields.
    let sec = |needle: &str| find(&items, needle).decision.section.clone();
    assert_eq!(sec("北辰软件完成5亿元C轮融资"), "market");
    assert_eq!(sec("开源基金会成立工业操作系统工作组"), "ecosystem-standards");
    assert_eq!(sec("我国软件业务收入同比增长13.1%"), "industry-data");
    assert_eq!(
        sec("全市软件和信息服务业运行情况"),
        "industry-data",
        "{:?}",
        find(&items, "全市软件和信息服务业运行情况").decision.reasons
    );
    assert_eq!(sec("科创板IPO获受理"), "market");
    let hz = find(&items, "杭州启动");
    assert_eq!(
        (hz.decision.section.as_str(), hz.decision.city.as_deref()),
        ("city-news", Some("杭州"))
    );
    for off in ["演唱会", "中超第八轮", "城东新盘", "成品油", "公开招聘"] {
        let i = find(&items, off);
        assert!(
            i.decision.rejected.is_some(),
            "{} should be off-topic: {:?}",
            i.title,
            i.decision
        );
    }
    let policy = items
        .iter()
        .find(|i| i.source_id == "gov" && i.title.contains("提质增效三年行动计划"))
        .unwrap();
    assert_eq!(policy.decision.section, "policy", "{:?}", policy.decision);
    assert_eq!(policy.policy.doc_number.as_deref(), Some("苏工信软〔2020〕88号"));
    assert_eq!(policy.policy.issuer.as_deref(), Some("苏州市工业和信息化局"));
    assert_eq!(policy.decision.city.as_deref(), Some("苏州"));
    // The guarded copy of the portal fetches no detail page (a private address).
    let signed = items
        .iter()
        .find(|i| i.source_id == "gov" && i.title.contains("标杆工厂"))
        .unwrap();
    assert_eq!(
        signed.policy.issuer.as_deref(),
        Some("苏州市工业和信息化局"),
        "{:?} {:?}",
        signed.policy,
        signed.content_html
    );
    assert!(
        find(&items, "王喆").title.contains("王喆"),
        "GBK-only character survives"
    );

    // Tracking parameters and fragments are gone from links; HTML is sanitized.
    let xh = find(&items, "星河云发布");
    assert!(
        xh.url
            .as_deref()
            .is_some_and(|u| !u.contains("utm_") && !u.contains("spm")),
        "{:?}",
        xh.url
    );
    for i in &items {
        assert!(
            !i.content_html.contains("<script") && !i.content_html.contains("onerror"),
            "{}",
            i.content_html
        );
    }

    // One story from two outlets: one representative, one merged report.
    let story: Vec<&StoredItem> = items.iter().filter(|i| i.title.contains("星河")).collect();
    assert_eq!(story.len(), 2);
    assert_eq!(
        story.iter().filter(|i| i.duplicate_of.is_none()).count(),
        1,
        "{story:?}"
    );
}

async fn published_feeds_parse_back_with_stable_ids(engine: Engine) {
    let run = fixture_run(engine).await;
    let report = &run.report;
    let feeds_dir = run.pipeline.config.settings.feeds_dir.clone();
    for f in &report.outputs.published.feeds {
        let xml = std::fs::read_to_string(feeds_dir.join(&f.file)).unwrap();
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        assert!(feed.id.starts_with("tag:banyue.invalid,2026:feed/"), "{}", feed.id);
        assert!(
            feed.links.iter().any(|l| l.rel.as_deref() == Some("self")
                && l.href == format!("https://brief.example.test/feeds/{}", f.file))
        );
        assert!(xml.contains("xml:lang=\"zh-CN\""));
        assert!(!xml.contains("&lt;script") && !xml.contains("<script"), "{}", f.file);
        assert_eq!(feed.entries.len(), f.items);
        for e in &feed.entries {
            assert!(e.id.starts_with("tag:banyue.invalid,2026:item/"));
        }
    }
    let market = std::fs::read_to_string(feeds_dir.join("market.xml")).unwrap();
    assert!(market.contains("北辰软件完成5亿元C轮融资"));
    assert!(
        std::fs::read_to_string(feeds_dir.join("city-3205.xml"))
            .unwrap()
            .contains("提质增效"),
        "Suzhou's city feed"
    );
    assert!(
        !std::fs::read_to_string(feeds_dir.join("tech-innovation.xml"))
            .unwrap()
            .contains("演唱会")
    );
    let opml = std::fs::read_to_string(feeds_dir.join("feeds.opml")).unwrap();
    assert!(opml.contains("https://brief.example.test/feeds/market.xml"));
}

async fn the_draft_has_the_reports_layout(engine: Engine) {
    let run = fixture_run(engine).await;
    let report = &run.report;
    // The draft: sections in order, off-topic out, the story once with its other outlet.
    let md = std::fs::read_to_string(&report.outputs.draft.markdown).unwrap();
    assert!(
        report.outputs.draft.markdown.ends_with("2020-17.md"),
        "{:?}",
        report.outputs.draft.markdown
    );
    for off in ["演唱会", "中超", "城东新盘", "成品油", "招聘", "年终盘点"] {
        assert!(!md.contains(off), "{off} must not reach the draft");
    }
    let story_lines = md.lines().filter(|l| l.starts_with("**") && l.contains("星河")).count();
    assert_eq!(story_lines, 1, "{md}");
    assert!(md.contains("另见："), "{md}");
    let order: Vec<usize> = [
        "## 本期提要",
        "## 产业数据",
        "## 政策发布",
        "### 技术创新",
        "### 企业动态",
        "### 市场拓展",
        "### 生态标准",
        "## 名城动向",
    ]
    .iter()
    .map(|h| md.find(h).unwrap_or_else(|| panic!("{h} missing:\n{md}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sections out of order");
    assert!(
        md.contains("苏工信软〔2020〕88号") && md.contains("《苏州市软件产业提质增效三年行动计划（2020—2022年）》")
    );
    assert!(md.contains("#### 杭州") && md.contains("#### 苏州"));
    assert!(md.contains("（新闻来源：示例科技网）") || md.contains("（新闻来源：合作媒体）"));
    assert!(md.contains("（数据来源：数据观察）"));
    assert!(md.contains("政策发布方面，苏州市发布"), "{md}");
    let html = std::fs::read_to_string(&report.outputs.draft.html).unwrap();
    assert!(!html.contains("<script>alert"), "titles are escaped in HTML");
    assert!(
        html.contains("&lt;script&gt;") || !html.contains("alert(&quot;title"),
        "escaped"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report.outputs.draft.json).unwrap()).unwrap();
    let market_items = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "market")
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        market_items
            .iter()
            .any(|i| i["title"].as_str().is_some_and(|t| t.contains("北辰"))
                && i["reasons"].as_array().is_some_and(|r| !r.is_empty()))
    );
}

async fn a_second_run_changes_nothing_until_an_editor_does(engine: Engine) {
    let run = fixture_run(engine).await;
    let (pipeline, opts, report, site) = (&run.pipeline, &run.opts, &run.report, &run.site);
    let store = pipeline.open_store().unwrap();
    let feeds_dir = pipeline.config.settings.feeds_dir.clone();
    let entry_ids = entry_ids(&run);
    assert!(!entry_ids.is_empty());

    // Running again changes nothing: no new items, detail pages not fetched again.
    let count = store.count_items().unwrap();
    let detail_hits = site.hits("/tzgg/202009/t20200904_7730001.html");
    let again = pipeline.run(opts).await.unwrap();
    assert_eq!(store.count_items().unwrap(), count);
    assert!(again.sources.iter().all(|s| s.new == 0), "{}", again.summary());
    assert_eq!(
        site.hits("/tzgg/202009/t20200904_7730001.html"),
        detail_hits,
        "known items are not re-fetched"
    );
    // Nothing the outputs are built from changed: none is built again, and the report
    // still names them.
    assert!(again.outputs.unchanged, "{}", again.summary());
    assert_eq!(again.outputs.published.written, 0, "unchanged feeds are not rewritten");
    assert_eq!(
        again.outputs.published.feeds.len(),
        report.outputs.published.feeds.len()
    );
    assert_eq!(again.outputs.draft_items, report.outputs.draft_items);
    // Built anyway when forced: the same bytes, so no file is rewritten.
    let forced = pipeline
        .run(&RunOptions {
            force: true,
            ..opts.clone()
        })
        .await
        .unwrap();
    assert!(!forced.outputs.unchanged);
    assert_eq!(forced.outputs.published.written, 0, "the same feeds, byte for byte");
    // Entry ids are the same in every run.
    for (file, id) in &entry_ids {
        assert!(
            std::fs::read_to_string(feeds_dir.join(file))
                .unwrap()
                .contains(id.as_str())
        );
    }
    // An editor's label is a change: the outputs are built again.
    let some = store.all_items().unwrap().into_iter().next().expect("an item");
    let mut writer = pipeline.open_store().unwrap();
    writer
        .set_label(some.id, "policy", None, "小王", fixture_now())
        .expect("a label");
    let after_label = pipeline.run(opts).await.unwrap();
    assert!(
        !after_label.outputs.unchanged,
        "a label changes what the outputs are built from"
    );
}

/// Portal shapes beyond a plain list: TRS pagination, a JSON policy library, list HTML
/// wrapped in JSON (jpaas), Hanweb datastore records, and a "list page" that is a feed.
async fn portal_shapes_pagination_json_and_datastore(engine: Engine) {
    let page = |rows: &[(&str, &str, &str)]| {
        let lis: String = rows
            .iter()
            .map(|(href, title, date)| {
                format!("<li><a href=\"{href}\" title=\"{title}\">{title}</a><span>[{date}]</span></li>")
            })
            .collect();
        format!("<html><body><ul class=\"list\">{lis}</ul></body></html>")
    };
    let site = site(|origin| {
        let mut r = HashMap::new();
        r.insert(
            "/trs/".to_string(),
            Resource::ok("text/html; charset=utf-8", page(&[("./202009/t20200904_1.html", "关于印发《示范市数据要素市场培育行动方案》的通知", "2020-09-04")])),
        );
        r.insert(
            "/trs/index_1.html".to_string(),
            Resource::ok("text/html; charset=utf-8", page(&[("./202009/t20200903_2.html", "示范市召开工业软件产业推进会", "2020-09-03")])),
        );
        r.insert(
            "/trs/index_2.html".to_string(),
            Resource::ok("text/html; charset=utf-8", page(&[("./202009/t20200902_3.html", "示范市软件园新增入驻企业30家", "2020-09-02")])),
        );
        let gov_json = r#"{"searchVO":{"totalCount":0,"catMap":{"bumenfile":{"totalCount":1,"listVO":[
 {"title":"工业和信息化部关于推进<em>工业软件</em>适配验证中心建设的指导意见","url":"/zhengce/content_5599001.htm",
  "pubtimeStr":"2020.09.04","puborg":"工业和信息化部","pcode":"工信部信软〔2020〕901号","summary":"为加快<em>工业软件</em>产品迭代，到2022年建成10个左右国家级工业软件适配验证中心。"}]},
 "gongwen":{"totalCount":0,"listVO":[]}}}}"#;
        r.insert("/search-gov/data".to_string(), Resource::ok("application/json", gov_json));
        let jpaas = r#"{"success":true,"code":200,"data":{"html":"<div class=\"page-content\"><ul><li class=\"cf\"><a class=\"fl\" href=\"/zwgk/zcjd/art/2020/art_00aa.html\" title=\"《关于推进工业软件适配验证中心建设的指导意见》解读\">《关于推进工业软件适配验证中心建设的指导意见》解读</a><span class=\"fr\">2020-09-04</span></li><li class=\"cf\"><a class=\"fl\" href=\"/zwgk/zcjd/art/2020/art_99bb.html\" title=\"一图读懂：数据中心绿色低碳发展专项行动\">一图读懂：数据中心绿色低碳发展专项行动</a><span class=\"fr\">2020-09-02</span></li></ul></div>"}}"#;
        r.insert("/api-gateway/build/unit".to_string(), Resource::ok("application/json", jpaas));
        let hanweb = "<html><body><div id=\"4471\"><script type=\"text/xml\"><datastore><recordset>\
            <record><![CDATA[<li><a href=\"/art/2020/9/4/art_4471_310001.html\" title=\"济南市关于加快软件名城提档升级的若干措施\">济南市关于加快软件名城提档升级的若干措施</a><span>[2020-09-04]</span></li>]]></record>\
            </recordset></datastore></script></div></body></html>";
        r.insert("/col/col4471/index.html".to_string(), Resource::ok("text/html", hanweb));
        r.insert("/feed-as-list/".to_string(), Resource::ok("text/html", fill(&fixture("news/rss1.xml"), origin)));
        r
    })
    .await;
    let list = "[source.list]\nitem = \"ul.list li, li.cf, li\"\ntitle = \"a@title\"\ndate = \"span\"\n";
    let text = format!(
        "[settings]\nper_host_delay_ms = 0\nper_host_concurrency = 8\n\n\
         [[source]]\nid = \"trs\"\nname = \"示范市工信局\"\nurl = \"{trs}\"\nkind = \"html\"\nallow_private = true\n{list}page_pattern = \"index_{{n}}.html\"\nmax_pages = 3\n\n\
         [[source]]\nid = \"govlib\"\nname = \"中国政府网\"\nurl = \"{gov}\"\nkind = \"json\"\n\
         [source.json]\nitems = \"searchVO.catMap.*.listVO\"\ntitle = \"title\"\nlink = \"url\"\ndate = \"pubtimeStr\"\nsummary = \"summary\"\nissuer = \"puborg\"\ndoc_number = \"pcode\"\n\n\
         [[source]]\nid = \"miit\"\nname = \"工业和信息化部\"\nurl = \"{jpaas}\"\nkind = \"json\"\n[source.json]\nhtml = \"data.html\"\n\
         [source.list]\nitem = \"li.cf\"\ntitle = \"a@title\"\ndate = \"span.fr\"\n\n\
         [[source]]\nid = \"jinan\"\nname = \"济南市人民政府\"\nurl = \"{hanweb}\"\nkind = \"html\"\n{list}\n\
         [[source]]\nid = \"feedlist\"\nname = \"开源资讯\"\nurl = \"{feedlist}\"\nkind = \"html\"\n{list}",
        trs = site.url("/trs/"),
        gov = site.url("/search-gov/data?t=zhengcelibrary&p=1"),
        jpaas = site.url("/api-gateway/build/unit"),
        hanweb = site.url("/col/col4471/index.html"),
        feedlist = site.url("/feed-as-list/"),
    );
    let dir = tempfile::tempdir().unwrap();
    let pipeline =
        Pipeline::new(Config::parse(&engine.config(&text), &dir.path().join("banyue.toml")).unwrap()).unwrap();
    let report = pipeline
        .run(&RunOptions {
            now: Some(fixture_now()),
            ..Default::default()
        })
        .await
        .unwrap();
    let summary = report.summary();
    println!("{summary}");
    let by: HashMap<&str, &banyue::pipeline::SourceReport> =
        report.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &report.sources {
        assert!(s.error.is_none(), "{summary}");
    }
    assert_eq!((by["trs"].pages, by["trs"].new), (3, 3), "three TRS pages: {summary}");
    assert_eq!(by["govlib"].new, 1);
    assert_eq!(by["miit"].new, 2);
    assert_eq!(by["jinan"].new, 1, "the datastore record");
    assert_eq!(
        by["feedlist"].new, 2,
        "a feed where a list page was expected is read as a feed"
    );

    let items = pipeline.open_store().unwrap().all_items().unwrap();
    let gov = find(&items, "适配验证中心建设的指导意见");
    assert_eq!(
        gov.title, "工业和信息化部关于推进工业软件适配验证中心建设的指导意见",
        "highlight tags stripped"
    );
    assert_eq!(gov.policy.doc_number.as_deref(), Some("工信部信软〔2020〕901号"));
    assert_eq!(gov.policy.issuer.as_deref(), Some("工业和信息化部"));
    assert_eq!(gov.decision.section, "policy");
    assert!(
        gov.url
            .as_deref()
            .is_some_and(|u| u.ends_with("/zhengce/content_5599001.htm"))
    );
    // A reading is never a policy of its own: filed elsewhere, or shown as another
    // report of the policy it reads (labelling rule 6 files readings with their policy).
    let jiedu = find(&items, "解读");
    assert!(
        jiedu.decision.section != "policy" || jiedu.duplicate_of == Some(gov.id),
        "a 解读 is not a new policy: {:?}, merged into {:?} (the policy is #{})",
        jiedu.decision,
        jiedu.duplicate_of,
        gov.id
    );
    assert_eq!(find(&items, "软件名城提档升级").decision.city.as_deref(), Some("济南"));

    // A second run stops at the first page: its items are known.
    let hits = site.hits("/trs/index_1.html");
    let again = pipeline
        .run(&RunOptions {
            now: Some(fixture_now()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(again.sources.iter().all(|s| s.new == 0));
    assert_eq!(
        site.hits("/trs/index_1.html"),
        hits,
        "no need to page through known items"
    );
}
