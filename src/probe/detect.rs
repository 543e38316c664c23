//! What a page is and how to read it, worked out from the page alone: the row shape of a
//! list (the repeated siblings that each hold a titled link and a date), the array of a
//! JSON answer that holds items, a feed, a feed linked from a page, the pager. Pure
//! functions of text, tested on strings; `probe::mod` fetches and prints.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use crate::extract::{dates, html, policy};

/// How to read the rows of a list page, as `[source.list]` selectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ListGuess {
    pub item: String,
    pub title: String,
    /// `None`: the first link of the row (banyue's default) is the title's.
    pub link: Option<String>,
    pub date: Option<String>,
    /// Rows with a titled link, and how many of them have a date.
    pub rows: usize,
    pub dated: usize,
    /// The rows come from a Hanweb `<datastore>`.
    pub datastore: bool,
}

/// How to page: a `next` link selector or an `index_{n}.html` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pager {
    Next(String),
    /// `index_{n}.html` and the n of the second page.
    Pattern(String, usize),
}

/// How to read a JSON answer, as `[source.json]` paths.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonGuess {
    pub items: String,
    pub title: String,
    pub link: String,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
    pub rows: usize,
}

/// The shortest titles a list row carries; menus and tag clouds have shorter ones.
const MIN_TITLE_CHARS: usize = 6;

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn text_of(el: ElementRef) -> String {
    html::squash(&el.text().collect::<Vec<_>>().join(" "))
}

