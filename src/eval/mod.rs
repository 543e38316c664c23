//! Measuring the classifier on a labelled file (the format of
//! `shared/examples/labelled-items.json`): per-section precision, recall and F1, the
//! confusion matrix, off-topic rejection and city accuracy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::classify::taxonomy::{Layout, Taxonomy};
use crate::classify::{Classifier, Input};
use crate::extract::policy;
use crate::model::PolicyMeta;

pub mod dedup;
pub mod significance;

pub use crate::model::OFF_TOPIC;

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub section: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub source: String,
    pub city: Option<String>,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
    /// The section its source is configured to hint (`section` of a `[[source]]`).
    #[serde(default)]
    pub hint: Option<String>,
}

impl Labelled {
    /// The item as an editor's decision, to learn from.
    pub fn example(&self) -> crate::classify::learn::Example {
        crate::classify::learn::Example {
            title: self.title.clone(),
            text: self.body.clone(),
            source_id: self.source.clone(),
            label: self.section.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct LabelledFile {
    items: Vec<Labelled>,
}

pub fn load(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let f: LabelledFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a labelled-items file", path.display()))?;
    Ok(f.items)
}

/// One item's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub title: String,
    pub expected: String,
    pub predicted: String,
    pub expected_city: Option<String>,
    pub predicted_city: Option<String>,
    /// The draft also lists it under its city in the city section: its section's items
    /// with a city are city notes too (a city's fair is an ecosystem item and a note).
    pub city_note_too: bool,
    pub why: Vec<String>,
}

/// Which policy field an outcome is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyField {
    DocNumber,
    Issuer,
}

impl PolicyField {
    fn name(self) -> &'static str {
        match self {
            PolicyField::DocNumber => "document number",
            PolicyField::Issuer => "issuer",
        }
    }
}

/// A policy field as labelled and as banyue reads it from the headline and lead alone
/// (a feed gives no detail page).
#[derive(Debug, Clone)]
pub struct FieldOutcome {
    pub field: PolicyField,
    pub title: String,
    pub expected: String,
    pub found: Option<String>,
    /// Whether the headline or lead states the labelled value. A document number that
    /// only the document's page shows (most portals' list rows) cannot be read from a
    /// feed's item; it is counted apart, not as a miss.
    pub stated: bool,
}

impl FieldOutcome {
    /// The same document number, or the same issuer: the labelled name, perhaps with its
    /// co-issuers counted (四川省经济和信息化厅等16部门).
    pub fn right(&self) -> bool {
        // Joint issuers are listed with spaces or 、.
        let compact = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace() && *c != '、')
                .collect::<String>()
        };
        let Some(found) = self.found.as_deref().map(compact) else {
            return false;
        };
        let expected = compact(&self.expected);
        // Joint issuers read where the label names the lead one, alone or with a count
        // of the others (成都市发展和改革委员会等四部门).
        let lead = self
            .found
            .as_deref()
            .and_then(|f| f.split_whitespace().next())
            .map(compact);
        let labelled_lead = match expected.rsplit_once('等') {
            Some((lead, count)) if count.ends_with("部门") => lead,
            _ => expected.as_str(),
        };
        found == expected
            || lead.is_some_and(|l| !labelled_lead.is_empty() && l == labelled_lead)
            || expected
                .strip_prefix(&found)
                .is_some_and(|rest| rest.starts_with('等') && rest.ends_with("部门"))
            // The province before a city's body (浙江省温州市洞头区人民政府).
            || found.strip_suffix(&expected).is_some_and(|p| p.ends_with('省'))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub fields: Vec<FieldOutcome>,
    /// The section of city notes (the taxonomy's city layout), if it has one.
    pub city_section: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

impl Report {
    pub fn accuracy(&self) -> f64 {
        let right = self.outcomes.iter().filter(|o| o.expected == o.predicted).count();
        right as f64 / self.outcomes.len().max(1) as f64
    }

    /// The share where the draft shows an item, not only its primary section: an item
    /// labelled a city note counts as placed when the draft lists it under its city too.
    pub fn placed(&self) -> f64 {
        let right = self
            .outcomes
            .iter()
            .filter(|o| o.expected == o.predicted || o.city_note_too && self.city_section.as_ref() == Some(&o.expected))
            .count();
        right as f64 / self.outcomes.len().max(1) as f64
    }

    pub fn labels(&self) -> Vec<String> {
        let mut l: Vec<String> = self
            .outcomes
            .iter()
            .flat_map(|o| [o.expected.clone(), o.predicted.clone()])
            .collect();
        l.sort();
        l.dedup();
        l
    }

