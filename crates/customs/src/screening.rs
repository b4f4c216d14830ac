//! Denied-party screening: fuzzy comparison of a person's or company's name with watchlist
//! entries.
//!
//! Both names are first brought to a screening form:
//! 1. lower case; accents of Latin-1 and Latin Extended-A letters folded to ASCII (`é`→`e`,
//!    `ß`→`ss`, `ł`→`l`, `æ`→`ae`), combining marks dropped;
//! 2. apostrophes and full stops dropped (`O'Brien`→`obrien`, `S.A.`→`sa`), every other
//!    character that is not a letter or digit is a word break (`Al-Hassan`→`al hassan`);
//! 3. legal-form words (`ltd`, `co`, `gmbh`, `sdn`, `bhd`…) and `and`/`the` dropped, unless
//!    nothing else is left;
//! 4. the words sorted, so that word order does not matter (`Hassan Mohammed` = `Mohammed Hassan`).
//!
//! The similarity is the larger of two scores, both in parts per million, computed in integers:
//! - the Jaro-Winkler similarity of the two sorted forms as whole strings (catches typing
//!   errors, transpositions, run-together words);
//! - a word alignment: every word of each name is paired with its most similar word of the
//!   other (Jaro-Winkler), and the pair scores are averaged weighted by word length over both
//!   names (catches transliteration variants word by word; a missing or extra word weighs in).
//!
//! Jaro-Winkler uses the common prefix of up to 4 characters with the scaling 0.1, applied when
//! the Jaro similarity is at least 0.7 (Winkler's boost threshold). Every division rounds down.

use std::cmp::{max, min};

const PPM: u64 = 1_000_000;

/// Words that name a legal form or join words, not a party.
const NOISE_WORDS: &[&str] = &[
    "ab",
    "ag",
    "and",
    "as",
    "bhd",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "jsc",
    "kg",
    "kk",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "oy",
    "plc",
    "pjsc",
    "pt",
    "pte",
    "pty",
    "pvt",
    "sa",
    "sarl",
    "sas",
    "sdn",
    "spa",
    "srl",
    "tbk",
    "the",
];

/// The ASCII spelling of a lower-case Latin-1 or Latin Extended-A letter, when it has accents.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ð' | 'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ŋ' => "ng",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// The words of a name in screening form, sorted (see the module documentation).
pub fn screening_words(name: &str) -> Vec<String> {
    let mut text = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | 'ʼ' | '`' | '.') {
            continue;
        }
        match fold(c) {
            Some(ascii) => text.push_str(ascii),
            None if c.is_alphanumeric() => text.push(c),
            None => text.push(' '),
        }
    }
    let all: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let mut words: Vec<String> = all
        .iter()
        .filter(|w| !NOISE_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    if words.is_empty() {
        // A name made only of legal-form words ("AG") is still a name.
        words = all;
    }
    words.sort();
    words
}

/// The screening form as one string: the sorted words joined by single spaces.
pub fn screening_form(name: &str) -> String {
    screening_words(name).join(" ")
}

