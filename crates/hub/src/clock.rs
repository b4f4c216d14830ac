//! The shell's sources of time and randomness, handed to the pure crates as plain values.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};
use trade::id::{encode, IdClock, IdKind};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Issues ids that sort in issue order within this process.
#[derive(Default)]
pub struct IdGen {
    clock: Mutex<IdClock>,
}

impl IdGen {
    pub fn next(&self, kind: IdKind) -> String {
        let now = now_ms().max(0) as u64;
        let mut clock = self.clock.lock().expect("id clock lock");
        // Within a millisecond the clock counts up from the entropy it drew last: the OS is
        // asked for more only when the millisecond moves on.
        let mut bytes = [0u8; 16];
        if clock.takes_entropy(now) {
            getrandom::getrandom(&mut bytes).expect("the OS random source");
        }
        let (ms, entropy) = clock.next(now, u128::from_le_bytes(bytes));
        drop(clock);
        encode(kind, ms, entropy)
    }
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-23T16:48:05.123Z`.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses an RFC 3339 time into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Today's date in UTC: the default date of a quote.
pub fn today_utc() -> time::Date {
    time::OffsetDateTime::from_unix_timestamp_nanos(now_ms() as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_milliseconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_452_485_123), "2026-11-23T16:48:05.123Z");
        assert_eq!(
            parse_rfc3339("2026-11-23T16:48:05.123Z"),
            Some(1_795_452_485_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T17:48:05.123+01:00"),
            Some(1_795_452_485_123)
        );
        assert_eq!(parse_rfc3339("2026-11-23"), None);
    }

    #[test]
    fn ids_sort_in_issue_order() {
        let ids = IdGen::default();
        let a = ids.next(IdKind::Order);
        let b = ids.next(IdKind::Order);
        assert!(a < b);
    }
}
