//! Mutation fuzzing on stable Rust, deterministic and bounded: the committed fixtures are
//! the seed corpus; each is mutated (bytes flipped, cut, repeated, spliced with another
//! seed, nested) a fixed number of times and fed to charset detection, the feed parser
//! (feed-rs and the lenient reader), HTML list and detail extraction, JSON list
//! endpoints, the date reader, plain text and sanitizing, and the config loader. The seeds
//! include one file in eight of feedparser's corpus.
//! Nothing may panic, hang or return what the next stage cannot take (control characters
//! out of decoding). `BANYUE_FUZZ_ROUNDS` raises the number of rounds for a longer run;
//! `BANYUE_FUZZ_SEED` changes the sequence. A failing input is written to the temp dir
//! and named in the panic message, so it can be added to the fixtures.

mod common;

use std::path::Path;

use banyue::config::{Config, DetailSpec, JsonSpec, ListSpec, Pick};
use banyue::extract::{dates, feed, html, json};
use banyue::fetch::charset;
use banyue::normalize;
use chrono::Utc;
use url::Url;

/// xorshift64*: enough randomness for mutations, no dependency, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "tests/fixtures/news",
        "tests/fixtures/portal",
        "samples/gov",
        "samples/news",
        "config",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let keep = p
                .extension()
                .is_some_and(|e| ["xml", "html", "json", "toml"].contains(&e.to_str().unwrap_or("")));
            if keep && let Ok(bytes) = std::fs::read(&p) {
                out.push(bytes);
            }
        }
    }
    // feedparser's corpus (every feed shape readers meet), one file in eight.
    let mut corpus = Vec::new();
    collect_files(&root.join("tests/fixtures/feedparser"), &mut corpus);
    corpus.sort();
    for p in corpus.iter().step_by(8) {
        if p.extension().is_some_and(|e| e == "xml" || e == "rdf")
            && let Ok(bytes) = std::fs::read(p)
        {
            out.push(bytes);
        }
    }
    assert!(out.len() >= 10, "the seed corpus is the committed fixtures");
    out
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

const TOKENS: [&[u8]; 12] = [
    b"<div>",
    b"</div>",
    b"<li>",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"&#x0;",
    b"&amp;",
    b"\xff\xfe",
    b"\xe4\xb8",
    b"\x80",
    b"<?xml version=\"1.0\" encoding=\"gbk\"?>",
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(at),
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let times = 1 + rng.below(200);
                let ins: Vec<u8> = t.iter().copied().cycle().take(t.len() * times).collect();
                b.splice(at..at, ins);
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let to = (from + rng.below(2000)).min(other.len());
                b.splice(at..at, other[from..to].iter().copied());
            }
            4 if at < b.len() => {
                let end = (at + rng.below(500)).min(b.len());
                let piece = b[at..end].to_vec();
                for _ in 0..rng.below(20) {
                    b.splice(at..at, piece.iter().copied());
                }
            }
            _ => b.insert(at.min(b.len()), rng.next() as u8),
        }
    }
    b
}

fn list_spec() -> ListSpec {
    let pick = |s: &str| Pick::parse(s).expect("static selector");
    ListSpec {
        item: pick("ul li"),
        title: pick("a@title"),
        link: pick("a@href"),
        date: Some(pick("span")),
        date_format: None,
        summary: None,
        next: Some(pick("a.next@href")),
        page_pattern: None,
        page_start: 1,
        max_pages: 1,
    }
}

#[test]
fn mutated_inputs_never_panic() {
    let rounds: usize = std::env::var("BANYUE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("BANYUE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_ba17_0e11_0001);
    let corpus = seeds();
    let mut rng = Rng(seed | 1);
    let base = Url::parse("http://127.0.0.1/list/").expect("static URL");
    let tz = chrono_tz::Asia::Shanghai;
    let now = Utc::now();
    let list = list_spec();
    let json_spec = JsonSpec {
        items: "data.list".into(),
        title: "title".into(),
        link: "url".into(),
        date: Some("pubDate".into()),
        summary: Some("summary".into()),
        issuer: Some("puborg".into()),
        doc_number: None,
    };
    let detail = DetailSpec {
        body: vec![Pick::parse(".TRS_Editor").expect("static selector")],
        metadata: true,
        date: None,
    };
    for round in 0..rounds {
        let a = &corpus[rng.below(corpus.len())];
        let b = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, a, b);
        let keep = |what: &str| {
            let path = std::env::temp_dir().join(format!("banyue-fuzz-{round}.bin"));
            let _ = std::fs::write(&path, &input);
            format!("{what} on round {round}; input saved to {}", path.display())
        };
        let run = std::panic::catch_unwind(|| {
            let ct = ["text/html; charset=gbk", "application/xml", "text/html"][round % 3];
            let decoded = charset::decode(&input, Some(ct));
            assert!(
                !decoded
                    .text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
                "control characters survived decoding"
            );
            let text = decoded.text;
            let _ = feed::parse(&text, &base, now, tz);
            let _ = html::parse_list(&text, &base, &list, now, tz);
            let _ = html::parse_detail(&text, &base, &detail, now, tz);
            let _ = json::parse(&text, &base, &json_spec, now, tz);
            for piece in text.lines().take(50) {
                let piece: String = piece.chars().take(80).collect();
                let _ = dates::parse(&piece, now, tz);
            }
            let plain = normalize::html_to_text(&text);
            assert!(plain.len() <= text.len() * 4 + 16, "plain text grew without bound");
            let _ = Config::parse(&text, Path::new("fuzz.toml"));
        });
        if let Err(e) = run {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {why}", keep("panic"));
        }
    }
}
