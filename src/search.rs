//! Archive search, the pure half: how text is cut into index words and how an editor's
//! query becomes an FTS5 expression; the store runs it (`store::search`).
//!
//! Chinese has no spaces, so a word index would miss 芯片 inside 国产芯片产业. Text is
//! folded (traditional → simplified, full-width → half-width, lower case: 軟體 finds
//! 软件) and cut into overlapping character pairs for Han runs and whole words for
//! Latin letters and digits. A query term becomes the phrase of its own pairs, which
//! matches exactly where the term occurs as a substring — two-character words included,
//! which a trigram index cannot serve.

use std::fmt::Write as _;

/// How much of an item's body is indexed after its title and summary: the lead says what
/// a report is about, and the index stays a fraction of the store.
pub const BODY_CHARS: usize = 1000;

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Index words of folded text: Han pairs (a lone Han character as itself), Latin and
/// digit runs whole.
pub fn words(folded: &str, out: &mut Vec<String>) {
    each_word(folded, |w| out.push(w.to_string()));
}

/// `f` of each index word of folded text, in order (see [`words`]): slices of the text,
/// nothing copied.
fn each_word(folded: &str, mut f: impl FnMut(&str)) {
    // Each Han pair is two neighbouring characters of a run: the run's slice between
    // the start of the one and the end of the other.
    let han_run = |run: &str, f: &mut dyn FnMut(&str)| {
        let mut starts = run.char_indices().map(|(i, _)| i).chain([run.len()]).peekable();
        let mut first = true;
        while let (Some(a), Some(&b)) = (starts.next(), starts.peek()) {
            match run[b..].chars().next() {
                Some(c) => f(&run[a..b + c.len_utf8()]),
                // A lone character is a word of its own.
                None if first => f(&run[a..b]),
                None => {}
            }
            first = false;
        }
    };
    // Where the current run of Han characters, or of letters and digits, starts.
    let (mut han, mut latin): (Option<usize>, Option<usize>) = (None, None);
    for (i, c) in folded.char_indices() {
        let (is_han, is_latin) = (is_han(c), !is_han(c) && crate::normalize::is_letter_or_digit(c));
        if !is_han && let Some(start) = han.take() {
            han_run(&folded[start..i], &mut f);
        }
        if !is_latin && let Some(start) = latin.take() {
            f(&folded[start..i]);
        }
        if is_han {
            han.get_or_insert(i);
        } else if is_latin {
            latin.get_or_insert(i);
        }
    }
    if let Some(start) = han {
        han_run(&folded[start..], &mut f);
    }
    if let Some(start) = latin {
        f(&folded[start..]);
    }
}

/// The index document of an item: its words, space-separated.
pub fn document(title: &str, summary: &str, body: &str) -> String {
    let mut out = String::new();
    for part in [title, summary, crate::normalize::head(body, BODY_CHARS)] {
        let folded = crate::classify::fold(part);
        // Each Han character is in two pairs: the document is about twice its text.
        out.reserve(folded.len() * 2);
        each_word(&folded, |w| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        });
    }
    out
}

/// A parsed query: what must occur and what must not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Each term as its index words, in order (a phrase).
    pub must: Vec<Vec<String>>,
    pub must_not: Vec<Vec<String>>,
    /// The terms as written (folded), for highlighting.
    pub shown: Vec<String>,
}

/// Read an editor's query: words and "quoted phrases" must all occur, `-word` and
/// `-"a phrase"` must not.
pub fn parse(q: &str) -> Query {
    let mut out = Query::default();
    let mut rest = q.trim();
    while !rest.is_empty() {
        let negative = rest.starts_with('-') || rest.starts_with('－');
        if negative {
            rest = rest.trim_start_matches(['-', '－']);
        }
        let (term, after) = if let Some(inner) = rest.strip_prefix(['"', '“', '”', '「']) {
            match inner.find(['"', '”', '“', '」']) {
                Some(end) => {
                    let close = inner[end..].chars().next().map_or(1, char::len_utf8);
                    (&inner[..end], &inner[end + close..])
                }
                None => (inner, ""),
            }
        } else {
            match rest.find(char::is_whitespace) {
                Some(end) => (&rest[..end], &rest[end..]),
                None => (rest, ""),
            }
        };
        rest = after.trim_start();
        let folded = crate::classify::fold(term.trim());
        let mut w = Vec::new();
        words(&folded, &mut w);
        if w.is_empty() {
            continue;
        }
        if negative {
            out.must_not.push(w);
        } else {
            out.shown.push(folded);
            out.must.push(w);
        }
    }
    out
}

fn phrase(words: &[String]) -> String {
    // Index words hold letters, digits and Han only: quoting is for FTS5's syntax.
    let inner = words.join(" ");
    // A lone Han character matches the pairs it starts, as well as itself.
    if words.len() == 1 && words[0].chars().count() == 1 && words[0].chars().all(is_han) {
        format!("\"{inner}\"*")
    } else {
        format!("\"{inner}\"")
    }
}

impl Query {
    /// The FTS5 MATCH expression, or `None` when nothing must occur.
    pub fn fts(&self) -> Option<String> {
        if self.must.is_empty() {
            return None;
        }
        let mut s = self.must.iter().map(|w| phrase(w)).collect::<Vec<_>>().join(" AND ");
        for w in &self.must_not {
            let _ = write!(s, " NOT {}", phrase(w));
        }
        Some(s)
    }
}

