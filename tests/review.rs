//! Editors' work on an issue through `banyue issue …`: every edit sticks across
//! re-drafts, can be undone, teaches the classifier; publishing freezes and archives.

mod common;

use std::path::Path;
use std::process::Command;

use common::banyue_command;
use common::pg::{Engine, on_both_engines};

fn banyue(cfg: &Path, args: &[&str]) -> (bool, String, String) {
    let mut c = banyue_command();
    c.args(args).arg("--config").arg(cfg);
    if args.first() == Some(&"issue") {
        c.args(["--editor", "小王"]);
    }
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn item_id(json: &serde_json::Value, needle: &str) -> i64 {
    json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .chain(json["to_sort"].as_array().unwrap().iter())
        .find(|i| i["title"].as_str().is_some_and(|t| t.contains(needle)))
        .unwrap_or_else(|| panic!("{needle} not in the draft"))["id"]
        .as_i64()
        .unwrap()
}

fn section_of(json: &serde_json::Value, id: i64) -> Option<String> {
    json["sections"].as_array().unwrap().iter().find_map(|s| {
        s["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
            .then(|| s["id"].as_str().unwrap().to_string())
    })
}

on_both_engines!(sync edits_stick_undo_teach_and_publishing_freezes, an_editors_split_keeps_the_two_headlines_apart, a_merge_into_itself_and_a_page_long_headline_are_refused_and_leave_no_trace, a_rewritten_city_headline_reaches_the_notes_and_the_published_report_has_no_to_sort);

/// A demo directory (its run done: items stored, the issue drafted) and its config, its
/// store on `engine`.
fn demo(engine: &Engine) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_banyue"))
        .args(["demo", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    engine.adopt(dir.path());
    let cfg = dir.path().join("banyue.toml");
    (dir, cfg)
}

fn edits_stick_undo_teach_and_publishing_freezes(engine: Engine) {
    let (dir, cfg) = demo(&engine);
    let drafts = dir.path().join("drafts");
    let stem = std::fs::read_dir(&drafts)
        .unwrap()
        .filter_map(Result::ok)
        .find_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_suffix(".json")
                .map(str::to_string)
        })
        .unwrap();
    let read = || -> (serde_json::Value, String) {
        let j = serde_json::from_str(&std::fs::read_to_string(drafts.join(format!("{stem}.json"))).unwrap()).unwrap();
        (j, std::fs::read_to_string(drafts.join(format!("{stem}.md"))).unwrap())
    };
    let (json, _) = read();
    let ipo = item_id(&json, "科创板IPO");
    let visit = item_id(&json, "王喆");
    let funding = item_id(&json, "北辰软件");
    let data = item_id(&json, "全市软件和信息服务业运行情况");
    assert_eq!(section_of(&json, ipo).as_deref(), Some("market"));

    for args in [
        vec!["issue", "move", &ipo.to_string(), "tech-innovation"],
        vec!["issue", "exclude", &visit.to_string()],
        vec!["issue", "pin", &funding.to_string()],
        vec!["issue", "headline", &data.to_string(), "苏州1—10月软件业务收入3210亿元"],
        vec!["issue", "text", "commentary", "研究院认为，开源生态建设需长期投入。"],
        vec!["issue", "digest", "market", "市场拓展方面，北辰软件完成C轮融资。"],
    ] {
        let (ok, stdout, stderr) = banyue(&cfg, &args);
        assert!(ok, "{args:?}: {stdout}{stderr}");
    }
    let (ok, _, stderr) = banyue(&cfg, &["issue", "move", &ipo.to_string(), "no-such-section"]);
    assert!(!ok && stderr.contains("not a section"), "{stderr}");

    // A re-draft (as after new items arrive) keeps every edit.
    assert!(banyue(&cfg, &["draft"]).0);
    let (json, md) = read();
    assert_eq!(section_of(&json, ipo).as_deref(), Some("tech-innovation"));
    // The visit is gone (a policy notice of the same bureau may still quote him).
    assert!(!md.contains("王喆带队调研"), "excluded");
    assert!(md.contains("苏州1—10月软件业务收入3210亿元"), "headline rewritten");
    assert!(md.contains("研究院认为，开源生态建设需长期投入。"));
    assert!(md.contains("市场拓展方面，北辰软件完成C轮融资。"));
    assert_eq!(json["total"], 1);
    let market = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "market")
        .unwrap();
    assert_eq!(market["items"][0]["id"], funding, "pinned first");
    let (_, explain, _) = banyue(&cfg, &["explain", &ipo.to_string()]);
    assert!(
        explain.contains("editor 小王 filed it under tech-innovation"),
        "a move is a label: {explain}"
    );

    // Undo brings the visit back; the record keeps who did what.
    let (_, show, _) = banyue(&cfg, &["issue", "show"]);
    let exclude_edit = show
        .lines()
        .find(|l| l.contains("\"exclude\""))
        .and_then(|l| l.trim().strip_prefix('#'))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(show.contains("小王"), "{show}");
    assert!(banyue(&cfg, &["issue", "undo", &exclude_edit]).0);
    assert!(read().1.contains("王喆"), "undone");

    // Publishing freezes and archives: DOCX readable, issues.xml, no edits until reopened.
    let (ok, stdout, stderr) = banyue(&cfg, &["issue", "publish"]);
    assert!(ok, "{stdout}{stderr}");
    let published = drafts.join("published");
    let docx = std::fs::read(published.join(format!("{stem}.docx"))).unwrap();
    assert_ppr_in_schema_order(&docx);
    office_reads(&published.join(format!("{stem}.docx")), "软件和信息技术服务业半月报");
    let doc = docx_rs::read_docx(&docx).unwrap();
    let text = serde_json::to_string(&doc.document).unwrap();
    for want in [
        "本期提要",
        "政策发布",
        "苏工信软〔2026〕12号",
        "苏州1—10月软件业务收入3210亿元",
        "研究院认为",
    ] {
        assert!(text.contains(want), "DOCX lacks {want}");
    }
    let issues = std::fs::read(dir.path().join("feeds/issues.xml")).unwrap();
    let feed = feed_rs::parser::parse(&issues[..]).unwrap();
    assert_eq!(feed.entries.len(), 1);
    assert!(dir.path().join(format!("feeds/issues/{stem}.html")).exists());
    let (ok, _, stderr) = banyue(&cfg, &["issue", "pin", &visit.to_string()]);
    assert!(!ok && stderr.contains("published and frozen"), "{stderr}");
    let before = std::fs::read(published.join(format!("{stem}.md"))).unwrap();
    assert!(banyue(&cfg, &["draft"]).0);
    assert_eq!(
        std::fs::read(published.join(format!("{stem}.md"))).unwrap(),
        before,
        "frozen"
    );
    assert!(banyue(&cfg, &["issue", "reopen"]).0);
    assert!(banyue(&cfg, &["issue", "pin", &visit.to_string()]).0, "editable again");
    let (_, list, _) = banyue(&cfg, &["issue", "list"]);
    assert!(list.contains("review"), "{list}");
}

