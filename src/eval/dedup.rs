//! Measuring the merging of duplicates on a labelled file: reports with story ids, in
//! the order a run would meet them. Two reports with one story id must merge (a
//! rewording); two with different ids must not (a template twin, or any other story).
//!
//! Format: `{"items": [{"story": "s1", "title": "…", "body": "…", "source": "…",
//! "published": "2026-11-03T09:00:00+08:00", "kind": "twin|reword|single"}]}`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::dedup::{Candidate, Index, NearDup, Verdict};

#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub story: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub source: String,
    pub published: Option<DateTime<chrono::FixedOffset>>,
    #[serde(default)]
    pub kind: String,
    pub doc_number: Option<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    items: Vec<Report>,
}

pub fn load(path: &Path) -> anyhow::Result<Vec<Report>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let f: File = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a dedup evaluation file (items with story ids)",
            path.display()
        )
    })?;
    Ok(f.items)
}

/// One report's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub index: usize,
    /// The report it was merged into, and why.
    pub merged_into: Option<(usize, String)>,
    /// Alike reports it was kept apart from, and why (the first few).
    pub kept_apart: Vec<(usize, String)>,
}

#[derive(Debug, Default)]
pub struct Evaluation {
    pub reports: Vec<Report>,
    pub outcomes: Vec<Outcome>,
}

/// Run the reports through the same index and rules as `banyue run`, oldest first.
pub fn evaluate(near: &NearDup, reports: Vec<Report>) -> Evaluation {
    evaluate_among(near, reports, Vec::new())
}

/// When a report has no date: a fixed day, so that runs agree.
fn fallback_date() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
}

/// [`evaluate`] with `background` stories in the index first: a large store's stories,
/// among which a labelled report must still find its own story (a merge into one of
/// them is a wrong merge). Each is dated as the labelled reports' middle one, so that
/// every one is a story a report could repeat; their ids are moved past the reports'.
pub fn evaluate_among(near: &NearDup, reports: Vec<Report>, background: Vec<Candidate>) -> Evaluation {
    let fallback = fallback_date();
    let mut order: Vec<usize> = (0..reports.len()).collect();
    order.sort_by_key(|i| (reports[*i].published.map(|d| d.with_timezone(&Utc)), *i));
    let mut index = Index::default();
    let middle = order
        .get(order.len() / 2)
        .and_then(|i| reports[*i].published)
        .map_or(fallback, |d| d.with_timezone(&Utc));
    for (k, mut c) in background.into_iter().enumerate() {
        c.id = (reports.len() + k) as i64;
        c.date = middle;
        index.insert(c);
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; reports.len()];
    for i in order {
        let r = &reports[i];
        let date = r.published.map(|d| d.with_timezone(&Utc)).unwrap_or(fallback);
        let probe = Candidate::new(i as i64, &r.source, &r.title, &r.body, r.doc_number.as_deref(), date);
        let verdicts = index.judge_all(near, &probe);
        let mut outcome = Outcome {
            index: i,
            merged_into: None,
            kept_apart: Vec::new(),
        };
        for (id, v) in verdicts {
            match v {
                Verdict::Same(why) => outcome.merged_into = Some((id as usize, why)),
                Verdict::Apart(why) if outcome.kept_apart.len() < 24 => outcome.kept_apart.push((id as usize, why)),
                Verdict::Unlike(why) if outcome.kept_apart.len() < 24 => {
                    outcome.kept_apart.push((id as usize, format!("unlike: {why}")))
                }
                _ => {}
            }
        }
        if outcome.merged_into.is_none() {
            index.insert(probe);
        }
        outcomes[i] = Some(outcome);
    }
    Evaluation {
        outcomes: outcomes.into_iter().flatten().collect(),
        reports,
    }
}

impl Evaluation {
    /// Whether the report was merged into a report of its own story.
    fn merged_right(&self, o: &Outcome) -> bool {
        o.merged_into.as_ref().is_some_and(|(m, _)| {
            self.reports
                .get(*m)
                .is_some_and(|r| r.story == self.reports[o.index].story)
        })
    }

    /// Whether the report was merged into another story's report.
    fn merged_wrong(&self, o: &Outcome) -> bool {
        o.merged_into.as_ref().is_some_and(|(m, _)| {
            self.reports
                .get(*m)
                .is_none_or(|r| r.story != self.reports[o.index].story)
        })
    }

    pub fn stories(&self) -> usize {
        self.reports
            .iter()
            .map(|r| r.story.as_str())
            .collect::<HashSet<_>>()
            .len()
    }

