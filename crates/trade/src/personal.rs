//! Personal data (buyer names, ID numbers, phones, addresses) that must never reach a log
//! by accident: `Debug` and `Display` print a mask, and the clear value is reached only by
//! the explicit [`Personal::expose`].

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Personal(String);

impl Personal {
    pub fn new(value: impl Into<String>) -> Personal {
        Personal(value.into())
    }

    /// The clear value: call only to store it or to show it to the party that submitted it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Keeps the first character: enough to recognise a record, not a person.
    pub fn masked_name(&self) -> String {
        mask_keep(&self.0, 1, 0)
    }

    /// Keeps the last four characters of an identifier or a phone number.
    pub fn masked_tail(&self) -> String {
        mask_keep(&self.0, 0, 4)
    }

    pub fn masked_all(&self) -> String {
        mask_keep(&self.0, 0, 0)
    }
}

/// Replaces every character but the first `head` and last `tail` with `*`; values too short to
/// keep anything while hiding at least half are masked whole.
pub fn mask_keep(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    let (head, tail) = if (head + tail) * 2 > n {
        (0, 0)
    } else {
        (head, tail)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= n - tail || c.is_whitespace() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

impl std::fmt::Debug for Personal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Personal(***)")
    }
}

impl std::fmt::Display for Personal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let id = Personal::new("110101199003074514");
        assert!(!format!("{id:?}").contains("4514"));
        assert!(!format!("{id}").contains("4514"));
        assert_eq!(id.expose(), "110101199003074514");
    }

    #[test]
    fn masks_keep_little() {
        assert_eq!(
            Personal::new("110101199003074514").masked_tail(),
            "**************4514"
        );
        assert_eq!(Personal::new("Zhang San").masked_name(), "Z**** ***");
        assert_eq!(
            Personal::new("张三").masked_name(),
            "张*",
            "the usual display of a two-character name"
        );
        assert_eq!(Personal::new("A").masked_name(), "*");
        assert_eq!(Personal::new("+60123456789").masked_tail(), "********6789");
        assert_eq!(
            Personal::new("1234567").masked_tail(),
            "*******",
            "too short to show four"
        );
        assert_eq!(Personal::new("12345678").masked_tail(), "****5678");
        assert_eq!(Personal::new("123").masked_tail(), "***");
        assert_eq!(Personal::new("").masked_all(), "");
    }
}
