//! Calendar dates as the packs and the quote request write them: `YYYY-MM-DD`.

use time::{Date, Month};

pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let year = number(0..4)? as i32;
    let month = Month::try_from(number(5..7)? as u8).ok()?;
    let day = number(8..10)? as u8;
    Date::from_calendar_date(year, month, day).ok()
}

pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// An inclusive range of days; either end may be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Option<Date>,
    pub until: Option<Date>,
}

impl Period {
    pub const ALWAYS: Period = Period {
        from: None,
        until: None,
    };

    pub fn contains(&self, day: Date) -> bool {
        self.from.is_none_or(|from| from <= day) && self.until.is_none_or(|until| day <= until)
    }

    pub fn overlaps(&self, other: &Period) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(from), Some(until)) => from <= until,
            _ => true,
        };
        let other_starts_before_self_ends = match (other.from, self.until) {
            (Some(from), Some(until)) => from <= until,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_self_ends
    }

    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = parse_date("2026-07-01").unwrap();
        assert_eq!(format_date(d), "2026-07-01");
        for bad in [
            "2026-7-01",
            "2026-02-30",
            "20260701",
            "2026-13-01",
            "２０26-01-01",
            "2026-01-0a",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods() {
        let day = |s| parse_date(s).unwrap();
        let until_june = Period {
            from: None,
            until: Some(day("2026-06-30")),
        };
        let from_july = Period {
            from: Some(day("2026-07-01")),
            until: None,
        };
        assert!(!until_june.overlaps(&from_july));
        assert!(!from_july.overlaps(&until_june));
        assert!(Period::ALWAYS.overlaps(&from_july));
        let july_only = Period {
            from: Some(day("2026-07-01")),
            until: Some(day("2026-07-31")),
        };
        assert!(july_only.overlaps(&from_july));
        assert!(from_july.contains(day("2026-07-01")));
        assert!(!from_july.contains(day("2026-06-30")));
        assert!(until_june.contains(day("2026-06-30")));
    }
}
