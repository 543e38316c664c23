//! HTML list pages and detail pages, read with the source's CSS selectors.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use std::collections::HashSet;
use std::sync::LazyLock;
use url::Url;

use super::{ExtractError, dates, policy};
use crate::config::{DetailSpec, ListSpec, Pick};
use crate::model::{PolicyMeta, RawItem};

/// Deeper nesting than this is no page's layout but a trap: building the tree checks the
/// stack of open elements at every tag, so a page nested 100,000 `<div>`s deep took a
/// minute to parse. Tags below this depth are dropped (their text is kept).
pub const MAX_DEPTH: usize = 512;

/// Elements without content, and elements whose end tag is optional (a list of a
/// thousand `<li>` without `</li>` is not a thousand deep): neither counts for depth.
const FLAT: [&str; 25] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    "li", "p", "dt", "dd", "tr", "td", "th", "option", "html", "head", "body",
];
/// Elements whose text may hold `<` that is no tag.
const RAW: [&str; 5] = ["script", "style", "textarea", "title", "xmp"];

/// `text` with every tag nested deeper than [`MAX_DEPTH`] removed, in one pass; the
/// text itself untouched when nothing is that deep (the common case).
pub fn bounded(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    if b.iter().filter(|c| **c == b'<').count() <= MAX_DEPTH {
        return std::borrow::Cow::Borrowed(text);
    }
    let (mut depth, mut skipped) = (0usize, 0usize);
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut i = 0usize;
    let find = |from: usize, pat: &str| text.get(from..).and_then(|t| t.find(pat)).map(|p| p + from);
    while let Some(lt) = find(i, "<") {
        let rest = &text[lt..];
        if rest.starts_with("<!--") {
            i = find(lt + 4, "-->").map_or(text.len(), |e| e + 3);
            continue;
        }
        let Some(gt) = find(lt, ">") else { break };
        let closing = rest.starts_with("</");
        let name: String = text[lt + 1 + usize::from(closing)..gt]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect();
        i = gt + 1;
        if name.is_empty() || FLAT.contains(&name.as_str()) {
            continue;
        }
        if !closing && RAW.contains(&name.as_str()) {
            // Up to its end tag, `<` is text.
            let close = format!("</{name}");
            let mut j = i;
            i = loop {
                match find(j, "</") {
                    Some(p)
                        if b.len() >= p + close.len()
                            && b[p..p + close.len()].eq_ignore_ascii_case(close.as_bytes()) =>
                    {
                        break p;
                    }
                    Some(p) => j = p + 2,
                    None => break text.len(),
                }
            };
            continue;
        }
        let self_closing = text[..gt].ends_with('/');
        let drop = if closing {
            if skipped > 0 {
                skipped -= 1;
                true
            } else {
                depth = depth.saturating_sub(1);
                false
            }
        } else if self_closing {
            false
        } else if depth >= MAX_DEPTH {
            skipped += 1;
            true
        } else {
            depth += 1;
            false
        };
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..lt]);
            copied = gt + 1;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// A page's tree, its nesting bounded first ([`bounded`]).
fn parse_page(text: &str) -> Html {
    Html::parse_document(&bounded(text))
}

/// Collapse runs of whitespace (including U+3000 and NBSP) to one space.
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}' {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

fn element_text(el: ElementRef) -> String {
    squash(&el.text().collect::<Vec<_>>().join(" "))
}

/// The text (or attribute) a [`Pick`] selects under `scope`.
fn picked(scope: ElementRef, pick: &Pick) -> Option<String> {
    let el = if scope.value().name() != "html" && pick_matches_self(scope, &pick.selector) {
        scope
    } else {
        scope.select(&pick.selector).next()?
    };
    let v = match &pick.attr {
        Some(a) => el
            .value()
            .attr(a)
            .map(squash)
            .filter(|s| !s.is_empty())
            .or_else(|| Some(element_text(el))),
        None => Some(element_text(el)),
    }?;
    (!v.is_empty()).then_some(v)
}

fn pick_matches_self(el: ElementRef, sel: &Selector) -> bool {
    sel.matches(&el)
}