fn sel(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// A CSS identifier we can write without escapes.
fn plain_ident(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `tag.class1.class2` of an element (classes that need no escaping, sorted).
fn compound(el: ElementRef) -> String {
    let mut classes: Vec<&str> = el.value().classes().filter(|c| plain_ident(c)).collect();
    classes.sort_unstable();
    let mut out = el.value().name().to_string();
    for c in classes {
        out.push('.');
        out.push_str(c);
    }
    out
}

fn id_of(el: ElementRef) -> Option<String> {
    el.value().id().filter(|i| plain_ident(i)).map(|i| format!("#{i}"))
}

fn usable_href(a: ElementRef) -> bool {
    let Some(h) = a.value().attr("href").map(str::trim) else {
        return false;
    };
    let lower = h.to_ascii_lowercase();
    !(h.is_empty() || h.starts_with('#') || lower.starts_with("javascript:") || lower.starts_with("mailto:"))
}

/// The title a link shows: its `title` attribute when that is the longer (lists cut text).
fn anchor_title(a: ElementRef) -> String {
    let text = text_of(a);
    match a.value().attr("title").map(html::squash) {
        Some(t) if chars(&t) >= chars(text.trim_end_matches(['.', '…', '。'])) => t,
        _ => text,
    }
}

/// The row's title link: the usable link with the longest title.
fn best_anchor(row: ElementRef) -> Option<ElementRef> {
    static A: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
    let own = (row.value().name() == "a" && usable_href(row)).then_some(row);
    own.into_iter()
        .chain(row.select(&A).filter(|a| usable_href(*a)))
        .max_by_key(|a| chars(&anchor_title(*a)))
        .filter(|a| chars(&anchor_title(*a)) >= MIN_TITLE_CHARS)
}

/// Is this short text a date (and nothing much else)?
fn is_date(text: &str, now: DateTime<Utc>, tz: Tz) -> bool {
    let t = text.trim();
    // "11-26" (the year is elsewhere) up to "2026年11月26日 09:30:00".
    (5..=32).contains(&chars(t)) && t.chars().any(|c| c.is_ascii_digit()) && dates::parse(t, now, tz).is_some()
}

/// The smallest element of the row whose own text is a date, outside the title link
/// when possible; the row itself when the date is loose text in it.
fn date_element<'a>(row: ElementRef<'a>, title: ElementRef<'a>, now: DateTime<Utc>, tz: Tz) -> Option<ElementRef<'a>> {
    let mut best: Option<ElementRef> = None;
    for node in row.descendants() {
        let Some(el) = ElementRef::wrap(node) else { continue };
        if el == row || el == title {
            continue;
        }
        if is_date(&text_of(el), now, tz) {
            // Descendants come after their parents: a later match is the smaller one.
            best = Some(el);
        }
    }
    if best.is_some() {
        return best;
    }
    let rest = text_of(row).replace(&text_of(title), " ");
    let dated = rest.split_whitespace().any(|w| is_date(w, now, tz)) || is_date(&rest, now, tz);
    dated.then_some(row)
}

/// The classes every row has: `tr` of `tr.odd`/`tr.even`, `li.cf` of `li.cf`/`li.cf.top`.
fn common_compound(rows: &[ElementRef]) -> String {
    let first = rows[0];
    let mut classes: Vec<&str> = first
        .value()
        .classes()
        .filter(|c| plain_ident(c) && rows.iter().all(|r| r.value().classes().any(|x| x == *c)))
        .collect();
    classes.sort_unstable();
    let mut out = first.value().name().to_string();
    for c in classes {
        out.push('.');
        out.push_str(c);
    }
    out
}

/// A selector that selects every row with a link and nothing outside `members` (a
/// header row or pager among them is skipped by the reader: it has no titled link).
fn row_selector(doc: &Html, parent: ElementRef, members: &[ElementRef], rows: &[ElementRef]) -> Option<String> {
    let child = common_compound(rows);
    let mut contexts: Vec<String> = vec![String::new()];
    let mut scope = Some(parent);
    let mut chain = String::new();
    for _ in 0..4 {
        let Some(p) = scope else { break };
        let here = id_of(p).unwrap_or_else(|| compound(p));
        chain = if chain.is_empty() {
            here.clone()
        } else {
            format!("{here} {chain}")
        };
        contexts.push(format!("{chain} > "));
        if id_of(p).is_some() {
            break;
        }
        scope = p.parent().and_then(ElementRef::wrap);
    }
    for ctx in contexts {
        let css = format!("{ctx}{child}");
        let Some(s) = sel(&css) else { continue };
        let found: Vec<ElementRef> = doc.select(&s).collect();
        let within = found.iter().all(|f| members.iter().any(|m| m.id() == f.id()));
        let covers = rows.iter().all(|r| found.iter().any(|f| f.id() == r.id()));
        if within && covers {
            return Some(css);
        }
    }
    None
}

/// A selector relative to each row whose first match is `want(row)` in most rows.
fn inner_selector<'a>(
    rows: &[(ElementRef<'a>, ElementRef<'a>)],
    candidates: impl Fn(ElementRef<'a>, ElementRef<'a>) -> Vec<String>,
) -> Option<String> {
    let (row0, el0) = *rows.first()?;
    for css in candidates(row0, el0) {
        let Some(s) = sel(&css) else { continue };
        let hits = rows
            .iter()
            .filter(|(row, want)| {
                let first = if s.matches(row) {
                    Some(*row)
                } else {
                    row.select(&s).next()
                };
                first.is_some_and(|f| f.id() == want.id())
            })
            .count();
        if hits * 10 >= rows.len() * 9 {
            return Some(css);
        }
    }
    None
}

/// Ways to name `el` inside `row`, plainest first.
fn relative_names(row: ElementRef, el: ElementRef) -> Vec<String> {
    if el == row {
        return vec![compound(row)];
    }
    let tag = el.value().name().to_string();
    let mut out = vec![tag.clone(), compound(el)];
    if let Some(p) = el.parent().and_then(ElementRef::wrap).filter(|p| *p != row) {
        out.push(format!("{} {tag}", compound(p)));
        out.push(format!("{} {}", compound(p), compound(el)));
    }
    if let Some(cell) = el
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(|a| *a != row)
        .chain(std::iter::once(el))
        .find(|a| matches!(a.value().name(), "td" | "dd" | "dt"))
    {
        let pos = cell
            .prev_siblings()
            .filter_map(ElementRef::wrap)
            .filter(|s| s.value().name() == cell.value().name())
            .count()
            + 1;
        let cell_css = format!("{}:nth-of-type({pos})", cell.value().name());
        out.push(if cell == el {
            cell_css
        } else {
            format!("{cell_css} {tag}")
        });
    }
    out
}

/// The list of a page: among every group of like siblings (same tag and classes), the
/// one whose members most often hold a titled link and a date.
pub fn guess_list(text: &str, now: DateTime<Utc>, tz: Tz) -> Option<ListGuess> {
    let unwrapped = html::unwrap_datastore(text);
    let datastore = matches!(unwrapped, std::borrow::Cow::Owned(_));
    let doc = Html::parse_document(&html::bounded(&unwrapped));
    let mut best: Option<(f32, ElementRef, Vec<ElementRef>)> = None;
    for node in doc.root_element().descendants() {
        let Some(parent) = ElementRef::wrap(node) else { continue };
        if matches!(parent.value().name(), "script" | "style" | "head" | "select" | "nav") {
            continue;
        }
        // Siblings of one tag: rows that alternate classes (`tr.odd`, `tr.even`) are one list.
        let mut groups: HashMap<String, Vec<ElementRef>> = HashMap::new();
        for c in parent.children().filter_map(ElementRef::wrap) {
            groups.entry(c.value().name().to_string()).or_default().push(c);
        }
        for (_, members) in groups {
            if members.len() < 3 {
                continue;
            }
            let mut linked = 0usize;
            let mut dated = 0usize;
            let mut title_chars = 0usize;
            for row in &members {
                if let Some(a) = best_anchor(*row) {
                    linked += 1;
                    title_chars += chars(&anchor_title(a));
                    if date_element(*row, a, now, tz).is_some() {
                        dated += 1;
                    }
                }
            }
            if linked < 3 || linked * 10 < members.len() * 6 {
                continue;
            }
            let avg = title_chars as f32 / linked as f32;
            let dated_share = dated as f32 / linked as f32;
            let score = linked as f32 * (0.3 + 2.0 * dated_share) * (avg / 12.0).min(1.5);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, parent, members));
            }
        }
    }
    let (_, parent, members) = best?;
    let rows: Vec<(ElementRef, ElementRef)> = members
        .iter()
        .filter_map(|r| best_anchor(*r).map(|a| (*r, a)))
        .collect();
    let linked: Vec<ElementRef> = rows.iter().map(|(r, _)| *r).collect();
    let item = row_selector(&doc, parent, &members, &linked)?;
    // A list cuts long titles ("…的..."); the attribute keeps them whole.
    let titled = rows
        .iter()
        .filter(|(_, a)| {
            let shown = text_of(*a);
            let shown = shown.trim_end_matches(['.', '…', '。']);
            a.value()
                .attr("title")
                .is_some_and(|t| chars(&html::squash(t)) >= chars(shown))
        })
        .count();
    let use_attr = titled * 10 >= rows.len() * 8;
    let title_css = inner_selector(&rows, relative_names)?;
    let title = if use_attr {
        format!("{title_css}@title")
    } else {
        title_css.clone()
    };
    // banyue's default link is the row's first link; name the title's when that differs.
    let first_link_is_title = rows.iter().all(|(row, a)| {
        sel("a")
            .and_then(|s| {
                if s.matches(row) {
                    Some(*row)
                } else {
                    row.select(&s).next()
                }
            })
            .is_some_and(|f| f.id() == a.id())
    });
    let link = (!first_link_is_title).then_some(title_css);
    let dated_rows: Vec<(ElementRef, ElementRef)> = rows
        .iter()
        .filter_map(|(r, a)| date_element(*r, *a, now, tz).map(|d| (*r, d)))
        .collect();
    let date = if dated_rows.len() * 2 >= rows.len() {
        inner_selector(&dated_rows, relative_names)
    } else {
        None
    };
    Some(ListGuess {
        item,
        title,
        link,
        dated: if date.is_some() { dated_rows.len() } else { 0 },
        date,
        rows: rows.len(),
        datastore,
    })
}

