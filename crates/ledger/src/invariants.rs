//! What must always hold, checked rather than hoped for: double entry per currency, no negative
//! figure, no balance flag broken. Also the trial balance the hub serves.

use std::collections::BTreeMap;

use serde::Serialize;
use trade::Currency;

use crate::account::{Account, BalanceFlagViolation, Balances};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvariantViolation {
    #[error("account `{account_id}` has a negative figure")]
    NegativeFigure { account_id: String },
    #[error("account `{account_id}` sets both balance flags")]
    ContradictoryFlags { account_id: String },
    #[error("account `{account_id}` must not have debits exceed credits, and does")]
    DebitsExceedCredits { account_id: String },
    #[error("account `{account_id}` must not have credits exceed debits, and does")]
    CreditsExceedDebits { account_id: String },
    #[error("{currency} {phase}: debits {debits} and credits {credits} differ")]
    Unbalanced {
        currency: Currency,
        /// `posted` or `pending`.
        phase: &'static str,
        debits: i128,
        credits: i128,
    },
}

/// Checks every account alone, then double entry per currency. Meaningful only over the whole
/// ledger: a working set holding some accounts of a transfer but not the others is unbalanced.
pub fn check_accounts<'a>(
    accounts: impl IntoIterator<Item = &'a Account>,
) -> Result<(), InvariantViolation> {
    let mut all = Vec::new();
    for account in accounts {
        check_one_account(account)?;
        all.push(account);
    }
    let totals = trial_balance(all);
    for row in &totals.currencies {
        if row.debits_posted != row.credits_posted {
            return Err(InvariantViolation::Unbalanced {
                currency: row.currency,
                phase: "posted",
                debits: row.debits_posted,
                credits: row.credits_posted,
            });
        }
        if row.debits_pending != row.credits_pending {
            return Err(InvariantViolation::Unbalanced {
                currency: row.currency,
                phase: "pending",
                debits: row.debits_pending,
                credits: row.credits_pending,
            });
        }
    }
    Ok(())
}

fn check_one_account(account: &Account) -> Result<(), InvariantViolation> {
    let account_id = || account.id.clone();
    if account.balances().has_negative() {
        return Err(InvariantViolation::NegativeFigure {
            account_id: account_id(),
        });
    }
    if account.flags.is_contradictory() {
        return Err(InvariantViolation::ContradictoryFlags {
            account_id: account_id(),
        });
    }
    match account.balances().violates(account.flags) {
        Some(BalanceFlagViolation::DebitsExceedCredits) => {
            Err(InvariantViolation::DebitsExceedCredits {
                account_id: account_id(),
            })
        }
        Some(BalanceFlagViolation::CreditsExceedDebits) => {
            Err(InvariantViolation::CreditsExceedDebits {
                account_id: account_id(),
            })
        }
        None => Ok(()),
    }
}

/// Totals of one currency. Sums are `i128`: many accounts near the `i64` limit cannot overflow them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyTotals {
    pub currency: Currency,
    pub accounts: usize,
    pub debits_posted: i128,
    pub credits_posted: i128,
    pub debits_pending: i128,
    pub credits_pending: i128,
    /// Debits equal credits, posted and pending alike.
    pub balanced: bool,
}

/// Per currency (ordered by code), the sums of the four figures over a set of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalance {
    pub currencies: Vec<CurrencyTotals>,
    /// Every currency is balanced.
    pub balanced: bool,
}

pub fn trial_balance<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> TrialBalance {
    let mut by_currency: BTreeMap<&'static str, CurrencyTotals> = BTreeMap::new();
    for account in accounts {
        let row = by_currency
            .entry(account.currency.code())
            .or_insert_with(|| CurrencyTotals {
                currency: account.currency,
                accounts: 0,
                debits_posted: 0,
                credits_posted: 0,
                debits_pending: 0,
                credits_pending: 0,
                balanced: true,
            });
        row.accounts += 1;
        row.debits_posted += i128::from(account.debits_posted);
        row.credits_posted += i128::from(account.credits_posted);
        row.debits_pending += i128::from(account.debits_pending);
        row.credits_pending += i128::from(account.credits_pending);
    }
    let mut currencies: Vec<CurrencyTotals> = by_currency.into_values().collect();
    for row in &mut currencies {
        row.balanced =
            row.debits_posted == row.credits_posted && row.debits_pending == row.credits_pending;
    }
    let balanced = currencies.iter().all(|row| row.balanced);
    TrialBalance {
        currencies,
        balanced,
    }
}

/// What a batch changed, per currency: the sum over touched accounts of (after − before) for each
/// of the four figures. Double entry means debits and credits move by the same amount, posted and
/// pending alike, so this balances even when the ledger holds only part of the accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceDelta {
    /// debits_pending, debits_posted, credits_pending, credits_posted.
    per_currency: BTreeMap<&'static str, (Currency, [i128; 4])>,
}