fn link_of(scope: ElementRef, pick: &Pick, base: &Url) -> Option<Url> {
    let el = if pick_matches_self(scope, &pick.selector) {
        scope
    } else {
        scope.select(&pick.selector).next()?
    };
    let href = el.value().attr(pick.attr.as_deref().unwrap_or("href"))?.trim();
    let lower = href.to_ascii_lowercase();
    if href.is_empty() || href.starts_with('#') || lower.starts_with("javascript:") || lower.starts_with("mailto:") {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Strip the ellipsis a list page puts on titles it cut.
fn clean_title(t: &str) -> String {
    t.trim()
        .trim_end_matches("...")
        .trim_end_matches('…')
        .trim()
        .to_string()
}

static RECORD: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"(?s)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>").expect("static regex"));

/// Hanweb portals keep their rows in `<script type="text/xml"><datastore>` as CDATA
/// records, which an HTML parser treats as script text. Lift them into the page.
pub fn unwrap_datastore(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("<datastore>") {
        return text.into();
    }
    let records: String = RECORD
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect::<Vec<_>>()
        .join("\n");
    if records.is_empty() {
        return text.into();
    }
    format!("{text}\n<div class=\"banyue-datastore\">{records}</div>").into()
}

/// The next list page, by the source's `next` selector.
pub fn next_page(text: &str, page_url: &Url, pick: &Pick) -> Option<Url> {
    let doc = parse_page(text);
    let base = base_href(&doc, page_url);
    let url = link_of(doc.root_element(), pick, &base)?;
    (url != *page_url).then_some(url)
}

/// Read the rows of a list page.
pub fn parse_list(
    text: &str,
    page_url: &Url,
    spec: &ListSpec,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Vec<RawItem>, ExtractError> {
    let text = unwrap_datastore(text);
    let doc = parse_page(&text);
    let base = base_href(&doc, page_url);
    let mut items = Vec::new();
    for row in doc.select(&spec.item.selector) {
        let Some(link) = link_of(row, &spec.link, &base) else {
            continue;
        };
        let Some(title) = picked(row, &spec.title)
            .map(|t| clean_title(&t))
            .filter(|t| !t.is_empty())
        else {
            continue;
        };
        let date_text = spec.date.as_ref().and_then(|p| picked(row, p));
        let published = date_text
            .as_deref()
            .and_then(|d| match &spec.date_format {
                Some(f) => dates::parse_with_format(d, f, tz),
                None => dates::parse(d, now, tz),
            })
            .or_else(|| dates::from_url(link.as_str(), tz));
        items.push(RawItem {
            guid: None,
            link: Some(link.to_string()),
            title,
            summary: spec.summary.as_ref().and_then(|p| picked(row, p)),
            content: None,
            published,
            author: None,
            policy: PolicyMeta::default(),
        });
    }
    if items.is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(items)
}

fn base_href(doc: &Html, page_url: &Url) -> Url {
    static BASE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("base[href]").expect("static selector"));
    doc.select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h).ok())
        .unwrap_or_else(|| page_url.clone())
}

/// What a detail page adds to a list row.
#[derive(Debug, Default, Clone)]
pub struct Detail {
    pub title: Option<String>,
    /// Inner HTML of the body container (not yet sanitized).
    pub content_html: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub policy: PolicyMeta,
}

pub const DEFAULT_BODIES: &[&str] = &[
    "#UCAP-CONTENT",
    ".TRS_UEDITOR",
    ".TRS_Editor",
    "#zoom",
    "#mainText",
    ".ccontent",
    "#con_con",
    "#artibody",
    "article",
    ".article-content",
];

