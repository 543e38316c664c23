//! The facts that tell two stories apart, read from a headline (and its lead).
//!
//! Government and industry news is written from templates: "无锡入选国家…示范区" and
//! "福州入选国家…示范区" share every word but one, and so do the 2025 and 2026 revenue
//! figures. Text likeness alone merges them. Two reports are one story only when nothing
//! that distinguishes stories differs: places, 《》 document names, periods and years,
//! figures, batch numbers, names and versions — and, for headlines cut from one template,
//! the words that fill its slots ([`super::diff`]).

use super::set::Set;
use std::fmt;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

/// The gazetteer's cities (code, name, short name, province).
const CITIES_TSV: &str = include_str!("../../config/cities.tsv");
/// The default taxonomy, for its list of city short names that are ordinary words.
const SECTIONS_TOML: &str = include_str!("../../config/sections.toml");

/// What the default taxonomy says of city names: short names that are ordinary words
/// (阿里, 中山: read only as 某某市), aliases (光谷 → 武汉, 在沪 → 上海) and phrases that
/// contain a city's name but are not about it (南京路, 京东).
struct CityWords {
    full_name_only: Vec<String>,
    aliases: Vec<(String, String)>,
    block: Vec<String>,
}

fn city_words() -> CityWords {
    let table: toml::Table = toml::from_str(SECTIONS_TOML).unwrap_or_default();
    let cities = table.get("cities");
    let list = |key: &str| -> Vec<String> {
        cities
            .and_then(|c| c.get(key))
            .and_then(|l| l.as_array())
            .map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let aliases = cities
        .and_then(|c| c.get("aliases"))
        .and_then(|a| a.as_table())
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    CityWords {
        full_name_only: list("full_name_only"),
        aliases,
        block: list("block"),
    }
}

/// Countries and regions that news names as the place of a story.
const COUNTRIES: &[&str] = &[
    "美国",
    "日本",
    "韩国",
    "朝鲜",
    "德国",
    "法国",
    "英国",
    "俄罗斯",
    "印度",
    "新加坡",
    "欧盟",
    "越南",
    "泰国",
    "马来西亚",
    "印度尼西亚",
    "印尼",
    "巴西",
    "澳大利亚",
    "加拿大",
    "意大利",
    "西班牙",
    "荷兰",
    "瑞士",
    "瑞典",
    "以色列",
    "沙特",
    "阿联酋",
    "埃及",
    "南非",
    "墨西哥",
    "阿根廷",
    "土耳其",
    "伊朗",
    "巴基斯坦",
    "哈萨克斯坦",
    "乌兹别克斯坦",
    "老挝",
    "柬埔寨",
    "缅甸",
    "菲律宾",
    "新西兰",
    "爱尔兰",
    "比利时",
    "丹麦",
    "芬兰",
    "挪威",
    "波兰",
    "匈牙利",
    "乌克兰",
    "葡萄牙",
    "希腊",
    "奥地利",
    "捷克",
    "塞尔维亚",
    "蒙古",
    "尼日利亚",
    "肯尼亚",
    "智利",
    "秘鲁",
    "香港",
    "澳门",
    "台湾",
    "东盟",
    "非洲",
    "拉美",
    "中东",
    "欧洲",
    "亚太",
];

/// A place a headline names: a city (with its province), a province or a country.
#[derive(Debug, Clone)]
struct Place {
    name: &'static str,
    /// The province a city lies in, which a report may name instead of the city.
    province: Option<&'static str>,
    /// The city a district lies in (黄埔 in 广州).
    city: Option<&'static str>,
}

impl Place {
    /// The place and those it lies in: what a report of it may name instead.
    fn with_parents(&self) -> impl Iterator<Item = &'static str> {
        [Some(self.name), self.province, self.city].into_iter().flatten()
    }
}

struct Places {
    matcher: AhoCorasick,
    places: Vec<Place>,
}

/// 江苏省 → 江苏, 广西壮族自治区 → 广西, 北京市 → 北京.
fn province_short(full: &str) -> &str {
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(s) = full.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s;
        }
    }
    full
}

fn leak(s: &str) -> &'static str {
    // Built once per process from the compiled-in gazetteer: a bounded, one-time leak.
    Box::leak(s.to_string().into_boxed_str())
}

static PLACES: LazyLock<Places> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut places: Vec<Place> = Vec::new();
    let mut add = |pattern: &str, place: Place| {
        if pattern.chars().count() >= 2 && !patterns.iter().any(|p| p == pattern) {
            patterns.push(pattern.to_string());
            places.push(place);
        }
    };
    let words = city_words();
    // Blocked phrases are matched (longest first) so that they hide the city they contain.
    for b in &words.block {
        add(
            b,
            Place {
                name: "",
                province: None,
                city: None,
            },
        );
    }
    let mut by_short: Vec<(&'static str, Place)> = Vec::new();
    for line in CITIES_TSV.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [_, name, short, province_name] = f[..] else {
            continue;
        };
        let prov = leak(province_short(province_name));
        let city = leak(short);
        let province = (prov != city).then_some(prov);
        add(
            name,
            Place {
                name: city,
                province,
                city: None,
            },
        );
        by_short.push((
            city,
            Place {
                name: city,
                province,
                city: None,
            },
        ));
        if !words.full_name_only.iter().any(|w| w == short) {
            add(
                short,
                Place {
                    name: city,
                    province,
                    city: None,
                },
            );
        } else {
            // A short name that is a word elsewhere is still the city before 城区
            // (位于乐山城区的…), as before 市.
            add(
                &format!("{short}城区"),
                Place {
                    name: city,
                    province,
                    city: None,
                },
            );
        }
        if prov != city {
            add(
                province_name,
                Place {
                    name: prov,
                    province: None,
                    city: None,
                },
            );
            add(
                prov,
                Place {
                    name: prov,
                    province: None,
                    city: None,
                },
            );
        }
    }
    for (alias, short) in &words.aliases {
        if let Some((_, place)) = by_short.iter().find(|(c, _)| c == short) {
            // 在沪 and 鹏城 name the city; 黄埔 and 光谷 name a part of it, and two
            // parts of one city are two places.
            let nickname = alias.starts_with(['在', '来', '赴', '进'])
                || alias.ends_with('城')
                || ["沪上", "津门", "金陵", "鹭岛"].contains(&alias.as_str());
            if nickname {
                add(alias, place.clone());
            } else {
                add(
                    alias,
                    Place {
                        name: leak(alias),
                        province: place.province,
                        city: Some(place.name),
                    },
                );
            }
        }
    }
    for c in COUNTRIES {
        add(
            c,
            Place {
                name: c,
                province: None,
                city: None,
            },
        );
    }
    // The whole country is a place too: a national figure is not a province's.
    for c in ["全国", "我国"] {
        add(
            c,
            Place {
                name: "全国",
                province: None,
                city: None,
            },
        );
    }
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("the place names build an automaton");
    Places { matcher, places }
});

static DOC_TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"《([^《》]{2,80})》").expect("static regex"));
static MONTH_RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{1,2})\s*月?\s*(?:[-—–~～至到])\s*(\d{1,2})\s*月(?:份)?").expect("static regex"));
static FIRST_MONTHS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"前\s*([0-9一二三四五六七八九十]{1,3})\s*(?:个)?月").expect("static regex"));
static QUARTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(前|第)\s*([1-4一二三四])\s*季度|([一二三四1-4])季度|(上|下)半年").expect("static regex")
});
static DAY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日").expect("static regex"));
static MONTH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{1,2})\s*月(?:份)?").expect("static regex"));
/// A project's phase without 第 (产业园二期, 三期开园); not 十四五期间, 前期, 近期.
static PHASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9一二三四五六七八九十百零〇两第前近初后中长短同远预分定])([一二三四五六七八九])期(?:[^间望待货刊限满末内]|$)")
        .expect("static regex")
});

