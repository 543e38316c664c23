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
