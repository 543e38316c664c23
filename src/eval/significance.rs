//! How well significance ranks a section's stories: editors' grades of labelled items
//! (2 = the brief would carry it, 1 = second tier, 0 = minor) against the score
//! [`select::significance`] gives them. Within a section, because the quota picks the
//! best of each section, not of the whole window.
//!
//! Measured as the share of (carried, minor) pairs the score orders right (the area
//! under the ROC curve, ties counting half) and as R-precision: of a section's top n
//! stories, where n is how many it has that the brief would carry, the share that are.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::Labelled;
use crate::classify::Classifier;
use crate::classify::learn::Model;
use crate::draft::DraftItem;
use crate::draft::select::{self, Signals};

pub use crate::draft::select::{Grade, graded_examples as taste_examples};

pub fn load(path: &Path) -> anyhow::Result<Vec<Grade>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let f: select::Grades =
        serde_json::from_str(&text).with_context(|| format!("{} is not a grades file", path.display()))?;
    if let Some(g) = f.grades.iter().find(|g| g.worthy > 2) {
        anyhow::bail!(
            "{}: grade {} of {:?} is not 0, 1 or 2",
            path.display(),
            g.worthy,
            g.title
        );
    }
    Ok(f.grades)
}

/// One graded story and its score.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub title: String,
    pub section: String,
    pub worthy: u8,
    pub score: f32,
    pub parts: Vec<String>,
}

#[derive(Debug, Default)]
pub struct RankReport {
    pub ranked: Vec<Ranked>,
    /// Grades whose title no labelled item has.
    pub unmatched: usize,
    /// Items labelled off-topic that the classifier kept, ranked among the minor ones.
    pub noise: usize,
}

/// Pairs ordered right and pairs compared, over (better, worse) grade pairs of one
/// section; `better` holds the grades that should rank higher.
fn pairs(items: &[&Ranked], better: impl Fn(u8) -> bool, worse: impl Fn(u8) -> bool) -> (f64, usize) {
    let (mut right, mut n) = (0.0, 0);
    for a in items.iter().filter(|r| better(r.worthy)) {
        for b in items.iter().filter(|r| worse(r.worthy)) {
            n += 1;
            right += match a.score.total_cmp(&b.score) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    (right, n)
}

/// Of the top n by score, n being how many grade-2 stories there are: how many are.
fn r_precision(items: &[&Ranked]) -> (usize, usize) {
    let n = items.iter().filter(|r| r.worthy == 2).count();
    let mut sorted: Vec<&&Ranked> = items.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    (sorted.iter().take(n).filter(|r| r.worthy == 2).count(), n)
}

impl RankReport {
    fn by_section(&self) -> BTreeMap<&str, Vec<&Ranked>> {
        let mut m: BTreeMap<&str, Vec<&Ranked>> = BTreeMap::new();
        for r in &self.ranked {
            m.entry(r.section.as_str()).or_default().push(r);
        }
        m
    }

    /// Within sections, pooled over them: carried over minor pairs (ordered right,
    /// compared), carried-or-second-tier over minor pairs, and R-precision (hits, carried),
    /// as counts, so that several reports pool as one (`scripts/sigcv.py`).
    pub fn counts(&self) -> [(f64, usize); 3] {
        let mut c = [(0.0, 0); 3];
        for items in self.by_section().values() {
            let (h, n) = r_precision(items);
            for (sum, (x, k)) in c.iter_mut().zip([
                pairs(items, |w| w == 2, |w| w == 0),
                pairs(items, |w| w >= 1, |w| w == 0),
                (h as f64, n),
            ]) {
                sum.0 += x;
                sum.1 += k;
            }
        }
        c
    }

    /// The shares of [`RankReport::counts`].
    pub fn summary(&self) -> (f64, f64, f64) {
        let share = |(x, k): (f64, usize)| if k == 0 { 0.0 } else { x / k as f64 };
        let [a, b, r] = self.counts();
        (share(a), share(b), share(r))
    }

    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<22} {:>6} {:>4} {:>4} {:>4} {:>9} {:>9} {:>8}",
            "section", "graded", "2", "1", "0", "AUC 2>0", "AUC ≥1>0", "R-prec"
        );
        for (section, items) in self.by_section() {
            let count = |w: u8| items.iter().filter(|r| r.worthy == w).count();
            let (a, an) = pairs(&items, |w| w == 2, |w| w == 0);
            let (b, bn) = pairs(&items, |w| w >= 1, |w| w == 0);
            let (h, n) = r_precision(&items);
            let pct = |x: f64, k: usize| {
                if k == 0 {
                    "-".to_string()
                } else {
                    format!("{:.0}%", 100.0 * x / k as f64)
                }
            };
            let _ = writeln!(
                out,
                "{section:<22} {:>6} {:>4} {:>4} {:>4} {:>9} {:>9} {:>8}",
                items.len(),
                count(2),
                count(1),
                count(0),
                pct(a, an),
                pct(b, bn),
                pct(h as f64, n)
            );
        }
        let (a, b, r) = self.summary();
        let [ca, _, cr] = self.counts();
        let _ = writeln!(
            out,
            "\nwithin sections: carried above minor {:.1}% ({} of {} pairs), carried or second tier above minor {:.1}%, R-precision {:.1}% ({} of {}) ({} graded, {} grades without an item)",
            a * 100.0,
            ca.0,
            ca.1,
            b * 100.0,
            r * 100.0,
            cr.0,
            cr.1,
            self.ranked.len(),
            self.unmatched
        );
        if self.noise > 0 {
            let _ = writeln!(
                out,
                "{} of them labelled off-topic, kept by the classifier and ranked as minor",
                self.noise
            );
        }
        if verbose {
            for (section, items) in self.by_section() {
                let mut sorted = items.clone();
                sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
                let _ = writeln!(out, "\n{section}");
                for r in sorted {
                    let _ = writeln!(
                        out,
                        "  {} {:>6.2} {}  [{}]",
                        r.worthy,
                        r.score,
                        r.title,
                        r.parts.join(", ")
                    );
                }
            }
        }
        out
    }
}

