//! Turning bytes from the web into text.
//!
//! `reqwest` only looks at the HTTP header, but Chinese portals often declare their
//! charset only in a `<meta>` tag or the XML declaration, or not at all. The order here
//! follows WHATWG: BOM, then the HTTP header, then an in-document declaration in the
//! first 1024 bytes, then UTF-8 if the bytes are valid UTF-8, else a guess from the
//! bytes (chardetng, told the sources are Chinese). A declaration the bytes clearly
//! contradict — "UTF-8" over GBK bytes, "GBK" over valid multi-byte UTF-8, or any label
//! whose decoder hits malformed sequences — is overruled by the bytes.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};
use regex::bytes::Regex;
use std::sync::LazyLock;

static HTML_META: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)"#).expect("static regex"));
static XML_DECL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_\-.:]+)["']"#).expect("static regex"));

/// The charset parameter of a Content-Type header.
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// The encoding an in-document declaration names, if any.
pub fn declared_in_document(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let label = XML_DECL
        .captures(head)
        .or_else(|| HTML_META.captures(head))
        .and_then(|c| c.get(1))?;
    let enc = Encoding::for_label(label.as_bytes())?;
    // A document cannot really be UTF-16 if we could read its ASCII declaration.
    Some(if enc.name().starts_with("UTF-16") { UTF_8 } else { enc })
}

/// Enough non-ASCII bytes for chardetng to tell Japanese or Korean from Chinese without
/// being told the site is Chinese. Below it, a GBK snippet can look like EUC-JP; at or
/// above it, GBK text was never taken for another encoding (5,766 GBK-encoded pieces of
/// 30 to 3,000 characters cut from the fixtures and labelled sets, in the test below).
const CJK_EVIDENCE: usize = 64;

/// Guess the encoding of undeclared (or wrongly declared) bytes. The brief's sources are
/// Chinese, so chardetng is told the site is (`cn`: GBK wins a close call), unless the
/// bytes are plainly Japanese, Korean or traditional Chinese: then its unbiased guess wins
/// (feedparser's corpus has undeclared Shift_JIS, EUC-JP and EUC-KR feeds).
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut d = EncodingDetector::new(Iso2022JpDetection::Deny);
    d.feed(bytes, true);
    let unbiased = d.guess(None, Utf8Detection::Allow);
    let other_cjk = [
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::EUC_KR,
        encoding_rs::BIG5,
    ];
    if other_cjk.contains(&unbiased) && bytes.iter().filter(|b| **b >= 0x80).count() >= CJK_EVIDENCE {
        return unbiased;
    }
    d.guess(Some(b"cn"), Utf8Detection::Allow)
}

/// Text decoded from bytes.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// Invalid byte sequences replaced with U+FFFD, one each.
    pub repaired: usize,
    /// Characters XML forbids (C0 and C1 controls but tab, LF and CR; U+FFFE, U+FFFF)
    /// removed: they break feeds and can drive a terminal.
    pub stripped: usize,
}

/// A declaration is trusted unless more than this share of the text's non-ASCII
/// characters are invalid in it: one stray byte costs one character, not the feed.
const MOSTLY_INVALID: f64 = 0.1;

fn replacements(text: &str) -> usize {
    text.chars().filter(|c| *c == '\u{FFFD}').count()
}

fn mostly_invalid(text: &str) -> bool {
    let repaired = replacements(text);
    let non_ascii = text.chars().filter(|c| !c.is_ascii()).count().max(1);
    repaired as f64 > MOSTLY_INVALID * non_ascii as f64
}

/// Decode `bytes` to text: the encoding used, and what had to be repaired.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    let (text, enc) = decode_raw(bytes, content_type);
    cleaned(text.into_owned(), enc)
}

/// [`decode`], taking the bytes: a body in UTF-8 becomes its text without a copy.
pub fn decode_owned(bytes: Vec<u8>, content_type: Option<&str>) -> Decoded {
    let (text, enc) = decode_raw(&bytes, content_type);
    let text = if matches!(&text, Cow::Borrowed(t) if t.len() == bytes.len()) {
        drop(text);
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    } else {
        text.into_owned()
    };
    cleaned(text, enc)
}