    /// Reports merged into another story's report.
    pub fn wrong_merges(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| self.merged_wrong(o)).collect()
    }

    /// Reports that repeat a story met before, and how many of those were merged into it.
    pub fn repeats(&self) -> (usize, usize) {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut first: HashMap<usize, bool> = HashMap::new();
        let mut order: Vec<usize> = (0..self.reports.len()).collect();
        order.sort_by_key(|i| (self.reports[*i].published, *i));
        for i in order {
            first.insert(i, seen.insert(self.reports[i].story.as_str()));
        }
        let repeats: Vec<&Outcome> = self.outcomes.iter().filter(|o| !first[&o.index]).collect();
        let merged = repeats.iter().filter(|o| self.merged_right(o)).count();
        (repeats.len(), merged)
    }

    /// Template twins merged into another story, of all twins.
    pub fn twins(&self) -> (usize, usize) {
        let twins: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| self.reports[o.index].kind == "twin")
            .collect();
        let merged = twins.iter().filter(|o| self.merged_wrong(o)).count();
        (twins.len(), merged)
    }

    /// Reworded reports (kind `reword`) that repeat a story, and how many merged into it.
    pub fn rewordings(&self) -> (usize, usize) {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut order: Vec<usize> = (0..self.reports.len()).collect();
        order.sort_by_key(|i| (self.reports[*i].published, *i));
        let mut total = 0;
        let mut merged = 0;
        let by_index: HashMap<usize, &Outcome> = self.outcomes.iter().map(|o| (o.index, o)).collect();
        for i in order {
            let r = &self.reports[i];
            if !seen.insert(r.story.as_str()) && r.kind == "reword" {
                total += 1;
                if self.merged_right(by_index[&i]) {
                    merged += 1;
                }
            }
        }
        (total, merged)
    }

    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        let wrong = self.wrong_merges();
        let stories = self.stories();
        let (repeats, merged) = self.repeats();
        let (reworded, reworded_merged) = self.rewordings();
        let (twins, twins_merged) = self.twins();
        let pct = |a: usize, b: usize| a as f64 * 100.0 / b.max(1) as f64;
        let _ = writeln!(out, "{} reports of {stories} stories", self.reports.len());
        let _ = writeln!(
            out,
            "wrong merges: {} ({:.2}% of stories)",
            wrong.len(),
            pct(wrong.len(), stories)
        );
        let _ = writeln!(
            out,
            "merge recall: {merged} of {repeats} repeats ({:.1}%); rewordings {reworded_merged} of {reworded} ({:.1}%)",
            pct(merged, repeats),
            pct(reworded_merged, reworded)
        );
        let _ = writeln!(
            out,
            "template twins merged: {twins_merged} of {twins} ({:.2}%)",
            pct(twins_merged, twins)
        );
        if !wrong.is_empty() {
            let _ = writeln!(out, "\nwrong merges");
            for o in &wrong {
                if let Some((m, why)) = &o.merged_into {
                    let _ = writeln!(
                        out,
                        "  {} ⇒ {}\n      {why}",
                        self.reports[o.index].title,
                        self.reports
                            .get(*m)
                            .map_or("(a story of the background)", |r| r.title.as_str())
                    );
                }
            }
        }
        let by_index: HashMap<usize, &Outcome> = self.outcomes.iter().map(|o| (o.index, o)).collect();
        let mut missed = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut order: Vec<usize> = (0..self.reports.len()).collect();
        order.sort_by_key(|i| (self.reports[*i].published, *i));
        for i in order {
            let r = &self.reports[i];
            match seen.get(r.story.as_str()) {
                Some(first) => {
                    let o = by_index[&i];
                    if !self.merged_right(o) {
                        missed.push((i, *first, o));
                    }
                }
                None => {
                    seen.insert(r.story.as_str(), i);
                }
            }
        }
        if !missed.is_empty() {
            let _ = writeln!(out, "\nmissed merges ({})", missed.len());
            for (i, first, o) in missed.iter().take(if verbose { usize::MAX } else { 15 }) {
                let _ = writeln!(out, "  {} ⇏ {}", self.reports[*i].title, self.reports[*first].title);
                // Only what was said about the story it belongs to.
                for (_, why) in o
                    .kept_apart
                    .iter()
                    .filter(|(m, _)| self.reports.get(*m).is_some_and(|r| r.story == self.reports[*i].story))
                {
                    let _ = writeln!(out, "      {why}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(story: &str, title: &str, body: &str, kind: &str) -> Report {
        Report {
            story: story.into(),
            title: title.into(),
            body: body.into(),
            source: "s".into(),
            published: None,
            kind: kind.into(),
            doc_number: None,
        }
    }

    /// A run searches with `Index::find`, which passes over the stories it can tell at a
    /// glance a report cannot repeat; `eval-dedup` and `explain` judge every candidate
    /// (`judge_all`). Over every labelled set, as dated and with the dates spread over
    /// a month (so that most pairs are days apart and the glance decides), both find
    /// the same story for every report.
    #[test]
    fn a_run_finds_the_story_that_judging_every_candidate_finds() {
        let near = NearDup::default();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("the labelled dedup sets")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        assert!(files.len() >= 7, "{files:?}");
        let (mut searched, mut merged, mut far) = (0, 0, 0);
        for file in files {
            let reports = load(&file).expect("a labelled set");
            for spread in [false, true] {
                let mut index = Index::default();
                for (i, r) in reports.iter().enumerate() {
                    let mut date = r.published.map_or_else(fallback_date, |d| d.with_timezone(&Utc));
                    if spread {
                        date += chrono::Duration::hours((i as i64 * 61) % (30 * 24));
                    }
                    let probe = Candidate::new(i as i64, &r.source, &r.title, &r.body, r.doc_number.as_deref(), date);
                    let judged = index.judge_all(&near, &probe);
                    let first_same = judged
                        .iter()
                        .find_map(|(id, v)| matches!(v, Verdict::Same(_)).then_some(*id));
                    let found = index.find(&near, &probe).map(|(id, _)| id);
                    assert_eq!(
                        found,
                        first_same,
                        "{}: {} (dates spread: {spread})",
                        file.display(),
                        r.title
                    );
                    far += judged
                        .iter()
                        .filter(|(id, _)| {
                            index
                                .get(*id)
                                .is_some_and(|c| (c.date - date).num_days().abs() > near.title_days)
                        })
                        .count();
                    searched += 1;
                    match first_same {
                        Some(_) => merged += 1,
                        None => index.insert(probe),
                    }
                }
            }
        }
        // The sets are large, merge often and, spread, compare many stories days apart.
        assert!(
            searched > 7000 && merged > 400 && far > 10_000,
            "{searched} {merged} {far}"
        );
    }

    #[test]
    fn twins_and_rewordings_are_counted() {
        let body = "会议指出，要加快推进关键核心技术攻关，提升产业链供应链韧性和安全水平，培育一批专精特新企业。";
        let reports = vec![
            report("a", "无锡入选国家网络安全创新发展示范区", body, "twin"),
            report("b", "福州入选国家网络安全创新发展示范区", body, "twin"),
            report(
                "c",
                "星河云发布分布式数据库星河DB 5.0",
                "星河云今日发布分布式数据库星河DB 5.0，事务处理性能较上一代提升三倍，已在金融、电信等行业完成试点。",
                "reword",
            ),
            report(
                "c",
                "星河DB 5.0正式亮相：性能提升三倍",
                "星河云日前发布分布式数据库星河DB 5.0，事务处理性能较上一代提升三倍，已在金融、电信等行业完成试点。",
                "reword",
            ),
        ];
        let e = evaluate(&NearDup::default(), reports);
        assert_eq!(e.stories(), 3);
        assert_eq!(e.twins(), (2, 0));
        assert_eq!(e.rewordings(), (1, 1));
        assert!(e.wrong_merges().is_empty());
        assert!(e.render(false).contains("wrong merges: 0"));
    }

    #[test]
    fn a_merge_into_a_background_story_is_wrong_and_its_own_story_is_still_found() {
        let text = "星河云今日发布分布式数据库星河DB 5.0，事务处理性能较上一代提升三倍，已在金融、电信等行业完成试点。";
        let date = fallback_date();
        // The background already tells the first report's story: merging into it is a
        // merge into another story, since the labels know nothing of it.
        let background = vec![
            Candidate::new(1, "bg", "星河云发布分布式数据库星河DB 5.0", text, None, date),
            Candidate::new(
                2,
                "bg",
                "福州入选国家网络安全创新发展示范区",
                "福州市获批示范区。",
                None,
                date,
            ),
        ];
        let reports = vec![
            report("c", "星河云发布分布式数据库星河DB 5.0", text, "reword"),
            report(
                "d",
                "无锡入选国家网络安全创新发展示范区",
                "无锡市获批国家网络安全创新发展示范区。",
                "twin",
            ),
            report(
                "d",
                "无锡获批国家网络安全创新发展示范区",
                "无锡市获批国家网络安全创新发展示范区。",
                "reword",
            ),
        ];
        let e = evaluate_among(&NearDup::default(), reports, background);
        assert_eq!(e.wrong_merges().len(), 1, "{}", e.render(true));
        assert_eq!(e.twins(), (1, 0), "the twin of a background story stays apart");
        assert_eq!(e.rewordings(), (1, 1), "{}", e.render(true));
        assert!(e.render(false).contains("(a story of the background)"));
    }
}
