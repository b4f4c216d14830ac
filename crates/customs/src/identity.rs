//! The buyer's identity: the Chinese resident identity card number (GB 11643-1999) and the
//! normal forms used to compare names and ID numbers across the order, the payment and the waybill.
//!
//! A resident ID number has 18 characters: a 6-digit address code (the first two digits name the
//! province-level region), the birth date `YYYYMMDD`, a 3-digit sequence and an ISO 7064 MOD 11-2
//! check character (`0`–`9` or `X` for ten). The residence permits of Hong Kong, Macau and Taiwan
//! residents use the same format with the address codes 810000, 820000 and 830000.

use time::{Date, Month};

/// Why a number is not a valid resident ID number. Checked in this order; the first problem wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ResidentIdProblem {
    #[error("a resident ID number has 18 characters")]
    WrongLength,
    #[error("a resident ID number has 17 digits followed by a digit or X")]
    NotDigits,
    #[error("the first two digits are not a province-level region code")]
    UnknownRegion,
    #[error("the birth date is not a real date between 1900-01-01 and today")]
    InvalidBirthDate,
    #[error("the check character does not match the other 17 digits")]
    BadCheckDigit,
}

impl ResidentIdProblem {
    /// Stable machine-readable code.
    pub fn as_str(self) -> &'static str {
        match self {
            ResidentIdProblem::WrongLength => "wrong_length",
            ResidentIdProblem::NotDigits => "not_digits",
            ResidentIdProblem::UnknownRegion => "unknown_region",
            ResidentIdProblem::InvalidBirthDate => "invalid_birth_date",
            ResidentIdProblem::BadCheckDigit => "bad_check_digit",
        }
    }

    /// The part of the number that failed, for a person ("check digit"); never the number itself.
    pub fn part(self) -> &'static str {
        match self {
            ResidentIdProblem::WrongLength => "length",
            ResidentIdProblem::NotDigits => "characters",
            ResidentIdProblem::UnknownRegion => "region code",
            ResidentIdProblem::InvalidBirthDate => "birth date",
            ResidentIdProblem::BadCheckDigit => "check digit",
        }
    }
}

/// Province-level codes of GB/T 2260 (11–15 north, 21–23 north-east, 31–37 east, 41–46 centre
/// and south, 50–54 south-west, 61–65 north-west, 71 Taiwan) and the residence-permit codes
/// 81 (Hong Kong), 82 (Macau), 83 (Taiwan). The 2023 permanent residence card of foreigners
/// starts with 9: it is another document and is not accepted here.
const REGIONS: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// ISO 7064 MOD 11-2 weights of the first 17 digits: 2^(17−i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character of the first 17 digits of a resident ID number (`'0'`–`'9'` or `'X'`);
/// `None` when `first_17` is not exactly 17 ASCII digits.
pub fn cn_resident_id_check_char(first_17: &str) -> Option<char> {
    let bytes = first_17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = (12 - sum % 11) % 11;
    Some(match check {
        10 => 'X',
        d => char::from(b'0' + d as u8),
    })
}

