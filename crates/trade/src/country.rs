//! ISO 3166-1 alpha-2 country codes.

use serde::{Deserialize, Serialize};

/// All 249 officially assigned ISO 3166-1 alpha-2 codes.
const ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES \
ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO \
IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK \
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR \
PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK \
TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

/// Binary search in `ALPHA2`: sorted codes, each followed by one space.
fn is_assigned(code: [u8; 2]) -> bool {
    let table = ALPHA2.as_bytes();
    let (mut lo, mut hi) = (0, table.len().div_ceil(3));
    while lo < hi {
        let mid = (lo + hi) / 2;
        match [table[3 * mid], table[3 * mid + 1]].cmp(&code) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
pub struct UnknownCountry(pub String);

impl Country {
    pub fn parse(code: &str) -> Result<Country, UnknownCountry> {
        let b = code.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_uppercase) || !is_assigned([b[0], b[1]]) {
            return Err(UnknownCountry(code.to_string()));
        }
        Ok(Country([b[0], b[1]]))
    }

    pub fn code(&self) -> &str {
        // Built only from validated ASCII letters.
        std::str::from_utf8(&self.0).expect("ascii")
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Country::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_every_assigned_code_once() {
        let codes: Vec<&str> = ALPHA2.split(' ').collect();
        assert_eq!(codes.len(), 249);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 249);
        assert_eq!(sorted, codes, "kept in alphabetical order");
    }

    #[test]
    fn the_search_finds_every_listed_code_and_nothing_else() {
        let listed: std::collections::HashSet<&str> = ALPHA2.split(' ').collect();
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                assert_eq!(
                    Country::parse(&code).is_ok(),
                    listed.contains(code.as_str()),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn parses_known_codes_only() {
        for ok in ["CN", "MY", "DE", "US", "GB", "RW", "BE"] {
            assert_eq!(Country::parse(ok).unwrap().code(), ok);
        }
        for bad in ["UK", "EU", "cn", "C", "CHN", "", "ZZ", "XK"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
    }
}