static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:第\s*([0-9一二三四五六七八九十百零〇两]{1,5})|(首))\s*(批|届|期|次|轮|季|版|代|号|家|个|名|阶段)")
        .expect("static regex")
});
/// A span of years (2026—2028年), read as one fact: a plan for 2026—2028 is not the plan
/// for 2025—2027, though both name 2027.
static YEAR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*年?\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年").expect("static regex")
});
/// Four digits of a year; what stands around them is checked in code, since the character
/// after one year may stand before the next (2026—2028年).
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:19|20)\d{2}").expect("static regex"));
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:^|[^0-9.])v?(\d+(?:\.\d+){1,3})(?:[^0-9.%]|$)").expect("static regex"));
/// A sum or a count: currency, digits, scale, unit. Its letter scales (`$42m`, `3k`, `5b`)
/// must end a word, as `[mkb](?:\b|$)` says: `10m高` is ten metres, not ten million. That
/// boundary is checked in code (`amounts`): a Unicode `\b` keeps a pattern off the lazy DFA
/// for any text with a Chinese character in it, and reading a text's figures then took
/// eight times as long.
fn amount_pattern(letter_scales: bool) -> Regex {
    let letters = if letter_scales { "|[mkb]" } else { "" };
    Regex::new(&format!(
        r"(?i)(us\$|a\$|hk\$|c\$|s\$|nt\$|\$|￥|¥|€|£)?\s*(\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(%|个百分点|万亿|亿|万|千|trillion|billion|million|bn{letters})?\s*(元|美元|人民币|欧元|港元|英镑|日元|dollars?|euros?|yuan|pounds?|个|家|项|台|户|款|条|名|人|座|所|场|件|部|套|吨|兆瓦|千瓦|GW|MW|倍|GB|TB|PB|EB|PFlops|EFlops|P)?"
    ))
    .expect("static regex")
}
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| amount_pattern(true));
static AMOUNT_WITHOUT_LETTERS: LazyLock<Regex> = LazyLock::new(|| amount_pattern(false));
static WORD_CHAR_FIRST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\w").expect("static regex"));

/// Each sum or count of a text, left to right, as the pattern with `[mkb](?:\b|$)` reads
/// them: where a letter scale runs on into a word, the same start is read again without
/// letter scales, which is the path that pattern takes there.
fn amounts(text: &str) -> impl Iterator<Item = regex::Captures<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let c = AMOUNT.captures_at(text, at)?;
        // Reading again is right for any scale (the others need no boundary); the
        // one-character test only spares 亿元 and the like a second reading.
        let runs_on = c.get(3).is_some_and(|s| {
            s.as_str().chars().count() == 1
                && !matches!(s.as_str(), "%" | "亿" | "万" | "千")
                && WORD_CHAR_FIRST.is_match(&text[s.end()..])
        });
        let c = if runs_on {
            AMOUNT_WITHOUT_LETTERS.captures_at(text, c.get(0)?.start())?
        } else {
            c
        };
        // Every match holds a digit, so the search moves on.
        at = c.get(0)?.end();
        Some(c)
    })
}
/// A round sum named without digits, as headlines do: 营收破万亿, 规模超千亿.
static ROUND_SUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:破|超|突破|超过|逾|达)(万亿|千亿)").expect("static regex"));
static LATIN_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9+&'\-]*[A-Za-z0-9+]|[A-Za-z]").expect("static regex"));

/// Countries' adjectives, read as the country they name.
const DEMONYMS: &[(&str, &str)] = &[
    ("american", "america"),
    ("australian", "australia"),
    ("british", "britain"),
    ("canadian", "canada"),
    ("chinese", "china"),
    ("dutch", "netherlands"),
    ("european", "europe"),
    ("french", "france"),
    ("german", "germany"),
    ("indian", "india"),
    ("indonesian", "indonesia"),
    ("israeli", "israel"),
    ("italian", "italy"),
    ("japanese", "japan"),
    ("korean", "korea"),
    ("malaysian", "malaysia"),
    ("mexican", "mexico"),
    ("russian", "russia"),
    ("saudi", "saudi arabia"),
    ("singaporean", "singapore"),
    ("spanish", "spain"),
    ("swiss", "switzerland"),
    ("taiwanese", "taiwan"),
    ("thai", "thailand"),
    ("vietnamese", "vietnam"),
];

/// Capitalised English words that start sentences or headlines and name nothing.
const ENGLISH_COMMON: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "with",
    "by",
    "from",
    "as",
    "into",
    "why",
    "how",
    "what",
    "when",
    "where",
    "who",
    "which",
    "report",
    "reports",
    "q&a",
    "new",
    "its",
    "it",
    "this",
    "that",
    "these",
    "is",
    "are",
    "was",
    "be",
    "will",
    "can",
    "says",
    "said",
    "exclusive",
    "update",
    "updated",
    "breaking",
    "analysis",
    "opinion",
    "watch",
    "live",
    "inside",
    "after",
    "before",
    "over",
    "under",
    "up",
    "out",
    "more",
    "most",
    "first",
    "says",
    "plan",
    "plans",
    "year",
    "years",
    "ceo",
    "cto",
    "cfo",
];

/// Names so common in the industry's news that sharing one says nothing.
const GENERIC_NAMES: &[&str] = &[
    "series",
    "gpu",
    "cpu",
    "api",
    "saas",
    "llm",
    "iot",
    "cloud",
    "data",
    "tech",
    "labs",
    "inc",
    "ltd",
    "corp",
    "group",
    "pre-a",
    "ipo",
    "app",
    "aigc",
    "agi",
    "open-source",
    "q&a",
    "ceo",
    "cto",
];

/// Every city's short name, the ordinary-word ones (岳阳, 十堰) too.
static ALL_CITIES: LazyLock<(AhoCorasick, Vec<&'static str>)> = LazyLock::new(|| {
    let names: Vec<&'static str> = CITIES_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(2))
        .filter(|s| s.chars().count() >= 2)
        .map(leak)
        .collect();
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&names)
        .expect("city names build an automaton");
    (matcher, names)
});

/// Two headlines each naming a city the other does not, reading every city's short
/// name (for headlines already known to be of one template).
pub fn city_names_conflict(a: &str, b: &str) -> Option<String> {
    let cities = |t: &str| -> Set<&'static str> {
        ALL_CITIES
            .0
            .find_iter(t)
            .map(|m| ALL_CITIES.1[m.pattern().as_usize()])
            .collect()
    };
    let (x, y) = (cities(a), cities(b));
    (!x.is_empty() && !y.is_empty() && !x.is_subset(&y) && !y.is_subset(&x))
        .then(|| format!("place differs: {} ≠ {}", join(&x), join(&y)))
}

/// The places `text` names (a city, province or country), in order; `text` is already
/// made half-width.
fn places_in(text: &str) -> impl Iterator<Item = &'static Place> + '_ {
    places_at(text).map(|(_, p)| p)
}

