//! OPML 2.0 list of the published feeds, for subscribers to import in one step: the
//! issues, then a folder of sections and a folder of cities, each with its `htmlUrl`.

use super::{FeedFile, Group};
use crate::config::Settings;
use crate::xmltext::{clean, escape as attr};

fn outline(settings: &Settings, f: &FeedFile, indent: &str) -> String {
    let url = settings
        .base_url
        .join(&f.file)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| f.file.clone());
    format!(
        "{indent}<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{u}\" htmlUrl=\"{h}\"/>\n",
        t = attr(&f.title),
        u = attr(&url),
        h = attr(settings.base_url.as_str())
    )
}

pub fn render(settings: &Settings, feeds: &[FeedFile]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str(&format!(
        "    <title>{}</title>\n    <ownerName>{}</ownerName>\n  </head>\n  <body>\n",
        attr(&settings.report_name),
        attr(&settings.publisher)
    ));
    for f in feeds.iter().filter(|f| f.group == Group::Issues) {
        out.push_str(&outline(settings, f, "    "));
    }
    for (group, name) in [(Group::Section, "栏目"), (Group::City, "名城动向")] {
        let inside: Vec<&FeedFile> = feeds.iter().filter(|f| f.group == group).collect();
        if inside.is_empty() {
            continue;
        }
        out.push_str(&format!("    <outline text=\"{name}\">\n"));
        for f in inside {
            out.push_str(&outline(settings, f, "      "));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    clean(&out).into_owned()
}
