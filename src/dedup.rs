//! The dedup stage: one entry per story.
//!
//! Exact duplicates (same guid within a source, same canonical link anywhere) are caught
//! by the store's unique keys. Near duplicates — the same story from several outlets, a
//! notice reposted by several portals — are caught here: the same document number, a
//! close SimHash of the text, or nearly the same title within a few days.

use chrono::{DateTime, Utc};

/// What the near-duplicate check needs to know of an item already stored.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub title: String,
    pub fingerprint: u64,
    pub doc_number: Option<String>,
    pub date: DateTime<Utc>,
}

/// Letters and digits only, lowercased: what "the same words" means for comparison.
fn comparable(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A stable 64-bit hash (FNV-1a), used for fingerprints and ids that must not change
/// between releases.
pub fn stable_hash(s: &str) -> u64 {
    fnv1a(s.bytes())
}

const SHINGLE: usize = 3;
const TEXT_FOR_FINGERPRINT: usize = 400;

/// Below this many letters a text says too little to be fingerprinted alone.
const MIN_TEXT: usize = 60;

/// SimHash over character shingles of the start of the text — outlets reword titles far
/// more than bodies — or of title and text when the text is short.
pub fn fingerprint(title: &str, text: &str) -> u64 {
    let body: Vec<char> = comparable(text).into_iter().take(TEXT_FOR_FINGERPRINT).collect();
    let chars = if body.len() >= MIN_TEXT {
        body
    } else {
        let mut c = comparable(title);
        c.extend(body);
        c
    };
    if chars.len() < SHINGLE {
        return stable_hash(&chars.iter().collect::<String>());
    }
    let mut counts = [0i32; 64];
    let mut buf = [0u8; 4];
    for w in chars.windows(SHINGLE) {
        let h = fnv1a(w.iter().flat_map(|c| c.encode_utf8(&mut buf).as_bytes().to_vec()));
        for (bit, count) in counts.iter_mut().enumerate() {
            *count += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    counts
        .iter()
        .enumerate()
        .fold(0u64, |acc, (bit, c)| if *c > 0 { acc | 1 << bit } else { acc })
}

pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Jaccard similarity of character bigrams.
pub fn title_similarity(a: &str, b: &str) -> f32 {
    let grams = |s: &str| -> std::collections::HashSet<(char, char)> {
        let c = comparable(s);
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let inter = ga.intersection(&gb).count() as f32;
    inter / ((ga.len() + gb.len()) as f32 - inter)
}

/// The thresholds of the near-duplicate check.
#[derive(Debug, Clone, Copy)]
pub struct NearDup {
    /// Fingerprints at most this many bits apart are the same text.
    pub max_distance: u32,
    /// Titles at least this similar, published within `title_days`, are the same story.
    pub title_similarity: f32,
    pub title_days: i64,
    /// Texts that match must still have titles at least this alike.
    pub min_title_overlap: f32,
    /// Candidates further apart than this are never merged.
    pub window_days: i64,
}

impl Default for NearDup {
    fn default() -> Self {
        NearDup {
            max_distance: 7,
            title_similarity: 0.6,
            title_days: 3,
            min_title_overlap: 0.15,
            window_days: 14,
        }
    }
}

impl NearDup {
    /// The stored story this item repeats, if any, and why.
    pub fn find(
        &self,
        title: &str,
        fingerprint: u64,
        doc_number: Option<&str>,
        date: DateTime<Utc>,
        candidates: &[Candidate],
    ) -> Option<(i64, String)> {
        for c in candidates {
            let days = (c.date - date).num_days().abs();
            if days > self.window_days {
                continue;
            }
            if let (Some(a), Some(b)) = (doc_number, c.doc_number.as_deref())
                && a == b
            {
                return Some((c.id, format!("same document number {a}")));
            }
            let d = hamming(fingerprint, c.fingerprint);
            if d <= self.max_distance {
                // A shared boilerplate body (a portal's template, "点击查看全文") is not a
                // shared story: the titles must have something in common too.
                let s = title_similarity(title, &c.title);
                if d <= 2 && s > 0.0 || s >= self.min_title_overlap {
                    return Some((c.id, format!("text fingerprint {d} bits apart, title {:.0}% alike", s * 100.0)));
                }
            }
            if days <= self.title_days {
                let s = title_similarity(title, &c.title);
                if s >= self.title_similarity {
                    return Some((c.id, format!("title {:.0}% alike", s * 100.0)));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "星河云今日发布分布式数据库星河DB 5.0。新版本在事务处理性能上较上一代提升三倍，兼容主流开源数据库生态，支持多地多活部署，已在金融、电信等行业完成试点。";

    #[test]
    fn reworded_title_with_the_same_body_is_close() {
        let a = fingerprint("星河云发布分布式数据库“星河DB 5.0”，兼容主流开源生态", BODY);
        let b = fingerprint("星河DB 5.0正式亮相：分布式数据库性能提升三倍", &BODY.replace("今日", "9月4日"));
        let c = fingerprint("北辰软件完成5亿元C轮融资", "北辰软件宣布完成5亿元C轮融资，本轮由某产业基金领投，资金将用于工业软件研发和市场拓展。");
        assert!(hamming(a, b) <= NearDup::default().max_distance, "{}", hamming(a, b));
        assert!(hamming(a, c) > 20, "{}", hamming(a, c));
    }

    #[test]
    fn monthly_figures_are_not_merged_across_months() {
        let now = Utc::now();
        let cands = [Candidate {
            id: 1,
            title: "2023年1-9月我国软件业务收入88287亿元，同比增长13.5%".into(),
            fingerprint: fingerprint("2023年1-9月我国软件业务收入88287亿元，同比增长13.5%", ""),
            doc_number: None,
            date: now - chrono::Duration::days(30),
        }];
        let t = "2023年1-10月我国软件业务收入98358亿元，同比增长13.7%";
        assert!(NearDup::default().find(t, fingerprint(t, ""), None, now, &cands).is_none());
    }

    #[test]
    fn title_similarity_bounds() {
        assert!((title_similarity("工业软件", "工业软件") - 1.0).abs() < 1e-6);
        assert_eq!(title_similarity("工业软件", "体育新闻"), 0.0);
    }
}
