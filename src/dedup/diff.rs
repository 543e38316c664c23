//! Headlines cut from one template: align two headlines word by word (a Chinese
//! character is a word, so is a Latin word or a number) and find the slots where they
//! say different things. "华为发布工业软件新品" and "百度发布嵌入式软件新品" share the
//! template "…发布…软件新品" and fill its slots differently: two stories. A report that
//! only adds words ("【新华社】", "正式", a trailing clause) or swaps a verb for its synonym
//! fills no slot differently.

/// Verbs and words that outlets swap for one another without changing the story.
const SYNONYMS: &[&[&str]] = &[
    &[
        "发布",
        "推出",
        "亮相",
        "上线",
        "发布会",
        "首发",
        "面世",
        "问世",
        "揭晓",
        "公布",
        "官宣",
        "正式发布",
    ],
    &[
        "launches",
        "releases",
        "unveils",
        "ships",
        "debuts",
        "introduces",
        "announces",
        "rolls",
        "launch",
        "release",
    ],
    &["印发", "出台", "发布", "公布", "颁布", "下发", "制定"],
    &[
        "召开", "举行", "举办", "开幕", "启幕", "开启", "启动", "落幕", "闭幕", "开展",
    ],
    &["签署", "签订", "签约", "达成", "缔结"],
    &["成立", "揭牌", "组建", "设立", "挂牌"],
    &["完成", "获得", "获", "斩获", "宣布完成", "拿下"],
    &["融资", "投资", "注资"],
    &[
        "入选",
        "获批",
        "入围",
        "获评",
        "上榜",
        "列入",
        "纳入",
        "成为",
        "获批建设",
        "获批创建",
        "创建",
    ],
    &["突破", "超过", "超", "达", "达到", "逾", "约", "近"],
    &["增长", "增", "上涨", "提升", "提高", "同比增长"],
    &["亿元", "亿"],
    &["万元", "万"],
    &["我国", "全国", "中国"],
    &["月", "月份"],
    &["team", "teams", "partner", "partners", "join", "joins"],
    &["hits", "reaches", "reach", "hit"],
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Han(char),
    Word(String),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        let c = crate::normalize::half_width(c);
        if c.is_ascii_alphanumeric() || (c == '.' && word.chars().last().is_some_and(|p| p.is_ascii_digit())) {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
            if crate::normalize::is_letter_or_digit(c) {
                out.push(Token::Han(c));
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

fn text_of(t: &[Token]) -> String {
    let mut s = String::new();
    for (i, tok) in t.iter().enumerate() {
        match tok {
            Token::Han(c) => s.push(*c),
            Token::Word(w) => {
                if i > 0 && matches!(t[i - 1], Token::Word(_)) {
                    s.push(' ');
                }
                s.push_str(w);
            }
        }
    }
    s
}

/// A place where two aligned headlines differ: what each says there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub ours: String,
    pub theirs: String,
    /// Both sides go on to one administrative suffix (仁和[区] against 东[区]), or to
    /// the word that ends an event's name (数据[库]大会 against 数据[要素]大会): the slot
    /// is that place's or that event's own name, however short.
    pub before_name_end: bool,
    /// The slot ends both headlines: what each goes on to claim of one subject
    /// (Initech releases Nimbus 9.6 with [SBOM export] against [GPU scheduling]).
    pub ends: bool,
}

/// The suffixes of divisions below a city, whose names the gazetteer may not list.
const DIVISIONS: &str = "区县镇乡旗";

/// The words that end an event's name: what stands before them says which event it is.
const EVENT_ENDS: &[&str] = &["大会", "论坛", "峰会", "博览会", "展览会", "年会", "研讨会"];

/// How two headlines align.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Share of the longer headline's words that the two have in order.
    pub common: f32,
    /// Places where both say something different (substitutions), synonyms left out.
    pub slots: Vec<Slot>,
    /// Words only one side has.
    pub extra: Vec<String>,
}

/// Longest headline aligned in full; the rest only adds to it.
const MAX_TOKENS: usize = 96;

pub fn align(a: &str, b: &str) -> Alignment {
    let mut x = tokens(a);
    let mut y = tokens(b);
    x.truncate(MAX_TOKENS);
    y.truncate(MAX_TOKENS);
    let (n, m) = (x.len(), y.len());
    // lcs[i][j]: longest common subsequence of x[i..] and y[j..].
    let mut lcs = vec![0u16; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if x[i] == y[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let common = lcs[at(0, 0)] as f32 / n.max(m).max(1) as f32;
    // Walk the alignment: each step keeps a word of both, or of one side only.
    let mut ops: Vec<Op> = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            ops.push(Op::Both(x[i].clone()));
            i += 1;
            j += 1;
        } else if j >= m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            ops.push(Op::Ours(x[i].clone()));
            i += 1;
        } else {
            ops.push(Op::Theirs(y[j].clone()));
            j += 1;
        }
    }
    let (slots, extra) = hunks(&ops);
    Alignment { common, slots, extra }
}

