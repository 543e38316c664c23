//! Text that XML 1.0 can carry. Every published file (Atom, OPML, the HTML,
//! Markdown and Word) passes its text through [`clean`] at the point of writing, so a
//! control character that reached the store (a `&#8;` in a scraped attribute, an item
//! stored before decoding stripped them) can never make a file ill-formed.

use std::borrow::Cow;

/// Whether `c` may appear in a published document: XML 1.0's `Char` production without
/// the characters it discourages (C1 controls, noncharacters), which readers also reject.
pub fn allowed(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        c if c < ' ' => false,
        '\u{7f}'..='\u{9f}' => false,
        '\u{FDD0}'..='\u{FDEF}' => false,
        c => (c as u32) & 0xFFFE != 0xFFFE,
    }
}

/// `s` with every character XML forbids or discourages removed; vertical tab, form feed
/// and the Unicode line and paragraph separators become spaces, since they separate words.
pub fn clean(s: &str) -> Cow<'_, str> {
    let spaced = |c: char| matches!(c, '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}');
    if s.chars().all(|c| allowed(c) && !spaced(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| if spaced(c) { Some(' ') } else { allowed(c).then_some(c) })
            .collect(),
    )
}

/// `s` escaped for XML or HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code point XML 1.0 forbids or discourages, fed one at a time between words.
    fn forbidden() -> impl Iterator<Item = char> {
        let c0 = (0u32..0x20).filter(|c| ![0x9, 0xA, 0xD].contains(c));
        let c1 = 0x7Fu32..=0x9F;
        let nonchars =
            (0xFDD0u32..=0xFDEF).chain((0..=0x10u32).flat_map(|p| [p * 0x10000 + 0xFFFE, p * 0x10000 + 0xFFFF]));
        c0.chain(c1).chain(nonchars).filter_map(char::from_u32)
    }

    #[test]
    fn every_forbidden_code_point_is_removed_and_the_words_stay() {
        let mut n = 0;
        for c in forbidden() {
            n += 1;
            let dirty = format!("工业{c}软件 a{c}b");
            let out = clean(&dirty);
            assert!(out.chars().all(allowed), "U+{:04X} kept", c as u32);
            assert!(
                out.contains("工业") && out.contains("软件"),
                "U+{:04X}: {out}",
                c as u32
            );
            assert!(!out.contains(c));
        }
        assert_eq!(n, 29 + 33 + 32 + 34);
    }

    #[test]
    fn separators_become_spaces_and_clean_text_is_borrowed() {
        assert_eq!(clean("a\u{b}b\u{c}c\u{2028}d"), "a b c d");
        assert!(matches!(clean("工业软件\t\n"), Cow::Borrowed(_)));
        assert_eq!(clean("emoji 😀 ok"), "emoji 😀 ok");
    }
}
