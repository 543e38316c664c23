//! Chinese cities: every prefecture-level and higher city, with short names, aliases of
//! districts and new areas, and phrases that contain a city name but are not about it.

use aho_corasick::{AhoCorasick, MatchKind};

use std::collections::BTreeMap;

use super::taxonomy::Cities;

/// The gazetteer that ships with banyue (`config/cities.tsv`, from NBS division codes).
pub const CITIES_TSV: &str = include_str!("../../config/cities.tsv");
/// Districts, counties and county-level cities that name one city (`config/districts.tsv`,
/// written by `scripts/districts.py` from the same NBS codes).
pub const DISTRICTS_TSV: &str = include_str!("../../config/districts.tsv");

#[derive(Debug, Clone)]
pub struct City {
    pub code: String,
    pub name: String,
    /// The name the report uses: 南京 for 南京市.
    pub short: String,
    pub province: String,
}

#[derive(Debug, Clone, Copy)]
enum Hit {
    City(usize),
    Block,
}

/// A place in text that names a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub city: usize,
    pub start: usize,
    pub end: usize,
}

/// The verbs of an event held in a place (…在长沙召开): what makes a place named after 在
/// the venue.
pub const HELD: [&str; 8] = ["召开", "举行", "举办", "开幕", "启幕", "拉开帷幕", "揭幕", "闭幕"];

pub struct Gazetteer {
    pub cities: Vec<City>,
    matcher: AhoCorasick,
    hits: Vec<Hit>,
    /// The taxonomy's outlets (长江日报 → 武汉), the longest first.
    outlets: Vec<(String, usize)>,
}

/// The short names of the provincial capitals and the four municipalities: the capital
/// is the first city of its province's codes (3201 南京), a municipality's code ends in
/// 00.
pub fn capitals() -> impl Iterator<Item = &'static str> {
    CITIES_TSV.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        let mut f = l.split('\t');
        let (code, _, short) = (f.next()?, f.next()?, f.next()?);
        (code.len() == 4 && (code.ends_with("01") || code.ends_with("00"))).then_some(short)
    })
}

/// The code and full name of each district, county and county-level city of
/// `districts.tsv` (330106 西湖区); `Gazetteer::new` reads the same rows strictly.
pub fn districts() -> impl Iterator<Item = (&'static str, &'static str)> {
    DISTRICTS_TSV.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        let mut f = l.split('\t');
        Some((f.next()?, f.next()?))
    })
}

