//! The normalize stage: [`RawItem`] → [`Item`].
//!
//! Canonical links, plain-text titles and summaries, sanitized HTML, and policy fields
//! filled in from the text when the page did not give them.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use url::Url;

// Plain text and cutting are the extract stage's tools; they are re-exported here for
// the stages after it.
pub use crate::extract::html::{html_to_text, truncate};
use crate::extract::policy;
use crate::model::{Item, RawItem};

/// Query parameters that only track the reader.
const TRACKING: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "spm",
    "from",
    "fbclid",
    "gclid",
    "share_token",
    "share_from",
    "sharer",
    "scene",
    "srcid",
    "tt_from",
    "wfr",
    "isappinstalled",
    "timestamp",
    "_t",
    "ref",
    "refer",
];

/// A link with tracking parameters and fragment removed, so that the same article
/// reached from different pages has one key.
pub fn canonical_url(raw: &str) -> Option<String> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !(TRACKING.contains(&k.as_str()) || k.starts_with("utm_"))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.to_string())
}

/// HTML that is safe to republish: no scripts, styles, handlers or foreign schemes;
/// relative links and images made absolute against `base` (or dropped without one); a
/// link whose target was refused (`javascript:`) is left as its text, not an empty `<a>`.
pub fn sanitize(html: &str, base: Option<&Url>) -> String {
    match cleaned(html, base) {
        Cleaned::Plain(escaped) => escaped,
        Cleaned::Parsed(clean) => unwrap_bare_anchors(&clean),
    }
}

/// [`sanitize`] and [`html_to_text`] of one fragment, parsed once: the text is read off
/// the cleaner's output (a third of the cost of parsing the fragment again).
pub fn sanitize_with_text(html: &str, base: Option<&Url>) -> (String, String) {
    match cleaned(html, base) {
        Cleaned::Plain(escaped) => (escaped, html_to_text(html)),
        // Text with no tag or entity in it is read as it is, whatever the cleaner made of
        // its carriage returns or NULs.
        Cleaned::Parsed(clean) if !html.contains(['<', '&']) || !plain_html_tags(html) => {
            (unwrap_bare_anchors(&clean), html_to_text(html))
        }
        Cleaned::Parsed(clean) => {
            let text = crate::extract::html::text_of_clean(&clean);
            (unwrap_bare_anchors(&clean), text)
        }
    }
}

/// Whether every tag of a fragment names an element of HTML that the cleaner keeps, or
/// strips and keeps the text of. The cleaner drops an element whose name is one of SVG's
/// or MathML's with all it holds (`<svg>`, `<math>`, and a stray `<and>`, `<set>` or
/// `<image>` in plain text), where the text keeps what they say: a fragment with any
/// other name is read by its own parse.
fn plain_html_tags(html: &str) -> bool {
    /// Elements of HTML the cleaner strips, their text kept, and none of them a name in
    /// SVG or MathML.
    const STRIPPED: &[&str] = &[
        "font", "iframe", "html", "head", "body", "meta", "link", "title", "noscript", "section", "form", "input",
        "button", "select", "option", "label", "textarea", "source", "video", "audio", "picture", "object", "embed",
        "param", "main", "big", "nobr", "frame", "frameset", "noframes", "xmp", "base", "fieldset", "legend", "dialog",
        "menu", "output", "progress", "meter", "canvas", "track",
    ];
    static KNOWN: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
        let mut known = ammonia::Builder::default().clone_tags();
        known.extend(STRIPPED.iter().copied().chain(["script", "style"]));
        known
    });
    let bytes = html.as_bytes();
    html.match_indices('<').all(|(at, _)| {
        let rest = bytes.get(at + 1..).unwrap_or_default();
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let len = rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        // Not a tag (`a < b`, `<!-- -->`, `<!DOCTYPE>`), or a name that ends there.
        if len == 0 || len > 16 {
            return len == 0;
        }
        // Lowercased on the stack: this runs for every tag of every item.
        let mut name = [0u8; 16];
        name[..len].copy_from_slice(&rest[..len]);
        name[..len].make_ascii_lowercase();
        std::str::from_utf8(&name[..len]).is_ok_and(|name| KNOWN.contains(name))
            && rest
                .get(len)
                .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
    })
}

