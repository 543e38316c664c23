//! What the published files were last built from. A run that changed nothing — not the
//! store, the config, the templates, the day nor the binary — builds nothing again: a warm
//! run of 2000 feeds whose every answer was 304 spent most of its time rendering the same
//! bytes. On a shared store the check runs under the publishing lock, so of several
//! collectors that share a feeds directory only the first writes each change.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FeedFile;
use crate::fsio::write_atomic;

/// The stamp's file, beside the feeds (hidden: the desk does not serve dot files).
const FILE: &str = ".banyue-outputs.json";

/// The outputs of one build and what they were built from.
#[derive(Debug, Serialize, Deserialize)]
pub struct Stamp {
    /// Everything the outputs depend on, in one line (see [`key`]).
    pub key: String,
    pub feeds: Vec<FeedFile>,
    /// The draft's files and how many items it held.
    pub draft_files: Vec<PathBuf>,
    pub draft_items: usize,
}

impl Stamp {
    /// The stamp in `feeds_dir` when it was written for `key` and every file it names is
    /// still there; `None` otherwise (no stamp, another key, a file removed, a damaged stamp).
    pub fn current(feeds_dir: &Path, key: &str) -> Option<Stamp> {
        let text = std::fs::read(feeds_dir.join(FILE)).ok()?;
        let stamp: Stamp = serde_json::from_slice(&text).ok()?;
        let all_there = stamp.key == key
            && stamp.feeds.iter().all(|f| feeds_dir.join(&f.file).is_file())
            && stamp.draft_files.iter().all(|f| f.is_file());
        all_there.then_some(stamp)
    }

    /// Write it (atomically: a crash leaves the old stamp, and the next run builds again).
    pub fn write(&self, feeds_dir: &Path) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_atomic(&feeds_dir.join(FILE), &bytes)?;
        Ok(())
    }
}

/// What the outputs of a build depend on: the store's counts of changes, what the build
/// was asked for (the issue and the day), a digest of the configuration, and the binary.
pub fn key(version: (i64, i64), asked: &str, config_digest: u64, templates: Option<&Path>) -> String {
    format!(
        "items {} changes {} {asked} config {config_digest:016x} templates {:016x} build {}",
        version.0,
        version.1,
        templates.map_or(0, files_digest),
        build_id()
    )
}

/// Names, sizes and times of the files under `dir` (custom templates: an edit to one
/// renders the draft again).
fn files_digest(dir: &Path) -> u64 {
    let mut seen: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(format!(
                "{}:{}:{}",
                e.file_name().to_string_lossy(),
                m.len(),
                t.as_nanos()
            ))
        })
        .collect();
    seen.sort();
    crate::dedup::stable_hash(&seen.join("\n"))
}

/// This build of banyue: its version and its executable's size and time, so that a new
/// build (another way of rendering) builds the outputs again.
fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok());
        let (len, t) = exe.map_or((0, 0), |m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            (m.len(), t)
        });
        format!("{}:{len}:{t}", env!("CARGO_PKG_VERSION"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_current_only_for_its_key_and_while_its_files_are_there() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("policy.xml"), "<feed/>")?;
        let draft = dir.path().join("2026-23.md");
        std::fs::write(&draft, "# 半月报")?;
        let feed = FeedFile {
            file: "policy.xml".into(),
            title: "政策发布".into(),
            key: "section/policy".into(),
            items: 3,
            group: super::super::Group::Section,
        };
        let k = key((7, 2), "issue 2026-23 day 2026-12-02", 1, None);
        Stamp {
            key: k.clone(),
            feeds: vec![feed],
            draft_files: vec![draft.clone()],
            draft_items: 3,
        }
        .write(dir.path())?;
        assert!(Stamp::current(dir.path(), &k).is_some());
        assert!(Stamp::current(dir.path(), &key((8, 2), "issue 2026-23 day 2026-12-02", 1, None)).is_none());
        assert!(Stamp::current(dir.path(), &key((7, 2), "issue 2026-23 day 2026-12-03", 1, None)).is_none());
        std::fs::remove_file(&draft)?;
        assert!(
            Stamp::current(dir.path(), &k).is_none(),
            "a removed draft is built again"
        );
        std::fs::write(dir.path().join(FILE), "{not json")?;
        assert!(Stamp::current(dir.path(), &k).is_none());
        Ok(())
    }
}
