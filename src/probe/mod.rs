//! `banyue probe URL`: fetch one page, say what it is and print a `[[source]]` block that
//! reads it, with the rows that block reads (by banyue's own readers, so what is printed
//! is what a run gets) and, for one row, its detail page. `detect` holds the pure
//! guessing; this module fetches and writes.

pub mod detect;

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{Config, DetailSpec, Pick, Source};
use crate::extract::{self, feed, html, json};
use crate::fetch::{Fetcher, Page};
use crate::model::RawItem;
use detect::{JsonGuess, ListGuess, Pager};

/// What the page turned out to be.
#[derive(Debug, Clone)]
pub enum Shape {
    Feed,
    /// An HTML page that announces its feed; the block reads the feed.
    LinkedFeed {
        page: Url,
    },
    List {
        list: ListGuess,
        pager: Option<Pager>,
    },
    Json(JsonGuess),
    /// A JSON answer carrying list markup in one field (jpaas/Hanweb `data.html`).
    JsonHtml {
        field: String,
        list: ListGuess,
    },
}

/// One detail page as the block's `[source.detail]` reads it.
#[derive(Debug, Clone)]
pub struct DetailFound {
    pub url: Url,
    pub body: Option<String>,
    pub text_start: String,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
}

/// Everything `probe` learned.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The document the block reads (the feed, for a page that links one).
    pub url: Url,
    pub encoding: &'static str,
    pub shape: Shape,
    pub name: String,
    /// The printable `[[source]]` block; it parses as banyue config.
    pub block: String,
    pub rows: Vec<RawItem>,
    pub detail: Option<DetailFound>,
    pub notes: Vec<String>,
}

/// Probe `url`. `allow_private` lets it (and the printed block) read loopback and
/// private addresses.
pub async fn probe(fetcher: &Fetcher, url: &Url, allow_private: bool, now: DateTime<Utc>) -> anyhow::Result<Probe> {
    let tz = chrono_tz::Asia::Shanghai;
    let page = fetch(fetcher, url, allow_private).await?;
    let mut notes = Vec::new();
    let (page, shape) = shape_of(fetcher, page, allow_private, now, &mut notes).await?;
    let name = name_of(&page);
    if let Some(p) = detect::platform(&page.text, &page.url) {
        notes.push(format!("the page shows signs of the {p} platform"));
    }
    let mut block = block_for(&page.url, &name, &shape, allow_private);
    let source = parse_block(&block)?;
    let (rows, more) = extract::read(&page.text, &page.url, &source.kind, now, tz)
        .map_err(|e| anyhow::anyhow!("the guessed block reads nothing from {}: {e}", page.url))?;
    notes.extend(more);
    let mut detail = None;
    if !matches!(shape, Shape::Feed | Shape::LinkedFeed { .. })
        && let Some(link) = rows
            .first()
            .and_then(|r| r.link.as_deref())
            .and_then(|l| Url::parse(l).ok())
    {
        match fetch(fetcher, &link, allow_private).await {
            Ok(d) => {
                let found = read_detail(&d, now);
                if let Some(b) = &found.body {
                    block.push_str(&format!(
                        "\n  [source.detail]\n  body = [{}]\n  metadata = true     # 发文机关 / 发文字号 / 成文日期 tables\n",
                        quoted(b)
                    ));
                }
                detail = Some(found);
            }
            Err(e) => notes.push(format!("the first row's page: {e}")),
        }
    }
    parse_block(&block)?;
    Ok(Probe {
        url: page.url.clone(),
        encoding: page.encoding,
        shape,
        name,
        block,
        rows,
        detail,
        notes,
    })
}

async fn fetch(fetcher: &Fetcher, url: &Url, allow_private: bool) -> anyhow::Result<Page> {
    fetcher.get(url, allow_private).await.map_err(|e| match e {
        crate::fetch::FetchError::Refused(why) if !allow_private => {
            anyhow::anyhow!("{url}: refused: {why} (pass --allow-private for an intranet or loopback address)")
        }
        e => anyhow::anyhow!("{url}: {e}"),
    })
}