/// Whether every alias and outlet of the sections file names a city of the gazetteer: the
/// one thing in a taxonomy that can keep [`Gazetteer::new`] from building, checked without
/// building (`Gazetteer::new` refuses such a name too, from the table it builds).
pub fn check_aliases(cfg: &Cities) -> anyhow::Result<()> {
    let shorts: std::collections::HashSet<&str> = CITIES_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(2))
        .collect();
    let unknown = |t: &'static str, m: &BTreeMap<String, String>| {
        m.iter()
            .find(|(_, short)| !shorts.contains(short.as_str()))
            .map(|(alias, short)| unknown_city(t, alias, short))
    };
    match unknown("aliases", &cfg.aliases).or_else(|| unknown("outlets", &cfg.outlets)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `table`: the `[cities]` table the name is in (aliases, outlets).
fn unknown_city(table: &str, alias: &str, short: &str) -> anyhow::Error {
    anyhow::anyhow!("[cities.{table}] `{alias}` names `{short}`, which is not a city in the gazetteer")
}

impl Gazetteer {
    pub fn new(cfg: &Cities) -> anyhow::Result<Gazetteer> {
        let mut cities = Vec::new();
        for (n, line) in CITIES_TSV.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let [code, name, short, province] = f[..] else {
                anyhow::bail!("cities.tsv:{}: expected 4 tab-separated fields", n + 1);
            };
            cities.push(City {
                code: code.into(),
                name: name.into(),
                short: short.into(),
                province: province.into(),
            });
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut hits = Vec::new();
        for (i, c) in cities.iter().enumerate() {
            patterns.push(c.name.clone());
            hits.push(Hit::City(i));
            if c.short != c.name && !cfg.full_name_only.contains(&c.short) {
                patterns.push(c.short.clone());
                hits.push(Hit::City(i));
            } else if c.short != c.name {
                // A short name that is a word elsewhere is still the city before 城区, and
                // as the place an event is held in (在日照举办, 在大同召开).
                patterns.push(format!("{}城区", c.short));
                hits.push(Hit::City(i));
                for held in HELD {
                    patterns.push(format!("在{}{held}", c.short));
                    hits.push(Hit::City(i));
                }
            }
        }
        // Districts after the cities, so that a city's own name wins where both match.
        let listed: std::collections::HashSet<&str> = patterns.iter().map(String::as_str).collect();
        let mut districts: Vec<(String, usize)> = Vec::new();
        for (n, line) in DISTRICTS_TSV.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let [_code, name, short, city] = line.split('\t').collect::<Vec<_>>()[..] else {
                anyhow::bail!("districts.tsv:{}: expected 4 tab-separated fields", n + 1);
            };
            let Some(i) = cities.iter().position(|c| c.short == city) else {
                anyhow::bail!("districts.tsv:{}: `{city}` is not a city in the gazetteer", n + 1);
            };
            for p in [name, short] {
                if !p.is_empty() && !listed.contains(p) && !cfg.full_name_only.iter().any(|f| f == p) {
                    districts.push((p.to_string(), i));
                }
            }
        }
        for (p, i) in districts {
            patterns.push(p);
            hits.push(Hit::City(i));
        }
        for (alias, short) in &cfg.aliases {
            let Some(i) = cities.iter().position(|c| &c.short == short) else {
                return Err(unknown_city("aliases", alias, short));
            };
            patterns.push(alias.clone());
            hits.push(Hit::City(i));
        }
        // 在京 is 北京, but 在京口区 is 镇江's 京口: a one-character alias after 在/来/赴 yields
        // to a place whose name starts with that character.
        let mut longer = Vec::new();
        for alias in cfg.aliases.keys() {
            let mut ch = alias.chars();
            let (Some(verb), Some(first), None) = (ch.next(), ch.next(), ch.next()) else {
                continue;
            };
            if !"在来赴进抵".contains(verb) {
                continue;
            }
            for (p, h) in patterns.iter().zip(&hits) {
                if p.chars().count() > 1 && p.starts_with(first) && matches!(h, Hit::City(_)) {
                    longer.push((format!("{verb}{p}"), *h));
                }
            }
        }
        for (p, h) in longer {
            patterns.push(p);
            hits.push(h);
        }
        // A province's name is not its capital's or namesake city's (吉林省, 海南省).
        let provinces: std::collections::BTreeSet<&String> = cities.iter().map(|c| &c.province).collect();
        // Nor is a province's short name the start of a city: 湖南宁乡 is 宁乡 (长沙), not 南宁.
        // A short name that is a city's own (吉林) stays that city.
        let mut blocks: Vec<String> = Vec::new();
        for p in provinces.into_iter().filter(|p| !p.ends_with('市')) {
            if p.ends_with('省') {
                blocks.push(p.clone());
            }
            let short: String = match p.strip_suffix('省') {
                Some(s) => s.to_string(),
                None if p.starts_with("内蒙古") => "内蒙古".to_string(),
                None => p.chars().take(2).collect(),
            };
            if !patterns.contains(&short) && !cities.iter().any(|c| c.short == short) {
                blocks.push(short);
            }
        }
        for p in blocks {
            patterns.push(p);
            hits.push(Hit::Block);
        }
        for b in &cfg.block {
            patterns.push(b.clone());
            hits.push(Hit::Block);
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)?;
        let mut outlets = Vec::new();
        for (outlet, short) in &cfg.outlets {
            let Some(i) = cities.iter().position(|c| &c.short == short) else {
                return Err(unknown_city("outlets", outlet, short));
            };
            outlets.push((outlet.clone(), i));
        }
        outlets.sort_by_key(|(o, _)| std::cmp::Reverse(o.len()));
        Ok(Gazetteer {
            cities,
            matcher,
            hits,
            outlets,
        })
    }

    /// City mentions in `text`, left to right, blocked phrases and bylines skipped.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let bylines = bylines(text);
        self.matcher
            .find_iter(text)
            .filter_map(|m| match self.hits[m.pattern().as_usize()] {
                Hit::City(city) => Some(Mention {
                    city,
                    start: m.start(),
                    end: m.end(),
                }),
                Hit::Block => None,
            })
            .filter(|m| !bylines.iter().any(|b| b.contains(&m.start)))
            .collect()
    }

    /// The first city named in `text`.
    pub fn first(&self, text: &str) -> Option<usize> {
        self.mentions(text).first().map(|m| m.city)
    }

    /// The city whose own outlet (`[cities.outlets]`) a source's name starts with: 长江日报大武汉
    /// 客户端 is 长江日报's, so 武汉's.
    pub fn outlet(&self, source_name: &str) -> Option<usize> {
        self.outlets
            .iter()
            .find(|(o, _)| source_name.starts_with(o.as_str()))
            .map(|(_, c)| *c)
    }

    pub fn by_short(&self, short: &str) -> Option<usize> {
        self.cities.iter().position(|c| c.short == short || c.name == short)
    }

    /// Distinct cities named in `text`, in order of first mention.
    pub fn distinct(&self, text: &str) -> Vec<usize> {
        cities_of(&self.mentions(text))
    }
}

