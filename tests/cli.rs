//! The `banyue` binary as a user runs it: check, demo, and a run killed midway.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use banyue::demo::server::Resource;
use banyue::store::Store;
use common::*;

fn banyue() -> Command {
    banyue_command()
}

#[test]
fn check_names_the_line_of_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("banyue.toml");
    std::fs::write(&cfg, "[settings]\nfeeds_dir = \"feeds\"\n\n[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1:9/feed\"\nkind = \"feed\"\nsectoin = \"policy\"\n").unwrap();
    let out = banyue().args(["check", "--config"]).arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("banyue.toml:9:") && err.contains("sectoin"), "{err}");

    std::fs::write(&cfg, "[[source]]\nid = \"a\"\nname = \"A\"\nurl = \"http://127.0.0.1:9/feed\"\nkind = \"feed\"\nsection = \"polcy\"\ncity = \"南京\"\n").unwrap();
    let out = banyue().args(["check", "--config"]).arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("banyue.toml:1:") && err.contains("polcy"),
        "{err}"
    );

    let example = repo_file("config/banyue.toml");
    let out = banyue().args(["check", "--config"]).arg(&example).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The allocator's settings are a symbol jemalloc looks up by name when it starts: a
/// renamed symbol would leave its defaults (four arenas a core, larger caches) in
/// place without a word.
#[cfg(unix)]
#[test]
fn the_binary_allocates_with_its_own_settings() {
    let out = banyue()
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stats = String::from_utf8_lossy(&out.stderr);
    for setting in ["opt.narenas: 1", "opt.tcache_max: 1024", "opt.dirty_decay_ms: 10 ("] {
        assert!(stats.contains(setting), "{setting} not in:\n{stats}");
    }
}

