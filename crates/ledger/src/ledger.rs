//! The in-memory working set and the functions that change it: `create_accounts`,
//! `create_transfers`, `expire_due`, with the changes kept for the caller to persist.

use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Sets used only to skip repeats (never iterated): hashed with a fixed seed, so runs stay
/// deterministic, and far cheaper than ordered sets on batches of thousands of ids.
type SeenSet<'a> = HashSet<&'a str, foldhash::fast::FixedState>;

use crate::account::{validate_new_account, Account, AccountResult, Balances};
use crate::invariants::{check_accounts, BalanceDelta, InvariantViolation};
use crate::transfer::{PendingState, Transfer, TransferMode, TransferResult};

/// Accounts and transfers the caller loaded (or that were created here), with the state of each
/// pending transfer. Deterministic: ordered maps only, time passed in.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    accounts: BTreeMap<String, Account>,
    transfers: BTreeMap<String, Transfer>,
    /// One entry per loaded or created pending transfer, none for other transfers.
    pending_states: BTreeMap<String, PendingState>,
    /// (expires_at_ms, id) of pending transfers with a timeout. Entries whose transfer is no longer
    /// pending are dropped lazily by the sweep.
    expiry_queue: BTreeSet<(i64, String)>,
    log: ChangeLog,
}

/// What changed since the last [`Ledger::take_changes`], for the caller to persist.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Every account created or whose figures changed, in its final state (insert the ones in
    /// `new_accounts`, update the others).
    pub accounts: Vec<Account>,
    /// Ids of the accounts created.
    pub new_accounts: Vec<String>,
    /// Transfers created, in the order they were applied (insert them; a new pending transfer
    /// starts as [`PendingState::Pending`]).
    pub transfers: Vec<Transfer>,
    /// Pending transfers whose state changed, with the final state. A pending transfer created in
    /// the same window appears in `transfers` too: insert first, then update.
    pub pending_updates: Vec<(String, PendingState)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.new_accounts.is_empty()
            && self.transfers.is_empty()
            && self.pending_updates.is_empty()
    }
}

#[derive(Debug, Default, Clone)]
struct ChangeLog {
    new_account_ids: Vec<String>,
    touched_account_ids: Vec<String>,
    created_transfer_ids: Vec<String>,
    pending_update_ids: Vec<String>,
}

/// Lengths of the change log at the start of a chain, to cut it back when the chain fails.
#[derive(Debug, Clone, Copy)]
struct LogMark {
    touched_accounts: usize,
    created_transfers: usize,
    pending_updates: usize,
}

/// One step to take back when a linked chain fails.
#[derive(Debug)]
enum Undo {
    Balances {
        account_id: String,
        before: Balances,
    },
    TransferCreated {
        transfer_id: String,
    },
    PendingState {
        transfer_id: String,
        before: PendingState,
    },
}

/// A transfer that passed every check: what to write.
#[derive(Debug)]
struct Plan {
    /// As it will be stored: accounts and amount resolved, timestamp set.
    transfer: Transfer,
    mode: TransferMode,
    debit_after: Balances,
    credit_after: Balances,
}

/// Refused by [`Ledger::insert_loaded_transfer`]: the state does not fit the transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("transfer `{transfer_id}`: a pending transfer needs a pending state, any other transfer none")]
    PendingStateMismatch { transfer_id: String },
}

/// What the caller must load before [`Ledger::create_transfers`], first round: the accounts the
/// batch names, and the transfers it names (its own ids, for idempotency, and the pending
/// transfers its posts and voids act on). Each list is in first-mention order, without repeats.
/// Second round: [`Ledger::missing_account_ids`].
pub fn referenced_ids(batch: &[Transfer]) -> (Vec<String>, Vec<String>) {
    let mut account_ids = UniqueIds::default();
    let mut transfer_ids = UniqueIds::default();
    for transfer in batch {
        account_ids.push(&transfer.debit_account_id);
        account_ids.push(&transfer.credit_account_id);
        transfer_ids.push(&transfer.id);
        if let Some(pending_id) = &transfer.pending_id {
            transfer_ids.push(pending_id);
        }
    }
    (account_ids.ids, transfer_ids.ids)
}

