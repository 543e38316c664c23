//! Alerts as an operator meets them: a source breaks and each target hears it once, in
//! its own format; it recovers; a receiver answering 500 gets the message again later;
//! nothing is sent twice across runs (each `banyue run` is a new process); secrets stay
//! out of every output. Then the draft's and the issue's events, and email over SMTP
//! with STARTTLS and a password (a local aiosmtpd sink).

mod common;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use base64::Engine as _;
use common::banyue_command;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    query: std::collections::HashMap<String, String>,
    event: Option<String>,
    delivery: Option<String>,
    body: serde_json::Value,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Got>>,
    /// Statuses to answer before answering as the service does.
    failures: Mutex<VecDeque<u16>>,
    /// The feed `bad.xml` answers 500 while this is set.
    broken: AtomicBool,
}

impl Receiver {
    fn got(&self, path: &str) -> Vec<Got> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .filter(|g| g.path == path)
            .cloned()
            .collect()
    }
}

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{name}</title><link>http://example.org/</link><description>d</description>
<item><title>{name}：工业软件产业发展行动计划印发</title><link>http://example.org/{name}/1.html</link><pubDate>Mon, 14 Dec 2026 08:00:00 +0800</pubDate><description>工业和信息化部印发工业软件产业发展行动计划，推动软件产业高质量发展。</description></item>
</channel></rss>"#;

async fn hook(
    State(r): State<Arc<Receiver>>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> impl IntoResponse {
    let path = uri.path().to_string();
    if path == "/good.xml" || path == "/bad.xml" {
        if path == "/bad.xml" && r.broken.load(Ordering::SeqCst) {
            return (StatusCode::INTERNAL_SERVER_ERROR, "down".to_string()).into_response();
        }
        let name = path.trim_start_matches('/').trim_end_matches(".xml");
        return ([("content-type", "application/rss+xml")], FEED.replace("{name}", name)).into_response();
    }
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    r.got.lock().expect("lock").push(Got {
        path: path.clone(),
        query,
        event: header("x-banyue-event"),
        delivery: header("x-banyue-delivery"),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    });
    if let Some(status) = r.failures.lock().expect("lock").pop_front() {
        return (
            StatusCode::from_u16(status).expect("status"),
            "receiver trouble".to_string(),
        )
            .into_response();
    }
    let answer = match path.as_str() {
        "/feishu" => r#"{"code":0,"msg":"success","data":{}}"#,
        "/wecom" | "/dingtalk" => r#"{"errcode":0,"errmsg":"ok"}"#,
        _ => "",
    };
    ([("content-type", "application/json")], answer.to_string()).into_response()
}

async fn receiver() -> (String, Arc<Receiver>) {
    let state = Arc::new(Receiver::default());
    let app = axum::Router::new().fallback(hook).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, state)
}

const WECOM_KEY: &str = "wecomkey-0123456789abcdef";
const DING_SECRET: &str = "SECding-secret-0123456789";
const FEISHU_SECRET: &str = "feishu-secret-0123456789";
const DEAD_KEY: &str = "deadkey-9876543210fedcba";

