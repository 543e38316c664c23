//! A lenient reader of feed entries, for what feed-rs drops: Atom 0.3, RSS 1.0 items known
//! only by `rdf:about`, titles in `dc:title` or Media RSS, `type="xhtml"` or base64
//! titles, CDF, unknown content types, and documents cut off in the middle (the complete
//! entries before the break are kept). It reads any element named `item` or `entry`
//! under the document's root or channel, takes the first field of each kind by the names
//! feeds use, and never expands an entity a DTD declares.

use std::collections::HashMap;

use base64::Engine;
use quick_xml::events::{BytesStart, Event};

use crate::xmltext::escape;

/// An entry as the document gave it. `title`, `summary` and `content` are HTML (plain
/// text is escaped), as [`crate::model::RawItem`] expects.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Entry {
    pub title: Option<String>,
    pub link: Option<String>,
    pub guid: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub summary: Option<String>,
    pub content: Option<String>,
    pub author: Option<String>,
}

#[derive(Debug, Default)]
pub struct Read {
    pub entries: Vec<Entry>,
    /// The document ended (or broke) before its root element closed.
    pub truncated: bool,
    /// An Atom 0.3 document (`<feed version="0.3">` or its namespace), which feed-rs reads
    /// as an empty feed.
    pub atom03: bool,
    /// The root element is a feed's (`rss`, `feed`, `rdf:RDF`, CDF's `channel`): a document
    /// with no entries is an empty feed, not a broken one.
    pub feed_root: bool,
}

/// Where a field's text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title(u8),
    Link,
    Guid,
    Published(u8),
    Updated,
    Summary,
    Content(u8),
    Author,
}

/// How a field's text is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Html,
    Xhtml,
    Base64Text,
    Base64Html,
}

fn kind_of(e: &BytesStart, default_html: bool) -> Kind {
    let mut ty = None;
    let mut mode = None;
    for a in e.attributes().flatten() {
        let key = local(a.key.as_ref()).to_ascii_lowercase();
        let value = a.value.to_ascii_lowercase();
        match key.as_str() {
            "type" => ty = Some(value),
            "mode" => mode = Some(value),
            _ => {}
        }
    }
    let html = match ty.as_deref() {
        Some("xhtml" | "application/xhtml+xml") => return Kind::Xhtml,
        Some("html" | "text/html") => true,
        Some("text" | "text/plain") => false,
        // Any other MIME type that is not text or XML is base64 (RFC 4287 §4.1.3.3).
        Some(t) if t.contains('/') && !t.starts_with("text/") && !t.ends_with("xml") => {
            return Kind::Base64Text;
        }
        // Any other type (or none) as the element's usual content: RSS fields carry HTML.
        Some(_) | None => default_html,
    };
    match (mode.as_deref(), html) {
        (Some("base64"), true) => Kind::Base64Html,
        (Some("base64"), false) => Kind::Base64Text,
        (Some("escaped"), _) => Kind::Html,
        (Some("xml"), true) => Kind::Xhtml,
        (_, true) => Kind::Html,
        (_, false) => Kind::Text,
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn prefix(name: &str) -> Option<&str> {
    name.split_once(':').map(|(p, _)| p)
}

/// What vocabulary an element is from: by its namespace when the document declared it,
/// else by the prefix feeds conventionally use.
fn vocabulary<'a>(name: &'a str, ns: &HashMap<String, String>) -> &'a str {
    let Some(p) = prefix(name) else { return "" };
    match ns.get(p).map(String::as_str) {
        Some(u) if u.contains("purl.org/dc/") => "dc",
        Some(u) if u.contains("search.yahoo.com/mrss") => "media",
        Some(u) if u.contains("purl.org/rss/1.0/modules/content") => "content",
        // The feed formats' own namespaces (Atom 1.0 and 0.3, RSS 2.0 in userland's, RSS
        // 1.0, RSS 0.90): their elements are read as the unprefixed ones.
        Some(u)
            if u.contains("www.w3.org/2005/Atom")
                || u.contains("purl.org/atom/ns")
                || u.contains("backend.userland.com/rss")
                || u.trim_end_matches('/').ends_with("purl.org/rss/1.0")
                || u.contains("my.netscape.com/rdf/simple") =>
        {
            ""
        }
        Some(u) if u.contains("www.w3.org/1999/xhtml") => "xhtml",
        _ => p,
    }
}