#[derive(Debug, Clone)]
enum Op {
    Both(Token),
    Ours(Token),
    Theirs(Token),
}

/// Words shared between two changes that still make them one: 软件[供应链安全]标准 and
/// [嵌入式]软件标准 fill one slot around the shared 软件.
const MAX_GAP: usize = 2;

/// The places where two aligned headlines differ: slots both fill (with other words),
/// and words only one has.
fn hunks(ops: &[Op]) -> (Vec<Slot>, Vec<String>) {
    // Spans of changed words, as (first, last) op indices.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        if matches!(op, Op::Both(_)) {
            continue;
        }
        match spans.last_mut() {
            Some((_, last)) if *last + 1 == k => *last = k,
            _ => spans.push((k, k)),
        }
    }
    let sides = |(a, b): (usize, usize)| {
        let ours = ops[a..=b].iter().any(|o| matches!(o, Op::Ours(_)));
        let theirs = ops[a..=b].iter().any(|o| matches!(o, Op::Theirs(_)));
        (ours, theirs)
    };
    // Join a change on one side with a change on the other a word or two away.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for span in spans {
        if let Some(prev) = merged.last_mut() {
            let gap = span.0 - prev.1 - 1;
            let (po, pt) = sides(*prev);
            let (so, st) = sides(span);
            // One shared character between two changes is chance (中[软]国际 and
            // 统信[软]件); up to two join changes on opposite sides.
            let opposite = (po || so) && (pt || st) && !(po && pt) && !(so && st);
            if gap <= 1 || gap <= MAX_GAP && opposite {
                prev.1 = span.1;
                continue;
            }
        }
        merged.push(span);
    }
    let mut slots = Vec::new();
    let mut extra = Vec::new();
    for (a, b) in merged {
        let ours: Vec<Token> = ops[a..=b]
            .iter()
            .filter_map(|o| match o {
                Op::Both(t) | Op::Ours(t) => Some(t.clone()),
                Op::Theirs(_) => None,
            })
            .collect();
        let theirs: Vec<Token> = ops[a..=b]
            .iter()
            .filter_map(|o| match o {
                Op::Both(t) | Op::Theirs(t) => Some(t.clone()),
                Op::Ours(_) => None,
            })
            .collect();
        let (o, t) = (text_of(&ours), text_of(&theirs));
        let next: String = ops[b + 1..]
            .iter()
            .take(3)
            .map_while(|op| match op {
                Op::Both(Token::Han(c)) => Some(*c),
                _ => None,
            })
            .collect();
        let before_name_end =
            next.starts_with(|c| DIVISIONS.contains(c)) || EVENT_ENDS.iter().any(|e| next.starts_with(e));
        match sides((a, b)) {
            (true, true) if !synonyms(&o, &t) => slots.push(Slot {
                ours: o,
                theirs: t,
                before_name_end,
                ends: b + 1 == ops.len(),
            }),
            (true, false) => extra.push(o),
            (false, true) => extra.push(t),
            _ => {}
        }
    }
    (slots, extra)
}

/// Whether two names are one: equal, listed synonyms, or one the other's abbreviation.
pub fn same_word(a: &str, b: &str) -> bool {
    a == b || synonyms(a, b)
}

/// Whether two different words are one word for the story's purposes: listed
/// synonyms, or one the other's abbreviation (工信部 ⊂ 工业和信息化部, in order).
fn synonyms(a: &str, b: &str) -> bool {
    if SYNONYMS.iter().any(|g| g.contains(&a) && g.contains(&b)) {
        return true;
    }
    // Only Chinese words abbreviate this way; `p5` and `p5e` are two products.
    let subsequence = |short: &str, long: &str| {
        let mut it = long.chars();
        short.chars().count() >= 2
            && short.chars().chain(long.chars()).all(|c| !c.is_ascii())
            && short.chars().all(|c| it.any(|l| l == c))
    };
    subsequence(a, b) || subsequence(b, a)
}

