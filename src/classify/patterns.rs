//! The taxonomy's patterns, searched where they can start.
//!
//! A rule's pattern is mostly words, a gap, and more words:
//! `(发布|推出|…)[^，。]{0,12}(新品|产品|…)`. Searched unanchored, its lazy DFA tracks a
//! match begun at every one of the last twelve characters at once, and reads Chinese text
//! into more states than a small cache holds: the cache is cleared and built again item
//! after item, and the patterns were half of what classifying an item cost. Searched
//! anchored at each place one of its first words begins, the same pattern needs a few
//! states only. The places come from the classifier's word automaton, which reads every
//! text anyway: each pattern's possible first words (`prefixes`) are among its needles.
//!
//! The match is the same either way: the unanchored search gives the match that starts
//! first, and the anchored searches are tried from the first place on. A pattern whose
//! first words are no short list (one that starts with `\p{Han}` or a negated class) is
//! searched unanchored, with a larger cache.

use std::cell::{RefCell, RefMut};
use std::ops::Range;

use regex_automata::meta::{Builder, Cache, Config, Regex};
use regex_automata::{Anchored, Input};

/// The lazy DFA cache of a pattern searched anchored, per thread that runs it (the regex
/// crate's default is 2 MB; at that default the patterns' caches were half of a run's
/// heap before its first item, docs/benchmarks.md, issue 11, stop 48).
const ANCHORED_DFA_BYTES: usize = 64 * 1024;
/// The cache of a pattern searched unanchored: 64 KB made such a pattern of the shipped
/// taxonomy clear its cache every few items (3.6 µs an item against 0.5 µs at 128 KB).
const UNANCHORED_DFA_BYTES: usize = 256 * 1024;

/// Most first words a pattern may have to be searched anchored: more is no short list.
const MAX_PREFIXES: usize = 250;

pub(super) struct Patterns {
    regexes: Vec<Regex>,
    /// Each pattern's possible first words, when they are a short list.
    prefixes: Vec<Option<Vec<String>>>,
    /// One cache of each pattern's lazy DFA per thread that searches with them. The regex
    /// crate's own pool keeps caches in eight stacks by thread id, and the short threads
    /// that read a run's items each have a new id: eight sets stayed alive. Here a thread
    /// that ends leaves its set to the next thread given its id, and the classifier's
    /// drop frees them all.
    caches: thread_local::ThreadLocal<RefCell<Vec<Cache>>>,
}

impl Patterns {
    pub(super) fn new() -> Patterns {
        Patterns {
            regexes: Vec::new(),
            prefixes: Vec::new(),
            caches: thread_local::ThreadLocal::new(),
        }
    }

    /// Compiles a taxonomy pattern (it reads folded text, so it ignores case) and returns
    /// its index.
    pub(super) fn push(&mut self, pattern: &str) -> anyhow::Result<usize> {
        let pattern = as_read(pattern);
        let prefixes = prefixes(&pattern);
        let wanted = if prefixes.is_some() {
            ANCHORED_DFA_BYTES
        } else {
            UNANCHORED_DFA_BYTES
        };
        let regex = Builder::new()
            .configure(Config::new().hybrid_cache_capacity(dfa_bytes(&pattern, wanted)))
            .build(&pattern)?;
        self.regexes.push(regex);
        self.prefixes.push(prefixes);
        Ok(self.regexes.len() - 1)
    }

    /// Each pattern's first words, for the word automaton: (pattern, word).
    pub(super) fn first_words(&self) -> impl Iterator<Item = (usize, &str)> {
        self.prefixes
            .iter()
            .enumerate()
            .flat_map(|(p, words)| words.iter().flatten().map(move |w| (p, w.as_str())))
    }

    /// This thread's searches with the patterns, its caches taken once for as many
    /// searches as the caller makes (an item's title and lead).
    pub(super) fn searcher(&self) -> Searcher<'_> {
        Searcher {
            patterns: self,
            caches: self.caches().borrow_mut(),
        }
    }

    /// This thread's caches of the patterns, made the first time it searches with them.
    fn caches(&self) -> &RefCell<Vec<Cache>> {
        self.caches
            .get_or(|| RefCell::new(self.regexes.iter().map(|re| re.create_cache()).collect()))
    }
}

/// A thread's searches with the patterns, holding its caches.
pub(super) struct Searcher<'a> {
    patterns: &'a Patterns,
    caches: RefMut<'a, Vec<Cache>>,
}

