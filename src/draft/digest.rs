//! 本期提要: one paragraph per news section, in the house pattern
//! "<section>方面，<headline>、<headline>、<headline>。", headlines cut to their core.

use std::sync::LazyLock;

use regex::Regex;

use super::{DigestLine, DraftSection};
use crate::classify::taxonomy::{Layout, Taxonomy};

static DATE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{4}年)?\d{1,2}月\d{1,2}日\s*[，,、]?\s*").expect("static regex"));
static LEADING_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\d{4}\s*年(度)?(\s*\d{1,2}\s*([-—–－~至]\s*\d{1,2}\s*)?月(份)?)?(上半年|前三季度|一季度|全年)?\s*")
        .expect("static regex")
});
/// A cry that opens a headline (重磅！, 刚刚！, 官宣!): no part of what happened.
static LEADING_CRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[^!！，,。：:\s]{1,4}[!！]+\s*").expect("static regex"));
static TRAILING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(][^（）()]{1,20}[）)]\s*$").expect("static regex"));

static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"《([^《》]+)》").expect("static regex"));

/// The name of the document itself: `X关于印发《Y》的通知` → `Y`; a notice of it without the
/// verb (`X关于《Y》的通知`, `转发《Y》的通知`) → `Y`; `《Y》` → `Y`.
pub fn policy_title(title: &str) -> String {
    let t = title.trim();
    if let Some(c) = QUOTED.captures(t)
        && let Some(whole) = c.get(0)
        && (t.contains("印发")
            || t.contains("发布")
            || t.contains("转发")
            || t[..whole.start()].trim_end().ends_with("关于")
            || whole.start() == 0 && whole.end() == t.len())
    {
        return c[1].to_string();
    }
    t.replace(['《', '》'], "")
}

pub fn has_date_prefix(title: &str) -> bool {
    DATE_PREFIX.is_match(title)
}

/// Cut a headline to subject + action + object: no leading date, no trailing clause,
/// no trailing remark in brackets.
pub fn shorten(title: &str) -> String {
    let title = crate::normalize::without_outlet_tag(title);
    // A cut is kept only when what is left can stand alone.
    let stands = |cut: String, whole: String| if cut.chars().count() >= 6 { cut } else { whole };
    let t = DATE_PREFIX.replace(title, "").to_string();
    let t = stands(LEADING_CRY.replace(&t, "").to_string(), t);
    let t = TRAILING_PAREN.replace(&t, "").to_string();
    let mut t = stands(LEADING_PERIOD.replace(&t, "").to_string(), t);
    // Before a colon, a label only says who or where the rest comes from (国家发展改革委：…
    // 标准体系建设指南公开征求意见, 华为公司董事长梁华：…, 浩辰软件(688657)：…): what
    // happened is after it. Any other words before a colon are the headline's own
    // (大模型“百模大战”背后：…, 腾讯混元系列模型重磅开源：…).
    if let Some((pos, sep)) = ["：", ":"]
        .iter()
        .filter_map(|sep| clause_break(&t, sep).map(|pos| (pos, *sep)))
        .min()
    {
        let (head, tail) = (&t[..pos], t[pos + sep.len()..].trim());
        if is_label(head) && tail.chars().count() >= 6 {
            // A filing says whose it is (华宇软件(300271)：股票交易异常波动公告).
            return match listed_name(head) {
                Some(name) if !tail.contains(name) => shorten(&format!("{name}{tail}")),
                _ => shorten(tail),
            };
        }
    }
    for sep in ["，", "：", ":", "；", ",", " —", "——"] {
        if let Some(pos) = clause_break(&t, sep) {
            let head = &t[..pos];
            // Keep the clause only when what precedes it can stand alone: not an opening
            // quote, nor only who says what follows (Canalys发布报告称，…).
            if head.chars().count() >= 6 && !head.ends_with('《') && !REPORTING.iter().any(|v| head.ends_with(v)) {
                t = head.to_string();
                break;
            }
        }
    }
    t.trim().trim_end_matches(['。', '！', '!']).to_string()
}