/// A fragment through the cleaner: text that needed no parse, escaped, or the cleaner's
/// own serialization (bare anchors not yet unwrapped).
enum Cleaned {
    Plain(String),
    Parsed(String),
}

fn cleaned(html: &str, base: Option<&Url>) -> Cleaned {
    let bounded = crate::extract::html::bounded(html);
    // Text with no tag or entity in it (two in five of the farm's summaries) is itself
    // once escaped: parsing and serializing it through the sanitizer would give the
    // same. Carriage returns, NULs and a byte-order mark are left to the parser, which
    // rewrites or drops them.
    if !bounded.contains(['<', '&', '\r', '\0', '\u{feff}']) {
        return Cleaned::Plain(escape_text(&bounded));
    }
    Cleaned::Parsed(match base {
        Some(base) => {
            ITEM_BASE.with_borrow_mut(|b| *b = Some(base.clone()));
            let clean = WITH_BASE.clean(&bounded).to_string();
            ITEM_BASE.with_borrow_mut(|b| *b = None);
            clean
        }
        None => NO_BASE.clean(&bounded).to_string(),
    })
}

/// The sanitizer's tables, built once (building them cost as much as cleaning a
/// summary): relative links are denied, or resolved against the item's own address.
static NO_BASE: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = sanitizer();
    b.url_relative(ammonia::UrlRelative::Deny);
    b
});

static WITH_BASE: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = sanitizer();
    b.url_relative(ammonia::UrlRelative::Custom(Box::new(ItemBase)));
    b
});

fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"))
        .add_generic_attributes(["title"])
        .set_tag_attribute_value("img", "loading", "lazy")
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
}

thread_local! {
    /// The address of the item `sanitize` cleans on this thread.
    static ITEM_BASE: std::cell::RefCell<Option<Url>> = const { std::cell::RefCell::new(None) };
}

/// Resolves a relative link against [`ITEM_BASE`], as `UrlRelative::RewriteWithBase` does.
struct ItemBase;

impl<'a> ammonia::UrlRelativeEvaluate<'a> for ItemBase {
    fn evaluate<'url>(&self, url: &'url str) -> Option<std::borrow::Cow<'url, str>> {
        ITEM_BASE.with_borrow(|base| {
            let joined = base.as_ref()?.join(url).ok()?;
            Some(std::borrow::Cow::Owned(joined.into()))
        })
    }
}

/// An `<a>` that sanitizing left without `href` (its target was refused).
static BARE_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<a((?:\s+(?:rel|title|target|hreflang|type|lang|dir)="[^"]*")*)\s*>(.*?)</a>"#)
        .expect("static regex")
});

/// Plain text as the sanitizer's serializer writes a text node: `>` and the no-break
/// space escaped (`<` and `&` are not there).
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// Sanitized HTML with every link that lost its target replaced by its text. Sanitized
/// anchors never nest, so the first `</a>` closes the one that opened.
pub fn unwrap_bare_anchors(html: &str) -> String {
    if !html.contains("<a") {
        return html.to_string();
    }
    BARE_ANCHOR.replace_all(html, "$2").into_owned()
}

const SUMMARY_CHARS: usize = 240;

static SALUTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[\p{Han}]{1,20}\s*[〔\[［（(【]\s*\d{4}\s*[〕\]］）)】]\s*\d{1,4}\s*号)?\s*(?:[^。！？：]{2,80}：)?\s*")
        .expect("static regex")
});

/// The text without what official documents put before their first sentence: the
/// document number and the salutation (各有关单位：).
pub fn lead(text: &str) -> &str {
    match SALUTATION.find(text) {
        Some(m) if m.end() < text.len() => &text[m.end()..],
        _ => text,
    }
}
const TEXT_CHARS: usize = 20_000;

