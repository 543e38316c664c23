//! Dates as Chinese sites write them, read in the configured timezone (Beijing time by
//! default, since portals never say so).
//!
//! Handles `2020-09-04`, `2020/9/4`, `2020.09.04`, `2020年9月4日 10:00`,
//! `2020-09-04-17:30:12` (gov.cn meta), `[2020-09-04]`, year-less `09-04 18:30` and
//! `9月4日` (year inferred: the latest year not more than a day after `now`), relative
//! `刚刚`, `3分钟前`, `3小时前`, `3天前`, `今天 07:15`, `昨天 22:40`, `前天 21:05`,
//! epoch seconds or milliseconds, RFC 3339 and RFC 2822. A date without a time gets
//! midnight: no invented time of day.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use regex::Regex;

static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT\-]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
    )
    .expect("static regex")
});
static NO_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")
        .expect("static regex")
});
static RELATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+)\s*(秒|分钟|分|小时|天|周|个月|月|年)前").expect("static regex"));
static DAY_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(今天|昨天|前天)\s*(?:(\d{1,2})[:：](\d{2}))?").expect("static regex"));
static BARE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?$").expect("static regex"));
static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:/t(20\d{2})(\d{2})(\d{2})_)|(?:/art/(20\d{2})/(\d{1,2})/(\d{1,2})/)|(?:/(20\d{2})-(\d{2})-?/?(\d{2})/)|(?:/(20\d{2})-(\d{2})/(\d{2})/)")
        .expect("static regex")
});

fn local(tz: Tz, date: NaiveDate, time: Option<NaiveTime>) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::new(date, time.unwrap_or(NaiveTime::MIN));
    tz.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
}

fn hms(h: Option<&str>, m: Option<&str>, s: Option<&str>) -> Option<NaiveTime> {
    let h: u32 = h?.parse().ok()?;
    let m: u32 = m?.parse().ok()?;
    let s: u32 = s.and_then(|s| s.parse().ok()).unwrap_or(0);
    NaiveTime::from_hms_opt(h, m, s)
}

/// Parse a date as a site wrote it. `now` anchors relative and year-less dates.
pub fn parse(text: &str, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let t = text
        .trim()
        .trim_matches(['[', ']', '(', ')', '（', '）', '【', '】'])
        .trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    if t.len() >= 9 && t.len() <= 13 && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        return if t.len() == 13 {
            DateTime::from_timestamp_millis(n)
        } else {
            DateTime::from_timestamp(n, 0)
        };
    }
    if let Some(c) = FULL.captures(t) {
        let date = NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        let time = hms(
            c.get(4).map(|m| m.as_str()),
            c.get(5).map(|m| m.as_str()),
            c.get(6).map(|m| m.as_str()),
        );
        return local(tz, date, time);
    }
    let today = now.with_timezone(&tz).date_naive();
    if t == "刚刚" || t == "刚才" {
        return Some(now);
    }
    if let Some(c) = RELATIVE.captures(t) {
        let n: i64 = c[1].parse().ok()?;
        let d = match &c[2] {
            "秒" => Duration::seconds(n),
            "分钟" | "分" => Duration::minutes(n),
            "小时" => Duration::hours(n),
            "天" => Duration::days(n),
            "周" => Duration::weeks(n),
            "个月" | "月" => Duration::days(30 * n),
            _ => Duration::days(365 * n),
        };
        return Some(now - d);
    }
    if let Some(c) = DAY_WORD.captures(t) {
        let back = match &c[1] {
            "今天" => 0,
            "昨天" => 1,
            _ => 2,
        };
        let time = hms(c.get(2).map(|m| m.as_str()), c.get(3).map(|m| m.as_str()), None);
        return local(tz, today - Duration::days(back), time);
    }
    if let Some(c) = BARE_TIME.captures(t) {
        return local(tz, today, hms(Some(&c[1]), Some(&c[2]), None));
    }
    if let Some(c) = NO_YEAR.captures(t) {
        let (m, d): (u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?);
        let time = hms(
            c.get(3).map(|m| m.as_str()),
            c.get(4).map(|m| m.as_str()),
            c.get(5).map(|m| m.as_str()),
        );
        // The latest year that does not put the date more than a day after `now`.
        for year in [today.year(), today.year() - 1] {
            if let Some(date) = NaiveDate::from_ymd_opt(year, m, d)
                && date <= today + Duration::days(1)
            {
                return local(tz, date, time);
            }
        }
    }
    None
}