#[test]
fn demo_writes_feeds_and_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let out = banyue()
        .args(["demo", "--dir"])
        .arg(dir.path())
        .env("BANYUE_LOG", "debug")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Logs into a pipe (a file, a container log) carry no colour codes.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DEBUG"), "debug logs: {stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "colour codes in logs that are not a terminal: {stderr:?}"
    );
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 sources, 0 failed"), "{stdout}");
    let feeds = dir.path().join("feeds");
    for f in [
        "policy.xml",
        "market.xml",
        "tech-innovation.xml",
        "city-news.xml",
        "feeds.opml",
    ] {
        assert!(feeds.join(f).exists(), "{f}");
    }
    let drafts: Vec<_> = std::fs::read_dir(dir.path().join("drafts"))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    let md = drafts
        .iter()
        .find(|e| e.path().extension().is_some_and(|x| x == "md"))
        .expect("a markdown draft");
    let md_path = md.path();
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert_eq!(
        md.matches("星河DB 5.0正式亮相").count() + md.matches("星河云发布分布式数据库").count(),
        2,
        "the story once in the body, once in 本期提要:\n{md}"
    );
    for off in ["演唱会", "中超", "城东新盘", "招聘"] {
        assert!(!md.contains(off), "{off}");
    }
    assert!(md.contains("王喆"), "GBK page decoded");
    assert!(md.contains("苏工信软〔2026〕12号"), "{md}");

    // An editor throws out the inspection visit: it leaves the draft, and the decision
    // is kept as a label the classifier learns from.
    let json_path = drafts
        .iter()
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        .unwrap()
        .path();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let visit = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter())
        .chain(json["to_sort"].as_array().unwrap().iter())
        .find(|i| i["title"].as_str().is_some_and(|t| t.contains("王喆")))
        .expect("the visit is in the draft")["id"]
        .as_i64()
        .unwrap();
    let cfg = dir.path().join("banyue.toml");
    let out = banyue()
        .args(["label", &visit.to_string(), "off-topic", "--editor", "test", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("filed under off-topic"), "{stdout}");
    let md = std::fs::read_to_string(&md_path).unwrap();
    // The visit is gone (a policy notice of the same bureau may still quote him).
    assert!(!md.contains("王喆带队调研"), "excluded by the editor:\n{md}");
    let out = banyue()
        .args(["explain", &visit.to_string(), "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("excluded by editor test"));
    let out = banyue()
        .args(["label", "1", "no-such-section", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not a section"));
}

/// A machine whose certificate store is empty or unreadable (a slim container without
/// ca-certificates) still runs every plain-HTTP source: the TLS verifier is built on the
/// first HTTPS handshake, not at start, where it stopped the whole run ("cannot build the
/// HTTP client").
#[test]
fn a_machine_without_ca_certificates_still_fetches_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let no_certs = dir.path().join("no-certs");
    std::fs::create_dir(&no_certs).unwrap();
    let out = banyue()
        .args(["demo", "--dir"])
        .arg(dir.path().join("demo"))
        .env("SSL_CERT_DIR", &no_certs)
        .env("SSL_CERT_FILE", no_certs.join("no-such-bundle.pem"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 sources, 0 failed"), "{stdout}");
}

#[test]
fn a_run_killed_midway_leaves_nothing_broken_or_doubled() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let site = rt.block_on(site(|origin| {
        let mut r = HashMap::new();
        r.insert(
            "/rss2.xml".to_string(),
            Resource::ok("application/rss+xml", fill(&fixture("news/rss2.xml"), origin)),
        );
        r.insert(
            "/atom.xml".to_string(),
            Resource::ok("application/atom+xml", fill(&fixture("news/atom.xml"), origin)),
        );
        let slow = Resource {
            delay: Duration::from_millis(1500),
            ..Resource::ok("application/rss+xml", fill(&fixture("news/rss1.xml"), origin))
        };
        r.insert("/rss1.xml".to_string(), slow);
        r
    }));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("banyue.toml");
    let src = |id: &str, path: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nkind = \"feed\"\n",
            site.url(path)
        )
    };
    std::fs::write(
        &cfg,
        format!(
            "[settings]\nper_host_delay_ms = 0\nper_host_concurrency = 4\n{}{}{}",
            src("a", "/rss2.xml"),
            src("b", "/atom.xml"),
            src("slow", "/rss1.xml")
        ),
    )
    .unwrap();
    for wait in [50u64, 300, 900, 1700] {
        let mut child = banyue().args(["run", "--config"]).arg(&cfg).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(wait));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = banyue().args(["run", "--config"]).arg(&cfg).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out2 = banyue().args(["run", "--config"]).arg(&cfg).output().unwrap();
    let second = String::from_utf8_lossy(&out2.stdout);
    assert_eq!(
        second.matches("not modified").count(),
        3,
        "unchanged sources answer 304: {second}"
    );
    assert!(
        second.contains("current, not built again"),
        "and no output is built again: {second}"
    );

    let store = Store::open(&dir.path().join("data/banyue.db")).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let items = store.all_items().unwrap();
    let mut keys: Vec<(String, String)> = items.iter().map(|i| (i.source_id.clone(), i.guid.clone())).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "no item stored twice");
    assert_eq!(n, 4 + 4 + 2, "every item of the three feeds, once");
    for f in std::fs::read_dir(dir.path().join("feeds"))
        .unwrap()
        .filter_map(Result::ok)
    {
        let name = f.file_name().to_string_lossy().to_string();
        assert!(!name.ends_with(".tmp"), "a temp file was left: {name}");
        if name.ends_with(".xml") {
            let xml = std::fs::read(f.path()).unwrap();
            feed_rs::parser::parse(&xml[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn sources_import_appends_a_readers_list_that_still_loads() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let cfg = dir.path().join("banyue.toml");
    std::fs::write(
        &cfg,
        "[[source]]\nid = \"techweb\"\nname = \"TechWeb\"\nurl = \"http://www.techweb.com.cn/rss/allnews.xml\"\nkind = \"feed\"\n",
    )?;
    let opml = dir.path().join("reader.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><body>
<outline text="技术创新"><outline type="rss" text="InfoQ" xmlUrl="https://www.infoq.cn/feed"/></outline>
<outline text="新闻"><outline type="rss" text="TechWeb" xmlUrl="https://techweb.com.cn/rss/allnews.xml/"/></outline>
</body></opml>"#,
    )?;
    let out = banyue()
        .args(["sources", "import"])
        .arg(&opml)
        .arg("--into")
        .arg(&cfg)
        .arg("--config")
        .arg(&cfg)
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("TechWeb") && err.contains("already configured"), "{err}");
    let loaded = banyue::config::Config::load(&cfg)?;
    let ids: Vec<&str> = loaded.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["techweb", "infoq"]);
    assert_eq!(loaded.sources[1].section_hint.as_deref(), Some("tech-innovation"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_prints_a_block_that_reads_a_portal_list() {
    let page = r#"<html><head><title>通知公告_某市工业和信息化局</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hd/">互动</a></li></ul>
<ul class="list">
<li><a href="/tzgg/202611/t20261120_1.html" title="关于组织申报2026年度软件和信息服务业专项资金项目的通知">关于组织申报2026年度软件和信息服务业专项资金项目的...</a><span>[2026-11-20]</span></li>
<li><a href="/tzgg/202611/t20261118_2.html" title="市工信局召开人工智能产业发展座谈会">市工信局召开人工智能产业发展座谈会</a><span>[2026-11-18]</span></li>
<li><a href="/tzgg/202611/t20261115_3.html" title="2026年10月全市软件业务收入情况">2026年10月全市软件业务收入情况</a><span>[2026-11-15]</span></li>
</ul></body></html>"#;
    let site = site(|_| HashMap::from([("/tzgg/".to_string(), Resource::ok("text/html; charset=utf-8", page))])).await;
    let url = site.url("/tzgg/");
    let out = tokio::task::spawn_blocking(move || {
        banyue()
            .args(["probe", &url, "--allow-private", "--config", "/nonexistent/banyue.toml"])
            .output()
    })
    .await
    .expect("join")
    .expect("run banyue");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "kind = \"html\"",
        "item = \"ul.list > li\"",
        "title = \"a@title\"",
        "date = \"span\"",
        "2026-11-20  关于组织申报2026年度软件和信息服务业专项资金项目的通知",
    ] {
        assert!(stdout.contains(want), "no {want:?} in\n{stdout}");
    }
    // Without --allow-private a loopback address is refused, and the message says how.
    let url = site.url("/tzgg/");
    let out = tokio::task::spawn_blocking(move || banyue().args(["probe", &url]).output())
        .await
        .expect("join")
        .expect("run banyue");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--allow-private"), "{err}");
}