/// Clean one raw item from `source_id`, fetched at `fetched_at`.
pub fn normalize(raw: RawItem, source_id: &str, source_name: &str, fetched_at: DateTime<Utc>) -> Option<Item> {
    let title = html_to_text(&raw.title);
    if title.is_empty() {
        return None;
    }
    let url = raw.link.as_deref().and_then(canonical_url);
    let base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let content_src = raw.content.as_deref().or(raw.summary.as_deref()).unwrap_or("");
    let (content_html, text) = sanitize_with_text(content_src, base.as_ref());
    let text = truncate(&text, TEXT_CHARS);
    // Without content, the text is the summary's: read once, and not copied.
    let own_summary = match (&raw.content, raw.summary.as_deref()) {
        (None, Some(_)) => None,
        (_, summary) => Some(summary.map(html_to_text).unwrap_or_default()),
    };
    let summary_src = own_summary.as_deref().unwrap_or(&text);
    let summary = truncate(
        if summary_src.is_empty() {
            lead(&text)
        } else {
            summary_src
        },
        SUMMARY_CHARS,
    );
    let guid = raw
        .guid
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .or_else(|| url.clone())
        .unwrap_or_else(|| format!("title:{title}"));
    let mut policy_meta = raw.policy;
    policy::fill_from_text(&mut policy_meta, &title, &text, source_name);
    // A future date is a site's clock or a parse going wrong; the fetch time is truer.
    let published = raw.published.map(|p| {
        if p > fetched_at + chrono::Duration::days(1) {
            fetched_at
        } else {
            p
        }
    });
    Some(Item {
        source_id: source_id.to_string(),
        guid,
        url,
        title,
        summary,
        content_html,
        text,
        published,
        fetched_at,
        author: raw.author.map(|a| html_to_text(&a)).filter(|a| !a.is_empty()),
        policy: policy_meta,
    })
}

/// Words news sets before a headline to sell it, never a fact of the story.
const FLASH_WORDS: &[&str] = &[
    "重磅", "刚刚", "突发", "快讯", "最新", "独家", "热点", "聚焦", "关注", "速看", "定了",
];

/// The first `chars` characters of `text` (all of it when shorter): what a reader of a
/// text's start reads, cut without reading the rest.
pub fn head(text: &str, chars: usize) -> &str {
    text.char_indices().nth(chars).map_or(text, |(i, _)| &text[..i])
}