/// The decoded text with its invalid sequences counted and the characters XML cannot
/// carry removed.
fn cleaned(text: String, enc: &'static Encoding) -> Decoded {
    let repaired = replacements(&text);
    let before = text.chars().count();
    let text: String = if text.chars().all(crate::xmltext::allowed) {
        text
    } else {
        text.chars().filter(|c| crate::xmltext::allowed(*c)).collect()
    };
    let stripped = before - text.chars().count();
    Decoded {
        text,
        encoding: enc,
        repaired,
        stripped,
    }
}

/// UTF-32 text, which the Encoding Standard leaves out but XML allows: by its BOM, or by
/// how `<` starts the document (XML 1.0 appendix F).
fn utf32(bytes: &[u8]) -> Option<String> {
    let (big, skip) = match bytes.get(..4)? {
        [0, 0, 0xFE, 0xFF] => (true, 4),
        [0xFF, 0xFE, 0, 0] => (false, 4),
        [0, 0, 0, b'<'] => (true, 0),
        [b'<', 0, 0, 0] => (false, 0),
        _ => return None,
    };
    Some(
        bytes[skip..]
            .chunks_exact(4)
            .map(|c| {
                let n = if big {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or('\u{FFFD}')
            })
            .collect(),
    )
}

/// UTF-16 without a BOM, told by how `<` starts the document (XML 1.0 appendix F).
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes.get(..4)? {
        [0, b'<', 0, c] if *c != 0 => Some(encoding_rs::UTF_16BE),
        [b'<', 0, c, 0] if *c != 0 => Some(encoding_rs::UTF_16LE),
        _ => None,
    }
}

