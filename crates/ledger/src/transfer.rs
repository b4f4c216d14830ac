//! Transfers: what moves between two accounts of one currency, how (single-phase, pending, post,
//! void) and the result codes a batch answers with.

use serde::{Deserialize, Serialize};
use trade::Currency;

/// How a transfer acts, with `linked` chaining it to the next transfer of its batch.
/// At most one of `pending`, `post_pending_transfer`, `void_pending_transfer` may be set;
/// none means a single-phase transfer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransferFlags {
    pub linked: bool,
    pub pending: bool,
    pub post_pending_transfer: bool,
    pub void_pending_transfer: bool,
}

/// The four ways a transfer can act, derived from its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferMode {
    /// Moves the amount posted at once.
    Single,
    /// Reserves the amount (pending figures) until posted, voided or expired.
    Pending,
    /// Posts all or part of a pending transfer and releases its reservation.
    PostPending,
    /// Releases a pending transfer's reservation; nothing is posted.
    VoidPending,
}

impl TransferFlags {
    const LINKED: u8 = 1;
    const PENDING: u8 = 2;
    const POST_PENDING_TRANSFER: u8 = 4;
    const VOID_PENDING_TRANSFER: u8 = 8;
    const ALL_BITS: u8 = 15;

    pub fn single() -> TransferFlags {
        TransferFlags::default()
    }

    pub fn pending() -> TransferFlags {
        TransferFlags {
            pending: true,
            ..TransferFlags::default()
        }
    }

    pub fn post_pending_transfer() -> TransferFlags {
        TransferFlags {
            post_pending_transfer: true,
            ..TransferFlags::default()
        }
    }

    pub fn void_pending_transfer() -> TransferFlags {
        TransferFlags {
            void_pending_transfer: true,
            ..TransferFlags::default()
        }
    }

    /// Storage form: bit 0 linked, bit 1 pending, bit 2 post_pending_transfer, bit 3 void_pending_transfer.
    pub fn to_bits(self) -> u8 {
        let mut bits = 0;
        for (set, bit) in [
            (self.linked, Self::LINKED),
            (self.pending, Self::PENDING),
            (self.post_pending_transfer, Self::POST_PENDING_TRANSFER),
            (self.void_pending_transfer, Self::VOID_PENDING_TRANSFER),
        ] {
            if set {
                bits |= bit;
            }
        }
        bits
    }

    /// The inverse of [`TransferFlags::to_bits`]; unknown bits are refused, not dropped.
    pub fn from_bits(bits: u8) -> Option<TransferFlags> {
        if bits & !Self::ALL_BITS != 0 {
            return None;
        }
        Some(TransferFlags {
            linked: bits & Self::LINKED != 0,
            pending: bits & Self::PENDING != 0,
            post_pending_transfer: bits & Self::POST_PENDING_TRANSFER != 0,
            void_pending_transfer: bits & Self::VOID_PENDING_TRANSFER != 0,
        })
    }

    /// The mode, or `None` when more than one mode flag is set.
    pub fn mode(self) -> Option<TransferMode> {
        match (
            self.pending,
            self.post_pending_transfer,
            self.void_pending_transfer,
        ) {
            (false, false, false) => Some(TransferMode::Single),
            (true, false, false) => Some(TransferMode::Pending),
            (false, true, false) => Some(TransferMode::PostPending),
            (false, false, true) => Some(TransferMode::VoidPending),
            _ => None,
        }
    }
}

/// The exchange rate a conversion used, kept on both of its legs: 1 `base` = `rate` `quote`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FxNote {
    pub base: Currency,
    pub quote: Currency,
    /// The decimal exactly as given, e.g. `"4.7215"`.
    pub rate: String,
    /// Where the rate came from, e.g. a rate sheet id.
    pub source: String,
}

/// One movement of `amount` minor units of `currency` from `debit_account_id` to `credit_account_id`.
///
/// As stored after it was applied, a post or void names the pending transfer's accounts and the
/// amount it posted (post) or released (void), whatever shorthand the request used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: String,
    /// May be empty on a post or void: taken from the pending transfer.
    pub debit_account_id: String,
    /// May be empty on a post or void: taken from the pending transfer.
    pub credit_account_id: String,
    /// Minor units of `currency`; on a post, 0 means the pending transfer's full amount.
    pub amount: i64,
    /// Must be the currency of both accounts: it lets statements be built from transfers alone.
    pub currency: Currency,
    /// Only on a post or void: the pending transfer it acts on.
    pub pending_id: Option<String>,
    /// Only on a pending transfer; 0 = never expires. It expires at `timestamp_ms + timeout_ms`.
    pub timeout_ms: i64,
    /// Why the money moved, e.g. `escrow_hold`, `tax_remit`, `payout`.
    pub code: String,
    /// The business reference, e.g. an order or payout id.
    pub user_ref: String,
    pub flags: TransferFlags,
    pub fx: Option<FxNote>,
    /// Set by the ledger when the transfer is applied; ignored on input.
    pub timestamp_ms: i64,
}

