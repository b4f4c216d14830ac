//! CEB times: `YYYYMMDDhhmmss` (14 characters, e.g. `appTime`) and `YYYYMMDDhhmmssSSS`
//! (17, receipts' `returnTime`), written in local time — China time (UTC+8) for customs.
//! Pure civil-calendar arithmetic (proleptic Gregorian), no clock and no time-zone database.

/// China Standard Time, the offset of every CEB time stamp, in minutes.
pub const CHINA_OFFSET_MINUTES: i32 = 480;

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01 (`civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

fn civil(ms: i64, offset_minutes: i32) -> Civil {
    let local = ms.saturating_add(i64::from(offset_minutes) * 60_000);
    let days = local.div_euclid(MS_PER_DAY);
    let in_day = local.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        millis: in_day % 1000,
    }
}

/// `YYYYMMDDhhmmss` of a Unix time in milliseconds, at a UTC offset in minutes
/// ([`CHINA_OFFSET_MINUTES`] for customs). Years outside 0–9999 do not fit 14 characters;
/// they are written in full, and the schema check of whatever carries them refuses them.
pub fn format_ceb_time14(ms: i64, offset_minutes: i32) -> String {
    let c = civil(ms, offset_minutes);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `YYYYMMDDhhmmssSSS` (with milliseconds), as receipts' `returnTime`.
pub fn format_ceb_time17(ms: i64, offset_minutes: i32) -> String {
    let c = civil(ms, offset_minutes);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// `YYYYMMDD` (the inventory list's `declTime` and `ieDate`).
pub fn format_ceb_date8(ms: i64, offset_minutes: i32) -> String {
    let c = civil(ms, offset_minutes);
    format!("{:04}{:02}{:02}", c.year, c.month, c.day)
}

/// Reads `YYYYMMDDhhmmss` written at `offset_minutes` into Unix milliseconds; `None` unless it
/// is exactly 14 ASCII digits naming a real date and time (hours 00–23, no leap second).
pub fn parse_ceb_time14(text: &str, offset_minutes: i32) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |from: usize, to: usize| -> i64 {
        bytes[from..to]
            .iter()
            .fold(0i64, |n, b| n * 10 + i64::from(b - b'0'))
    };
    let year = number(0, 4);
    let month = u32::try_from(number(4, 6)).ok()?;
    let day = u32::try_from(number(6, 8)).ok()?;
    let (hour, minute, second) = (number(8, 10), number(10, 12), number(12, 14));
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let local_ms = days_from_civil(year, month, day) * MS_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1000;
    Some(local_ms - i64::from(offset_minutes) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_china_time() {
        assert_eq!(format_ceb_time14(0, 0), "19700101000000");
        assert_eq!(format_ceb_time14(0, CHINA_OFFSET_MINUTES), "19700101080000");
        assert_eq!(format_ceb_time17(1_234, 0), "19700101000001234");
        assert_eq!(format_ceb_date8(-1, 0), "19691231");
    }

    #[test]
    fn known_dates() {
        // 2016-03-08T03:27:01Z is the sample order's appTime 20160308112701 in China.
        assert_eq!(
            parse_ceb_time14("20160308112701", CHINA_OFFSET_MINUTES),
            Some(1_457_407_621_000)
        );
        assert_eq!(format_ceb_time14(1_457_407_621_000, 480), "20160308112701");
        // 2000-02-29 (leap, divisible by 400) and 2024-02-29.
        assert_eq!(parse_ceb_time14("20000229000000", 0), Some(951_782_400_000));
        assert_eq!(
            parse_ceb_time14("20240229235959", 0),
            Some(1_709_251_199_000)
        );
        assert_eq!(format_ceb_time14(1_709_251_199_000, 0), "20240229235959");
        // Crossing midnight and the year with the offset.
        assert_eq!(format_ceb_time14(1_704_038_400_000, 480), "20240101000000");
        assert_eq!(
            format_ceb_time17(1_704_038_399_999, 480),
            "20231231235959999"
        );
    }

    #[test]
    fn impossible_times_are_refused() {
        for bad in [
            "19000229000000", // 1900 is not a leap year
            "20230229000000",
            "20241301000000",
            "20240100000000",
            "20240431000000",
            "20240101240000",
            "20240101006000",
            "20240101000060",
            "2024010100000",
            "202401010000000",
            "2024010100000a",
            "２０２４0101000000",
            "",
        ] {
            assert_eq!(parse_ceb_time14(bad, 480), None, "{bad}");
        }
    }

    #[test]
    fn round_trip_over_many_days() {
        let mut ms = -86_400_000i64 * 76_000; // 1761-12
        while ms < 86_400_000i64 * 2_900_000 {
            // 9909
            let text = format_ceb_time14(ms, 480);
            assert_eq!(parse_ceb_time14(&text, 480), Some(ms - ms.rem_euclid(1000)));
            ms += 86_400_000 * 7 + 3_600_000 * 5 + 61_001;
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        for ms in [i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1] {
            let _ = format_ceb_time14(ms, 480);
            let _ = format_ceb_time17(ms, -720);
            let _ = format_ceb_date8(ms, i32::MAX);
        }
        assert!(parse_ceb_time14("99991231235959", i32::MIN).is_some());
    }
}