/// The longest run of Han characters two headlines share, once the given place names
/// are taken out of both: 汽车软件产业园 in 长春市汽车软件产业园正式揭牌 and
/// 长春汽车软件产业园揭牌 (the place alone says nothing of the story).
pub fn shared_run<'a>(a: &str, b: &str, places: impl Iterator<Item = &'a str> + Clone) -> usize {
    let han = |s: &str| -> Vec<char> {
        let mut s = s.to_string();
        for p in places.clone() {
            s = s.replace(p, "|");
        }
        s.chars()
            .map(|c| if ('\u{4e00}'..='\u{9fff}').contains(&c) { c } else { '|' })
            .collect()
    };
    let (a, b) = (han(a), han(b));
    // Titles are short: the quadratic table is a few hundred cells.
    let mut prev = vec![0usize; b.len() + 1];
    let mut row = vec![0usize; b.len() + 1];
    let mut best = 0;
    for ca in &a {
        for (j, cb) in b.iter().enumerate() {
            row[j + 1] = if ca == cb && *ca != '|' { prev[j] + 1 } else { 0 };
            best = best.max(row[j + 1]);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    best
}

/// Headlines this alike (in words, in order) are from one template: then every slot
/// they fill differently is a different fact.
pub const TEMPLATE: f32 = 0.55;

/// Headlines this alike that end in different claims are one template too: the
/// differing ending is long, so it weighs more against their shared words.
const TAIL_TEMPLATE: f32 = 0.4;

/// The longest slot (in characters, a Latin word counting two) that fills a template.
const MAX_SLOT: usize = 16;

/// One character that turns a story into another one (开工 and 完工).
const OPPOSITES: &[(&str, &str)] = &[
    ("开", "完"),
    ("增", "降"),
    ("增", "减"),
    ("涨", "跌"),
    ("升", "降"),
    ("盈", "亏"),
    ("买", "卖"),
    ("入", "出"),
    ("启", "停"),
    ("开", "闭"),
    // 东区 and 西区 of one city: two places the gazetteer does not list.
    ("东", "西"),
    ("南", "北"),
];

/// Verbs outlets use alike for one announcement or launch.
const ANNOUNCING: &[&str] = &[
    "正式发布",
    "正式上线",
    "正式设立",
    "发布",
    "推出",
    "亮相",
    "上线",
    "落地",
    "设立",
    "成立",
    "印发",
    "出台",
];

/// `slot` without the verbs of announcing and the spaces around them.
fn without_verbs(slot: &str) -> String {
    let mut out = slot.to_string();
    for v in ANNOUNCING {
        out = out.replace(v, "");
    }
    out.trim().to_string()
}

/// Characters of dates and periods: a slot of these and digits is a figure, which
/// [`super::facts`] compares by value (上半年 is 1—6月).
const PERIOD_CHARS: &str = "年月日上下半季度前第至到底末初";

/// Whether a slot states a figure: digits followed by a measure word (63家, 16日, 8亿),
/// which a product's digits (5G, 3D) are not.
fn has_measure(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit()
            && let Some(&next) = chars.peek()
            && "家个亿万日月年号项名位款台人%".contains(next)
        {
            return true;
        }
    }
    false
}

impl Slot {
    /// Whether the two sides have no word in common.
    fn other_words(&self) -> bool {
        let theirs = tokens(&self.theirs);
        tokens(&self.ours).iter().all(|t| !theirs.contains(t))
    }

    /// Whether what the slot says on each side names something: at least two Chinese
    /// characters or a Latin word on both sides, and not only figures and periods.
    fn names_something(&self) -> bool {
        let weight = |s: &str| {
            tokens(s)
                .iter()
                .map(|t| match t {
                    Token::Han(_) => 1,
                    Token::Word(_) => 2,
                })
                .sum::<usize>()
        };
        let figure = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ' ' || PERIOD_CHARS.contains(c))
        };
        if OPPOSITES
            .iter()
            .any(|(a, b)| (self.ours == *a && self.theirs == *b) || (self.ours == *b && self.theirs == *a))
        {
            return true;
        }
        let han = |s: &str| !s.is_empty() && s.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        if self.before_name_end && han(&self.ours) && han(&self.theirs) {
            return true;
        }
        // One outlet's verb of announcing against another's (推出 H3 against 发布, 落地
        // against 正式设立) is a rewording: what is left beside the verbs must name
        // something on both sides.
        let (ours, theirs) = (without_verbs(&self.ours), without_verbs(&self.theirs));
        if ours.is_empty() || theirs.is_empty() {
            return false;
        }
        // A figure against words is one report saying more (63家企业首批入驻 against 重庆市,
        // 16日在京 against 在北京), not one name swapped for another.
        if has_measure(&self.ours) != has_measure(&self.theirs) {
            return false;
        }
        let (a, b) = (weight(&ours), weight(&theirs));
        // A name swapped for a name is short on both sides; a long clause swapped for a
        // word is a rewording.
        (2..=MAX_SLOT).contains(&a)
            && (2..=MAX_SLOT).contains(&b)
            && a.max(b) <= 4 * a.min(b)
            && !figure(&self.ours)
            && !figure(&self.theirs)
    }
}

