//! Turning bytes from the web into text.
//!
//! `reqwest` only looks at the HTTP header, but Chinese portals often declare their
//! charset only in a `<meta>` tag or the XML declaration, or not at all. The order here
//! follows WHATWG: BOM, then the HTTP header, then an in-document declaration in the
//! first 1024 bytes, then UTF-8 if the bytes are valid UTF-8, else a guess from the
//! bytes (chardetng, told the sources are Chinese). A declaration the bytes clearly
//! contradict — "UTF-8" over GBK bytes, "GBK" over valid multi-byte UTF-8, or any label
//! whose decoder hits malformed sequences — is overruled by the bytes.

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

/// Guess the encoding of undeclared (or wrongly declared) bytes.
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut d = EncodingDetector::new(Iso2022JpDetection::Deny);
    d.feed(bytes, true);
    d.guess(Some(b"cn"), Utf8Detection::Allow)
}

/// Decode `bytes` to text, returning the encoding used.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), enc);
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
        Some(enc) if enc == UTF_8 && !utf8 => detect(bytes),
        Some(enc) => {
            let (text, malformed) = enc.decode_without_bom_handling(bytes);
            if !malformed {
                return (text.into_owned(), enc);
            }
            detect(bytes)
        }
        None if utf8 => UTF_8,
        None => detect(bytes),
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc)
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
        let (text, enc) = decode(&page, Some("text/html"));
        assert_eq!(enc.name(), "GBK");
        assert!(text.contains("王喆"), "{text}");
        assert!(text.contains("2020—2022"), "{text}");
    }

    #[test]
    fn http_header_wins_over_document() {
        let bytes = gbk("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>软件</rss>");
        let (text, _) = decode(&bytes, Some("application/xml; charset=GBK"));
        assert!(text.contains("软件"));
    }

    #[test]
    fn xml_declaration_and_undeclared_bytes() {
        let bytes = gbk("<?xml version=\"1.0\" encoding=\"gb2312\"?><rss>软件</rss>");
        assert!(decode(&bytes, None).0.contains("软件"));
        let bare = gbk("<html><body>信息技术服务收入</body></html>");
        let (text, enc) = decode(&bare, None);
        assert!(enc.name() == "GBK" || enc.name() == "gb18030", "{}", enc.name());
        assert!(text.contains("信息技术服务收入"));
    }

    #[test]
    fn gbk_declaration_over_utf8_bytes_is_corrected() {
        let bytes = "<meta charset=\"gbk\"><p>工业软件适配验证</p>".as_bytes();
        let (text, enc) = decode(bytes, None);
        assert_eq!(enc, UTF_8);
        assert!(text.contains("工业软件适配验证"));
    }

    #[test]
    fn wrong_utf8_declaration_is_corrected() {
        let bytes = gbk("<meta charset=\"utf-8\"><p>工业软件</p>");
        assert!(decode(&bytes, Some("text/html; charset=utf-8")).0.contains("工业软件"));
    }
}
