//! The issue as a Word document, for the layout team: headings per part and section,
//! policy tables, attributions, page breaks between parts.

use docx_rs::{
    AlignmentType, BreakType, Docx, Paragraph, Run, RunFonts, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

use super::{Draft, DraftItem};

/// A run of text that Word's XML can carry (see [`crate::xmltext`]).
fn text_run(text: &str) -> Run {
    Run::new().add_text(crate::xmltext::clean(text))
}

fn heading(text: &str, level: usize) -> Paragraph {
    Paragraph::new()
        .add_run(text_run(text))
        .style(&format!("Heading{level}"))
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(text))
}

fn bold(text: &str) -> Paragraph {
    Paragraph::new().add_run(text_run(text).bold())
}

fn page_break() -> Paragraph {
    Paragraph::new().add_run(Run::new().add_break(BreakType::Page))
}

fn cell(text: &str, strong: bool, width: usize) -> TableCell {
    let run = if strong { text_run(text).bold() } else { text_run(text) };
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(run))
        .width(width, WidthType::Dxa)
}

fn policy_table(i: &DraftItem) -> Table {
    let issuer = match &i.doc_number {
        Some(n) => format!("{} {n}", i.issuer.as_deref().unwrap_or(&i.source)),
        None => i.issuer.clone().unwrap_or_else(|| i.source.clone()),
    };
    let rows = [
        ("政策名称", format!("《{}》", i.policy_title)),
        ("发布机构与文件编号", issuer),
        ("发布网址", i.url.clone().unwrap_or_default()),
        ("内容提要", i.summary.clone()),
    ];
    Table::new(
        rows.iter()
            .map(|(k, v)| TableRow::new(vec![cell(k, true, 2200), cell(v, false, 6800)]))
            .collect(),
    )
}

fn also(i: &DraftItem) -> String {
    if i.also_reported_by.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = i.also_reported_by.iter().map(|a| a.source.as_str()).collect();
    format!("（另见：{}）", names.join("、"))
}

/// Render the draft as DOCX bytes.
pub fn render(d: &Draft) -> anyhow::Result<Vec<u8>> {
    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().east_asia("宋体").ascii("Times New Roman"))
        .default_size(24)
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .size(30)
                .bold(),
        )
        .add_style(
            Style::new("Heading3", StyleType::Paragraph)
                .name("heading 3")
                .size(26)
                .bold(),
        );
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(&d.report_name).size(44).bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            para(&format!(
                "第{}期（总第{}期） · {} · {} 至 {}",
                d.number, d.total, d.publisher, d.window.from, d.window.to
            ))
            .align(AlignmentType::Center),
        )
        .add_paragraph(heading("本期提要", 1));
    for line in &d.digest {
        doc = doc.add_paragraph(para(&line.text));
    }
    let mut parent: Option<&str> = None;
    for s in &d.sections {
        match s.parent.as_deref() {
            Some(p) if Some(p) != parent => {
                doc = doc
                    .add_paragraph(page_break())
                    .add_paragraph(heading(p, 1))
                    .add_paragraph(heading(&s.name, 2));
            }
            Some(_) => doc = doc.add_paragraph(heading(&s.name, 2)),
            None => doc = doc.add_paragraph(page_break()).add_paragraph(heading(&s.name, 1)),
        }
        parent = s.parent.as_deref();
        if s.items.is_empty() && !d.texts.contains_key(&s.id) {
            doc = doc.add_paragraph(para("（本期暂无）"));
            continue;
        }
        match s.layout.as_str() {
            "policy" => {
                for i in &s.items {
                    doc = doc.add_table(policy_table(i)).add_paragraph(para(""));
                }
            }
            "city" => {
                for g in &s.cities {
                    doc = doc.add_paragraph(heading(&g.city, 3));
                    for i in &g.items {
                        doc = doc.add_paragraph(para(&format!("{}{}", i.note, also(i))));
                    }
                }
            }
            "commentary" => {
                for i in &s.items {
                    doc = doc
                        .add_paragraph(heading(&i.title, 3))
                        .add_paragraph(para(&format!("事件回顾：{}（新闻来源：{}）", i.summary, i.source)))
                        .add_paragraph(para("专家媒体评论："));
                }
                let comment = d.texts.get("commentary").map(String::as_str).unwrap_or("");
                doc = doc.add_paragraph(bold(&format!("{}评论：", d.publisher)));
                // The editors' paragraphs stay paragraphs.
                for p in comment.lines().map(str::trim).filter(|p| !p.is_empty()) {
                    doc = doc.add_paragraph(para(p));
                }
            }
            "analysis" => {
                for i in &s.items {
                    doc = doc.add_paragraph(heading(&i.title, 3)).add_paragraph(para(&i.summary));
                }
                if let Some(t) = d.texts.get("analysis") {
                    for p in t.split('\n') {
                        doc = doc.add_paragraph(para(p));
                    }
                }
            }
            _ => {
                for i in &s.items {
                    doc = doc.add_paragraph(bold(&i.title)).add_paragraph(para(&format!(
                        "{}（{}：{}）{}",
                        i.summary,
                        s.attribution,
                        i.source,
                        also(i)
                    )));
                }
            }
        }
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut buf)
        .map_err(|e| anyhow::anyhow!("writing DOCX: {e}"))?;
    Ok(buf.into_inner())
}