/// An editor's split teaches the near-duplicate check: the two headlines are kept
/// apart from then on (a repost or the same report from another outlet).
fn an_editors_split_keeps_the_two_headlines_apart(engine: Engine) {
    use banyue::dedup::{Candidate, Index, NearDup, Verdict};
    let (dir, cfg) = demo(&engine);
    let store = banyue::store::Store::connect(&engine.location(dir.path())).unwrap();
    let merged: Vec<(i64, String, i64)> = store
        .all_items()
        .unwrap()
        .into_iter()
        .filter_map(|i| Some((i.id, i.title, i.duplicate_of?)))
        .collect();
    let (report, title, story) = merged.first().cloned().expect("the demo merges one story");
    let near = NearDup::default();
    let index_now = || {
        let since = chrono::Utc::now() - chrono::Duration::days(60);
        let mut index = Index::default();
        store.each_candidate(since, |c| index.insert(c)).unwrap();
        for (a, b) in store.split_pairs().unwrap() {
            index.keep_apart(&a, &b);
        }
        index
    };
    let body = "星河云今日发布分布式数据库星河DB 5.0。新版本在事务处理性能上较上一代提升三倍，兼容主流开源数据库生态。";
    let repost = Candidate::new(-1, "another", &title, body, None, chrono::Utc::now());
    assert_eq!(
        index_now().find(&near, &repost).map(|m| m.0),
        Some(story),
        "merged before the split"
    );

    let (ok, stdout, stderr) = banyue(&cfg, &["issue", "split", &report.to_string()]);
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(store.split_pairs().unwrap().len(), 1);
    let verdicts = index_now().judge_all(&near, &repost);
    assert!(
        verdicts
            .iter()
            .any(|(id, v)| *id == story && matches!(v, Verdict::Apart(why) if why.contains("editor"))),
        "{verdicts:?}"
    );
}

