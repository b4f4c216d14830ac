//! The buyer's annual total: what each declaration takes from the buyer's yearly limit and gives
//! back.
//!
//! The rule: a declaration that clears the automatic checks (released or held) takes the order's
//! actual payment, in the limits' currency, from the quota of its destination, calendar year and
//! buyer. If it later ends rejected by an officer, cancelled or returned, it gives back exactly
//! what it took, to the same key (the year it was counted in, even if the return comes next
//! year). A declaration rejected by the automatic checks takes nothing. A single indivisible
//! item above the per-order limit counts like any other order.
//!
//! The hub keeps one row per [`QuotaKey`] and applies each [`QuotaMovement`] inside its
//! single-writer transaction, so two orders of one buyer can never both pass on the same room.
//! The key names the buyer by a reference the hub derives (a hash of [`buyer_ref_material`]),
//! never by the clear ID number.

use crate::declaration::DeclarationStatus;
use crate::identity::normalize_id_number;
use crate::limits::calendar_year;
use trade::order::BuyerIdType;
use trade::{Country, Personal};

/// One buyer's quota in one destination and calendar year.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuotaKey {
    pub destination: Country,
    /// The destination's calendar year (see [`calendar_year`]).
    pub year: i32,
    /// The hub's hash of [`buyer_ref_material`]: never the clear ID number.
    pub buyer_ref: String,
}

impl QuotaKey {
    /// The key of the year that contains `at_ms` in the destination's zone.
    pub fn at(
        destination: Country,
        at_ms: i64,
        year_utc_offset_minutes: i32,
        buyer_ref: String,
    ) -> QuotaKey {
        QuotaKey {
            destination,
            year: calendar_year(at_ms, year_utc_offset_minutes),
            buyer_ref,
        }
    }
}

/// A change of one quota row: positive takes, negative gives back; in minor units of the
/// limits' currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaMovement {
    pub key: QuotaKey,
    pub amount: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    #[error("a quota amount is never negative")]
    NegativeAmount,
    #[error("giving back more than was used would make the total negative")]
    WouldGoNegative,
    #[error("the total is too large")]
    Overflow,
}

impl QuotaError {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaError::NegativeAmount => "negative_amount",
            QuotaError::WouldGoNegative => "quota_would_go_negative",
            QuotaError::Overflow => "amount_too_large",
        }
    }
}

/// True when adding `add` to `used` passes `limit` (equal to the limit is allowed). Exact for
/// every `i64` input.
pub fn would_exceed(used: i64, add: i64, limit: i64) -> bool {
    i128::from(used) + i128::from(add) > i128::from(limit)
}

/// What a declaration takes: `amount` is the order's actual payment in the limits' currency
/// ([`crate::clearance::ClearanceInput::paid_in_limits_currency`]).
pub fn consume_for(key: QuotaKey, amount: i64) -> Result<QuotaMovement, QuotaError> {
    if amount < 0 {
        return Err(QuotaError::NegativeAmount);
    }
    Ok(QuotaMovement { key, amount })
}

/// What a declaration gives back: exactly what it took (`taken`), to the key it took it from.
pub fn release_for(key: QuotaKey, taken: i64) -> Result<QuotaMovement, QuotaError> {
    if taken < 0 {
        return Err(QuotaError::NegativeAmount);
    }
    Ok(QuotaMovement {
        key,
        amount: -taken,
    })
}

/// The row's new total after `movement`; never negative, never past `i64`.
pub fn apply(used: i64, movement: &QuotaMovement) -> Result<i64, QuotaError> {
    let next = used
        .checked_add(movement.amount)
        .ok_or(QuotaError::Overflow)?;
    if next < 0 {
        return Err(QuotaError::WouldGoNegative);
    }
    Ok(next)
}

/// The movement a declaration's change of status causes: taking when it starts counting
/// (cleared as released or held), giving back when it stops (rejected by an officer, cancelled,
/// returned); `from` is `None` for the clearance itself. `taken` is what it took (or, at
/// clearance, takes).
pub fn movement_for_transition(
    from: Option<DeclarationStatus>,
    to: DeclarationStatus,
    key: &QuotaKey,
    taken: i64,
) -> Result<Option<QuotaMovement>, QuotaError> {
    let counted_before = from.is_some_and(DeclarationStatus::counts_toward_quota);
    match (counted_before, to.counts_toward_quota()) {
        (false, true) => consume_for(key.clone(), taken).map(Some),
        (true, false) => release_for(key.clone(), taken).map(Some),
        _ => Ok(None),
    }
}