/// The places `text` names, each with the byte where its name ends.
fn places_at(text: &str) -> impl Iterator<Item = (usize, &'static Place)> + '_ {
    PLACES
        .matcher
        .find_iter(text)
        .map(|m| (m.end(), &PLACES.places[m.pattern().as_usize()]))
        .filter(|(_, p)| !p.name.is_empty())
}

/// The head of a headline "X：…" (a speaker or a place), when X is 2 to `most`
/// characters and what follows says something (6 or more).
fn colon_head(title: &str, most: usize) -> Option<&str> {
    let (head, rest) = title.split_once(['：', ':'])?;
    let head = head.trim();
    ((2..=most).contains(&head.chars().count()) && rest.chars().count() >= 6).then_some(head)
}

/// Whether `text` names a place (a city, province or country).
pub fn names_place(text: &str) -> bool {
    places_in(&half_width(text)).next().is_some()
}

/// Two reports of which one headline names a place and the other none (市中区数据标注基地
/// 揭牌 from 乐山新闻网 against 枣庄市市中区数据标注基地揭牌): the place-less one is where its
/// lead says, and a lead that names places, none of them the other headline's, tells
/// another story.
/// Whether a place is below a country's.
fn is_local(place: &&'static str) -> bool {
    !COUNTRIES.contains(place) && *place != "全国"
}

/// The places of a set below a country's.
fn local(set: &Set<&'static str>) -> Set<&'static str> {
    set.iter().copied().filter(is_local).collect()
}

/// The report whose headline names no place below a country's, and the other, whose
/// headline does; `None` unless exactly one of the two headlines names none. Asked of
/// every pair judged, so it reads the sets without copying them.
fn placeless_and_placed<'a>(a: &'a Facts, b: &'a Facts) -> Option<(&'a Facts, &'a Facts)> {
    match (a.title.places.iter().any(is_local), b.title.places.iter().any(is_local)) {
        (false, true) => Some((a, b)),
        (true, false) => Some((b, a)),
        _ => None,
    }
}

/// Whether a headline that names no place is of the place the other headline names: its
/// lead names that place and no other (市中区数据标注基地揭牌 首批入驻企业32家 from 乐山新闻网,
/// whose lead says 乐山城区, against 乐山市市中区数据标注基地揭牌).
pub fn placeless_agreement(a: &Facts, b: &Facts) -> bool {
    let Some((placeless, placed)) = placeless_and_placed(a, b) else {
        return false;
    };
    let named = local(&placeless.lead.named_places);
    !named.is_empty()
        && !named.is_disjoint(&local(&placed.title.named_places))
        && local(&placeless.lead.places).is_subset(&placed.title.places)
}

pub fn placeless_conflict(a: &Facts, b: &Facts) -> Option<String> {
    let (placeless, placed) = placeless_and_placed(a, b)?;
    let placed = local(&placed.title.places);
    let lead = local(&placeless.lead.places);
    (!lead.is_empty() && lead.is_disjoint(&placed)).then(|| {
        format!(
            "one headline names no place, its lead {}; the other {}",
            join(&placeless.lead.named_places),
            join(&placed)
        )
    })
}

/// What kind of figure a number is: two figures are compared only within one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Year,
    /// A span of months: `1—6月` is 106.
    Months,
    /// A day of a month: `8月26日` is 826.
    Day,
    Percent,
    /// A sum of money, in units of its currency.
    Money(&'static str),
    /// A count of things: 32个, 5家.
    Count(&'static str),
    /// An ordinal: 第三批, 第5届.
    Ordinal(&'static str),
    Version,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub kind: Kind,
    pub value: f64,
    /// As written, for reasons.
    text_start: u32,
    text_len: u32,
}

/// The facts of one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactSet {
    /// Places with the provinces of the cities named added.
    pub places: Set<&'static str>,
    /// The places as named (no implied provinces).
    pub named_places: Set<&'static str>,
    /// 《》 document names, letters and digits only.
    pub doc_titles: Set<String>,
    pub figures: Vec<(Kind, f64, String)>,
    /// Latin names, product names and versions (`nimbus`, `db50`), lowercased.
    pub names: Set<String>,
}

/// The facts of a report: its headline's, which decide whether two reports may be one
/// story; its headline's and lead's, which show that they are (a news lead says who
/// did what where; later sentences name things in passing); and those of the start of
/// its text, whose figures must not contradict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub title: FactSet,
    pub lead: FactSet,
    pub text: FactSet,
}

/// How much of the text is the lead.
const LEAD_CHARS: usize = 160;
/// How much of the text is read for contradicting figures.
const TEXT_CHARS: usize = 400;

impl Facts {
    /// The first fact on which two headlines disagree (`FactSet::conflict`). When one
    /// headline's first name is named by the other (Foxconn …, Foxconn …; Ubuntu 26.10 …,
    /// Canonical releases Ubuntu 26.10), a further name that the other
    /// report's text gives is a detail told otherwise, not another story; a text that
    /// names another company in passing does not make two companies' launches one.
    pub fn headline_conflict(&self, other: &Facts, my_title: &str, their_title: &str) -> Option<Conflict> {
        let subject = |title: &str, facts: &FactSet| {
            LATIN_WORD
                .find_iter(title)
                .map(|m| m.as_str().to_lowercase())
                .find(|w| is_distinctive_name(w) && facts.names.contains(w))
        };
        let (mine, theirs) = (subject(my_title, &self.title), subject(their_title, &other.title));
        let one_subject = mine.is_some_and(|s| other.title.names.contains(&s))
            || theirs.is_some_and(|s| self.title.names.contains(&s));
        if one_subject {
            self.title.conflict_told(&other.title, &self.text, &other.text)
        } else {
            self.title.conflict(&other.title)
        }
    }

    pub fn of(title: &str, text: &str) -> Facts {
        let mut t = FactSet::of(title);
        let start: String = text.chars().take(TEXT_CHARS).collect();
        let (mut lead, mut whole) = FactSet::of_with_lead(&start, LEAD_CHARS);
        lead.merge(&t);
        whole.merge(&t);
        for set in [&mut t, &mut lead, &mut whole] {
            set.shrink_to_fit();
        }
        Facts {
            title: t,
            lead,
            text: whole,
        }
    }
}

fn chinese_number(s: &str) -> Option<f64> {
    if let Ok(v) = s.parse::<f64>() {
        return Some(v);
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|d| d as f64);
    let (mut total, mut current) = (0f64, 0f64);
    for c in s.chars() {
        match c {
            '〇' => current = 0.0,
            '两' => current = 2.0,
            '十' => {
                total += if current == 0.0 { 10.0 } else { current * 10.0 };
                current = 0.0;
            }
            '百' => {
                total += current.max(1.0) * 100.0;
                current = 0.0;
            }
            _ => current = digit(c)?,
        }
    }
    Some(total + current)
}

/// Full-width digits, letters and signs to ASCII, so that `２０２６` reads as 2026.
fn half_width(text: &str) -> String {
    text.chars().map(crate::normalize::half_width).collect()
}

fn comparable(text: &str) -> String {
    super::comparable(text).into_iter().collect()
}

/// What follows a number, lowercased, as far as a unit reaches ("billion", "亿元"): a
/// few characters, not the rest of the text, which is read for every number.
fn unit_after(rest: &str) -> String {
    rest.trim_start()
        .chars()
        .take(12)
        .flat_map(char::to_lowercase)
        .collect()
}

fn unit_of(u: &str) -> &'static str {
    const UNITS: &[&str] = &[
        "元",
        "美元",
        "人民币",
        "欧元",
        "港元",
        "个",
        "家",
        "项",
        "台",
        "户",
        "款",
        "条",
        "名",
        "人",
        "座",
        "所",
        "场",
        "件",
        "部",
        "套",
        "吨",
        "兆瓦",
        "千瓦",
        "gw",
        "mw",
        "倍",
        "gb",
        "tb",
        "pb",
        "eb",
        "pflops",
        "eflops",
        "p",
        "批",
        "届",
        "期",
        "次",
        "轮",
        "季",
        "版",
        "代",
        "号",
        "阶段",
    ];
    let u = u.to_lowercase();
    UNITS.iter().find(|x| **x == u).copied().unwrap_or("")
}

/// The kinds of document a text abbreviates its own to ("以下简称《规划》"): such a name
/// is held in every plan's, so it tells no document.
const SHORT_NAMES: &[&str] = &[
    "规划",
    "计划",
    "行动计划",
    "方案",
    "实施方案",
    "工作方案",
    "行动方案",
    "意见",
    "实施意见",
    "指导意见",
    "措施",
    "若干措施",
    "政策",
    "若干政策",
    "政策措施",
    "若干政策措施",
    "办法",
    "管理办法",
    "实施细则",
    "细则",
    "通知",
    "决定",
    "规定",
    "条例",
    "纲要",
    "指南",
    "指引",
    "报告",
    "白皮书",
    "清单",
    "名单",
    "目录",
    "公告",
    "标准",
    "规范",
    "倡议",
    "意见稿",
    "征求意见稿",
];

fn is_short_name(t: &str) -> bool {
    SHORT_NAMES.contains(&t)
}

/// Where one reading of a text puts its facts: every fact in `all`, and those that end
/// within the first `cut` bytes in `lead` too (`FactSet::of_with_lead`).
struct Sink<'a> {
    all: &'a mut FactSet,
    lead: Option<(&'a mut FactSet, usize)>,
}

impl Sink<'_> {
    /// Put a fact that ends at byte `end` into each set it belongs to.
    fn each(&mut self, end: usize, mut put: impl FnMut(&mut FactSet)) {
        put(self.all);
        if let Some((lead, cut)) = self.lead.as_mut()
            && end <= *cut
        {
            put(lead);
        }
    }

    fn push(&mut self, end: usize, kind: Kind, value: f64, text: &str) {
        self.each(end, |f| f.push(kind, value, text));
    }
}

impl FactSet {
    pub fn of(text: &str) -> FactSet {
        let mut f = FactSet::default();
        Self::read(
            &half_width(text),
            &mut Sink {
                all: &mut f,
                lead: None,
            },
        );
        f
    }