impl Transfer {
    fn blank(id: String, currency: Currency, flags: TransferFlags) -> Transfer {
        Transfer {
            id,
            debit_account_id: String::new(),
            credit_account_id: String::new(),
            amount: 0,
            currency,
            pending_id: None,
            timeout_ms: 0,
            code: String::new(),
            user_ref: String::new(),
            flags,
            fx: None,
            timestamp_ms: 0,
        }
    }

    /// A single-phase transfer.
    pub fn single(
        id: impl Into<String>,
        debit_account_id: impl Into<String>,
        credit_account_id: impl Into<String>,
        amount: i64,
        currency: Currency,
    ) -> Transfer {
        Transfer {
            debit_account_id: debit_account_id.into(),
            credit_account_id: credit_account_id.into(),
            amount,
            ..Transfer::blank(id.into(), currency, TransferFlags::single())
        }
    }

    /// A pending transfer (the first phase of a two-phase transfer), with no timeout.
    pub fn pending(
        id: impl Into<String>,
        debit_account_id: impl Into<String>,
        credit_account_id: impl Into<String>,
        amount: i64,
        currency: Currency,
    ) -> Transfer {
        Transfer {
            flags: TransferFlags::pending(),
            ..Transfer::single(id, debit_account_id, credit_account_id, amount, currency)
        }
    }

    /// Posts `amount` of the pending transfer `pending_id` (0 = all of it); accounts taken from it.
    pub fn post(
        id: impl Into<String>,
        pending_id: impl Into<String>,
        amount: i64,
        currency: Currency,
    ) -> Transfer {
        Transfer {
            amount,
            pending_id: Some(pending_id.into()),
            ..Transfer::blank(id.into(), currency, TransferFlags::post_pending_transfer())
        }
    }

    /// Voids the pending transfer `pending_id`; accounts and amount taken from it.
    pub fn void(
        id: impl Into<String>,
        pending_id: impl Into<String>,
        currency: Currency,
    ) -> Transfer {
        Transfer {
            pending_id: Some(pending_id.into()),
            ..Transfer::blank(id.into(), currency, TransferFlags::void_pending_transfer())
        }
    }

    pub fn with_timeout_ms(mut self, timeout_ms: i64) -> Transfer {
        self.timeout_ms = timeout_ms;
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Transfer {
        self.code = code.into();
        self
    }

    pub fn with_user_ref(mut self, user_ref: impl Into<String>) -> Transfer {
        self.user_ref = user_ref.into();
        self
    }

    /// Chains this transfer to the next one of its batch.
    pub fn linked(mut self) -> Transfer {
        self.flags.linked = true;
        self
    }

    /// The mode, or `None` when the flags name more than one.
    pub fn mode(&self) -> Option<TransferMode> {
        self.flags.mode()
    }

    /// When a pending transfer expires, if it has a timeout (and the sum fits in an `i64`).
    pub fn expires_at_ms(&self) -> Option<i64> {
        if !self.flags.pending || self.timeout_ms <= 0 {
            return None;
        }
        self.timestamp_ms.checked_add(self.timeout_ms)
    }

    /// Equal in every field but the timestamp (the idempotency test).
    pub(crate) fn same_fields(&self, other: &Transfer) -> bool {
        let Transfer {
            id,
            debit_account_id,
            credit_account_id,
            amount,
            currency,
            pending_id,
            timeout_ms,
            code,
            user_ref,
            flags,
            fx,
            timestamp_ms: _,
        } = self;
        *id == other.id
            && *debit_account_id == other.debit_account_id
            && *credit_account_id == other.credit_account_id
            && *amount == other.amount
            && *currency == other.currency
            && *pending_id == other.pending_id
            && *timeout_ms == other.timeout_ms
            && *code == other.code
            && *user_ref == other.user_ref
            && *flags == other.flags
            && *fx == other.fx
    }
}

/// Where a pending transfer stands. Every state but `Pending` is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PendingState {
    Pending,
    /// Posted for `amount` (≤ the pending amount); the rest of the reservation was released.
    Posted {
        amount: i64,
    },
    Voided,
    /// Reached its timeout before being posted or voided; the reservation was released.
    Expired,
}