    pub fn scores(&self, label: &str) -> Scores {
        let tp = self
            .outcomes
            .iter()
            .filter(|o| o.expected == label && o.predicted == label)
            .count() as f64;
        let predicted = self.outcomes.iter().filter(|o| o.predicted == label).count() as f64;
        let support = self.outcomes.iter().filter(|o| o.expected == label).count();
        let precision = if predicted > 0.0 { tp / predicted } else { 0.0 };
        let recall = if support > 0 { tp / support as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Scores {
            precision,
            recall,
            f1,
            support,
        }
    }

    /// Share of items labelled off-topic that were rejected, and of on-topic ones kept.
    pub fn off_topic(&self) -> (f64, f64) {
        let off: Vec<&Outcome> = self.outcomes.iter().filter(|o| o.expected == OFF_TOPIC).collect();
        let on: Vec<&Outcome> = self.outcomes.iter().filter(|o| o.expected != OFF_TOPIC).collect();
        let rejected = off.iter().filter(|o| o.predicted == OFF_TOPIC).count() as f64 / off.len().max(1) as f64;
        let kept = on.iter().filter(|o| o.predicted != OFF_TOPIC).count() as f64 / on.len().max(1) as f64;
        (rejected, kept)
    }

    /// Of the items labelled with a city, the share given that city.
    pub fn city_accuracy(&self) -> f64 {
        let with: Vec<&Outcome> = self.outcomes.iter().filter(|o| o.expected_city.is_some()).collect();
        with.iter().filter(|o| o.expected_city == o.predicted_city).count() as f64 / with.len().max(1) as f64
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let labels = self.labels();
        let _ = writeln!(
            out,
            "{:<22} {:>9} {:>7} {:>7} {:>8}",
            "section", "precision", "recall", "F1", "support"
        );
        for l in &labels {
            let s = self.scores(l);
            let _ = writeln!(
                out,
                "{l:<22} {:>9.2} {:>7.2} {:>7.2} {:>8}",
                s.precision, s.recall, s.f1, s.support
            );
        }
        let (rej, kept) = self.off_topic();
        let _ = writeln!(
            out,
            "\naccuracy {:.1}% of {}; off-topic rejected {:.0}%, on-topic kept {:.0}%; city accuracy {:.0}%",
            self.accuracy() * 100.0,
            self.outcomes.len(),
            rej * 100.0,
            kept * 100.0,
            self.city_accuracy() * 100.0
        );
        let _ = writeln!(
            out,
            "placed as the draft shows them {:.1}% (a city note listed under its city from another section counts)",
            self.placed() * 100.0
        );
        let _ = writeln!(out, "\nconfusion (rows: expected, columns: predicted)");
        let short = |l: &str| l.chars().take(6).collect::<String>();
        let _ = write!(out, "{:<22}", "");
        for l in &labels {
            let _ = write!(out, " {:>6}", short(l));
        }
        let _ = writeln!(out);
        let mut m: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for o in &self.outcomes {
            *m.entry((o.expected.as_str(), o.predicted.as_str())).or_default() += 1;
        }
        for e in &labels {
            let _ = write!(out, "{e:<22}");
            for p in &labels {
                let _ = write!(out, " {:>6}", m.get(&(e.as_str(), p.as_str())).copied().unwrap_or(0));
            }
            let _ = writeln!(out);
        }
        for field in [PolicyField::DocNumber, PolicyField::Issuer] {
            let of: Vec<&FieldOutcome> = self.fields.iter().filter(|f| f.field == field).collect();
            if !of.is_empty() {
                let stated = of.iter().filter(|f| f.stated).count();
                let right = of.iter().filter(|f| f.stated && f.right()).count();
                let wrong = of.iter().filter(|f| f.found.is_some() && !f.right()).count();
                let _ = write!(
                    out,
                    "{}s read from headline and lead: {right} of the {stated} they state right, {wrong} wrong",
                    field.name(),
                );
                if stated < of.len() {
                    let _ = write!(out, " ({} more only on the document's page)", of.len() - stated);
                }
                let _ = writeln!(out);
            }
        }
        // A value the text does not state is no miss; a wrong value read is, wherever.
        let missed: Vec<&FieldOutcome> = self
            .fields
            .iter()
            .filter(|f| !f.right() && (f.stated || f.found.is_some()))
            .collect();
        if !missed.is_empty() {
            let _ = writeln!(out, "\npolicy fields missed");
            for f in missed {
                let _ = writeln!(
                    out,
                    "  {}: {} → {}: {}",
                    f.field.name(),
                    f.expected,
                    f.found.as_deref().unwrap_or("none"),
                    f.title
                );
            }
        }
        let wrong: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.expected != o.predicted || o.expected_city.is_some() && o.expected_city != o.predicted_city)
            .collect();
        if !wrong.is_empty() {
            let _ = writeln!(out, "\nmisfiled");
            for o in wrong {
                let _ = writeln!(
                    out,
                    "  {} → {} (city {:?} → {:?}): {}",
                    o.expected, o.predicted, o.expected_city, o.predicted_city, o.title
                );
                for w in &o.why {
                    let _ = writeln!(out, "      {w}");
                }
            }
        }
        out
    }
}

