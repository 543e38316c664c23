//! Stories of the near-duplicate index kept as bytes, read back only when compared.
//!
//! A report's facts, terms, opening and signature are what a comparison reads, but a
//! new report is compared with at most `MAX_COMPARED` stories, while the index holds
//! every story of the horizon. As values, one story's facts alone are about 25
//! allocations and 2 KB (three fact sets of five vectors, a string per name and
//! figure); packed into one shared arena they are a few hundred bytes and no
//! allocation of their own. Packing is exact: a story reads back as it was packed.

use std::collections::HashMap;

use chrono::DateTime;

use super::facts::{FactSet, Facts, Kind};
use super::set::Set;
use super::terms::{Term, Terms};
use super::{Bigram, Candidate, SIGNATURE_LEN, Signature};

/// Where a packed story lies in its arena: an offset in the arena's one address space.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    at: u64,
    len: u32,
}

/// Packed stories, appended to chunks. A full chunk is written to the arena's spill
/// file when it has one and leaves memory; without one (or when writing fails) it stays.
/// Chunks never move, so the arena grows without copying what it holds.
#[derive(Default)]
pub(super) struct Arena {
    /// The chunk being filled and where it begins.
    current: Vec<u8>,
    current_at: u64,
    /// Full chunks kept in memory, with where each begins.
    kept: Vec<(u64, Vec<u8>)>,
    /// Full chunks written out: `file` holds `[0, spilled)` of the address space.
    file: Option<std::fs::File>,
    spilled: u64,
    scratch: Vec<u8>,
    statics: Statics,
}

/// The `&'static str`s that facts hold (places, currencies, units) come from tables built
/// once per process: a story keeps the number of each, and the arena the texts.
#[derive(Default)]
struct Statics {
    texts: Vec<&'static str>,
    ids: HashMap<&'static str, u32>,
}

impl Statics {
    fn id(&mut self, s: &'static str) -> u32 {
        *self.ids.entry(s).or_insert_with(|| {
            self.texts.push(s);
            (self.texts.len() - 1) as u32
        })
    }
}

/// A story read back, with what the index read of its headline when it was inserted
/// (bigrams, product tokens), so that a comparison does not read it again.
///
/// Its facts, most of a story's bytes and allocations, are decoded only when a comparison
/// needs them: until [`Arena::read_facts`], `candidate.facts` is empty and their bytes wait.
#[derive(Clone)]
pub(super) struct Unpacked {
    pub(super) candidate: Candidate,
    pub(super) bigrams: Vec<Bigram>,
    pub(super) products: Vec<String>,
    /// The facts' bytes, decoded into `candidate.facts` when `facts_pending`.
    facts: Vec<u8>,
    facts_pending: bool,
}

impl Unpacked {
    /// A story's room to be read into again and again ([`Arena::get_head_into`]): the
    /// search reads millions, and each read's dozen allocations were a tenth of it.
    pub(super) fn empty() -> Unpacked {
        Unpacked {
            candidate: Candidate {
                id: 0,
                source_id: String::new(),
                title: String::new(),
                signature: Signature([0; SIGNATURE_LEN]),
                doc_number: None,
                date: DateTime::UNIX_EPOCH,
                facts: Facts::default(),
                text_len: 0,
                terms: Terms {
                    names: Vec::new(),
                    all: Vec::new(),
                    title: Vec::new(),
                },
                opening: String::new(),
            },
            bigrams: Vec::new(),
            products: Vec::new(),
            facts: Vec::new(),
            facts_pending: false,
        }
    }
}

const CHUNK: usize = 256 * 1024;

impl Arena {
    /// Write full chunks to an unnamed file in `dir` from now on (those already full
    /// too). The file has no name, so a run that is killed leaves nothing behind.
    pub(super) fn spill_to(&mut self, dir: &std::path::Path) -> std::io::Result<()> {
        if !cfg!(unix) {
            return Ok(());
        }
        self.file = Some(unnamed_file(dir)?);
        for (at, chunk) in std::mem::take(&mut self.kept) {
            self.seal(at, chunk);
        }
        Ok(())
    }

