//! Distinctive terms: the words that name a story (枫清科技, 混元, 信创谷, MongoDB) rather
//! than its kind (发布, 融资, 开幕). Two reports of one event told in other words share
//! few bigrams and little text, but one headline's rare terms turn up in the other
//! report. "Rare" is measured among the stories seen: a term in thousands of stories
//! (华为, 软件) names no particular one.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::normalize::half_width;

/// A hashed term: a Chinese character bigram or a Latin word. Four bytes: every story
/// in the index keeps its terms and their postings, and a collision in 2³² among the
/// terms of a window only makes two terms count as one.
pub type Term = u32;

/// How much of the text after the title is read for terms: the lead names the story.
const LEAD_CHARS: usize = 160;

/// Words and bigrams common in language at large or in industry news: they name no
/// story however rare they are among a few hundred reports (`scripts/common_terms.py`).
/// The names of issuing bodies and the set phrases of official notices are common too,
/// bigrams that straddle their words included (国家发展改革委's 展改): they name the
/// issuer, which is compared as a fact of its own, and the kind of notice, not a story.
static COMMON: LazyLock<HashSet<Term>> = LazyLock::new(|| {
    let mut common: HashSet<Term> = include_str!("../../config/common-terms.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(hash)
        .collect();
    for phrase in OFFICIAL {
        let chars: Vec<char> = phrase.chars().collect();
        for pair in chars.windows(2) {
            common.insert(hash(&pair.iter().collect::<String>()));
        }
    }
    common
});

const OFFICIAL: &[&str] = &[
    "国务院办公厅",
    "国家发展改革委办公厅",
    "国家发展和改革委员会",
    "工业和信息化部办公厅",
    "科学技术部",
    "商务部",
    "财政部",
    "教育部",
    "人力资源社会保障部",
    "国家数据局",
    "中央网信办",
    "国家互联网信息办公室",
    "国家市场监督管理总局",
    "市场监管总局",
    "国家标准化管理委员会",
    "省人民政府办公厅",
    "市人民政府办公室",
    "工业和信息化厅",
    "经济和信息化委员会",
    "经济和信息化局",
    "科学技术局",
    "关于组织开展",
    "关于开展",
    "关于印发",
    "关于做好",
    "关于公布",
    "关于公示",
    "工作的通知",
    "有关事项的通知",
    "名单的公示",
    "申报工作",
    "第一批",
    "第二批",
    "第三批",
];

/// Even hashes for Chinese bigrams, odd for Latin words: the two never collide.
fn hash(term: &str) -> Term {
    let h = super::stable_hash(term);
    let h = (h ^ (h >> 32)) as u32;
    if term.is_ascii() { h | 1 } else { h & !1 }
}

/// A report's terms: the names of its headline (runs of uncommon terms next to each
/// other: 枫清科 is one name of two bigrams) and all terms of headline and lead, sorted
/// and without repeats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Terms {
    pub names: Vec<Vec<Term>>,
    pub all: Vec<Term>,
    /// The terms of the names, sorted.
    pub title: Vec<Term>,
}

/// What two reports share of each other's headline names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharedNames {
    /// Rare terms of either headline that the other report names.
    pub terms: usize,
    /// Headline names of which the other report names a rare term.
    pub names: usize,
    /// Headline names of which the other headline names a rare term.
    pub in_titles: usize,
}

impl Terms {
    pub fn of(title: &str, text: &str) -> Terms {
        let mut names = runs(title);
        let lead: String = text.chars().take(LEAD_CHARS).collect();
        let mut title: Vec<Term> = names.iter().flatten().copied().collect();
        title.sort_unstable();
        title.dedup();
        let mut all = title.clone();
        all.extend(runs(&lead).into_iter().flatten());
        all.sort_unstable();
        all.dedup();
        // Kept for every story in the index (100k of them): no spare capacity.
        for n in &mut names {
            n.shrink_to_fit();
        }
        names.shrink_to_fit();
        all.shrink_to_fit();
        title.shrink_to_fit();
        Terms { names, all, title }
    }

