//! Policy document fields found in free text: 发文字号 and the issuing body.

use std::sync::LazyLock;

use regex::Regex;

static DOC_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{Han}]{1,20}?)\s*[〔\[［（(【]\s*(\d{4})\s*[〕\]］）)】]\s*第?\s*(\d{1,4})\s*号")
        .expect("static regex")
});
static ORDER_NO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([\p{Han}]{2,30}令)\s*第\s*(\d+)\s*号").expect("static regex"));
static SPECIAL_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([\p{Han}]{2,30}公告)\s*[〔\[［（(【]\s*([\p{Han}]{1,6}届)\s*[〕\]］）)】]\s*第\s*([\p{Han}\d]{1,10})\s*号",
    )
    .expect("static regex")
});
/// A notice's headline that opens with its issuers, side by side when they are several
/// (广东省工业和信息化厅 广东省发展和改革委员会 …关于印发…), perhaps a space before 关于
/// (巴中市人民政府 关于印发…).
static ISSUER_BEFORE_GUANYU: LazyLock<Regex> = LazyLock::new(|| {
    const END: &str =
        "(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管理局|局|部|厅|委|院|署|中心|领导小组)";
    Regex::new(&format!(
        r"^((?:\p{{Han}}{{2,24}}?{END}[ \u{{3000}}]+){{0,8}}.{{2,40}}?{END})(?:等\p{{Han}}{{1,4}}部门)?[ \u{{3000}}]?(?:关于|印发)"
    ))
    .expect("static regex")
});

/// Words that run into a document number's prefix in prose ("根据工信部…〔2022〕1号").
const LEAD_INS: &[&str] = &[
    "根据", "按照", "依据", "依照", "贯彻", "落实", "转发", "印发", "执行", "参照", "见", "经", "和", "与", "及", "的",
    "据", "现将",
];

/// The issuer code before a number, without the prose that runs into it.
fn prefix(raw: &str, max: usize) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut p: String = chars[chars.len().saturating_sub(max)..].iter().collect();
    while let Some(rest) = LEAD_INS
        .iter()
        .find_map(|w| p.strip_prefix(w))
        .filter(|r| r.chars().count() >= 2)
    {
        p = rest.to_string();
    }
    p
}

/// A 发文字号 in `text`, brackets normalised to 〔〕: the first one, cited or not.
pub fn find_doc_number(text: &str) -> Option<String> {
    doc_number_where(text, |_, _| false)
}

/// The first 发文字号 in `text` that `cited` does not set aside, by where its match starts
/// and where its year or number starts.
fn doc_number_where(text: &str, cited: impl Fn(usize, usize) -> bool) -> Option<String> {
    // Every form ends in 号: most texts have none, and the patterns below are the
    // slow kind (captures, a lazy run of Han characters).
    if !text.contains('号') {
        return None;
    }
    if let Some(c) = SPECIAL_NO.captures(text) {
        return Some(format!("{}〔{}〕第{}号", prefix(&c[1], 30), &c[2], &c[3]));
    }
    for c in DOC_NO.captures_iter(text) {
        let (whole, year) = (c.get(0)?, c.get(2)?);
        if !cited(whole.start(), year.start()) {
            return Some(format!("{}〔{}〕{}号", prefix(&c[1], 10), &c[2], &c[3]));
        }
    }
    for c in ORDER_NO.captures_iter(text) {
        let (whole, number) = (c.get(0)?, c.get(2)?);
        if !cited(whole.start(), number.start()) {
            return Some(format!("{}第{}号", prefix(&c[1], 20), &c[2]));
        }
    }
    None
}

/// Normalise a document number as written (`京经信发[2020]77号` → `京经信发〔2020〕77号`).
pub fn normalize_doc_number(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect();
    find_doc_number(&compact).unwrap_or(compact)
}

/// A body that issues policy, as a headline or a lead names it.
const BODY: &str = r"\p{Han}{2,24}?(?:人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府办公室|办公厅|办公室|委员会|管理局|工信部|工信厅|工信局|经信局|经信厅|经信委|发改委|网信办|局|部|厅|委|院|署|中心|领导小组)";