/// What the hub hashes into [`QuotaKey::buyer_ref`]: the ID type and the number in normal form
/// (`national_id:11010519491231002X`), so the same document always gives the same reference.
/// Personal data: hash it, never store or log it.
pub fn buyer_ref_material(id_type: BuyerIdType, id_number: &Personal) -> Personal {
    Personal::new(format!(
        "{}:{}",
        id_type.as_str(),
        normalize_id_number(id_number.expose())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> QuotaKey {
        QuotaKey {
            destination: Country::parse("CN").unwrap(),
            year: 2026,
            buyer_ref: "ref-1".into(),
        }
    }

    #[test]
    fn the_limit_itself_is_allowed() {
        assert!(!would_exceed(2_500_000, 100_000, 2_600_000));
        assert!(would_exceed(2_500_000, 100_001, 2_600_000));
        assert!(!would_exceed(0, 0, 0));
        assert!(would_exceed(i64::MAX, i64::MAX, i64::MAX), "no overflow");
        assert!(!would_exceed(i64::MIN, i64::MIN, 0));
    }

    #[test]
    fn consume_then_release_restores_the_total() {
        let used = 1_000_000;
        let take = consume_for(key(), 26_245).unwrap();
        let after = apply(used, &take).unwrap();
        assert_eq!(after, 1_026_245);
        let back = release_for(take.key.clone(), take.amount).unwrap();
        assert_eq!(back.key, take.key);
        assert_eq!(apply(after, &back), Ok(used));
    }

    #[test]
    fn totals_never_go_negative() {
        let back = release_for(key(), 10).unwrap();
        assert_eq!(apply(9, &back), Err(QuotaError::WouldGoNegative));
        assert_eq!(consume_for(key(), -1), Err(QuotaError::NegativeAmount));
        assert_eq!(release_for(key(), -1), Err(QuotaError::NegativeAmount));
        let take = consume_for(key(), i64::MAX).unwrap();
        assert_eq!(apply(1, &take), Err(QuotaError::Overflow));
    }

    #[test]
    fn transitions_take_and_give_back() {
        use DeclarationStatus::*;
        let k = key();
        let m = |from, to| {
            movement_for_transition(from, to, &k, 500)
                .unwrap()
                .map(|m| m.amount)
        };
        assert_eq!(m(None, Released), Some(500));
        assert_eq!(m(None, Held), Some(500));
        assert_eq!(m(None, Rejected), None, "failed checks take nothing");
        assert_eq!(m(Some(Held), Released), None);
        assert_eq!(m(Some(Held), Held), None, "an inspection changes nothing");
        assert_eq!(m(Some(Held), Rejected), Some(-500));
        assert_eq!(m(Some(Held), Cancelled), Some(-500));
        assert_eq!(m(Some(Released), Cancelled), Some(-500));
        assert_eq!(m(Some(Released), Returned), Some(-500));
    }

    #[test]
    fn the_key_uses_the_destination_year() {
        let cn = Country::parse("CN").unwrap();
        // 2026-12-31T16:00:00Z is already 2027 in China.
        let k = QuotaKey::at(cn, 1_798_732_800_000, 480, "r".into());
        assert_eq!(k.year, 2027);
        assert_eq!(
            QuotaKey::at(cn, 1_798_732_800_000, 0, "r".into()).year,
            2026
        );
    }

    #[test]
    fn the_reference_material_is_normal_and_masked() {
        let a = buyer_ref_material(
            BuyerIdType::NationalId,
            &Personal::new("11010519491231002x"),
        );
        let b = buyer_ref_material(
            BuyerIdType::NationalId,
            &Personal::new("1101 0519 4912 3100 2X"),
        );
        assert_eq!(a, b);
        assert_eq!(a.expose(), "national_id:11010519491231002X");
        assert_ne!(
            a,
            buyer_ref_material(BuyerIdType::Passport, &Personal::new("11010519491231002X"))
        );
        assert!(!format!("{a:?}").contains("1101"));
    }

    proptest! {
        /// Any interleaving of takes and exact give-backs ends where the takes that were not
        /// given back leave it, and no step goes negative.
        #[test]
        fn give_backs_are_exact(amounts in proptest::collection::vec(0i64..1_000_000, 1..30), cancel_mask in any::<u32>()) {
            let mut used = 0i64;
            let mut taken = Vec::new();
            for a in &amounts {
                let m = consume_for(key(), *a).unwrap();
                used = apply(used, &m).unwrap();
                taken.push(m);
            }
            let mut kept = 0i64;
            for (i, m) in taken.iter().enumerate() {
                if cancel_mask & (1 << (i % 32)) != 0 {
                    used = apply(used, &release_for(m.key.clone(), m.amount).unwrap()).unwrap();
                    prop_assert!(used >= 0);
                } else {
                    kept += m.amount;
                }
            }
            prop_assert_eq!(used, kept);
        }
    }
}