/// Whether a headline's words before a colon only name who or where it comes from: a
/// body (…部, …委, …局, …厅, …研究院, …网讯), a listed company by its code (浩辰软件(688657)),
/// or a person by their post (华为公司董事长梁华).
fn is_label(head: &str) -> bool {
    const BODY: &[&str] = &[
        "部",
        "委",
        "局",
        "厅",
        "署",
        "办",
        "政府",
        "研究院",
        "信通院",
        "协会",
        "学会",
        "联盟",
        "中心",
        "网讯",
        "报讯",
    ];
    const POST: &[&str] = &[
        "董事长",
        "总经理",
        "总裁",
        "院士",
        "部长",
        "局长",
        "主任",
        "区长",
        "市长",
        "县长",
        "书记",
        "教授",
        "CEO",
    ];
    let head = head.trim();
    if head.is_empty() || head.chars().count() > 16 || head.contains(['，', ',', '！', '!', '？', '?', '“']) {
        return false;
    }
    let coded = listed_name(head).is_some();
    // A post, then a name of two to four characters, or the post alone.
    let person = POST.iter().any(|p| {
        head.rfind(p).is_some_and(|at| {
            let name = head[at + p.len()..].chars().count();
            at > 0 && (name == 0 || (2..=4).contains(&name))
        })
    });
    coded || person || BODY.iter().any(|b| head.ends_with(b))
}

/// The name of a listed company given with its stock code (浩辰软件(688657), [年报]联迪信息(839790)).
fn listed_name(head: &str) -> Option<&str> {
    let (name, code) = head.strip_suffix([')', '）'])?.rsplit_once(['(', '（'])?;
    let name = name.rsplit_once([']', '】']).map_or(name, |(_, n)| n).trim();
    (!name.is_empty() && code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

/// Verbs that end a clause naming only who says what the next clause tells.
const REPORTING: &[&str] = &[
    "称", "表示", "指出", "显示", "认为", "透露", "预计", "强调", "获悉", "报道", "发现",
];

/// Where `sep` first ends a clause of `t`: not between two digits (3,300万港元).
fn clause_break(t: &str, sep: &str) -> Option<usize> {
    t.match_indices(sep).map(|(pos, _)| pos).find(|&pos| {
        let before = t[..pos].chars().next_back();
        let after = t[pos + sep.len()..].chars().next();
        !(before.is_some_and(|c| c.is_ascii_digit()) && after.is_some_and(|c| c.is_ascii_digit()))
    })
}

/// Where a space first ends a clause of `t`: beside a Chinese character (长春汽车软件产业园揭牌
/// 40家企业首批签约), or after a Latin word of a Chinese headline (华为推出鸿蒙操作系统HarmonyOS
/// NEXT…); not inside a version (22.03 LTS), and never in an English headline, whose first
/// words are no phrase (US-Backed VCs Are…).
fn space_break(t: &str) -> Option<usize> {
    let han = |c: Option<char>| c.is_some_and(|c| !c.is_ascii() && c.is_alphanumeric());
    t.match_indices([' ', '　']).map(|(pos, _)| pos).find(|&pos| {
        let (before, after) = (t[..pos].chars().next_back(), t[pos..].chars().nth(1));
        han(before)
            || han(after)
            || before.is_some_and(|c| c.is_ascii_alphabetic()) && t[..pos].chars().any(|c| han(Some(c)))
    })
}

/// The policy paragraph names places and topics, not titles.
fn policy_line(taxonomy: &Taxonomy, section: &DraftSection) -> Option<String> {
    let mut places: Vec<String> = Vec::new();
    let mut topics: Vec<&str> = Vec::new();
    for i in &section.items {
        let place = match (&i.city, &i.issuer) {
            (Some(c), _) => format!("{c}市"),
            (None, Some(issuer)) => issuer
                .split(['等', '、'])
                .next()
                .unwrap_or(issuer)
                .trim_end_matches("办公厅")
                .to_string(),
            (None, None) => "国家有关部门".to_string(),
        };
        if !places.contains(&place) {
            places.push(place);
        }
        for t in &taxonomy.digest.topics {
            if i.title.contains(t.as_str())
                && !topics.contains(&t.as_str())
                && !topics.iter().any(|o| o.contains(t.as_str()))
            {
                topics.push(t);
                break;
            }
        }
    }
    if places.is_empty() {
        return None;
    }
    places.truncate(4);
    topics.truncate(3);
    let verb = if places.len() > 1 { "相继发布" } else { "发布" };
    let what = if topics.is_empty() {
        "相关政策".to_string()
    } else {
        format!("{}相关政策", topics.join("、"))
    };
    Some(format!("{}方面，{}{}{}。", section.name, places.join("、"), verb, what))
}

/// The longest phrase a line of 本期提要 names an item by.
pub const MAX_PHRASE: usize = 20;

static BRACKETED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(【\[][^（）()【】\[\]]{0,30}[）)】\]]").expect("static regex"));
static ANALYSIS_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[？?]|背后|如何|为何|为什么|怎么|一文|解读|观察|评论|述评|访谈|专访|对话|启示|思考|研究|分析|剖析|展望|盘点|梳理|综述")
        .expect("static regex")
});