/// The next page: a link saying 下一页 (by a selector that finds it), else a numbered
/// sibling of this page (`index_1.html` beside `index.html`, the TRS and Hanweb habit).
pub fn guess_pager(text: &str, page_url: &Url) -> Option<Pager> {
    let doc = Html::parse_document(&html::bounded(text));
    let a_sel = sel("a[href]")?;
    const NEXT: [&str; 7] = ["下一页", "下页", "下一頁", "next", "next page", "›", "»"];
    for a in doc.select(&a_sel) {
        let t = text_of(a).to_lowercase();
        let next_class = a.value().classes().any(|c| c.eq_ignore_ascii_case("next"));
        if !(NEXT.contains(&t.trim()) || next_class) || !usable_href(a) {
            continue;
        }
        let mut cands = Vec::new();
        if let Some(id) = id_of(a) {
            cands.push(format!("{id}@href"));
        }
        if a.value().classes().next().is_some() {
            cands.push(format!("{}@href", compound(a)));
        }
        if let Some(p) = a.parent().and_then(ElementRef::wrap) {
            let p_css = id_of(p).unwrap_or_else(|| compound(p));
            cands.push(format!("{p_css} > {}@href", compound(a)));
        }
        for c in cands {
            let css = c.trim_end_matches("@href");
            if sel(css)
                .and_then(|s| doc.select(&s).next())
                .is_some_and(|f| f.id() == a.id())
            {
                return Some(Pager::Next(c));
            }
        }
    }
    let file = page_url.path_segments()?.next_back().unwrap_or("").to_string();
    let (stem, ext) = match file.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), e.to_string()),
        _ => ("index".to_string(), "html".to_string()),
    };
    let numbered = regex::Regex::new(&format!(
        r"(?:^|/){}_(\d+)\.{}(?:$|[?#])",
        regex::escape(&stem),
        regex::escape(&ext)
    ))
    .ok()?;
    let number = |a: ElementRef| -> Option<usize> {
        numbered
            .captures(a.value().attr("href")?.trim())
            .and_then(|c| c[1].parse().ok())
    };
    // The 下一页 link names the second page's number; else the smallest number linked.
    let from_next = doc
        .select(&a_sel)
        .filter(|a| NEXT.contains(&text_of(*a).to_lowercase().trim()))
        .find_map(number);
    let smallest = doc.select(&a_sel).filter_map(number).min();
    // TRS pagers are written by script: `createPageHTML(4, 0, "index", "html")`, or by
    // hand as `'index_'+nextPage+'.html'` with a `countPage`.
    let trs_script = text.contains("createPageHTML(")
        || text.contains(&format!("{stem}_\"+"))
        || text.contains(&format!("{stem}_'+"))
        || text.contains("countPage");
    let start = from_next.or(smallest).or(trs_script.then_some(1))?;
    Some(Pager::Pattern(format!("{stem}_{{n}}.{ext}"), start))
}

