//! Reading the receipts of the clearance bench's CEB messages (the messages themselves are
//! composed by `ceb::compose`).

use ceb::RECEIPT_ACCEPTED;

/// How many documents of a receipt were accepted (`returnStatus` 120), and the first other
/// status with its `returnInfo`, if any.
pub fn accepted(receipt: &str) -> (usize, Option<String>) {
    let accepted_code = RECEIPT_ACCEPTED.code();
    let mut ok = 0;
    let mut other = None;
    // Between `returnStatus>` marks: a status, then what follows its closing tag (its info).
    let parts: Vec<&str> = receipt.split("returnStatus>").collect();
    for i in (1..parts.len()).step_by(2) {
        let status = parts[i].split('<').next().unwrap_or_default();
        if status == accepted_code {
            ok += 1;
        } else if other.is_none() {
            let info = parts
                .get(i + 1)
                .and_then(|rest| rest.split("returnInfo>").nth(1))
                .and_then(|s| s.split('<').next())
                .unwrap_or_default();
            other = Some(format!("{status}: {info}"));
        }
    }
    (ok, other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_counted_by_status() {
        let r = "<a><returnStatus>120</returnStatus><returnInfo>ok</returnInfo></a>\
                 <a><returnStatus>100</returnStatus><returnInfo>unknown_merchant at x</returnInfo></a>\
                 <a><returnStatus>120</returnStatus><returnInfo>ok</returnInfo></a>";
        assert_eq!(
            accepted(r),
            (2, Some("100: unknown_merchant at x".to_string()))
        );
        assert_eq!(accepted("<CEB900Message/>"), (0, None));
    }
}