/// Classify one labelled item as the pipeline would: the text as given, the policy
/// fields a portal's detail page would have yielded, the document number found in the
/// text otherwise.
pub fn classify(classifier: &Classifier, it: &Labelled) -> (crate::model::Decision, PolicyMeta) {
    let meta = labelled_meta(it);
    let d = classifier.classify(&input(it, &meta));
    (d, meta)
}

fn labelled_meta(it: &Labelled) -> PolicyMeta {
    let mut meta = PolicyMeta {
        issuer: it.issuer.clone(),
        doc_number: it.doc_number.clone(),
        ..Default::default()
    };
    policy::fill_from_text(&mut meta, &it.title, &it.body, &it.source);
    meta
}

fn input<'a>(it: &'a Labelled, meta: &'a PolicyMeta) -> Input<'a> {
    Input {
        title: &it.title,
        text: &it.body,
        source_id: &it.source,
        source_name: &it.source,
        section_hint: it.hint.as_deref(),
        city_hint: None,
        policy: meta,
        source_mix: None,
    }
}

/// The decisions on every item as a run of the pipeline makes them, with each source's
/// lean (the `source` field names the source): an item is read alone first, and a
/// source's items are settled with its lean ([`Classifier::settle`]) as storing a
/// source's new items does.
pub fn decide_by_source(classifier: &Classifier, items: &[Labelled]) -> Vec<crate::model::Decision> {
    let prepared: Vec<_> = items
        .iter()
        .map(|it| classifier.prepare(&input(it, &labelled_meta(it))))
        .collect();
    let mut decisions: Vec<_> = prepared.iter().map(|p| classifier.finish(p, None)).collect();
    let mut sources: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, it) in items.iter().enumerate() {
        sources.entry(it.source.as_str()).or_default().push(i);
    }
    for at in sources.values() {
        let readings = at.iter().map(|&i| (&prepared[i], &decisions[i]));
        if let Some(settled) = classifier.settle(readings, Default::default()) {
            for (&i, d) in at.iter().zip(settled) {
                decisions[i] = d;
            }
        }
    }
    decisions
}

/// Classify every labelled item (see [`classify`]) and compare with its label.
pub fn evaluate(classifier: &Classifier, items: &[Labelled]) -> Report {
    let decisions = items.iter().map(|it| classify(classifier, it).0).collect();
    report(items, decisions, &classifier.taxonomy)
}

/// [`evaluate`] with each source's lean weighed in (see [`decide_by_source`]).
pub fn evaluate_by_source(classifier: &Classifier, items: &[Labelled]) -> Report {
    report(items, decide_by_source(classifier, items), &classifier.taxonomy)
}

fn report(items: &[Labelled], decisions: Vec<crate::model::Decision>, taxonomy: &Taxonomy) -> Report {
    let mut report = Report {
        city_section: taxonomy
            .sections
            .iter()
            .find(|s| s.layout == Layout::City)
            .map(|s| s.id().to_string()),
        ..Report::default()
    };
    for (it, d) in items.iter().zip(decisions) {
        let predicted = if d.rejected.is_some() {
            OFF_TOPIC.to_string()
        } else {
            d.section.clone()
        };
        report.outcomes.push(Outcome {
            title: it.title.clone(),
            expected: it.section.clone(),
            predicted,
            expected_city: it.city.clone(),
            predicted_city: d.city.clone(),
            city_note_too: d.rejected.is_none() && taxonomy.city_note_too(&d.section, d.city.as_deref()),
            why: d.rejected.iter().cloned().chain(d.reasons.iter().cloned()).collect(),
        });
        let read = read_policy(it);
        for (field, expected, found) in [
            (PolicyField::DocNumber, &it.doc_number, read.doc_number),
            (PolicyField::Issuer, &it.issuer, read.issuer),
        ] {
            if let Some(expected) = expected {
                let mut outcome = FieldOutcome {
                    field,
                    title: it.title.clone(),
                    expected: expected.clone(),
                    found,
                    stated: states(it, expected),
                };
                // Read right from a short form (工信部 for 工业和信息化部): stated too.
                outcome.stated |= outcome.right();
                report.fields.push(outcome);
            }
        }
    }
    report
}

