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
    in_schema_order(&buf.into_inner())
}

/// The children of `w:pPr` in the order ECMA-376 (CT_PPr) requires. docx-rs writes
/// `w:rPr` first, which Word may call a corrupt file.
const PPR_ORDER: [&str; 36] = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
];

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// One XML part with every `w:pPr`'s children sorted into [`PPR_ORDER`] (stable; unknown
/// children last). Everything else is copied event by event.
pub fn reorder_ppr(xml: &str) -> anyhow::Result<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    // Inside a pPr: its children, each as its events, with its rank.
    let mut children: Option<Vec<(usize, Vec<Event<'static>>)>> = None;
    let mut depth = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| anyhow::anyhow!("DOCX part: {e}"))?;
        if matches!(ev, Event::Eof) {
            break;
        }
        match (&mut children, &ev) {
            (None, Event::Start(e)) if local(e.name().as_ref()) == "pPr" => {
                writer.write_event(ev.clone())?;
                children = Some(Vec::new());
                depth = 0;
            }
            (None, _) => writer.write_event(ev)?,
            (Some(kids), Event::End(e)) if depth == 0 && local(e.name().as_ref()) == "pPr" => {
                kids.sort_by_key(|(rank, _)| *rank);
                for (_, events) in kids.drain(..) {
                    for e in events {
                        writer.write_event(e)?;
                    }
                }
                writer.write_event(ev.clone())?;
                children = None;
            }
            (Some(kids), _) => {
                let rank_of = |name: &str| {
                    PPR_ORDER
                        .iter()
                        .position(|n| *n == local(name))
                        .unwrap_or(PPR_ORDER.len())
                };
                match &ev {
                    Event::Start(e) if depth == 0 => {
                        kids.push((rank_of(e.name().as_ref()), vec![ev.clone().into_owned()]));
                        depth += 1;
                    }
                    Event::Empty(e) if depth == 0 => {
                        kids.push((rank_of(e.name().as_ref()), vec![ev.clone().into_owned()]));
                    }
                    Event::Start(_) => {
                        depth += 1;
                        if let Some(last) = kids.last_mut() {
                            last.1.push(ev.clone().into_owned());
                        }
                    }
                    Event::End(_) => {
                        depth = depth.saturating_sub(1);
                        if let Some(last) = kids.last_mut() {
                            last.1.push(ev.clone().into_owned());
                        }
                    }
                    _ if depth > 0 => {
                        if let Some(last) = kids.last_mut() {
                            last.1.push(ev.clone().into_owned());
                        }
                    }
                    // Text or whitespace between the children: not kept.
                    _ => {}
                }
            }
        }
    }
    Ok(String::from_utf8(writer.into_inner())?)
}

/// The package with its document and styles parts' paragraph properties reordered.
fn in_schema_order(docx: &[u8]) -> anyhow::Result<Vec<u8>> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name().to_string();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        if name == "word/document.xml" || name == "word/styles.xml" {
            bytes = reorder_ppr(std::str::from_utf8(&bytes)?)?.into_bytes();
        }
        out.start_file(name, options)?;
        out.write_all(&bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_properties_come_in_schema_order() -> anyhow::Result<()> {
        let raw = r#"<w:body><w:p><w:pPr><w:rPr><w:b/></w:rPr><w:pStyle w:val="Heading1"/><w:jc w:val="center"/></w:pPr><w:r><w:t>标题</w:t></w:r></w:p><w:p><w:pPr><w:jc w:val="left"/><w:pStyle w:val="x"/></w:pPr></w:p><w:p><w:pPr/></w:p></w:body>"#;
        let fixed = reorder_ppr(raw)?;
        assert_eq!(
            fixed,
            r#"<w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/><w:jc w:val="center"/><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>标题</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val="x"/><w:jc w:val="left"/></w:pPr></w:p><w:p><w:pPr/></w:p></w:body>"#
        );
        Ok(())
    }
}