/// Jaro-Winkler similarity in parts per million (1 000 000 = identical), rounded down once from
/// the exact fraction.
pub fn jaro_winkler_ppm(a: &[char], b: &[char]) -> u32 {
    let (n, d) = jaro(a, b);
    // Winkler's boost applies from a Jaro similarity of 0.7: n/d >= 7/10.
    if 10 * n < 7 * d {
        return (n * PPM / d) as u32;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as u64;
    // n/d + prefix/10 · (1 − n/d) = (10n + prefix·(d − n)) / 10d.
    ((10 * n + prefix * (d - n)) * PPM / (10 * d)) as u32
}

/// Jaro similarity as an exact fraction (numerator, denominator): (m/|a| + m/|b| + (m − t)/m) / 3,
/// where m counts the characters that match within the window and t is half the matched
/// characters out of order.
fn jaro(a: &[char], b: &[char]) -> (u64, u64) {
    if a.is_empty() && b.is_empty() {
        return (1, 1);
    }
    if a.is_empty() || b.is_empty() {
        return (0, 1);
    }
    let window = (max(a.len(), b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_matched = Vec::with_capacity(min(a.len(), b.len()));
    for (i, ca) in a.iter().enumerate() {
        let from = i.saturating_sub(window);
        let to = min(i + window + 1, b.len());
        for j in from..to {
            if !b_used[j] && b[j] == *ca {
                b_used[j] = true;
                a_matched.push(*ca);
                break;
            }
        }
    }
    let m = a_matched.len() as u64;
    if m == 0 {
        return (0, 1);
    }
    let b_matched = b
        .iter()
        .zip(&b_used)
        .filter(|(_, used)| **used)
        .map(|(c, _)| c);
    let half_transpositions = a_matched
        .iter()
        .zip(b_matched)
        .filter(|(x, y)| *x != *y)
        .count() as u64;
    let (la, lb) = (a.len() as u64, b.len() as u64);
    // Over the common denominator 6·|a|·|b|·m, with t = half_transpositions / 2.
    let numerator = 2 * m * m * lb + 2 * m * m * la + (2 * m - half_transpositions) * la * lb;
    (numerator, 6 * la * lb * m)
}

/// Every word of `from` paired with its most similar word of `to`: Σ len × best, Σ len.
fn aligned(from: &[Vec<char>], to: &[Vec<char>]) -> (u64, u64) {
    from.iter().fold((0, 0), |(score, weight), w| {
        let best = to
            .iter()
            .map(|v| u64::from(jaro_winkler_ppm(w, v)))
            .max()
            .unwrap_or(0);
        let len = w.len() as u64;
        (score + len * best, weight + len)
    })
}

/// Similarity of two names in parts per million (see the module documentation).
pub fn similarity_ppm(a: &str, b: &str) -> u32 {
    let (wa, wb) = (screening_words(a), screening_words(b));
    words_similarity_ppm(&wa, &wb)
}

/// [`similarity_ppm`] on names already in screening words (to prepare a watchlist once).
pub fn words_similarity_ppm(wa: &[String], wb: &[String]) -> u32 {
    if wa.is_empty() || wb.is_empty() {
        return 0;
    }
    let whole_a: Vec<char> = wa.join(" ").chars().collect();
    let whole_b: Vec<char> = wb.join(" ").chars().collect();
    let whole = jaro_winkler_ppm(&whole_a, &whole_b);
    let ca: Vec<Vec<char>> = wa.iter().map(|w| w.chars().collect()).collect();
    let cb: Vec<Vec<char>> = wb.iter().map(|w| w.chars().collect()).collect();
    let (score_a, weight_a) = aligned(&ca, &cb);
    let (score_b, weight_b) = aligned(&cb, &ca);
    let words = ((score_a + score_b) / (weight_a + weight_b).max(1)) as u32;
    max(whole, words)
}

/// Similarity in whole percent, rounded down.
pub fn similarity_percent(a: &str, b: &str) -> u32 {
    similarity_ppm(a, b) / 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn jaro_winkler_matches_the_published_examples() {
        // Winkler's examples: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.840, DIXON/DICKSONX 0.813.
        assert_eq!(
            jaro_winkler_ppm(&chars("martha"), &chars("marhta")) / 1000,
            961
        );
        assert_eq!(
            jaro_winkler_ppm(&chars("dwayne"), &chars("duane")) / 1000,
            840
        );
        assert_eq!(
            jaro_winkler_ppm(&chars("dixon"), &chars("dicksonx")) / 1000,
            813
        );
        assert_eq!(jaro_winkler_ppm(&chars("abc"), &chars("abc")), 1_000_000);
        assert_eq!(jaro_winkler_ppm(&chars("abc"), &chars("xyz")), 0);
        assert_eq!(jaro_winkler_ppm(&chars(""), &chars("xyz")), 0);
    }

    #[test]
    fn screening_form_folds_and_drops() {
        assert_eq!(screening_form("ACME Trading Co., Ltd."), "acme trading");
        assert_eq!(screening_form("Acme Trading Limited"), "acme trading");
        assert_eq!(screening_form("Müller & Söhne GmbH"), "muller sohne");
        assert_eq!(screening_form("Łódź Straße"), "lodz strasse");
        assert_eq!(screening_form("Mohammed Al-Hassan"), "al hassan mohammed");
        assert_eq!(screening_form("O'Brien, Seán"), "obrien sean");
        assert_eq!(screening_form("Cafe\u{301} Noir S.A."), "cafe noir");
        assert_eq!(screening_form("Kedai Batik Sdn. Bhd."), "batik kedai");
        assert_eq!(
            screening_form("AG"),
            "ag",
            "a name of legal-form words only is kept"
        );
        assert_eq!(screening_form("  "), "");
        assert_eq!(screening_form("北京 贸易"), "北京 贸易");
    }

    #[test]
    fn near_misses_score_high() {
        let pairs = [
            ("ACME Trading Co., Ltd.", "Acme Trading Limited", 100),
            ("Mohammed Al-Hassan", "Muhammad Al Hasan", 90),
            ("Al-Hassan, Mohammed", "Mohammed Al Hassan", 100),
            ("Vladimir Petrov", "Vladimir Petorv", 95),
            ("Jonh Smith", "John Smith", 90),
            ("Global Shiping Ltd", "Global Shipping Limited", 95),
            ("Nordstrom Handels GmbH", "Nordström Handels AG", 100),
        ];
        for (a, b, at_least) in pairs {
            let got = similarity_percent(a, b);
            assert!(got >= at_least, "{a} ~ {b}: {got}% < {at_least}%");
            assert_eq!(got, similarity_percent(b, a), "symmetric: {a} ~ {b}");
        }
    }

    #[test]
    fn clear_non_matches_score_low() {
        let pairs = [
            ("ACME Trading Co., Ltd.", "Global Shipping Ltd"),
            ("Mohammed Al-Hassan", "Wang Fang"),
            ("Li Wei", "Li Na"),
            ("Kedai Batik Sdn Bhd", "Batam Logistics Pte Ltd"),
            ("John Smith", "Joan Smithers Holdings"),
        ];
        for (a, b) in pairs {
            let got = similarity_percent(a, b);
            assert!(got < 85, "{a} ~ {b}: {got}%");
        }
        assert_eq!(similarity_percent("", "Acme"), 0);
        assert_eq!(similarity_percent("Acme", "Acme"), 100);
    }

    #[test]
    fn a_missing_word_lowers_but_does_not_hide() {
        let full = similarity_percent("Mohammed Al-Hassan", "Mohammed Ali Al-Hassan");
        assert!((80..100).contains(&full), "{full}");
    }
}