impl PendingState {
    /// Storage form: one of `pending`, `posted`, `voided`, `expired` (with the posted amount beside it).
    pub fn as_str(self) -> &'static str {
        match self {
            PendingState::Pending => "pending",
            PendingState::Posted { .. } => "posted",
            PendingState::Voided => "voided",
            PendingState::Expired => "expired",
        }
    }

    /// The amount a posted pending transfer posted.
    pub fn posted_amount(self) -> Option<i64> {
        match self {
            PendingState::Posted { amount } => Some(amount),
            _ => None,
        }
    }

    /// The inverse of ([`PendingState::as_str`], [`PendingState::posted_amount`]).
    pub fn from_storage(state: &str, posted_amount: Option<i64>) -> Option<PendingState> {
        match (state, posted_amount) {
            ("pending", None) => Some(PendingState::Pending),
            ("posted", Some(amount)) if amount >= 0 => Some(PendingState::Posted { amount }),
            ("voided", None) => Some(PendingState::Voided),
            ("expired", None) => Some(PendingState::Expired),
            _ => None,
        }
    }
}

/// The answer for one transfer of a [`crate::Ledger::create_transfers`] batch.
///
/// The variants are declared in their order of precedence: when a transfer has several
/// problems, the first in this list is the answer (see the crate documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransferResult {
    Ok,
    LinkedEventFailed,
    LinkedEventChainOpen,
    IdMustNotBeEmpty,
    FlagsAreMutuallyExclusive,
    PendingIdMustBeEmpty,
    PendingIdMustNotBeEmpty,
    PendingIdMustDiffer,
    TimeoutReservedForPendingTransfer,
    TimeoutMustNotBeNegative,
    DebitAccountIdMustNotBeEmpty,
    CreditAccountIdMustNotBeEmpty,
    AccountsMustDiffer,
    AmountMustNotBeNegative,
    AmountMustNotBeZero,
    AmountTooLarge,
    ExistsWithDifferentFields,
    Exists,
    PendingTransferNotFound,
    PendingTransferNotPending,
    PendingTransferHasDifferentDebitAccount,
    PendingTransferHasDifferentCreditAccount,
    DebitAccountNotFound,
    CreditAccountNotFound,
    CurrencyMismatch,
    ExceedsPendingTransferAmount,
    PendingTransferHasDifferentAmount,
    PendingTransferAlreadyPosted,
    PendingTransferAlreadyVoided,
    PendingTransferExpired,
    OverflowsDebitsPending,
    OverflowsCreditsPending,
    OverflowsDebitsPosted,
    OverflowsCreditsPosted,
    OverflowsDebits,
    OverflowsCredits,
    OverflowsTimeout,
    ExceedsCredits,
    ExceedsDebits,
}

impl TransferResult {
    /// Every code, in the order of precedence.
    pub const ALL: [TransferResult; 39] = [
        TransferResult::Ok,
        TransferResult::LinkedEventFailed,
        TransferResult::LinkedEventChainOpen,
        TransferResult::IdMustNotBeEmpty,
        TransferResult::FlagsAreMutuallyExclusive,
        TransferResult::PendingIdMustBeEmpty,
        TransferResult::PendingIdMustNotBeEmpty,
        TransferResult::PendingIdMustDiffer,
        TransferResult::TimeoutReservedForPendingTransfer,
        TransferResult::TimeoutMustNotBeNegative,
        TransferResult::DebitAccountIdMustNotBeEmpty,
        TransferResult::CreditAccountIdMustNotBeEmpty,
        TransferResult::AccountsMustDiffer,
        TransferResult::AmountMustNotBeNegative,
        TransferResult::AmountMustNotBeZero,
        TransferResult::AmountTooLarge,
        TransferResult::ExistsWithDifferentFields,
        TransferResult::Exists,
        TransferResult::PendingTransferNotFound,
        TransferResult::PendingTransferNotPending,
        TransferResult::PendingTransferHasDifferentDebitAccount,
        TransferResult::PendingTransferHasDifferentCreditAccount,
        TransferResult::DebitAccountNotFound,
        TransferResult::CreditAccountNotFound,
        TransferResult::CurrencyMismatch,
        TransferResult::ExceedsPendingTransferAmount,
        TransferResult::PendingTransferHasDifferentAmount,
        TransferResult::PendingTransferAlreadyPosted,
        TransferResult::PendingTransferAlreadyVoided,
        TransferResult::PendingTransferExpired,
        TransferResult::OverflowsDebitsPending,
        TransferResult::OverflowsCreditsPending,
        TransferResult::OverflowsDebitsPosted,
        TransferResult::OverflowsCreditsPosted,
        TransferResult::OverflowsDebits,
        TransferResult::OverflowsCredits,
        TransferResult::OverflowsTimeout,
        TransferResult::ExceedsCredits,
        TransferResult::ExceedsDebits,
    ];