    /// The facts of the first `lead_chars` characters of `text`, and of all of it, read
    /// in one pass. A fact of the lead is one whose words end within it: what follows
    /// them is read as in the whole text (2026 before 亿元 is no year, even where the
    /// lead stops between them).
    pub fn of_with_lead(text: &str, lead_chars: usize) -> (FactSet, FactSet) {
        let text = half_width(text);
        let cut = crate::normalize::head(&text, lead_chars).len();
        let (mut lead, mut all) = (FactSet::default(), FactSet::default());
        Self::read(
            &text,
            &mut Sink {
                all: &mut all,
                lead: Some((&mut lead, cut)),
            },
        );
        (lead, all)
    }

    fn read(text: &str, out: &mut Sink<'_>) {
        for (end, p) in places_at(text) {
            out.each(end, |f| {
                f.named_places.insert(p.name);
                f.places.extend(p.with_parents());
            });
        }
        for c in DOC_TITLE.captures_iter(text) {
            let t = comparable(&c[1]);
            if t.chars().count() >= 2 && !is_short_name(&t) {
                let end = c.get(0).map_or(0, |m| m.end());
                out.each(end, |f| {
                    f.doc_titles.insert(t.clone());
                });
            }
        }
        Self::read_figures(text, out);
        Self::read_names(text, out);
    }

    fn push(&mut self, kind: Kind, value: f64, text: &str) {
        if !self
            .figures
            .iter()
            .any(|(k, v, t)| *k == kind && same(kind, (*v, t), (value, text)))
        {
            self.figures.push((kind, value, text.trim().to_string()));
        }
    }

    /// Drop spare capacity: a story's facts are kept in the index (100k of them).
    fn shrink_to_fit(&mut self) {
        self.places.shrink_to_fit();
        self.named_places.shrink_to_fit();
        self.doc_titles.shrink_to_fit();
        self.names.shrink_to_fit();
        self.figures.shrink_to_fit();
    }

