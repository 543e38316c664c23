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
static ISSUER_BEFORE_GUANYU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.{2,40}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管理局|局|部|厅|委|院|署|中心|领导小组))(?:等\p{Han}{1,4}部门)?(?:关于|印发)")
        .expect("static regex")
});

/// Words that run into a document number's prefix in prose ("根据工信部…〔2022〕1号").
const LEAD_INS: &[&str] = &[
    "根据", "按照", "依据", "依照", "贯彻", "落实", "转发", "印发", "执行", "参照", "见", "经", "和", "与", "及", "的",
    "据",
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

/// A 发文字号 in `text`, brackets normalised to 〔〕.
pub fn find_doc_number(text: &str) -> Option<String> {
    if let Some(c) = SPECIAL_NO.captures(text) {
        return Some(format!("{}〔{}〕第{}号", prefix(&c[1], 30), &c[2], &c[3]));
    }
    if let Some(c) = DOC_NO.captures(text) {
        return Some(format!("{}〔{}〕{}号", prefix(&c[1], 10), &c[2], &c[3]));
    }
    ORDER_NO
        .captures(text)
        .map(|c| format!("{}第{}号", prefix(&c[1], 20), &c[2]))
}

/// Normalise a document number as written (`京经信发[2020]77号` → `京经信发〔2020〕77号`).
pub fn normalize_doc_number(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}').collect();
    find_doc_number(&compact).unwrap_or(compact)
}

/// The issuer a policy title names before 关于/印发 (`工业和信息化部关于…` → 工业和信息化部).
pub fn issuer_from_title(title: &str) -> Option<String> {
    let t = title.trim_start_matches('《');
    ISSUER_BEFORE_GUANYU.captures(t).map(|c| c[1].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn issuers_in_titles() {
        assert_eq!(
            issuer_from_title("工业和信息化部关于推进工业软件适配验证中心建设的指导意见").as_deref(),
            Some("工业和信息化部")
        );
        assert_eq!(
            issuer_from_title("苏州市工业和信息化局关于印发《苏州市软件产业…》的通知").as_deref(),
            Some("苏州市工业和信息化局")
        );
        assert_eq!(
            issuer_from_title("杭州市人民政府办公厅印发《若干政策》").as_deref(),
            Some("杭州市人民政府办公厅")
        );
        assert_eq!(issuer_from_title("关于组织申报2020年度工业互联网标杆工厂的通知"), None);
    }
}