/// The portal platform a page shows signs of, for the operator's bearings: its quirks
/// (TRS `index_{n}.html` pages, Hanweb `<datastore>`, jpaas JSON) are handled alike.
pub fn platform(text: &str, url: &Url) -> Option<&'static str> {
    static TRS_LINK: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"/t\d{8}_\d+\.s?html?").expect("static regex"));
    let path = url.path();
    if text.contains("<datastore>") || text.contains("/module/web/jpage/dataproxy.jsp") {
        Some("Hanweb 大汉")
    } else if path.contains("jpaas") || path.contains("/build/unit") || text.contains("parseType=buildstatic") {
        Some("jpaas")
    } else if text.contains("createPageHTML") || text.contains("TRS_") || TRS_LINK.is_match(text) {
        Some("TRS")
    } else {
        None
    }
}

/// Feeds a page announces with `<link rel="alternate">`.
pub fn linked_feeds(text: &str, page_url: &Url) -> Vec<Url> {
    let doc = Html::parse_document(&html::bounded(text));
    let Some(s) = sel("link[href]") else { return Vec::new() };
    doc.select(&s)
        .filter(|l| {
            let rel = l.value().attr("rel").unwrap_or("").to_ascii_lowercase();
            let ty = l.value().attr("type").unwrap_or("").to_ascii_lowercase();
            rel.split_whitespace().any(|r| r == "alternate")
                && (ty.contains("rss") || ty.contains("atom") || ty.contains("feed+json"))
        })
        .filter_map(|l| l.value().attr("href").and_then(|h| page_url.join(h.trim()).ok()))
        .collect()
}