    fn read_figures(text: &str, out: &mut Sink<'_>) {
        // Spans already read as a figure of a more specific kind are not read again.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let free = |taken: &[(usize, usize)], s: usize, e: usize| taken.iter().all(|(a, b)| e <= *a || s >= *b);
        for c in DAY.captures_iter(text) {
            let (Some(m), Some(d)) = (c[1].parse::<f64>().ok(), c[2].parse::<f64>().ok()) else {
                continue;
            };
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            out.push(all.1, Kind::Day, m * 100.0 + d, &c[0]);
            taken.push(all);
        }
        for c in MONTH_RANGE.captures_iter(text) {
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            if !free(&taken, all.0, all.1) {
                continue;
            }
            let (Some(a), Some(b)) = (c[1].parse::<f64>().ok(), c[2].parse::<f64>().ok()) else {
                continue;
            };
            if (1.0..=12.0).contains(&a) && (1.0..=12.0).contains(&b) && a < b {
                out.push(all.1, Kind::Months, a * 100.0 + b, &c[0]);
                taken.push(all);
            }
        }
        for c in FIRST_MONTHS.captures_iter(text) {
            if let Some(n) = chinese_number(&c[1]) {
                let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
                out.push(all.1, Kind::Months, 100.0 + n, &c[0]);
                taken.push(all);
            }
        }
        for c in QUARTER.captures_iter(text) {
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            let months = if let Some(h) = c.get(4) {
                if h.as_str() == "上" { 106.0 } else { 712.0 }
            } else {
                let q = c
                    .get(2)
                    .or(c.get(3))
                    .and_then(|q| chinese_number(q.as_str()))
                    .unwrap_or(0.0);
                let cumulative = c.get(1).is_some_and(|p| p.as_str() == "前");
                if cumulative {
                    100.0 + q * 3.0
                } else {
                    (q * 3.0 - 2.0) * 100.0 + q * 3.0
                }
            };
            out.push(all.1, Kind::Months, months, &c[0]);
            taken.push(all);
        }
        for c in MONTH.captures_iter(text) {
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            if !free(&taken, all.0, all.1) {
                continue;
            }
            if let Ok(m) = c[1].parse::<f64>()
                && (1.0..=12.0).contains(&m)
            {
                out.push(all.1, Kind::Months, m * 100.0 + m, &c[0]);
                taken.push(all);
            }
        }
        for c in ORDINAL.captures_iter(text) {
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            let n = match (c.get(1), c.get(2)) {
                (Some(n), _) => chinese_number(n.as_str()),
                (None, Some(_)) => Some(1.0),
                _ => None,
            };
            if let Some(n) = n {
                out.push(all.1, Kind::Ordinal(unit_of(&c[3])), n, &c[0]);
                taken.push(all);
            }
        }
        for c in PHASE.captures_iter(text) {
            let Some(m) = c.get(1) else { continue };
            if taken.iter().any(|(s, e)| m.start() >= *s && m.start() < *e) {
                continue;
            }
            if let Some(n) = chinese_number(m.as_str()) {
                let end = c.get(0).map_or(m.end(), |g| g.end());
                out.push(end, Kind::Ordinal("期"), n, &format!("{}期", m.as_str()));
            }
        }
        for c in YEAR_RANGE.captures_iter(text) {
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            if let (Ok(a), Ok(b)) = (c[1].parse::<f64>(), c[2].parse::<f64>())
                && a < b
                && free(&taken, all.0, all.1)
            {
                out.push(all.1, Kind::Year, a * YEAR_SPAN + b, &c[0]);
                taken.push(all);
            }
        }
        for g in YEAR.find_iter(text) {
            if !free(&taken, g.start(), g.end()) {
                continue;
            }
            let mut rest = text[g.end()..].chars();
            let next = rest.next();
            let prev = text[..g.start()].chars().next_back();
            let part_of_number = prev.is_some_and(|p| p.is_ascii_digit() || p == '.')
                || next.is_some_and(|n| n.is_ascii_digit() || n == '%')
                || next == Some('.') && rest.next().is_some_and(|n| n.is_ascii_digit());
            if part_of_number {
                continue;
            }
            // 2026亿元 and $1905 billion are amounts, not years.
            let after = unit_after(&text[g.end()..]);
            let before = text[..g.start()].trim_end();
            if after.starts_with(['亿', '万', '元', '%', '个', '家', '项', '台', '.'])
                || ["billion", "million", "bn", "m ", "k "]
                    .iter()
                    .any(|w| after.starts_with(w))
                || before.ends_with(['$', '￥', '¥'])
            {
                continue;
            }
            if let Ok(y) = g.as_str().parse::<f64>() {
                out.push(g.end(), Kind::Year, y, g.as_str());
                taken.push((g.start(), g.end()));
            }
        }
        for c in VERSION.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            if !free(&taken, g.start(), g.end()) {
                continue;
            }
            let after = text[g.end()..].trim_start();
            // 3.5亿 and 13.5% are amounts.
            let after_lower = unit_after(after);
            if after.starts_with(['亿', '万', '元', '%', '倍', '个', '家', '千'])
                || ["billion", "bn", "million", "trillion"]
                    .iter()
                    .any(|w| after_lower.starts_with(w))
            {
                continue;
            }
            let v = g.as_str();
            let value = stable_version(v);
            out.push(c.get(0).map_or(g.end(), |a| a.end()), Kind::Version, value, v);
            taken.push((g.start(), g.end()));
        }
        for c in amounts(text) {
            let Some(n) = c.get(2) else { continue };
            let all = c.get(0).map(|g| (g.start(), g.end())).unwrap_or_default();
            if !free(&taken, n.start(), n.end()) {
                continue;
            }
            let Ok(mut v) = n.as_str().replace(',', "").parse::<f64>() else {
                continue;
            };
            let scale = c.get(3).map(|m| m.as_str().to_lowercase()).unwrap_or_default();
            // An ASCII unit must end its word: `$42 per month` is not 42 P.
            let unit = c
                .get(4)
                .filter(|u| !u.as_str().is_ascii() || !text[u.end()..].starts_with(|ch: char| ch.is_ascii_alphabetic()))
                .map(|m| m.as_str())
                .unwrap_or("");
            // The currency, by its sign or its word: €5.4 billion and 5.4 billion euros
            // are one sum.
            let currency = match c.get(1).map(|m| m.as_str().to_lowercase()).as_deref().unwrap_or(unit) {
                "$" | "us$" | "美元" | "dollar" | "dollars" => Some("美元"),
                "€" | "欧元" | "euro" | "euros" => Some("欧元"),
                "£" | "英镑" | "pound" | "pounds" => Some("英镑"),
                "￥" | "¥" | "元" | "人民币" | "yuan" => Some("元"),
                "港元" | "hk$" => Some("港元"),
                "a$" => Some("澳元"),
                "c$" => Some("加元"),
                "s$" => Some("新元"),
                "nt$" => Some("新台币"),
                "日元" => Some("日元"),
                _ => None,
            };
            let kind = match scale.as_str() {
                "%" => Kind::Percent,
                "个百分点" => Kind::Count("百分点"),
                s => {
                    v *= match s {
                        "万亿" | "trillion" => 1e12,
                        "亿" => 1e8,
                        "万" => 1e4,
                        "千" | "k" => 1e3,
                        "billion" | "bn" | "b" => 1e9,
                        "million" | "m" => 1e6,
                        _ => 1.0,
                    };
                    if let Some(currency) = currency {
                        Kind::Money(currency)
                    } else if unit.is_empty() && matches!(s, "万亿" | "亿" | "万") {
                        Kind::Money("元")
                    } else if !unit.is_empty() {
                        Kind::Count(unit_of(unit))
                    } else if s.is_empty() && v < 10.0 {
                        // A lone small digit (5G, 3D) names a thing, not a figure.
                        continue;
                    } else {
                        Kind::Plain
                    }
                }
            };
            // A figure said to be round keeps the word that says so (超6100亿元): its zeros
            // are then no digits it states (`written_unit`).
            let before = text[..all.0].trim_end();
            match ROUND_WORDS.iter().find(|w| before.ends_with(*w)) {
                Some(w) => out.push(all.1, kind, v, &format!("{w}{}", &text[all.0..all.1])),
                None => out.push(all.1, kind, v, &text[all.0..all.1]),
            }
            taken.push(all);
        }
        for c in ROUND_SUM.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            if free(&taken, g.start(), g.end()) {
                let v = if g.as_str() == "万亿" { 1e12 } else { 1e11 };
                out.push(c.get(0).map_or(g.end(), |a| a.end()), Kind::Money("元"), v, g.as_str());
            }
        }
    }

    fn read_names(text: &str, out: &mut Sink<'_>) {
        // A currency's letters (A$7.6bn, HK$, US$) are no word.
        let words: Vec<(usize, &str)> = LATIN_WORD
            .find_iter(text)
            .filter(|m| !text[m.end()..].starts_with('$'))
            .map(|m| (m.end(), m.as_str()))
            .collect();
        // In Title Case Headlines every word is capitalised, With Its Little Words Too;
        // then only ALL-CAPS words and words with digits are names.
        const LITTLE: &[&str] = &[
            "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by", "from", "as", "its",
            "is", "are",
        ];
        let title_case = |words: &[(usize, &str)]| {
            let capitalised = words
                .iter()
                .filter(|(_, w)| w.starts_with(|c: char| c.is_ascii_uppercase()))
                .count();
            let little_word_capitalised = words.iter().skip(1).any(|(_, w)| {
                w.starts_with(|c: char| c.is_ascii_uppercase()) && LITTLE.contains(&w.to_lowercase().as_str())
            });
            little_word_capitalised || words.len() >= 4 && capitalised == words.len()
        };
        // The lead's words are read as a text of their own would be.
        let in_lead = out
            .lead
            .as_ref()
            .map_or(0, |(_, cut)| words.iter().take_while(|(end, _)| end <= cut).count());
        let (all_title_case, lead_title_case) = (title_case(&words), title_case(&words[..in_lead]));
        for (k, (_, w)) in words.iter().enumerate() {
            let lower = w.to_lowercase();
            let lower = lower.strip_suffix("'s").map(str::to_string).unwrap_or(lower);
            // "Indian plant" and "plant in India" name one country.
            let lower = DEMONYMS
                .iter()
                .find(|(adjective, _)| *adjective == lower)
                .map_or(lower, |(_, country)| (*country).to_string());
            if ENGLISH_COMMON.contains(&lower.as_str()) {
                continue;
            }
            let caps = w.len() >= 2 && w.chars().all(|c| !c.is_ascii_lowercase());
            let digits = w.chars().any(|c| c.is_ascii_digit());
            let capital = w.starts_with(|c: char| c.is_ascii_uppercase());
            let name = |title_case: bool| caps || digits || (capital && !title_case);
            if k < in_lead
                && name(lead_title_case)
                && let Some((lead, _)) = out.lead.as_mut()
            {
                lead.names.insert(lower.clone());
            }
            if name(all_title_case) {
                out.all.names.insert(lower);
            }
        }
    }

    fn merge(&mut self, other: &FactSet) {
        self.places.extend(other.places.iter().copied());
        self.named_places.extend(other.named_places.iter().copied());
        self.doc_titles.extend(other.doc_titles.iter().cloned());
        for (k, v, t) in &other.figures {
            self.push(*k, *v, t);
        }
        self.names.extend(other.names.iter().cloned());
    }

    /// The parties of an agreement in a headline ("X与Y签署…", "X and Y team up"), as
    /// a sorted pair; after a lead's opening clause too (9月1日,X与Y签署…), which a page
    /// without a headline gives as its title.
    pub fn parties(title: &str) -> Option<(String, String)> {
        static PARTIES: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^(?:.{0,6}[：:]|.{0,24}[,，])?\s*(.{2,16}?)\s*(?:与|和|携手|联手|\band\b)\s*(.{2,16}?)\s*(?:签署|签订|签约|达成|共建|联合|合作|战略合作|\bteam up\b|\bpartner)")
                .expect("static regex")
        });
        let c = PARTIES.captures(title)?;
        let (a, b) = (comparable(&c[1]), comparable(&c[2]));
        Some(if a <= b { (a, b) } else { (b, a) })
    }

    /// The body that issues what a headline announces ("工业和信息化部印发《…》"): the words
    /// before the first 印发/发布/出台/…, when they end in an organ (部, 厅, 局, 政府 …).
    pub fn issuer(title: &str) -> Option<String> {
        const ACTS: [&str; 6] = ["印发", "发布", "出台", "公布", "下发", "下达"];
        const ORGANS: [&str; 13] = [
            "部",
            "厅",
            "局",
            "委",
            "院",
            "办",
            "会",
            "政府",
            "办公室",
            "中心",
            "协会",
            "委员会",
            "署",
        ];
        let at = ACTS.iter().filter_map(|a| title.find(a)).min()?;
        let head = title[..at].trim();
        let head = head.strip_suffix("关于").unwrap_or(head).trim_end();
        let head = head
            .rsplit(['】', ']', '：', ':', '！', '!', '，', ',', ' '])
            .next()
            .unwrap_or(head)
            .trim();
        let n = head.chars().count();
        ((2..=16).contains(&n) && ORGANS.iter().any(|o| head.ends_with(o))).then(|| comparable(head))
    }

    /// The places a headline of the form "X：…" names before its colon, when X is short
    /// and names a place (浙江：…, 杭州：…): the story's place, as the speaker is for a
    /// headline that names none.
    pub fn colon_place(title: &str) -> Option<Set<&'static str>> {
        let head = colon_head(title, 8)?;
        // Only the places: the rest of a head's facts is no part of this comparison.
        let places: Set<&'static str> = places_in(&half_width(head)).flat_map(Place::with_parents).collect();
        (!places.is_empty()).then_some(places)
    }

    /// Who speaks in a headline of the form "X：…" (工信部：…, Canalys：…), when X is short
    /// and names no place (a place before a colon is the story's place: 上海：…).
    pub fn speaker(title: &str) -> Option<String> {
        colon_head(title, 12).filter(|head| !names_place(head)).map(comparable)
    }

    /// The first fact on which two headlines disagree, if any: both name something of
    /// one kind and no value of it is shared (for places and document names: neither
    /// names a subset of the other's).
    pub fn conflict(&self, other: &FactSet) -> Option<Conflict> {
        self.conflict_told(other, &FactSet::default(), &FactSet::default())
    }

    /// As `conflict`, but a name one headline gives that the other report's text names
    /// too is no conflict: "…factory in Tamil Nadu" and "…Indian AI server plant" over
    /// a lead that says Tamil Nadu.
    fn conflict_told(&self, other: &FactSet, my_text: &FactSet, their_text: &FactSet) -> Option<Conflict> {
        let a = &self.places;
        let b = &other.places;
        if !a.is_empty() && !b.is_empty() && !a.is_subset(b) && !b.is_subset(a) {
            return Some(Conflict::new(
                "place",
                join(&self.named_places),
                join(&other.named_places),
            ));
        }
        if !self.doc_titles.is_empty()
            && !other.doc_titles.is_empty()
            && !self.doc_titles.iter().any(|x| other.names_document(x))
        {
            return Some(Conflict::new(
                "document",
                self.doc_titles
                    .iter()
                    .map(|t| format!("《{t}》"))
                    .collect::<Vec<_>>()
                    .join("、"),
                other
                    .doc_titles
                    .iter()
                    .map(|t| format!("《{t}》"))
                    .collect::<Vec<_>>()
                    .join("、"),
            ));
        }
        if let Some(c) = self.figure_conflict(other, |_, _| true) {
            return Some(c);
        }
        let (mut mine, mut theirs) = (self.distinctive_names(), other.distinctive_names());
        mine.retain(|n| theirs.contains(n) || !their_text.names.contains(n));
        theirs.retain(|n| mine.contains(n) || !my_text.names.contains(n));
        // Each names someone the other does not: Northwind's Quasar 2.1 is not Wayne's.
        if !mine.is_empty() && !theirs.is_empty() && !mine.is_subset(&theirs) && !theirs.is_subset(&mine) {
            return Some(Conflict::new("name", join_strings(&mine), join_strings(&theirs)));
        }
        None
    }

    /// The first kind of figure both name without a value in common, among the figures
    /// `keep` keeps.
    pub fn figure_conflict(&self, other: &FactSet, keep: impl Fn(Kind, f64) -> bool) -> Option<Conflict> {
        let kept = |f: &FactSet| -> Vec<(Kind, f64, String)> {
            f.figures.iter().filter(|(k, v, _)| keep(*k, *v)).cloned().collect()
        };
        let (mine, theirs) = (kept(self), kept(other));
        let present: Set<Kind> = mine.iter().map(|f| f.0).collect();
        for kind in present {
            let a: Vec<&(Kind, f64, String)> = mine.iter().filter(|f| f.0 == kind).collect();
            let b: Vec<&(Kind, f64, String)> = theirs.iter().filter(|f| f.0 == kind).collect();
            if b.is_empty() {
                continue;
            }
            if !a.iter().any(|x| b.iter().any(|y| same(kind, (x.1, &x.2), (y.1, &y.2)))) {
                let show = |v: &[&(Kind, f64, String)]| v.iter().map(|f| f.2.clone()).collect::<Vec<_>>().join("、");
                return Some(Conflict::new(kind.label(), show(&a), show(&b)));
            }
        }
        None
    }

    /// Whether two leads tell of different figures: both give a sum, a share, a large
    /// count or a version and share none of that kind. Dates and periods are left out (a
    /// lead names the day of the event or of the report, and plans name target years),
    /// and so are small counts, which every story has.
    pub fn lead_conflict(&self, other: &FactSet) -> Option<Conflict> {
        self.figure_conflict(other, |k, v| match k {
            Kind::Money(_) | Kind::Percent | Kind::Version => true,
            Kind::Count(_) | Kind::Plain => v >= 100.0,
            _ => false,
        })
    }

    /// What two texts have in common that names a story: places (not provinces a city
    /// implies), document names, figures other than dates, names.
    pub fn shared(&self, other: &FactSet) -> Shared {
        let mut s = Shared::default();
        for p in self.named_places.intersection(&other.named_places) {
            if !COUNTRIES.contains(p) && *p != "全国" {
                s.places.push((*p).to_string());
            }
        }
        for t in &self.doc_titles {
            if other.names_document(t) {
                s.strong += 1;
                s.specific.push(format!("《{t}》"));
            }
        }
        for (k, v, t) in &self.figures {
            if matches!(
                k,
                Kind::Year | Kind::Months | Kind::Day | Kind::Plain | Kind::Ordinal("季")
            ) {
                continue;
            }
            // 首批, 首届, 首次: every first of something.
            if matches!(k, Kind::Ordinal(_)) && t.starts_with('首') {
                continue;
            }
            if other
                .figures
                .iter()
                .any(|(k2, v2, t2)| k2 == k && same(*k, (*v, t), (*v2, t2)))
            {
                let telling = match k {
                    Kind::Count(_) | Kind::Plain => *v >= 100.0 || v.fract() != 0.0,
                    _ => true,
                };
                if telling {
                    s.strong += 1;
                }
                s.specific.push(t.clone());
            }
        }
        // A shared company or place name says little (many stories name 华为 or Acme in
        // one week); a shared model name with digits (R6900, QAX-GPT 3) says more.
        // Whether a name is distinctive is the name's own property: the names both
        // share, then filtered, without building either side's set (this runs four times
        // for every pair of reports compared).
        for n in self.names.intersection(&other.names).filter(|n| is_distinctive_name(n)) {
            if n.chars().any(|c| c.is_ascii_digit()) {
                s.strong += 1;
                s.specific.push(n.clone());
            } else {
                s.names.push(n.clone());
            }
        }
        s
    }

    /// Whether these facts name the document `title`, or one whose name holds it or is
    /// held in it (《行动计划》 in 《软件产业行动计划》).
    fn names_document(&self, title: &str) -> bool {
        self.doc_titles
            .iter()
            .any(|o| o.contains(title) || title.contains(o.as_str()))
    }

    /// Whether another report (its facts, `other`, and its headline and opening as
    /// comparable words, `other_words`) tells what this headline names: each of its
    /// 《documents》, in 《》 or, where it names none in 《》, in its words without the span
    /// of years, and places. A
    /// report that leaves out the document or the place of a headline may be about its
    /// template twin.
    pub fn told_by(&self, other: &FactSet, other_words: &str) -> bool {
        // Only a report that names no document in 《》: one that names others in 《》 and
        // this one in passing is not telling it.
        let in_words = |t: &str| {
            let core = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == '年');
            other.doc_titles.is_empty() && core.chars().count() >= 6 && other_words.contains(core)
        };
        self.doc_titles.iter().all(|t| other.names_document(t) || in_words(t))
            && self
                .named_places
                .iter()
                .all(|p| other.named_places.contains(p) || other.places.contains(p))
    }

    /// Names that tell one story from another: not single letters (Series B) nor the
    /// industry's everyday acronyms.
    fn distinctive_names(&self) -> Set<String> {
        self.names.iter().filter(|n| is_distinctive_name(n)).cloned().collect()
    }
}