/// Issue 14's defects: an item merged into itself showed as "另见" of itself, and a
/// 1.9 MB headline was kept in the history for ever. Both are refused, with the reason,
/// and leave no edit behind.
fn a_merge_into_itself_and_a_page_long_headline_are_refused_and_leave_no_trace(engine: Engine) {
    use banyue::review::Edit;
    let (dir, _cfg) = demo(&engine);
    let mut store = banyue::store::Store::connect(&engine.location(dir.path())).unwrap();
    let issue = store
        .issues()
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo drafted an issue");
    let id = store
        .all_items()
        .unwrap()
        .into_iter()
        .find(|i| i.duplicate_of.is_none())
        .expect("a story")
        .id;
    let before = store.edits(issue.id).unwrap().len();
    let now = chrono::Utc::now();

    let err = store
        .record_edit(&issue, Some(id), &Edit::Merge { into: id }, "小王", now)
        .expect_err("a merge into itself is refused");
    assert!(err.to_string().contains("into itself"), "{err:#}");

    let huge = "长".repeat(650_000);
    let err = store
        .record_edit(&issue, Some(id), &Edit::Headline { text: huge }, "小王", now)
        .expect_err("a 1.9 MB headline is refused");
    assert!(err.to_string().contains("at most 200 characters"), "{err:#}");

    let fine = "苏州1—10月软件业务收入3210亿元".to_string();
    store
        .record_edit(&issue, Some(id), &Edit::Headline { text: fine }, "小王", now)
        .expect("a headline of a line is taken");
    assert_eq!(
        store.edits(issue.id).unwrap().len(),
        before + 1,
        "only the good edit is recorded"
    );
}

/// Issue 14's defects: an edited headline of a 名城动向 item did not reach its city note
/// nor the 本期提要 line; the published report carried the editors' 待分类 bucket; the
/// commentary's paragraphs were run together.
fn a_rewritten_city_headline_reaches_the_notes_and_the_published_report_has_no_to_sort(engine: Engine) {
    let (dir, cfg) = demo(&engine);
    let drafts = dir.path().join("drafts");
    let file = |ext: &str| -> std::path::PathBuf {
        std::fs::read_dir(&drafts)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == ext))
            .unwrap_or_else(|| panic!("a .{ext} export"))
    };
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file("json")).unwrap()).unwrap();
    let visit = item_id(&json, "王喆");
    // The demo's items are dated days before today: the note opens on the item's own date.
    let date_cn = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .find(|i| i["id"].as_i64() == Some(visit))
        .and_then(|i| i["date_cn"].as_str())
        .expect("the visit's date")
        .to_string();
    let rewritten = "苏州市工信局走访工业软件企业听取发展诉求";
    for args in [
        vec!["issue", "headline", &visit.to_string(), rewritten],
        vec!["issue", "pin", &visit.to_string()],
    ] {
        let (ok, stdout, stderr) = banyue(&cfg, &args);
        assert!(ok, "{args:?}: {stdout}{stderr}");
    }
    let md = std::fs::read_to_string(file("md")).unwrap();
    let notes = md.split("名城动向").last().unwrap_or_default();
    assert!(
        notes.contains(&format!("{date_cn}，{rewritten}")),
        "the city note: {notes}"
    );
    let digest = md
        .lines()
        .find(|l| l.starts_with("名城动向方面"))
        .expect("a 名城动向 line in 本期提要");
    assert!(digest.contains("苏州市工信局走访工业软件企业"), "{digest}");
    // The collected headline is gone (a policy's summary may name the same official).
    assert!(
        !md.contains("王喆带队调研"),
        "the collected headline is gone from the report"
    );

    // An item left unsorted: the draft lists it for the editors, the published report not.
    let pipeline = banyue::pipeline::Pipeline::new(banyue::config::Config::load(&cfg).unwrap()).unwrap();
    let store = pipeline.open_store().unwrap();
    let issue = store.issues().unwrap().into_iter().next().unwrap();
    let mut draft = pipeline.draft_of(&store, &issue, chrono::Utc::now()).unwrap();
    let mut unsorted = draft.sections[0].items[0].clone();
    unsorted.title = "某公司召开年度合作伙伴大会".into();
    draft.to_sort.push(unsorted);
    for (status, shown) in [("draft", true), ("review", true), ("published", false)] {
        draft.status = status.into();
        for t in ["issue.md", "issue.html"] {
            let text = banyue::draft::render::render(&draft, t, None).unwrap();
            assert_eq!(text.contains("待分类"), shown, "{t} of a {status} issue");
            assert_eq!(
                text.contains("某公司召开年度合作伙伴大会"),
                shown,
                "{t} of a {status} issue"
            );
        }
    }

    // Issue 14: line breaks typed into the commentary were lost (joined in Markdown).
    draft.status = "draft".into();
    draft.texts.insert(
        "commentary".into(),
        "研究院认为，开源生态建设需长期投入。\n\n其次，人才培养是关键。".into(),
    );
    let md = banyue::draft::render::render(&draft, "issue.md", None).unwrap();
    assert!(
        md.contains("研究院认为，开源生态建设需长期投入。\n\n其次，人才培养是关键。"),
        "two paragraphs in Markdown: {md}"
    );
    let html = banyue::draft::render::render(&draft, "issue.html", None).unwrap();
    assert!(
        html.contains("<p>研究院认为，开源生态建设需长期投入。</p><p>其次，人才培养是关键。</p>"),
        "two paragraphs in HTML"
    );

    let (ok, stdout, stderr) = banyue(&cfg, &["issue", "publish"]);
    assert!(ok, "{stdout}{stderr}");
    let published: Vec<std::path::PathBuf> = [file("md"), file("html")]
        .into_iter()
        .chain(
            std::fs::read_dir(dir.path().join("feeds").join("issues"))
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path()),
        )
        .collect();
    for p in published {
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.contains("待分类"), "{} shows the editors' bucket", p.display());
    }
}

