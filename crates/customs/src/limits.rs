//! What a destination enforces on cross-border retail parcels: the per-order and per-buyer
//! annual limits, the tolerance of the amounts check, and the buyer's identity rule.
//!
//! The hub fills [`CustomsLimits`] from the destination's rule pack. For China's CBEC retail
//! import that is CNY, ¥5,000.00 per order, ¥26,000.00 per buyer per calendar year, 5% tolerance,
//! the resident identity card, and the calendar year of UTC+8 (Cai Guan Shui [2018] No. 49).
//! A destination without such a regime has no limits (`None` in the clearance input).

use serde::{Deserialize, Serialize};
use trade::Currency;

/// The tolerance of the amounts check when the destination publishes none: the 5% of China's
/// published check 6, a reasonable allowance for rounding and exchange differences elsewhere.
pub const DEFAULT_AMOUNTS_TOLERANCE_BPS: u32 = 500;

/// Which identity document the buyer must prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuyerIdRule {
    /// Any ID type and number are accepted as given.
    None,
    /// The buyer's ID type is `national_id` and the number a valid Chinese resident identity
    /// card number (see [`crate::identity::check_cn_resident_id`]).
    CnResident,
}

impl BuyerIdRule {
    pub fn as_str(self) -> &'static str {
        match self {
            BuyerIdRule::None => "none",
            BuyerIdRule::CnResident => "cn_resident",
        }
    }

    pub fn parse(text: &str) -> Option<BuyerIdRule> {
        [BuyerIdRule::None, BuyerIdRule::CnResident]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomsLimits {
    /// The currency of both limits and of the buyer's annual total.
    pub currency: Currency,
    /// The most one order may have actually paid, in minor units of `currency`.
    pub per_order_max: Option<i64>,
    /// The most one buyer may buy per calendar year, in minor units of `currency`.
    pub per_buyer_year_max: Option<i64>,
    /// How far the actual payment and the withheld tax may stray from what customs computes,
    /// in basis points (500 = 5%).
    pub amounts_tolerance_bps: u32,
    pub buyer_id_rule: BuyerIdRule,
    /// The destination's offset from UTC: the annual limit counts its calendar year
    /// (+480 for China).
    pub year_utc_offset_minutes: i32,
}

impl CustomsLimits {
    /// China's CBEC retail import limits (Cai Guan Shui [2018] No. 49), for tests and demos;
    /// the hub reads them from the rule pack.
    pub fn cn_cbec() -> CustomsLimits {
        CustomsLimits {
            // A constant code from the ISO 4217 table: cannot fail.
            currency: Currency::parse("CNY").expect("CNY is in the currency table"),
            per_order_max: Some(500_000),
            per_buyer_year_max: Some(2_600_000),
            amounts_tolerance_bps: 500,
            buyer_id_rule: BuyerIdRule::CnResident,
            year_utc_offset_minutes: 480,
        }
    }
}

const MS_PER_DAY: i128 = 86_400_000;

/// The calendar year at Unix time `ms` in a zone `offset_minutes` east of UTC.
/// Civil-date arithmetic on days (H. Hinnant's `civil_from_days`), valid for every `i64` input.
pub fn calendar_year(ms: i64, offset_minutes: i32) -> i32 {
    let local_ms = i128::from(ms) + i128::from(offset_minutes) * 60_000;
    let days = local_ms.div_euclid(MS_PER_DAY);
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March … 11 = February
    let year = year_of_era + era * 400 + i128::from(month_index >= 10);
    // |ms| < 2^63 ms is under 300 million years: always within i32.
    year as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn year_turns_at_local_midnight() {
        // 2026-12-31T16:00:00Z is 2027-01-01T00:00 in China.
        let ms = 1_798_732_800_000;
        assert_eq!(calendar_year(ms - 1, 480), 2026);
        assert_eq!(calendar_year(ms, 480), 2027);
        assert_eq!(calendar_year(ms, 0), 2026);
        assert_eq!(calendar_year(0, 0), 1970);
        assert_eq!(calendar_year(-1, 0), 1969);
        assert_eq!(calendar_year(0, -60), 1969);
        assert_eq!(calendar_year(951_782_400_000, 0), 2000, "2000-02-29");
    }

    #[test]
    fn extremes_do_not_overflow() {
        assert!(calendar_year(i64::MAX, 14 * 60) > 292_000_000);
        assert!(calendar_year(i64::MIN, -14 * 60) < -292_000_000);
    }

    #[test]
    fn china_limits() {
        let cn = CustomsLimits::cn_cbec();
        assert_eq!(cn.currency.code(), "CNY");
        assert_eq!(cn.per_order_max, Some(500_000));
        assert_eq!(cn.per_buyer_year_max, Some(2_600_000));
        for r in [BuyerIdRule::None, BuyerIdRule::CnResident] {
            assert_eq!(BuyerIdRule::parse(r.as_str()), Some(r));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_time_crate(ms in -62_000_000_000_000i64..253_000_000_000_000, off in -840i32..=840) {
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap()
                + time::Duration::minutes(i64::from(off));
            prop_assert_eq!(calendar_year(ms, off), t.year());
        }
    }
}