async fn shape_of(
    fetcher: &Fetcher,
    page: Page,
    allow_private: bool,
    now: DateTime<Utc>,
    notes: &mut Vec<String>,
) -> anyhow::Result<(Page, Shape)> {
    let tz = chrono_tz::Asia::Shanghai;
    if feed::looks_like_feed(&page.text) {
        return Ok((page, Shape::Feed));
    }
    let trimmed = page.text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let doc = json::parse_document(&page.text).map_err(|e| anyhow::anyhow!("{}: {e}", page.url))?;
        if let Some(field) = detect::html_in_json(&doc)
            && let Some(fragment) = json::text_at(&doc, &field)
            && let Some(list) = detect::guess_list(&fragment, now, tz)
        {
            return Ok((page, Shape::JsonHtml { field, list }));
        }
        let guess = detect::guess_json(&doc, now, tz)
            .ok_or_else(|| anyhow::anyhow!("{}: JSON, but no array of items with a title and a link", page.url))?;
        return Ok((page, Shape::Json(guess)));
    }
    for link in detect::linked_feeds(&page.text, &page.url) {
        match fetch(fetcher, &link, allow_private).await {
            Ok(f) if feed::parse(&f.text, &f.url, now, tz).is_ok_and(|e| !e.is_empty()) => {
                notes.push(format!("{} announces this feed; the block reads the feed", page.url));
                let from = page.url.clone();
                return Ok((f, Shape::LinkedFeed { page: from }));
            }
            Ok(_) => notes.push(format!("the announced feed {link} holds no entries")),
            Err(e) => notes.push(format!("the announced feed {e}")),
        }
    }
    let list = detect::guess_list(&page.text, now, tz).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: no list found (no repeated rows with a titled link); the page may be built by JavaScript — look for the JSON it loads, or use an RSSHub route",
            page.url
        )
    })?;
    let pager = detect::guess_pager(&page.text, &page.url);
    Ok((page, Shape::List { list, pager }))
}

fn read_detail(page: &Page, now: DateTime<Utc>) -> DetailFound {
    let body = detect::guess_body(&page.text);
    let spec = DetailSpec {
        body: body.iter().filter_map(|b| Pick::parse(b).ok()).collect(),
        metadata: true,
        date: None,
    };
    detail_found(page, &spec, body, now, chrono_tz::Asia::Shanghai)
}

/// A detail page as `spec` reads it: where its body was, how it starts, its metadata.
fn detail_found(
    page: &Page,
    spec: &DetailSpec,
    body: Option<String>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> DetailFound {
    let d = html::parse_detail(&page.text, &page.url, spec, now, tz);
    let text = d
        .content_html
        .as_deref()
        .map(crate::extract::html::html_to_text)
        .unwrap_or_default();
    DetailFound {
        url: page.url.clone(),
        body,
        text_start: text.chars().take(120).collect(),
        issuer: d.policy.issuer,
        doc_number: d.policy.doc_number,
    }
}

/// A page's name for attributions: its title without the site's suffix.
fn name_of(page: &Page) -> String {
    html::page_title(&page.text)
        .map(|t| t.chars().take(40).collect::<String>())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| page.url.host_str().unwrap_or("source").to_string())
}