/// The part of `text` around the first term found, at most `width` characters, with the
/// term marked by `open`/`close` (`【` `】` for a terminal, `<mark>` for HTML, the caller
/// escaping the rest).
pub fn passage(text: &str, terms: &[String], width: usize) -> (String, Option<(usize, usize)>) {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars
        .iter()
        .map(|c| crate::classify::fold(&c.to_string()).chars().next().unwrap_or(*c))
        .collect();
    let hit = terms.iter().filter(|t| !t.is_empty()).find_map(|t| {
        let t: Vec<char> = t.chars().collect();
        folded
            .windows(t.len())
            .position(|w| w == t.as_slice())
            .map(|at| (at, t.len()))
    });
    let Some((at, len)) = hit else {
        return (chars.iter().take(width).collect(), None);
    };
    let start = at.saturating_sub(width.saturating_sub(len) / 3);
    let end = (start + width).min(chars.len());
    let start = end.saturating_sub(width).min(start);
    let s: String = chars[start..end].iter().collect();
    (s, Some((at - start, len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_text_is_cut_into_pairs_and_latin_into_words() {
        let mut w = Vec::new();
        words(&crate::classify::fold("國產芯片 5G基站，AI！云"), &mut w);
        assert_eq!(w, vec!["国产", "产芯", "芯片", "5g", "基站", "ai", "云"]);
    }

    /// The words as first written, one `String` at a time: the oracle of the words
    /// written in place.
    fn words_by_strings(folded: &str) -> Vec<String> {
        let mut out = Vec::new();
        let (mut han, mut latin): (Vec<char>, String) = (Vec::new(), String::new());
        let flush = |han: &mut Vec<char>, out: &mut Vec<String>| {
            match han.len() {
                0 => {}
                1 => out.push(han[0].to_string()),
                _ => out.extend(han.windows(2).map(|w| w.iter().collect::<String>())),
            }
            han.clear();
        };
        for c in folded.chars() {
            if is_han(c) {
                if !latin.is_empty() {
                    out.push(std::mem::take(&mut latin));
                }
                han.push(c);
            } else {
                flush(&mut han, &mut out);
                if crate::normalize::is_letter_or_digit(c) {
                    latin.push(c);
                } else if !latin.is_empty() {
                    out.push(std::mem::take(&mut latin));
                }
            }
        }
        flush(&mut han, &mut out);
        if !latin.is_empty() {
            out.push(latin);
        }
        out
    }

    #[test]
    fn words_written_in_place_are_the_words_of_the_text() {
        let texts = [
            "",
            "云",
            "云 雨",
            "國產芯片 5G基站，AI！云",
            "鸿蒙OS 5.0发布、㐀㐁字 café über-fast 第12届中国（南京）软件大会",
            "ｇｐｕ芯片Blackwell架构B200，售价3万美元。",
            "a",
            "，。！",
            "软件x件软",
        ];
        for t in texts {
            let folded = crate::classify::fold(t);
            let mut w = Vec::new();
            words(&folded, &mut w);
            assert_eq!(w, words_by_strings(&folded), "{t}");
        }
        // And random mixtures of every kind of character, from a fixed seed.
        for t in crate::testing::random_texts("软件云芯片國產㐀㐁aZ9 ，。-_ＧｐüÉ5", 0x2545_f491_4f6c_dd1d, 2000, 12)
        {
            let folded = crate::classify::fold(&t);
            let mut w = Vec::new();
            words(&folded, &mut w);
            assert_eq!(w, words_by_strings(&folded), "{t}");
        }
        let (title, summary, body) = ("國產芯片发布", "", "云 AI 5G！第二段。");
        let expected: Vec<String> = [title, summary, body]
            .iter()
            .flat_map(|p| words_by_strings(&crate::classify::fold(p)))
            .collect();
        assert_eq!(document(title, summary, body), expected.join(" "));
    }

    #[test]
    fn queries_make_phrases_of_their_pairs() {
        let q = parse("芯片 \"工业 软件\" -招聘 鸿蒙OS");
        assert_eq!(
            q.fts().as_deref(),
            Some("\"芯片\" AND \"工业 软件\" AND \"鸿蒙 os\" NOT \"招聘\"")
        );
        assert_eq!(q.shown, vec!["芯片", "工业 软件", "鸿蒙os"]);
        assert_eq!(parse("-只排除").fts(), None);
        assert_eq!(
            parse("軟件").fts().as_deref(),
            Some("\"软件\""),
            "traditional finds simplified"
        );
        assert_eq!(parse("云").fts().as_deref(), Some("\"云\"*"));
    }

    #[test]
    fn the_passage_marks_the_first_term_found() {
        let (s, mark) = passage(
            "工信部印发《工业软件高质量发展行动计划》，提出到2027年……",
            &["软件".into()],
            12,
        );
        let (at, len) = mark.expect("found");
        let marked: String = s.chars().skip(at).take(len).collect();
        assert_eq!(marked, "软件");
        assert!(s.chars().count() <= 12);
    }
}