/// News telling of a policy: 工信部等四部门联合印发《…》, 深圳市工业和信息化局发布《…》.
static NEWS_ISSUER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[\s,，:：!！。】])(?:日前|近日|近期|今天|今日|刚刚|\d{{1,2}}月\d{{1,2}}日)?[,，]?((?:{BODY})(?:[、和与及](?:{BODY}))*(?:等\p{{Han}}{{1,4}}部门)?)(?:(?:联合)?(?:正式)?(?:印发|发布|出台|公布|发文)(?:了)?(?:《|关于)|就《)"
    ))
    .expect("static regex")
});

/// A headline that opens with the body and a colon (江苏省工信厅:现将…, 财政部:开展…), or
/// with the body and the year of what it publishes (广东省政务服务和数据管理局2024年政府信息公开
/// 工作年度报告, 某市工信局2023年工作要点).
static HEAD_ISSUER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:{BODY})(?:等\p{{Han}}{{1,4}}部门)?)(?:[:：]|(?:关于)?(?:19|20)\d{{2}}年(?:度)?\p{{Han}}{{0,16}}(?:报告|要点|计划|方案|通知|公告|名单))"
    ))
    .expect("static regex")
});

/// The short forms news uses for the bodies a policy names in full.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("工信部", "工业和信息化部"),
    ("工信厅", "工业和信息化厅"),
    ("工信局", "工业和信息化局"),
    ("经信局", "经济和信息化局"),
    ("经信厅", "经济和信息化厅"),
    ("经信委", "经济和信息化委员会"),
    ("国家网信办", "国家互联网信息办公室"),
];

/// Words that open a sentence citing another document, not issuing one.
const CITING: &[&str] = &["根据", "按照", "依据", "依照", "贯彻", "落实", "转发", "参照", "现将"];

/// Words that cite a document by its number in the same clause (根据…〔2022〕1号). 贯彻落实
/// is not among them: a document's own title often says it (关于贯彻落实…的实施意见); it
/// cites only a number that follows a name in 《》.
const CITES_BY_NUMBER: &[&str] = &["根据", "按照", "依据", "依照", "参照"];

/// Ends of the names of bodies that issue policy.
const BODY_ENDS: &[&str] = &[
    "政府",
    "办公厅",
    "办公室",
    "委员会",
    "局",
    "部",
    "厅",
    "委",
    "院",
    "署",
    "中心",
    "领导小组",
];

/// An issuer as a headline wrote it, in the form the document gives it: the prose and
/// dateline before it cut (本报讯…7月28日,深圳市工业和信息化局 → 深圳市工业和信息化局), short forms
/// written out, a bare 市 given the city the headline names (市人民政府办公室关于印发十堰市… →
/// 十堰市人民政府办公室) and a bare 省 its province; `None` when what stands there cites
/// another document.
fn issuer_name(raw: &str, context: &str) -> Option<String> {
    if raw.contains(['《', '》']) || CITING.iter().any(|w| raw.contains(w)) {
        return None;
    }
    let start = raw
        .rfind(|c: char| "，,：:！!。】".contains(c))
        .map_or(0, |i| i + raw[i..].chars().next().map_or(1, char::len_utf8));
    // Joint issuers stand side by side (泉州市工业和信息化局 泉州市财政局); other words
    // before a space are prose.
    let parts: Vec<&str> = raw[start..].split_whitespace().collect();
    let first_body = parts
        .iter()
        .rposition(|p| !BODY_ENDS.iter().any(|e| p.ends_with(e)))
        .map_or(0, |i| i + 1)
        .min(parts.len().saturating_sub(1));
    let mut names: Vec<String> = parts[first_body..].iter().map(|p| tidy_body(p, context)).collect();
    names.retain(|n| n.chars().count() >= 2);
    (!names.is_empty()).then(|| names.join(" "))
}

/// One body's name: the words news puts before it cut, its short form written out.
fn tidy_body(raw: &str, context: &str) -> String {
    let mut name = raw.to_string();
    for lead in ["日前", "近日", "近期", "最近", "今天", "今日", "刚刚"] {
        if let Some(rest) = name.strip_prefix(lead) {
            name = rest.to_string();
        }
    }
    if let Some(i) = name.find('日')
        && name[..i].contains('月')
        && name[..i].chars().all(|c| c.is_ascii_digit() || c == '月')
    {
        name = name[i + '日'.len_utf8()..].to_string();
    }
    // 江苏省省政府办公厅: the province named twice.
    if name.contains("省省") {
        name = name.replacen("省省", "省", 1);
    }
    for (short, full) in SHORT_FORMS {
        if let Some(i) = name.find(short) {
            name.replace_range(i..i + short.len(), full);
            break;
        }
    }
    for level in ["市", "区", "县", "省"] {
        let short = format!("{level}政府");
        if let Some(i) = name.find(&short) {
            name.replace_range(i..i + short.len(), &format!("{level}人民政府"));
            break;
        }
    }
    // A bare 市 is the city the headline goes on to name; a bare 省 (省工业和信息化厅) the
    // province the headline or lead names first (湖南抢抓先机).
    if name.starts_with('市')
        && let Some(city) = city_named(context)
    {
        name = format!("{city}{name}");
    } else if name.starts_with('省')
        && let Some(province) = PROVINCES.iter().filter_map(|p| context.find(p).map(|at| (at, p))).min()
    {
        name = format!("{}{name}", province.1);
    }
    name
}

