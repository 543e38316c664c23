//! The extract stage on the fixture pages of shared/brief/chinese-sources.md.

mod common;

use banyue::config::{DetailSpec, ListSpec, Pick};
use banyue::extract::{dates, html};
use banyue::fetch::charset;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use common::*;
use url::Url;

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn list_spec(item: &str, title: &str, date: &str) -> ListSpec {
    ListSpec {
        item: Pick::parse(item).unwrap(),
        title: Pick::parse(title).unwrap(),
        link: Pick::parse("a").unwrap(),
        date: Some(Pick::parse(date).unwrap()),
        date_format: None,
        summary: None,
        next: None,
        page_pattern: None,
        page_start: 1,
        max_pages: 1,
    }
}

#[test]
fn gbk_list_page_decodes_and_yields_seven_rows() {
    let origin = "http://gxj.shifan.gov.test";
    let bytes = gbk(&fill(&fixture("portal/list_gbk.html"), origin));
    let charset::Decoded {
        text, encoding: enc, ..
    } = charset::decode(&bytes, Some("text/html"));
    assert_eq!(enc.name(), "GBK");
    let page = Url::parse("http://gxj.shifan.gov.test/tzgg/").unwrap();
    let items = html::parse_list(
        &text,
        &page,
        &list_spec("ul.list li", "a@title", "span"),
        fixture_now(),
        Shanghai,
    )
    .unwrap();
    assert_eq!(items.len(), 7, "nav, 更多 and javascript: links are not rows");
    let want = [
        (
            "苏州市软件产业提质增效三年行动计划（2020—2022年）",
            "http://gxj.shifan.gov.test/tzgg/202009/t20200904_7730001.html",
            "2020-09-04T00:00:00+08:00",
        ),
        (
            "关于组织申报2020年度工业互联网标杆工厂的通知",
            "http://gxj.shifan.gov.test/tzgg/202009/t20200903_7730002.html",
            "2020-09-03T00:00:00+08:00",
        ),
        (
            "省级软件名园培育名单",
            "http://gxj.shifan.gov.test/art/2020/9/2/art_6278_9100001.html",
            "2020-09-02T00:00:00+08:00",
        ),
        (
            "副局长王喆带队调研工业软件企业",
            "http://gxj.shifan.gov.test/tzgg/202009/t20200901_7730004.html",
            "2020-09-01T00:00:00+08:00",
        ),
        (
            "2020年1—7月全市软件和信息服务业运行情况",
            "http://gxj.shifan.gov.test/tzgg/202008/t20200828_7730005.html",
            "2020-08-28T00:00:00+08:00",
        ),
        (
            "征求意见稿",
            "http://gxj.shifan.gov.test/tzgg/202008/t20200827_7730006.html",
            "2020-08-27T00:00:00+08:00",
        ),
        (
            "公开招聘编外人员公告",
            "http://gxj.shifan.gov.test/tzgg/202008/t20200826_7730007.html",
            "2020-08-26T00:00:00+08:00",
        ),
    ];
    for (item, (title, link, date)) in items.iter().zip(want) {
        assert!(item.title.contains(title), "{} !~ {title}", item.title);
        assert!(
            !item.title.ends_with("..."),
            "the full title comes from @title: {}",
            item.title
        );
        assert_eq!(item.link.as_deref(), Some(link));
        assert_eq!(item.published, Some(bj(date)), "{}", item.title);
    }
}

#[test]
fn roll_page_with_relative_dates() {
    let page = Url::parse("http://news.example.test/roll/").unwrap();
    let spec = list_spec("div.newslist li", "span.tit a@title", "span.time");
    let items = html::parse_list(
        &fixture("news/roll_relative.html"),
        &page,
        &spec,
        fixture_now(),
        Shanghai,
    )
    .unwrap();
    let got: Vec<Option<DateTime<Utc>>> = items.iter().map(|i| i.published).collect();
    let want = [
        "2020-09-04T10:00:00+08:00",
        "2020-09-04T09:52:00+08:00",
        "2020-09-04T07:00:00+08:00",
        "2020-09-04T07:15:00+08:00",
        "2020-09-03T22:40:00+08:00",
        "2020-09-02T21:05:00+08:00",
        "2020-09-01T10:00:00+08:00",
        "2020-09-01T18:30:00+08:00",
        "2020-08-30T10:00:00+08:00",
        "2020-08-28T00:00:00+08:00",
        "2019-12-30T08:00:00+08:00",
    ];
    assert_eq!(got, want.iter().map(|w| Some(bj(w))).collect::<Vec<_>>());
    assert_eq!(
        items[0].link.as_deref(),
        Some("http://news.example.test/it/2020-09-04/2801001.shtml")
    );
}

#[test]
fn policy_detail_with_metadata_table() {
    let url = Url::parse("http://www.gov.test/zhengce/content_5599001.htm").unwrap();
    let spec = DetailSpec {
        body: vec![],
        metadata: true,
        date: None,
    };
    let d = html::parse_detail(
        &fixture("portal/detail_meta.html"),
        &url,
        &spec,
        fixture_now(),
        Shanghai,
    );
    assert_eq!(d.policy.issuer.as_deref(), Some("工业和信息化部"));
    assert_eq!(d.policy.doc_number.as_deref(), Some("工信部信软〔2020〕901号"));
    assert_eq!(d.policy.written.as_deref(), Some("2020-08-28"));
    assert_eq!(d.policy.index_no.as_deref(), Some("000014349/2020-09901"));
    assert_eq!(d.policy.topic.as_deref(), Some("工业、交通\\信息产业（含电信）"));
    assert_eq!(
        d.published,
        Some(bj("2020-09-04T17:30:12+08:00")),
        "firstpublishedtime wins"
    );
    let body = d.content_html.unwrap_or_default();
    assert!(body.contains("10个左右国家级工业软件适配验证中心"), "{body}");
}

#[test]
fn beijing_style_bracketed_metadata() {
    let url = Url::parse("http://jxj.beijing.gov.test/zwgk/t20200903_1.html").unwrap();
    let spec = DetailSpec {
        body: vec![],
        metadata: true,
        date: None,
    };
    let d = html::parse_detail(
        &fixture("portal/detail_beijing.html"),
        &url,
        &spec,
        fixture_now(),
        Shanghai,
    );
    assert_eq!(d.policy.issuer.as_deref(), Some("北京市经济和信息化局"));
    assert_eq!(d.policy.doc_number.as_deref(), Some("京经信发〔2020〕77号"));
    assert_eq!(d.policy.written.as_deref(), Some("2020-09-01"));
    assert_eq!(
        d.published,
        Some(bj("2020-09-03T10:00:00+08:00")),
        "first datetime of a doubled PubDate"
    );
    assert!(d.content_html.unwrap_or_default().contains("各有关单位"));
}

#[test]
fn url_dates_back_up_list_dates() {
    assert_eq!(
        dates::from_url("http://x.test/art/2020/9/4/art_4471_310001.html", Shanghai),
        Some(bj("2020-09-04T00:00:00+08:00"))
    );
}