    /// Rare terms and names of one headline that the other report names too, the
    /// larger count of either way round.
    pub fn shared_rare(&self, other: &Terms, is_rare: impl Fn(Term) -> bool) -> SharedNames {
        let one_way = |a: &Terms, b: &Terms| {
            let mut shared = SharedNames::default();
            for name in &a.names {
                let found = name
                    .iter()
                    .filter(|t| is_rare(**t) && b.all.binary_search(t).is_ok())
                    .count();
                shared.terms += found;
                shared.names += usize::from(found > 0);
                shared.in_titles += usize::from(name.iter().any(|t| is_rare(*t) && b.title.binary_search(t).is_ok()));
            }
            shared
        };
        let (x, y) = (one_way(self, other), one_way(other, self));
        SharedNames {
            terms: x.terms.max(y.terms),
            names: x.names.max(y.names),
            in_titles: x.in_titles.max(y.in_titles),
        }
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The uncommon terms of a text in runs: consecutive Chinese bigrams none of which is
/// common form one run (a name), each uncommon Latin word of at least two characters is
/// one. Numbers are left to the facts, which know units.
fn runs(s: &str) -> Vec<Vec<Term>> {
    let mut out: Vec<Vec<Term>> = Vec::new();
    let mut run: Vec<Term> = Vec::new();
    let mut prev: Option<char> = None;
    let mut word = String::new();
    let end_run = |run: &mut Vec<Term>, out: &mut Vec<Vec<Term>>| {
        if !run.is_empty() {
            out.push(std::mem::take(run));
        }
    };
    let flush = |word: &mut String, out: &mut Vec<Vec<Term>>| {
        if word.chars().count() >= 2 && word.chars().any(|c| c.is_alphabetic()) {
            let t = hash(word);
            if !COMMON.contains(&t) {
                out.push(vec![t]);
            }
        }
        word.clear();
    };
    for c in s.chars().map(half_width).flat_map(char::to_lowercase) {
        if is_cjk(c) {
            flush(&mut word, &mut out);
            if let Some(p) = prev {
                let mut buf = [0u8; 8];
                let a = p.encode_utf8(&mut buf[..4]).len();
                let b = c.encode_utf8(&mut buf[a..]).len();
                let t = hash(std::str::from_utf8(&buf[..a + b]).unwrap_or(""));
                if COMMON.contains(&t) {
                    end_run(&mut run, &mut out);
                } else if !run.contains(&t) {
                    run.push(t);
                }
            }
            prev = Some(c);
        } else {
            prev = None;
            end_run(&mut run, &mut out);
            if crate::normalize::is_letter_or_digit(c) || (c == '-' && !word.is_empty()) {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
            }
        }
    }
    end_run(&mut run, &mut out);
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<Term> {
        Terms::of(s, "").all
    }

    #[test]
    fn a_name_in_other_words_is_shared() {
        let a = Terms::of("数据智能公司枫清科技获数亿元B轮融资", "");
        let b = Terms::of(
            "北京AI基金领投，枫清科技完成数亿元B轮",
            "枫清科技宣布完成数亿元B轮融资。",
        );
        // 枫清 and 清科, one name; 科技, 亿元 and 融资 are common words.
        assert_eq!(
            a.shared_rare(&b, |_| true),
            SharedNames {
                terms: 2,
                names: 1,
                in_titles: 1
            }
        );
        let c = Terms::of("福州入选国家网络安全创新发展示范区", "");
        assert_eq!(a.shared_rare(&c, |_| true), SharedNames::default());
    }

    #[test]
    fn uncommon_words_and_bigrams_are_terms_numbers_are_not() {
        assert_eq!(
            terms("MongoDB cuts its forecast as Atlas growth falls 2026"),
            terms("mongodb")
        );
        let t = terms("枫清科技完成融资 2026");
        assert!(terms("枫清科").iter().all(|x| t.contains(x)), "the name is there");
        assert!(terms("科技 完成 融资").is_empty(), "common words are not");
        assert_eq!(terms("枫清科").len(), 2);
        assert_eq!(terms("ＭｏｎｇｏＤＢ"), terms("mongodb"));
        assert!(terms("工业软件产业发展").is_empty());
        assert_eq!(Terms::of("腾讯琶洲T2亮相", "").names.len(), 2);
    }

    #[test]
    fn rarity_is_the_callers() {
        let a = Terms::of("MongoDB lowers guidance", "");
        let b = Terms::of("MongoDB shares slide", "");
        let mongodb = terms("mongodb")[0];
        assert_eq!(a.shared_rare(&b, |t| t == mongodb).names, 1);
        assert_eq!(a.shared_rare(&b, |t| t != mongodb).names, 0);
    }
}