/// Non-empty ids in first-mention order, each once (a set beside the list: batches are large).
#[derive(Default)]
struct UniqueIds<'a> {
    seen: SeenSet<'a>,
    ids: Vec<String>,
}

impl<'a> UniqueIds<'a> {
    fn push(&mut self, id: &'a str) {
        if !id.is_empty() && self.seen.insert(id) {
            self.ids.push(id.to_string());
        }
    }
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    // ---- Loading (the caller's prefetch; not reported as changes) ----

    /// Puts an account read from storage into the working set (replacing one with the same id).
    pub fn insert_loaded_account(&mut self, account: Account) {
        self.accounts.insert(account.id.clone(), account);
    }

    /// Puts a transfer read from storage into the working set: `Some(state)` for a pending
    /// transfer, `None` for any other.
    pub fn insert_loaded_transfer(
        &mut self,
        transfer: Transfer,
        pending_state: Option<PendingState>,
    ) -> Result<(), LoadError> {
        if transfer.flags.pending != pending_state.is_some() {
            return Err(LoadError::PendingStateMismatch {
                transfer_id: transfer.id,
            });
        }
        self.forget_transfer(&transfer.id);
        if let Some(state) = pending_state {
            self.pending_states.insert(transfer.id.clone(), state);
            if state == PendingState::Pending {
                self.queue_expiry(&transfer);
            }
        }
        self.transfers.insert(transfer.id.clone(), transfer);
        Ok(())
    }

    /// Second round of the prefetch: accounts named by the batch, or by the loaded transfers the
    /// batch names (a post or void may leave its accounts empty: they are the pending
    /// transfer's), that are not loaded yet.
    pub fn missing_account_ids(&self, batch: &[Transfer]) -> Vec<String> {
        let mut named = UniqueIds::default();
        for transfer in batch {
            named.push(&transfer.debit_account_id);
            named.push(&transfer.credit_account_id);
            let pending_id = transfer.pending_id.as_deref().unwrap_or_default();
            for id in [transfer.id.as_str(), pending_id] {
                if let Some(loaded) = self.transfers.get(id) {
                    named.push(&loaded.debit_account_id);
                    named.push(&loaded.credit_account_id);
                }
            }
        }
        let mut missing = named.ids;
        missing.retain(|id| !self.accounts.contains_key(id));
        missing
    }

    // ---- Reading ----

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn transfer(&self, id: &str) -> Option<&Transfer> {
        self.transfers.get(id)
    }

    pub fn transfers(&self) -> impl Iterator<Item = &Transfer> {
        self.transfers.values()
    }

    /// The state of a pending transfer; `None` for other transfers and unknown ids.
    pub fn pending_state(&self, id: &str) -> Option<PendingState> {
        self.pending_states.get(id).copied()
    }