fn config(base: &str, dir: &Path) -> std::path::PathBuf {
    let text = format!(
        r#"[settings]
jitter_secs = 0
per_host_delay_ms = 0
timeout_secs = 5

[[source]]
id = "good"
name = "好来源"
url = "{base}/good.xml"
kind = "feed"
allow_private = true

[[source]]
id = "bad"
name = "坏来源"
url = "{base}/bad.xml"
kind = "feed"
allow_private = true

[[alert]]
id = "hook"
kind = "webhook"
url = "{base}/hook"
events = ["source-broken", "source-recovered"]
failures = 2
retry_secs = 1
allow_private = true

[[alert]]
id = "wecom"
kind = "wecom"
url_env = "TEST_WECOM_URL"
events = ["source-broken", "source-recovered"]
failures = 2
allow_private = true

[[alert]]
id = "ding"
kind = "dingtalk"
url = "{base}/dingtalk?access_token=tok"
secret_env = "TEST_DING_SECRET"
events = ["source-broken"]
failures = 2
allow_private = true

[[alert]]
id = "feishu"
kind = "feishu"
url = "{base}/feishu"
secret_env = "TEST_FEISHU_SECRET"
events = ["source-broken"]
failures = 2
allow_private = true

[[alert]]
id = "dead"
kind = "webhook"
url_env = "TEST_DEAD_URL"
events = ["source-broken"]
failures = 2
max_attempts = 1
allow_private = true
"#
    );
    let path = dir.join("banyue.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Run `banyue ARGS` with the secrets in its environment; stdout and stderr together.
async fn banyue(cfg: &Path, base: &str, args: &[&str]) -> String {
    let mut c = banyue_command();
    c.arg("--config").arg(cfg).args(args);
    c.env("TEST_WECOM_URL", format!("{base}/wecom?key={WECOM_KEY}"))
        .env("TEST_DING_SECRET", DING_SECRET)
        .env("TEST_FEISHU_SECRET", FEISHU_SECRET)
        // A closed loopback port: the error must not carry the key in its URL.
        .env("TEST_DEAD_URL", format!("http://127.0.0.1:1/hook?key={DEAD_KEY}"))
        .env("BANYUE_LOG", "info");
    let out = tokio::task::spawn_blocking(move || c.output())
        .await
        .expect("join")
        .expect("run banyue");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !said.lines().any(|l| l.starts_with("error: ")),
        "banyue {args:?} failed: {said}"
    );
    said
}

fn hmac(key: &[u8], msg: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, msg).as_ref())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_source_is_told_once_per_target_in_its_format_then_its_recovery() {
    let (base, r) = receiver().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = config(&base, dir.path());
    let mut outputs = Vec::new();

    // Both work: a source first seen working is not news.
    outputs.push(banyue(&cfg, &base, &["run"]).await);
    assert!(r.got.lock().expect("lock").is_empty(), "nothing to tell: {outputs:?}");

    // One failure is under the targets' threshold of two.
    r.broken.store(true, Ordering::SeqCst);
    outputs.push(banyue(&cfg, &base, &["run", "--force"]).await);
    assert!(r.got.lock().expect("lock").is_empty(), "one failure is not yet broken");

    // The second failure breaks it: every target hears it once. The generic webhook's
    // receiver answers 500 first.
    r.failures.lock().expect("lock").push_back(500);
    outputs.push(banyue(&cfg, &base, &["run", "--force"]).await);
    let hook = r.got("/hook");
    assert_eq!(hook.len(), 1, "one try so far: {hook:?} {outputs:#?}");
    assert_eq!(hook[0].event.as_deref(), Some("source-broken"));
    assert_eq!(hook[0].body["event"], "source-broken");
    assert_eq!(hook[0].body["data"]["source"], "bad");
    assert_eq!(hook[0].body["data"]["failures"], 2);
    assert!(hook[0].body["title"].as_str().expect("title").contains("坏来源"));

    let wecom = r.got("/wecom");
    assert_eq!(wecom.len(), 1);
    assert_eq!(wecom[0].query.get("key").map(String::as_str), Some(WECOM_KEY));
    assert_eq!(wecom[0].body["msgtype"], "markdown");
    let content = wecom[0].body["markdown"]["content"].as_str().expect("content");
    assert!(content.contains("坏来源") && content.contains("连续 2 次"), "{content}");
    assert!(content.len() <= 4096);

    let ding = r.got("/dingtalk");
    assert_eq!(ding.len(), 1);
    assert_eq!(ding[0].body["msgtype"], "markdown");
    assert!(
        ding[0].body["markdown"]["title"]
            .as_str()
            .expect("title")
            .contains("坏来源")
    );
    let ts = &ding[0].query["timestamp"];
    let ms: i64 = ts.parse().expect("milliseconds");
    assert!(
        (chrono::Utc::now().timestamp_millis() - ms).abs() < 3_600_000,
        "within the hour 钉钉 allows"
    );
    // 钉钉: Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
    assert_eq!(
        ding[0].query["sign"],
        hmac(DING_SECRET.as_bytes(), format!("{ts}\n{DING_SECRET}").as_bytes())
    );

    let feishu = r.got("/feishu");
    assert_eq!(feishu.len(), 1);
    let b = &feishu[0].body;
    assert_eq!(b["msg_type"], "text");
    assert!(b["content"]["text"].as_str().expect("text").contains("坏来源"));
    let ts = b["timestamp"].as_str().expect("timestamp in seconds, as a string");
    // 飞书: Base64(HMAC-SHA256(key = timestamp + "\n" + secret, empty message)).
    assert_eq!(b["sign"], hmac(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b""));

    // The 500 is shown where operators look, and retried after the wait.
    let sources = banyue(&cfg, &base, &["sources"]).await;
    assert!(
        sources.contains("alert hook") && sources.contains("FAILING: HTTP 500"),
        "{sources}"
    );
    let listed = banyue(&cfg, &base, &["alerts"]).await;
    assert!(listed.contains("retry"), "{listed}");
    assert!(
        listed.contains("GIVEN UP"),
        "the dead target gave up after its one try: {listed}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    outputs.push(banyue(&cfg, &base, &["alerts", "send"]).await);
    let hook = r.got("/hook");
    assert_eq!(hook.len(), 2, "retried once: {hook:?}");
    assert_eq!(
        hook[0].delivery, hook[1].delivery,
        "the same delivery id, so a receiver can drop a repeat"
    );

    // Still broken: nothing more, though every run is a new process.
    outputs.push(banyue(&cfg, &base, &["run", "--force"]).await);
    outputs.push(banyue(&cfg, &base, &["alerts", "send"]).await);
    assert_eq!(r.got("/hook").len(), 2);
    assert_eq!(r.got("/wecom").len(), 1);
    assert_eq!(r.got("/dingtalk").len(), 1);

    // It recovers: targets that want recoveries hear it, once.
    r.broken.store(false, Ordering::SeqCst);
    outputs.push(banyue(&cfg, &base, &["run", "--force"]).await);
    outputs.push(banyue(&cfg, &base, &["run", "--force"]).await);
    let hook = r.got("/hook");
    assert_eq!(hook.len(), 3, "{hook:?}");
    assert_eq!(hook[2].body["event"], "source-recovered");
    assert_eq!(r.got("/wecom").len(), 2);
    assert_eq!(r.got("/dingtalk").len(), 1, "钉钉 did not ask for recoveries");

    // No secret in any output, nor in what the store keeps.
    outputs.push(banyue(&cfg, &base, &["alerts"]).await);
    outputs.push(banyue(&cfg, &base, &["sources"]).await);
    let all = outputs.join("\n");
    assert!(all.contains("alert dead"), "the dead target is listed: {all}");
    let db = std::fs::read(dir.path().join("data/banyue.db")).expect("database");
    let db = String::from_utf8_lossy(&db);
    for secret in [WECOM_KEY, DING_SECRET, FEISHU_SECRET, DEAD_KEY] {
        assert!(!all.contains(secret), "{secret} leaked into the output:\n{all}");
        assert!(!db.contains(secret), "{secret} leaked into the database");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_and_the_issue_are_told_once_each() {
    use banyue::config::Config;
    use banyue::pipeline::{Pipeline, RunOptions};
    let (base, r) = receiver().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        r#"[settings]
jitter_secs = 0
per_host_delay_ms = 0
base_url = "http://127.0.0.1:8080/feeds/"

[[source]]
id = "good"
name = "好来源"
url = "{base}/good.xml"
kind = "feed"
allow_private = true

[[alert]]
id = "desk"
kind = "webhook"
url = "{base}/desk"
events = ["draft-ready", "draft-changed", "issue-published"]
changed = 0
allow_private = true
"#
    );
    let path = dir.path().join("banyue.toml");
    std::fs::write(&path, &text).expect("write");
    let config = Config::parse(&text, &path).expect("config");
    let pipeline = Pipeline::new(config.clone()).expect("pipeline");
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("date")
            .with_timezone(&chrono::Utc)
    };
    let run = |now: chrono::DateTime<chrono::Utc>| RunOptions {
        now: Some(now),
        force: true,
        ..Default::default()
    };
    // Mid-window, nobody has looked: nothing to tell.
    pipeline.run(&run(at("2026-12-14T02:00:00Z"))).await.expect("run");
    banyue::alert::send::deliver_now(&config, std::time::Duration::from_secs(10))
        .await
        .expect("deliver");
    assert!(r.got("/desk").is_empty(), "{:?}", r.got("/desk"));

    // An editor looked at an empty draft; the window's last day comes with items.
    let mut store = pipeline.open_store().expect("store");
    store
        .record_look("2026-23", "wang", &[], at("2026-12-14T03:00:00Z"))
        .expect("look");
    let report = pipeline.run(&run(at("2026-12-15T02:00:00Z"))).await.expect("run");
    assert!(report.outputs.draft_items > 0, "{}", report.summary());
    pipeline.run(&run(at("2026-12-15T03:00:00Z"))).await.expect("run again");
    eprintln!("{:?}", store.recent_alerts(10).expect("outbox"));
    banyue::alert::send::deliver_now(&config, std::time::Duration::from_secs(10))
        .await
        .expect("deliver");
    let got = r.got("/desk");
    let events: Vec<&str> = got.iter().filter_map(|g| g.body["event"].as_str()).collect();
    assert_eq!(events, ["draft-ready", "draft-changed"], "each once: {got:?}");
    assert_eq!(got[1].body["data"]["looked_by"], "wang");

    // Published: told with the published page's address.
    let issue = pipeline
        .issue_for(&mut store, None, at("2026-12-15T04:00:00Z"))
        .expect("issue");
    pipeline
        .publish_issue(&mut store, &issue, "chief", at("2026-12-15T04:00:00Z"))
        .expect("publish");
    banyue::alert::send::deliver_now(&config, std::time::Duration::from_secs(10))
        .await
        .expect("deliver");
    let got = r.got("/desk");
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2].body["event"], "issue-published");
    assert_eq!(got[2].body["data"]["by"], "chief");
    assert_eq!(got[2].body["link"], "http://127.0.0.1:8080/feeds/issues/2026-23.html");
}

