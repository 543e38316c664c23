//! The taxonomy file: sections in report order, their rules, off-topic groups, cities.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{ConfigError, Locator};

/// The taxonomy that ships with banyue (`config/sections.toml`).
pub const DEFAULT_TAXONOMY: &str = include_str!("../../config/sections.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    #[serde(default)]
    pub classifier: Tuning,
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub offtopic: OffTopic,
    #[serde(default)]
    pub cities: Cities,
    #[serde(default)]
    pub digest: Digest,
    #[serde(default)]
    pub selection: Selection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    #[serde(default = "two")]
    pub title_weight: f32,
    #[serde(default = "body_chars")]
    pub body_chars: usize,
    #[serde(default = "min_score")]
    pub min_score: f32,
    #[serde(default = "hint_weight")]
    pub hint_weight: f32,
    /// A source whose items mostly went to one section adds up to this to that section
    /// (its share of the source's items times this).
    #[serde(default = "source_weight")]
    pub source_weight: f32,
    /// What the model learned from editors adds at most this much to a section.
    #[serde(default = "learned_weight")]
    pub learned_weight: f32,
    /// Learn from the labelled examples shipped with banyue before editors file any:
    /// right for the default taxonomy, whose sections they are labelled with.
    #[serde(default)]
    pub seed_examples: bool,
    /// Words read whole, as a reader segments a sentence: a term that runs across the
    /// edge of one (科技股 in 科技股份, 系统 in 系统性, 为何 in 华为何时) is not found
    /// there. A term that holds the whole word (股份回购 holds 股份) is.
    #[serde(default)]
    pub whole_words: Vec<String>,
}

fn two() -> f32 {
    2.0
}
fn body_chars() -> usize {
    600
}
fn min_score() -> f32 {
    2.5
}
fn learned_weight() -> f32 {
    8.0
}
fn hint_weight() -> f32 {
    4.5
}
fn source_weight() -> f32 {
    10.0
}
fn yes() -> bool {
    true
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            title_weight: two(),
            body_chars: body_chars(),
            min_score: min_score(),
            hint_weight: hint_weight(),
            source_weight: source_weight(),
            learned_weight: learned_weight(),
            seed_examples: false,
            whole_words: Vec::new(),
        }
    }
}

/// How a section is laid out in the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Bold headline, paragraph, （新闻来源：…）.
    News,
    /// Headline stating the figure, paragraph, （数据来源：…）.
    Data,
    /// A table per policy: title, issuer and number, URL, summary.
    Policy,
    /// Dated notes grouped by city.
    City,
    /// Event recap plus opinions, with an empty slot for the institute's comment.
    Commentary,
    /// One long article.
    Analysis,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: Spanned<String>,
    pub name: String,
    /// The part this section belongs to (行业动态).
    pub parent: Option<String>,
    pub layout: Layout,
    /// The attribution word: 新闻来源, 数据来源 …
    pub attribution: Option<String>,
    /// Whether the section has a paragraph in 本期提要.
    #[serde(default = "yes")]
    pub digest: bool,
    /// Items of this section that are about one city also appear as city notes.
    #[serde(default)]
    pub city_notes: bool,
    /// How many items of this section an issue holds (none: every item).
    #[serde(default)]
    pub quota: Option<usize>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