/// Score every graded item as the draft would score a story of its (labelled) section:
/// classified for its confidence and policy fields, no other outlets and no configured
/// priority (a labelled file has neither), all equally fresh.
pub fn rank(classifier: &Classifier, items: &[Labelled], grades: &[Grade], taste: Option<&Model>) -> RankReport {
    ranked_with(classifier, items, grades, taste, false)
}

/// [`rank`], and every item labelled off-topic that the classifier keeps, ranked as a
/// minor item of the section it files it in: in a run such an item competes for the
/// issue's places as any minor story does.
pub fn rank_with_noise(
    classifier: &Classifier,
    items: &[Labelled],
    grades: &[Grade],
    taste: Option<&Model>,
) -> RankReport {
    ranked_with(classifier, items, grades, taste, true)
}

fn ranked_with(
    classifier: &Classifier,
    items: &[Labelled],
    grades: &[Grade],
    taste: Option<&Model>,
    noise: bool,
) -> RankReport {
    let taxonomy = &classifier.taxonomy;
    let by_title: HashMap<&str, &Labelled> = items.iter().map(|i| (i.title.as_str(), i)).collect();
    let priority = HashMap::new();
    let signals = Signals::for_taxonomy(taxonomy, &priority, 15.0, taste);
    let mut report = RankReport::default();
    for g in grades {
        let Some(it) = by_title.get(g.title.as_str()) else {
            report.unmatched += 1;
            continue;
        };
        let (d, meta) = super::classify(classifier, it);
        let score = if d.section == g.section { d.score } else { 0.0 };
        report
            .ranked
            .push(ranked(it, &g.section, g.worthy, score, d, meta, &signals));
    }
    if !noise {
        return report;
    }
    for it in items.iter().filter(|i| i.section == crate::model::OFF_TOPIC) {
        let (d, meta) = super::classify(classifier, it);
        if d.rejected.is_some() || taxonomy.section(&d.section).is_none() {
            continue;
        }
        let (section, score) = (d.section.clone(), d.score);
        report.ranked.push(ranked(it, &section, 0, score, d, meta, &signals));
        report.noise += 1;
    }
    report
}

/// One item scored as the draft scores it, filed in `section`.
fn ranked(
    it: &Labelled,
    section: &str,
    worthy: u8,
    score: f32,
    d: crate::model::Decision,
    meta: crate::model::PolicyMeta,
    signals: &Signals,
) -> Ranked {
    let item = DraftItem {
        title: it.title.clone(),
        summary: it.body.clone(),
        source: it.source.clone(),
        source_id: it.source.clone(),
        section: section.to_string(),
        city: d.city,
        score,
        doubt: d.doubt,
        issuer: meta.issuer,
        doc_number: meta.doc_number,
        ..Default::default()
    };
    let s = select::significance(&item, 0.0, signals);
    Ranked {
        title: it.title.clone(),
        section: section.to_string(),
        worthy,
        score: s.total,
        parts: s.parts(&it.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::taxonomy::Taxonomy;

    fn labelled(section: &str, title: &str) -> Labelled {
        serde_json::from_value(serde_json::json!({"section": section, "title": title, "source": "示例科技网"}))
            .expect("a labelled item")
    }

    #[test]
    fn off_topic_items_the_classifier_keeps_compete_as_minor_ones() {
        let c = Classifier::new(Taxonomy::builtin()).expect("the shipped taxonomy loads");
        let items = vec![
            labelled("tech-innovation", "华为发布鸿蒙操作系统新版本"),
            // Labelled off-topic, but worded as the trade's news: the classifier keeps it.
            labelled(crate::model::OFF_TOPIC, "华为发布全新操作系统与芯片"),
            labelled(crate::model::OFF_TOPIC, "中超第八轮：主队补时绝杀客队"),
        ];
        let grades = vec![Grade {
            title: items[0].title.clone(),
            section: "tech-innovation".into(),
            worthy: 2,
        }];
        let plain = rank(&c, &items, &grades, None);
        assert_eq!((plain.ranked.len(), plain.noise), (1, 0));
        let noisy = rank_with_noise(&c, &items, &grades, None);
        assert_eq!(noisy.noise, 1, "{:?}", noisy.ranked);
        let kept = &noisy.ranked[1];
        assert_eq!((kept.title.as_str(), kept.worthy), ("华为发布全新操作系统与芯片", 0));
        assert!(noisy.render(false).contains("1 of them labelled off-topic"));
    }
}