/// Read a detail page: body, publication time and the policy metadata block.
pub fn parse_detail(text: &str, page_url: &Url, spec: &DetailSpec, now: DateTime<Utc>, tz: Tz) -> Detail {
    let doc = parse_page(text);
    let mut d = Detail::default();
    let defaults: Vec<Pick> = DEFAULT_BODIES.iter().filter_map(|s| Pick::parse(s).ok()).collect();
    let body = spec
        .body
        .iter()
        .chain(defaults.iter())
        .find_map(|p| doc.select(&p.selector).next());
    d.content_html = body.map(|b| b.inner_html());
    let meta = |name: &str| -> Option<String> {
        let sel = Selector::parse(&format!("meta[name=\"{name}\" i], meta[property=\"{name}\" i]")).ok()?;
        doc.select(&sel)
            .next()?
            .value()
            .attr("content")
            .map(squash)
            .filter(|s| !s.is_empty())
    };
    d.title = meta("ArticleTitle");
    d.published = spec
        .date
        .as_ref()
        .and_then(|p| picked(doc.root_element(), p))
        .and_then(|t| dates::parse(&t, now, tz))
        .or_else(|| {
            ["firstpublishedtime", "PubDate", "article:published_time"]
                .iter()
                .find_map(|n| meta(n).and_then(|v| dates::parse(&v, now, tz)))
        });
    if spec.metadata {
        let (fields, published) = metadata_block(&doc, now, tz);
        d.policy = fields;
        d.published = d.published.or(published);
        if d.policy.issuer.is_none() {
            d.policy.issuer = meta("ContentSource");
        }
        if d.policy.doc_number.is_none() {
            let head: String = body
                .map(element_text)
                .unwrap_or_default()
                .chars()
                .take(policy::HEAD_CHARS)
                .collect();
            d.policy.doc_number = policy::own_doc_number(&head);
        }
    }
    let _ = page_url;
    d
}

/// The title a page gives itself: ArticleTitle/og:title meta, else the first h1, else
/// `<title>` (with a trailing " - site name" part dropped).
pub fn page_title(text: &str) -> Option<String> {
    let doc = parse_page(text);
    let sel = |css: &str| Selector::parse(css).ok();
    let meta = ["meta[name=\"ArticleTitle\" i]", "meta[property=\"og:title\" i]"]
        .iter()
        .filter_map(|c| sel(c))
        .find_map(|s| {
            doc.select(&s)
                .next()
                .and_then(|e| e.value().attr("content"))
                .map(squash)
        })
        .filter(|t| !t.is_empty());
    meta.or_else(|| {
        sel("h1")
            .and_then(|s| doc.select(&s).next())
            .map(element_text)
            .filter(|t| !t.is_empty())
    })
    .or_else(|| {
        let t = sel("title").and_then(|s| doc.select(&s).next()).map(element_text)?;
        let cut = t
            .split(['_', '|'])
            .next()
            .unwrap_or(&t)
            .split(" - ")
            .next()
            .unwrap_or(&t)
            .trim()
            .to_string();
        (!cut.is_empty()).then_some(cut)
    })
}

#[derive(Clone, Copy)]
enum Field {
    Issuer,
    DocNumber,
    Written,
    IndexNo,
    Topic,
    Published,
}

const KEYS: &[(&str, Field)] = &[
    ("发文机关", Field::Issuer),
    ("发文机构", Field::Issuer),
    ("发布机构", Field::Issuer),
    ("发文单位", Field::Issuer),
    ("发文字号", Field::DocNumber),
    ("文号", Field::DocNumber),
    ("成文日期", Field::Written),
    ("生成日期", Field::Written),
    ("索引号", Field::IndexNo),
    ("主题分类", Field::Topic),
    ("发布日期", Field::Published),
];

/// Split `text` into a metadata key it starts with and the rest, ignoring the padding
/// portals put inside keys (`索 引 号`, `标　　题`, `[发文字号] `).
fn split_key(text: &str) -> Option<(Field, String)> {
    let mut key = String::new();
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || matches!(c, '\u{3000}' | '\u{a0}' | '[' | '【' | '［') {
            continue;
        }
        key.push(c);
        if let Some((_, f)) = KEYS.iter().find(|(k, _)| *k == key) {
            let rest = text[i + c.len_utf8()..].trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, '：' | ':' | ']' | '】' | '］' | '\u{3000}' | '\u{a0}')
            });
            return Some((*f, squash(rest)));
        }
        if key.chars().count() >= 4 {
            return None;
        }
    }
    None
}

