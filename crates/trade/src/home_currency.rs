//! The currency a country pays in: a merchant's home currency, the default of its payouts.
//!
//! Sources:
//! - ISO 4217:2015 *Codes for the representation of currencies*, Table A.1 ("List One":
//!   entity → currency), kept current by the ISO 4217 maintenance agency (SIX Financial
//!   Information), for every entry below.
//! - Council Regulation (EC) No 974/98 on the introduction of the euro, its Annex of
//!   participating Member States as amended at each enlargement of the euro area — most recently
//!   for Croatia (1 January 2023) and Bulgaria (1 January 2026) — for the euro members.
//!
//! Only countries the hub trades with are listed (every rule pack's country, the whole EU, and
//! the usual trading partners of the ASEAN hubs); a country not listed has no home currency here,
//! and a payout to its merchants must name its currency.

use crate::{Country, Currency};

/// The euro area (the EU members that adopted the euro), 21 countries since 1 January 2026.
pub const EURO_AREA: [&str; 21] = [
    "AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PT", "SI", "SK",
];

/// (country, currency) outside the euro area, ordered by country.
const NATIONAL: &[(&str, &str)] = &[
    ("AE", "AED"),
    ("AU", "AUD"),
    ("BN", "BND"),
    ("BR", "BRL"),
    ("CA", "CAD"),
    ("CH", "CHF"),
    ("CN", "CNY"),
    ("CZ", "CZK"),
    ("DK", "DKK"),
    ("GB", "GBP"),
    ("HK", "HKD"),
    ("HU", "HUF"),
    ("ID", "IDR"),
    ("IN", "INR"),
    ("IS", "ISK"),
    ("JP", "JPY"),
    ("KE", "KES"),
    ("KH", "KHR"),
    ("KR", "KRW"),
    ("LA", "LAK"),
    ("MM", "MMK"),
    ("MX", "MXN"),
    ("MY", "MYR"),
    ("NO", "NOK"),
    ("NZ", "NZD"),
    ("PH", "PHP"),
    ("PL", "PLN"),
    ("RO", "RON"),
    ("RW", "RWF"),
    ("SA", "SAR"),
    ("SE", "SEK"),
    ("SG", "SGD"),
    ("TH", "THB"),
    ("TR", "TRY"),
    ("TW", "TWD"),
    ("US", "USD"),
    ("VN", "VND"),
    ("ZA", "ZAR"),
];

/// The currency `country` pays in, when the table knows it.
pub fn home_currency(country: Country) -> Option<Currency> {
    let code = country.code();
    let currency = if EURO_AREA.contains(&code) {
        "EUR"
    } else {
        NATIONAL
            .binary_search_by(|(c, _)| (*c).cmp(code))
            .ok()
            .map(|i| NATIONAL[i].1)?
    };
    // Every listed code is an ISO 4217 code the hub supports (checked by the tests below).
    Currency::parse(currency).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(code: &str) -> Option<&'static str> {
        home_currency(Country::parse(code).unwrap()).map(|c| c.code())
    }

    #[test]
    fn every_entry_is_a_known_country_and_currency_listed_once() {
        assert!(
            NATIONAL.windows(2).all(|w| w[0].0 < w[1].0),
            "ordered, for the binary search"
        );
        for (country, currency) in NATIONAL {
            assert!(Country::parse(country).is_ok(), "{country}");
            assert!(Currency::parse(currency).is_ok(), "{currency}");
            assert!(!EURO_AREA.contains(country), "{country} twice");
        }
        let mut euro = EURO_AREA.to_vec();
        euro.sort();
        euro.dedup();
        assert_eq!(euro.len(), 21);
        for country in EURO_AREA {
            assert_eq!(home(country), Some("EUR"), "{country}");
        }
    }

    #[test]
    fn the_rule_packs_countries_have_their_currency() {
        for (country, currency) in [
            ("MY", "MYR"),
            ("SG", "SGD"),
            ("TH", "THB"),
            ("VN", "VND"),
            ("JP", "JPY"),
            ("CN", "CNY"),
            ("AU", "AUD"),
            ("GB", "GBP"),
            ("US", "USD"),
            ("PL", "PLN"),
            ("DE", "EUR"),
            ("FR", "EUR"),
            ("BE", "EUR"),
            ("ES", "EUR"),
            ("IE", "EUR"),
            ("IT", "EUR"),
            ("NL", "EUR"),
            ("HR", "EUR"),
            ("BG", "EUR"),
        ] {
            assert_eq!(home(country), Some(currency), "{country}");
        }
    }

    #[test]
    fn eu_members_outside_the_euro_keep_their_own() {
        for (country, currency) in [
            ("CZ", "CZK"),
            ("DK", "DKK"),
            ("HU", "HUF"),
            ("RO", "RON"),
            ("SE", "SEK"),
        ] {
            assert_eq!(home(country), Some(currency), "{country}");
        }
    }

    #[test]
    fn an_unlisted_country_has_none() {
        assert_eq!(home("AQ"), None);
        assert_eq!(home("MC"), None);
    }
}