/// The provinces (省, not the regions or municipalities, whose bodies are not 省…), by the
/// short names news writes.
const PROVINCES: [&str; 23] = [
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
];

/// The verbs a document's title puts before the city it is for (关于印发深圳市…).
const FOR_CITY: [&str; 5] = ["关于", "印发", "开展", "转发", "推进"];

static CITY_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:{})+[\s\d年]*(\p{{Han}}{{2,3}}?)市", FOR_CITY.join("|"))).expect("static regex")
});

/// The city a headline's document is for, by the name before its 市: not a verb read as
/// one (关于印发市政协…: no city is named).
fn city_named(context: &str) -> Option<&str> {
    CITY_NAMED
        .captures_iter(context)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|name| !FOR_CITY.iter().any(|v| name.starts_with(v) || name.ends_with(v)))
}

/// The issuer of a policy an item is about: named before 关于/印发 at the head of its
/// headline, before a colon that opens it, else as news tells it (…等八部门联合印发《…》)
/// in the headline or the lead.
pub fn issuer_of(title: &str, lead: &str) -> Option<String> {
    let title = title.trim_start_matches('《');
    // Where a bare 市 or 省 finds its place: the headline, then the lead.
    let context = || format!("{title}\n{lead}");
    // Each pattern is searched only in a headline with the words it ends in: every
    // item's headline is read so, and a pattern's lazy automaton grows (a cache a thread,
    // kept for the run) with each headline it reads.
    if (title.contains("关于") || title.contains("印发"))
        && let Some(c) = ISSUER_BEFORE_GUANYU.captures(title)
    {
        return issuer_name(&c[1], &context());
    }
    if title.contains([':', '：', '年'])
        && let Some(c) = HEAD_ISSUER.captures(title)
    {
        return issuer_name(&c[1], &context());
    }
    // Every item is read so: the regex runs only where its 《 or 关于 could follow.
    [title, lead]
        .iter()
        .filter(|t| t.contains('《') || t.contains("关于"))
        .find_map(|t| NEWS_ISSUER.captures(t).and_then(|c| issuer_name(&c[1], &context())))
}

/// A notice's signature (落款): the issuing bodies on a line of their own, then the date
/// it was signed, in figures or in Chinese numerals (二〇二三年五月十日).
static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[\n。；;：:）)])[ \t\u{{3000}}]*((?:{BODY})(?:[ \t\u{{3000}}、]+(?:{BODY}))*)\s*(?:(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|[〇零○一二][〇零○一二三四五六七八九]{{3}}年[一二三四五六七八九十]{{1,3}}月[一二三四五六七八九十]{{1,3}}日)"
    ))
    .expect("static regex")
});

/// How many characters at the end of a text a signature is looked for in.
const TAIL_CHARS: usize = 240;

/// The bodies that signed a notice, from the end of its text.
pub fn signed_by(text: &str) -> Option<String> {
    let start = text.char_indices().rev().nth(TAIL_CHARS).map_or(0, |(i, _)| i);
    let tail = &text[start..];
    if !tail.contains('日') {
        return None;
    }
    // A date that a sentence goes on from (…2025年12月31日前完成, …日起施行) is a deadline.
    let signed = |c: &regex::Captures| {
        let after = c.get(0).map_or("", |m| &tail[m.end()..]);
        !after.starts_with(['前', '后', '起', '止', '内', '至', '到', '为', '以'])
    };
    let c = SIGNATURE.captures_iter(tail).filter(signed).last()?;
    issuer_name(&c[1], tail)
}

/// The place a body's name opens on and its level: 深圳 and 市 of 深圳市工业和信息化局.
static BODY_PLACE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\p{Han}{2,4}?)([市省])").expect("static regex"));