impl BalanceDelta {
    pub fn record(&mut self, currency: Currency, before: Balances, after: Balances) {
        let (_, sums) = self
            .per_currency
            .entry(currency.code())
            .or_insert((currency, [0; 4]));
        let change = |after: i64, before: i64| i128::from(after) - i128::from(before);
        sums[0] += change(after.debits_pending, before.debits_pending);
        sums[1] += change(after.debits_posted, before.debits_posted);
        sums[2] += change(after.credits_pending, before.credits_pending);
        sums[3] += change(after.credits_posted, before.credits_posted);
    }

    pub fn check(&self) -> Result<(), InvariantViolation> {
        for (currency, [debits_pending, debits_posted, credits_pending, credits_posted]) in
            self.per_currency.values()
        {
            if debits_posted != credits_posted {
                return Err(InvariantViolation::Unbalanced {
                    currency: *currency,
                    phase: "posted",
                    debits: *debits_posted,
                    credits: *credits_posted,
                });
            }
            if debits_pending != credits_pending {
                return Err(InvariantViolation::Unbalanced {
                    currency: *currency,
                    phase: "pending",
                    debits: *debits_pending,
                    credits: *credits_pending,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountFlags, AccountKind};

    fn account(id: &str, currency: &str) -> Account {
        Account::new(
            id,
            "owner",
            Currency::parse(currency).unwrap(),
            AccountKind::Asset,
            "test",
        )
    }

    #[test]
    fn a_delta_that_does_not_balance_is_caught() {
        let usd = Currency::parse("USD").unwrap();
        let zero = Balances::default();
        let debited = Balances {
            debits_posted: 100,
            ..zero
        };
        let credited = Balances {
            credits_posted: 100,
            ..zero
        };
        let mut delta = BalanceDelta::default();
        delta.record(usd, zero, debited);
        assert!(matches!(
            delta.check(),
            Err(InvariantViolation::Unbalanced {
                phase: "posted",
                debits: 100,
                credits: 0,
                ..
            })
        ));
        delta.record(usd, zero, credited);
        assert_eq!(delta.check(), Ok(()));

        // A reservation released on one side only.
        let held = Balances {
            debits_pending: 7,
            ..zero
        };
        delta.record(usd, held, zero);
        assert!(matches!(
            delta.check(),
            Err(InvariantViolation::Unbalanced {
                phase: "pending",
                ..
            })
        ));
    }

    #[test]
    fn a_delta_balances_per_currency_not_across() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let zero = Balances::default();
        let mut delta = BalanceDelta::default();
        delta.record(
            usd,
            zero,
            Balances {
                debits_posted: 5,
                ..zero
            },
        );
        delta.record(
            eur,
            zero,
            Balances {
                credits_posted: 5,
                ..zero
            },
        );
        assert!(delta.check().is_err());
    }

    #[test]
    fn trial_balance_sums_per_currency() {
        let mut cash = account("cash", "USD");
        cash.debits_posted = 500;
        let mut wallet = account("wallet", "USD");
        wallet.credits_posted = 500;
        let mut yen = account("yen", "JPY");
        yen.debits_pending = 3;
        let totals = trial_balance(&[cash.clone(), wallet.clone(), yen.clone()]);
        assert_eq!(totals.currencies.len(), 2);
        assert_eq!(totals.currencies[0].currency.code(), "JPY");
        assert!(!totals.currencies[0].balanced);
        assert!(totals.currencies[1].balanced);
        assert_eq!(totals.currencies[1].debits_posted, 500);
        assert!(!totals.balanced);
        assert!(check_accounts(&[cash.clone(), wallet.clone()]).is_ok());
        assert!(matches!(
            check_accounts(&[cash, wallet, yen]),
            Err(InvariantViolation::Unbalanced {
                phase: "pending",
                ..
            })
        ));
    }

    #[test]
    fn single_account_checks() {
        let mut negative = account("n", "USD");
        negative.credits_posted = -1;
        assert!(matches!(
            check_accounts(&[negative]),
            Err(InvariantViolation::NegativeFigure { .. })
        ));
        let both = account("b", "USD").with_flags(AccountFlags {
            debits_must_not_exceed_credits: true,
            credits_must_not_exceed_debits: true,
        });
        assert!(matches!(
            check_accounts(&[both]),
            Err(InvariantViolation::ContradictoryFlags { .. })
        ));
        let mut overdrawn = account("o", "USD").with_flags(AccountFlags {
            debits_must_not_exceed_credits: true,
            ..AccountFlags::default()
        });
        overdrawn.debits_pending = 1;
        assert!(matches!(
            check_accounts(&[overdrawn]),
            Err(InvariantViolation::DebitsExceedCredits { .. })
        ));
        let mut overfunded = account("f", "USD").with_flags(AccountFlags {
            credits_must_not_exceed_debits: true,
            ..AccountFlags::default()
        });
        overfunded.credits_posted = 1;
        assert!(matches!(
            check_accounts(&[overfunded]),
            Err(InvariantViolation::CreditsExceedDebits { .. })
        ));
    }
}
