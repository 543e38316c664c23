//! The review UI over HTTP on 127.0.0.1: sign-in, every action, and the refused ones
//! (no session, wrong CSRF token, another origin); escaping; feeds with ETag and gzip.

mod common;

use std::sync::Arc;

use banyue::config::Config;
use banyue::pipeline::Pipeline;
use common::pg::{Engine, on_both_engines};
use common::{Served, serve_pipeline};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

struct Ui {
    base: String,
    article: String,
    _site: banyue::demo::server::SiteHandle,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The demo's desk, its store on `engine`, with an editor and an article on a site.
async fn start(engine: Engine) -> Ui {
    let dir = tempfile::tempdir().unwrap();
    banyue::demo::run(dir.path(), None).await.expect("demo");
    engine.adopt(dir.path());
    let hash = banyue::serve::auth::hash_password("正确的密码").unwrap();
    let mut text = std::fs::read_to_string(dir.path().join("banyue.toml")).unwrap();
    text = text.replace("[settings]\n", "[settings]\nmanual_allow_private = true\n");
    text.push_str(&format!("\n[[user]]\nname = \"editor\"\npassword_hash = \"{hash}\"\n"));
    let config = Config::parse(&text, &dir.path().join("banyue.toml")).unwrap();
    let pipeline = Arc::new(Pipeline::new(config).unwrap());
    let Served { base, http, stop } = serve_pipeline(pipeline).await;
    let page = "<html><head><meta charset=\"utf-8\"><title>某市发布算力券政策_新闻网</title></head><body><h1>某市发布算力券政策，支持中小企业使用智能算力</h1><div class=\"TRS_Editor\"><p>某市日前印发《算力券管理办法》，每年安排1亿元支持企业购买算力服务。</p></div></body></html>";
    let site = banyue::demo::server::serve(
        [(
            "/news/1.html".to_string(),
            banyue::demo::server::Resource::ok("text/html; charset=utf-8", page),
        )]
        .into_iter()
        .collect(),
    )
    .await
    .unwrap();
    let article = site.url("/news/1.html");
    Ui {
        base,
        article,
        _site: site,
        http,
        _dir: dir,
        _stop: stop,
    }
}

impl Ui {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn sign_in(&self, password: &str) -> Option<String> {
        let r = self
            .http
            .post(self.url("/login"))
            .form(&[("name", "editor"), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let c = r.headers().get(header::SET_COOKIE)?.to_str().unwrap().to_string();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
        Some(c.split(';').next().unwrap().to_string())
    }

    /// The editor signed in: the session's cookie, the issue page, and its CSRF token.
    async fn editor(&self) -> (String, String, String) {
        let cookie = self.sign_in("正确的密码").await.expect("signed in");
        let page = self.page(&cookie).await;
        let token = csrf(&page);
        (cookie, page, token)
    }

    async fn page(&self, cookie: &str) -> String {
        let r = self
            .http
            .get(self.url("/issue"))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
        text
    }

    /// A signed-in page's text (any status).
    async fn text(&self, cookie: &str, path: &str) -> String {
        self.http
            .get(self.url(path))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn post(&self, cookie: Option<&str>, form: &[(&str, &str)], extra: HeaderMap) -> reqwest::Response {
        let mut req = self.http.post(self.url("/issue/edit")).form(form).headers(extra);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.unwrap()
    }
}

fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page[at..at + 32].to_string()
}

fn item_id(page: &str, needle: &str) -> String {
    let first_card = page.find("data-id=\"").expect("item cards");
    let at = first_card
        + page[first_card..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not in a card"));
    let before = &page[..at];
    let start = before.rfind("data-id=\"").unwrap() + "data-id=\"".len();
    before[start..].split('"').next().unwrap().to_string()
}

/// Strangers are sent to sign in; forged and foreign requests are refused, counted and
/// change nothing; signing out ends the session.
async fn strangers_and_forgeries_are_refused(engine: Engine) {
    let ui = start(engine).await;

    // Not signed in: pages send you to the login form, actions are refused.
    let r = ui.http.get(ui.url("/issue")).send().await.unwrap();
    assert_eq!(
        (r.status(), r.headers()[header::LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let r = ui
        .post(
            None,
            &[("action", "pin"), ("item", "1"), ("csrf", "x")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // An HTML page in Chinese with the way back in, not a bare line of text.
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("请先登录") && body.contains("href=\"/login\""), "{body}");
    assert!(
        ui.sign_in("错误的密码").await.is_none(),
        "a wrong password gets no session"
    );

    let (cookie, page, token) = ui.editor().await;
    let ipo = item_id(&page, "科创板IPO获受理");
    assert!(page.contains("section-market"));

    // Forged or foreign requests are refused and change nothing.
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "exclude"), ("item", &ipo), ("csrf", "0".repeat(32).as_str())],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut evil = HeaderMap::new();
    evil.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "exclude"), ("item", &ipo), ("csrf", &token)],
            evil,
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(ui.page(&cookie).await.contains("科创板IPO获受理"));

    let metrics = ui
        .http
        .get(ui.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("banyue_items ") && metrics.contains("banyue_refused_total 3"),
        "{metrics}"
    );

    // Signing out ends the session.
    let r = ui
        .http
        .post(ui.url("/logout"))
        .header(header::COOKIE, &cookie)
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = ui
        .http
        .get(ui.url("/issue"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// An editor's day: move, retitle, pin and comment, add by URL, export, publish.
async fn an_editor_edits_exports_and_publishes(engine: Engine) {
    let ui = start(engine).await;
    let (cookie, page, token) = ui.editor().await;
    let ipo = item_id(&page, "科创板IPO获受理");

    // Actions: move, headline with markup (escaped), pin, commentary text.
    let ok = |r: reqwest::Response| {
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    };
    let moved = ui
        .post(
            Some(&cookie),
            &[
                ("action", "move"),
                ("item", &ipo),
                ("section", "tech-innovation"),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await;
    // Back at the item, with the change said in editors' words.
    let back = moved.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(back.ends_with(&format!("#item-{ipo}")), "{back}");
    let said = ui.text(&cookie, &back).await;
    assert!(
        said.contains("已保存：条目") && said.contains("移至「技术创新」"),
        "the message"
    );
    ok(moved);
    ok(ui
        .post(
            Some(&cookie),
            &[
                ("action", "headline"),
                ("item", &ipo),
                ("text", "<script>alert(1)</script>芯片企业IPO"),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await);
    ok(ui
        .post(
            Some(&cookie),
            &[("action", "pin"), ("item", &ipo), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await);
    ok(ui
        .post(
            Some(&cookie),
            &[
                ("action", "text"),
                ("slot", "commentary"),
                ("text", "研究院点评"),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await);
    let page = ui.page(&cookie).await;
    let tech = &page[page.find("section-tech-innovation").unwrap()..page.find("section-company-news").unwrap()];
    assert!(
        tech.contains("芯片企业IPO") && tech.contains("置顶"),
        "moved, renamed and pinned"
    );
    assert!(
        !page.contains("<script>alert(1)</script>") && page.contains("&lt;script&gt;"),
        "markup is escaped"
    );
    assert!(page.contains("研究院点评") && page.contains("editor"));
    let preview = ui.text(&cookie, "/issue/preview").await;
    assert!(!preview.contains("<script>alert(1)") && preview.contains("研究院点评"));
    let r = ui
        .post(
            Some(&cookie),
            &[
                ("action", "move"),
                ("item", &ipo),
                ("section", "nowhere"),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Add an item by URL; stretch the window.
    ok(ui
        .post(
            Some(&cookie),
            &[("action", "add"), ("url", &ui.article), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await);
    let page = ui.page(&cookie).await;
    assert!(
        page.contains("某市发布算力券政策，支持中小企业使用智能算力") && page.contains("按网址添加"),
        "added by URL"
    );
    ok(ui
        .post(
            Some(&cookie),
            &[
                ("action", "window"),
                ("from", "2026-11-10"),
                ("to", "2026-11-30"),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await);
    assert!(ui.page(&cookie).await.contains("2026-11-10 至 2026-11-30"));

    // Exports.
    let docx = ui
        .http
        .get(ui.url("/issue/preview?format=docx"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        docx.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let bytes = docx.bytes().await.unwrap();
    assert!(docx_rs::read_docx(&bytes).is_ok());

    // Publishing asks first, and names what is still unsorted; then it freezes.
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "publish"), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let asked = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(asked.starts_with("/issue/publish?"), "{asked}");
    assert!(!ui.page(&cookie).await.contains("data-status=\"published\""), "not yet");
    let confirm = ui.text(&cookie, &asked).await;
    assert!(
        confirm.contains("确认发布") && confirm.contains("confirm-publish"),
        "{confirm}"
    );
    // Items left in 待分类 are named before they are left out of the published report.
    let page = ui.page(&cookie).await;
    let unsorted = page
        .find("id=\"section-to-sort\"")
        .map(|at| {
            page[at..]
                .split("</section>")
                .next()
                .unwrap_or("")
                .matches("data-id=")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(
        confirm.contains(&format!("还有 <strong>{unsorted}</strong> 条在「待分类」")),
        unsorted > 0,
        "{unsorted} unsorted: {confirm}"
    );
    ok(ui
        .post(
            Some(&cookie),
            &[("action", "publish"), ("confirm", "yes"), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await);
    let page = ui.page(&cookie).await;
    assert!(page.contains("data-status=\"published\"") && page.contains("状态：已发布"));
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "unpin"), ("item", &ipo), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    ok(ui
        .post(
            Some(&cookie),
            &[("action", "reopen"), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await);
    ok(ui
        .post(
            Some(&cookie),
            &[("action", "unpin"), ("item", &ipo), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await);
}

/// The feeds as a feed reader fetches them, and nothing else from their folder; health.
async fn feeds_are_served_with_validators_and_gzip(engine: Engine) {
    let ui = start(engine).await;

    // Feeds: ETag, 304, gzip; health and metrics.
    let r = ui.http.get(ui.url("/feeds/market.xml")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()[header::ETAG].clone();
    assert!(r.headers().contains_key(header::LAST_MODIFIED));
    let r = ui
        .http
        .get(ui.url("/feeds/market.xml"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = ui
        .http
        .get(ui.url("/feeds/market.xml"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    // Nothing outside the feeds, nor the publisher's own dot files (the outputs' stamp).
    for path in ["/feeds/../banyue.toml", "/feeds/.banyue-outputs.json"] {
        let status = ui.http.get(ui.url(path)).send().await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(
        ui.http
            .get(ui.url("/feeds/issues.xml"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert_eq!(
        ui.http
            .get(ui.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok\n"
    );
}

on_both_engines!(
    strangers_and_forgeries_are_refused,
    an_editor_edits_exports_and_publishes,
    feeds_are_served_with_validators_and_gzip,
    the_side_panel_and_the_discarded_list,
    the_desk_searches_everything_and_adds_from_the_results,
    a_move_lists_what_it_re_sorted_with_undo
);

/// An editor's URL that names a non-public address is refused before anything is asked
/// of it, unless `manual_allow_private` is set, and the refusal names that setting (not
/// the sources' `allow_private`). The address is a loopback fixture that would answer.
#[tokio::test]
async fn an_editors_url_to_a_private_address_is_refused_unasked() {
    use std::collections::HashMap;
    let site = common::site(|_| {
        HashMap::from([(
            "/x.html".to_string(),
            banyue::demo::server::Resource::ok("text/html; charset=utf-8", "<h1>内网页面</h1>"),
        )])
    })
    .await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = Config::parse("[settings]\ndata_dir = \"data\"\n", &dir.path().join("b.toml")).expect("config");
    let pipeline = Pipeline::new(config).expect("pipeline");
    let mut store = pipeline.open_store().expect("store");
    let issue = pipeline.issue_for(&mut store, None, chrono::Utc::now()).expect("issue");
    let store = Arc::new(std::sync::Mutex::new(store));
    let err = pipeline
        .add_by_url(&store, &issue, &site.url("/x.html"), "小王", chrono::Utc::now())
        .await
        .expect_err("a loopback URL is refused");
    let why = format!("{err:#}");
    assert!(
        why.contains("manual_allow_private") && !why.contains("on the source"),
        "the refusal names the setting for an editor's URL: {why}"
    );
    assert_eq!(site.hits("/x.html"), 0, "nothing was asked of the address");
}

async fn the_side_panel_and_the_discarded_list(engine: Engine) {
    let ui = start(engine).await;
    let (cookie, page, token) = ui.editor().await;
    let ipo = item_id(&page, "科创板IPO获受理");
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"//"),
        "nothing fetched from elsewhere"
    );

    // The stored text of an item, for signed-in editors only.
    let item = |id: &str, cookie: Option<&str>| {
        let mut req = ui.http.get(ui.url(&format!("/issue/item?id={id}")));
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.send()
    };
    let r = item(&ipo, None).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !r.text().await.unwrap().contains("<article>"),
        "no text without a session"
    );
    let r = item(&ipo, Some(&cookie)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'self'") && !csp.contains("script-src"),
        "{csp}"
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains("<article>") && text.contains("科创板") && text.contains(&format!("#{ipo}")),
        "{text}"
    );
    assert!(!text.contains("<script"), "{text}");
    assert_eq!(
        item("99999999", Some(&cookie)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        item("x", Some(&cookie)).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    // 已剔除: the off-topic stories of the window with why, each with an include button.
    let list = &page[page.find("id=\"discarded\"").expect("the 已剔除 list")..];
    let list = &list[..list.find("</section>").unwrap()];
    assert!(list.contains("已剔除（") && list.contains("与主题无关："), "{list}");
    let off = list
        .split("<li id=\"discard-")
        .skip(1)
        .find(|li| li.contains("class=\"discard off-topic\""))
        .expect("an off-topic story");
    let off_id = off.split('"').next().unwrap().to_string();
    assert!(off.contains("button class=\"include\""), "{off}");

    // An editor's exclusion shows there with who did it; include takes a story back.
    let post = |form: Vec<(&'static str, String)>| {
        ui.http
            .post(ui.url("/issue/edit"))
            .header(header::COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let r = post(vec![
        ("action", "exclude".into()),
        ("item", ipo.clone()),
        ("csrf", token.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = ui.page(&cookie).await;
    let li = &page[page
        .find(&format!("<li id=\"discard-{ipo}\""))
        .expect("excluded, listed")..];
    let li = &li[..li.find("</li>").unwrap()];
    assert!(li.contains("编辑剔除") && li.contains("编辑 editor 于"), "{li}");
    assert!(!page.contains(&format!("id=\"item-{ipo}\"")), "out of the issue");
    for id in [&ipo, &off_id] {
        let r = post(vec![
            ("action", "include".into()),
            ("item", id.clone()),
            ("csrf", token.clone()),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let page = ui.page(&cookie).await;
    for id in [&ipo, &off_id] {
        assert!(page.contains(&format!("id=\"item-{id}\"")), "#{id} back in the issue");
        assert!(
            !page.contains(&format!("<li id=\"discard-{id}\"")),
            "#{id} no longer 已剔除"
        );
    }
}

/// The archive search on the desk: the word marked in its passage, and an item of the
/// issue's window that is not in it brought in with "加入本期".
async fn the_desk_searches_everything_and_adds_from_the_results(engine: Engine) {
    let ui = start(engine).await;
    let (cookie, page, token) = ui.editor().await;
    assert!(page.contains("action=\"/search\""), "a search box on the page");
    let ipo = item_id(&page, "科创板IPO获受理");
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "exclude"), ("item", &ipo), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let search = |q: &str| {
        let url = ui.url(&format!(
            "/search?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        ));
        let http = ui.http.clone();
        let cookie = cookie.clone();
        async move {
            let r = http.get(url).header(header::COOKIE, cookie).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.text().await.unwrap()
        }
    };
    let found = search("募资").await;
    let card = &found[found
        .find(&format!("id=\"found-{ipo}\""))
        .expect("the excluded item is found")..];
    let card = &card[..card.find("</li>").unwrap_or(card.len())];
    assert!(card.contains("<mark>募资</mark>") || card.contains("募资"), "{card}");
    assert!(card.contains("加入本期"), "it may be added back: {card}");
    let r = ui
        .post(
            Some(&cookie),
            &[("action", "include"), ("item", &ipo), ("csrf", &token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let found = search("募资").await;
    let card = &found[found.find(&format!("id=\"found-{ipo}\"")).expect("found again")..];
    assert!(card[..card.find("</li>").unwrap_or(card.len())].contains("已在本期"));
    // A query with nothing to look for says so on the page.
    assert!(search("-招聘").await.contains("没有要找的词"));
    // Not signed in: to the sign-in page.
    let r = ui.http.get(ui.url("/search?q=软件")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// A move teaches the classifier; the page then lists the other items it re-sorted, each
/// with a way back.
async fn a_move_lists_what_it_re_sorted_with_undo(engine: Engine) {
    // Whether a move re-sorts anything depends on the shipped model's margins: the demo's
    // items are mostly far from their runners-up, and when the seeds, the rules or the
    // lean's weights change, one move stops re-sorting and another starts (the bureau's
    // plan to city news stopped when a twenty-fifth corpus became a seed; 北辰's funding
    // to company news and the bureau's visit to policy had stopped before). So the test
    // tries a few moves an editor could make, each on a fresh desk, and takes the first
    // that re-sorts another item; that none does fails it. The bureau's visit filed under
    // policy, as an editor who counts a bureau's work as policy would, first.
    let moves = [
        ("副局长王喆带队调研工业软件企业", "policy"),
        ("苏州市软件产业提质增效三年行动计划", "city-news"),
        ("2026年1—10月全市软件和信息服务业运行情况", "policy"),
    ];
    let mut tried = Vec::new();
    let mut moved = None;
    for (i, (headline, to)) in moves.into_iter().enumerate() {
        let desk = if i == 0 {
            engine.clone()
        } else {
            engine.another("a_move_lists_what_it_re_sorted_with_undo::postgres")
        };
        let ui = start(desk).await;
        let (cookie, page, token) = ui.editor().await;
        let id = item_id(&page, headline);
        let r = ui
            .post(
                Some(&cookie),
                &[("action", "move"), ("item", &id), ("section", to), ("csrf", &token)],
                HeaderMap::new(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let back = r.headers()[header::LOCATION].to_str().unwrap().to_string();
        if back.contains("resorted=") {
            moved = Some((ui, cookie, token, back));
            break;
        }
        tried.push(format!("{headline} → {to}: {back}"));
    }
    let Some((ui, cookie, token, back)) = moved else {
        panic!("no move re-sorted another item: {tried:#?}");
    };
    let shown = ui.text(&cookie, &back).await;
    let note = &shown[shown.find("id=\"resorted\"").expect("the note")..];
    let note = &note[..note.find("</section>").unwrap_or(note.len())];
    assert!(note.contains("随之把另外") && note.contains("撤销（放回"), "{note}");
    // One item (as each of these moves lists, when it re-sorts): an off-topic item, such as
    // the bureau's staffing notice, whose hidden section changes with the others is no
    // move an editor needs to hear of, and is not listed.
    let listed = back
        .split("resorted=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .unwrap_or("");
    assert_eq!(listed.split("%2C").count(), 1, "{back}");
    // Its undo files the item back where it was.
    let item = note
        .split("name=\"item\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an item in the note")
        .to_string();
    let section = note
        .split("name=\"section\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("its former section")
        .to_string();
    let r = ui
        .post(
            Some(&cookie),
            &[
                ("action", "move"),
                ("item", &item),
                ("section", &section),
                ("csrf", &token),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = ui.page(&cookie).await;
    let part = &page[page.find(&format!("id=\"section-{section}\"")).expect("its section")..];
    let part = &part[..part.find("</section>").unwrap_or(part.len())];
    assert!(part.contains(&format!("data-id=\"{item}\"")), "back in {section}");
}