fn metadata_block(doc: &Html, now: DateTime<Utc>, tz: Tz) -> (PolicyMeta, Option<DateTime<Utc>>) {
    static CELLS: LazyLock<Selector> = LazyLock::new(|| Selector::parse("td, th, dt, li").expect("static selector"));
    let mut meta = PolicyMeta::default();
    let mut published = None;
    for cell in doc.select(&CELLS) {
        let text = element_text(cell);
        if text.chars().count() > 80 {
            continue;
        }
        let Some((field, mut value)) = split_key(&text) else {
            continue;
        };
        if value.is_empty() {
            // The value lives in the next cell (`<td>键：</td><td>值</td>`, `<dt>`/`<dd>`).
            value = cell
                .next_siblings()
                .filter_map(ElementRef::wrap)
                .next()
                .map(element_text)
                .unwrap_or_default();
        }
        if value.is_empty() || split_key(&value).is_some() {
            continue;
        }
        let slot = match field {
            Field::Issuer => &mut meta.issuer,
            Field::DocNumber => {
                value = policy::normalize_doc_number(&value);
                &mut meta.doc_number
            }
            Field::Written => {
                if let Some(d) = dates::parse(&value, now, tz) {
                    value = d.with_timezone(&tz).format("%Y-%m-%d").to_string();
                }
                &mut meta.written
            }
            Field::IndexNo => &mut meta.index_no,
            Field::Topic => &mut meta.topic,
            Field::Published => {
                published = published.or_else(|| dates::parse(&value, now, tz));
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    (meta, published)
}

/// Plain text of an HTML fragment (or of text that is already plain). Scripts, styles
/// and other non-content go first.
///
/// The text reads as the fragment cleaned by the default HTML cleaner and parsed again
/// would (what this did before, at three times the cost): the contents of scripts and
/// styles dropped, the text between two edges of the tags the cleaner keeps one run
/// (a tag it strips, such as `<font>`, joins its text to its neighbours'), each run
/// trimmed, Latin words of two runs kept apart. One difference, on purpose: the text
/// after an unclosed unknown tag ("… <and> the road to 8.7") is kept, where the cleaner
/// lost it.
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return squash(html);
    }
    static KEPT: LazyLock<HashSet<&'static str>> = LazyLock::new(|| ammonia::Builder::default().clone_tags());
    let hidden = |e: &scraper::node::Element| matches!(e.name(), "script" | "style");
    let frag = Html::parse_fragment(&bounded(html));
    let (mut out, mut run) = (String::new(), String::new());
    // Whether a kept tag opened or closed since the last text; how deep in a script.
    let (mut edge, mut in_hidden) = (false, 0usize);
    for step in frag.root_element().traverse() {
        match step {
            Edge::Open(n) => match n.value() {
                Node::Element(e) if hidden(e) => in_hidden += 1,
                Node::Element(e) => edge |= KEPT.contains(e.name()),
                Node::Text(t) if in_hidden == 0 => {
                    if edge {
                        push_run(&mut out, &run);
                        run.clear();
                        edge = false;
                    }
                    run.push_str(t);
                }
                _ => {}
            },
            Edge::Close(n) => match n.value() {
                Node::Element(e) if hidden(e) => in_hidden = in_hidden.saturating_sub(1),
                Node::Element(e) => edge |= KEPT.contains(e.name()),
                _ => {}
            },
        }
    }
    push_run(&mut out, &run);
    squash(&out)
}

/// The text [`html_to_text`] reads, from the HTML cleaner's own output instead of a
/// second parse of the fragment it cleaned (`normalize::sanitize_with_text`).
///
/// `clean` must be what the cleaner serialized, before anything else rewrote it: every
/// tag in it is one the cleaner keeps (so each is an edge between runs), scripts and
/// styles are gone with their contents, comments are gone, attribute values are in
/// double quotes, and text escapes only `&`, `<`, `>` and the no-break space.
pub fn text_of_clean(clean: &str) -> String {
    let (mut out, mut run) = (String::new(), String::new());
    let mut rest = clean;
    while let Some(open) = rest.find('<') {
        unescape_into(&mut run, &rest[..open]);
        push_run(&mut out, &run);
        run.clear();
        // The tag ends at the first `>` outside a quoted value (a title may hold `>`).
        let mut quoted = false;
        let end = rest[open..]
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '>' && !quoted
            })
            .map_or(rest.len(), |(i, _)| open + i + 1);
        rest = &rest[end..];
    }
    unescape_into(&mut run, rest);
    push_run(&mut out, &run);
    squash(&out)
}