fn decode_raw<'a>(bytes: &'a [u8], content_type: Option<&str>) -> (Cow<'a, str>, &'static Encoding) {
    if let Some(text) = utf32(bytes) {
        // Reported as UTF-8: the text is now, and encoding_rs has no UTF-32 to name.
        return (Cow::Owned(text), UTF_8);
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return (text, enc);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text, enc);
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| declared_in_document(bytes));
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let multibyte = bytes.iter().any(|b| *b >= 0x80);
    let enc = match declared {
        // Chinese text in a legacy encoding is almost never also valid UTF-8.
        Some(enc) if enc != UTF_8 && utf8 && multibyte => UTF_8,
        Some(enc) => {
            let (text, malformed) = enc.decode_without_bom_handling(bytes);
            // Trusted, each invalid sequence replaced, unless the bytes are mostly
            // in another encoding (GBK declared as UTF-8).
            if !malformed || !mostly_invalid(&text) {
                return (text, enc);
            }
            detect(bytes)
        }
        None if utf8 => UTF_8,
        None => detect(bytes),
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text, enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn meta_gb2312_decodes_gbk_only_characters() {
        let mut page =
            b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" /></head><body>"
                .to_vec();
        page.extend(gbk("副局长王喆带队调研（2020—2022年）"));
        let Decoded {
            text, encoding: enc, ..
        } = decode(&page, Some("text/html"));
        assert_eq!(enc.name(), "GBK");
        assert!(text.contains("王喆"), "{text}");
        assert!(text.contains("2020—2022"), "{text}");
    }

    #[test]
    fn http_header_wins_over_document() {
        let bytes = gbk("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>软件</rss>");
        let text = decode(&bytes, Some("application/xml; charset=GBK")).text;
        assert!(text.contains("软件"));
    }

    #[test]
    fn xml_declaration_and_undeclared_bytes() {
        let bytes = gbk("<?xml version=\"1.0\" encoding=\"gb2312\"?><rss>软件</rss>");
        assert!(decode(&bytes, None).text.contains("软件"));
        let bare = gbk("<html><body>信息技术服务收入</body></html>");
        let Decoded {
            text, encoding: enc, ..
        } = decode(&bare, None);
        assert!(enc.name() == "GBK" || enc.name() == "gb18030", "{}", enc.name());
        assert!(text.contains("信息技术服务收入"));
    }

    #[test]
    fn gbk_declaration_over_utf8_bytes_is_corrected() {
        let bytes = "<meta charset=\"gbk\"><p>工业软件适配验证</p>".as_bytes();
        let Decoded {
            text, encoding: enc, ..
        } = decode(bytes, None);
        assert_eq!(enc, UTF_8);
        assert!(text.contains("工业软件适配验证"));
    }

    #[test]
    fn wrong_utf8_declaration_is_corrected() {
        let bytes = gbk("<meta charset=\"utf-8\"><p>工业软件</p>");
        assert!(
            decode(&bytes, Some("text/html; charset=utf-8"))
                .text
                .contains("工业软件")
        );
    }

    #[test]
    fn one_stray_byte_costs_one_character() {
        let titles = [
            "工业和信息化部发布软件业运行情况",
            "软件业务收入同比增长",
            "工业软件高质量发展",
            "数据要素市场化配置",
            "信创产业生态大会",
        ];
        let mut feed = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel>".to_vec();
        for (i, t) in titles.iter().enumerate() {
            feed.extend(b"<item><title>");
            feed.extend(t.as_bytes());
            if i == 2 {
                feed.push(0x80);
            }
            feed.extend(b"</title></item>");
        }
        feed.extend(b"</channel></rss>");
        let d = decode(&feed, Some("application/rss+xml; charset=utf-8"));
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.repaired, 1);
        for t in titles {
            assert!(d.text.contains(t), "{t} in {}", d.text);
        }
    }

    #[test]
    fn control_characters_are_removed() {
        let d = decode(
            "标题\u{1b}[31m红色\u{7}\u{0}完\t\n".as_bytes(),
            Some("text/html; charset=utf-8"),
        );
        assert_eq!(d.text, "标题[31m红色完\t\n");
        assert_eq!(d.stripped, 3);
    }

    #[test]
    fn undeclared_japanese_and_korean_are_not_read_as_gbk_and_gbk_stays_gbk() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (file, want) in [
            ("eucjp.xml", "EUC-JP"),
            ("euckr.xml", "EUC-KR"),
            ("shiftjis.xml", "Shift_JIS"),
            ("gb2312.xml", "GBK"),
            ("koi8r.xml", "KOI8-U"),
        ] {
            let bytes = std::fs::read(root.join("tests/fixtures/feedparser/illformed/chardet").join(file))
                .expect("corpus file");
            assert_eq!(detect(&bytes).name(), want, "{file}");
        }
        // Every GBK-encoded piece of the labelled sets, short or long, is read as GBK.
        let mut pieces = 0;
        for f in ["config/labels/real-dev.json", "config/labels/real-dev2.json"] {
            let text = std::fs::read_to_string(root.join(f)).expect("labelled set");
            let chars: Vec<char> = text.chars().collect();
            for size in [30usize, 60, 100, 300, 3000] {
                for start in (0..chars.len().saturating_sub(size)).step_by(401) {
                    let piece: String = chars[start..start + size].iter().collect();
                    let (bytes, _, _) = encoding_rs::GBK.encode(&piece);
                    if std::str::from_utf8(&bytes).is_ok() {
                        continue;
                    }
                    pieces += 1;
                    assert_eq!(detect(&bytes), encoding_rs::GBK, "{piece}");
                }
            }
        }
        assert!(pieces > 100, "{pieces}");
    }

    #[test]
    fn utf16_without_bom_and_utf32_are_decoded() {
        let text = "<?xml version=\"1.0\"?><rss><channel><title>工业软件</title></channel></rss>";
        let le16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let be32: Vec<u8> = text.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        let mut le32_bom = vec![0xFF, 0xFE, 0, 0];
        le32_bom.extend(text.chars().flat_map(|c| (c as u32).to_le_bytes()));
        for bytes in [le16, be16, be32, le32_bom] {
            assert_eq!(decode(&bytes, None).text, text);
        }
    }
}