/// Parse with an explicit chrono format (a source's `date_format`), in `tz`.
pub fn parse_with_format(text: &str, format: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
        return tz.from_local_datetime(&dt).earliest().map(|d| d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(t, format)
        .ok()
        .and_then(|d| local(tz, d, None))
}

/// The date many CMSs write into article URLs (`/t20200904_1.html`, `/art/2020/9/4/`,
/// `/2020-09-04/`, `/2020-09/04/`).
pub fn from_url(url: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let c = URL_DATE.captures(url)?;
    let nums: Vec<u32> = c
        .iter()
        .skip(1)
        .flatten()
        .filter_map(|m| m.as_str().parse().ok())
        .collect();
    let [y, m, d] = nums[..] else { return None };
    local(tz, NaiveDate::from_ymd_opt(y as i32, m, d)?, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn bj(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("the test time is RFC 3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_forms_portals_write() {
        let now = bj("2020-09-04T10:00:00+08:00");
        let cases = [
            ("2020-09-04", "2020-09-04T00:00:00+08:00"),
            ("[2020-9-3]", "2020-09-03T00:00:00+08:00"),
            ("2020年09月01日", "2020-09-01T00:00:00+08:00"),
            ("2020/08/28", "2020-08-28T00:00:00+08:00"),
            ("2020.09.04", "2020-09-04T00:00:00+08:00"),
            ("发布时间：2020-08-30 10:00", "2020-08-30T10:00:00+08:00"),
            ("2020-09-04-17:30:12", "2020-09-04T17:30:12+08:00"),
            ("2020年8月28日", "2020-08-28T00:00:00+08:00"),
            ("刚刚", "2020-09-04T10:00:00+08:00"),
            ("8分钟前", "2020-09-04T09:52:00+08:00"),
            ("3小时前", "2020-09-04T07:00:00+08:00"),
            ("今天 07:15", "2020-09-04T07:15:00+08:00"),
            ("昨天 22:40", "2020-09-03T22:40:00+08:00"),
            ("前天 21:05", "2020-09-02T21:05:00+08:00"),
            ("3天前", "2020-09-01T10:00:00+08:00"),
            ("09-01 18:30", "2020-09-01T18:30:00+08:00"),
            ("12-30 08:00", "2019-12-30T08:00:00+08:00"),
            ("9月4日", "2020-09-04T00:00:00+08:00"),
            ("1599184800", "2020-09-04T10:00:00+08:00"),
            ("1599184800000", "2020-09-04T10:00:00+08:00"),
            ("Fri, 04 Sep 2020 02:00:00 GMT", "2020-09-04T10:00:00+08:00"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text, now, Shanghai), Some(bj(want)), "{text}");
        }
        assert_eq!(parse("不是日期", now, Shanghai), None);
    }

    #[test]
    fn dates_in_urls() {
        let want = Some(bj("2020-09-04T00:00:00+08:00"));
        assert_eq!(
            from_url("http://x.test/tzgg/202009/t20200904_7730001.html", Shanghai),
            want
        );
        assert_eq!(
            from_url("http://x.test/art/2020/9/4/art_4471_310001.html", Shanghai),
            want
        );
        assert_eq!(from_url("http://x.test/it/2020-09-04/2801001.shtml", Shanghai), want);
        assert_eq!(
            from_url("http://x.test/yaowen/2020-09/04/content_1.html", Shanghai),
            want
        );
        assert_eq!(from_url("http://x.test/a/b.html", Shanghai), None);
    }
}
