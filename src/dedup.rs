//! The dedup stage: one entry per story.
//!
//! Exact duplicates (same guid within a source, same canonical link anywhere) are caught
//! by the store's unique keys. Near duplicates — the same story from several outlets, a
//! notice reposted by several portals — are caught here: the same document number, a
//! close MinHash signature of the text, or nearly the same title within a few days.

use chrono::{DateTime, Utc};

/// What the near-duplicate check needs to know of an item already stored.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub source_id: String,
    pub title: String,
    pub signature: Signature,
    pub doc_number: Option<String>,
    pub date: DateTime<Utc>,
}

/// What decides which report of a story represents it: the source's priority, then
/// having the document's metadata, then being first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    pub priority: i32,
    pub has_doc_number: bool,
    pub date: DateTime<Utc>,
}

impl Rank {
    /// Whether a report ranked `self` should represent the story instead of `other`.
    pub fn beats(&self, other: &Rank) -> bool {
        (self.priority, self.has_doc_number, std::cmp::Reverse(self.date))
            > (other.priority, other.has_doc_number, std::cmp::Reverse(other.date))
    }
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
const TEXT_FOR_SIGNATURE: usize = 400;
/// Below this many letters a text says too little to be compared alone.
const MIN_TEXT: usize = 60;
/// Number of MinHash values in a signature.
pub const SIGNATURE_LEN: usize = 32;

/// A MinHash signature of an item's character shingles: the share of equal positions
/// between two signatures estimates the Jaccard similarity of their shingle sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl Signature {
    pub fn similarity(&self, other: &Signature) -> f32 {
        let same = self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count();
        same as f32 / SIGNATURE_LEN as f32
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Signature> {
        if bytes.len() != SIGNATURE_LEN * 4 {
            return None;
        }
        let mut s = [0u32; SIGNATURE_LEN];
        for (i, c) in bytes.chunks_exact(4).enumerate() {
            s[i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        Some(Signature(s))
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The signature of the start of the text — outlets reword titles far more than bodies
/// — or of title and text together when the text is short.
pub fn signature(title: &str, text: &str) -> Signature {
    let body: Vec<char> = comparable(text).into_iter().take(TEXT_FOR_SIGNATURE).collect();
    let chars = if body.len() >= MIN_TEXT {
        body
    } else {
        let mut c = comparable(title);
        c.extend(body);
        c
    };
    minhash(&chars, SHINGLE)
}

/// MinHash of the `k`-character shingles of `chars`.
fn minhash(chars: &[char], k: usize) -> Signature {
    let mut mins = [u32::MAX; SIGNATURE_LEN];
    let mut buf = [0u8; 4];
    let mut shingle = |w: &[char]| {
        let h = fnv1a(w.iter().flat_map(|c| c.encode_utf8(&mut buf).as_bytes().to_vec()));
        for (i, m) in mins.iter_mut().enumerate() {
            let v = (splitmix(h ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)) >> 32) as u32;
            if v < *m {
                *m = v;
            }
        }
    };
    if chars.len() < k {
        shingle(chars);
    } else {
        chars.windows(k).for_each(&mut shingle);
    }
    Signature(mins)
}

/// The MinHash of a title's character bigrams, for finding alike titles fast.
pub fn title_signature(title: &str) -> Signature {
    minhash(&comparable(title), 2)
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
    /// Texts at least this alike (estimated Jaccard of shingles) are the same text.
    pub min_similarity: f32,
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
            min_similarity: 0.5,
            title_similarity: 0.6,
            title_days: 3,
            min_title_overlap: 0.15,
            window_days: 14,
        }
    }
}

impl NearDup {
    /// Why `c` is the same story as the item described by the other arguments, if it is.
    pub fn matches(
        &self,
        title: &str,
        signature: &Signature,
        doc_number: Option<&str>,
        date: DateTime<Utc>,
        c: &Candidate,
    ) -> Option<String> {
        let days = (c.date - date).num_days().abs();
        if days > self.window_days {
            return None;
        }
        if let (Some(a), Some(b)) = (doc_number, c.doc_number.as_deref())
            && a == b
        {
            return Some(format!("same document number {a}"));
        }
        let sim = signature.similarity(&c.signature);
        let alike = title_similarity(title, &c.title);
        // A shared boilerplate body (a portal's template, "点击查看全文") is not a shared
        // story: the titles must have something in common too.
        if sim >= self.min_similarity && alike >= self.min_title_overlap {
            return Some(format!(
                "text {:.0}% alike, title {:.0}% alike",
                sim * 100.0,
                alike * 100.0
            ));
        }
        if days <= self.title_days && alike >= self.title_similarity {
            return Some(format!("title {:.0}% alike", alike * 100.0));
        }
        None
    }

    /// The first of `candidates` this item repeats, and why (a linear scan; the
    /// [`Index`] finds the same answer without looking at every candidate).
    pub fn find(
        &self,
        title: &str,
        signature: &Signature,
        doc_number: Option<&str>,
        date: DateTime<Utc>,
        candidates: &[Candidate],
    ) -> Option<(i64, String)> {
        candidates.iter().find_map(|c| {
            self.matches(title, signature, doc_number, date, c)
                .map(|why| (c.id, why))
        })
    }
}

/// Rows per LSH band: two of 32 MinHash values per band gives 16 bands, so texts half
/// alike share a band with probability 1 − (1 − 0.5²)¹⁶ ≈ 0.99.
const BAND_ROWS: usize = 2;

fn bands(sig: &Signature) -> impl Iterator<Item = u64> + '_ {
    sig.0.chunks(BAND_ROWS).enumerate().map(|(b, rows)| {
        let mut h = (b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for r in rows {
            h = splitmix(h ^ u64::from(*r));
        }
        h
    })
}

/// Stories seen so far, indexed so that a new report is compared only with the few
/// stories that share a band of its text or title signature, or its document number.
#[derive(Default)]
pub struct Index {
    stories: Vec<(Candidate, Signature)>,
    alive: Vec<bool>,
    by_band: std::collections::HashMap<u64, Vec<usize>>,
    by_doc: std::collections::HashMap<String, Vec<usize>>,
    by_id: std::collections::HashMap<i64, usize>,
}

impl Index {
    pub fn new(candidates: Vec<Candidate>) -> Index {
        let mut idx = Index::default();
        for c in candidates {
            idx.insert(c);
        }
        idx
    }

    pub fn len(&self) -> usize {
        self.alive.iter().filter(|a| **a).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn insert(&mut self, c: Candidate) {
        let i = self.stories.len();
        let title_sig = title_signature(&c.title);
        for key in bands(&c.signature).chain(bands(&title_sig).map(|k| !k)) {
            self.by_band.entry(key).or_default().push(i);
        }
        if let Some(d) = &c.doc_number {
            self.by_doc.entry(d.clone()).or_default().push(i);
        }
        self.by_id.insert(c.id, i);
        self.stories.push((c, title_sig));
        self.alive.push(true);
    }

    /// A story that another report now represents is no longer a candidate.
    pub fn remove(&mut self, id: i64) {
        if let Some(i) = self.by_id.remove(&id) {
            self.alive[i] = false;
        }
    }

    pub fn get(&self, id: i64) -> Option<&Candidate> {
        self.by_id.get(&id).map(|i| &self.stories[*i].0)
    }

    /// The story this report repeats, if any, and why.
    pub fn find(
        &self,
        near: &NearDup,
        title: &str,
        signature: &Signature,
        doc_number: Option<&str>,
        date: DateTime<Utc>,
    ) -> Option<(i64, String)> {
        let title_sig = title_signature(title);
        let mut seen: Vec<usize> = doc_number.and_then(|d| self.by_doc.get(d)).cloned().unwrap_or_default();
        for key in bands(signature).chain(bands(&title_sig).map(|k| !k)) {
            if let Some(list) = self.by_band.get(&key) {
                seen.extend(list);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        seen.into_iter().filter(|i| self.alive[*i]).find_map(|i| {
            let c = &self.stories[i].0;
            near.matches(title, signature, doc_number, date, c)
                .map(|why| (c.id, why))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "星河云今日发布分布式数据库星河DB 5.0。新版本在事务处理性能上较上一代提升三倍，兼容主流开源数据库生态，支持多地多活部署，已在金融、电信等行业完成试点。";

    #[test]
    fn reworded_title_with_the_same_body_is_close() {
        let a = signature("星河云发布分布式数据库“星河DB 5.0”，兼容主流开源生态", BODY);
        let b = signature(
            "星河DB 5.0正式亮相：分布式数据库性能提升三倍",
            &BODY.replace("今日", "日前"),
        );
        let c = signature(
            "北辰软件完成5亿元C轮融资",
            "北辰软件宣布完成5亿元C轮融资，本轮由某产业基金领投，资金将用于工业软件研发和市场拓展，公司将继续加大在设计仿真软件方向的投入。",
        );
        assert!(
            a.similarity(&b) >= NearDup::default().min_similarity,
            "{}",
            a.similarity(&b)
        );
        assert!(a.similarity(&c) < 0.2, "{}", a.similarity(&c));
        assert_eq!(Signature::from_bytes(&a.to_bytes()), Some(a));
    }

    #[test]
    fn the_demo_story_from_two_outlets_merges() {
        let now = Utc::now();
        let t1 = "星河云发布分布式数据库“星河DB 5.0”，兼容主流开源生态";
        let t2 = "星河DB 5.0正式亮相：分布式数据库性能提升三倍";
        let b2 = BODY.replace("今日", "日前");
        let cands = [Candidate {
            id: 7,
            source_id: "a".into(),
            title: t1.into(),
            signature: signature(t1, BODY),
            doc_number: None,
            date: now,
        }];
        let found = NearDup::default().find(t2, &signature(t2, &b2), None, now, &cands);
        assert_eq!(found.map(|f| f.0), Some(7));
    }

    #[test]
    fn shared_boilerplate_is_not_a_shared_story() {
        let now = Utc::now();
        let boiler = "本网站所载文章仅供参考，转载请注明出处。欢迎关注我们的公众号获取更多资讯，点击查看全文。本网站所载文章仅供参考。";
        let cands = [Candidate {
            id: 1,
            source_id: "a".into(),
            title: "某市召开工业软件推进会".into(),
            signature: signature("", boiler),
            doc_number: None,
            date: now,
        }];
        assert!(
            NearDup::default()
                .find("星河云发布数据库新版本", &signature("", boiler), None, now, &cands)
                .is_none()
        );
    }

    #[test]
    fn monthly_figures_are_not_merged_across_months() {
        let now = Utc::now();
        let t0 = "2023年1-9月我国软件业务收入88287亿元，同比增长13.5%";
        let cands = [Candidate {
            id: 1,
            source_id: "a".into(),
            title: t0.into(),
            signature: signature(t0, ""),
            doc_number: None,
            date: now - chrono::Duration::days(30),
        }];
        let t = "2023年1-10月我国软件业务收入98358亿元，同比增长13.7%";
        assert!(
            NearDup::default()
                .find(t, &signature(t, ""), None, now, &cands)
                .is_none()
        );
    }

    #[test]
    fn reposted_notices_merge_by_document_number() {
        let now = Utc::now();
        let cands = [Candidate {
            id: 3,
            source_id: "a".into(),
            title: "关于印发《行动计划》的通知".into(),
            signature: signature("a", ""),
            doc_number: Some("苏工信软〔2026〕12号".into()),
            date: now,
        }];
        let found = NearDup::default().find(
            "转发：行动计划",
            &signature("b", ""),
            Some("苏工信软〔2026〕12号"),
            now,
            &cands,
        );
        assert_eq!(found.map(|f| f.0), Some(3));
    }

    #[test]
    fn representative_rank() {
        let now = Utc::now();
        let portal = Rank {
            priority: 1,
            has_doc_number: false,
            date: now,
        };
        let news = Rank {
            priority: 0,
            has_doc_number: true,
            date: now - chrono::Duration::days(1),
        };
        assert!(portal.beats(&news));
        let with_doc = Rank {
            priority: 0,
            has_doc_number: true,
            date: now,
        };
        let bare = Rank {
            priority: 0,
            has_doc_number: false,
            date: now - chrono::Duration::days(1),
        };
        assert!(with_doc.beats(&bare));
        let earlier = Rank {
            date: bare.date - chrono::Duration::hours(1),
            ..bare
        };
        assert!(earlier.beats(&bare) && !bare.beats(&earlier) && !bare.beats(&bare));
    }

    #[test]
    fn the_index_finds_what_a_full_scan_finds() {
        let now = Utc::now();
        let near = NearDup::default();
        let mut cands = Vec::new();
        for n in 0..300 {
            let title = format!("第{n}家企业发布新一代工业软件平台{}", n * 7);
            let text = format!(
                "{}。该平台面向{}行业，支持{}种设备接入，今年已服务{}家客户，计划三年内覆盖全国主要工业城市。",
                title,
                n % 13,
                n * 3,
                n * 11
            );
            cands.push(Candidate {
                id: n,
                source_id: "s".into(),
                signature: signature(&title, &text),
                title,
                doc_number: None,
                date: now,
            });
        }
        let idx = Index::new(cands.clone());
        for probe in [5usize, 77, 299] {
            let c = &cands[probe];
            let text = format!(
                "{}。该平台面向{}行业，支持{}种设备接入，今年已服务{}家客户，计划三年内覆盖全国主要工业城市。",
                c.title,
                probe % 13,
                probe * 3,
                probe * 11
            );
            let sig = signature("转载", &text.replace("今年", "年内"));
            let scan = near.find(&c.title, &sig, None, now, &cands).map(|f| f.0);
            assert_eq!(idx.find(&near, &c.title, &sig, None, now).map(|f| f.0), scan);
            assert!(scan.is_some());
        }
    }

    #[test]
    fn title_similarity_bounds() {
        assert!((title_similarity("工业软件", "工业软件") - 1.0).abs() < 1e-6);
        assert_eq!(title_similarity("工业软件", "体育新闻"), 0.0);
    }
}
