//! Short forms written out: outlets say 国办 and CPI where a portal and the bureau say
//! 国务院办公厅 and 居民消费价格. Two reports of one story read alike only when both say
//! the name one way, so every report's headline and text are compared in the long form.
//!
//! Only names that stand for one thing whatever the outlet are listed; a short form
//! that is also a piece of other words is written out only where it stands alone
//! (国办 in 全国办理 or 美国办展 is no 国务院办公厅).

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Where a short form may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stands {
    /// Anywhere: no other word contains it.
    Anywhere,
    /// Not after a Chinese character: its first character ends many words (美国, 全国).
    AfterNoHan,
    /// As a Latin word of its own (CPI, not CPIs or ECPI).
    AsWord,
}

/// (short form, long form, where the short form may stand, what it must not go on to):
/// 国办发〔2026〕3号 is a document number, which is compared as written; 工信部门 is a
/// department of an industry bureau, not the ministry.
const SHORT_FORMS: &[(&str, &str, Stands, &[&str])] = &[
    (
        "国办",
        "国务院办公厅",
        Stands::AfterNoHan,
        &["发〔", "发[", "发(", "发（", "函", "发明电"],
    ),
    (
        "中办",
        "中共中央办公厅",
        Stands::AfterNoHan,
        &["发〔", "发[", "发(", "发（", "函"],
    ),
    ("工信部", "工业和信息化部", Stands::Anywhere, &["门"]),
    ("人社部", "人力资源和社会保障部", Stands::Anywhere, &["门"]),
    ("住建部", "住房和城乡建设部", Stands::Anywhere, &["门"]),
    ("发改委", "发展改革委", Stands::Anywhere, &[]),
    ("发展和改革委员会", "发展改革委", Stands::Anywhere, &[]),
    ("国资委", "国有资产监督管理委员会", Stands::Anywhere, &[]),
    ("市场监管总局", "市场监督管理总局", Stands::Anywhere, &[]),
    ("国家网信办", "国家互联网信息办公室", Stands::Anywhere, &[]),
    ("央行", "中国人民银行", Stands::AfterNoHan, &[]),
    ("中科院", "中国科学院", Stands::Anywhere, &[]),
    ("社科院", "社会科学院", Stands::Anywhere, &[]),
    ("证监会", "证券监督管理委员会", Stands::Anywhere, &[]),
    ("金融监管总局", "金融监督管理总局", Stands::Anywhere, &[]),
    // 规上 only before what it measures: 法规上, 新规上线 and 违规上市 are other words.
    ("规上工业", "规模以上工业", Stands::Anywhere, &[]),
    ("规上企业", "规模以上企业", Stands::Anywhere, &[]),
    ("规上服务业", "规模以上服务业", Stands::Anywhere, &[]),
    ("社零总额", "社会消费品零售总额", Stands::Anywhere, &[]),
    ("社零", "社会消费品零售总额", Stands::Anywhere, &[]),
    // National fairs, each one event a year whatever its city calls it.
    ("广交会", "中国进出口商品交易会", Stands::Anywhere, &[]),
    ("进博会", "中国国际进口博览会", Stands::Anywhere, &[]),
    ("服贸会", "中国国际服务贸易交易会", Stands::Anywhere, &[]),
    ("高交会", "中国国际高新技术成果交易会", Stands::Anywhere, &[]),
    ("消博会", "中国国际消费品博览会", Stands::Anywhere, &[]),
    ("链博会", "中国国际供应链促进博览会", Stands::Anywhere, &[]),
    ("东博会", "中国—东盟博览会", Stands::Anywhere, &[]),
    ("CPI", "居民消费价格", Stands::AsWord, &[]),
    ("PPI", "工业生产者出厂价格", Stands::AsWord, &[]),
    ("PMI", "采购经理指数", Stands::AsWord, &[]),
    ("GDP", "国内生产总值", Stands::AsWord, &[]),
    ("gross domestic product", "国内生产总值", Stands::AsWord, &[]),
    ("consumer price index", "居民消费价格", Stands::AsWord, &[]),
];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(SHORT_FORMS.iter().map(|(short, ..)| short))
        .expect("the short forms are a handful of literals")
});

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `text` with every short form that stands alone written out in full; borrowed when it
/// has none (most texts).
pub fn written_out(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for m in MATCHER.find_iter(text) {
        let (short, long, stands, not_before) = SHORT_FORMS[m.pattern().as_usize()];
        let before = text[..m.start()].chars().next_back();
        let after = &text[m.end()..];
        let alone = match stands {
            Stands::Anywhere => true,
            Stands::AfterNoHan => !before.is_some_and(is_han),
            Stands::AsWord => {
                let word = |c: char| c.is_ascii_alphanumeric();
                !before.is_some_and(word) && !after.chars().next().is_some_and(word)
            }
        };
        if !alone || not_before.iter().any(|n| after.starts_with(n)) {
            continue;
        }
        debug_assert!(text[m.range()].eq_ignore_ascii_case(short));
        out.push_str(&text[copied..m.start()]);
        out.push_str(long);
        copied = m.end();
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_are_written_out_where_they_stand_alone() {
        assert_eq!(
            written_out("【新华社】国办印发意见 加快培育和发展低空经济"),
            "【新华社】国务院办公厅印发意见 加快培育和发展低空经济"
        );
        assert_eq!(
            written_out("2万亿元目标！国办发文推动低空经济发展"),
            "2万亿元目标！国务院办公厅发文推动低空经济发展"
        );
        assert_eq!(
            written_out("9月CPI同比涨0.4% 核心CPI连续5个月回升"),
            "9月居民消费价格同比涨0.4% 核心居民消费价格连续5个月回升"
        );
        assert_eq!(written_out("国家发改委：加力推进"), "国家发展改革委：加力推进");
        assert_eq!(written_out("工信部印发通知"), "工业和信息化部印发通知");
        assert_eq!(written_out("全省规上工业增加值增长6%"), "全省规模以上工业增加值增长6%");
        assert_eq!(written_out("第138届广交会开幕"), "第138届中国进出口商品交易会开幕");
    }

    #[test]
    fn a_short_form_inside_other_words_stays() {
        for text in [
            "全国办理业务量增长",
            "美国办展商减少",
            "国办发〔2026〕3号",
            "省工信部门召开会议",
            "在法规上予以明确",
            "新规上线",
            "CPIs and ECPI",
            "没有简称的标题",
        ] {
            assert!(matches!(written_out(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
