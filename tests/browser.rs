//! End to end in headless Chromium (Debian's `chromium` + `chromium-driver`, driven over
//! WebDriver): an editor signs in, moves an item, excludes one, publishes, and the
//! exported HTML shows it. Runs wherever chromedriver is installed; CI installs it and
//! requires it (CI=true).

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
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let src = self.source().await;
            if ready(&src) {
                return src;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
    let at = first_card + page[first_card..].find(needle).unwrap();
    let start = page[..at].rfind("data-id=\"").unwrap() + "data-id=\"".len();
    page[start..].split('"').next().unwrap().to_string()
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
        driver.screenshot(&d.join("review.png")).await;
    }

    let ipo = id_of(&page, "科创板IPO获受理");
    driver
        .click(&format!(
            "#item-{ipo} select[name=section] option[value=tech-innovation]"
        ))
        .await;
    driver.click(&format!("#item-{ipo} button.move")).await;
    let moved = format!("条目#{ipo} 移至「技术创新」");
    let page = driver.wait_for("the move", |p| p.contains(&moved)).await;
    let visit = id_of(&page, "王喆带队");
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
    assert!(tech.contains("科创板IPO获受理"), "the export follows the editor");
    assert!(!html.contains("王喆带队"), "the excluded item is not exported");
    let _ = driver.call(reqwest::Method::DELETE, "", Value::Null).await;
}