/// A name that tells a story's subject: not a short or generic one.
fn is_distinctive_name(n: &str) -> bool {
    n.chars().count() >= 3 && !GENERIC_NAMES.contains(&n)
}

/// What two reports share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shared {
    pub places: Vec<String>,
    /// Document names, figures, model names.
    pub specific: Vec<String>,
    /// Other names (companies, products): weak alone.
    pub names: Vec<String>,
    /// How many of `specific` chance seldom repeats: document names, model names, and
    /// figures other than small counts (sums, shares, versions, counts of a hundred or
    /// more).
    pub strong: usize,
}

impl Shared {
    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.specific.is_empty() && self.names.is_empty()
    }
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<&str> = self
            .places
            .iter()
            .chain(&self.specific)
            .chain(&self.names)
            .map(String::as_str)
            .collect();
        f.write_str(&all.join(" · "))
    }
}

/// Two headlines that disagree on a fact, and what each says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub what: &'static str,
    pub ours: String,
    pub theirs: String,
}

impl Conflict {
    pub fn new(what: &'static str, ours: String, theirs: String) -> Conflict {
        Conflict { what, ours, theirs }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} differs: {} ≠ {}", self.what, self.ours, self.theirs)
    }
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Year => "year",
            Kind::Months | Kind::Day => "period",
            Kind::Percent | Kind::Money(_) | Kind::Count(_) | Kind::Plain => "figure",
            Kind::Ordinal(_) => "batch or edition",
            Kind::Version => "version",
        }
    }
}

fn join(s: &Set<&'static str>) -> String {
    s.iter().copied().collect::<Vec<_>>().join("、")
}

