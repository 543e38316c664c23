//! Shared helpers of the integration tests: fixture files and a loopback site.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use banyue::demo::server::{self, Resource, SiteHandle};

pub mod pg;
use chrono::{DateTime, Utc};

pub fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

pub fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Fill `{{base}}` (and other tokens) of a fixture with the server's origin.
pub fn fill(text: &str, origin: &str) -> String {
    text.replace("{{base}}", origin)
}

/// The fixed clock of the fixtures: the fetch time recorded in roll_relative.html.
pub fn fixture_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2020-09-04T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Serve routes on 127.0.0.1; `build` gets the origin for absolute links.
pub async fn site(build: impl FnOnce(&str) -> HashMap<String, Resource>) -> SiteHandle {
    server::serve_with(build).await.expect("start the fixture server")
}

/// A raw TCP server on 127.0.0.1 for faults HTTP servers do not make on purpose
/// (connection resets, slow drips). `handle` gets each accepted connection.
pub fn raw_server(handle: fn(std::net::TcpStream)) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    std::thread::spawn(move || {
        // Bounded: a test makes a handful of connections.
        for stream in listener.incoming().take(64).flatten() {
            std::thread::spawn(move || handle(stream));
        }
    });
    addr
}

/// Read a request's head, so the client sees its request taken.
pub fn read_head(stream: &mut std::net::TcpStream) {
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
}

/// The `banyue` binary, with no configuration leaking in from the environment.
pub fn banyue_command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_banyue"));
    for v in [
        "BANYUE_CONFIG",
        "BANYUE_DATA_DIR",
        "BANYUE_FEEDS_DIR",
        "BANYUE_DRAFTS_DIR",
        "BANYUE_USERS",
        "BANYUE_STORE",
    ] {
        c.env_remove(v);
    }
    c
}

/// `banyue serve` on 127.0.0.1 for a test, and a client that neither follows redirects
/// nor decompresses (so the test sees what the server sent). Dropping `stop` ends it.
pub struct Served {
    pub base: String,
    pub http: reqwest::Client,
    pub stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn serve_pipeline(pipeline: std::sync::Arc<banyue::pipeline::Pipeline>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(banyue::serve::serve(pipeline, listener, async {
        let _ = stopped.await;
    }));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_proxy()
        .build()
        .expect("a client");
    Served { base, http, stop }
}

/// A site as a fixture directory describes it in its `expect.toml`: the main document at
/// `path`, more documents under `[pages]`, a `detail` page for every other path, links to
/// `host` turned into the loopback server's. Used by the catalogue and probe tests.
pub mod fixture_site {
    use std::collections::HashMap;
    use std::path::Path;

    use banyue::demo::server::{ANY_PATH, Resource};

    /// XML namespaces and schema ids: URIs in documents, never fetched.
    const NAMESPACE_HOSTS: [&str; 9] = [
        "www.w3.org",
        "purl.org",
        "web.resource.org",
        "backend.userland.com",
        "search.yahoo.com",
        "wellformedweb.org",
        "www.itunes.com",
        "jsonfeed.org",
        "xmlns.com",
    ];

    /// The content type a fixture file is served with, unless `expect.toml` says.
    pub fn content_type(file: &str) -> &'static str {
        match file.rsplit('.').next() {
            Some("json") => "application/json; charset=utf-8",
            Some("xml" | "rss" | "atom") => "application/xml",
            _ => "text/html",
        }
    }

    /// Every http(s) host a fixture names, other than `own` and namespace URIs: a test
    /// must never be sent beyond 127.0.0.1.
    pub fn foreign_hosts(body: &[u8], own: &str) -> Vec<String> {
        let text = String::from_utf8_lossy(body);
        let mut out = Vec::new();
        for (i, _) in text.match_indices("://") {
            let scheme_ok = text[..i].ends_with("http") || text[..i].ends_with("https");
            if !scheme_ok {
                continue;
            }
            let host: String = text[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
                .collect();
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if host.is_empty() || host == own || NAMESPACE_HOSTS.contains(&host.as_str()) {
                continue;
            }
            out.push(host);
        }
        out.sort();
        out.dedup();
        out
    }

    /// Links to `host` (any scheme, or scheme-relative) pointed at `origin`.
    pub fn to_origin(body: &[u8], host: &str, origin: &str) -> Vec<u8> {
        let mut out = body.to_vec();
        for from in [format!("https://{host}"), format!("http://{host}"), format!("//{host}")] {
            out = replace_bytes(&out, from.as_bytes(), origin.as_bytes());
        }
        out
    }

    fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(hay.len());
        let mut i = 0;
        while i < hay.len() {
            if hay[i..].starts_with(from) {
                out.extend_from_slice(to);
                i += from.len();
            } else {
                out.push(hay[i]);
                i += 1;
            }
        }
        out
    }

    /// One fixture file as a resource: read, its host's links pointed at `origin`.
    pub fn resource(
        dir: &Path,
        file: &str,
        host: &str,
        origin: &str,
        content_type_override: Option<&str>,
    ) -> Result<Resource, String> {
        let body = std::fs::read(dir.join(file)).map_err(|e| format!("{}/{file}: {e}", dir.display()))?;
        let foreign = foreign_hosts(&body, host);
        if !foreign.is_empty() {
            return Err(format!(
                "{}/{file} names other hosts {foreign:?}: tests must stay on 127.0.0.1",
                dir.display()
            ));
        }
        let ct = content_type_override.unwrap_or_else(|| content_type(file));
        Ok(Resource::ok(ct, to_origin(&body, host, origin)))
    }

    /// The routes of a fixture site: `main` at `path`, `pages`, and `detail` for the rest.
    pub fn routes(
        dir: &Path,
        host: &str,
        origin: &str,
        main: (&str, &str),
        pages: &HashMap<String, String>,
        detail: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<HashMap<String, Resource>, String> {
        let mut routes = HashMap::new();
        let (path, file) = main;
        routes.insert(path.to_string(), resource(dir, file, host, origin, content_type)?);
        for (p, f) in pages {
            routes.insert(p.clone(), resource(dir, f, host, origin, content_type)?);
        }
        if let Some(d) = detail {
            routes.insert(ANY_PATH.to_string(), resource(dir, d, host, origin, None)?);
        }
        Ok(routes)
    }
}
