//! Accounts: who owns them, their currency, their kind, their balance flags and their four figures.

use serde::{Deserialize, Serialize};
use trade::Currency;

/// The five classic kinds. Assets and expenses grow with debits; the others grow with credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Revenue,
    Expense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 5] = [
        AccountKind::Asset,
        AccountKind::Liability,
        AccountKind::Equity,
        AccountKind::Revenue,
        AccountKind::Expense,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Revenue => "revenue",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(text: &str) -> Option<AccountKind> {
        AccountKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// Assets and expenses: their balance is debits minus credits.
    pub fn is_debit_normal(self) -> bool {
        matches!(self, AccountKind::Asset | AccountKind::Expense)
    }
}

/// Limits an account keeps on itself, checked on every transfer that grows it.
/// Both at once would freeze the account; that combination is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountFlags {
    /// After any transfer: `debits_pending + debits_posted <= credits_posted`
    /// (e.g. a merchant's wallet that must not go below zero).
    pub debits_must_not_exceed_credits: bool,
    /// After any transfer: `credits_pending + credits_posted <= debits_posted`.
    pub credits_must_not_exceed_debits: bool,
}

impl AccountFlags {
    const DEBITS_MUST_NOT_EXCEED_CREDITS: u8 = 1;
    const CREDITS_MUST_NOT_EXCEED_DEBITS: u8 = 2;

    /// Storage form: bit 0 = debits_must_not_exceed_credits, bit 1 = credits_must_not_exceed_debits.
    pub fn to_bits(self) -> u8 {
        let mut bits = 0;
        if self.debits_must_not_exceed_credits {
            bits |= Self::DEBITS_MUST_NOT_EXCEED_CREDITS;
        }
        if self.credits_must_not_exceed_debits {
            bits |= Self::CREDITS_MUST_NOT_EXCEED_DEBITS;
        }
        bits
    }

    /// The inverse of [`AccountFlags::to_bits`]; unknown bits are refused, not dropped.
    pub fn from_bits(bits: u8) -> Option<AccountFlags> {
        if bits & !(Self::DEBITS_MUST_NOT_EXCEED_CREDITS | Self::CREDITS_MUST_NOT_EXCEED_DEBITS)
            != 0
        {
            return None;
        }
        Some(AccountFlags {
            debits_must_not_exceed_credits: bits & Self::DEBITS_MUST_NOT_EXCEED_CREDITS != 0,
            credits_must_not_exceed_debits: bits & Self::CREDITS_MUST_NOT_EXCEED_DEBITS != 0,
        })
    }

    pub fn is_contradictory(self) -> bool {
        self.debits_must_not_exceed_credits && self.credits_must_not_exceed_debits
    }
}

/// One account of one currency. The four figures are in minor units of `currency`, never negative,
/// and change only through transfers (or a pending transfer's expiry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub owner_id: String,
    pub currency: Currency,
    pub kind: AccountKind,
    pub flags: AccountFlags,
    /// What the account is for, e.g. `escrow`, `customs_revenue`, `fx`.
    pub code: String,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
    /// Set by the ledger when the account is created.
    pub created_at_ms: i64,
}

/// The four figures of an account, moved together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balances {
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
}

impl Balances {
    pub fn is_zero(&self) -> bool {
        *self == Balances::default()
    }

    pub fn has_negative(&self) -> bool {
        self.debits_pending < 0
            || self.debits_posted < 0
            || self.credits_pending < 0
            || self.credits_posted < 0
    }