/// A bare 市 or 省 in the issuer (市工业和信息化局关于…) that neither headline nor lead
/// placed, on a site that is itself a city's or province's body (深圳市工业和信息化局's
/// portal): the place is the site's. A paper's or a portal's name that is no body's
/// (深圳新闻网, 中国城市报) places nothing.
fn place_by_source(meta: &mut crate::model::PolicyMeta, source_name: &str) {
    let Some(issuer) = meta.issuer.as_mut() else {
        return;
    };
    let name = source_name.trim();
    if !issuer.starts_with(['市', '省']) || !BODY_ENDS.iter().any(|e| name.ends_with(e)) {
        return;
    }
    let Some(c) = BODY_PLACE.captures(name) else {
        return;
    };
    let (place, level) = (&c[1], &c[2]);
    let placed: Vec<String> = issuer
        .split_whitespace()
        .map(|part| match part.starts_with(level) {
            true => format!("{place}{part}"),
            false => part.to_string(),
        })
        .collect();
    *issuer = placed.join(" ");
}

/// The document's own 发文字号 in a headline or a notice's lead: the first one it does not
/// cite (为贯彻落实《国务院关于…》(国发〔2017〕35号) names another document's number).
pub fn own_doc_number(text: &str) -> Option<String> {
    // Cited: in brackets right after a document's name, or in a clause that cites.
    let cited = |start: usize, bracket: usize| {
        let before = text[..start].trim_end();
        let clause_from = text[..bracket].rfind(|c: char| "，。；,;：:".contains(c)).unwrap_or(0);
        let clause = &text[clause_from..bracket];
        // After a document's name the number is that document's: cited when the clause
        // cites it (为贯彻落实《…》(国发〔2017〕35号)), its own when it issues it (印发《…》(…号)).
        let after_name = before
            .strip_suffix(['(', '（'])
            .is_some_and(|b| b.trim_end().ends_with('》'));
        after_name && CITING.iter().any(|w| clause.contains(w)) || CITES_BY_NUMBER.iter().any(|w| clause.contains(w))
    };
    doc_number_where(text, cited)
}

/// How many characters of an item's text the policy fields are looked for in: a notice's
/// number and issuer stand at its head.
pub const HEAD_CHARS: usize = 300;