/// Verbs of a clause that tells what happened (华为发布鸿蒙PC、…): the part of a headline
/// before a listing comma that has one of them is a phrase of its own.
const TELLS: &[&str] = &[
    "发布", "推出", "签署", "签约", "签订", "开幕", "举行", "召开", "举办", "上线", "揭牌", "增长", "下降", "完成",
    "获", "入选", "成立", "启动", "印发", "出台", "落户", "开工", "达", "突破", "亮相", "宣布", "收购", "中标", "开园",
    "投产", "公布", "批复", "认定", "发文", "落地", "通过",
];

/// How wide a phrase reads, in Chinese characters: a Latin letter, digit or space is
/// half of one (星河DB 5.0 is five wide), as it is set.
pub fn width(s: &str) -> usize {
    let halves: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    halves.div_ceil(2)
}

/// Whether every quotation and title mark the phrase opens it also closes: a cut
/// inside “星河DB 5.0” or 《…》 leaves a name half quoted.
fn balanced(s: &str) -> bool {
    let count = |c: char| s.matches(c).count();
    count('“') == count('”') && count('《') == count('》') && count('「') == count('」')
}

/// An item named in 本期提要: its headline cut to subject, verb and object, without
/// brackets or a trailing clause; `None` when even that is wider than [`MAX_PHRASE`].
pub fn phrase(title: &str) -> Option<String> {
    let mut t = shorten(title);
    if width(&t) > MAX_PHRASE {
        t = BRACKETED.replace_all(&t, "").to_string();
    }
    if width(&t) > MAX_PHRASE {
        // Quotation marks around a product's name cost two characters and say nothing
        // a reader needs (星河云发布分布式数据库“星河DB 5.0”).
        let unquoted = t.replace(['“', '”'], "");
        if width(&unquoted) <= MAX_PHRASE {
            t = unquoted;
        }
    }
    if width(&t) > MAX_PHRASE {
        // Cut at a listing comma or a space between clauses, keeping what can stand
        // alone; an English headline is named whole or not at all, never by its first
        // words.
        for (pos, listing) in [t.find('、').map(|p| (p, true)), space_break(&t).map(|p| (p, false))]
            .into_iter()
            .flatten()
        {
            let head = &t[..pos];
            // A listing comma may part two nouns of one list (泰州市前三季度信息传输、软件和
            // 信息技术服务业增加值增长8.1%): what precedes it is a clause only when it
            // tells something happened, or gives a figure.
            let tells =
                !listing || head.contains(|c: char| c.is_ascii_digit()) || TELLS.iter().any(|v| head.contains(v));
            if head.chars().count() >= 6 && balanced(head) && tells {
                t = head.to_string();
                break;
            }
        }
    }
    let t = t.trim().to_string();
    (width(&t) <= MAX_PHRASE && t.chars().count() >= 4 && balanced(&t)).then_some(t)
}