/// Words that frame a document's name in a headline and nothing else: 关于…的意见.
const FRAMING: &[&str] = &["关于", "的"];

impl Alignment {
    /// Whether a slot only frames and moves the document's words: one side says
    /// nothing but verbs of announcing and framing words, and what the other says
    /// there, the first side says elsewhere (国务院办公厅[印发意见]加快… against
    /// 国务院办公厅[关于]加快…的意见).
    fn moved(&self, slot: &Slot) -> bool {
        let rest = |side: &str| {
            let mut rest = without_verbs(side);
            for word in FRAMING {
                rest = rest.replace(word, "");
            }
            rest.trim().to_string()
        };
        let (ours, theirs) = (rest(&slot.ours), rest(&slot.theirs));
        let elsewhere = |r: &str| self.extra.iter().any(|e| e.contains(r));
        ours.is_empty() && elsewhere(&theirs) || theirs.is_empty() && elsewhere(&ours)
    }

    /// The first slot two headlines of one template fill differently with names.
    /// Slots that name places on both sides (`is_place`) are left to the places
    /// compared as facts, which know that 南宁 and 中国—东盟 can be one story and 无锡
    /// and 福州 cannot.
    pub fn template_slot(&self, is_place: impl Fn(&str) -> bool, tails: bool) -> Option<&Slot> {
        if self.common < TAIL_TEMPLATE {
            return None;
        }
        // A template filled twice differs only in slots that name something, with other
        // words on each side: a word only one side has, a slot of other kinds or one
        // joined across words both sides say (on [Hiroshima] to meet [HBM] demand, in
        // [Hiroshima] [HBM] plant) is one report wording it otherwise.
        let filled =
            tails && self.extra.is_empty() && self.slots.iter().all(|s| s.names_something() && s.other_words());
        self.slots.iter().find(|s| {
            (self.common >= TEMPLATE || filled && s.ends)
                && s.names_something()
                && !self.moved(s)
                && !(is_place(&s.ours) && is_place(&s.theirs))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_run_leaves_the_places_out() {
        let places = ["长春"];
        assert_eq!(
            shared_run(
                "长春市汽车软件产业园正式揭牌",
                "长春汽车软件产业园揭牌 40家企业首批签约",
                places.iter().copied()
            ),
            7
        );
        // The place is all they share.
        assert_eq!(shared_run("长春市召开大会", "长春发布规划", places.iter().copied()), 0);
    }

    #[test]
    fn template_twins_have_a_slot() {
        let a = align(
            "华为发布工业软件新品，性能提升三成",
            "百度智能云发布嵌入式软件新品，性能提升三成",
        );
        assert!(a.common >= TEMPLATE, "{a:?}");
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        let a = align(
            "Acme Cloud and Globex team up on edge computing",
            "Hooli and Globex team up on edge computing",
        );
        assert!(
            a.template_slot(|_| false, false)
                .is_some_and(|s| s.ours.contains("acme")),
            "{a:?}"
        );
        let a = align(
            "Why observability matters & what to watch in 2027",
            "Why edge computing matters & what to watch in 2027",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
    }

    #[test]
    fn a_document_framed_otherwise_fills_no_slot() {
        let a = align(
            "国务院办公厅印发意见 加快培育和发展低空经济",
            "国务院办公厅关于加快培育和发展低空经济的意见",
        );
        assert!(a.template_slot(|_| false, false).is_none(), "{a:?}");
        // Another kind of document is another document.
        let a = align(
            "国务院办公厅印发通知 加快培育和发展低空经济",
            "国务院办公厅关于加快培育和发展低空经济的意见",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
    }

    #[test]
    fn a_template_filled_twice_may_differ_in_its_ending() {
        // One company's one version, told with two features: one template filled twice.
        for (a, b) in [
            (
                "Massive Dynamic releases Quasar 1.4 with GPU scheduling",
                "Massive Dynamic releases Quasar 1.4 with a Rust rewrite of its core",
            ),
            (
                "Initech releases Beacon 3.16 with an on-device model",
                "Initech releases Helix 3.16 with WebAssembly plug-ins",
            ),
        ] {
            let a = align(a, b);
            assert!(a.common < TEMPLATE, "{a:?}");
            assert!(a.template_slot(|_| false, false).is_none(), "{a:?}");
            assert!(a.template_slot(|_| false, true).is_some_and(|s| s.ends), "{a:?}");
        }
        // A rewording's endings share words, or its other slots do: no template.
        for (a, b) in [
            (
                "Micron bets $6 billion on Hiroshima to meet HBM demand",
                "Micron to invest $6 billion in Hiroshima HBM plant",
            ),
            (
                "Foxconn commits $1.2B to AI server factory in Tamil Nadu",
                "Foxconn to invest $1.2 billion in Indian AI server plant",
            ),
            (
                "OceanBase 4.4发布：原生支持向量与全文检索",
                "OceanBase发布4.4版本，强化向量检索能力",
            ),
        ] {
            let a = align(a, b);
            assert!(a.template_slot(|_| false, true).is_none(), "{a:?}");
        }
    }

    #[test]
    fn what_stands_before_an_events_name_is_a_slot_however_short() {
        let a = align("第30届中国（济南）数据要素大会开幕", "第30届中国（济南）数据库大会开幕");
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        // Elsewhere one character against two is a rewording's.
        let a = align("第30届中国（济南）数据要素产业开幕", "第30届中国（济南）数据库产业开幕");
        assert!(a.template_slot(|_| false, false).is_none(), "{a:?}");
    }

    #[test]
    fn a_stage_or_a_side_is_a_slot_and_a_verb_of_announcing_is_not() {
        // Opening and closing of one event, 东区 and 西区 of one city: two stories.
        let a = align("2026中国（舟山）数字海洋大会闭幕", "2026中国（舟山）数字海洋大会开幕");
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        let a = align(
            "攀枝花市西区获评四川省“5G+智慧教育”应用示范区",
            "攀枝花市东区获评四川省“5G+智慧教育”应用示范区",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        // A district's name of two characters against one of one: still two districts.
        let a = align(
            "攀枝花市仁和区获评四川省“5G+智慧教育”应用示范区",
            "攀枝花市东区获评四川省“5G+智慧教育”应用示范区",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        // One outlet's 推出 against another's 发布, the rest said by both.
        let a = align("湖南具身智能产业基金落地", "湖南具身智能产业基金正式设立");
        assert!(a.template_slot(|_| false, false).is_none(), "{a:?}");
        // A verb beside a name is still a name swapped.
        let a = align("宇树科技发布人形机器人H3", "优必选发布人形机器人H3");
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
    }

    #[test]
    fn changes_around_a_shared_word_fill_one_slot() {
        let a = align(
            "市科学技术局：软件供应链安全标准体系建设指南公开征求意见",
            "市科学技术局：嵌入式软件标准体系建设指南公开征求意见",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        let a = align(
            "科技部：智能网联汽车软件标准体系建设指南公开征求意见",
            "科技部：软件名城标准体系建设指南公开征求意见",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
        let a = align(
            "中国电子技术标准化研究院：人工智能大模型标准体系建设指南公开征求意见",
            "国家发展改革委：人工智能大模型标准体系建设指南公开征求意见",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
    }

    #[test]
    fn names_sharing_a_character_are_one_slot() {
        let a = align(
            "中软国际发布鸿蒙生态新品，实现全栈自主可控",
            "统信软件发布鸿蒙生态新品，实现全栈自主可控",
        );
        assert!(a.template_slot(|_| false, false).is_some(), "{a:?}");
    }

    #[test]
    fn added_words_and_synonyms_are_no_slot() {
        let a = align(
            "【新华社】星河云正式发布分布式数据库星河DB 5.0",
            "星河云推出分布式数据库星河DB 5.0",
        );
        assert_eq!(a.template_slot(|_| false, false), None, "{a:?}");
        let a = align(
            "工业和信息化部印发《工业软件行动计划》",
            "工信部印发《工业软件行动计划》",
        );
        assert_eq!(a.template_slot(|_| false, false), None, "{a:?}");
        let a = align(
            "Acme Cloud releases Nimbus 3.2 with vector search",
            "Acme Cloud launches Nimbus 3.2 with vector search",
        );
        assert_eq!(a.template_slot(|_| false, false), None, "{a:?}");
    }

    #[test]
    fn rewordings_are_not_one_template() {
        let a = align(
            "星河云发布分布式数据库“星河DB 5.0”，兼容主流开源生态",
            "星河DB 5.0正式亮相：分布式数据库性能提升三倍",
        );
        assert!(a.common < TEMPLATE, "{a:?}");
    }
}