fn join_strings(s: &Set<String>) -> String {
    s.iter().map(String::as_str).collect::<Vec<_>>().join("、")
}

/// A span of years is stored as first × `YEAR_SPAN` + last.
const YEAR_SPAN: f64 = 10_000.0;

/// Equal figures (values as written, `(value, text)`), allowing sums of money for
/// rounding (35656亿元 and 3.57万亿元); every other kind exactly, but a year inside a
/// span of years counts as that span.
fn same(kind: Kind, (a, a_text): (f64, &str), (b, b_text): (f64, &str)) -> bool {
    if kind == Kind::Year && (a >= YEAR_SPAN) != (b >= YEAR_SPAN) {
        // A year within a span is the span's: 到2028年 and （2026—2028年）.
        let (span, year) = if a >= YEAR_SPAN { (a, b) } else { (b, a) };
        let (first, last) = ((span / YEAR_SPAN).floor(), span % YEAR_SPAN);
        return (first..=last).contains(&year);
    }
    let tolerance = match kind {
        Kind::Money(_) => 0.005,
        _ => 0.0,
    };
    let diff = (a - b).abs();
    // A sum rounded by one report (4.6万亿元, $8 billion) is the other's exact one; two
    // exact sums (77567亿元, 77878亿元, 93900亿元 and 93915亿元) are two sums however near.
    diff <= a.abs().max(b.abs()) * tolerance + 1e-9
        && (tolerance == 0.0 || diff <= written_unit(a, a_text).max(written_unit(b, b_text)) / 2.0)
}

/// Words that say a figure after them is a round one (达, reached, does not: 收入达93915亿元).
const ROUND_WORDS: &[&str] = &[
    "超过",
    "超",
    "突破",
    "逾",
    "约",
    "近",
    "over",
    "about",
    "nearly",
    "more than",
    "around",
    "almost",
];

/// The unit of a figure's last written digit: 1e10 for 4.63万亿 (4.63e12), 1e8 for 93900亿
/// (its zeros are digits it states), 1e9 for $8 billion. Where the text gives no number,
/// or says the figure is a round one (超6100亿元, 突破3000亿元, about $8 billion), the unit
/// of the value's last digit that is not a zero.
fn written_unit(value: f64, text: &str) -> f64 {
    let before = &text[..text.find(|c: char| c.is_ascii_digit()).unwrap_or(text.len())];
    if ROUND_WORDS.iter().any(|w| before.contains(w)) {
        return stated_unit(value);
    }
    let number: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    match number.parse::<f64>() {
        Ok(m) if m > 0.0 && value != 0.0 => (value / m).abs() / 10f64.powi(decimals as i32),
        _ => stated_unit(value),
    }
}

/// The unit of a figure's last stated digit: 1e11 for 4.6万亿 (4.6e12), 1 for 77567.
fn stated_unit(v: f64) -> f64 {
    let v = v.abs();
    let mut unit = 1.0;
    while unit < 1e15 {
        let next = unit * 10.0;
        if ((v / next).round() * next - v).abs() > v * 1e-9 {
            break;
        }
        unit = next;
    }
    unit
}