    pub(super) fn push(&mut self, c: &Candidate, bigrams: &[Bigram], products: &[String]) -> Span {
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        pack(c, bigrams, products, &mut Writer(&mut bytes, &mut self.statics));
        if self.current.capacity() - self.current.len() < bytes.len() {
            let full = std::mem::replace(&mut self.current, Vec::with_capacity(CHUNK.max(bytes.len())));
            let at = self.current_at;
            self.current_at += full.len() as u64;
            if !full.is_empty() {
                self.seal(at, full);
            }
        }
        let span = Span {
            at: self.current_at + self.current.len() as u64,
            len: bytes.len() as u32,
        };
        self.current.extend_from_slice(&bytes);
        self.scratch = bytes;
        span
    }

    /// A full chunk beginning at `at`: to the file if there is one and it is written
    /// in order, else kept.
    fn seal(&mut self, at: u64, chunk: Vec<u8>) {
        if let Some(file) = &self.file
            && at == self.spilled
        {
            match write_at(file, &chunk, at) {
                Ok(()) => {
                    self.spilled += chunk.len() as u64;
                    return;
                }
                Err(e) => {
                    tracing::warn!("near-duplicate index: writing to its spill file: {e}; kept in memory");
                    self.file = None;
                }
            }
        }
        self.kept.push((at, chunk));
    }

    /// The story packed at `span`, whole.
    pub(super) fn get(&self, span: Span) -> Option<Unpacked> {
        let mut story = self.get_head(span)?;
        self.read_facts(&mut story)?;
        Some(story)
    }

    /// Decode a story's facts into its candidate, once. `None` if its bytes are not a
    /// story's (then its facts are left empty).
    pub(super) fn read_facts(&self, story: &mut Unpacked) -> Option<()> {
        if story.facts_pending {
            story.facts_pending = false;
            story.candidate.facts = unpack_facts(&mut Reader(&story.facts, &self.statics.texts))?;
        }
        Some(())
    }

    /// The story packed at `span`, its facts left as bytes, read into `into` (whose
    /// strings and vectors are refilled, not allocated anew). `None` if its bytes are
    /// not a story's.
    pub(super) fn get_head_into(&self, span: Span, into: &mut Unpacked) -> Option<()> {
        let len = span.len as usize;
        let unpack =
            |bytes: &[u8], into: &mut Unpacked| unpack_head_into(&mut Reader(bytes, &self.statics.texts), into);
        if span.at >= self.current_at {
            let start = usize::try_from(span.at - self.current_at).ok()?;
            return unpack(self.current.get(start..)?.get(..len)?, into);
        }
        if span.at < self.spilled {
            let file = self.file.as_ref()?;
            return SCRATCH.with_borrow_mut(|buf| {
                buf.resize(len, 0);
                read_at(file, buf, span.at)
                    .inspect_err(|e| tracing::warn!("near-duplicate index: reading its spill file: {e}"))
                    .ok()?;
                unpack(buf, into)
            });
        }
        let i = self.kept.partition_point(|(at, _)| *at <= span.at).checked_sub(1)?;
        let (at, chunk) = &self.kept[i];
        let start = usize::try_from(span.at - at).ok()?;
        unpack(chunk.get(start..)?.get(..len)?, into)
    }

    /// The story packed at `span`, its facts left as bytes.
    pub(super) fn get_head(&self, span: Span) -> Option<Unpacked> {
        let mut story = Unpacked::empty();
        self.get_head_into(span, &mut story)?;
        Some(story)
    }
}

/// A new file in `dir` that no name leads to: created under a name no other run uses,
/// which is removed at once (on Unix an open file lives on without its name).
fn unnamed_file(dir: &std::path::Path) -> std::io::Result<std::fs::File> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!(".dedup-{}-{nanos}-{seq}.spill", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

thread_local! {
    /// A buffer per thread for stories read back from a spill file.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("no positioned writes here"))
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("no positioned reads here"))
}

struct Writer<'a>(&'a mut Vec<u8>, &'a mut Statics);