    /// Double entry per currency and every account's own rules, over the loaded accounts.
    /// Holds only when the ledger holds every account (tests, audits), not a partial working set.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        check_accounts(self.accounts.values())
    }

    /// Hands over what changed since the last call, and starts a new window.
    pub fn take_changes(&mut self) -> Changes {
        let log = std::mem::take(&mut self.log);
        let mut seen = SeenSet::default();
        let accounts = log
            .new_account_ids
            .iter()
            .chain(&log.touched_account_ids)
            .filter(|id| seen.insert(id.as_str()))
            .filter_map(|id| self.accounts.get(id).cloned())
            .collect();
        let transfers = log
            .created_transfer_ids
            .iter()
            .filter_map(|id| self.transfers.get(id).cloned())
            .collect();
        let pending_updates = self.pending_updates(&log.pending_update_ids);
        Changes {
            accounts,
            new_accounts: log.new_account_ids,
            transfers,
            pending_updates,
        }
    }

    /// What [`Ledger::take_changes`] answers, for a working set that is done with: the accounts
    /// and transfers are moved out, not copied (a batch of thousands is its writer's hot path).
    pub fn into_changes(mut self) -> Changes {
        let log = std::mem::take(&mut self.log);
        // Removing as it goes keeps the first mention of each id only, as take_changes does.
        let accounts = log
            .new_account_ids
            .iter()
            .chain(&log.touched_account_ids)
            .filter_map(|id| self.accounts.remove(id))
            .collect();
        let transfers = log
            .created_transfer_ids
            .iter()
            .filter_map(|id| self.transfers.remove(id))
            .collect();
        let pending_updates = self.pending_updates(&log.pending_update_ids);
        Changes {
            accounts,
            new_accounts: log.new_account_ids,
            transfers,
            pending_updates,
        }
    }

    /// The final state of each pending transfer named, once each, in first-mention order.
    fn pending_updates(&self, ids: &[String]) -> Vec<(String, PendingState)> {
        let mut seen = SeenSet::default();
        ids.iter()
            .filter(|id| seen.insert(id.as_str()))
            .filter_map(|id| Some((id.clone(), self.pending_state(id)?)))
            .collect()
    }

    // ---- Accounts ----

    /// Creates accounts with zero balances, stamped `created_at_ms = now_ms`. One answer per
    /// account, in order (codes and their precedence: [`AccountResult`]). The caller loads the
    /// accounts with these ids first, so that existing ones answer `exists`.
    pub fn create_accounts(&mut self, batch: &[Account], now_ms: i64) -> Vec<AccountResult> {
        batch
            .iter()
            .map(|account| match self.create_account(account, now_ms) {
                Ok(()) => AccountResult::Ok,
                Err(code) => code,
            })
            .collect()
    }

    fn create_account(&mut self, account: &Account, now_ms: i64) -> Result<(), AccountResult> {
        validate_new_account(account)?;
        if let Some(existing) = self.accounts.get(&account.id) {
            return Err(if existing.same_definition(account) {
                AccountResult::Exists
            } else {
                AccountResult::ExistsWithDifferentFields
            });
        }
        let mut created = account.clone();
        created.created_at_ms = now_ms;
        self.log.new_account_ids.push(created.id.clone());
        self.accounts.insert(created.id.clone(), created);
        Ok(())
    }

    // ---- Transfers ----

    /// Applies a batch at `now_ms` and answers one result per transfer, in order.
    ///
    /// First, every loaded pending transfer that is due expires (as [`Ledger::expire_due`]), so
    /// a post or void of one answers `pending_transfer_expired`. Then each linked chain is
    /// applied all or nothing. Every transfer created gets `timestamp_ms = now_ms`.
    pub fn create_transfers(&mut self, batch: &[Transfer], now_ms: i64) -> Vec<TransferResult> {
        let mut delta = BalanceDelta::default();
        self.sweep_expired(now_ms, &mut delta);
        let mut results = vec![TransferResult::Ok; batch.len()];
        let mut start = 0;
        while start < batch.len() {
            let Some(length) = batch[start..].iter().position(|t| !t.flags.linked) else {
                // Nothing closes the last chain: refuse all of it, apply none of it.
                results[start..].fill(TransferResult::LinkedEventChainOpen);
                break;
            };
            let end = start + length + 1;
            self.apply_chain(
                &batch[start..end],
                &mut results[start..end],
                now_ms,
                &mut delta,
            );
            start = end;
        }
        debug_assert_eq!(
            delta.check(),
            Ok(()),
            "a batch must move debits and credits alike"
        );
        results
    }

    /// Expires every loaded pending transfer whose time has come (`timestamp_ms + timeout_ms <=
    /// now_ms`) and releases its reservation. Answers their ids, in order of expiry. A due
    /// pending transfer whose accounts are not loaded is left for a later sweep.
    pub fn expire_due(&mut self, now_ms: i64) -> Vec<String> {
        let mut delta = BalanceDelta::default();
        let expired = self.sweep_expired(now_ms, &mut delta);
        debug_assert_eq!(delta.check(), Ok(()), "an expiry releases both sides");
        expired
    }

    fn sweep_expired(&mut self, now_ms: i64, delta: &mut BalanceDelta) -> Vec<String> {
        let due: Vec<(i64, String)> = self
            .expiry_queue
            .iter()
            .take_while(|(expires_at_ms, _)| *expires_at_ms <= now_ms)
            .cloned()
            .collect();
        let mut expired = Vec::new();
        for entry in due {
            let id = &entry.1;
            let still_pending = self.pending_states.get(id) == Some(&PendingState::Pending);
            let Some(pending) = self.transfers.get(id).filter(|_| still_pending) else {
                self.expiry_queue.remove(&entry);
                continue;
            };
            let Ok((debit_after, credit_after)) = self.release(pending) else {
                continue;
            };
            let (debit_id, credit_id) = (
                pending.debit_account_id.clone(),
                pending.credit_account_id.clone(),
            );
            // Time has passed whatever the batch does: an expiry is never undone.
            let mut kept = Vec::new();
            self.set_balances(&debit_id, debit_after, &mut kept, delta);
            self.set_balances(&credit_id, credit_after, &mut kept, delta);
            self.set_pending_state(id, PendingState::Expired, &mut kept);
            self.expiry_queue.remove(&entry);
            expired.push(entry.1);
        }
        expired
    }

    /// The two accounts' figures once `pending`'s reservation is released.
    fn release(&self, pending: &Transfer) -> Result<(Balances, Balances), TransferResult> {
        let debit = self
            .accounts
            .get(&pending.debit_account_id)
            .ok_or(TransferResult::DebitAccountNotFound)?;
        let credit = self
            .accounts
            .get(&pending.credit_account_id)
            .ok_or(TransferResult::CreditAccountNotFound)?;
        let mut debit_after = debit.balances();
        let mut credit_after = credit.balances();
        // Only corrupt loaded figures can hold less than the reservation being released.
        debit_after.debits_pending = checked_release(debit.debits_pending, pending.amount)
            .ok_or(TransferResult::OverflowsDebitsPending)?;
        credit_after.credits_pending = checked_release(credit.credits_pending, pending.amount)
            .ok_or(TransferResult::OverflowsCreditsPending)?;
        Ok((debit_after, credit_after))
    }

    fn apply_chain(
        &mut self,
        chain: &[Transfer],
        results: &mut [TransferResult],
        now_ms: i64,
        delta: &mut BalanceDelta,
    ) {
        debug_assert_eq!(chain.len(), results.len());
        debug_assert!(chain[..chain.len() - 1].iter().all(|t| t.flags.linked));
        debug_assert!(!chain[chain.len() - 1].flags.linked);
        let mark = self.log_mark();
        let mut undo = Vec::new();
        for (position, transfer) in chain.iter().enumerate() {
            let result = match self.plan_transfer(transfer, now_ms) {
                Ok(plan) => {
                    self.commit(plan, &mut undo, delta);
                    TransferResult::Ok
                }
                Err(code) => code,
            };
            if !result.is_success() {
                self.roll_back(undo, mark, delta);
                results.fill(TransferResult::LinkedEventFailed);
                results[position] = result;
                return;
            }
            results[position] = result;
        }
    }

    /// Every check, in the order of precedence, without changing anything.
    fn plan_transfer(&self, request: &Transfer, now_ms: i64) -> Result<Plan, TransferResult> {
        let mode = validate_fields(request)?;
        let mut transfer = self.resolve(request, mode);
        transfer.timestamp_ms = now_ms;
        if let Some(existing) = self.transfers.get(&transfer.id) {
            return Err(if existing.same_fields(&transfer) {
                TransferResult::Exists
            } else {
                TransferResult::ExistsWithDifferentFields
            });
        }
        match mode {
            TransferMode::Single | TransferMode::Pending => self.plan_new(transfer, mode),
            TransferMode::PostPending | TransferMode::VoidPending => {
                self.plan_post_or_void(transfer, mode)
            }
        }
    }

    /// A post or void as it would be stored: empty accounts and a zero amount filled from the
    /// pending transfer it names, when that is a loaded pending transfer.
    fn resolve(&self, request: &Transfer, mode: TransferMode) -> Transfer {
        let mut transfer = request.clone();
        if !matches!(mode, TransferMode::PostPending | TransferMode::VoidPending) {
            return transfer;
        }
        let pending = request
            .pending_id
            .as_deref()
            .and_then(|id| self.transfers.get(id))
            .filter(|pending| pending.flags.mode() == Some(TransferMode::Pending));
        if let Some(pending) = pending {
            if transfer.debit_account_id.is_empty() {
                transfer.debit_account_id = pending.debit_account_id.clone();
            }
            if transfer.credit_account_id.is_empty() {
                transfer.credit_account_id = pending.credit_account_id.clone();
            }
            if transfer.amount == 0 {
                transfer.amount = pending.amount;
            }
        }
        transfer
    }

    fn accounts_of(&self, transfer: &Transfer) -> Result<(&Account, &Account), TransferResult> {
        let debit = self
            .accounts
            .get(&transfer.debit_account_id)
            .ok_or(TransferResult::DebitAccountNotFound)?;
        let credit = self
            .accounts
            .get(&transfer.credit_account_id)
            .ok_or(TransferResult::CreditAccountNotFound)?;
        if debit.currency != credit.currency || transfer.currency != debit.currency {
            return Err(TransferResult::CurrencyMismatch);
        }
        Ok((debit, credit))
    }

    /// Single-phase and pending transfers.
    fn plan_new(&self, transfer: Transfer, mode: TransferMode) -> Result<Plan, TransferResult> {
        use TransferResult as R;
        let (debit, credit) = self.accounts_of(&transfer)?;
        let amount = transfer.amount;
        let mut debit_after = debit.balances();
        let mut credit_after = credit.balances();
        if mode == TransferMode::Pending {
            debit_after.debits_pending =
                add(debit.debits_pending, amount, R::OverflowsDebitsPending)?;
            credit_after.credits_pending =
                add(credit.credits_pending, amount, R::OverflowsCreditsPending)?;
        } else {
            debit_after.debits_posted = add(debit.debits_posted, amount, R::OverflowsDebitsPosted)?;
            credit_after.credits_posted =
                add(credit.credits_posted, amount, R::OverflowsCreditsPosted)?;
        }
        check_totals_fit(&debit_after, &credit_after)?;
        if mode == TransferMode::Pending && transfer.timeout_ms > 0 {
            add(
                transfer.timestamp_ms,
                transfer.timeout_ms,
                R::OverflowsTimeout,
            )?;
        }
        // Only the side a transfer grows can newly break a flag.
        let debits = debit_after.debits_pending + debit_after.debits_posted;
        if debit.flags.debits_must_not_exceed_credits && debits > debit_after.credits_posted {
            return Err(R::ExceedsCredits);
        }
        let credits = credit_after.credits_pending + credit_after.credits_posted;
        if credit.flags.credits_must_not_exceed_debits && credits > credit_after.debits_posted {
            return Err(R::ExceedsDebits);
        }
        Ok(Plan {
            transfer,
            mode,
            debit_after,
            credit_after,
        })
    }

    /// Posts and voids. They only shrink an account's total debits or credits, so they cannot
    /// break a balance flag: that check is not made.
    fn plan_post_or_void(
        &self,
        transfer: Transfer,
        mode: TransferMode,
    ) -> Result<Plan, TransferResult> {
        use TransferResult as R;
        let pending_id = transfer.pending_id.as_deref().unwrap_or_default();
        debug_assert!(!pending_id.is_empty(), "validated");
        let pending = self
            .transfers
            .get(pending_id)
            .ok_or(R::PendingTransferNotFound)?;
        if pending.flags.mode() != Some(TransferMode::Pending) {
            return Err(R::PendingTransferNotPending);
        }
        if transfer.debit_account_id != pending.debit_account_id {
            return Err(R::PendingTransferHasDifferentDebitAccount);
        }
        if transfer.credit_account_id != pending.credit_account_id {
            return Err(R::PendingTransferHasDifferentCreditAccount);
        }
        self.accounts_of(&transfer)?;
        if mode == TransferMode::PostPending && transfer.amount > pending.amount {
            return Err(R::ExceedsPendingTransferAmount);
        }
        if mode == TransferMode::VoidPending && transfer.amount != pending.amount {
            return Err(R::PendingTransferHasDifferentAmount);
        }
        let state = self.pending_states.get(pending_id).copied();
        debug_assert!(state.is_some(), "every pending transfer has a state");
        match state {
            Some(PendingState::Posted { .. }) => return Err(R::PendingTransferAlreadyPosted),
            Some(PendingState::Voided) => return Err(R::PendingTransferAlreadyVoided),
            Some(PendingState::Expired) | None => return Err(R::PendingTransferExpired),
            Some(PendingState::Pending) => {}
        }
        // The batch's sweep expired every due pending transfer it could release; one still
        // pending but due has figures too small to release (corrupt): refuse it all the same.
        if pending
            .expires_at_ms()
            .is_some_and(|expires_at_ms| expires_at_ms <= transfer.timestamp_ms)
        {
            return Err(R::PendingTransferExpired);
        }
        let (mut debit_after, mut credit_after) = self.release(pending)?;
        if mode == TransferMode::PostPending {
            debit_after.debits_posted = add(
                debit_after.debits_posted,
                transfer.amount,
                R::OverflowsDebitsPosted,
            )?;
            credit_after.credits_posted = add(
                credit_after.credits_posted,
                transfer.amount,
                R::OverflowsCreditsPosted,
            )?;
        }
        check_totals_fit(&debit_after, &credit_after)?;
        Ok(Plan {
            transfer,
            mode,
            debit_after,
            credit_after,
        })
    }

    fn commit(&mut self, plan: Plan, undo: &mut Vec<Undo>, delta: &mut BalanceDelta) {
        let Plan {
            transfer,
            mode,
            debit_after,
            credit_after,
        } = plan;
        self.set_balances(&transfer.debit_account_id, debit_after, undo, delta);
        self.set_balances(&transfer.credit_account_id, credit_after, undo, delta);
        match mode {
            TransferMode::Single => {}
            TransferMode::Pending => {
                self.pending_states
                    .insert(transfer.id.clone(), PendingState::Pending);
                self.queue_expiry(&transfer);
            }
            TransferMode::PostPending | TransferMode::VoidPending => {
                let state = if mode == TransferMode::PostPending {
                    PendingState::Posted {
                        amount: transfer.amount,
                    }
                } else {
                    PendingState::Voided
                };
                let pending_id = transfer.pending_id.clone().unwrap_or_default();
                self.set_pending_state(&pending_id, state, undo);
            }
        }
        undo.push(Undo::TransferCreated {
            transfer_id: transfer.id.clone(),
        });
        self.log.created_transfer_ids.push(transfer.id.clone());
        self.transfers.insert(transfer.id.clone(), transfer);
    }

    fn roll_back(&mut self, undo: Vec<Undo>, mark: LogMark, delta: &mut BalanceDelta) {
        for step in undo.into_iter().rev() {
            match step {
                Undo::Balances { account_id, before } => {
                    let mut discard = Vec::new();
                    self.set_balances(&account_id, before, &mut discard, delta);
                }
                Undo::TransferCreated { transfer_id } => self.forget_transfer(&transfer_id),
                Undo::PendingState {
                    transfer_id,
                    before,
                } => {
                    self.pending_states.insert(transfer_id.clone(), before);
                    if before == PendingState::Pending {
                        if let Some(pending) = self.transfers.get(&transfer_id).cloned() {
                            self.queue_expiry(&pending);
                        }
                    }
                }
            }
        }
        self.log.touched_account_ids.truncate(mark.touched_accounts);
        self.log
            .created_transfer_ids
            .truncate(mark.created_transfers);
        self.log.pending_update_ids.truncate(mark.pending_updates);
    }

    fn log_mark(&self) -> LogMark {
        LogMark {
            touched_accounts: self.log.touched_account_ids.len(),
            created_transfers: self.log.created_transfer_ids.len(),
            pending_updates: self.log.pending_update_ids.len(),
        }
    }

    fn set_balances(
        &mut self,
        account_id: &str,
        after: Balances,
        undo: &mut Vec<Undo>,
        delta: &mut BalanceDelta,
    ) {
        let Some(account) = self.accounts.get_mut(account_id) else {
            unreachable!("planned against a loaded account, `{account_id}` is not");
        };
        let before = account.balances();
        account.set_balances(after);
        if cfg!(debug_assertions) {
            delta.record(account.currency, before, after);
        }
        undo.push(Undo::Balances {
            account_id: account_id.to_string(),
            before,
        });
        self.log.touched_account_ids.push(account_id.to_string());
    }

    fn set_pending_state(&mut self, transfer_id: &str, state: PendingState, undo: &mut Vec<Undo>) {
        let before = self.pending_states.insert(transfer_id.to_string(), state);
        debug_assert_eq!(
            before,
            Some(PendingState::Pending),
            "only a pending transfer changes state"
        );
        if let Some(before) = before {
            undo.push(Undo::PendingState {
                transfer_id: transfer_id.to_string(),
                before,
            });
        }
        self.log.pending_update_ids.push(transfer_id.to_string());
    }

    fn queue_expiry(&mut self, pending: &Transfer) {
        if let Some(expires_at_ms) = pending.expires_at_ms() {
            self.expiry_queue
                .insert((expires_at_ms, pending.id.clone()));
        }
    }

    fn forget_transfer(&mut self, transfer_id: &str) {
        if let Some(transfer) = self.transfers.remove(transfer_id) {
            if let Some(expires_at_ms) = transfer.expires_at_ms() {
                self.expiry_queue
                    .remove(&(expires_at_ms, transfer.id.clone()));
            }
        }
        self.pending_states.remove(transfer_id);
    }
}