/// An id for a page: the host's telling part and the column's path, as the catalogue
/// names them (`https://jxj.beijing.gov.cn/jxdt/tzgg/` → `jxj-beijing-jxdt-tzgg`), so
/// blocks for several columns of one site can sit in one config.
fn id_for_page(url: &Url) -> String {
    let host = id_from_host(url);
    let path: Vec<String> = url
        .path_segments()
        .into_iter()
        .flatten()
        .map(|seg| seg.split('.').next().unwrap_or("").to_ascii_lowercase())
        .filter(|seg| !seg.is_empty() && seg != "index" && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .take(3)
        .map(|seg| seg.replace('_', "-"))
        .collect();
    let mut parts: Vec<String> = Vec::new();
    if host != "source" || path.is_empty() {
        parts.push(host);
    }
    parts.extend(path);
    let id = parts.join("-");
    id.chars()
        .take(48)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// An id from the host: `jxj.beijing.gov.cn` → `jxj-beijing`.
pub fn id_from_host(url: &Url) -> String {
    const GENERIC: [&str; 9] = ["www", "gov", "cn", "com", "org", "net", "edu", "ac", "rss"];
    let host = url.host_str().unwrap_or("source");
    let parts: Vec<&str> = host
        .split('.')
        .filter(|p| !GENERIC.contains(p) && p.parse::<u8>().is_err())
        .collect();
    let id = if parts.is_empty() {
        "source".to_string()
    } else {
        parts.join("-")
    };
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A TOML basic string.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list_lines(out: &mut String, l: &ListGuess) {
    let _ = writeln!(out, "  item = {}", quoted(&l.item));
    let _ = writeln!(out, "  title = {}", quoted(&l.title));
    if let Some(link) = &l.link {
        let _ = writeln!(out, "  link = {}", quoted(link));
    }
    if let Some(d) = &l.date {
        let _ = writeln!(out, "  date = {}", quoted(d));
    }
}

/// The `[[source]]` block for what was found.
pub fn block_for(url: &Url, name: &str, shape: &Shape, allow_private: bool) -> String {
    let mut out = String::new();
    let what = match shape {
        Shape::Feed => "a feed".to_string(),
        Shape::LinkedFeed { page } => format!("the feed {page} announces"),
        Shape::List { list, .. } => format!(
            "an HTML list, {} rows, {} dated{}",
            list.rows,
            list.dated,
            if list.datastore {
                ", from the page's Hanweb <datastore> records"
            } else {
                ""
            }
        ),
        Shape::Json(j) => format!("a JSON list, {} rows", j.rows),
        Shape::JsonHtml { list, .. } => format!("JSON carrying an HTML list, {} rows", list.rows),
    };
    let _ = writeln!(out, "# found by `banyue probe`: {what}");
    let _ = writeln!(out, "[[source]]");
    let _ = writeln!(out, "id = {}", quoted(&id_for_page(url)));
    let _ = writeln!(out, "name = {}", quoted(name));
    let _ = writeln!(out, "url = {}", quoted(url.as_str()));
    let kind = match shape {
        Shape::Feed | Shape::LinkedFeed { .. } => "feed",
        Shape::List { .. } => "html",
        Shape::Json(_) | Shape::JsonHtml { .. } => "json",
    };
    let _ = writeln!(out, "kind = \"{kind}\"");
    if allow_private {
        let _ = writeln!(out, "allow_private = true   # probed with --allow-private");
    }
    let _ = writeln!(out, "# section = \"policy\"   # a hint, if the column is one section");
    let _ = writeln!(out, "# city = \"南京\"        # if it is a city's portal");
    match shape {
        Shape::Feed | Shape::LinkedFeed { .. } => {}
        Shape::List { list, pager } => {
            let _ = writeln!(out, "\n  [source.list]");
            list_lines(&mut out, list);
            match pager {
                Some(Pager::Next(n)) => {
                    let _ = writeln!(out, "  next = {}", quoted(n));
                    let _ = writeln!(out, "  max_pages = 3");
                }
                Some(Pager::Pattern(p, start)) => {
                    let _ = writeln!(out, "  page_pattern = {}", quoted(p));
                    if *start != 1 {
                        let _ = writeln!(out, "  page_start = {start}     # the second page's n");
                    }
                    let _ = writeln!(out, "  max_pages = 3");
                }
                None => {}
            }
        }
        Shape::Json(j) => {
            let _ = writeln!(out, "\n  [source.json]");
            let _ = writeln!(out, "  items = {}", quoted(&j.items));
            let _ = writeln!(out, "  title = {}", quoted(&j.title));
            let _ = writeln!(out, "  link = {}", quoted(&j.link));
            for (k, v) in [
                ("date", &j.date),
                ("summary", &j.summary),
                ("issuer", &j.issuer),
                ("doc_number", &j.doc_number),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(out, "  {k} = {}", quoted(v));
                }
            }
        }
        Shape::JsonHtml { field, list } => {
            let _ = writeln!(out, "\n  [source.json]");
            let _ = writeln!(out, "  html = {}", quoted(field));
            let _ = writeln!(out, "\n  [source.list]");
            list_lines(&mut out, list);
        }
    }
    out
}

/// The block as banyue's config reads it: what is printed is valid config.
pub fn parse_block(block: &str) -> anyhow::Result<Source> {
    let cfg = Config::parse(block, Path::new("probe"))
        .map_err(|e| anyhow::anyhow!("the guessed block is not valid config (a bug in probe):\n{e}\n{block}"))?;
    cfg.sources
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the guessed block holds no source"))
}

/// What `banyue probe` prints: the finding, the block, the rows, the detail page.
pub fn render(p: &Probe, tz: chrono_tz::Tz) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({}, {} rows)", p.url, p.encoding, p.rows.len());
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    let _ = writeln!(out, "\n{}", p.block);
    let _ = writeln!(out, "# the first rows this block reads:");
    for (i, r) in p.rows.iter().take(10).enumerate() {
        let date = r
            .published
            .map(|d| d.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "(no date)".into());
        let _ = writeln!(
            out,
            "# {:>2}. {date}  {}\n#     {}",
            i + 1,
            r.title,
            r.link.as_deref().unwrap_or("-")
        );
    }
    if let Some(d) = &p.detail {
        let _ = writeln!(out, "#\n# detail page {}:", d.url);
        let _ = writeln!(out, "#   body: {}", d.body.as_deref().unwrap_or("(no container found)"));
        let _ = writeln!(out, "#   发文机关: {}", d.issuer.as_deref().unwrap_or("-"));
        let _ = writeln!(out, "#   发文字号: {}", d.doc_number.as_deref().unwrap_or("-"));
        let _ = writeln!(out, "#   text: {}", d.text_start);
    }
    out
}

/// `banyue probe --source ID`: what a configured source reads now, row by row.
pub async fn probe_source(
    fetcher: &Fetcher,
    source: &Source,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> anyhow::Result<String> {
    let page = fetch(fetcher, &source.url, source.allow_private).await?;
    let (rows, notes) = extract::read(&page.text, &page.url, &source.kind, now, tz)
        .map_err(|e| anyhow::anyhow!("source `{}` reads nothing from {}: {e}", source.id, page.url))?;
    let mut p = Probe {
        url: page.url.clone(),
        encoding: page.encoding,
        shape: Shape::Feed,
        name: source.name.clone(),
        block: format!("# source `{}` as configured", source.id),
        rows,
        detail: None,
        notes,
    };
    if let (Some(spec), Some(link)) = (
        &source.detail,
        p.rows
            .first()
            .and_then(|r| r.link.as_deref())
            .and_then(|l| Url::parse(l).ok()),
    ) {
        let d = fetch(fetcher, &link, source.allow_private).await?;
        p.detail = Some(detail_found(
            &d,
            spec,
            spec.body.first().map(|b| b.css.clone()),
            now,
            tz,
        ));
    }
    Ok(render(&p, tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_host() -> Result<(), url::ParseError> {
        assert_eq!(
            id_from_host(&Url::parse("https://jxj.beijing.gov.cn/jxdt/tzgg/")?),
            "jxj-beijing"
        );
        assert_eq!(id_from_host(&Url::parse("http://127.0.0.1:8080/x")?), "source");
        assert_eq!(id_from_host(&Url::parse("https://www.ithome.com/rss/")?), "ithome");
        assert_eq!(
            id_for_page(&Url::parse("https://jxj.beijing.gov.cn/jxdt/tzgg/index.html")?),
            "jxj-beijing-jxdt-tzgg"
        );
        assert_eq!(
            id_for_page(&Url::parse("http://127.0.0.1:5555/kjdt/tzgg/index_1.html")?),
            "kjdt-tzgg-index-1"
        );
        assert_eq!(id_for_page(&Url::parse("http://127.0.0.1:5555/")?), "source");
        Ok(())
    }
}