/// The policy fields an item's headline and text give, where `meta` (a detail page's, a
/// JSON field's) has none: the document's own number, and its issuer as the headline or
/// news names it, else as the notice is signed; a bare 市 or 省 in the issuer placed by
/// `source_name` when that is a city's or province's body. Every reader of items
/// (normalizing, the eval) reads them so.
pub fn fill_from_text(meta: &mut crate::model::PolicyMeta, title: &str, text: &str, source_name: &str) {
    if meta.doc_number.is_none() || meta.issuer.is_none() {
        let head: String = text.chars().take(HEAD_CHARS).collect();
        if meta.doc_number.is_none() {
            meta.doc_number = own_doc_number(title).or_else(|| own_doc_number(&head));
        }
        if meta.issuer.is_none() {
            meta.issuer = issuer_of(title, &head).or_else(|| signed_by(text));
        }
    }
    place_by_source(meta, source_name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_signed_by_its_issuer() {
        let body = "各区人民政府，市政府各委、办、局：\n现将《深圳市推进新型信息基础设施建设行动计划》印发给你们，请认真组织实施。\n";
        for (ending, issuer) in [
            ("深圳市工业和信息化局\n2023年5月10日", Some("深圳市工业和信息化局")),
            (
                "深圳市工业和信息化局　深圳市财政局\n2023年5月10日\n（此件公开发布）",
                Some("深圳市工业和信息化局 深圳市财政局"),
            ),
            (
                "特此通知。\n北京市经济和信息化局\n二〇二〇年九月一日",
                Some("北京市经济和信息化局"),
            ),
            ("广州市政府办公厅\n2024年1月3日", Some("广州市人民政府办公厅")),
            // A reporter's line, a paper's, a deadline: no signature.
            ("记者 张三\n2023年5月10日", None),
            ("来源：人民日报\n2023年5月10日", None),
            ("各项工作由市数据局负责，2025年12月31日前完成。", None),
            ("。市数据局2025年12月31日前完成验收。", None),
            ("。本办法由市数据局负责解释，自2025年1月1日起施行。", None),
            // Paragraphs run together, as a page's text may read them.
            (
                "扶持资金。苏州市工业和信息化局2020年9月3日",
                Some("苏州市工业和信息化局"),
            ),
        ] {
            let text = format!("{body}{ending}");
            assert_eq!(signed_by(&text).as_deref(), issuer, "{ending}");
        }
        // Only its end is read: a body and a date early in a long text sign nothing.
        let early = format!("深圳市工业和信息化局\n2023年5月10日\n{}", "正文。".repeat(200));
        assert_eq!(signed_by(&early), None);
    }

    #[test]
    fn a_bare_city_in_the_issuer_is_the_sites_own_bodys() {
        let placed = |issuer: &str, source: &str| {
            let mut meta = crate::model::PolicyMeta {
                issuer: Some(issuer.to_string()),
                ..Default::default()
            };
            place_by_source(&mut meta, source);
            meta.issuer.unwrap_or_default()
        };
        assert_eq!(
            placed("市工业和信息化局", "深圳市工业和信息化局"),
            "深圳市工业和信息化局"
        );
        assert_eq!(
            placed("省工业和信息化厅", "湖南省工业和信息化厅"),
            "湖南省工业和信息化厅"
        );
        assert_eq!(
            placed("市工业和信息化局 市财政局", "泉州市人民政府"),
            "泉州市工业和信息化局 泉州市财政局"
        );
        assert_eq!(
            placed("市工业和信息化局", "乌鲁木齐市人民政府"),
            "乌鲁木齐市工业和信息化局"
        );
        // Placed already, or a site that is no body, or no place before its 市.
        assert_eq!(
            placed("杭州市经济和信息化局", "宁波市经济和信息化局"),
            "杭州市经济和信息化局"
        );
        assert_eq!(placed("市工业和信息化局", "深圳新闻网"), "市工业和信息化局");
        assert_eq!(placed("市工业和信息化局", "中国城市报"), "市工业和信息化局");
        assert_eq!(placed("市工业和信息化局", "市场监管总局"), "市工业和信息化局");
    }

    #[test]
    fn document_numbers() {
        assert_eq!(
            find_doc_number("工信部联安全〔2022〕182号").as_deref(),
            Some("工信部联安全〔2022〕182号")
        );
        assert_eq!(normalize_doc_number("京经信发[2020]77号"), "京经信发〔2020〕77号");
        assert_eq!(normalize_doc_number("济智先办发（2020） 1号"), "济智先办发〔2020〕1号");
        assert_eq!(
            find_doc_number("根据济南市人民政府令第286号").as_deref(),
            Some("济南市人民政府令第286号")
        );
        assert_eq!(
            find_doc_number("上海市人民代表大会常务委员会公告〔十五届〕第一百二十二号").as_deref(),
            Some("上海市人民代表大会常务委员会公告〔十五届〕第一百二十二号")
        );
        assert_eq!(find_doc_number("2020年增长12%"), None);
        assert_eq!(
            find_doc_number("为贯彻落实工信部联安全〔2022〕182号文件").as_deref(),
            Some("工信部联安全〔2022〕182号")
        );
    }

    #[test]
    fn a_notices_own_number_not_the_one_it_cites() {
        let lead = "为贯彻落实《国务院关于印发新一代人工智能发展规划的通知》(国发〔2017〕35号),现将规划印发给你们。";
        assert_eq!(own_doc_number(lead), None);
        assert_eq!(
            find_doc_number(lead).as_deref(),
            Some("国发〔2017〕35号"),
            "any number is still found"
        );
        assert_eq!(
            own_doc_number("根据工信部联安全〔2022〕182号文件,现将云政发〔2019〕27号印发").as_deref(),
            Some("云政发〔2019〕27号")
        );
        assert_eq!(
            own_doc_number("近日,市政府印发《数字经济发展规划》(十政办发〔2021〕15号)").as_deref(),
            Some("十政办发〔2021〕15号")
        );
        assert_eq!(
            own_doc_number("关于贯彻落实数字中国建设整体布局规划的实施意见 鲁政字〔2023〕84号").as_deref(),
            Some("鲁政字〔2023〕84号")
        );
    }

    #[test]
    fn issuers_as_news_and_notices_name_them() {
        let of = |t: &str, l: &str| issuer_of(t, l);
        assert_eq!(
            of("工信部就《物联网基础安全标准体系建设指南》(征求意见稿)公开征求意见", "").as_deref(),
            Some("工业和信息化部")
        );
        assert_eq!(
            of(
                "江苏省工信厅:现将2022年省级软件企业技术中心认定工作有关事项通知如下",
                ""
            )
            .as_deref(),
            Some("江苏省工业和信息化厅")
        );
        assert_eq!(
            of(
                "深圳发布开源鸿蒙行动计划",
                "本报讯 记者赵晨报道:7月28日,深圳市工业和信息化局印发《深圳市推动开源鸿蒙欧拉产业创新发展行动计划》"
            )
            .as_deref(),
            Some("深圳市工业和信息化局")
        );
        assert_eq!(
            of("市人民政府办公室关于印发十堰市数字经济发展规划(2020-2025年)的通知", "").as_deref(),
            Some("十堰市人民政府办公室")
        );
        assert_eq!(
            of("市经信局关于开展 2025 年武汉市首版次软件产品申报认定工作的通知", "").as_deref(),
            Some("武汉市经济和信息化局")
        );
        // A bare 省 is the province the headline (or else the lead) names.
        assert_eq!(
            of(
                "软件定义未来，湖南抢抓先机",
                "近日，省工业和信息化厅印发《软件产业高质量发展行动计划》，提出到2027年……"
            )
            .as_deref(),
            Some("湖南省工业和信息化厅")
        );
        assert_eq!(
            of(
                "泉州市工业和信息化局 泉州市财政局关于开展2025年工业数字经济发展专项资金项目申报工作的通知",
                ""
            )
            .as_deref(),
            Some("泉州市工业和信息化局 泉州市财政局")
        );
        // Six of them, more than one name's length; a space before 关于.
        assert_eq!(
            of(
                "广东省工业和信息化厅 广东省发展和改革委员会 广东省科学技术厅 广东省商务厅 广东省政务服务数据管理局 广东省通信管理局关于印发广东省发展软件与信息服务战略性支柱产业集群行动计划(2023-2025年)的通知",
                ""
            )
            .as_deref(),
            Some("广东省工业和信息化厅 广东省发展和改革委员会 广东省科学技术厅 广东省商务厅 广东省政务服务数据管理局 广东省通信管理局")
        );
        assert_eq!(
            of("威海市人民政府 关于印发《数字威海建设2023年工作要点》的通知", "").as_deref(),
            Some("威海市人民政府")
        );
        assert_eq!(
            of(
                "日前,工业和信息化部、中央网信办等八部门联合印发了《“人工智能+制造”专项行动实施意见》",
                ""
            )
            .as_deref(),
            Some("工业和信息化部、中央网信办等八部门")
        );
        // Who forwards or carries out a document is not its issuer.
        assert_eq!(
            of("现将《广东省经济和信息化委关于推荐试点示范项目的通知》转发给你们", ""),
            None
        );
        assert_eq!(
            of(
                "为落实《深圳市人民政府关于加快培育壮大市场主体的实施意见》,我局制定了操作规程",
                ""
            ),
            None
        );
    }

    #[test]
    fn issuers_in_titles() {
        for (title, issuer) in [
            (
                "工业和信息化部关于推进工业软件适配验证中心建设的指导意见",
                Some("工业和信息化部"),
            ),
            (
                "苏州市工业和信息化局关于印发《苏州市软件产业…》的通知",
                Some("苏州市工业和信息化局"),
            ),
            ("杭州市人民政府办公厅印发《若干政策》", Some("杭州市人民政府办公厅")),
            ("关于组织申报2020年度工业互联网标杆工厂的通知", None),
            // The province named twice.
            (
                "江苏省省政府办公厅关于深入推进数字经济发展的意见",
                Some("江苏省人民政府办公厅"),
            ),
            // The body and the year of what it publishes.
            (
                "广东省政务服务和数据管理局2024年政府信息公开工作年度报告",
                Some("广东省政务服务和数据管理局"),
            ),
            // A year that is not what the body publishes.
            ("南京市数据局2024年以来推动数据要素市场化", None),
            // A bare 市 before a document that names no city: no verb taken for one.
            (
                "市人民政府办公厅关于印发市政协会议建议案办理工作方案的通知",
                Some("市人民政府办公厅"),
            ),
            (
                "市工业和信息化局关于印发深圳市数字经济产业扶持计划的通知",
                Some("深圳市工业和信息化局"),
            ),
        ] {
            assert_eq!(issuer_of(title, "").as_deref(), issuer, "{title}");
        }
    }
}