impl Writer<'_> {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn statik(&mut self, s: &'static str) {
        let id = self.1.id(s);
        self.uint(u64::from(id));
    }

    fn terms(&mut self, t: &[Term]) {
        self.uint(t.len() as u64);
        for v in t {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn kind(&mut self, k: &Kind) {
        let (tag, s) = match k {
            Kind::Year => (0, None),
            Kind::Months => (1, None),
            Kind::Day => (2, None),
            Kind::Percent => (3, None),
            Kind::Money(s) => (4, Some(*s)),
            Kind::Count(s) => (5, Some(*s)),
            Kind::Ordinal(s) => (6, Some(*s)),
            Kind::Version => (7, None),
            Kind::Plain => (8, None),
        };
        self.0.push(tag);
        if let Some(s) = s {
            self.statik(s);
        }
    }

    fn fact_set(&mut self, f: &FactSet) {
        for places in [&f.places, &f.named_places] {
            self.uint(places.len() as u64);
            for p in places.iter() {
                self.statik(p);
            }
        }
        for strings in [&f.doc_titles, &f.names] {
            self.uint(strings.len() as u64);
            for s in strings.iter() {
                self.str(s);
            }
        }
        self.uint(f.figures.len() as u64);
        for (kind, value, text) in &f.figures {
            self.kind(kind);
            self.0.extend_from_slice(&value.to_le_bytes());
            self.str(text);
        }
    }
}

fn pack(c: &Candidate, bigrams: &[Bigram], products: &[String], w: &mut Writer) {
    w.0.extend_from_slice(&c.id.to_le_bytes());
    w.0.extend_from_slice(&c.date.timestamp().to_le_bytes());
    w.uint(u64::from(c.date.timestamp_subsec_nanos()));
    w.str(&c.source_id);
    w.str(&c.title);
    match &c.doc_number {
        Some(d) => {
            w.0.push(1);
            w.str(d);
        }
        None => w.0.push(0),
    }
    w.0.extend_from_slice(&c.signature.to_bytes());
    w.uint(c.text_len as u64);
    w.str(&c.opening);
    w.uint(c.terms.names.len() as u64);
    for name in &c.terms.names {
        w.terms(name);
    }
    w.terms(&c.terms.all);
    w.terms(&c.terms.title);
    w.uint(bigrams.len() as u64);
    for (a, b) in bigrams {
        w.0.extend_from_slice(&u32::from(*a).to_le_bytes());
        w.0.extend_from_slice(&u32::from(*b).to_le_bytes());
    }
    w.uint(products.len() as u64);
    for p in products {
        w.str(p);
    }
    // The facts last: most comparisons are settled without them (`NearDup::settled_by_headline`).
    for f in [&c.facts.title, &c.facts.lead, &c.facts.text] {
        w.fact_set(f);
    }
}

struct Reader<'a>(&'a [u8], &'a [&'static str]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn uint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.uint()?).ok()
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn statik(&mut self) -> Option<&'static str> {
        let id = usize::try_from(self.uint()?).ok()?;
        self.1.get(id).copied()
    }

    fn char(&mut self) -> Option<char> {
        char::from_u32(u32::from_le_bytes(self.array()?))
    }

    fn terms_into(&mut self, into: &mut Vec<Term>) -> Option<()> {
        let n = self.len()?;
        into.clear();
        for _ in 0..n {
            into.push(Term::from_le_bytes(self.array()?));
        }
        Some(())
    }

    fn kind(&mut self) -> Option<Kind> {
        Some(match self.byte()? {
            0 => Kind::Year,
            1 => Kind::Months,
            2 => Kind::Day,
            3 => Kind::Percent,
            4 => Kind::Money(self.statik()?),
            5 => Kind::Count(self.statik()?),
            6 => Kind::Ordinal(self.statik()?),
            7 => Kind::Version,
            8 => Kind::Plain,
            _ => return None,
        })
    }

    fn statics(&mut self) -> Option<Set<&'static str>> {
        let n = self.len()?;
        (0..n)
            .map(|_| self.statik())
            .collect::<Option<Vec<_>>>()
            .map(Set::from_sorted)
    }

    fn strings(&mut self) -> Option<Set<String>> {
        let n = self.len()?;
        (0..n)
            .map(|_| self.str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Set::from_sorted)
    }

    fn fact_set(&mut self) -> Option<FactSet> {
        let places = self.statics()?;
        let named_places = self.statics()?;
        let doc_titles = self.strings()?;
        let names = self.strings()?;
        let n = self.len()?;
        let figures = (0..n)
            .map(|_| {
                let kind = self.kind()?;
                let value = f64::from_le_bytes(self.array()?);
                Some((kind, value, self.str()?.to_string()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(FactSet {
            places,
            named_places,
            doc_titles,
            figures,
            names,
        })
    }
}

/// A story's head: all but its facts, which are left in the reader (and copied to be
/// read when needed). Read into `into`, a story read before, its buffers kept.
fn unpack_head_into(r: &mut Reader, into: &mut Unpacked) -> Option<()> {
    let c = &mut into.candidate;
    c.id = i64::from_le_bytes(r.array()?);
    let secs = i64::from_le_bytes(r.array()?);
    let nanos = u32::try_from(r.uint()?).ok()?;
    c.date = DateTime::from_timestamp(secs, nanos)?;
    refill(&mut c.source_id, r.str()?);
    refill(&mut c.title, r.str()?);
    c.doc_number = match r.byte()? {
        0 => None,
        _ => Some(r.str()?.to_string()),
    };
    c.signature = Signature::from_bytes(r.take(SIGNATURE_LEN * 4)?)?;
    c.text_len = r.len()?;
    refill(&mut c.opening, r.str()?);
    let n = r.len()?;
    refill_each(&mut c.terms.names, n, |name| r.terms_into(name))?;
    r.terms_into(&mut c.terms.all)?;
    r.terms_into(&mut c.terms.title)?;
    c.facts = Facts::default();
    let n = r.len()?;
    into.bigrams.clear();
    for _ in 0..n {
        into.bigrams.push((r.char()?, r.char()?));
    }
    let n = r.len()?;
    refill_each(&mut into.products, n, |p| {
        refill(p, r.str()?);
        Some(())
    })?;
    into.facts.clear();
    into.facts.extend_from_slice(r.0);
    into.facts_pending = true;
    Some(())
}

fn refill(s: &mut String, with: &str) {
    s.clear();
    s.push_str(with);
}

/// `list` made `n` long, each entry filled by `fill` in order: the entries it had keep
/// their buffers.
fn refill_each<T: Default>(list: &mut Vec<T>, n: usize, mut fill: impl FnMut(&mut T) -> Option<()>) -> Option<()> {
    list.resize_with(n, T::default);
    list.iter_mut().try_for_each(&mut fill)
}

/// The facts that end a story's bytes, and nothing after them.
fn unpack_facts(r: &mut Reader) -> Option<Facts> {
    let facts = Facts {
        title: r.fact_set()?,
        lead: r.fact_set()?,
        text: r.fact_set()?,
    };
    r.0.is_empty().then_some(facts)
}

#[cfg(test)]
mod tests {
    use super::super::{bigrams, product_tokens};

    fn push(arena: &mut Arena, c: &Candidate) -> Span {
        arena.push(c, &bigrams(&c.title), &product_tokens(&c.title))
    }
    use super::*;
    use chrono::{TimeZone, Utc};

    fn round_trip(title: &str, text: &str, doc: Option<&str>) {
        let date = Utc.with_ymd_and_hms(2026, 8, 26, 9, 30, 0).single().expect("a date")
            + chrono::Duration::nanoseconds(123_456_789);
        let c = Candidate::new(42, "gov-nj", title, text, doc, date);
        let mut arena = Arena::default();
        let first = push(&mut arena, &c);
        let other = Candidate::new(7, "news", "另一条", "", None, date);
        let second = push(&mut arena, &other);
        let back = arena.get(first).expect("the first story");
        let (grams, products) = (bigrams(&c.title), product_tokens(&c.title));
        assert_eq!(
            (back.candidate, back.bigrams, back.products),
            (c.clone(), grams, products)
        );
        assert_eq!(arena.get(second).map(|u| u.candidate), Some(other));
        // Read in two steps: the head, then the facts when a comparison needs them.
        let mut head = arena.get_head(first).expect("the first story's head");
        assert_eq!(head.candidate.facts, Facts::default());
        assert_eq!(head.candidate.title, c.title);
        arena.read_facts(&mut head).expect("its facts");
        assert_eq!(head.candidate, c);
    }

    #[test]
    fn a_story_reads_back_as_it_was_packed() {
        round_trip(
            "南京市印发《软件和信息服务业高质量发展行动计划》",
            "8月26日，南京市工信局印发《南京市软件和信息服务业高质量发展行动计划（2026—2028年）》，提出到2028年全市软件业务收入突破1.2万亿元，培育10家百亿级企业，增长12.5%。",
            Some("宁工信〔2026〕12号"),
        );
        round_trip(
            "Microsoft commits A$7.6bn to expand Azure and AI capacity in Australia",
            "Microsoft plans to spend A$7.6 billion over the next four years; Azure 5.0 and GPT-5 in Sydney, up 30%.",
            None,
        );
        round_trip("", "", None);
    }

    #[test]
    fn stories_read_into_one_room_in_turn_read_as_each_was_packed() {
        let date = Utc.with_ymd_and_hms(2026, 8, 26, 9, 30, 0).single().expect("a date");
        // Long and short, with a document number and without, many names and none:
        // nothing of one may be left in the room for the next.
        let stories = [
            Candidate::new(
                1,
                "gov-nj",
                "南京市印发《软件和信息服务业高质量发展行动计划》 鸿蒙OS 5.0 Helix 9.12",
                "8月26日，南京市工信局印发《南京市软件和信息服务业高质量发展行动计划》，华为、阿里云、腾讯云参与，增长12.5%。",
                Some("宁工信〔2026〕12号"),
                date,
            ),
            Candidate::new(2, "news", "另一条", "", None, date),
            Candidate::new(
                3,
                "wire",
                "Microsoft commits A$7.6bn to Azure in Australia",
                "Microsoft plans to spend A$7.6 billion; Azure 5.0 and GPT-5 in Sydney.",
                None,
                date,
            ),
            Candidate::new(4, "gov-nj", "", "", Some("宁政发〔2026〕1号"), date),
        ];
        let mut arena = Arena::default();
        let spans: Vec<Span> = stories.iter().map(|c| push(&mut arena, c)).collect();
        let mut room = Unpacked::empty();
        for (c, span) in stories
            .iter()
            .chain(stories.iter().rev())
            .zip(spans.iter().chain(spans.iter().rev()))
        {
            arena.get_head_into(*span, &mut room).expect("a story");
            let fresh = arena.get_head(*span).expect("a story");
            assert_eq!(room.candidate, fresh.candidate);
            assert_eq!((&room.bigrams, &room.products), (&fresh.bigrams, &fresh.products));
            arena.read_facts(&mut room).expect("its facts");
            assert_eq!(&room.candidate, c);
        }
    }

    #[test]
    fn stories_read_back_alike_from_memory_and_from_the_spill_file() {
        let date = Utc::now();
        let stories: Vec<Candidate> = (0..3000)
            .map(|i| {
                Candidate::new(
                    i,
                    "s",
                    &format!("第{i}批软件名城建设项目在南京签约"),
                    &format!(
                        "{}月{}日，南京市签约项目{i}个，总投资{}亿元。",
                        i % 12 + 1,
                        i % 28 + 1,
                        i * 3
                    ),
                    None,
                    date,
                )
            })
            .collect();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (mut kept, mut spilled) = (Arena::default(), Arena::default());
        let half = stories.len() / 2;
        let mut spans = Vec::new();
        for (i, c) in stories.iter().enumerate() {
            if i == half {
                // Chunks already full move to the file too.
                spilled.spill_to(dir.path()).expect("a spill file");
            }
            spans.push((push(&mut kept, c), push(&mut spilled, c)));
        }
        assert!(
            spilled.spilled > 0 && spilled.kept.is_empty(),
            "chunks went to the file"
        );
        assert!(!kept.kept.is_empty() && kept.spilled == 0);
        for (c, (a, b)) in stories.iter().zip(&spans) {
            assert_eq!(kept.get(*a).map(|u| u.candidate).as_ref(), Some(c));
            assert_eq!(spilled.get(*b).map(|u| u.candidate).as_ref(), Some(c));
        }
        // The file has no name: nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).map(|d| d.count()).ok(), Some(0));
    }

    #[test]
    fn bytes_cut_short_or_left_over_read_as_nothing() {
        let c = Candidate::new(
            1,
            "s",
            "无锡发布人工智能产业政策",
            "无锡市发布政策，共32条。",
            None,
            Utc::now(),
        );
        let (mut bytes, mut statics) = (Vec::new(), Statics::default());
        pack(&c, &bigrams(&c.title), &[], &mut Writer(&mut bytes, &mut statics));
        let read = |b: &[u8]| {
            let mut r = Reader(b, &statics.texts);
            unpack_head_into(&mut r, &mut Unpacked::empty()).is_some() && unpack_facts(&mut r).is_some()
        };
        assert!(read(&bytes));
        assert!(!read(&bytes[..bytes.len() - 1]));
        bytes.push(0);
        assert!(!read(&bytes));
    }
}
