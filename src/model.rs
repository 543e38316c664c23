//! The typed boundaries between pipeline stages.
//!
//! Each stage consumes the type on its left and produces the type on its right:
//! `extract` → [`RawItem`] → `normalize` → [`Item`] → `classify` → [`Decision`] →
//! `store` → [`StoredItem`] → `publish` / `draft`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Structured fields of a government document, read from a portal's metadata table,
/// CMS meta tags or the body text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyMeta {
    /// 发文机关 / 发文机构.
    pub issuer: Option<String>,
    /// 发文字号, brackets normalised to 〔〕.
    pub doc_number: Option<String>,
    /// 成文日期 as written (normalised to YYYY-MM-DD when parseable).
    pub written: Option<String>,
    /// 索引号.
    pub index_no: Option<String>,
    /// 主题分类.
    pub topic: Option<String>,
}

impl PolicyMeta {
    pub fn is_empty(&self) -> bool {
        self == &PolicyMeta::default()
    }

    /// Fill the fields this one lacks from `other`.
    pub fn merge_missing(&mut self, other: PolicyMeta) {
        let fill = |a: &mut Option<String>, b: Option<String>| {
            if a.is_none() {
                *a = b;
            }
        };
        fill(&mut self.issuer, other.issuer);
        fill(&mut self.doc_number, other.doc_number);
        fill(&mut self.written, other.written);
        fill(&mut self.index_no, other.index_no);
        fill(&mut self.topic, other.topic);
    }
}

/// One item as a source showed it, before any cleaning.
#[derive(Debug, Clone, Default)]
pub struct RawItem {
    /// The feed's own id (RSS guid, Atom id), if it gave one.
    pub guid: Option<String>,
    /// Absolute link to the item.
    pub link: Option<String>,
    pub title: String,
    /// HTML or text summary from the feed or list page.
    pub summary: Option<String>,
    /// Full HTML content, from the feed or the detail page.
    pub content: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub policy: PolicyMeta,
}

/// A cleaned item, ready for dedup and classification.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub source_id: String,
    /// The dedup key of this item within its source (feed guid, else canonical link).
    pub guid: String,
    /// Canonical link: tracking parameters and fragment removed.
    pub url: Option<String>,
    pub title: String,
    /// Plain-text summary, at most a few hundred characters.
    pub summary: String,
    /// Sanitized HTML that is safe to republish.
    pub content_html: String,
    /// Plain text of the body, for classification and near-duplicate detection.
    pub text: String,
    pub published: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
    pub author: Option<String>,
    pub policy: PolicyMeta,
}

/// What the classifier decided about one item, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Primary section id; [`TO_SORT`] when no section scored high enough.
    pub section: String,
    pub score: f32,
    /// Other sections that scored, best first.
    #[serde(default)]
    pub runners_up: Vec<(String, f32)>,
    /// City facet: the city the item is about, by its short name (e.g. 南京).
    pub city: Option<String>,
    /// Why the item is off-topic; `Some` means it never reaches feeds or the draft.
    pub rejected: Option<String>,
    /// How near a kept item came to being rejected as off-topic: 0 when the learned model
    /// leans on-topic, 1 at the line where it rejects, and 1 when other news's words
    /// outweigh the trade's and only a section's firm claim kept it. Such an item stays
    /// in the feeds and the pool, and ranks lower for the issue.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub doubt: f32,
    /// Human-readable rules that fired, e.g. `title:同比增长 → industry-data +3`.
    #[serde(default)]
    pub reasons: Vec<String>,
}

fn is_zero(x: &f32) -> bool {
    *x == 0.0
}

/// The bucket for items no section claims with confidence.
pub const TO_SORT: &str = "to-sort";
/// The label of items that are not about the industry at all (never in the draft).
pub const OFF_TOPIC: &str = "off-topic";

/// An item as stored, with its decision and its place in a duplicate cluster.
#[derive(Debug, Clone, Serialize)]
pub struct StoredItem {
    pub id: i64,
    pub source_id: String,
    pub source_name: String,
    pub guid: String,
    pub url: Option<String>,
    pub title: String,
    pub summary: String,
    pub content_html: String,
    pub published: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
    pub policy: PolicyMeta,
    pub decision: Decision,
    /// Id of the representative of this item's story; `None` when it is one itself.
    pub duplicate_of: Option<i64>,
}

impl StoredItem {
    /// The date an item is filed under: published, else first collected.
    pub fn date(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.fetched_at)
    }
}
