//! End to end in headless Chromium (Debian's `chromium` + `chromium-driver`, driven over
//! WebDriver): an editor signs in, moves an item and excludes one with the menus' plain
//! forms, edits a headline in place, walks, pins, undoes, excludes and moves with the
//! keyboard, takes an item back from 已剔除, drags items, reads an item's stored text in
//! the side panel, prints, publishes, and the exported HTML shows it. axe-core checks
//! the page (no serious or critical violation). Runs wherever chromedriver is installed
//! (else says SKIPPED); CI installs it and axe-core, and requires both (CI=true).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use banyue::config::Config;
use banyue::pipeline::Pipeline;
use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(profile: &Path) -> Option<Driver> {
        let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists())?;
        let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().no_proxy().build().ok()?;
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1400,1000", format!("--user-data-dir={}", profile.display())]
        }}}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let session = v["value"]["sessionId"].as_str()?.to_string();
        Some(Driver {
            http,
            base,
            session,
            child,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.http.request(method.clone(), url);
        let req = if method == reqwest::Method::POST {
            req.json(&body)
        } else {
            req
        };
        let r = req.send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(v["value"].get("error").is_none(), "{path}: {v}");
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url })).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{e}/click"), json!({}))
            .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The page source once `ready` holds (a click's navigation may still be loading).
    async fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let src = self.source().await;
            if ready(&src) {
                return src;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn element(&self, css: &str) -> Value {
        json!({ ELEMENT: self.find(css).await })
    }

    /// Run `script` in the page (WebDriver execute-script) and return its value.
    async fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    async fn run_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Keys pressed one after the other, as a user types them (to the focused element).
    async fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
        self.call(reqwest::Method::DELETE, "/actions", Value::Null).await;
    }

    /// A mouse drag from the middle of `from` to a point `dy` pixels below the top of
    /// `to`, in small steps (as a hand moves).
    async fn drag(&self, from: &str, to: &str, dy: i64) {
        let (a, b) = (self.element(from).await, self.element(to).await);
        let mut steps = vec![
            json!({"type": "pointerMove", "duration": 0, "origin": a, "x": 0, "y": 0}),
            json!({"type": "pointerDown", "button": 0}),
            json!({"type": "pointerMove", "duration": 50, "origin": "pointer", "x": 0, "y": 8}),
        ];
        let top = self
            .run(
                "return Math.round(arguments[0].getBoundingClientRect().height / 2);",
                json!([b]),
            )
            .await
            .as_i64()
            .unwrap();
        for _ in 0..3 {
            steps.push(json!({"type": "pointerMove", "duration": 80, "origin": b, "x": 0, "y": dy - top}));
        }
        steps.push(json!({"type": "pointerUp", "button": 0}));
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": steps}]}),
        )
        .await;
        self.call(reqwest::Method::DELETE, "/actions", Value::Null).await;
    }

    async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }

    async fn active_id(&self) -> String {
        self.run("return document.activeElement.id;", json!([]))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// axe-core's violations on the page as it is now: (rule, impact, nodes).
    async fn axe(&self, axe: &str) -> Vec<(String, String, u64, String)> {
        if self.run("return typeof axe;", json!([])).await != "object" {
            self.run(&format!("{axe}\nreturn true;"), json!([])).await;
        }
        let v = self
            .run_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations.map(v => [v.id, v.impact || '', v.nodes.length,
                       v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')])))
                   .catch(e => done([['axe-error', 'critical', 0, String(e)]]));",
            )
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap().to_string(),
                    r[1].as_str().unwrap().to_string(),
                    r[2].as_u64().unwrap(),
                    r[3].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    async fn screenshot(&self, to: &Path) {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        std::fs::write(to, png).unwrap();
    }
}

fn id_of(page: &str, needle: &str) -> String {
    let first_card = page.find("data-id=\"").unwrap();
    let pool = page.find("id=\"pool\"").unwrap_or(page.len());
    let at = first_card
        + page[first_card..pool]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} is not in the issue"));
    let start = page[..at].rfind("data-id=\"").unwrap() + "data-id=\"".len();
    page[start..].split('"').next().unwrap().to_string()
}

/// The part of the page between two markers (the first after `from`).
fn between<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    let a = page.find(from).unwrap_or_else(|| panic!("{from} not on the page"));
    let b = a + page[a..].find(to).unwrap_or_else(|| panic!("{to} not after {from}"));
    &page[a..b]
}

