//! OPML 2.0 list of the published feeds, for subscribers to import in one step.

use super::FeedFile;
use crate::config::Settings;

fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(settings: &Settings, feeds: &[FeedFile]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str(&format!(
        "    <title>{}</title>\n  </head>\n  <body>\n",
        attr(&settings.report_name)
    ));
    for f in feeds {
        let url = settings
            .base_url
            .join(&f.file)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| f.file.clone());
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{u}\"/>\n",
            t = attr(&f.title),
            u = attr(&url)
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}