/// The checks that need nothing but the transfer itself, in the order of precedence.
fn validate_fields(transfer: &Transfer) -> Result<TransferMode, TransferResult> {
    use TransferResult as R;
    if transfer.id.is_empty() {
        return Err(R::IdMustNotBeEmpty);
    }
    let mode = transfer.flags.mode().ok_or(R::FlagsAreMutuallyExclusive)?;
    let acts_on_pending = matches!(mode, TransferMode::PostPending | TransferMode::VoidPending);
    match (transfer.pending_id.as_deref(), acts_on_pending) {
        (Some(_), false) => return Err(R::PendingIdMustBeEmpty),
        (None | Some(""), true) => return Err(R::PendingIdMustNotBeEmpty),
        (Some(pending_id), true) if pending_id == transfer.id => {
            return Err(R::PendingIdMustDiffer)
        }
        _ => {}
    }
    if transfer.timeout_ms != 0 && mode != TransferMode::Pending {
        return Err(R::TimeoutReservedForPendingTransfer);
    }
    if transfer.timeout_ms < 0 {
        return Err(R::TimeoutMustNotBeNegative);
    }
    if !acts_on_pending {
        if transfer.debit_account_id.is_empty() {
            return Err(R::DebitAccountIdMustNotBeEmpty);
        }
        if transfer.credit_account_id.is_empty() {
            return Err(R::CreditAccountIdMustNotBeEmpty);
        }
    }
    if !transfer.debit_account_id.is_empty()
        && transfer.debit_account_id == transfer.credit_account_id
    {
        return Err(R::AccountsMustDiffer);
    }
    if transfer.amount < 0 {
        return Err(R::AmountMustNotBeNegative);
    }
    if transfer.amount == 0 && !acts_on_pending {
        return Err(R::AmountMustNotBeZero);
    }
    if transfer.amount > trade::MAX_MINOR {
        return Err(R::AmountTooLarge);
    }
    Ok(mode)
}

fn add(figure: i64, amount: i64, overflow: TransferResult) -> Result<i64, TransferResult> {
    figure.checked_add(amount).ok_or(overflow)
}

fn checked_release(figure: i64, amount: i64) -> Option<i64> {
    figure.checked_sub(amount).filter(|left| *left >= 0)
}

/// Pending plus posted must stay within an `i64` on each side (the balance-flag sums rely on it).
fn check_totals_fit(debit_after: &Balances, credit_after: &Balances) -> Result<(), TransferResult> {
    debit_after
        .debits_pending
        .checked_add(debit_after.debits_posted)
        .ok_or(TransferResult::OverflowsDebits)?;
    credit_after
        .credits_pending
        .checked_add(credit_after.credits_posted)
        .ok_or(TransferResult::OverflowsCredits)?;
    Ok(())
}
