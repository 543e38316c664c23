//! `banyue sources import FILE.opml`: a feed reader's subscription list turned into
//! `[[source]]` blocks. Each feed's folder becomes its section hint when the folder is
//! named like a section (its id or its Chinese name); feeds already configured (by
//! address) and repeated ones are skipped and said. The OPML is read without expanding
//! any entity beyond XML's five.

use std::collections::HashSet;
use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};

use crate::classify::taxonomy::Taxonomy;
use crate::probe::{id_from_host, quoted};

/// One subscription of the OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub title: String,
    pub xml_url: String,
    /// The folders it sits in, outermost first.
    pub folders: Vec<String>,
}

/// What an import adds and what it leaves out.
#[derive(Debug, Default)]
pub struct Imported {
    /// `[[source]]` blocks, ready to append to a config or catalogue file.
    pub blocks: String,
    pub added: usize,
    /// (title, address, why) of each subscription left out.
    pub skipped: Vec<(String, String, String)>,
}

/// Cap on subscriptions read from one file: a reader's list holds hundreds, not millions.
const MAX_OUTLINES: usize = 10_000;

fn attr(e: &BytesStart, want: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| {
            let key: &str = a.key.as_ref();
            key.eq_ignore_ascii_case(want)
        })
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_string())
        })
        .filter(|v| !v.is_empty())
}

fn is_outline(name: &str) -> bool {
    name.eq_ignore_ascii_case("outline")
}

/// Every feed of an OPML document with its folders.
pub fn subscriptions(text: &str) -> anyhow::Result<Vec<Subscription>> {
    if text.contains("<!ENTITY") {
        anyhow::bail!("the OPML declares entities; banyue does not expand them (remove the DOCTYPE)");
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut out = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| anyhow::anyhow!("OPML is not well-formed XML at byte {}: {e}", reader.buffer_position()))?;
        let (e, opens) = match &ev {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) => {
                if is_outline(e.local_name().as_ref()) {
                    folders.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if !is_outline(e.local_name().as_ref()) {
            continue;
        }
        let title = attr(e, "title").or_else(|| attr(e, "text")).unwrap_or_default();
        if let Some(url) = attr(e, "xmlUrl") {
            if out.len() >= MAX_OUTLINES {
                anyhow::bail!("the OPML lists more than {MAX_OUTLINES} feeds");
            }
            out.push(Subscription {
                title: title.clone(),
                xml_url: url,
                folders: folders.iter().flatten().cloned().collect(),
            });
        }
        // Only an open outline has children; `<outline/>` closes itself.
        if opens {
            folders.push((!title.is_empty()).then_some(title));
        }
    }
    Ok(out)
}

/// The section a folder names: its id, its name, or its name without the part
/// (`行业动态/企业动态`), compared without case and spaces.
fn section_of(folders: &[String], taxonomy: &Taxonomy) -> Option<String> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    folders.iter().rev().find_map(|f| {
        let f = norm(f);
        taxonomy
            .sections
            .iter()
            .find(|s| norm(s.id()) == f || norm(&s.name) == f || f.ends_with(&norm(&s.name)))
            .map(|s| s.id().to_string())
    })
}

/// An address as compared for "already configured": no scheme, no `www.`, no trailing `/`.
fn address_key(url: &str) -> String {
    let u = url.trim().to_lowercase();
    let u = u.trim_start_matches("https://").trim_start_matches("http://");
    let u = u.trim_start_matches("www.");
    u.trim_end_matches('/').to_string()
}

/// Blocks for the subscriptions not yet configured. `known_urls` and `known_ids` are
/// the config's sources.
pub fn import(subs: &[Subscription], known_urls: &[String], known_ids: &[String], taxonomy: &Taxonomy) -> Imported {
    let mut seen: HashSet<String> = known_urls.iter().map(|u| address_key(u)).collect();
    let mut ids: HashSet<String> = known_ids.iter().cloned().collect();
    let mut out = Imported::default();
    for s in subs {
        let url = match url::Url::parse(&s.xml_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            _ => {
                out.skipped
                    .push((s.title.clone(), s.xml_url.clone(), "not an http(s) address".into()));
                continue;
            }
        };
        if !seen.insert(address_key(url.as_str())) {
            out.skipped
                .push((s.title.clone(), s.xml_url.clone(), "already configured".into()));
            continue;
        }
        let base = id_from_host(&url);
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let name = if s.title.is_empty() {
            url.host_str().unwrap_or("feed").to_string()
        } else {
            s.title.clone()
        };
        let _ = writeln!(out.blocks, "\n[[source]]");
        if !s.folders.is_empty() {
            let _ = writeln!(out.blocks, "# from the OPML folder {}", s.folders.join(" / "));
        }
        let _ = writeln!(out.blocks, "id = {}", quoted(&id));
        let _ = writeln!(out.blocks, "name = {}", quoted(&name));
        let _ = writeln!(out.blocks, "url = {}", quoted(url.as_str()));
        let _ = writeln!(out.blocks, "kind = \"feed\"");
        if let Some(section) = section_of(&s.folders, taxonomy) {
            let _ = writeln!(out.blocks, "section = {}", quoted(&section));
        }
        out.added += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>订阅</title></head><body>
  <outline text="技术创新" title="技术创新">
    <outline type="rss" text="IT之家" title="IT之家" xmlUrl="https://www.ithome.com/rss/" htmlUrl="https://www.ithome.com/"/>
    <outline type="rss" text="InfoQ" xmlUrl="https://www.infoq.cn/feed"/>
  </outline>
  <outline text="Tech &amp; more">
    <outline type="rss" text="TechWeb" xmlUrl="http://www.techweb.com.cn/rss/allnews.xml"/>
    <outline type="rss" text="again" xmlUrl="https://ithome.com/rss"/>
  </outline>
  <outline type="rss" text="政策发布" xmlUrl="ftp://x.test/feed"/>
  <outline type="rss" text="Lone" xmlUrl="https://lone.example.org/feed.xml"/>
</body></opml>"#;

    #[test]
    fn folders_become_section_hints_and_known_feeds_are_skipped() -> anyhow::Result<()> {
        let subs = subscriptions(OPML)?;
        assert_eq!(subs.len(), 6);
        assert_eq!(subs[2].folders, vec!["Tech & more".to_string()]);
        assert!(subs[5].folders.is_empty());
        let tax = Taxonomy::builtin();
        let got = import(
            &subs,
            &["http://www.techweb.com.cn/rss/allnews.xml".to_string()],
            &["ithome".to_string()],
            &tax,
        );
        assert_eq!(got.added, 3, "{}", got.blocks);
        let why: Vec<&str> = got.skipped.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(
            why,
            vec!["already configured", "already configured", "not an http(s) address"]
        );
        assert!(got.blocks.contains("id = \"ithome-2\""), "{}", got.blocks);
        assert!(got.blocks.contains("section = \"tech-innovation\""), "{}", got.blocks);
        let cfg = crate::config::Config::parse(&got.blocks, std::path::Path::new("imported.toml"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(cfg.sources.len(), 3);
        Ok(())
    }

    #[test]
    fn entities_are_refused_not_expanded() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE opml [<!ENTITY a \"aaaa\">]><opml><body><outline text=\"&a;\" xmlUrl=\"https://x.test/\"/></body></opml>";
        let err = subscriptions(bomb).expect_err("refused");
        assert!(err.to_string().contains("entities"), "{err}");
    }
}