/// The body container of a detail page: a known portal container, else the element
/// holding the most paragraph text (by id, or tag and classes when that is unique).
pub fn guess_body(text: &str) -> Option<String> {
    let doc = Html::parse_document(&html::bounded(text));
    for css in html::DEFAULT_BODIES {
        if let Some(s) = sel(css)
            && let Some(el) = doc.select(&s).next()
            && chars(&text_of(el)) >= 60
        {
            return Some((*css).to_string());
        }
    }
    let p = sel("p")?;
    let mut weight = HashMap::new();
    for para in doc.select(&p) {
        let n = chars(&text_of(para));
        if let Some(parent) = para.parent() {
            *weight.entry(parent.id()).or_insert(0usize) += n;
        }
    }
    let (id, _) = weight.into_iter().max_by_key(|(_, w)| *w)?;
    let el = doc.tree.get(id).and_then(ElementRef::wrap)?;
    let mut scope = Some(el);
    while let Some(e) = scope {
        let css = id_of(e).unwrap_or_else(|| compound(e));
        if sel(&css).map(|s| doc.select(&s).count()) == Some(1) && css != "body" && css != "html" {
            return Some(css);
        }
        scope = e.parent().and_then(ElementRef::wrap);
    }
    None
}

// ---------------------------------------------------------------------------------------
// JSON

/// Scalar fields of an item, flattened to dotted paths (three levels, first array element).
fn fields<'a>(v: &'a Value, prefix: &str, depth: usize, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(o) if depth < 4 => {
            for (k, child) in o {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                fields(child, &p, depth + 1, out);
            }
        }
        Value::Array(a) if depth < 4 && !prefix.is_empty() => {
            if let Some(first) = a.first().filter(|f| f.is_object()) {
                fields(first, &format!("{prefix}.0"), depth + 1, out);
            }
        }
        Value::String(_) | Value::Number(_) => out.push((prefix.to_string(), v)),
        _ => {}
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn looks_like_link(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    (l.starts_with("http://") || l.starts_with("https://") || l.starts_with('/') || l.starts_with("./"))
        && !l.contains(' ')
        && !l.ends_with(".jpg")
        && !l.ends_with(".png")
        && !l.ends_with(".gif")
}

fn has_cjk_or_words(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || s.split_whitespace().count() >= 3
}