impl Section {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    pub fn attribution(&self) -> &str {
        self.attribution.as_deref().unwrap_or("新闻来源")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    Title,
    Body,
    #[default]
    Any,
}

/// Facts about an item that are not words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The item carries a 发文字号.
    DocNumber,
    /// The title starts with a date, the house style of city notes ("8月26日，…").
    DatePrefix,
    /// The source (or issuer) is a body of one city.
    LocalSource,
    /// The source is a city's own newspaper, station or news site (南京日报, 福州新闻网).
    LocalOutlet,
    /// The headline makes a city or district a party: it signs with a company (上海与科大讯飞
    /// 达成战略合作, 黄浦区政府与…签订) or projects settle in it (落户渝北).
    PlaceActs,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub weight: f32,
    #[serde(default)]
    pub field: Field,
    #[serde(default)]
    pub terms: Vec<String>,
    pub pattern: Option<Spanned<String>>,
    pub signal: Option<Signal>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffTopic {
    #[serde(default = "two")]
    pub min_score: f32,
    #[serde(default)]
    pub relevance: Vec<String>,
    /// The industry's companies: read as relevance words, listed apart so the register
    /// stays readable.
    #[serde(default)]
    pub companies: Vec<String>,
    /// Words of the industry that other trades use too (平台, 系统, 云, 数据): in a
    /// headline they count for little, in a body for nothing.
    #[serde(default)]
    pub weak_relevance: Vec<String>,
    #[serde(default = "rescue")]
    pub rescue_score: f32,
    #[serde(default, rename = "group")]
    pub groups: Vec<OffTopicGroup>,
}

fn rescue() -> f32 {
    5.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffTopicGroup {
    pub reason: String,
    pub terms: Vec<String>,
    #[serde(default = "two")]
    pub weight: f32,
    /// A title hit rejects the item whatever industry words it has (a portal's staff
    /// recruitment notice mentions its own 信息化局).
    #[serde(default)]
    pub strong: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cities {
    #[serde(default)]
    pub order: Vec<String>,
    #[serde(default)]
    pub full_name_only: Vec<String>,
    #[serde(default)]
    pub block: Vec<String>,
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// A city's own papers and news sites whose names hold no city (长江日报 is 武汉's): a
    /// source named so tells of that city. Read from source names only, never from text.
    #[serde(default)]
    pub outlets: BTreeMap<String, String>,
}

/// How the items are chosen from the window's stories (`draft::select`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Companies and products whose news weighs more.
    #[serde(default)]
    pub majors: Vec<String>,
    /// The company a product or another spelling among `majors` stands for (鸿蒙 and
    /// Huawei are 华为's): one company's stories fill no more of a section than one
    /// source's, whichever of its names they use.
    #[serde(default)]
    pub company_of: BTreeMap<String, String>,
    /// Headline words of an event with an outcome (signed, opened, released, listed).
    #[serde(default)]
    pub outcomes: Vec<String>,
    /// Headline words of routine (a visit, a study session, a training): such stories
    /// sink.
    #[serde(default)]
    pub routine: Vec<String>,
    /// Headline words of an event announced, not yet held (将于, 即将, a press conference
    /// ahead of a fair): the event itself is the news, its preview is second tier.
    #[serde(default)]
    pub previews: Vec<String>,
    /// Headline words of national scope (国家, 全国, a ministry).
    #[serde(default)]
    pub national: Vec<String>,
    /// Under the city layout, at most this many notes per city.
    #[serde(default = "per_city")]
    pub per_city: usize,
    /// No source fills more than this share of a section's quota (unless none other can).
    #[serde(default = "source_share")]
    pub source_share: f32,
    /// What editors kept and dropped before adds up to this much.
    #[serde(default = "taste_weight")]
    pub taste_weight: f32,
    /// Start the taste model from the shipped grades of real items (the brief would
    /// carry it, or it is minor: `config/labels/worthy/`), before editors have kept or
    /// dropped anything; their edits count [`EDITOR_WEIGHT`](crate::classify::learn::EDITOR_WEIGHT) times as much.
    #[serde(default)]
    pub seed_taste: bool,
    /// The to-sort bucket of the draft lists at most this many items; the rest wait
    /// in the candidate pool.
    #[serde(default = "to_sort_cap")]
    pub to_sort_cap: usize,
    /// A doubtful item (the classifier's `doubt` above 0) less significant than this is
    /// not selected even where its section has room: it waits in the candidate pool (an
    /// editor may still keep it). A quiet fortnight's sections are not topped up with a
    /// portal's news that its words barely tie to the trade.
    #[serde(default)]
    pub min_significance: f32,
}

fn per_city() -> usize {
    3
}

fn source_share() -> f32 {
    0.5
}

fn taste_weight() -> f32 {
    4.0
}

fn to_sort_cap() -> usize {
    50
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            majors: Vec::new(),
            company_of: BTreeMap::new(),
            outcomes: Vec::new(),
            routine: Vec::new(),
            previews: Vec::new(),
            national: Vec::new(),
            per_city: per_city(),
            source_share: source_share(),
            taste_weight: taste_weight(),
            seed_taste: false,
            to_sort_cap: to_sort_cap(),
            min_significance: 0.0,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Digest {
    #[serde(default)]
    pub topics: Vec<String>,
}

impl Taxonomy {
    /// The built-in taxonomy.
    pub fn builtin() -> Taxonomy {
        Taxonomy::parse(DEFAULT_TAXONOMY, Path::new("sections.toml (built in)"))
            .expect("the built-in taxonomy is valid (checked by tests)")
    }

    /// The taxonomy a config names (`settings.taxonomy`), else the built-in one.
    pub fn configured(path: Option<&Path>) -> anyhow::Result<Taxonomy> {
        match path {
            Some(p) => Taxonomy::load(p),
            None => Ok(Taxonomy::builtin()),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Taxonomy> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read taxonomy {}: {e}", path.display()))?;
        Ok(Taxonomy::parse(&text, path)?)
    }

    /// Parse and check a taxonomy; regexes and ids are validated here, with lines.
    pub fn parse(text: &str, path: &Path) -> Result<Taxonomy, ConfigError> {
        let file = path.display().to_string();
        let loc = Locator::new(&file, text);
        let tax: Taxonomy = toml::from_str(text).map_err(|e| ConfigError(vec![loc.toml_problem(&e)]))?;
        let mut problems = Vec::new();
        for (i, s) in tax.sections.iter().enumerate() {
            if tax.sections[..i].iter().any(|o| o.id() == s.id()) {
                problems.push(loc.problem(s.id.span().start, format!("section id `{}` is used twice", s.id())));
            }
            if s.id() == crate::model::TO_SORT {
                problems.push(loc.problem(s.id.span().start, "`to-sort` is reserved for unsorted items"));
            }
            for r in &s.rules {
                // Parsed as the classifier reads it, so that building it later
                // (`Pipeline::classifier`) cannot fail on a pattern's syntax. Compiling
                // waits for the classifier, which a warm run never builds.
                if let Some(p) = &r.pattern
                    && let Err(e) = super::patterns::check(p.get_ref())
                {
                    problems.push(loc.problem(p.span().start, format!("rule `{}`: invalid pattern: {e}", r.name)));
                }
                let kinds = usize::from(!r.terms.is_empty())
                    + usize::from(r.pattern.is_some())
                    + usize::from(r.signal.is_some());
                if kinds != 1 {
                    problems.push(loc.problem(
                        s.id.span().start,
                        format!(
                            "section `{}` rule `{}` needs exactly one of terms, pattern, signal",
                            s.id(),
                            r.name
                        ),
                    ));
                }
            }
        }
        // A name the selection never finds would leave its company uncapped, unnoticed.
        let table = text.find("[selection.company_of]").unwrap_or(0);
        for (name, company) in &tax.selection.company_of {
            for n in [name, company] {
                if !tax.selection.majors.contains(n) {
                    let at = text[table..].find(&format!("\"{name}\"")).map_or(table, |i| table + i);
                    problems.push(loc.problem(
                        at,
                        format!("[selection.company_of] `{name}` = `{company}`: `{n}` is not among the majors"),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(tax)
        } else {
            Err(ConfigError(problems))
        }
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id() == id)
    }

    /// Whether the draft lists an item of `section` about `city` under that city too: a
    /// city's fair is an ecosystem item and a city note (report-format.md).
    pub fn city_note_too(&self, section: &str, city: Option<&str>) -> bool {
        city.is_some() && self.section(section).is_some_and(|s| s.city_notes)
    }

    /// Display name of a section id (including the to-sort bucket).
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        if id == crate::model::TO_SORT {
            return "待分类";
        }
        self.section(id).map(|s| s.name.as_str()).unwrap_or(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_taxonomy_parses() {
        let t = Taxonomy::builtin();
        let ids: Vec<&str> = t.sections.iter().map(|s| s.id()).collect();
        assert_eq!(
            ids,
            [
                "industry-data",
                "policy",
                "tech-innovation",
                "company-news",
                "market",
                "ecosystem-standards",
                "city-news",
                "commentary",
                "analysis"
            ]
        );
    }

    #[test]
    fn a_company_of_no_major_names_its_line() {
        let text = "[[section]]\nid = \"x\"\nname = \"X\"\nlayout = \"news\"\n\
                    [selection]\nmajors = [\"华为\"]\n[selection.company_of]\n\"鸿蒙\" = \"华为\"\n";
        let err = Taxonomy::parse(text, Path::new("t.toml")).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].line, 8, "{err}");
        assert!(err.0[0].message.contains("`鸿蒙` is not among the majors"), "{err}");
    }

    #[test]
    fn bad_pattern_names_its_line() {
        let text = "[[section]]\nid = \"x\"\nname = \"X\"\nlayout = \"news\"\n  [[section.rule]]\n  name = \"r\"\n  weight = 1\n  pattern = '(unclosed'\n";
        let err = Taxonomy::parse(text, Path::new("t.toml")).unwrap_err();
        assert_eq!(err.0[0].line, 8, "{err}");
        assert!(err.0[0].message.contains("rule `r`: invalid pattern"), "{err}");
        assert!(err.0[0].message.contains("unclosed group"), "{err}");
    }
}
