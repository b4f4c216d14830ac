//! What the writer keeps between batches, and the working set of one batch.
//!
//! One hub process writes to a database (decision 19), so what the writer holds in memory is
//! exact: it is loaded at start and changed only by the writer's own committed batches.
//! - [`WriterState`]: the ledger's accounts ([`Books`]), the risk rules, the FX table, the order
//!   numbers that have documents waiting for their order, and a cache of parties.
//! - [`BatchCtx`]: a batch's view of that state and its changes: the ledger working set, new
//!   rules, rates and parties, and the waiting-number deltas. They reach the [`WriterState`]
//!   only once the batch has committed ([`WriterState::absorb`]); a command that fails on the
//!   careful path is undone by restoring the snapshot taken before it.

use crate::books::{AccountKey, Books};
use crate::clock::IdGen;
use crate::engine::EngineError;
use crate::escrow::{Purpose, TransferIds};
use crate::fx::{table_of, FxTable};
use customs::RiskRule;
use ledger::{Account, Changes, Ledger, Transfer, TransferResult};
use std::collections::HashMap;
use std::sync::Arc;
use store::{StoreError, Stores};
use trade::id::IdKind;
use trade::{Currency, Party};

/// What the writer is configured with.
#[derive(Clone)]
pub struct WriterSetup {
    pub packs: Arc<tariff::PackSet>,
    pub ids: Arc<IdGen>,
    /// The hub's fee on a merchant's share, in basis points of what the buyer paid less taxes.
    pub fee_bps: u32,
    pub hub_code: String,
    /// Pending transfers kept in memory at most ([`Books`]).
    pub pending_cached_max: usize,
}

pub struct WriterState {
    pub setup: WriterSetup,
    pub books: Books,
    /// Every risk rule, enabled or not, by id.
    pub rules: Vec<RiskRule>,
    pub fx: FxTable,
    /// Order numbers with documents that wait for their order, and how many.
    pub waiting: HashMap<String, u32>,
    pub parties: HashMap<String, Party>,
}

impl WriterState {
    pub async fn load(
        conn: &mut dyn Stores,
        setup: WriterSetup,
    ) -> Result<WriterState, StoreError> {
        let books = Books::load(conn, setup.pending_cached_max).await?;
        let rules = conn
            .list_risk_rules()
            .await?
            .into_iter()
            .map(|r| r.rule)
            .collect();
        let fx = table_of(&conn.list_fx_rates().await?);
        let waiting = conn.waiting_numbers().await?.into_iter().collect();
        Ok(WriterState {
            setup,
            books,
            rules,
            fx,
            waiting,
            parties: HashMap::new(),
        })
    }

    /// Folds a committed batch in. Call only after the commit returned.
    pub fn absorb(&mut self, effects: Effects) {
        for changes in &effects.ledger {
            self.books.absorb(changes);
        }
        self.books.learn_keys(effects.account_keys);
        if let Some(rules) = effects.rules {
            self.rules = rules;
        }
        if let Some(fx) = effects.fx {
            self.fx = fx;
        }
        for (number, delta) in effects.waiting {
            let count = self.waiting.get(&number).copied().unwrap_or(0) as i64 + delta;
            if count > 0 {
                self.waiting.insert(number, count as u32);
            } else {
                self.waiting.remove(&number);
            }
        }
        self.parties.extend(effects.parties);
    }

    /// Whether an order with this matching number may find documents waiting for it.
    pub fn has_waiting(&self, number: &str) -> bool {
        self.waiting.contains_key(number)
    }
}

/// A batch's changes to the writer's state, applied after its commit.
#[derive(Clone, Default)]
pub struct Effects {
    /// What the ledger working set changed, in order (one entry per persisted step).
    pub ledger: Vec<Changes>,
    /// The keys of the accounts this batch created or moved, as the store reported them.
    pub account_keys: HashMap<String, store::AccountKeys>,
    /// The whole rule list, when the batch changed a rule.
    pub rules: Option<Vec<RiskRule>>,
    /// The whole FX table, when the batch set rates.
    pub fx: Option<FxTable>,
    pub waiting: HashMap<String, i64>,
    pub parties: HashMap<String, Party>,
}

/// One batch's working set over the writer's state.
#[derive(Clone)]
pub struct BatchCtx<'a> {
    pub state: &'a WriterState,
    pub ledger: Ledger,
    /// Accounts created in this batch, by their natural key.
    new_accounts: HashMap<AccountKey, String>,
    pub effects: Effects,
    pub now_ms: i64,
}

impl TransferIds for BatchCtx<'_> {
    fn next_transfer_id(&mut self) -> String {
        self.state.setup.ids.next(IdKind::Transfer)
    }
}