    pub fn as_str(self) -> &'static str {
        use TransferResult::*;
        match self {
            Ok => "ok",
            LinkedEventFailed => "linked_event_failed",
            LinkedEventChainOpen => "linked_event_chain_open",
            IdMustNotBeEmpty => "id_must_not_be_empty",
            FlagsAreMutuallyExclusive => "flags_are_mutually_exclusive",
            PendingIdMustBeEmpty => "pending_id_must_be_empty",
            PendingIdMustNotBeEmpty => "pending_id_must_not_be_empty",
            PendingIdMustDiffer => "pending_id_must_differ",
            TimeoutReservedForPendingTransfer => "timeout_reserved_for_pending_transfer",
            TimeoutMustNotBeNegative => "timeout_must_not_be_negative",
            DebitAccountIdMustNotBeEmpty => "debit_account_id_must_not_be_empty",
            CreditAccountIdMustNotBeEmpty => "credit_account_id_must_not_be_empty",
            AccountsMustDiffer => "accounts_must_differ",
            AmountMustNotBeNegative => "amount_must_not_be_negative",
            AmountMustNotBeZero => "amount_must_not_be_zero",
            AmountTooLarge => "amount_too_large",
            ExistsWithDifferentFields => "exists_with_different_fields",
            Exists => "exists",
            PendingTransferNotFound => "pending_transfer_not_found",
            PendingTransferNotPending => "pending_transfer_not_pending",
            PendingTransferHasDifferentDebitAccount => {
                "pending_transfer_has_different_debit_account"
            }
            PendingTransferHasDifferentCreditAccount => {
                "pending_transfer_has_different_credit_account"
            }
            DebitAccountNotFound => "debit_account_not_found",
            CreditAccountNotFound => "credit_account_not_found",
            CurrencyMismatch => "currency_mismatch",
            ExceedsPendingTransferAmount => "exceeds_pending_transfer_amount",
            PendingTransferHasDifferentAmount => "pending_transfer_has_different_amount",
            PendingTransferAlreadyPosted => "pending_transfer_already_posted",
            PendingTransferAlreadyVoided => "pending_transfer_already_voided",
            PendingTransferExpired => "pending_transfer_expired",
            OverflowsDebitsPending => "overflows_debits_pending",
            OverflowsCreditsPending => "overflows_credits_pending",
            OverflowsDebitsPosted => "overflows_debits_posted",
            OverflowsCreditsPosted => "overflows_credits_posted",
            OverflowsDebits => "overflows_debits",
            OverflowsCredits => "overflows_credits",
            OverflowsTimeout => "overflows_timeout",
            ExceedsCredits => "exceeds_credits",
            ExceedsDebits => "exceeds_debits",
        }
    }

    pub fn parse(text: &str) -> Option<TransferResult> {
        TransferResult::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// `ok` and `exists` both mean: the transfer stands as asked. Neither breaks a linked chain.
    pub fn is_success(self) -> bool {
        matches!(self, TransferResult::Ok | TransferResult::Exists)
    }
}

impl std::fmt::Display for TransferResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TransferResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_through_bits() {
        for bits in 0..16u8 {
            assert_eq!(TransferFlags::from_bits(bits).unwrap().to_bits(), bits);
        }
        assert_eq!(TransferFlags::from_bits(16), None);
        assert_eq!(
            TransferFlags::from_bits(2 | 4).unwrap().mode(),
            None,
            "pending and post at once"
        );
        assert_eq!(
            TransferFlags::from_bits(1).unwrap().mode(),
            Some(TransferMode::Single)
        );
    }

    #[test]
    fn result_codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for (position, result) in TransferResult::ALL.into_iter().enumerate() {
            assert!(seen.insert(result.as_str()), "{result} twice");
            assert_eq!(TransferResult::parse(result.as_str()), Some(result));
            assert_eq!(
                result as usize, position,
                "ALL lists the codes in declaration order"
            );
            assert!(result
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn pending_state_round_trips_through_storage() {
        for state in [
            PendingState::Pending,
            PendingState::Posted { amount: 42 },
            PendingState::Voided,
            PendingState::Expired,
        ] {
            assert_eq!(
                PendingState::from_storage(state.as_str(), state.posted_amount()),
                Some(state)
            );
        }
        assert_eq!(PendingState::from_storage("posted", None), None);
        assert_eq!(PendingState::from_storage("pending", Some(1)), None);
        assert_eq!(PendingState::from_storage("done", None), None);
    }

    #[test]
    fn expiry_needs_a_pending_transfer_with_a_timeout() {
        let usd = Currency::parse("USD").unwrap();
        let mut hold = Transfer::pending("t", "a", "b", 5, usd).with_timeout_ms(1000);
        hold.timestamp_ms = 10;
        assert_eq!(hold.expires_at_ms(), Some(1010));
        assert_eq!(hold.clone().with_timeout_ms(0).expires_at_ms(), None);
        hold.timestamp_ms = i64::MAX;
        assert_eq!(hold.expires_at_ms(), None, "overflow never expires");
        assert_eq!(
            Transfer::single("t", "a", "b", 5, usd)
                .with_timeout_ms(5)
                .expires_at_ms(),
            None
        );
    }
}
