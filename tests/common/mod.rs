//! Shared helpers of the integration tests: fixture files and a loopback site.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use banyue::demo::server::{self, Resource, SiteHandle};
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