/// The field an entry's child element fills, with its rank (lower wins among fields of
/// one kind).
fn field_of(name: &str, ns: &HashMap<String, String>) -> Option<Field> {
    let l = local(name).to_ascii_lowercase();
    let v = vocabulary(name, ns);
    Some(match (v, l.as_str()) {
        ("", "title") => Field::Title(0),
        ("dc", "title") => Field::Title(1),
        ("media", "title") => Field::Title(2),
        ("", "link") => Field::Link,
        ("", "id" | "guid") => Field::Guid,
        ("", "published" | "issued" | "pubdate") => Field::Published(0),
        ("dc" | "dcterms", "date" | "issued" | "created") => Field::Published(1),
        ("", "created") => Field::Published(2),
        ("", "updated" | "modified") | ("dcterms", "modified") => Field::Updated,
        ("", "summary" | "description" | "abstract") | ("dc", "description") => Field::Summary,
        ("content", "encoded") => Field::Content(0),
        ("", "content") => Field::Content(1),
        ("xhtml", "body") => Field::Content(2),
        ("", "author") | ("dc", "creator") => Field::Author,
        _ => return None,
    })
}

fn attr(e: &BytesStart, want: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()).eq_ignore_ascii_case(want))
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
        .map(|v| crate::extract::html::squash(&v))
        .filter(|v| !v.is_empty())
}

/// One predefined entity or character reference; any other name is kept as written
/// (never looked up in a DTD), which HTML fields then read as HTML.
fn reference(name: &str) -> String {
    match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        "nbsp" => "\u{a0}".into(),
        n if n.starts_with('#') => quick_xml::events::BytesRef::new(n)
            .resolve_char_ref()
            .ok()
            .flatten()
            .map(String::from)
            .unwrap_or_default(),
        n => format!("&{n};"),
    }
}

/// A field being read: its kind, the markup of its children (for XHTML), its text.
struct Open {
    field: Field,
    kind: Kind,
    depth: usize,
    text: String,
    /// A link element's href (Atom), read from its attributes.
    href: Option<String>,
    /// A link element names the entry's own page (`rel="alternate"` or no `rel`).
    alternate: bool,
}

impl Open {
    /// Character data of the field: markup-escaped inside XHTML, whose tags are kept.
    fn push_text(&mut self, s: &str) {
        if self.kind == Kind::Xhtml {
            self.text.push_str(&escape(s));
        } else {
            self.text.push_str(s);
        }
    }
}

/// An entry being read: its element's depth, what its attributes gave, its fields so far.
type Reading = (usize, Entry, Vec<(Field, String)>);