/// A version as a number that keeps 3.10 and 3.1 apart.
fn stable_version(v: &str) -> f64 {
    v.split('.')
        .take(4)
        .enumerate()
        .map(|(i, p)| p.parse::<f64>().unwrap_or(0.0) * 1000f64.powi(3 - i as i32))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_read_with_its_text_has_the_facts_it_has_alone() {
        // Sentences of pieces that carry facts of every kind; the lead is cut after a
        // sentence, so nothing of it reads on past the cut.
        #[rustfmt::skip]
        const PIECES: &[&str] = &[
            "2026年", "1—6月", "前三季度", "增长15%", "35656亿元", "《工业软件产业发展行动计划》", "无锡", "江苏省",
            "Huawei", "releases Beacon 5.8", "第21届", "二期", "3.2万台", "v2.1", "The New Model Is Here",
            "$8 billion", "超2万亿元", "9月15日", "2025—2027年", "上半年", "第三季度", "提高2个百分点", "杭州",
            "Intel to Cut 15% of Jobs", "OpenAI", "发布", "签约", "ＧＰＵ", "２０２６年", "，",
        ];
        let alphabet: String = (0..PIECES.len() + 1)
            .filter_map(|i| char::from_u32(0x4e00 + i as u32))
            .collect();
        for t in crate::testing::random_texts(&alphabet, 0x5851_f42d_4c95_7f2d, 1500, 30) {
            // The last letter of the alphabet ends a sentence.
            let text: String = t
                .chars()
                .map(|c| PIECES.get(c as usize - 0x4e00).copied().unwrap_or("。"))
                .collect();
            let ends = text.match_indices('。').map(|(at, _)| at + '。'.len_utf8());
            for cut in ends.chain([0, text.len()]) {
                let lead = &text[..cut];
                let (read_lead, read_all) = FactSet::of_with_lead(&text, lead.chars().count());
                assert_eq!(read_lead, FactSet::of(lead), "{lead:?} of {text:?}");
                assert_eq!(read_all, FactSet::of(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn amounts_read_as_the_pattern_with_a_word_boundary_would() {
        // The pattern as it was written, with its Unicode word boundary.
        let reference = Regex::new(&AMOUNT.as_str().replace("|[mkb])", "|[mkb](?:\\b|$))")).expect("pattern");
        assert!(reference.as_str().contains(r"[mkb](?:\b|$)"));
        let spans = |c: &regex::Captures| (0..c.len()).map(|i| c.get(i).map(|m| m.range())).collect::<Vec<_>>();
        let read = |t: &str| amounts(t).map(|c| spans(&c)).collect::<Vec<_>>();
        let expected = |t: &str| reference.captures_iter(t).map(|c| spans(&c)).collect::<Vec<_>>();
        let mut texts: Vec<String> = [
            "10m高的塔",
            "5mw机组",
            "5 MW的",
            "$3.5bn deal",
            "$5b美元",
            "raised $42m",
            "5m ",
            "3k元",
            "5kg",
            "增长 5%",
            "7b_x",
            "3M公司",
            "2K屏",
            "12b.",
            "9\u{212A}mg9元元8",
            "US$1,200 million",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Short strings of the characters where the two could part.
        let alphabet: Vec<char> = "09mkbMKBwW元高 $.,%亿_é\u{212A}gtP".chars().collect();
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mut t = String::new();
            for _ in 0..8 {
                t.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for t in &texts {
            assert_eq!(read(t), expected(t), "{t:?}");
        }
        assert_eq!(read("10m高 and $42m")[0][3], None);
        assert_eq!(read("10m高 and $42m")[1][3], Some(14..15));
    }

    #[test]
    fn a_headline_without_a_place_is_where_its_lead_says() {
        let fuzhou = Facts::of(
            "福州市鼓楼区数据标注基地揭牌",
            "10月12日，福州市鼓楼区数据标注基地揭牌，首批18家企业入驻。",
        );
        let nanjing = Facts::of(
            "鼓楼区数据标注基地揭牌 首批入驻企业32家",
            "13日，南京市鼓楼区数据标注基地揭牌运营，32家企业首批入驻。",
        );
        assert!(placeless_conflict(&fuzhou, &nanjing).is_some());
        assert!(placeless_conflict(&nanjing, &fuzhou).is_some());
        // The lead names the headline's city: one story.
        let same = Facts::of(
            "鼓楼区数据标注基地揭牌 首批入驻企业18家",
            "12日，福州市鼓楼区数据标注基地揭牌运营，18家企业首批入驻。",
        );
        assert_eq!(placeless_conflict(&fuzhou, &same), None);
        // A lead that names no place says nothing.
        let bare = Facts::of("鼓楼区数据标注基地揭牌", "基地首批入驻企业18家。");
        assert_eq!(placeless_conflict(&fuzhou, &bare), None);
        // A city whose short name is a word elsewhere, read before 城区 as before 市.
        let leshan = Facts::of(
            "市中区数据标注基地揭牌",
            "13日，位于乐山城区的市中区数据标注基地揭牌运营。",
        );
        assert!(
            leshan.lead.named_places.contains("乐山"),
            "{:?}",
            leshan.lead.named_places
        );
        let word = Facts::of("乐山乐水", "智者乐山，仁者乐水。");
        assert!(!word.lead.named_places.contains("乐山"), "{:?}", word.lead.named_places);
        // Agreement takes more than no conflict: the lead names the other's city, and
        // nothing beyond it.
        assert!(placeless_agreement(&fuzhou, &same) && placeless_agreement(&same, &fuzhou));
        assert!(!placeless_agreement(&fuzhou, &nanjing) && !placeless_agreement(&fuzhou, &bare));
        let two = Facts::of(
            "鼓楼区数据标注基地揭牌 首批入驻企业18家",
            "12日，福州市鼓楼区数据标注基地揭牌运营，厦门市18家企业首批入驻。",
        );
        assert!(!placeless_agreement(&fuzhou, &two));
        // Both headlines name places: for the headlines' own rules, not this one.
        assert!(!placeless_agreement(&fuzhou, &fuzhou));
    }

    fn conflict(a: &str, b: &str) -> Option<String> {
        FactSet::of(a).conflict(&FactSet::of(b)).map(|c| c.to_string())
    }

    #[test]
    fn template_facts_differ() {
        assert!(
            conflict(
                "无锡入选国家网络安全创新发展示范区",
                "福州入选国家网络安全创新发展示范区"
            )
            .is_some()
        );
        assert!(conflict("2026年1—6月软件业务收入35656亿元", "2025年1—6月软件业务收入35656亿元").is_some());
        assert!(conflict("1—6月软件业务收入35656亿元", "1—7月软件业务收入41034亿元").is_some());
        assert!(
            conflict(
                "工信部印发《嵌入式软件产业发展行动计划》",
                "工信部印发《工业软件产业发展行动计划》"
            )
            .is_some()
        );
        assert!(conflict("工信部公示第三批专精特新企业名单", "工信部公示第四批专精特新企业名单").is_some());
        assert!(conflict("Acme raises $20M Series B", "Acme raises $35M Series B").is_some());
        assert!(conflict("Tyrell Labs releases Nimbus 3.2", "Tyrell Labs releases Nimbus 4.0").is_some());
        assert!(conflict("前三季度软件收入增长12.6%", "上半年软件收入增长12.6%").is_some());
        // Spans of years are one fact each, though these share 2027.
        assert!(conflict("印发《行动计划（2026—2028年）》", "印发《行动计划（2025—2027年）》").is_some());
        assert!(
            conflict(
                "Report: AI spending to reach $16497 billion by 2027",
                "Report: AI spending to reach $1905 billion by 2027"
            )
            .is_some()
        );
    }

    #[test]
    fn a_year_within_a_span_agrees_and_round_sums_read() {
        assert_eq!(
            conflict(
                "《行动计划（2026—2028年）》的通知",
                "到2028年收入突破18万亿元！行动计划"
            ),
            None
        );
        assert!(conflict("《行动计划（2026—2028年）》", "到2029年收入突破18万亿元").is_some());
        let f = FactSet::of("浙江：2027年人工智能核心产业营收破万亿");
        assert!(
            f.figures.iter().any(|x| x.0 == Kind::Money("元") && x.1 == 1e12),
            "{f:?}"
        );
    }

    #[test]
    fn the_parties_of_an_agreement_after_a_leads_opening_clause() {
        for (title, parties) in [
            (
                "湖南省政府与华为技术有限公司在长沙签署深化战略合作框架协议。",
                "华为技术有限公司在长沙|湖南省政府",
            ),
            (
                "9月2日从工信部获悉,9月1日,湖南省政府与腾讯公司在长沙签署战略合作框架协议",
                "湖南省政府|腾讯公司在长沙",
            ),
            ("浙江：阿里云与杭州市签署合作协议", "杭州市|阿里云"),
        ] {
            let read = FactSet::parties(title).map(|(a, b)| format!("{a}|{b}"));
            assert_eq!(read.as_deref(), Some(parties), "{title}");
        }
    }

    #[test]
    fn a_rounded_sum_is_the_exact_one_and_two_exact_sums_are_two() {
        // Within half a percent, but each stated to the last 亿: two clusters' figures.
        assert!(
            conflict(
                "广州：鸿蒙生态产业集群规模突破77567亿元",
                "广州：鸿蒙生态产业集群规模突破77878亿元"
            )
            .is_some()
        );
        // Its zeros are digits one report states, not a rounding of the other's figure.
        assert!(
            conflict(
                "2025年1—11月软件业务收入93915亿元，同比增长9.1%",
                "2025年1—11月软件业务收入93900亿元，同比增长9.1%"
            )
            .is_some()
        );
        // A figure said to be round (超, 突破) is one.
        assert_eq!(
            conflict("前8月南京软件业收入超6100亿元", "南京软件业1—8月实现业务收入6125亿元"),
            None
        );
        assert_eq!(
            conflict("突破3000亿元！西安软件业营收增长", "西安软件业营业收入3012亿元"),
            None
        );
        // One report rounds the other's figure.
        assert_eq!(
            conflict("上半年软件业务收入4.63万亿元", "上半年软件业务收入46266亿元"),
            None
        );
        assert_eq!(
            conflict(
                "Salesforce to buy Informatica for $8 billion",
                "Salesforce buys Informatica for $7.98 billion"
            ),
            None
        );
        assert_eq!(stated_unit(4.6e12), 1e11);
        assert_eq!(stated_unit(77567.0), 1.0);
    }

    #[test]
    fn reworded_reports_agree() {
        assert_eq!(
            conflict(
                "江苏无锡入选国家网络安全示范区",
                "无锡获批建设国家网络安全创新发展示范区"
            ),
            None
        );
        assert_eq!(
            conflict(
                "前6月软件业务收入3.57万亿元",
                "1—6月软件业务收入35656亿元，同比增长12.6%"
            ),
            None
        );
        assert_eq!(
            conflict(
                "《工业软件产业发展行动计划（2026—2028年）》印发",
                "工信部印发《工业软件产业发展行动计划》"
            ),
            None
        );
        assert_eq!(
            conflict("Acme Cloud ships Nimbus 3.2", "Nimbus 3.2 arrives with vector search"),
            None
        );
        assert_eq!(
            conflict("南京软件名城大会举行 32个项目签约", "2026软件名城发展大会在南京举行"),
            None
        );
        assert_eq!(conflict("华为发布5G新品", "华为5G新品发布会举行"), None);
    }

    #[test]
    fn shared_facts_name_the_story() {
        let a = Facts::of(
            "南京软件名城大会举行",
            "8月26日，2026软件名城发展大会在南京举行，现场签约项目32个，总投资120亿元。",
        );
        let b = Facts::of(
            "32个重点项目落户南京软件谷",
            "南京市软件名城发展大会上，32个项目集中签约，总投资达120亿元。",
        );
        let s = a.lead.shared(&b.lead);
        assert_eq!(s.places, vec!["南京"]);
        assert!(
            s.specific.contains(&"项目32个".to_string()) || s.specific.iter().any(|x| x.contains("32")),
            "{s:?}"
        );
        assert!(s.specific.iter().any(|x| x.contains("120")), "{s:?}");
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(chinese_number("二十三"), Some(23.0));
        assert_eq!(chinese_number("十"), Some(10.0));
        assert_eq!(chinese_number("一百零五"), Some(105.0));
        let f = FactSet::of("２０２６年前三季度");
        assert!(f.figures.iter().any(|x| x.0 == Kind::Year && x.1 == 2026.0), "{f:?}");
        assert!(f.figures.iter().any(|x| x.0 == Kind::Months && x.1 == 109.0), "{f:?}");
    }

    /// Figures written in numerals alone, with no digit in the text.
    #[test]
    fn numerals_are_read_where_no_digit_is() {
        let f = FactSet::of("前三个月软件园二期第二批项目签约 上半年营收破万亿");
        let has = |k: Kind, v: f64| f.figures.iter().any(|x| x.0 == k && x.1 == v);
        assert!(has(Kind::Months, 103.0), "前三个月: {f:?}");
        assert!(has(Kind::Ordinal("期"), 2.0), "二期: {f:?}");
        assert!(has(Kind::Ordinal("批"), 2.0), "第二批: {f:?}");
        assert!(has(Kind::Months, 106.0), "上半年: {f:?}");
        assert!(has(Kind::Money("元"), 1e12), "破万亿: {f:?}");
    }
}