/// A headline without the outlet's name that sites append to it ("…揭牌-中国吉林网",
/// "…_广州日报", "… | TechCrunch"). Dedup compares headlines without it (two outlets'
/// tags make one story's headlines look less alike, one outlet's tag makes two stories'
/// look more alike) and 本期提要 names items without it.
pub fn without_outlet_tag(title: &str) -> &str {
    const SEPARATORS: &[char] = &['_', '-', '|', '—', '–', '－', '｜'];
    const OUTLET_ENDS: &[&str] = &["网", "报", "新闻", "在线", "客户端", "频道", "传媒", "融媒", "电视台"];
    let title = title.trim();
    // A tag in front, as agencies and columns set it: 【新华社】, 【重磅】.
    let title = match title.strip_prefix('【').and_then(|t| t.split_once('】')) {
        Some((tag, rest)) if (2..=8).contains(&tag.chars().count()) && rest.trim().chars().count() >= 6 => rest.trim(),
        _ => title,
    };
    // A flash word in front, unbracketed: 重磅!工信部等六部门…, 刚刚:….
    let title = FLASH_WORDS
        .iter()
        .find_map(|w| {
            let rest = title.strip_prefix(w)?.trim_start_matches(['!', '！', ':', '：', ' ']);
            (rest.len() < title.len() - w.len() && rest.chars().count() >= 6).then_some(rest)
        })
        .unwrap_or(title);
    let Some(at) = title.rfind(SEPARATORS) else {
        return title;
    };
    let (head, tag) = (
        title[..at].trim_end(),
        title[at..].trim_start_matches(SEPARATORS).trim(),
    );
    let tag_chars = tag.chars().count();
    let chinese_outlet = (2..=10).contains(&tag_chars)
        && tag.chars().all(|c| !c.is_ascii())
        && OUTLET_ENDS.iter().any(|e| tag.ends_with(e))
        && head.chars().count() >= 6;
    // An English outlet stands apart (" | TechCrunch", " - The Verge"), in a few
    // capitalised words, after a headline of several.
    let spaced = title[..at].ends_with(' ') && title[at..].chars().nth(1) == Some(' ');
    let words: Vec<&str> = tag.split_whitespace().collect();
    let english_outlet = spaced
        && (1..=3).contains(&words.len())
        && words.iter().all(|w| {
            w.starts_with(|c: char| c.is_ascii_uppercase()) && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
        && head.split_whitespace().count() >= 4;
    if chinese_outlet || english_outlet { head } else { title }
}

/// A full-width character as its ASCII form (`２０２６` → `2026`, `ＡＩ` → `AI`), the
/// ideographic space as a space; every other character as it is. Used wherever text
/// is compared (dedup, classify), so that both read widths alike.
pub fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The main block of Han characters: every one of them a letter, none with a case.
const HAN: std::ops::RangeInclusive<char> = '\u{4e00}'..='\u{9fff}';

/// `char::is_alphanumeric`, answered without its Unicode tables for ASCII and for the
/// main block of Han characters: nearly every character that dedup, classification and
/// search read, each of them several times.
#[inline]
pub fn is_letter_or_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        HAN.contains(&c) || c.is_alphanumeric()
    }
}