/// Text as the cleaner's serializer escaped it, unescaped into `out`.
fn unescape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (c, len) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&nbsp;", '\u{a0}')]
            .iter()
            .find(|(e, _)| tail.starts_with(e))
            .map_or(('&', 1), |(e, c)| (*c, e.len()));
        out.push(c);
        rest = &tail[len..];
    }
    out.push_str(rest);
}

/// One run of text, trimmed, after what `out` holds: Latin words kept apart, Chinese
/// runs need no space.
fn push_run(out: &mut String, run: &str) {
    let t = run.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if t.is_empty() {
        return;
    }
    if out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
        && t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    {
        out.push(' ');
    }
    out.push_str(t);
}

/// Cut `text` to at most `max` characters, ending with … when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_text_kept() -> Result<(), Box<dyn std::error::Error>> {
        let deep = 5000;
        let page = format!(
            "<html><body><ul class=\"list\"><li><a href=\"/a/1.html\">一</a></li></ul>{}深处{}<script>if (a<b) {{}}</script></body></html>",
            "<div>".repeat(deep),
            "</div>".repeat(deep)
        );
        let out = bounded(&page);
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        assert!(out.contains("深处") && out.contains("if (a<b)"));
        // A page of many rows without end tags is not deep, and is left as it is.
        let rows = format!("<ul>{}</ul>", "<li><a href=\"/x\">x</a>".repeat(5000));
        assert!(matches!(bounded(&rows), std::borrow::Cow::Borrowed(_)));
        let list = ListSpec {
            item: Pick::parse("ul.list li")?,
            title: Pick::parse("a")?,
            link: Pick::parse("a@href")?,
            date: None,
            date_format: None,
            summary: None,
            next: None,
            page_pattern: None,
            page_start: 1,
            max_pages: 1,
        };
        let url = Url::parse("http://example.test/")?;
        let items = parse_list(&page, &url, &list, Utc::now(), chrono_tz::Asia::Shanghai)?;
        assert_eq!(items.len(), 1);
        Ok(())
    }

    #[test]
    fn hanweb_datastore_rows() -> Result<(), Box<dyn std::error::Error>> {
        let page = r#"<div id="4471"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=9"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2020/9/4/art_4471_310001.html" target="_blank" title="济南市关于加快软件名城提档升级的若干措施">济南市关于加快软件名城提档升级的若干措施</a><span style="color:#999">[2020-09-04]</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2020/9/1/art_4471_309990.html" target="_blank" title="济南市工业和信息化局2020年8月工作动态">济南市工业和信息化局2020年8月工作动态</a><span style="color:#999">[2020-09-01]</span></li>]]></record>
</recordset></datastore></script></div>"#;
        let spec = ListSpec {
            item: Pick::parse("li")?,
            title: Pick::parse("a@title")?,
            link: Pick::parse("a")?,
            date: Some(Pick::parse("span")?),
            date_format: None,
            summary: None,
            next: None,
            page_pattern: None,
            page_start: 1,
            max_pages: 1,
        };
        let url = Url::parse("http://jinan.gov.test/col/col4471/index.html")?;
        let items = parse_list(page, &url, &spec, Utc::now(), chrono_tz::Asia::Shanghai)?;
        assert_eq!(items.len(), 2, "the nextgroup link is not an article");
        assert_eq!(
            items[0].link.as_deref(),
            Some("http://jinan.gov.test/art/2020/9/4/art_4471_310001.html")
        );
        assert_eq!(
            items[1].published.map(|d| d.to_rfc3339()),
            Some("2020-08-31T16:00:00+00:00".into())
        );
        Ok(())
    }

    #[test]
    fn keys_with_padding() {
        assert!(matches!(split_key("索 引 号："), Some((Field::IndexNo, v)) if v.is_empty()));
        assert!(
            matches!(split_key("[发文字号] 京经信发[2020]77号"), Some((Field::DocNumber, v)) if v == "京经信发[2020]77号")
        );
        assert!(split_key("标　　题：").is_none());
        assert!(split_key("各有关单位：").is_none());
    }
}
