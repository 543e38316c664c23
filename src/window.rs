//! Issue windows (shared by the draft, the store and the review desk): the half month (1st–15th, 16th–end) an issue covers, in local time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::IssueWindow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

fn last_day_of_month(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN)
}

impl Window {
    /// The window that contains `day`.
    pub fn containing(day: NaiveDate, kind: IssueWindow) -> Window {
        let (y, m) = (day.year(), day.month());
        let first = day.with_day(1).unwrap_or(day);
        match kind {
            IssueWindow::HalfMonth if day.day() <= 15 => Window {
                from: first,
                to: first + Duration::days(14),
            },
            IssueWindow::HalfMonth => Window {
                from: first + Duration::days(15),
                to: last_day_of_month(y, m),
            },
            IssueWindow::Month => Window {
                from: first,
                to: last_day_of_month(y, m),
            },
            IssueWindow::Week => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                Window {
                    from: monday,
                    to: monday + Duration::days(6),
                }
            }
        }
    }

    /// Start instant (local midnight of `from`) and end instant (local midnight after `to`).
    pub fn bounds(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        (at(self.from), at(self.to + Duration::days(1)))
    }

    /// 第N期 within the year: half months count 1–24, months 1–12, weeks by ISO week.
    pub fn number(&self, kind: IssueWindow) -> u32 {
        match kind {
            IssueWindow::HalfMonth => (self.from.month() - 1) * 2 + if self.from.day() > 15 { 2 } else { 1 },
            IssueWindow::Month => self.from.month(),
            IssueWindow::Week => self.from.iso_week().week(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date is YYYY-MM-DD")
    }

    #[test]
    fn half_months() {
        let w = Window::containing(d("2026-11-24"), IssueWindow::HalfMonth);
        assert_eq!((w.from, w.to), (d("2026-11-16"), d("2026-11-30")));
        assert_eq!(w.number(IssueWindow::HalfMonth), 22);
        let w = Window::containing(d("2024-02-20"), IssueWindow::HalfMonth);
        assert_eq!(w.to, d("2024-02-29"));
        let w = Window::containing(d("2026-01-15"), IssueWindow::HalfMonth);
        assert_eq!(
            (w.from, w.to, w.number(IssueWindow::HalfMonth)),
            (d("2026-01-01"), d("2026-01-15"), 1)
        );
        let (a, b) = w.bounds(chrono_tz::Asia::Shanghai);
        assert_eq!(a.to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-01-15T16:00:00+00:00");
    }
}