/// A headline a city's own body wrote of "全市" or "我市" names its city for a reader of
/// the whole issue (全市软件和信息服务业运行情况 → 苏州市软件和信息服务业运行情况).
fn with_city(phrase: String, city: Option<&str>) -> String {
    match city {
        Some(c) => {
            for own in ["全市", "我市", "本市"] {
                if let Some(rest) = phrase.strip_prefix(own) {
                    return format!("{c}市{rest}");
                }
            }
            phrase
        }
        None => phrase,
    }
}

/// How much an item matters to a reader of 本期提要: what editors said (pinned, their
/// order) first, then how many outlets reported it and how surely it belongs to its
/// section.
fn significance(i: &super::DraftItem) -> f32 {
    let mut s = i.significance;
    if i.pinned {
        s += 100.0;
    }
    if let Some(rank) = i.rank {
        s += 50.0 - rank.clamp(0, 40) as f32;
    }
    s
}

/// How many items a section's line names: 2–4, as the report does.
fn how_many(items: usize) -> usize {
    match items {
        0 => 0,
        1 => 1,
        2..=3 => 2,
        4..=7 => 3,
        _ => 4,
    }
}

pub fn paragraphs(taxonomy: &Taxonomy, sections: &[DraftSection]) -> Vec<DigestLine> {
    let mut out = Vec::new();
    for s in sections {
        let Some(def) = taxonomy.section(&s.id) else { continue };
        if !def.digest || s.items.is_empty() {
            continue;
        }
        let text = if def.layout == Layout::Policy {
            policy_line(taxonomy, s)
        } else {
            let mut best: Vec<&super::DraftItem> = s.items.iter().collect();
            // News first: an analysis or opinion piece, or routine (a leader's visit, a
            // study session), is named only when the section has fewer than two news items
            // to name.
            let routine = &taxonomy.selection.routine;
            let aside = |i: &super::DraftItem| {
                !i.pinned && (ANALYSIS_LIKE.is_match(&i.title) || routine.iter().any(|w| i.title.contains(w.as_str())))
            };
            best.sort_by(|a, b| {
                aside(a)
                    .cmp(&aside(b))
                    .then(significance(b).total_cmp(&significance(a)))
                    .then(a.id.cmp(&b.id))
            });
            // City notes read best with their place and issuer, as written in the note.
            let text = |i: &super::DraftItem| {
                let p = if def.layout == Layout::City {
                    phrase(&i.note)
                } else {
                    phrase(&i.headline).or_else(|| phrase(&i.title))
                };
                p.map(|p| with_city(p, i.city.as_deref()))
                    .filter(|p| width(p) <= MAX_PHRASE)
            };
            let mut heads: Vec<String> = Vec::new();
            let mut first: Option<f32> = None;
            for i in &best {
                // Aside items come last: once two items are named, the line is full
                // enough without them.
                if heads.len() >= how_many(s.items.len()) || aside(i) && heads.len() >= 2 {
                    break;
                }
                // An item the selection doubts (significance below zero) is named only
                // when nothing else in the section can be.
                if !heads.is_empty() && significance(i) < 0.0 {
                    continue;
                }
                // Two names make a line: a third or fourth is named only when it is of the
                // same order as the first (a brief's 7.4 is not followed by a 0.6).
                if heads.len() >= 2 && first.is_some_and(|f| significance(i) < f / 4.0) {
                    continue;
                }
                if let Some(h) = text(i)
                    && !heads.contains(&h)
                {
                    heads.push(h);
                    first.get_or_insert(significance(i));
                }
            }
            (!heads.is_empty()).then(|| format!("{}方面，{}。", s.name, heads.join("、")))
        };
        if let Some(text) = text {
            out.push(DigestLine {
                section: s.id.clone(),
                text,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_titles() {
        assert_eq!(
            policy_title("苏州市工业和信息化局关于印发《苏州市软件产业提质增效三年行动计划（2026—2028年）》的通知"),
            "苏州市软件产业提质增效三年行动计划（2026—2028年）"
        );
        assert_eq!(
            policy_title("《上海市促进人工智能产业发展条例》"),
            "上海市促进人工智能产业发展条例"
        );
        assert_eq!(
            policy_title("工业和信息化部关于推进工业软件适配验证中心建设的指导意见"),
            "工业和信息化部关于推进工业软件适配验证中心建设的指导意见"
        );
        // A notice of a document, its verb left out: the document is named.
        assert_eq!(
            policy_title("东阳市人民政府关于《东阳市推动人工智能创新发展行动方案》的通知"),
            "东阳市推动人工智能创新发展行动方案"
        );
        assert_eq!(
            policy_title("市工信局转发《关于加快工业软件发展的若干措施》的通知"),
            "关于加快工业软件发展的若干措施"
        );
        // A document cited in passing is not the item's.
        assert_eq!(
            policy_title("贯彻《数据安全法》 我市开展数据安全检查"),
            "贯彻数据安全法 我市开展数据安全检查"
        );
    }

    #[test]
    fn a_line_names_the_significant_news_shortly() {
        let item = |id: i64, title: &str, score: f32, outlets: usize| super::super::DraftItem {
            id,
            title: title.into(),
            headline: shorten(title),
            score,
            also_reported_by: vec![Default::default(); outlets],
            ..Default::default()
        };
        let company_news = |items| DraftSection {
            id: "company-news".into(),
            name: "企业动态".into(),
            items,
            ..Default::default()
        };
        let section = company_news(vec![
            item(1, "大模型价格战背后：云厂商为何纷纷降价？", 12.0, 0),
            item(2, "北辰软件成立工业智能事业部", 5.0, 3),
            item(3, "星河云推出面向中小企业的数据库托管服务", 6.0, 1),
            item(
                4,
                "某某某某信息技术股份有限公司关于控股子公司完成工商变更登记并取得营业执照的公告",
                9.0,
                0,
            ),
            item(5, "天宇科技宣布进军汽车软件业务", 4.0, 0),
            // Routine, however significant its other marks: named last.
            super::super::DraftItem {
                significance: 50.0,
                ..item(6, "市领导带队调研星河云总部", 20.0, 0)
            },
        ]);
        let lines = paragraphs(&Taxonomy::builtin(), std::slice::from_ref(&section));
        let text = &lines[0].text;
        assert!(text.starts_with("企业动态方面，北辰软件成立工业智能事业部、"), "{text}");
        assert!(
            !text.contains("背后") && !text.contains("公告") && !text.contains("调研"),
            "{text}"
        );
        let named = text.trim_start_matches("企业动态方面，").trim_end_matches('。');
        assert_eq!(named.split('、').count(), 3, "{text}");
        assert!(named.split('、').all(|p| width(p) <= MAX_PHRASE), "{text}");
        // Two news items name the line: a visit does not fill a third place.
        let few = company_news(vec![
            item(1, "北辰软件成立工业智能事业部", 5.0, 0),
            item(2, "市领导带队调研星河云总部", 9.0, 0),
            item(3, "星河云推出面向中小企业的数据库托管服务", 6.0, 0),
            item(
                4,
                "某某某某信息技术股份有限公司关于控股子公司完成工商变更登记并取得营业执照的公告",
                4.0,
                0,
            ),
        ]);
        let lines = paragraphs(&Taxonomy::builtin(), std::slice::from_ref(&few));
        assert!(!lines[0].text.contains("调研"), "{}", lines[0].text);
        assert_eq!(lines[0].text.matches('、').count(), 1, "{}", lines[0].text);
        // An item the selection doubts fills no place beside the news, however few
        // items can be named; alone, it names the line.
        let doubted = |id, title| super::super::DraftItem {
            significance: -0.5,
            ..item(id, title, 1.0, 0)
        };
        let lines = paragraphs(
            &Taxonomy::builtin(),
            &[company_news(vec![
                item(1, "北辰软件成立工业智能事业部", 5.0, 0),
                doubted(2, "卢伟冰:小米新品太多 请准备纸尿裤"),
                item(
                    3,
                    "某某集团发布“星河智算一体化超大规模训练推理平台 2.0” 提供算力服务",
                    4.0,
                    0,
                ),
            ])],
        );
        assert_eq!(lines[0].text, "企业动态方面，北辰软件成立工业智能事业部。");
        // A third name far below the first does not fill the line.
        let weighed = |id, title, significance| super::super::DraftItem {
            significance,
            ..item(id, title, 1.0, 0)
        };
        let lines = paragraphs(
            &Taxonomy::builtin(),
            &[company_news(vec![
                weighed(1, "北辰软件成立工业智能事业部", 7.4),
                weighed(2, "星河云推出面向中小企业的数据库托管服务", 6.7),
                weighed(3, "卢伟冰:小米新品太多 请准备纸尿裤", 0.6),
                weighed(
                    4,
                    "某某集团发布“星河智算一体化超大规模训练推理平台 2.0” 提供算力服务",
                    5.3,
                ),
            ])],
        );
        assert_eq!(
            lines[0].text,
            "企业动态方面，北辰软件成立工业智能事业部、星河云推出面向中小企业的数据库托管服务。"
        );
        let lines = paragraphs(
            &Taxonomy::builtin(),
            &[company_news(vec![doubted(2, "字节跳动成立独立大模型团队")])],
        );
        assert_eq!(lines[0].text, "企业动态方面，字节跳动成立独立大模型团队。");
    }

    #[test]
    fn phrases_are_short_or_absent() {
        assert_eq!(
            phrase("北辰软件完成5亿元C轮融资，加码工业软件研发").as_deref(),
            Some("北辰软件完成5亿元C轮融资")
        );
        assert_eq!(
            phrase("中关村(京西)人工智能科技园即将开园 助力AI产业发展").as_deref(),
            Some("中关村人工智能科技园即将开园")
        );
        // A product's name is not cut inside its quotation marks; Latin letters are set
        // half as wide as Chinese characters.
        assert_eq!(
            phrase("星河云发布分布式数据库“星河DB 5.0”，兼容主流开源生态").as_deref(),
            Some("星河云发布分布式数据库“星河DB 5.0”")
        );
        assert_eq!(
            phrase("星河云发布新版分布式数据库产品“星河DB 5.0”，兼容主流开源生态").as_deref(),
            Some("星河云发布新版分布式数据库产品星河DB 5.0")
        );
        assert_eq!(
            phrase("某某集团发布“星河智算一体化超大规模训练推理平台 2.0” 提供算力服务"),
            None
        );
        assert_eq!(
            with_city("全市软件业务收入同比增长14.2%".into(), Some("苏州")),
            "苏州市软件业务收入同比增长14.2%"
        );
        assert_eq!(
            with_city("全市软件业务收入同比增长14.2%".into(), None),
            "全市软件业务收入同比增长14.2%"
        );
        let long = "2023年重庆市渝中区现代服务业招商项目集中签约暨一季度软信服务业重点项目签约活动举行";
        assert_eq!(phrase(long), None);
        for t in [
            "工业和信息化部关于印发《软件产业高质量发展行动计划（2026—2028年）》的通知",
            long,
        ] {
            assert!(phrase(t).is_none_or(|p| width(&p) <= MAX_PHRASE), "{t}");
        }
    }

    #[test]
    fn a_phrase_is_never_a_fragment() {
        for (title, named) in [
            // Who said it, without what they said.
            ("Canalys发布报告称,2023年第三季度,美国智能手机市场同比下降5%", None),
            (
                "工信部数据显示，前三季度软件业务收入同比增长13.7%，利润总额同比增长12.5%",
                None,
            ),
            // An English headline's first words; named whole when it is short enough.
            ("US-Backed VCs Are Funding China's Answer To OpenAI", None),
            ("Huawei unveils Pura 80 phones", Some("Huawei unveils Pura 80 phones")),
            // A version cut at its space; a Chinese headline may be cut after a Latin word.
            ("openEuler社区发布面向数字基础设施的22.03 LTS SP2版本", None),
            (
                "华为推出鸿蒙操作系统HarmonyOS NEXT开发者预览版",
                Some("华为推出鸿蒙操作系统HarmonyOS"),
            ),
            // A sum cut at its thousands comma (it was named "…集团(2349)拟3"); too wide whole.
            ("中国城市基础设施集团(2349)拟3,300万港元收购AI企业60%股权", None),
            // Only after the headline's Chinese has begun: a Latin name before it is no
            // phrase.
            ("NVIDIA Blackwell架构GPU量产交付首批客户已上线全面开售", None),
            // A listing comma inside one list of nouns is no end of a clause; one after a
            // clause that tells something happened is.
            ("泰州市前三季度信息传输、软件和信息技术服务业增加值增长8.1%", None),
            (
                "华为发布鸿蒙PC、小米推出玄戒O1芯片及多款新品同日亮相",
                Some("华为发布鸿蒙PC"),
            ),
            // A space between clauses of a Chinese headline still cuts.
            (
                "长春汽车软件产业园揭牌 40家企业首批签约 总投资超过120亿元",
                Some("长春汽车软件产业园揭牌"),
            ),
        ] {
            assert_eq!(phrase(title).as_deref(), named, "{title}");
        }
        assert_eq!(
            shorten("中国城市基础设施集团(2349)拟3,300万港元收购AI企业60%股权"),
            "中国城市基础设施集团(2349)拟3,300万港元收购AI企业60%股权"
        );
    }

    #[test]
    fn headlines_are_cut_to_their_core() {
        assert_eq!(
            shorten("北辰软件完成5亿元C轮融资，加码工业软件研发"),
            "北辰软件完成5亿元C轮融资"
        );
        assert_eq!(
            shorten("长春汽车软件产业园揭牌 40家企业首批签约-中国吉林网"),
            "长春汽车软件产业园揭牌 40家企业首批签约"
        );
        assert_eq!(
            shorten("星河DB 5.0正式亮相：分布式数据库性能提升三倍"),
            "星河DB 5.0正式亮相"
        );
        assert_eq!(
            shorten("10月12日，深圳市2023年度软件和信息服务业重点项目名单公示，共58个项目入选"),
            "深圳市2023年度软件和信息服务业重点项目名单公示"
        );
        assert_eq!(
            shorten("2023年1-10月我国软件业务收入98358亿元，同比增长13.7%"),
            "我国软件业务收入98358亿元"
        );
        assert_eq!(
            shorten("2021年1—5月我国软件业务收入同比增长20.5%（示例数据）"),
            "我国软件业务收入同比增长20.5%"
        );
        assert_eq!(
            shorten("重磅！工信部印发《软件产业高质量发展行动计划》"),
            "工信部印发《软件产业高质量发展行动计划》"
        );
        assert_eq!(
            shorten("慕了!内存芯片巨头人均发64万年终奖"),
            "内存芯片巨头人均发64万年终奖"
        );
        assert_eq!(shorten("重磅！"), "重磅");
        // Before a colon, a label only says who: what happened follows. Other words
        // before a colon are the headline's own, and a place stays with it.
        for (title, core) in [
            (
                "国家发展改革委：嵌入式软件标准体系建设指南公开征求意见",
                "嵌入式软件标准体系建设指南公开征求意见",
            ),
            (
                "中国信息通信研究院：2026年1—9月软件业务收入增长13%，利润增长9%",
                "软件业务收入增长13%",
            ),
            (
                "华为公司董事长梁华：鸿蒙终端设备数突破4000万",
                "鸿蒙终端设备数突破4000万",
            ),
            (
                "浩辰软件(688657)：浩辰软件首次公开发行股票科创板上市公告书",
                "浩辰软件首次公开发行股票科创板上市公告书",
            ),
            ("[年报]联迪信息(839790)：2024年年度报告", "联迪信息2024年年度报告"),
            (
                "福州：鸿蒙生态产业集群规模突破92709亿元",
                "福州：鸿蒙生态产业集群规模突破92709亿元",
            ),
            ("华为开发者大会正式开幕：鸿蒙6发布", "华为开发者大会正式开幕"),
            ("大模型“百模大战”背后：算力与数据成竞争关键", "大模型“百模大战”背后"),
            ("郭雷院士谈“龙虾热”：既要积极拥抱新技术", "郭雷院士谈“龙虾热”"),
        ] {
            assert_eq!(shorten(title), core, "{title}");
        }
    }
}