/// Finish a field's text as HTML (escaped when the field was plain text).
fn finish(o: &Open) -> Option<String> {
    let decoded = |t: &str| {
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let html = match o.kind {
        Kind::Text => escape(&o.text),
        Kind::Html | Kind::Xhtml => o.text.clone(),
        Kind::Base64Text => escape(&decoded(&o.text)?),
        Kind::Base64Html => decoded(&o.text)?,
    };
    let t = html.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Read what entries `text` holds, as far as it can be read.
pub fn read(text: &str) -> Read {
    let mut reader = quick_xml::Reader::from_str(text);
    {
        let c = reader.config_mut();
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.expand_empty_elements = true;
    }
    let mut out = Read::default();
    let mut ns: HashMap<String, String> = HashMap::new();
    // Local names of the open elements, lowercased.
    let mut stack: Vec<String> = Vec::new();
    let mut entry: Option<Reading> = None;
    let mut open: Option<Open> = None;
    let mut root_closed = false;
    let mut atom = false;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(_) => {
                out.truncated = true;
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                for a in e.attributes().flatten() {
                    let key = a.key.as_ref();
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        let p = key.strip_prefix("xmlns:").unwrap_or("").to_string();
                        let uri = a.value.to_string();
                        if uri.contains("purl.org/atom/ns") {
                            out.atom03 = true;
                        }
                        ns.insert(p, uri);
                    }
                }
                let l = local(&name).to_ascii_lowercase();
                if stack.is_empty() {
                    out.feed_root = matches!(l.as_str(), "rss" | "feed" | "rdf" | "channel");
                }
                if stack.is_empty() && l == "feed" {
                    atom = true;
                    if attr(&e, "version").as_deref() == Some("0.3") {
                        out.atom03 = true;
                    }
                }
                let depth = stack.len();
                stack.push(l.clone());
                if let Some(o) = open.as_mut() {
                    // Markup inside a field: kept for XHTML, dropped (text only) otherwise.
                    if o.kind == Kind::Xhtml && depth > o.depth {
                        o.text.push('<');
                        o.text.push_str(local(&name));
                        for a in e.attributes().flatten() {
                            if !a.key.as_ref().starts_with("xmlns") {
                                o.text
                                    .push_str(&format!(" {}=\"{}\"", local(a.key.as_ref()), escape(&a.value)));
                            }
                        }
                        o.text.push('>');
                    }
                    continue;
                }
                let parent = depth.checked_sub(1).and_then(|i| stack.get(i)).map(String::as_str);
                if entry.is_none()
                    && (l == "item" || l == "entry")
                    && (depth <= 1 || matches!(parent, Some("channel" | "rdf" | "feed" | "rss")))
                {
                    let mut en = Entry::default();
                    // RSS 1.0 names an item by rdf:about; CDF by HREF.
                    if let Some(about) = attr(&e, "about") {
                        en.guid = Some(about.clone());
                        en.link = Some(about);
                    }
                    if let Some(href) = attr(&e, "href") {
                        en.link = Some(href);
                    }
                    en.updated = attr(&e, "lastmod");
                    entry = Some((depth, en, Vec::new()));
                    continue;
                }
                if let Some((edepth, _, _)) = entry.as_ref()
                    && depth == *edepth + 1
                    && let Some(field) = field_of(&name, &ns)
                {
                    // Atom's text constructs are plain text unless they say otherwise;
                    // RSS fields carry HTML (its titles too, as readers treat them).
                    let default_html = !atom;
                    let kind = match field {
                        Field::Title(_) | Field::Summary | Field::Content(_) => kind_of(&e, default_html),
                        _ => Kind::Text,
                    };
                    // Only the entry's own page is its link: `rel="alternate"` or none.
                    let alternate = attr(&e, "rel").is_none_or(|rel| rel == "alternate");
                    open = Some(Open {
                        field,
                        kind,
                        depth,
                        text: String::new(),
                        href: if field == Field::Link { attr(&e, "href") } else { None },
                        alternate,
                    });
                }
            }
            Event::End(end) => {
                let depth = stack.len().saturating_sub(1);
                stack.pop();
                if let Some(o) = open.as_mut() {
                    if depth > o.depth {
                        if o.kind == Kind::Xhtml {
                            o.text.push_str(&format!("</{}>", local(end.name().as_ref())));
                        }
                        continue;
                    }
                    let done = open.take();
                    if let (Some(o), Some((_, _, seen))) = (done, entry.as_mut()) {
                        let value = if o.field == Field::Link {
                            // Atom names it in `href`, RSS in the text.
                            let text = Some(o.text.trim().to_string()).filter(|t| !t.is_empty());
                            o.href.clone().or(text).filter(|_| o.alternate)
                        } else if matches!(o.field, Field::Title(_) | Field::Summary | Field::Content(_)) {
                            finish(&o)
                        } else {
                            Some(crate::extract::html::squash(&o.text)).filter(|t| !t.is_empty())
                        };
                        if let Some(v) = value {
                            seen.push((o.field, v));
                        }
                    }
                    continue;
                }
                if let Some((edepth, _, _)) = &entry
                    && depth == *edepth
                    && let Some((_, en, seen)) = entry.take()
                {
                    out.entries.push(settle(en, seen));
                }
                if stack.is_empty() {
                    root_closed = true;
                }
            }
            Event::Text(t) => {
                if let Some(o) = open.as_mut() {
                    o.push_text(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(o) = open.as_mut() {
                    o.push_text(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(o) = open.as_mut() {
                    let s = reference(&r);
                    if o.kind == Kind::Xhtml && !s.starts_with('&') {
                        o.text.push_str(&escape(&s));
                    } else {
                        o.text.push_str(&s);
                    }
                }
            }
            _ => {}
        }
    }
    if !root_closed && (!stack.is_empty() || entry.is_some()) {
        out.truncated = true;
    }
    out
}

/// Choose among an entry's fields: the best-ranked of each kind, the first of equals.
fn settle(mut en: Entry, seen: Vec<(Field, String)>) -> Entry {
    let best = |pick: &dyn Fn(Field) -> Option<u8>| -> Option<String> {
        seen.iter()
            .filter_map(|(f, v)| pick(*f).map(|rank| (rank, v)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, v)| v.clone())
    };
    en.title = best(&|f| match f {
        Field::Title(r) => Some(r),
        _ => None,
    });
    // A <link> of the entry's own over what the item element's attributes said
    // (`rdf:about`, CDF's HREF).
    en.link = best(&|f| (f == Field::Link).then_some(0)).or(en.link);
    let guid = best(&|f| (f == Field::Guid).then_some(0));
    if guid.is_some() {
        en.guid = guid;
    }
    if en.link.is_none() {
        en.link = en
            .guid
            .clone()
            .filter(|g| g.starts_with("http://") || g.starts_with("https://"));
    }
    en.published = best(&|f| match f {
        Field::Published(r) => Some(r),
        _ => None,
    });
    en.updated = best(&|f| (f == Field::Updated).then_some(0)).or(en.updated);
    en.summary = best(&|f| (f == Field::Summary).then_some(0));
    en.content = best(&|f| match f {
        Field::Content(r) => Some(r),
        _ => None,
    });
    en.author = best(&|f| (f == Field::Author).then_some(0));
    en
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_03_entries_are_read() {
        let doc = r#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
            <title>t</title><entry><title mode="escaped" type="text/html">A &lt;b&gt;bold&lt;/b&gt; move</title>
            <link rel="alternate" type="text/html" href="http://example.org/1"/><id>tag:x,2004:1</id>
            <issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified>
            <content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <b>there</b></p></div></content>
            </entry></feed>"#;
        let r = read(doc);
        assert!(r.atom03 && !r.truncated);
        assert_eq!(r.entries.len(), 1);
        let e = &r.entries[0];
        assert_eq!(e.title.as_deref(), Some("A <b>bold</b> move"));
        assert_eq!(e.link.as_deref(), Some("http://example.org/1"));
        assert_eq!(e.published.as_deref(), Some("2004-01-01T00:00:00Z"));
        assert_eq!(e.updated.as_deref(), Some("2004-01-02T00:00:00Z"));
        assert!(e.content.as_deref().is_some_and(|c| c.contains("there")), "{e:?}");
    }

    #[test]
    fn rdf_about_dc_title_and_text_titles() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel rdf:about="http://example.org/"><title>c</title></channel>
            <item rdf:about="http://example.org/a"><dc:title>By dc</dc:title></item>
            <item rdf:about="http://example.org/b"><title>History of the &lt;blink&gt; tag</title></item></rdf:RDF>"#;
        let r = read(doc);
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].title.as_deref(), Some("By dc"));
        assert_eq!(r.entries[0].link.as_deref(), Some("http://example.org/a"));
        // RSS titles are read as HTML, as readers do.
        assert_eq!(r.entries[1].title.as_deref(), Some("History of the <blink> tag"));
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">History of the &lt;blink&gt; tag</title></entry></feed>"#;
        assert_eq!(
            read(atom).entries[0].title.as_deref(),
            Some("History of the &lt;blink&gt; tag")
        );
    }

    #[test]
    fn a_truncated_document_keeps_its_complete_entries() {
        let doc = "<rss><channel><item><title>one</title></item><item><title>two</title></item><item><title>thr";
        let r = read(doc);
        assert!(r.truncated);
        assert_eq!(r.entries.len(), 2);
    }

    #[test]
    fn xhtml_and_base64_titles_become_text() {
        let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <em>xhtml</em> title</div></title></entry>
            <entry><title mode="base64" type="text/plain">SGVsbG8gd29ybGQ=</title></entry>
            <entry><title>x&nbsp;&custom;</title></entry></feed>"#;
        let r = read(doc);
        assert_eq!(r.entries.len(), 3);
        let t0 = r.entries[0].title.clone().unwrap_or_default();
        assert!(
            t0.contains("An") && t0.contains("xhtml") && t0.contains("title"),
            "{t0}"
        );
        assert_eq!(r.entries[1].title.as_deref(), Some("Hello world"));
        assert_eq!(r.entries[2].title.as_deref(), Some("x\u{a0}&amp;custom;"));
    }
}