impl<'a> BatchCtx<'a> {
    pub fn new(state: &'a WriterState, now_ms: i64) -> BatchCtx<'a> {
        BatchCtx {
            state,
            ledger: Ledger::new(),
            new_accounts: HashMap::new(),
            effects: Effects::default(),
            // Never before the newest transfer's time (see `Books::ledger_now_ms`).
            now_ms: state.books.ledger_now_ms(now_ms),
        }
    }

    pub fn setup(&self) -> &WriterSetup {
        &self.state.setup
    }

    pub fn rules(&self) -> &[RiskRule] {
        self.effects.rules.as_deref().unwrap_or(&self.state.rules)
    }

    pub fn set_rules(&mut self, rules: Vec<RiskRule>) {
        self.effects.rules = Some(rules);
    }

    pub fn fx(&self) -> &FxTable {
        self.effects.fx.as_ref().unwrap_or(&self.state.fx)
    }

    pub fn set_fx(&mut self, fx: FxTable) {
        self.effects.fx = Some(fx);
    }

    pub fn waiting_count(&self, number: &str) -> i64 {
        self.state.waiting.get(number).copied().unwrap_or(0) as i64
            + self.effects.waiting.get(number).copied().unwrap_or(0)
    }

    pub fn add_waiting(&mut self, number: &str, delta: i64) {
        *self.effects.waiting.entry(number.to_string()).or_insert(0) += delta;
    }

    /// A party of the hub, from this batch, the cache, or the database.
    pub async fn party(
        &mut self,
        s: &mut dyn Stores,
        id: &str,
    ) -> Result<Option<Party>, StoreError> {
        if let Some(p) = self
            .effects
            .parties
            .get(id)
            .or_else(|| self.state.parties.get(id))
        {
            return Ok(Some(p.clone()));
        }
        let found = s.get_party(id).await?;
        if let Some(p) = &found {
            // Parties change only through this writer, so the cache stays exact.
            self.effects.parties.insert(p.id.clone(), p.clone());
        }
        Ok(found)
    }

    pub fn note_party(&mut self, party: &Party) {
        self.effects.parties.insert(party.id.clone(), party.clone());
    }

    /// The id of the account for `purpose` of `party_id` in `currency`, created in this batch's
    /// working set when it does not exist yet.
    pub fn account(&mut self, purpose: Purpose, party_id: &str, currency: Currency) -> String {
        let key = AccountKey {
            owner_id: purpose.owner(party_id),
            currency,
            code: purpose.code(),
        };
        if let Some(id) = self.new_accounts.get(&key) {
            return id.clone();
        }
        if let Some(existing) = self.state.books.find(&key) {
            let id = existing.id.clone();
            if self.ledger.account(&id).is_none() {
                self.ledger.insert_loaded_account(existing.clone());
            }
            return id;
        }
        let id = self.state.setup.ids.next(IdKind::Account);
        let account = Account::new(
            id.clone(),
            key.owner_id.clone(),
            currency,
            purpose.kind(),
            key.code.clone(),
        )
        .with_flags(purpose.flags());
        let result = self.ledger.create_accounts(&[account], self.now_ms);
        debug_assert!(result.iter().all(|r| r.is_success()), "{result:?}");
        self.new_accounts.insert(key, id.clone());
        id
    }

    /// Loads into the working set the transfers named (those that exist and are not loaded yet),
    /// with the accounts they name.
    pub async fn load_transfers(
        &mut self,
        s: &mut dyn Stores,
        ids: &[String],
    ) -> Result<(), StoreError> {
        let mut missing: Vec<String> = Vec::new();
        for id in ids {
            if self.ledger.transfer(id).is_some() {
                continue;
            }
            match self.state.books.pending(id) {
                // Still pending as committed: from memory, no read.
                Some(t) => self.load_one(t.clone(), Some(ledger::PendingState::Pending))?,
                None => missing.push(id.clone()),
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        for (transfer, state) in s.transfers_by_id(&missing).await? {
            self.load_one(transfer, state)?;
        }
        Ok(())
    }

    fn load_one(
        &mut self,
        transfer: Transfer,
        state: Option<ledger::PendingState>,
    ) -> Result<(), StoreError> {
        let id = transfer.id.clone();
        self.ledger
            .insert_loaded_transfer(transfer, state)
            .map_err(|e| StoreError::Corrupt {
                table: "ledger_transfers",
                id,
                detail: e.to_string(),
            })
    }

    /// Applies `transfers` to the working set, every one of which must succeed: they are the
    /// hub's own bookings, built from amounts the writer checked. A refusal is reported with the
    /// ledger's code, and the caller's command fails (nothing of it is kept).
    pub async fn book(
        &mut self,
        s: &mut dyn Stores,
        transfers: &[Transfer],
    ) -> Result<(), EngineError> {
        let pending: Vec<String> = transfers
            .iter()
            .filter_map(|t| t.pending_id.clone())
            .collect();
        self.load_transfers(s, &pending).await?;
        let missing = self.ledger.missing_account_ids(transfers);
        self.state.books.lend(&mut self.ledger, &missing);
        let results = self.ledger.create_transfers(transfers, self.now_ms);
        if let Some((t, code)) = transfers
            .iter()
            .zip(&results)
            .find(|(_, r)| !matches!(r, TransferResult::Ok | TransferResult::LinkedEventFailed))
        {
            return Err(EngineError::Ledger {
                code: code.as_str(),
                transfer_code: t.code.clone(),
            });
        }
        debug_assert!(results.iter().all(|r| *r == TransferResult::Ok));
        Ok(())
    }

    /// The amount of a transfer in the working set (loaded first when needed).
    pub async fn transfer_amount(
        &mut self,
        s: &mut dyn Stores,
        id: &str,
    ) -> Result<i64, StoreError> {
        self.load_transfers(s, &[id.to_string()]).await?;
        Ok(self.ledger.transfer(id).map_or(0, |t| t.amount))
    }

    /// Writes what the working set changed since the last call and keeps it for [`WriterState::absorb`].
    pub async fn persist_ledger(&mut self, s: &mut dyn Stores) -> Result<(), StoreError> {
        let changes = self.ledger.take_changes();
        if changes.is_empty() {
            return Ok(());
        }
        let books = &self.state.books;
        let earlier = &self.effects.account_keys;
        let keys = s
            .persist_ledger(&changes, &|id| {
                earlier.get(id).copied().or_else(|| books.keys(id))
            })
            .await?;
        self.effects.account_keys.extend(keys);
        self.effects.ledger.push(changes);
        Ok(())
    }
}
