//! Rendering a draft with minijinja templates: Markdown and HTML in the report's layout,
//! plus JSON. The default templates are built in; a directory of the same names
//! overrides them.

use std::path::{Path, PathBuf};

use minijinja::{Environment, Value, context};

use super::Draft;
use crate::fsio::write_atomic;

pub const MARKDOWN: &str = include_str!("../../templates/issue.md");
pub const HTML: &str = include_str!("../../templates/issue.html");

/// Escape text for Markdown: HTML brackets and the characters that start formatting.
fn md(value: String) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '#' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Only http(s) links are rendered as links.
fn safe_url(value: String) -> String {
    if value.starts_with("http://") || value.starts_with("https://") {
        value
    } else {
        String::new()
    }
}

fn env(dir: Option<&Path>) -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.add_filter("md", md);
    env.add_filter("safe_url", safe_url);
    env.add_filter("lines", |v: String| v.lines().map(str::to_string).collect::<Vec<_>>());
    // Text an editor typed in paragraphs stays in paragraphs: each line escaped, a blank
    // line between them.
    env.add_filter("md_paragraphs", |v: String| {
        v.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| md(l.to_string()))
            .collect::<Vec<_>>()
            .join("\n\n")
    });
    let load = |name: &str, builtin: &'static str| -> anyhow::Result<String> {
        match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
            Some(p) => {
                std::fs::read_to_string(&p).map_err(|e| anyhow::anyhow!("cannot read template {}: {e}", p.display()))
            }
            None => Ok(builtin.to_string()),
        }
    };
    env.add_template_owned("issue.md", load("issue.md", MARKDOWN)?)
        .map_err(|e| anyhow::anyhow!("template issue.md: {e}"))?;
    env.add_template_owned("issue.html", load("issue.html", HTML)?)
        .map_err(|e| anyhow::anyhow!("template issue.html: {e}"))?;
    Ok(env)
}

pub fn render(draft: &Draft, template: &str, dir: Option<&Path>) -> anyhow::Result<String> {
    let env = env(dir)?;
    let t = env.get_template(template)?;
    t.render(context! { issue => Value::from_serialize(draft) })
        .map(|out| crate::xmltext::clean(&out).into_owned())
        .map_err(|e| anyhow::anyhow!("rendering {template}: {e:#}"))
}

/// The files an exported draft was written to.
#[derive(Debug, Clone)]
pub struct Exported {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub json: PathBuf,
    pub docx: PathBuf,
}

/// Where the exports of the issue `stem` go under `dir`.
pub fn paths(dir: &Path, stem: &str) -> Exported {
    Exported {
        markdown: dir.join(format!("{stem}.md")),
        html: dir.join(format!("{stem}.html")),
        json: dir.join(format!("{stem}.json")),
        docx: dir.join(format!("{stem}.docx")),
    }
}

/// The candidates the JSON export carries: the most significant; the review page pages
/// through all of them.
pub const EXPORTED_CANDIDATES: usize = 500;

#[derive(serde::Serialize)]
struct JsonExport<'a> {
    #[serde(flatten)]
    draft: &'a Draft,
    /// The most significant stories of the window that the issue does not hold.
    candidates: &'a [super::PoolItem],
    candidates_total: usize,
}

/// The draft as JSON: the selection in its sections, the candidate pool apart.
pub fn json(draft: &Draft) -> anyhow::Result<String> {
    let n = draft.candidates.len().min(EXPORTED_CANDIDATES);
    Ok(serde_json::to_string_pretty(&JsonExport {
        draft,
        candidates: &draft.candidates[..n],
        candidates_total: draft.candidates.len(),
    })?)
}

/// Write Markdown, HTML and JSON of the draft under `out_dir`, each atomically.
pub fn export(draft: &Draft, out_dir: &Path, templates: Option<&Path>) -> anyhow::Result<Exported> {
    crate::fsio::remove_stale_temps(out_dir);
    let files = paths(out_dir, &draft.stem());
    write_atomic(&files.markdown, render(draft, "issue.md", templates)?.as_bytes())?;
    write_atomic(&files.html, render(draft, "issue.html", templates)?.as_bytes())?;
    write_atomic(&files.json, json(draft)?.as_bytes())?;
    write_atomic(&files.docx, &super::docx::render(draft)?)?;
    Ok(files)
}
