//! The page at `base_url`: what the feeds' `rel="alternate"` link points to. It lists the
//! published issues and every feed, so a subscriber who follows that link finds them.

use super::{FeedFile, Group, Publication, issue_url};
use crate::config::Settings;
use crate::xmltext::{clean, escape};

pub fn render(settings: &Settings, feeds: &[FeedFile], pubs: &[Publication]) -> String {
    let name = escape(&settings.report_name);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name}</title>\n<link rel=\"icon\" href=\"{icon}\">\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{name} · 各期\" href=\"issues.xml\">\n\
         <style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}li{{margin:.2rem 0}}small{{color:#666}}</style>\n</head>\n<body>\n\
         <h1>{name}</h1>\n<p>{publisher} · <a href=\"feeds.opml\">全部订阅（OPML）</a></p>\n",
        icon = super::ICON,
        publisher = escape(&settings.publisher),
    );
    out.push_str("<h2>各期</h2>\n");
    if pubs.is_empty() {
        out.push_str("<p>尚无已发布的期次。</p>\n");
    } else {
        out.push_str("<ul>\n");
        let mut sorted: Vec<&Publication> = pubs.iter().collect();
        sorted.sort_by_key(|p| std::cmp::Reverse(p.first));
        for p in sorted {
            let href = issue_url(settings, &p.issue).unwrap_or_default();
            out.push_str(&format!(
                "<li><a href=\"{}\">第{}期（总第{}期）</a> <small>{} 至 {}</small></li>\n",
                escape(&href),
                p.issue.number,
                p.issue.total,
                p.issue.window.from,
                p.issue.window.to
            ));
        }
        out.push_str("</ul>\n");
    }
    for (group, title) in [
        (Group::Issues, "订阅"),
        (Group::Section, "栏目"),
        (Group::City, "名城动向"),
    ] {
        let inside: Vec<&FeedFile> = feeds.iter().filter(|f| f.group == group).collect();
        if inside.is_empty() {
            continue;
        }
        out.push_str(&format!("<h2>{title}</h2>\n<ul>\n"));
        for f in inside {
            out.push_str(&format!(
                "<li><a href=\"{}\">{}</a> <small>{} 条</small></li>\n",
                escape(&f.file),
                escape(&f.title),
                f.items
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    clean(&out).into_owned()
}