/// The policy fields a feed's item yields: what normalizing reads from its headline and
/// lead, nothing labelled.
/// Whether an item's headline or lead states a labelled value, spaces aside; joint
/// issuers are labelled with 、 between them, which the text may write otherwise.
fn states(it: &Labelled, value: &str) -> bool {
    let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text = bare(&format!("{}{}", it.title, it.body));
    bare(value).split('、').all(|part| text.contains(part))
}

fn read_policy(it: &Labelled) -> PolicyMeta {
    let mut meta = PolicyMeta::default();
    policy::fill_from_text(&mut meta, &it.title, &it.body, &it.source);
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, section: &str, source: &str) -> Labelled {
        Labelled {
            section: section.to_string(),
            title: title.to_string(),
            body: String::new(),
            source: source.to_string(),
            city: None,
            issuer: None,
            doc_number: None,
            hint: None,
        }
    }

    #[test]
    fn an_issuer_is_read_right_as_labelled_or_with_its_co_issuers() {
        let outcome = |expected: &str, found: Option<&str>| FieldOutcome {
            field: PolicyField::Issuer,
            title: String::new(),
            expected: expected.to_string(),
            found: found.map(str::to_string),
            stated: true,
        };
        assert!(outcome("泉州市财政局", Some("泉州市财政局")).right());
        assert!(outcome("广东省工业和信息化厅", Some("广东省工业和信息化厅 广东省商务厅")).right());
        assert!(outcome("广东省工业和信息化厅等6部门", Some("广东省工业和信息化厅")).right());
        assert!(
            outcome(
                "广东省工业和信息化厅等两部门",
                Some("广东省工业和信息化厅 广东省商务厅")
            )
            .right()
        );
        // A co-issuer is not the lead one the label names.
        assert!(!outcome("广东省商务厅", Some("广东省工业和信息化厅 广东省商务厅")).right());
        assert!(!outcome("广东省商务厅", None).right());
    }

    #[test]
    fn a_city_note_the_draft_lists_from_another_section_counts_as_placed() -> anyhow::Result<()> {
        let c = Classifier::new(Taxonomy::builtin())?;
        let fair = "第二十五届中国国际软件博览会在天津开幕";
        let items = [item(fair, "city-news", "示例新闻网")];
        let r = evaluate(&c, &items);
        let o = &r.outcomes[0];
        // A national fair is an ecosystem item first; the draft lists it under 天津 too.
        assert_eq!(
            (o.predicted.as_str(), o.predicted_city.as_deref()),
            ("ecosystem-standards", Some("天津"))
        );
        assert!(o.city_note_too);
        assert_eq!((r.accuracy(), r.placed()), (0.0, 1.0));
        // Labelled with the section it is filed in, it is placed either way; one
        // labelled with a section the draft does not list it in is not.
        let r = evaluate(
            &c,
            &[
                item(fair, "ecosystem-standards", "示例新闻网"),
                item(fair, "policy", "示例新闻网"),
            ],
        );
        assert_eq!((r.accuracy(), r.placed()), (0.5, 0.5));
        Ok(())
    }

    #[test]
    fn read_by_source_an_item_weighs_what_its_own_outlet_usually_files() {
        let c = Classifier::new(Taxonomy::builtin()).expect("the shipped taxonomy loads");
        let unsure = "马斯克正式开源X平台推荐算法";
        let mut items: Vec<Labelled> = [
            "联想集团宣布组织架构调整，成立三大业务集团",
            "阿里巴巴任命新任首席技术官",
            "腾讯成立大模型事业部，原负责人调任",
            "华为轮值董事长换届，新任轮值董事长就任",
            "小米集团高管变动：总裁卸任",
            "百度宣布智能云事业群人事调整",
        ]
        .iter()
        .map(|t| item(t, "company-news", "it-daily"))
        .collect();
        items.push(item(unsure, "company-news", "it-daily"));
        // Whether the outlet's lean was weighed in deciding the unsure item.
        let leaned = |report: &Report| {
            report
                .outcomes
                .iter()
                .find(|o| o.title == unsure)
                .is_some_and(|o| o.why.iter().any(|r| r.contains("of the source's items → company-news")))
        };
        assert!(!leaned(&evaluate(&c, &items)));
        assert!(leaned(&evaluate_by_source(&c, &items)));
        // Another source's items lend it nothing.
        items.last_mut().expect("seven items").source = "elsewhere".to_string();
        assert!(!leaned(&evaluate_by_source(&c, &items)));
    }
}