/// Each character of `c` lowercased (`char::to_lowercase`), without the case tables
/// where none is needed: ASCII, and the main block of Han characters, which have no case.
#[inline]
pub fn each_lowercase(c: char, mut f: impl FnMut(char)) {
    if c.is_ascii() {
        f(c.to_ascii_lowercase());
    } else if HAN.contains(&c) {
        f(c);
    } else {
        c.to_lowercase().for_each(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_of_a_bare_city_body_is_placed_by_its_portal() -> anyhow::Result<()> {
        use anyhow::Context;
        let raw = || RawItem {
            title: "市工业和信息化局关于2023年数字经济产业扶持计划拟资助项目公示的通知".to_string(),
            link: Some("http://127.0.0.1:9/gxj/1.html".to_string()),
            ..RawItem::default()
        };
        let now = Utc::now();
        let on_portal = normalize(raw(), "gxj", "深圳市工业和信息化局", now).context("normalized")?;
        assert_eq!(on_portal.policy.issuer.as_deref(), Some("深圳市工业和信息化局"));
        let on_news = normalize(raw(), "news", "深圳新闻网", now).context("normalized")?;
        assert_eq!(on_news.policy.issuer.as_deref(), Some("市工业和信息化局"));
        Ok(())
    }

    #[test]
    fn outlet_tags_are_cut_from_headlines() {
        assert_eq!(
            without_outlet_tag("长春汽车软件产业园揭牌 40家企业首批签约-中国吉林网"),
            "长春汽车软件产业园揭牌 40家企业首批签约"
        );
        assert_eq!(
            without_outlet_tag("琶洲AI大会开幕：38个项目签约_广州日报"),
            "琶洲AI大会开幕：38个项目签约"
        );
        assert_eq!(
            without_outlet_tag("Snowflake snaps up Streamline in $250M deal | TechCrunch"),
            "Snowflake snaps up Streamline in $250M deal"
        );
        // Not outlets: a place pair, a clause, a short headline.
        assert_eq!(
            without_outlet_tag("中国—东盟人工智能合作中心揭牌"),
            "中国—东盟人工智能合作中心揭牌"
        );
        assert_eq!(
            without_outlet_tag("Apple ships iOS 27 - here's what changed"),
            "Apple ships iOS 27 - here's what changed"
        );
        assert_eq!(without_outlet_tag("发布-新华网"), "发布-新华网");
        assert_eq!(
            without_outlet_tag("【新华社】国办印发意见 加快培育和发展低空经济"),
            "国办印发意见 加快培育和发展低空经济"
        );
        assert_eq!(without_outlet_tag("【重磅】发布"), "【重磅】发布");
        assert_eq!(
            without_outlet_tag("重磅!工信部等六部门联合印发《算力基础设施高质量发展行动计划》"),
            "工信部等六部门联合印发《算力基础设施高质量发展行动计划》"
        );
        // Only before a mark: 最新版 is the headline's own word.
        assert_eq!(without_outlet_tag("最新版数据库发布"), "最新版数据库发布");
    }

    #[test]
    fn canonical_links_drop_tracking_and_fragments() {
        assert_eq!(
            canonical_url("HTTP://News.Example.test/a/1.html?utm_source=x&id=3&spm=a.b#top").as_deref(),
            Some("http://news.example.test/a/1.html?id=3")
        );
        assert_eq!(
            canonical_url("https://x.test/a?from=timeline").as_deref(),
            Some("https://x.test/a")
        );
        assert_eq!(canonical_url("javascript:alert(1)"), None);
    }

    #[test]
    fn plain_text_is_sanitized_as_the_sanitizer_would() {
        let base = Url::parse("http://x.test/dir/page.html").expect("the base URL parses");
        let through_sanitizer = |t: &str| NO_BASE.clean(t).to_string();
        let alphabet = "软件 a>\"'=/\n\t\u{a0}\u{b}\u{c}\u{1}\u{7f}\u{200b}\u{feff}\u{fffd}é😀-;#!?%";
        for t in crate::testing::random_texts(alphabet, 0x9e37_79b9_7f4a_7c15, 3000, 24) {
            assert_eq!(sanitize(&t, None), through_sanitizer(&t), "{t:?}");
            assert_eq!(sanitize(&t, Some(&base)), through_sanitizer(&t), "{t:?}");
        }
    }

    #[test]
    fn text_read_off_the_cleaner_is_the_fragments_text() {
        // Fragments made of pieces that tend to differ between a parse and the cleaner's
        // output: entities, stripped and unknown tags, refused links, raw-text elements,
        // quotes and `>` in attributes, foreign content, stray `<` and `&`.
        #[rustfmt::skip]
        const PIECES: &[&str] = &[
            "<p>", "</p>", "<b>", "</b>", "<a href=\"javascript:x()\">", "</a>",
            "<a href=\"/x\" title='a>\"b'>", "<br>", "<script>", "</script>", "<style>", "</style>",
            "<!-- c -->", "<font>", "</font>", "<and>", "&amp;", "&lt;", "&nbsp;", "&#20320;", "&copy;",
            "&amp;nbsp;", "软件", "Open", "Source", " ", "\n", "<pre>\n", "</pre>", "<table><tr><td>",
            "</td></tr></table>", "<iframe>", "</iframe>", "<noscript>", "<textarea>", "</textarea>",
            "<img alt=\"x\">", "<div>", "</div>", "<li>", "&", "<", ">", "\r", "<svg><title>t</title></svg>",
            "<math><mi>a</mi></math>", "<title>", "<xmp>", "</xmp>", "\"", "'", "<![CDATA[x]]>",
            "<!DOCTYPE html>", "<p title=\"a&amp;b\">", "\u{3000}", "\u{a0}", "<wbr>", "<set>", "<image>",
            "<o:p>", "</o:p>", "<template>", "</template>", "<select><option>", "<P>", "<p/>", "</ p>",
            "<a\nhref=\"/y\">", "<img src=x onerror=alert(1)>", "<section>", "<center>", "<html><body>",
            "<h1>", "<span style=\"x\">", "</span>", "<frameset>", "<plaintext>", "<u>", "<del>",
            "<ruby><rt>",
        ];
        let base = Url::parse("http://x.test/dir/page.html").expect("the base URL parses");
        let alphabet: String = (0..PIECES.len())
            .filter_map(|i| char::from_u32(0x4e00 + i as u32))
            .collect();
        for t in crate::testing::random_texts(&alphabet, 0x2545_f491_4f6c_dd1d, 6000, 16) {
            let html: String = t.chars().map(|c| PIECES[(c as usize) - 0x4e00]).collect();
            let (clean, text) = sanitize_with_text(&html, Some(&base));
            assert_eq!(clean, sanitize(&html, Some(&base)), "{html:?}");
            assert_eq!(text, html_to_text(&html), "{html:?}");
        }
    }

    #[test]
    fn sanitizing_removes_scripts_and_resolves_links() {
        let base = Url::parse("http://x.test/dir/page.html").expect("the base URL parses");
        let out = sanitize(
            "<p onclick=\"x()\">hi<script>alert(1)</script><a href=\"../b.html\">b</a><a href=\"javascript:evil()\">j</a></p>",
            Some(&base),
        );
        assert!(
            !out.contains("script") && !out.contains("onclick") && !out.contains("javascript"),
            "{out}"
        );
        assert!(out.contains("href=\"http://x.test/b.html\""), "{out}");
        // With no address of its own, a relative link goes (its text stays); the last
        // item's address is not this one's.
        let out = sanitize("<p><a href=\"../b.html\">b</a></p>", None);
        assert_eq!(out, "<p>b</p>");
    }

    #[test]
    fn lead_skips_number_and_salutation() {
        assert_eq!(
            lead("苏工信软〔2026〕12号各市（区）工业和信息化主管部门，各有关单位：为加快软件产业提质增效，到2028年"),
            "为加快软件产业提质增效，到2028年"
        );
        assert_eq!(lead("星河云今日发布分布式数据库。"), "星河云今日发布分布式数据库。");
    }

    #[test]
    fn html_text_keeps_words_apart() {
        assert_eq!(
            html_to_text("<p>Open</p><p>Source</p><p>软件</p><p>产业</p>"),
            "Open Source软件产业"
        );
        assert_eq!(html_to_text("A &amp; B"), "A & B");
        assert_eq!(
            html_to_text("<p>正文</p><script>alert('x')</script><style>p{}</style>"),
            "正文"
        );
    }

    #[test]
    fn html_text_reads_as_the_cleaned_fragment_would() {
        // A tag the cleaner strips joins its text to its neighbours' (their spaces stay).
        assert_eq!(html_to_text("Hello, <font>world</font>!"), "Hello, world!");
        assert_eq!(
            html_to_text("<section>第一段</section>\n<section>第二段</section>"),
            "第一段 第二段"
        );
        assert_eq!(html_to_text("a<!-- note -->b<br>c"), "ab c");
        assert_eq!(html_to_text("<div><span>甲</span>乙<em>丙</em></div>"), "甲乙丙");
        // The text after an unclosed unknown tag is the headline's too.
        assert_eq!(
            html_to_text("Q&A: Initech's CTO on digital twins <and> the road to 7.8"),
            "Q&A: Initech's CTO on digital twins the road to 7.8"
        );
    }

    #[test]
    fn a_letter_or_digit_and_a_lowercase_are_what_the_unicode_tables_say_for_every_character() {
        let differ: Vec<char> = (char::MIN..=char::MAX)
            .filter(|c| is_letter_or_digit(*c) != c.is_alphanumeric())
            .collect();
        assert!(differ.is_empty(), "{:?}", &differ[..differ.len().min(20)]);
        let lowered_otherwise: Vec<char> = (char::MIN..=char::MAX)
            .filter(|c| {
                let mut lower = String::new();
                each_lowercase(*c, |l| lower.push(l));
                lower != c.to_lowercase().collect::<String>()
            })
            .collect();
        assert!(
            lowered_otherwise.is_empty(),
            "{:?}",
            &lowered_otherwise[..lowered_otherwise.len().min(20)]
        );
    }
}