/// axe-core's script: `BANYUE_AXE`, else where `.ci/run` installs it (npm, into target/).
fn axe_script() -> Option<String> {
    let path = std::env::var_os("BANYUE_AXE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js"));
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have axe-core at {} ({e})",
                path.display()
            );
            eprintln!(
                "SKIPPED the accessibility checks: no axe-core at {} (npm install --prefix target/axe axe-core)",
                path.display()
            );
            None
        }
    }
}

/// No serious or critical violation; all of them printed, for the record.
async fn check_accessibility(driver: &Driver, axe: Option<&str>, state: &str) {
    let Some(axe) = axe else { return };
    let violations = driver.axe(axe).await;
    eprintln!("axe-core, {state}: {} rules violated", violations.len());
    for (rule, impact, nodes, targets) in &violations {
        eprintln!("  {impact:<9} {rule} ({nodes} nodes: {targets})");
    }
    let bad: Vec<_> = violations
        .iter()
        .filter(|v| v.1 == "serious" || v.1 == "critical")
        .collect();
    assert!(bad.is_empty(), "serious or critical violations, {state}: {bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_reviews_and_publishes_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let Some(driver) = Driver::start(&dir.path().join("profile")).await else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium and chromium-driver"
        );
        eprintln!("SKIPPED: no chromedriver here (apt-get install chromium chromium-driver)");
        return;
    };
    let axe = axe_script();
    banyue::demo::run(&dir.path().join("site"), None).await.unwrap();
    let cfg_path = dir.path().join("site/banyue.toml");
    let mut text = std::fs::read_to_string(&cfg_path).unwrap();
    let hash = banyue::serve::auth::hash_password("pw-for-test").unwrap();
    text.push_str(&format!("\n[[user]]\nname = \"小李\"\npassword_hash = \"{hash}\"\n"));
    let pipeline = Arc::new(Pipeline::new(Config::parse(&text, &cfg_path).unwrap()).unwrap());
    let drafts = pipeline.config.settings.drafts_dir.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(banyue::serve::serve(pipeline, listener, async {
        let _ = stopped.await;
    }));

    driver.go(&format!("{base}/issue")).await;
    assert!(driver.source().await.contains("登录"), "sent to the login page");
    driver.type_into("#name", "小李").await;
    driver.type_into("#password", "pw-for-test").await;
    driver.click("form button[type=submit]").await;
    let page = driver.wait_for("the review page", |p| p.contains("本期提要")).await;
    assert!(page.contains("本期提要") && page.contains("小李"), "signed in");
    let shots = std::env::var_os("BANYUE_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(d) = &shots {
        driver.resize(1366, 768).await;
        driver.screenshot(&d.join("review-1366.png")).await;
        driver.resize(1920, 1080).await;
        driver.screenshot(&d.join("review.png")).await;
        driver.resize(1400, 1000).await;
    }
    check_accessibility(&driver, axe.as_deref(), "the page as loaded").await;
    driver
        .run(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            json!([]),
        )
        .await;
    check_accessibility(&driver, axe.as_deref(), "every menu and list open").await;
    driver
        .run(
            "document.querySelectorAll('details').forEach(d => d.open = false);",
            json!([]),
        )
        .await;

    // Every action is a plain form in the item's menu.
    let ipo = id_of(&page, "科创板IPO获受理");
    driver.click(&format!("#item-{ipo} details.menu > summary")).await;
    driver
        .click(&format!(
            "#item-{ipo} select[name=section] option[value=tech-innovation]"
        ))
        .await;
    driver.click(&format!("#item-{ipo} button.move")).await;
    let moved = format!("条目#{ipo} 移至「技术创新」");
    let page = driver.wait_for("the move", |p| p.contains(&moved)).await;
    let visit = id_of(&page, "王喆带队");
    driver.click(&format!("#item-{visit} details.menu > summary")).await;
    driver.click(&format!("#item-{visit} button.exclude")).await;
    let excluded = format!("条目#{visit} 剔除");
    let page = driver.wait_for("the exclusion", |p| p.contains(&excluded)).await;
    let tech = &page[page.find("section-tech-innovation").unwrap()..page.find("section-company-news").unwrap()];
    assert!(tech.contains("科创板IPO获受理"), "moved in the browser");
    // Out of the issue, into the candidate pool, marked.
    let cards = &page[page.find("data-id").unwrap()..page.find("id=\"pool\"").unwrap()];
    assert!(!cards.contains("王喆带队"), "excluded from the issue");
    let pool = &page[page.find("id=\"pool\"").unwrap()..];
    let line = pool.find("王喆带队").map(|i| &pool[i..]).unwrap_or("");
    assert!(line.contains("已剔除"), "at hand in the pool, marked as excluded");
    assert!(page.contains("修改记录") && page.contains(&moved));
    // And in the 已剔除 list, with who excluded it.
    let discard = between(&page, &format!("id=\"discard-{visit}\""), "</li>");
    assert!(
        discard.contains("王喆带队") && discard.contains("编辑 小李 于"),
        "{discard}"
    );

    // Inline edit: click the headline, type, Enter saves.
    driver.click(&format!("#item-{ipo} h3 .editable")).await;
    driver
        .run("document.querySelector('.inline-input').value = '';", json!([]))
        .await;
    driver
        .type_into(&format!("#item-{ipo} .inline-input"), "芯片企业科创板IPO获受理\u{E007}")
        .await;
    let renamed = format!("条目#{ipo} 标题改为「芯片企业科创板IPO获受理」");
    let page = driver.wait_for("the inline headline", |p| p.contains(&renamed)).await;
    assert!(between(&page, &format!("id=\"item-{ipo}\""), "</h3>").contains("芯片企业科创板IPO获受理"));
    assert_eq!(
        driver.active_id().await,
        format!("item-{ipo}"),
        "focus on the item acted on"
    );
    // Esc leaves it as it was, and posts nothing.
    driver.click(&format!("#item-{ipo} p.summary")).await;
    driver
        .type_into(&format!("#item-{ipo} .inline-input"), "不该保存的摘要\u{E00C}")
        .await;
    let page = driver.source().await;
    assert!(
        !page.contains("不该保存的摘要") && !page.contains("inline-input\""),
        "Esc cancels"
    );
    let edits_now = page.matches("<li class=").count();

    // Keyboard: j/k walk, p pins, u undoes, x excludes.
    driver.press("j").await;
    let next = driver.active_id().await;
    assert!(next.starts_with("item-") && next != format!("item-{ipo}"), "j: {next}");
    driver.press("k").await;
    assert_eq!(driver.active_id().await, format!("item-{ipo}"), "k");
    driver.press("?").await;
    assert_eq!(
        driver
            .run("return document.getElementById('keys').open;", json!([]))
            .await,
        true,
        "? lists the shortcuts"
    );
    if let Some(d) = &shots {
        driver.screenshot(&d.join("review-keys.png")).await;
    }
    driver.press("?").await;
    driver.press("p").await;
    let pinned = format!("条目#{ipo} 置顶");
    let page = driver.wait_for("p pins", |p| p.contains(&pinned)).await;
    assert!(page.matches("<li class=").count() > edits_now);
    assert!(between(&page, &format!("id=\"item-{ipo}\""), "</h3>").contains("class=\"pinned\""));
    driver.press("u").await;
    let page = driver
        .wait_for("u undoes", |p| {
            p.find(&pinned)
                .and_then(|at| p[..at].rfind("<li class=\""))
                .is_some_and(|li| p[li..].starts_with("<li class=\"undone\""))
        })
        .await;
    assert!(!between(&page, &format!("id=\"item-{ipo}\""), "</h3>").contains("class=\"pinned\""));
    // x on the next item: out, into 已剔除, and back with its include button.
    driver.press("j").await;
    let other = driver.active_id().await.trim_start_matches("item-").to_string();
    driver.press("x").await;
    let out = format!("条目#{other} 剔除");
    let page = driver.wait_for("x excludes", |p| p.contains(&out)).await;
    assert!(!page.contains(&format!("id=\"item-{other}\"")), "x: out of the issue");
    driver.click("#discarded-list > summary").await;
    driver.click(&format!("#discard-{other} button.include")).await;
    let back_in = format!("条目#{other} 恢复");
    let page = driver.wait_for("the include", |p| p.contains(&back_in)).await;
    assert!(page.contains(&format!("id=\"item-{other}\"")), "included again");

    // 1–9 move the item to that section.
    let sections: Vec<String> = serde_json::from_value(
        driver
            .run(
                "return Array.from(document.querySelector('main .item select[name=section]').options).map(o => o.value);",
                json!([]),
            )
            .await,
    )
    .unwrap();
    let target = sections.iter().position(|s| s == "company-news").unwrap();
    driver
        .run(
            "document.getElementById(arguments[0]).focus();",
            json!([format!("item-{other}")]),
        )
        .await;
    driver.press(&(target + 1).to_string()).await;
    let page = driver
        .wait_for("a digit moves", |p| {
            p.contains(&format!("条目#{other} 移至「企业动态」"))
        })
        .await;
    assert!(between(&page, "id=\"section-company-news\"", "</section>").contains(&format!("id=\"item-{other}\"")));

    // Drag: by the grip to the top of its section (order), and into another section (move).
    driver.resize(1400, 3000).await;
    let ids = |page: &str, section: &str| -> Vec<String> {
        let part = between(page, &format!("id=\"section-{section}\""), "</section>");
        part.split("data-id=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect()
    };
    let news = ids(&page, "company-news");
    assert!(news.len() >= 2, "company news to reorder: {news:?}");
    let last = news.last().unwrap().clone();
    driver
        .run(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});",
            json!([format!("item-{}", news[0])]),
        )
        .await;
    driver
        .drag(&format!("#item-{last} .grip"), &format!("#item-{}", news[0]), 2)
        .await;
    let ranked = format!("条目#{last} 排序 1");
    let page = driver
        .wait_for("the drag within a section", |p| p.contains(&ranked))
        .await;
    assert_eq!(ids(&page, "company-news").first(), Some(&last), "dropped at the top");
    let tech = ids(&page, "tech-innovation");
    let mover = tech.iter().find(|i| **i != ipo).unwrap_or(&tech[0]).clone();
    driver
        .run(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});",
            json!([format!("item-{mover}")]),
        )
        .await;
    driver
        .drag(
            &format!("#item-{mover} .grip"),
            "#section-company-news .list > .item",
            2,
        )
        .await;
    let dragged = format!("条目#{mover} 移至「企业动态」");
    let page = driver
        .wait_for("the drag to another section", |p| p.contains(&dragged))
        .await;
    assert!(ids(&page, "company-news").contains(&mover), "moved by dragging");
    assert!(!ids(&page, "tech-innovation").contains(&mover));
    driver.resize(1400, 1000).await;

    // Side by side: the stored text in a panel, the page stays.
    driver.click(&format!("#item-{ipo} a.read")).await;
    assert_eq!(
        driver
            .run("return document.getElementById('reader').hidden;", json!([]))
            .await,
        false
    );
    let frame = driver.element("#reader-frame").await;
    driver
        .call(reqwest::Method::POST, "/frame", json!({ "id": frame }))
        .await;
    let stored = driver
        .wait_for("the stored text", |p| p.contains("科创板") && p.contains("<article>"))
        .await;
    assert!(stored.contains(&format!("#{ipo}")), "{stored}");
    driver.call(reqwest::Method::POST, "/frame/parent", json!({})).await;
    check_accessibility(&driver, axe.as_deref(), "the side panel open").await;
    if let Some(d) = &shots {
        driver.resize(1920, 1080).await;
        driver.screenshot(&d.join("review-reader.png")).await;
        driver.resize(1400, 1000).await;
    }
    driver.press("\u{E00C}").await;
    assert_eq!(
        driver
            .run("return document.getElementById('reader').hidden;", json!([]))
            .await,
        true,
        "Esc closes the panel"
    );

    // Print: the report's A4 layout, without the desk's tools.
    let pdf = driver
        .call(
            reqwest::Method::POST,
            "/print",
            json!({"page": {"width": 21.0, "height": 29.7}, "background": true}),
        )
        .await;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdf.as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let pdf_path = dir.path().join("print.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    if let Ok(out) = Command::new("pdftotext").arg(&pdf_path).arg("-").output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("本期提要") && text.contains("芯片企业科创板IPO获受理"),
            "{text}"
        );
        assert!(!text.contains("候选池") && !text.contains("修改记录"), "{text}");
    }
    if let Some(d) = &shots {
        let _ = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf_path)
            .arg(d.join("review-print"))
            .status();
    }

    driver.click("#publish").await;
    driver
        .wait_for("the confirmation", |p| p.contains("confirm-publish"))
        .await;
    driver.click("#confirm-publish").await;
    driver
        .wait_for("publication", |p| p.contains("data-status=\"published\""))
        .await;
    if let Some(d) = &shots {
        driver.screenshot(&d.join("review-published.png")).await;
    }
    let html = std::fs::read_dir(drafts.join("published"))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .expect("the published HTML");
    let tech = &html[html.find("id=\"tech-innovation\"").unwrap()..html.find("id=\"company-news\"").unwrap()];
    assert!(
        tech.contains("芯片企业科创板IPO获受理"),
        "the export follows the editor"
    );
    assert!(!html.contains("王喆带队"), "the excluded item is not exported");
    let _ = driver.call(reqwest::Method::DELETE, "", Value::Null).await;
}