/// Every `w:pPr` of the document and styles parts lists its children in the order
/// ECMA-376 requires (pStyle … jc … rPr): Word may refuse a file that does not.
fn assert_ppr_in_schema_order(docx: &[u8]) {
    use std::io::Read;
    const ORDER: [&str; 8] = [
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "spacing",
        "ind",
        "jc",
        "rPr",
    ];
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    for part in ["word/document.xml", "word/styles.xml"] {
        let mut xml = String::new();
        zip.by_name(part).expect(part).read_to_string(&mut xml).expect("utf-8");
        let mut checked = 0;
        for ppr in xml.split("<w:pPr>").skip(1) {
            let body = ppr.split("</w:pPr>").next().unwrap_or("");
            let ranks: Vec<usize> = ORDER
                .iter()
                .enumerate()
                .filter_map(|(rank, name)| body.find(&format!("<w:{name}")).map(|at| (at, rank)))
                .collect::<std::collections::BTreeMap<usize, usize>>()
                .into_values()
                .collect();
            assert!(
                ranks.windows(2).all(|w| w[0] < w[1]),
                "{part}: w:pPr out of schema order: {body}"
            );
            checked += 1;
        }
        assert!(checked > 0, "{part} has no w:pPr to check");
    }
}

/// LibreOffice opens the DOCX and its first page carries `want`. CI installs it
/// (`BANYUE_REQUIRE_OFFICE=1`); elsewhere a missing LibreOffice is said loudly, not passed.
fn office_reads(docx: &std::path::Path, want: &str) {
    let have = |cmd: &str, arg: &str| {
        std::process::Command::new(cmd)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("soffice", "--version") || !have("pdftotext", "-v") {
        assert!(
            std::env::var_os("BANYUE_REQUIRE_OFFICE").is_none(),
            "BANYUE_REQUIRE_OFFICE is set but soffice or pdftotext is missing"
        );
        eprintln!("SKIPPED: the LibreOffice check of the DOCX (install libreoffice-writer-nogui and poppler-utils)");
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let profile = format!("-env:UserInstallation=file://{}", out.path().join("profile").display());
    let run = std::process::Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(out.path())
        .arg(docx)
        .output()
        .expect("run soffice");
    let pdf = out
        .path()
        .join(docx.file_stem().expect("a file name"))
        .with_extension("pdf");
    assert!(
        pdf.is_file(),
        "LibreOffice made no PDF: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    let first_page = String::from_utf8_lossy(&text.stdout);
    assert!(
        first_page.contains(want),
        "the first page lacks {want:?}:\n{first_page}"
    );
}