/// The best path and field choice for an array of item objects, with its row count.
fn judge_items(items: &[&Value], now: DateTime<Utc>, tz: Tz) -> Option<JsonGuess> {
    let sample: Vec<&Value> = items.iter().take(30).copied().collect();
    let mut by_field: HashMap<String, Vec<String>> = HashMap::new();
    for it in &sample {
        let mut fs = Vec::new();
        fields(it, "", 0, &mut fs);
        for (k, v) in fs {
            if let Some(t) = scalar_text(v) {
                by_field.entry(k).or_default().push(t);
            }
        }
    }
    let n = sample.len();
    let share = |vals: &Vec<String>, f: &dyn Fn(&str) -> bool| vals.iter().filter(|v| f(v)).count() as f32 / n as f32;
    let name_has = |k: &str, words: &[&str]| {
        let last = k.rsplit('.').next().unwrap_or(k).to_ascii_lowercase();
        words.iter().any(|w| last.contains(w))
    };
    let best_by = |score: &dyn Fn(&str, &Vec<String>) -> f32| -> Option<String> {
        let mut keys: Vec<(&String, &Vec<String>)> = by_field.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        keys.into_iter()
            .map(|(k, v)| (score(k, v), k))
            .filter(|(s, _)| *s > 0.5)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k.clone())
    };
    let title = best_by(&|k, v| {
        let s = share(v, &|t| {
            (MIN_TITLE_CHARS..=200).contains(&chars(t)) && has_cjk_or_words(t) && !looks_like_link(t)
        });
        let avg = v.iter().map(|t| chars(t)).sum::<usize>() as f32 / v.len().max(1) as f32;
        // Titles are shorter than summaries and bodies.
        let length = if avg <= 80.0 { 1.0 } else { 80.0 / avg };
        s * length
            + if name_has(k, &["title", "name", "bt"]) {
                0.5
            } else {
                0.0
            }
    })?;
    let link = best_by(&|k, v| {
        share(v, &|t| looks_like_link(t))
            + if name_has(k, &["url", "link", "href"]) {
                0.3
            } else {
                0.0
            }
    })?;
    // The publication date, not when a document was written or last changed.
    let date = best_by(&|k, v| {
        let named = if name_has(k, &["time", "date", "pub", "rq"]) {
            0.3
        } else {
            0.0
        };
        let published = if name_has(k, &["pub", "fb", "release", "issue"]) {
            0.2
        } else {
            0.0
        };
        let other = if name_has(k, &["written", "cw", "update", "modif", "create", "expire", "end"]) {
            0.2
        } else {
            0.0
        };
        share(v, &|t| chars(t) <= 32 && dates::parse(t, now, tz).is_some()) + named + published - other
    });
    let summary = best_by(&|k, v| {
        if *k == title {
            return 0.0;
        }
        let long = share(v, &|t| chars(t) >= 20 && has_cjk_or_words(t) && !looks_like_link(t));
        if name_has(k, &["summary", "intro", "desc", "abstract", "digest", "zy"]) {
            long + 0.2
        } else {
            0.0
        }
    });
    let doc_number = best_by(&|_, v| {
        share(v, &|t| {
            policy::find_doc_number(t).is_some_and(|d| chars(&d) + 2 >= chars(t))
        }) * 2.0
    });
    let issuer = best_by(&|k, v| {
        let named = name_has(
            k,
            &["org", "unit", "publisher", "puborg", "publishgroup", "fwjg", "source"],
        );
        if named {
            share(v, &|t| (2..=40).contains(&chars(t)) && !looks_like_link(t)) + 0.1
        } else {
            0.0
        }
    });
    let rows = items
        .iter()
        .filter(|it| {
            crate::extract::json::text_at(it, &title).is_some() && crate::extract::json::text_at(it, &link).is_some()
        })
        .count();
    Some(JsonGuess {
        items: String::new(),
        title,
        link,
        date,
        summary,
        issuer,
        doc_number,
        rows,
    })
}

/// Every array of objects in the document, by dotted path.
fn arrays<'a>(v: &'a Value, path: &str, depth: usize, out: &mut Vec<(String, &'a [Value])>) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(a) => {
            if a.iter().filter(|x| x.is_object()).count() >= 2 {
                out.push((path.to_string(), a.as_slice()));
            }
            for (i, x) in a.iter().enumerate().take(3) {
                arrays(x, &join(path, &i.to_string()), depth + 1, out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                arrays(x, &join(path, k), depth + 1, out);
            }
        }
        _ => {}
    }
}

fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}.{seg}")
    }
}

fn rows_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for v in crate::extract::json::select(doc, path) {
        match v {
            Value::Array(a) => out.extend(a.iter()),
            other => out.push(other),
        }
    }
    out
}

/// The item array of a JSON answer and its fields. Sibling arrays of one shape (gov.cn's
/// `catMap.{gongwen,bumenfile}.listVO`) are read together with a `*`.
pub fn guess_json(doc: &Value, now: DateTime<Utc>, tz: Tz) -> Option<JsonGuess> {
    let mut found = Vec::new();
    arrays(doc, "", 0, &mut found);
    let mut best: Option<JsonGuess> = None;
    for (path, items) in found {
        let refs: Vec<&Value> = items.iter().collect();
        let Some(mut g) = judge_items(&refs, now, tz) else {
            continue;
        };
        if g.rows < 2 {
            continue;
        }
        g.items = path;
        if best
            .as_ref()
            .is_none_or(|b| g.rows > b.rows || (g.rows == b.rows && g.date.is_some() && b.date.is_none()))
        {
            best = Some(g);
        }
    }
    let mut g = best?;
    // Widen one object key at a time to `*` while that reads more rows of the same shape.
    let segs: Vec<String> = g.items.split('.').map(str::to_string).collect();
    for i in 0..segs.len() {
        if segs[i] == "*" || segs[i].parse::<usize>().is_ok() {
            continue;
        }
        let mut wider = segs.clone();
        wider[i] = "*".into();
        let path = wider.join(".");
        let rows = rows_at(doc, &path);
        let readable = rows
            .iter()
            .filter(|r| {
                crate::extract::json::text_at(r, &g.title).is_some()
                    && crate::extract::json::text_at(r, &g.link).is_some()
            })
            .count();
        if readable > g.rows && readable == rows.len() {
            g.items = path;
            g.rows = readable;
        }
    }
    // An item array inside an array of groups (MIIT: dataResults[].groupData[0].data).
    Some(g)
}

