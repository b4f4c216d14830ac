//! The ledger (pure): double-entry, multi-currency, with two-phase and linked transfers, FX
//! conversion and ISO 20022 pacs.008 output.
//!
//! Pure means: no I/O, no clock, no randomness. Time comes in as `now_ms` (Unix milliseconds);
//! the same calls on the same state give the same answers. Amounts are `i64` minor units of the
//! account's currency; there are no floats.
//!
//! # The model
//!
//! An [`Account`] has one currency, a kind (assets and expenses are debit-normal, liabilities,
//! equity and revenue credit-normal) and four figures that never go negative:
//! `debits_pending`, `debits_posted`, `credits_pending`, `credits_posted`. A [`Transfer`] moves
//! an amount from a debit account to a credit account of the same currency, so per currency the
//! sum of debits always equals the sum of credits, for posted and for pending figures separately
//! ([`Ledger::check_invariants`], [`trial_balance`]).
//!
//! The [`Ledger`] is an in-memory working set. The hub loads what a batch refers to, calls
//! [`Ledger::create_transfers`], and persists what [`Ledger::take_changes`] reports. Prefetch in
//! two rounds:
//!
//! 1. [`referenced_ids`]`(batch)`: load those accounts ([`Ledger::insert_loaded_account`]) and
//!    those transfers with their pending state ([`Ledger::insert_loaded_transfer`]) — whichever
//!    exist.
//! 2. [`Ledger::missing_account_ids`]`(batch)`: load those accounts too (a post or void may leave
//!    its accounts empty: they are the pending transfer's).
//!
//! For [`Ledger::expire_due`], load the due pending transfers and their accounts.
//!
//! # The pending lifecycle
//!
//! A transfer with `flags.pending` reserves its amount: `debits_pending` of the debit account and
//! `credits_pending` of the credit account grow by it, and its [`PendingState`] is `Pending`.
//! Then exactly one of:
//!
//! - **post**: a transfer with `post_pending_transfer` and `pending_id` posts `amount` (at most the
//!   pending amount; **0 means the full pending amount**) and releases the whole reservation.
//!   State `Posted { amount }`; the stored post carries the amount it posted.
//! - **void**: a transfer with `void_pending_transfer` releases the reservation, posts nothing.
//!   Its amount must be 0 or the pending amount; it is stored with the pending amount. State
//!   `Voided`.
//! - **expiry**: a pending transfer with `timeout_ms > 0` is due once
//!   `now_ms >= timestamp_ms + timeout_ms`. [`Ledger::expire_due`] releases every due one (state
//!   `Expired`); `create_transfers` does the same before its batch, so a late post or void
//!   answers `pending_transfer_expired` and the pending transfer is expired. An expiry stands
//!   even if the batch's chains fail.
//!
//! A post or void may leave the account ids empty (they are taken from the pending transfer) or
//! give them, and then they must be the pending transfer's.
//!
//! # Linked chains
//!
//! A transfer with `flags.linked` is chained to the next one; a chain ends with the first
//! transfer without it, and commits all or nothing. When a member fails, it answers its own code,
//! every other member answers `linked_event_failed`, and none of the chain's effects remain.
//! When the batch ends inside a chain, every member of that chain answers
//! `linked_event_chain_open`. `exists` is not a failure: replaying a chain that was applied
//! answers `exists` for each member.
//!
//! # Idempotency
//!
//! A transfer whose id is already known (loaded, or created earlier, in this batch or before)
//! answers `exists` when every field but `timestamp_ms` is the same — comparing a post or void as
//! it would be stored, after its empty accounts and zero amount are filled from the pending
//! transfer — and `exists_with_different_fields` otherwise. Either way nothing changes. A failed
//! transfer is not stored: its id may be used again.
//!
//! # Result codes, in order of precedence
//!
//! Each transfer is checked in this order; the first failing check is its answer ([`TransferResult`]
//! declares the codes in this order). Codes marked (post/void) or (new) apply only to posts and
//! voids, or only to single-phase and pending transfers.
//!
//! 1. `linked_event_chain_open` — the batch ends inside the transfer's chain
//! 2. `id_must_not_be_empty`
//! 3. `flags_are_mutually_exclusive` — more than one of pending, post, void
//! 4. `pending_id_must_be_empty` (new) — `pending_id` is `Some`
//! 5. `pending_id_must_not_be_empty` (post/void) — `None` or `Some("")`
//! 6. `pending_id_must_differ` (post/void) — `pending_id == id`
//! 7. `timeout_reserved_for_pending_transfer` — non-zero timeout on anything but a pending transfer
//! 8. `timeout_must_not_be_negative`
//! 9. `debit_account_id_must_not_be_empty` (new)
//! 10. `credit_account_id_must_not_be_empty` (new)
//! 11. `accounts_must_differ`
//! 12. `amount_must_not_be_negative`
//! 13. `amount_must_not_be_zero` (new)
//! 14. `amount_too_large` — above [`trade::MAX_MINOR`]
//! 15. `exists_with_different_fields`, `exists` — after field validation, before any other look-up
//! 16. `pending_transfer_not_found` (post/void)
//! 17. `pending_transfer_not_pending` (post/void) — the named transfer is not a pending transfer
//! 18. `pending_transfer_has_different_debit_account` (post/void)
//! 19. `pending_transfer_has_different_credit_account` (post/void)
//! 20. `debit_account_not_found`
//! 21. `credit_account_not_found`
//! 22. `currency_mismatch` — the accounts' currencies differ, or differ from the transfer's
//! 23. `exceeds_pending_transfer_amount` (post)
//! 24. `pending_transfer_has_different_amount` (void) — neither 0 nor the pending amount
//! 25. `pending_transfer_already_posted` (post/void)
//! 26. `pending_transfer_already_voided` (post/void)
//! 27. `pending_transfer_expired` (post/void)
//! 28. `overflows_debits_pending`, 29. `overflows_credits_pending`, 30. `overflows_debits_posted`,
//!     31. `overflows_credits_posted` — a figure would pass `i64::MAX` (or, releasing a
//!     reservation from corrupt loaded figures, go below zero)
//! 32. `overflows_debits`, 33. `overflows_credits` — pending + posted of one side would pass `i64::MAX`
//! 34. `overflows_timeout` (pending) — `timestamp_ms + timeout_ms` would pass `i64::MAX`
//! 35. `exceeds_credits` (new) — the debit account has `debits_must_not_exceed_credits` and would
//!     end with `debits_pending + debits_posted > credits_posted`
//! 36. `exceeds_debits` (new) — the credit account has `credits_must_not_exceed_debits` and would
//!     end with `credits_pending + credits_posted > debits_posted`
//!
//! then `ok`; within a failed chain the other members answer `linked_event_failed`. Posts and
//! voids only shrink an account's total debits and credits, so they never break a balance flag.
//!
//! Accounts have their own codes: [`AccountResult`].
//!
//! # FX
//!
//! [`fx_conversion`] builds the two linked legs of a conversion through the hub's FX accounts;
//! the converted amount is rounded half up to the target's minor unit, in integers ([`fx`]).

pub mod account;
pub mod fx;
pub mod invariants;
pub mod ledger;
pub mod pacs008;
pub mod transfer;

pub use account::{Account, AccountFlags, AccountKind, AccountResult, Balances};
pub use fx::{convert, fx_conversion, FxConversion, FxError, Rate};
pub use invariants::{
    check_accounts, trial_balance, BalanceDelta, CurrencyTotals, InvariantViolation, TrialBalance,
};
pub use ledger::{referenced_ids, Changes, Ledger, LoadError};
pub use transfer::{FxNote, PendingState, Transfer, TransferFlags, TransferMode, TransferResult};
