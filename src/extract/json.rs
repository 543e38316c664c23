//! JSON list endpoints (gov.cn's policy library, Sina's roll API, jpaas/Hanweb
//! `build/unit` answers): a dotted path to the items, then field names.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use url::Url;

use super::{ExtractError, dates};
use crate::config::JsonSpec;
use crate::model::{PolicyMeta, RawItem};

/// Every value at a dotted `path`; `*` stands for every element or member.
pub fn select<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut cur = vec![root];
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for v in cur {
            match (seg, v) {
                ("*", Value::Array(a)) => next.extend(a.iter()),
                ("*", Value::Object(o)) => next.extend(o.values()),
                (key, Value::Object(o)) => next.extend(o.get(key)),
                (idx, Value::Array(a)) => next.extend(idx.parse::<usize>().ok().and_then(|i| a.get(i))),
                _ => {}
            }
        }
        cur = next;
    }
    cur
}

/// The text of a scalar at `path` under `v` (numbers as written).
pub fn text_at(v: &Value, path: &str) -> Option<String> {
    let found = select(v, path).into_iter().next()?;
    let s = match found {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

pub fn parse_document(text: &str) -> Result<Value, ExtractError> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| ExtractError::Malformed(format!("JSON: {e}")))
}

/// Read the items of a JSON list endpoint.
pub fn parse(
    text: &str,
    page_url: &Url,
    spec: &JsonSpec,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Vec<RawItem>, ExtractError> {
    let doc = parse_document(text)?;
    let mut rows: Vec<&Value> = Vec::new();
    for v in select(&doc, &spec.items) {
        match v {
            Value::Array(a) => rows.extend(a.iter()),
            other => rows.push(other),
        }
    }
    let items: Vec<RawItem> = rows
        .into_iter()
        .filter_map(|row| {
            let title = text_at(row, &spec.title)?;
            let link = text_at(row, &spec.link).and_then(|l| page_url.join(&l).ok())?;
            let field = |f: &Option<String>| f.as_deref().and_then(|p| text_at(row, p));
            Some(RawItem {
                guid: None,
                link: Some(link.to_string()),
                title,
                summary: field(&spec.summary),
                content: None,
                published: field(&spec.date).and_then(|d| dates::parse(&d, now, tz)),
                author: None,
                policy: PolicyMeta {
                    issuer: field(&spec.issuer),
                    doc_number: field(&spec.doc_number).map(|d| super::policy::normalize_doc_number(&d)),
                    ..Default::default()
                },
            })
        })
        .collect();
    if items.is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(items)
}

/// The HTML fragment a JSON answer carries in `field` (`data.html`).
pub fn html_field(text: &str, field: &str) -> Result<String, ExtractError> {
    let doc = parse_document(text)?;
    text_at(&doc, field).ok_or_else(|| ExtractError::Malformed(format!("JSON has no string at `{field}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOV: &str = r#"{"searchVO":{"totalCount":0,"catMap":{"bumenfile":{"totalCount":1,"listVO":[
 {"title":"工业和信息化部关于推进<em>工业软件</em>适配验证中心建设的指导意见","url":"https://www.gov.test/zhengce/zhengceku/2020-09/04/content_5599001.htm",
  "pubtimeStr":"2020.09.04","puborg":"工业和信息化部","pcode":"工信部信软〔2020〕901号","summary":"为加快<em>工业软件</em>产品迭代……","index":"000014349/2020-09901"}]},
 "gongwen":{"totalCount":0,"listVO":[]}}}}"#;

    #[test]
    fn gov_policy_library() -> Result<(), Box<dyn std::error::Error>> {
        let spec = JsonSpec {
            items: "searchVO.catMap.*.listVO".into(),
            title: "title".into(),
            link: "url".into(),
            date: Some("pubtimeStr".into()),
            summary: Some("summary".into()),
            issuer: Some("puborg".into()),
            doc_number: Some("pcode".into()),
        };
        let now = Utc::now();
        let items = parse(
            GOV,
            &Url::parse("https://sousuo.gov.test/data")?,
            &spec,
            now,
            chrono_tz::Asia::Shanghai,
        )?;
        assert_eq!(items.len(), 1, "empty top-level count, items in catMap");
        let i = &items[0];
        assert!(i.title.contains("<em>"), "tags are stripped in normalize");
        assert_eq!(i.policy.doc_number.as_deref(), Some("工信部信软〔2020〕901号"));
        assert_eq!(i.policy.issuer.as_deref(), Some("工业和信息化部"));
        assert_eq!(
            i.published.map(|d| d.to_rfc3339()),
            Some("2020-09-03T16:00:00+00:00".into())
        );
        Ok(())
    }

    #[test]
    fn paths() -> Result<(), Box<dyn std::error::Error>> {
        let v: Value = serde_json::from_str(r#"{"result":{"data":[{"t":"a","ctime":1599184800},{"t":"b"}]}}"#)?;
        assert_eq!(select(&v, "result.data.*").len(), 2);
        assert_eq!(text_at(&v, "result.data.0.ctime").as_deref(), Some("1599184800"));
        assert!(html_field(r#"{"data":{"html":"<li>x</li>"}}"#, "data.html")?.contains("<li>"));
        assert!(parse_document("<html>").is_err());
        Ok(())
    }
}