/// Checks a Chinese resident identity card number: 18 characters, 17 digits then a digit or
/// `X` (a lower-case `x` is accepted: people type it), a province-level region, a real birth
/// date from 1900-01-01 to `today`, and the MOD 11-2 check character. The caller strips any
/// separators first (see [`normalize_id_number`]).
pub fn check_cn_resident_id(id: &str, today: Date) -> Result<(), ResidentIdProblem> {
    if id.chars().count() != 18 {
        return Err(ResidentIdProblem::WrongLength);
    }
    // 18 chars that are all ASCII make 18 bytes; anything else fails the digit test below.
    let bytes = id.as_bytes();
    let last = bytes[bytes.len() - 1];
    if bytes.len() != 18
        || !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(last.is_ascii_digit() || last == b'X' || last == b'x')
    {
        return Err(ResidentIdProblem::NotDigits);
    }
    let digits = |range: std::ops::Range<usize>| -> u32 {
        bytes[range]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let region = digits(0..2) as u8;
    if !REGIONS.contains(&region) {
        return Err(ResidentIdProblem::UnknownRegion);
    }
    let birth = Month::try_from(digits(10..12) as u8)
        .ok()
        .and_then(|m| Date::from_calendar_date(digits(6..10) as i32, m, digits(12..14) as u8).ok());
    let earliest = Date::from_calendar_date(1900, Month::January, 1).ok();
    match (birth, earliest) {
        (Some(b), Some(first)) if b >= first && b <= today => {}
        _ => return Err(ResidentIdProblem::InvalidBirthDate),
    }
    // The first 17 bytes are ASCII digits (checked above), so the slice is valid UTF-8.
    let expected = cn_resident_id_check_char(&id[..17]);
    if expected != Some(char::from(last.to_ascii_uppercase())) {
        return Err(ResidentIdProblem::BadCheckDigit);
    }
    Ok(())
}

/// The form in which ID numbers are compared: ASCII upper case, without spaces and dashes
/// (people and systems write `1101 0519…` or `A-1234567`).
pub fn normalize_id_number(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Middle dots that separate the parts of transliterated names (阿卜杜拉·艾尼, Abdulla•Aini).
fn is_middle_dot(c: char) -> bool {
    matches!(c, '·' | '•' | '・' | '‧' | '⋅')
}

/// Han, kana and hangul: scripts written without spaces between the parts of a name.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0x20000..=0x3FFFF)
}

/// The form in which person names are compared across documents: trimmed, inner whitespace
/// collapsed to one space, ASCII letters in lower case, middle dots treated as separators.
/// A separator next to a CJK character is dropped altogether (`张 三` = `张三`,
/// `阿卜杜拉·艾尼` = `阿卜杜拉艾尼`); between Latin parts it becomes one space
/// (`Abdulla·Aini` = `abdulla aini`).
pub fn normalize_person_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_separator = false;
    for c in name.chars() {
        if c.is_whitespace() || is_middle_dot(c) {
            pending_separator = true;
            continue;
        }
        if pending_separator {
            let previous_is_cjk = out.chars().next_back().is_some_and(is_cjk);
            if !out.is_empty() && !previous_is_cjk && !is_cjk(c) {
                out.push(' ');
            }
            pending_separator = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::November, 25).unwrap()
    }

    /// An independent check: ISO 7064 MOD 11-2 holds when Σ aᵢ·2^(17−i) over all 18 positions
    /// (the check character weighing 1, X meaning 10) is 1 mod 11.
    fn iso7064_holds(id: &str) -> bool {
        let mut sum: u64 = 0;
        for (i, c) in id.chars().enumerate() {
            let v = match c {
                'X' | 'x' => 10,
                d => d.to_digit(10).unwrap() as u64,
            };
            sum += v * ((1u64 << (17 - i)) % 11);
        }
        sum % 11 == 1
    }

    /// Builds a number by trying every check character and keeping the one the independent test accepts.
    fn with_check(first_17: &str) -> String {
        "0123456789X"
            .chars()
            .map(|c| format!("{first_17}{c}"))
            .find(|id| iso7064_holds(id))
            .unwrap()
    }

    #[test]
    fn worked_example_by_hand() {
        // 11010519491231002: Σ = 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2
        //                      = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2;
        // (12 − 2) mod 11 = 10, written X.
        assert_eq!(cn_resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(check_cn_resident_id("11010519491231002X", today()), Ok(()));
        assert_eq!(
            check_cn_resident_id("11010519491231002x", today()),
            Ok(()),
            "lower-case x is accepted"
        );
        assert!(iso7064_holds("11010519491231002X"));
    }

    #[test]
    fn constructed_numbers_pass() {
        for body in [
            "33010619850312123", // Zhejiang, Hangzhou
            "44030420000229456", // Guangdong, a leap day
            "65010219000101001", // the earliest accepted birth date
            "81000019770701002", // a Hong Kong resident's permit
            "83000020010911003", // a Taiwan resident's permit
            "71000019800101005",
        ] {
            let id = with_check(body);
            assert_eq!(check_cn_resident_id(&id, today()), Ok(()), "{id}");
            assert_eq!(cn_resident_id_check_char(body), id.chars().last(), "{body}");
        }
    }

    #[test]
    fn each_problem_has_its_code() {
        let cases = [
            ("1101051949123100", ResidentIdProblem::WrongLength),
            ("110105194912310021X", ResidentIdProblem::WrongLength),
            ("11010519491231002Y", ResidentIdProblem::NotDigits),
            ("1101051949123100X2", ResidentIdProblem::NotDigits),
            ("11010519491231002七", ResidentIdProblem::NotDigits),
            ("１1010519491231002X", ResidentIdProblem::NotDigits),
            (
                &with_check("10010519491231002"),
                ResidentIdProblem::UnknownRegion,
            ),
            (
                &with_check("91010519491231002"),
                ResidentIdProblem::UnknownRegion,
            ),
            (
                &with_check("11010519490231002"),
                ResidentIdProblem::InvalidBirthDate,
            ),
            (
                &with_check("11010520010229002"),
                ResidentIdProblem::InvalidBirthDate,
            ),
            (
                &with_check("11010518991231002"),
                ResidentIdProblem::InvalidBirthDate,
            ),
            (
                &with_check("11010520261126002"),
                ResidentIdProblem::InvalidBirthDate,
            ),
            (
                &with_check("11010519491300002"),
                ResidentIdProblem::InvalidBirthDate,
            ),
            ("110105194912310021", ResidentIdProblem::BadCheckDigit),
        ];
        for (id, problem) in cases {
            assert_eq!(check_cn_resident_id(id, today()), Err(problem), "{id}");
        }
        assert_eq!(
            check_cn_resident_id(&with_check("11010520261125002"), today()),
            Ok(()),
            "born today"
        );
        let codes: Vec<&str> = [
            ResidentIdProblem::WrongLength,
            ResidentIdProblem::NotDigits,
            ResidentIdProblem::UnknownRegion,
            ResidentIdProblem::InvalidBirthDate,
            ResidentIdProblem::BadCheckDigit,
        ]
        .iter()
        .map(|p| p.as_str())
        .collect();
        assert_eq!(
            codes,
            [
                "wrong_length",
                "not_digits",
                "unknown_region",
                "invalid_birth_date",
                "bad_check_digit"
            ]
        );
    }

    #[test]
    fn names_compare_in_normal_form() {
        assert_eq!(normalize_person_name("  Wang   Fang "), "wang fang");
        assert_eq!(normalize_person_name("WANG\tFANG"), "wang fang");
        assert_eq!(normalize_person_name("Abdulla·Aini"), "abdulla aini");
        assert_eq!(normalize_person_name("Abdulla • Aini"), "abdulla aini");
        assert_eq!(
            normalize_person_name("阿卜杜拉·艾尼"),
            normalize_person_name("阿卜杜拉艾尼")
        );
        assert_eq!(normalize_person_name("张 三"), "张三");
        assert_eq!(normalize_person_name("·Li·"), "li");
        assert_ne!(
            normalize_person_name("Wang Fang"),
            normalize_person_name("Wang Fan")
        );
        assert_eq!(normalize_id_number("a-123 456"), "A123456");
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(REGIONS.to_vec()),
            0u32..10_000,
            1900i32..2026,
            1u8..=12,
            1u8..=28,
            0u32..1000,
        )
            .prop_map(|(r, area, y, m, d, seq)| {
                let body = format!("{r:02}{area:04}{y:04}{m:02}{d:02}{seq:03}");
                let check = cn_resident_id_check_char(&body).unwrap();
                format!("{body}{check}")
            })
    }

    proptest! {
        #[test]
        fn generated_numbers_pass_both_implementations(id in valid_id()) {
            prop_assert!(iso7064_holds(&id));
            prop_assert_eq!(check_cn_resident_id(&id, today()), Ok(()));
        }

        #[test]
        fn any_single_digit_change_breaks_the_check(id in valid_id(), pos in 0usize..18, step in 1u8..10) {
            let mut bytes = id.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'X' {
                b'0' + step
            } else {
                b'0' + (bytes[pos] - b'0' + step) % 10
            };
            let changed = String::from_utf8(bytes).unwrap();
            // The change may also break the region or the date; it never leaves a valid number.
            prop_assert!(check_cn_resident_id(&changed, today()).is_err());
            prop_assert!(!iso7064_holds(&changed));
        }
    }
}