    /// Whether these figures break the account's balance flags. Sums are widened: they cannot overflow.
    pub fn violates(&self, flags: AccountFlags) -> Option<BalanceFlagViolation> {
        let debits = i128::from(self.debits_pending) + i128::from(self.debits_posted);
        let credits = i128::from(self.credits_pending) + i128::from(self.credits_posted);
        if flags.debits_must_not_exceed_credits && debits > i128::from(self.credits_posted) {
            return Some(BalanceFlagViolation::DebitsExceedCredits);
        }
        if flags.credits_must_not_exceed_debits && credits > i128::from(self.debits_posted) {
            return Some(BalanceFlagViolation::CreditsExceedDebits);
        }
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BalanceFlagViolation {
    DebitsExceedCredits,
    CreditsExceedDebits,
}

impl Account {
    /// A new account with zero balances; `created_at_ms` is set by [`crate::Ledger::create_accounts`].
    pub fn new(
        id: impl Into<String>,
        owner_id: impl Into<String>,
        currency: Currency,
        kind: AccountKind,
        code: impl Into<String>,
    ) -> Account {
        Account {
            id: id.into(),
            owner_id: owner_id.into(),
            currency,
            kind,
            flags: AccountFlags::default(),
            code: code.into(),
            debits_pending: 0,
            debits_posted: 0,
            credits_pending: 0,
            credits_posted: 0,
            created_at_ms: 0,
        }
    }

    pub fn with_flags(mut self, flags: AccountFlags) -> Account {
        self.flags = flags;
        self
    }

    pub fn balances(&self) -> Balances {
        Balances {
            debits_pending: self.debits_pending,
            debits_posted: self.debits_posted,
            credits_pending: self.credits_pending,
            credits_posted: self.credits_posted,
        }
    }

    pub(crate) fn set_balances(&mut self, balances: Balances) {
        debug_assert!(
            !balances.has_negative(),
            "account {} would go negative",
            self.id
        );
        self.debits_pending = balances.debits_pending;
        self.debits_posted = balances.debits_posted;
        self.credits_pending = balances.credits_pending;
        self.credits_posted = balances.credits_posted;
    }

    /// Posted balance in the natural sign of the account's kind: debits minus credits for assets
    /// and expenses, credits minus debits for the others. Both figures are ≥ 0, so this cannot
    /// overflow; it saturates rather than wrap should loaded figures be corrupt.
    pub fn balance_posted(&self) -> i64 {
        natural(self.kind, self.debits_posted, self.credits_posted)
    }

    /// Pending balance in the natural sign of the account's kind.
    pub fn balance_pending(&self) -> i64 {
        natural(self.kind, self.debits_pending, self.credits_pending)
    }

    /// What may still leave the account: the posted balance less the reservations held against
    /// it (pending debits of a credit-normal account, pending credits of a debit-normal one).
    /// Saturates at `i64::MIN` rather than wrap on corrupt figures.
    pub fn available(&self) -> i64 {
        let reserved = if self.kind.is_debit_normal() {
            self.credits_pending
        } else {
            self.debits_pending
        };
        self.balance_posted().saturating_sub(reserved)
    }

    /// Whether two accounts describe the same thing, figures and creation time aside
    /// (the idempotency test of `create_accounts`).
    pub(crate) fn same_definition(&self, other: &Account) -> bool {
        self.id == other.id
            && self.owner_id == other.owner_id
            && self.currency == other.currency
            && self.kind == other.kind
            && self.flags == other.flags
            && self.code == other.code
    }
}

fn natural(kind: AccountKind, debits: i64, credits: i64) -> i64 {
    if kind.is_debit_normal() {
        debits.saturating_sub(credits)
    } else {
        credits.saturating_sub(debits)
    }
}

/// The answer for one account of a [`crate::Ledger::create_accounts`] batch.
/// Checked in this order; the first that applies is the answer:
/// `id_must_not_be_empty`, `flags_are_mutually_exclusive`, `balances_must_be_zero`,
/// `exists_with_different_fields`, `exists`, then `ok`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountResult {
    Ok,
    IdMustNotBeEmpty,
    FlagsAreMutuallyExclusive,
    BalancesMustBeZero,
    ExistsWithDifferentFields,
    Exists,
}

impl AccountResult {
    pub const ALL: [AccountResult; 6] = [
        AccountResult::Ok,
        AccountResult::IdMustNotBeEmpty,
        AccountResult::FlagsAreMutuallyExclusive,
        AccountResult::BalancesMustBeZero,
        AccountResult::ExistsWithDifferentFields,
        AccountResult::Exists,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountResult::Ok => "ok",
            AccountResult::IdMustNotBeEmpty => "id_must_not_be_empty",
            AccountResult::FlagsAreMutuallyExclusive => "flags_are_mutually_exclusive",
            AccountResult::BalancesMustBeZero => "balances_must_be_zero",
            AccountResult::ExistsWithDifferentFields => "exists_with_different_fields",
            AccountResult::Exists => "exists",
        }
    }

    pub fn parse(text: &str) -> Option<AccountResult> {
        AccountResult::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// `ok` and `exists` both leave the account as the caller asked.
    pub fn is_success(self) -> bool {
        matches!(self, AccountResult::Ok | AccountResult::Exists)
    }
}

impl std::fmt::Display for AccountResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AccountResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Field checks of an account to create, in the documented order, before any look-up.
pub(crate) fn validate_new_account(account: &Account) -> Result<(), AccountResult> {
    if account.id.is_empty() {
        return Err(AccountResult::IdMustNotBeEmpty);
    }
    if account.flags.is_contradictory() {
        return Err(AccountResult::FlagsAreMutuallyExclusive);
    }
    if !account.balances().is_zero() {
        return Err(AccountResult::BalancesMustBeZero);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn kinds_round_trip_and_know_their_side() {
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AccountKind::parse("Asset"), None);
        assert!(AccountKind::Asset.is_debit_normal());
        assert!(AccountKind::Expense.is_debit_normal());
        assert!(!AccountKind::Liability.is_debit_normal());
        assert!(!AccountKind::Equity.is_debit_normal());
        assert!(!AccountKind::Revenue.is_debit_normal());
    }

    #[test]
    fn flags_round_trip_through_bits() {
        for bits in 0..4u8 {
            let flags = AccountFlags::from_bits(bits).unwrap();
            assert_eq!(flags.to_bits(), bits);
        }
        assert_eq!(AccountFlags::from_bits(4), None);
        assert!(AccountFlags::from_bits(3).unwrap().is_contradictory());
    }

    #[test]
    fn balances_follow_the_natural_sign() {
        let mut wallet = Account::new("w", "m", usd(), AccountKind::Liability, "wallet");
        wallet.credits_posted = 1000;
        wallet.debits_posted = 300;
        wallet.debits_pending = 200;
        assert_eq!(wallet.balance_posted(), 700);
        assert_eq!(wallet.balance_pending(), -200);
        assert_eq!(wallet.available(), 500);

        let mut bank = Account::new("b", "hub", usd(), AccountKind::Asset, "bank");
        bank.debits_posted = 1000;
        bank.credits_pending = 100;
        assert_eq!(bank.balance_posted(), 1000);
        assert_eq!(bank.available(), 900);
    }

    #[test]
    fn results_round_trip() {
        for result in AccountResult::ALL {
            assert_eq!(AccountResult::parse(result.as_str()), Some(result));
        }
    }
}
