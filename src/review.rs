//! The review stage's vocabulary: issues (第N期, 总第M期) with their lifecycle, and the
//! edits editors make to a draft. Edits are stored with who and when, survive re-drafts
//! and restarts (they are keyed by item id and applied on every build) and can be undone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::window::Window;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Draft,
    Review,
    Published,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
        }
    }

    /// What editors call it.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Review => "审核中",
            Status::Published => "已发布",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "draft" => Some(Status::Draft),
            "review" => Some(Status::Review),
            "published" => Some(Status::Published),
            _ => None,
        }
    }
}

/// One issue of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub id: i64,
    pub year: i32,
    /// 第N期: the number within the year.
    pub number: u32,
    /// 总第M期: the number since the report began.
    pub total: u32,
    pub window: Window,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Issue {
    /// File stem of the issue's exports: `2026-22`.
    pub fn stem(&self) -> String {
        format!("{}-{:02}", self.year, self.number)
    }

    /// (year, number) from a stem such as `2026-22`.
    pub fn parse_stem(stem: &str) -> Option<(i32, u32)> {
        let (y, n) = stem.trim().split_once('-')?;
        Some((y.parse().ok()?, n.parse().ok()?))
    }
}

/// What editors changed of an item's published entry, and when they last did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemEdits {
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub at: DateTime<Utc>,
}

/// What an editor can do to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Edit {
    /// File the item under another section (and city).
    Move {
        section: String,
        city: Option<String>,
    },
    /// Leave the item out of the issue.
    Exclude,
    /// Take an excluded or off-topic item back in.
    Include,
    Pin,
    Unpin,
    /// Position within its section (lower first).
    Order {
        rank: i64,
    },
    Headline {
        text: String,
    },
    Summary {
        text: String,
    },
    /// Treat the item as another report of item `into`'s story.
    Merge {
        into: i64,
    },
    /// Show a report merged into another story as a story of its own.
    Split,
    /// Rewrite a section's 本期提要 paragraph.
    Digest {
        section: String,
        text: String,
    },
    /// Free text of the issue: `commentary` (the institute's comment), `analysis`.
    Text {
        slot: String,
        text: String,
    },
    /// The issue moved through its lifecycle (recorded, not applied to items).
    Status {
        status: Status,
    },
    /// The issue covers other days than its half month.
    Window {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    /// An editor added an item by its URL (fetched and extracted like any other).
    Add {
        url: String,
    },
}

/// The most an edit may hold, in characters: a headline is a line, a summary a
/// paragraph, the commentary or analysis an article; a paste of a whole page is refused
/// rather than kept in the history for ever.
pub const MAX_HEADLINE: usize = 200;
pub const MAX_PARAGRAPH: usize = 2_000;
pub const MAX_ARTICLE: usize = 100_000;
pub const MAX_NAME: usize = 100;
pub const MAX_URL: usize = 2_048;

impl Edit {
    /// What is wrong with this edit of `item`, in words for the editor: text longer
    /// than its kind holds, an item merged into itself.
    pub fn check(&self, item: Option<i64>) -> Result<(), String> {
        let cap = |what: &str, text: &str, max: usize| {
            let n = text.chars().count();
            if n > max {
                Err(format!("{what} holds at most {max} characters; this one has {n}"))
            } else {
                Ok(())
            }
        };
        match self {
            Edit::Headline { text } => cap("a headline", text, MAX_HEADLINE),
            Edit::Summary { text } => cap("a summary", text, MAX_PARAGRAPH),
            Edit::Digest { section, text } => {
                cap("a section id", section, MAX_NAME)?;
                cap("a 本期提要 paragraph", text, MAX_PARAGRAPH)
            }
            Edit::Text { slot, text } => {
                cap("a slot name", slot, MAX_NAME)?;
                cap("the commentary or analysis", text, MAX_ARTICLE)
            }
            Edit::Move { section, city } => {
                cap("a section id", section, MAX_NAME)?;
                cap("a city", city.as_deref().unwrap_or(""), MAX_NAME)
            }
            Edit::Add { url } => cap("a URL", url, MAX_URL),
            Edit::Merge { into } if item == Some(*into) => Err(format!("item #{into} cannot be merged into itself")),
            _ => Ok(()),
        }
    }

    /// Whether the edit concerns one item.
    pub fn needs_item(&self) -> bool {
        !matches!(
            self,
            Edit::Digest { .. } | Edit::Text { .. } | Edit::Status { .. } | Edit::Window { .. }
        )
    }

    /// Changes to the issue itself are made again, not undone.
    pub fn undoable(&self) -> bool {
        !matches!(self, Edit::Status { .. } | Edit::Window { .. })
    }

    /// What the edit did, in editors' words, for the history and the page's message;
    /// `name` gives a section id's name (公司动态 for company-news).
    pub fn describe(&self, name: &dyn Fn(&str) -> String) -> String {
        match self {
            Edit::Move { section, city } => format!(
                "移至「{}」{}",
                name(section),
                city.as_deref().map(|c| format!("（{c}）")).unwrap_or_default()
            ),
            Edit::Exclude => "剔除".into(),
            Edit::Include => "恢复".into(),
            Edit::Pin => "置顶".into(),
            Edit::Unpin => "取消置顶".into(),
            Edit::Order { rank } => format!("排序 {rank}"),
            Edit::Headline { text } => format!("标题改为「{text}」"),
            Edit::Summary { .. } => "改写摘要".into(),
            Edit::Merge { into } => format!("并入 #{into}"),
            Edit::Split => "拆分为独立条目".into(),
            Edit::Digest { section, .. } => format!("改写提要（{section}）"),
            Edit::Text { slot, .. } => format!(
                "撰写{}",
                match slot.as_str() {
                    "commentary" => "评论",
                    "analysis" => "专题剖析正文",
                    other => other,
                }
            ),
            Edit::Status { status } => format!("状态改为「{}」", status.label()),
            Edit::Window { from, to } => format!("时间范围 {from} 至 {to}"),
            Edit::Add { url } => format!("按网址添加 {url}"),
        }
    }
}

/// An edit as stored.
#[derive(Debug, Clone, Serialize)]
pub struct EditRecord {
    pub id: i64,
    pub issue_id: i64,
    pub item_id: Option<i64>,
    pub edit: Edit,
    pub editor: String,
    pub at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
}