impl Searcher<'_> {
    /// Where pattern `p` first matches in `text`. `starts` are the places where words of
    /// `first_words` begin in `text`, as (pattern, byte offset), sorted.
    pub(super) fn find(&mut self, p: usize, text: &str, starts: &[(usize, usize)]) -> Option<Range<usize>> {
        let regex = self.patterns.regexes.get(p)?;
        let cache = self.caches.get_mut(p)?;
        if self.patterns.prefixes[p].is_none() {
            return regex.search_with(cache, &Input::new(text)).map(|m| m.range());
        }
        let from = starts.partition_point(|&(q, _)| q < p);
        starts[from..]
            .iter()
            .take_while(|&&(q, _)| q == p)
            .find_map(|&(_, at)| {
                let input = Input::new(text).span(at..text.len()).anchored(Anchored::Yes);
                regex.search_with(cache, &input)
            })
            .map(|m| m.range())
    }

    /// Pattern `p` searched unanchored, as the regex crate would (for tests).
    #[cfg(test)]
    fn find_unanchored(&mut self, p: usize, text: &str) -> Option<Range<usize>> {
        self.patterns.regexes[p]
            .search_with(&mut self.caches[p], &Input::new(text))
            .map(|m| m.range())
    }
}

/// Whether `pattern` parses as [`Patterns::push`] reads it; the parser's error if not.
/// Parsing only: compiling the shipped taxonomy's patterns took 10 ms of a warm run's start.
pub(super) fn check(pattern: &str) -> Result<(), String> {
    regex_syntax::Parser::new()
        .parse(&as_read(pattern))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// A taxonomy pattern as it is compiled: it reads folded text, so it ignores case, and
/// its `\d` is an ASCII digit.
fn as_read(pattern: &str) -> String {
    format!("(?i){}", ascii_digits(pattern))
}

/// `\d` as an ASCII digit. Patterns read folded text, where full-width digits are
/// half-width already; a Unicode `\d` (every script's digits) only made the lazy DFA
/// larger and kept a pattern that starts with a number from having a short list of
/// first words.
fn ascii_digits(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class > 0 { "0-9" } else { "[0-9]" }),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' => {
                in_class += 1;
                out.push('[');
                // `]` first in a class (after `[` or `[^`) is a literal.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The words every match of `pattern` begins with, when they are a short list of
/// non-empty words (a prefilter's contract: no match starts elsewhere).
fn prefixes(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new()
        .kind(regex_syntax::hir::literal::ExtractKind::Prefix)
        .extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.len() > MAX_PREFIXES {
        return None;
    }
    let mut words = Vec::with_capacity(literals.len());
    for literal in literals {
        let word = std::str::from_utf8(literal.as_bytes()).ok()?;
        if word.is_empty() {
            return None;
        }
        words.push(word.to_string());
    }
    words.sort();
    words.dedup();
    Some(words)
}

/// The lazy DFA cache a pattern gets: `wanted`, or, for a pattern whose DFA needs more
/// than that to start (a large Unicode class: `\p{Han}` under `(?i)`), twice the first
/// doubling of it that its DFA accepts. Below its minimum the regex crate builds no lazy
/// DFA and quietly runs the backtracker instead, about thirty times slower: the shipped
/// version pattern alone took 7% of a cold run's CPU so (issue 11, stop 55).
fn dfa_bytes(pattern: &str, wanted: usize) -> usize {
    let mut bytes = wanted;
    while !lazy_dfa_starts(pattern, bytes) {
        if bytes >= wanted << 6 {
            // Too large for any lazy DFA worth its memory (or not a pattern at all: its
            // build reports that).
            return wanted;
        }
        bytes *= 2;
    }
    if bytes == wanted {
        return bytes;
    }
    tracing::debug!(
        "a taxonomy pattern's lazy DFA needs {} KB: given {} KB",
        bytes / 1024,
        bytes / 512
    );
    bytes * 2
}

/// Whether `pattern`'s lazy DFA can start in a cache of `bytes` (an invalid pattern's
/// cannot).
fn lazy_dfa_starts(pattern: &str, bytes: usize) -> bool {
    regex_automata::hybrid::regex::Regex::builder()
        .dfa(regex_automata::hybrid::dfa::Config::new().cache_capacity(bytes))
        .build(pattern)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::taxonomy::Taxonomy;

    fn shipped() -> Vec<String> {
        Taxonomy::builtin()
            .sections
            .iter()
            .flat_map(|s| s.rules.iter().filter_map(|r| r.pattern.as_ref()))
            .map(|p| p.get_ref().to_string())
            .collect()
    }

    #[test]
    fn every_pattern_gets_a_lazy_dfa() {
        // Below a pattern's minimum the regex crate quietly runs the backtracker instead.
        for p in shipped() {
            let p = as_read(&p);
            assert!(lazy_dfa_starts(&p, dfa_bytes(&p, ANCHORED_DFA_BYTES)), "{p}");
        }
        // A version pattern, \p{Han} in long alternatives under (?i): its lazy DFA needs
        // more than the usual cache, and gets it.
        let large = r"(?i)([A-Za-z][Vv]?\d+(\.\d+)+|[A-Za-z]\s[Vv]?\d+(\.\d+)+(\s([^mbtp\s]|[mb][^i]|t[^r]|p[^e])|[^\s\d.%]|$)|\p{Han}\d+\.\d+([^\d.万亿%％个倍元吨度千百十点]|$)|\d+\.\d+\s?(版|LTS)|LTS|Beta|预览版|正式版|开发者版)";
        assert!(!lazy_dfa_starts(large, ANCHORED_DFA_BYTES));
        let bytes = dfa_bytes(large, ANCHORED_DFA_BYTES);
        assert!(bytes > ANCHORED_DFA_BYTES && lazy_dfa_starts(large, bytes), "{bytes}");
        // A pattern that is no pattern keeps the size asked (its build reports the error).
        assert_eq!(dfa_bytes("(unclosed", ANCHORED_DFA_BYTES), ANCHORED_DFA_BYTES);
    }

    #[test]
    fn a_digit_is_an_ascii_digit_in_and_out_of_classes() {
        assert_eq!(ascii_digits(r"\d+(\.\d+)?"), r"[0-9]+(\.[0-9]+)?");
        assert_eq!(ascii_digits(r"[^\s\d.%]"), r"[^\s0-9.%]");
        assert_eq!(ascii_digits(r"[]\d]|\\d"), r"[]0-9]|\\d");
        assert_eq!(ascii_digits(r"\p{Han}\d"), r"\p{Han}[0-9]");
    }

    #[test]
    fn first_words_are_listed_only_when_every_match_starts_with_one() {
        assert_eq!(
            prefixes("(?i)(发布|推出)[^，。]{0,12}(新品|产品)"),
            Some(vec!["发布".to_string(), "推出".to_string()])
        );
        assert!(prefixes(r"(?i)\p{Han}[0-9]+").is_none());
        assert!(prefixes(r"(?i)[^冷]思考$").is_none());
        // An empty first word would be every place in a text.
        assert!(prefixes(r"(?i)(新品)?发布").is_some_and(|w| w.iter().all(|w| !w.is_empty())));
        assert!(prefixes(r"(?i)a*b?").is_none());
    }

    /// Every shipped pattern finds the same match anchored at its first words as the
    /// regex crate's unanchored search, on texts that hold many of them.
    #[test]
    fn anchored_at_first_words_finds_what_an_unanchored_search_finds() {
        let mut patterns = Patterns::new();
        let all: Vec<usize> = shipped().iter().map(|p| patterns.push(p).expect("pattern")).collect();
        let anchored = all.iter().filter(|&&p| patterns.prefixes[p].is_some()).count();
        assert!(
            anchored * 2 > all.len(),
            "most shipped patterns are searched anchored: {anchored}"
        );
        let texts = [
            "华为发布新一代鸿蒙系统，推出多款新品",
            "工业和信息化部关于印发《软件产业高质量发展行动计划》的通知",
            "1-6月软件业务收入35656亿元，同比增长12.5%，利润总额突破4000亿",
            "南京市人民政府与华为签约共建人工智能创新中心，集中签约仪式在江北新区举行",
            "2026世界人工智能大会在上海开幕，中国软件行业协会发布《白皮书》",
            "专家认为：大模型价格战背后，如何走出同质化困境？",
            "以苏州为例，浅析工业软件的发展路径与对策建议",
            "鸿蒙5.0正式版上线，v2.3版本与Beta测试同步开启",
            "某科技完成B+轮融资，深圳软件园开园，区政府签署合作协议",
            "",
            "市区县",
        ];
        let mut starts = Vec::new();
        for text in texts {
            starts.clear();
            for (p, word) in patterns.first_words() {
                starts.extend(text.match_indices(word).map(|(at, _)| (p, at)));
            }
            starts.sort_unstable();
            let mut searcher = patterns.searcher();
            for &p in &all {
                assert_eq!(
                    searcher.find(p, text, &starts),
                    searcher.find_unanchored(p, text),
                    "pattern {p} on {text}"
                );
            }
        }
    }
}