/// A string of the document holding list markup (jpaas `data.html`), by its path.
pub fn html_in_json(doc: &Value) -> Option<String> {
    fn walk(v: &Value, path: &str, out: &mut Option<(usize, String)>) {
        match v {
            Value::String(s) => {
                let links = s.matches("<a ").count();
                if links >= 3 && out.as_ref().is_none_or(|(n, _)| links > *n) {
                    *out = Some((links, path.to_string()));
                }
            }
            Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, &join(path, k), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .take(50)
                .for_each(|(i, x)| walk(x, &join(path, &i.to_string()), out)),
            _ => {}
        }
    }
    let mut out = None;
    walk(doc, "", &mut out);
    out.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00+08:00")
            .expect("a date")
            .with_timezone(&Utc)
    }

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn a_portal_list_is_told_from_its_menus() {
        let page = r#"<html><body>
<ul class="nav"><li><a href="/a">首页</a></li><li><a href="/b">机构设置</a></li><li><a href="/c">政务公开</a></li><li><a href="/d">互动交流</a></li></ul>
<div class="hot"><ul><li><a href="/h1">关于开展2026年度软件产品评估工作的通知</a></li><li><a href="/h2">全市数字经济工作会议召开</a></li><li><a href="/h3">我市三家企业入选国家级专精特新名单</a></li></ul></div>
<div id="result"><ul>
<li><span class="d1"><a href="/t/202611/t20261120_1.html" title="关于组织申报2026年度软件和信息服务业专项资金项目的通知">关于组织申报2026年度软件和信息服务业专项资金项目的...</a></span><span class="d2">2026-11-20</span></li>
<li><span class="d1"><a href="/t/202611/t20261118_2.html" title="市工信局召开人工智能产业发展座谈会">市工信局召开人工智能产业发展座谈会</a></span><span class="d2">2026-11-18</span></li>
<li><span class="d1"><a href="/t/202611/t20261115_3.html" title="2026年10月全市软件业务收入情况">2026年10月全市软件业务收入情况</a></span><span class="d2">2026-11-15</span></li>
<li><span class="d1"><a href="/t/202611/t20261110_4.html" title="关于公布第三批数据要素应用场景名单的通知">关于公布第三批数据要素应用场景名单的通知</a></span><span class="d2">2026-11-10</span></li>
</ul></div>
<div class="page"><a href="index_1.html">2</a><a class="next" href="index_1.html">下一页</a></div>
</body></html>"#;
        let g = guess_list(page, now(), TZ).expect("a list");
        assert_eq!(g.item, "#result ul > li", "{g:?}");
        assert_eq!(g.title, "a@title");
        assert_eq!(g.date.as_deref(), Some("span.d2"));
        assert_eq!((g.rows, g.dated), (4, 4));
        let url = Url::parse("http://gxj.example.gov.cn/col/index.html").expect("url");
        assert_eq!(guess_pager(page, &url), Some(Pager::Next("a.next@href".into())));
    }

    #[test]
    fn table_rows_with_a_header_read_by_cell_position() {
        let page = r#"<table class="zcwj"><tbody>
<tr><th>序号</th><th>标题</th><th>发布日期</th></tr>
<tr><td>1</td><td><a href="/art/1.html">关于推进工业互联网平台建设的实施意见</a></td><td>2026年11月20日</td></tr>
<tr><td>2</td><td><a href="/art/2.html">省数据局关于印发数据资产登记办法的通知</a></td><td>2026年11月12日</td></tr>
<tr><td>3</td><td><a href="/art/3.html">关于开展软件企业评估工作的通知</a></td><td>2026年11月02日</td></tr>
</tbody></table>"#;
        let g = guess_list(page, now(), TZ).expect("a list");
        assert_eq!(g.item, "tr");
        assert_eq!(g.rows, 3);
        assert_eq!(g.date.as_deref(), Some("td:nth-of-type(3)"), "{g:?}");
    }

    #[test]
    fn a_json_answer_finds_its_items_across_sibling_categories() -> Result<(), Box<dyn std::error::Error>> {
        let doc: Value = serde_json::from_str(
            r#"{"searchVO":{"totalCount":0,"catMap":{
 "bumenfile":{"listVO":[{"title":"工业和信息化部关于推进工业软件适配验证中心建设的指导意见","url":"https://www.gov.test/a/1.htm","pubtimeStr":"2026.11.04","puborg":"工业和信息化部","pcode":"工信部信软〔2026〕91号","summary":"为加快工业软件产品迭代……"},
  {"title":"国家数据局关于数据资产入表的通知","url":"https://www.gov.test/a/2.htm","pubtimeStr":"2026.11.02","puborg":"国家数据局","pcode":"国数发〔2026〕12号","summary":"为规范数据资产……"}]},
 "gongwen":{"listVO":[{"title":"国务院关于深入实施人工智能+行动的意见","url":"https://www.gov.test/a/3.htm","pubtimeStr":"2026.11.01","puborg":"国务院","pcode":"国发〔2026〕11号","summary":"各省、自治区、直辖市人民政府……"}]}}}}"#,
        )?;
        let g = guess_json(&doc, now(), TZ).ok_or("a guess")?;
        assert_eq!(g.items, "searchVO.catMap.*.listVO");
        assert_eq!((g.title.as_str(), g.link.as_str()), ("title", "url"));
        assert_eq!(g.date.as_deref(), Some("pubtimeStr"));
        assert_eq!(g.doc_number.as_deref(), Some("pcode"));
        assert_eq!(g.issuer.as_deref(), Some("puborg"));
        assert_eq!(g.rows, 3);
        Ok(())
    }
}