/// The distinct cities of `mentions`, in order of first mention.
pub fn cities_of(mentions: &[Mention]) -> Vec<usize> {
    let mut out = Vec::new();
    for m in mentions {
        if !out.contains(&m.city) {
            out.push(m.city);
        }
    }
    out
}

/// The reporters' bylines of a text (新华社深圳电(记者孙飞、卫韦华), 本报讯（记者 李爱民）):
/// people's names, which may read as places (爱民 is a district of 牡丹江, 丽平 none),
/// never where the story is.
fn bylines(text: &str) -> Vec<std::ops::Range<usize>> {
    const WHO: [&str; 3] = ["记者", "通讯员", "实习生"];
    // Longer is a sentence in brackets, not a list of names.
    const MOST: usize = 60;
    let mut out = Vec::new();
    for (open, c) in text.match_indices(['(', '（']) {
        let inner = text[open + c.len()..].trim_start();
        if !WHO.iter().any(|w| inner.starts_with(w)) {
            continue;
        }
        let rest = &text[open..];
        let Some(close) = rest.find([')', '）']) else {
            continue;
        };
        if close <= MOST {
            out.push(open..open + close);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::taxonomy::Taxonomy;

    fn g() -> Gazetteer {
        Gazetteer::new(&Taxonomy::builtin().cities).expect("the shipped gazetteer loads")
    }

    #[test]
    fn an_alias_of_no_city_is_refused_before_anything_is_built() {
        let mut cities = Taxonomy::builtin().cities;
        assert!(check_aliases(&cities).is_ok());
        cities.aliases.insert("在汴".into(), "开封".into());
        assert!(check_aliases(&cities).is_ok(), "开封 is a city");
        cities.aliases.insert("在蓉城".into(), "蓉城".into());
        refused(&cities, "[cities.aliases] `在蓉城` names `蓉城`");
    }

    #[test]
    fn an_outlet_of_no_city_is_refused_and_names_its_table() {
        let mut cities = Taxonomy::builtin().cities;
        cities.outlets.insert("示例晚报".into(), "示例".into());
        refused(&cities, "[cities.outlets] `示例晚报` names `示例`");
    }

    /// `cities` refused by the check, with `saying` in its error, and by the gazetteer alike.
    fn refused(cities: &Cities, saying: &str) {
        let e = check_aliases(cities).expect_err("a name of no city").to_string();
        assert!(e.contains(saying), "{e}");
        let built = Gazetteer::new(cities).err().map(|e| e.to_string());
        assert_eq!(built.as_deref(), Some(e.as_str()), "the gazetteer refuses it too");
    }

    #[test]
    fn an_outlet_is_read_from_the_start_of_a_source_name_only() {
        let mut cities = Taxonomy::builtin().cities;
        cities.outlets.insert("长江日报".into(), "武汉".into());
        let g = Gazetteer::new(&cities).expect("builds");
        let of = |name: &str| g.outlet(name).map(|i| g.cities[i].short.as_str());
        assert_eq!(of("长江日报"), Some("武汉"));
        assert_eq!(of("长江日报大武汉客户端"), Some("武汉"));
        assert_eq!(of("转载自长江日报"), None);
        // Never from text: 长江日报 in a headline is no place.
        assert_eq!(short(&g, "长江日报记者走访软件企业"), None);
    }

    fn short(g: &Gazetteer, text: &str) -> Option<String> {
        g.first(text).map(|i| g.cities[i].short.clone())
    }

    #[test]
    fn every_prefecture_city_is_there() {
        let g = g();
        assert!(g.cities.len() >= 330, "{}", g.cities.len());
        for c in [
            "北京", "上海", "天津", "重庆", "南京", "济南", "大连", "西安", "长沙", "厦门", "拉萨", "三沙",
        ] {
            assert!(g.by_short(c).is_some(), "{c}");
        }
    }

    #[test]
    fn false_friends_are_not_cities() {
        let g = g();
        assert_eq!(short(&g, "游客漫步南京路步行街"), None);
        assert_eq!(short(&g, "中山大学发布研究成果"), None);
        assert_eq!(short(&g, "北京时间今晨"), None);
        assert_eq!(short(&g, "吉林省出台数字经济政策"), None);
        assert_eq!(short(&g, "中山市出台数字经济政策").as_deref(), Some("中山"));
        assert_eq!(short(&g, "阿里云发布新模型"), None);
        // A district's short name inside an idiom or a common word (朝天 of 广元, 同仁 of
        // 黄南, 大悟 of 孝感): only its full name is the place.
        assert_eq!(short(&g, "园区建设现场热火朝天"), None);
        assert_eq!(short(&g, "对各类企业一视同仁、恍然大悟"), None);
        assert_eq!(short(&g, "朝天区数字经济产业园开工").as_deref(), Some("广元"));
        // A short name that is a word elsewhere needs 市; one that is nothing else does not.
        assert_eq!(short(&g, "确保社会长治久安"), None);
        assert_eq!(short(&g, "长治市举办数字经济论坛").as_deref(), Some("长治"));
        assert_eq!(short(&g, "甘肃庆阳：借力东数西算建设智算之城").as_deref(), Some("庆阳"));
        assert_eq!(short(&g, "全市数字经济发展推进会议在铜仁召开").as_deref(), Some("铜仁"));
        assert_eq!(short(&g, "数据标注产业供需对接活动在日照举办").as_deref(), Some("日照"));
        assert_eq!(short(&g, "海滩日照充足"), None);
    }

    #[test]
    fn a_province_short_name_does_not_start_a_city() {
        let g = g();
        assert_eq!(short(&g, "50亿元光伏储能项目落户湖南宁乡").as_deref(), Some("长沙"));
        assert_eq!(short(&g, "河南阳光电力项目签约"), None);
        assert_eq!(short(&g, "湖南长沙举办软件大会").as_deref(), Some("长沙"));
        // 吉林 is a province and a city; the city stays.
        assert_eq!(short(&g, "吉林市举办数字经济论坛").as_deref(), Some("吉林"));
    }

    #[test]
    fn a_reporters_name_is_no_place() {
        let g = g();
        let cities = |t: &str| {
            g.distinct(t)
                .iter()
                .map(|&c| g.cities[c].short.clone())
                .collect::<Vec<_>>()
        };
        // 爱民 (a district of 牡丹江) in a reporter's name.
        let lead = "本报9日讯(记者李爱民韩丽平)9日上午,哈尔滨市政府与深圳市政府签约";
        assert_eq!(cities(lead), ["哈尔滨", "深圳"]);
        assert_eq!(cities("本报讯（ 通讯员 李爱民）爱民区数字经济产业园开工"), ["牡丹江"]);
        // Brackets that are no byline keep their places.
        assert_eq!(cities("数字经济产业园(爱民区)开工"), ["牡丹江"]);
        assert_eq!(cities("记者从爱民区获悉"), ["牡丹江"]);
    }

    #[test]
    fn districts_map_to_their_city() {
        let g = g();
        assert_eq!(short(&g, "浦东新区发布人工智能专项政策").as_deref(), Some("上海"));
        assert_eq!(short(&g, "雄安新区数字城市建设").as_deref(), Some("保定"));
        assert_eq!(short(&g, "滨海新区举办信创论坛").as_deref(), Some("天津"));
        assert_eq!(short(&g, "成都天府软件园举办对接会").as_deref(), Some("成都"));
        // A new area or park named after no city; a park whose name holds another's.
        assert_eq!(
            short(&g, "郑东新区在龙子湖智慧岛举行项目签约仪式").as_deref(),
            Some("郑州")
        );
        assert_eq!(short(&g, "龙子湖区数字经济产业园开工").as_deref(), Some("蚌埠"));
        assert_eq!(short(&g, "仙桃数据谷新签约大数据项目12个").as_deref(), Some("重庆"));
        // In English, as headlines are read: folded to lower case.
        assert_eq!(
            short(&g, "gui'an new area hosts a computing power cluster").as_deref(),
            Some("贵阳")
        );
        assert_eq!(
            short(&g, "qianhai opens a cross-border data hub").as_deref(),
            Some("深圳")
        );
    }
}