#[test]
fn a_bad_alert_table_is_reported_at_its_line() {
    let text = "[settings]\n\n[[alert]]\nid = \"x\"\nkind = \"pager\"\nurl = \"http://127.0.0.1/\"\n\n[[alert]]\nkind = \"email\"\nsmtp = \"smtp://mail.example.org\"\ntls = \"none\"\nusername = \"u\"\npassword_env = \"P\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n\n[[alert]]\nkind = \"webhook\"\nurl = \"http://127.0.0.1/\"\nevents = [\"source-broke\"]\n";
    let err = banyue::config::Config::parse(text, Path::new("alerts.toml")).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("alerts.toml:3: alert `x`: kind `pager`"), "{msg}");
    assert!(
        msg.contains("alerts.toml:8:") && msg.contains("never sent without TLS"),
        "{msg}"
    );
    assert!(
        msg.contains("alerts.toml:20:") && msg.contains("event `source-broke`"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------
// Email: aiosmtpd (PyPI) with STARTTLS and AUTH, a certificate made by openssl.

/// Python, aiosmtpd and openssl, or why not. CI installs them and sets
/// BANYUE_REQUIRE_SMTP, so there a missing one fails instead of skipping.
fn smtp_tools() -> Result<(), String> {
    let ok = |c: &mut std::process::Command| c.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok(std::process::Command::new("python3").args(["-c", "import aiosmtpd"])) {
        return Err("python3 with aiosmtpd (pip install aiosmtpd)".into());
    }
    if !ok(std::process::Command::new("openssl").arg("version")) {
        return Err("openssl".into());
    }
    Ok(())
}

struct Sink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_sink(user: &str, password: &str) -> Option<Sink> {
    if let Err(missing) = smtp_tools() {
        if std::env::var_os("BANYUE_REQUIRE_SMTP").is_some() {
            panic!("BANYUE_REQUIRE_SMTP is set but {missing} is missing");
        }
        eprintln!("SKIPPED: email alerts need {missing}; CI installs it");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // An internal CA and a server certificate it signed, as a company's mail relay has.
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let openssl = |args: &[&str]| {
        let made = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("openssl");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    };
    std::fs::write(
        dir.path().join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=banyue test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    let mut child = std::process::Command::new("python3")
        .arg(common::repo_file("tests/support/smtp_sink.py"))
        .arg(dir.path())
        .arg(&cert)
        .arg(&key)
        .arg(user)
        .arg(password)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the SMTP sink");
    let mut line = String::new();
    use std::io::BufRead as _;
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the sink's port");
    let port = line.trim().parse().unwrap_or_else(|_| panic!("the sink said {line:?}"));
    Some(Sink { child, port, dir })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_over_starttls_with_the_password_from_the_environment() {
    let Some(sink) = smtp_sink("banyue", "mail-pass-0123456789") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("banyue.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[settings]
report_name = "软件产业半月报"

[[alert]]
id = "mail"
kind = "email"
smtp = "smtp://127.0.0.1:{}"
username = "banyue"
password_env = "TEST_SMTP_PASSWORD"
from = "banyue <banyue@example.org>"
to = ["编辑部 <editors@example.org>"]
ca_file = "{}"
"#,
            sink.port,
            sink.dir.path().join("ca.pem").display()
        ),
    )
    .expect("config");
    let send = |password: &'static str| {
        let mut c = banyue_command();
        c.arg("--config")
            .arg(&cfg)
            .args(["alerts", "test", "mail"])
            .env("TEST_SMTP_PASSWORD", password);
        async move {
            tokio::task::spawn_blocking(move || c.output())
                .await
                .expect("join")
                .expect("banyue")
        }
    };
    let wrong = send("wrong-password-000").await;
    let said = String::from_utf8_lossy(&wrong.stderr).to_string();
    assert!(!wrong.status.success(), "a refused login is a failure");
    assert!(
        said.contains("not sent") && !said.contains("wrong-password-000"),
        "{said}"
    );

    let out = send("mail-pass-0123456789").await;
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sink.dir.path().join("1.json")).expect("the sink kept the message"),
    )
    .expect("json");
    assert_eq!(got["tls"], true, "STARTTLS before anything else: {got}");
    assert_eq!(got["login"], "banyue");
    assert_eq!(got["mail_from"], "banyue@example.org");
    assert_eq!(got["rcpt_tos"][0], "editors@example.org");
    assert!(got["subject"].as_str().expect("subject").contains("测试消息"), "{got}");
    assert!(got["body"].as_str().expect("body").contains("软件产业半月报"), "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_page_records_what_an_editor_saw_and_metrics_count_the_alerts() {
    use banyue::config::Config;
    use banyue::pipeline::Pipeline;
    let dir = tempfile::tempdir().expect("temp dir");
    banyue::demo::run(dir.path(), None).await.expect("demo");
    let hash = banyue::serve::auth::hash_password("正确的密码").expect("hash");
    let mut text = std::fs::read_to_string(dir.path().join("banyue.toml")).expect("config");
    text.push_str(&format!(
        "\n[[user]]\nname = \"wang\"\npassword_hash = \"{hash}\"\n\n[[alert]]\nid = \"desk\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/desk\"\nevents = [\"draft-changed\"]\nallow_private = true\n"
    ));
    let config = Config::parse(&text, &dir.path().join("banyue.toml")).expect("config");
    let pipeline = Arc::new(Pipeline::new(config).expect("pipeline"));
    let served = common::serve_pipeline(pipeline.clone()).await;
    let login = served
        .http
        .post(format!("{}/login", served.base))
        .form(&[("name", "wang"), ("password", "正确的密码")])
        .send()
        .await
        .expect("sign in");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let get = |path: &str| {
        served
            .http
            .get(format!("{}{path}", served.base))
            .header("cookie", cookie.clone())
            .send()
    };
    assert_eq!(get("/issue").await.expect("page").status(), 200);
    let mut store = pipeline.open_store().expect("store");
    let issue = pipeline.issue_for(&mut store, None, chrono::Utc::now()).expect("issue");
    let draft = pipeline.draft_of(&store, &issue, chrono::Utc::now()).expect("draft");
    let look = store
        .last_look(&issue.stem())
        .expect("look")
        .expect("the page recorded a look");
    let mut shown = draft.item_ids();
    shown.sort_unstable();
    assert_eq!((look.editor.as_str(), look.items), ("wang", shown));
    let metrics = get("/metrics").await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains("# TYPE banyue_alerts_waiting gauge"), "{metrics}");
}
