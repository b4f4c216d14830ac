//! The writer's books: every ledger account in memory, and the one way a batch of transfers
//! reaches the database (the engine and `ewtp bench ledger` both go through it).
//!
//! One hub process writes to a database (decision 19), so the accounts it holds in memory are
//! exact: it loads them at start and folds in every committed change. A batch is applied to a
//! working set of the accounts and transfers it names (`crates/ledger`), written with a few
//! multi-row statements, and folded back only after its commit.

use ledger::{Account, AccountKind, Changes, Ledger, Transfer, TransferResult};
use std::collections::HashMap;

/// The books' maps are looked up several times per transfer: a fast hash (randomly seeded).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use store::{AccountKeys, StoreError, Stores};
use trade::Currency;

/// What an account is for, with its owner: the natural key the hub looks accounts up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey {
    pub owner_id: String,
    pub currency: Currency,
    pub code: String,
}

/// Pending transfers kept in memory at most, by default (about 40 MB).
pub const PENDING_CACHED_MAX: usize = 100_000;

#[derive(Default)]
pub struct Books {
    accounts: FastMap<String, Account>,
    by_key: FastMap<AccountKey, String>,
    /// Every account's keys (decision 35): its integer key and the head of its chain.
    keys: FastMap<String, AccountKeys>,
    /// Transfers still pending (escrow holds, shares waiting for delivery): a post or void
    /// finds them here instead of in the database.
    pending: FastMap<String, Transfer>,
    pending_max: usize,
    /// The greatest transfer id stored: a new transfer with a greater id (ids are time-ordered,
    /// so nearly all) needs no look-up to prove it is not a repeat.
    newest_transfer_id: Option<String>,
    /// The time of the newest transfer: the ledger's clock never goes below it, so timestamps
    /// never decrease along an account's chain (statements walk it back by time).
    newest_timestamp_ms: i64,
}

impl Books {
    /// Every account, and the newest pending transfers up to `pending_max`.
    pub async fn load(conn: &mut dyn Stores, pending_max: usize) -> Result<Books, StoreError> {
        let mut books = Books {
            pending_max,
            ..Books::default()
        };
        // Sized once: growing by doubling copied the whole map on the writer's thread (4% of
        // it under load, and a stall of milliseconds at each doubling). The table's pages are
        // only touched as entries arrive, so the reserve costs no memory until it is used.
        books.pending.reserve(pending_max.min(PENDING_CACHED_MAX));
        for account in conn.all_accounts().await? {
            books.insert(account);
        }
        books.keys = conn.account_keys().await?.into_iter().collect();
        books.newest_transfer_id = conn.newest_transfer_id().await?;
        books.newest_timestamp_ms = conn.newest_transfer_timestamp_ms().await?.unwrap_or(0);
        let limit = i64::try_from(pending_max).unwrap_or(i64::MAX);
        for transfer in conn.pending_transfers(limit).await? {
            books.pending.insert(transfer.id.clone(), transfer);
        }
        Ok(books)
    }

    fn insert(&mut self, account: Account) {
        self.by_key.insert(key_of(&account), account.id.clone());
        self.accounts.insert(account.id.clone(), account);
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// The keys of a stored account.
    pub fn keys(&self, id: &str) -> Option<AccountKeys> {
        self.keys.get(id).copied()
    }

    /// Keeps the keys the store reported for the accounts a batch created or moved. Call only
    /// after the commit succeeded.
    pub fn learn_keys(&mut self, keys: impl IntoIterator<Item = (String, AccountKeys)>) {
        self.keys.extend(keys);
    }

    /// The time the ledger should use for a batch at wall-clock `now_ms`: never before the
    /// newest transfer's, even if the wall clock stepped back.
    pub fn ledger_now_ms(&self, now_ms: i64) -> i64 {
        now_ms.max(self.newest_timestamp_ms)
    }

    pub fn find(&self, key: &AccountKey) -> Option<&Account> {
        self.by_key.get(key).and_then(|id| self.accounts.get(id))
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Folds a committed batch's changes in. Call only after the commit succeeded.
    pub fn absorb(&mut self, changes: &Changes) {
        for account in &changes.accounts {
            match self.accounts.get_mut(&account.id) {
                // Only an account's figures change; the rest is fixed at its creation.
                Some(known) => {
                    debug_assert_eq!(key_of(known), key_of(account));
                    known.debits_pending = account.debits_pending;
                    known.debits_posted = account.debits_posted;
                    known.credits_pending = account.credits_pending;
                    known.credits_posted = account.credits_posted;
                }
                None => self.insert(account.clone()),
            }
        }
        if let Some(latest) = changes.transfers.iter().map(|t| t.timestamp_ms).max() {
            self.newest_timestamp_ms = self.newest_timestamp_ms.max(latest);
        }
        if let Some(newest) = changes.transfers.iter().map(|t| &t.id).max() {
            if self.newest_transfer_id.as_ref().is_none_or(|n| newest > n) {
                self.newest_transfer_id = Some(newest.clone());
            }
        }
        for transfer in changes.transfers.iter().filter(|t| t.flags.pending) {
            // Bounded: past the cap a pending transfer is read from the database when it is
            // posted or voided, and the writer's memory stays flat however many wait.
            if self.pending.len() < self.pending_max {
                self.pending.insert(transfer.id.clone(), transfer.clone());
            }
        }
        for (id, state) in &changes.pending_updates {
            if *state != ledger::PendingState::Pending {
                self.pending.remove(id);
            }
        }
    }

    /// A transfer that is still pending, as committed.
    pub fn pending(&self, id: &str) -> Option<&Transfer> {
        self.pending.get(id)
    }

    /// A working set for `batch`: the accounts it names (from memory) and the transfers it names
    /// (its own ids, for idempotency, and the pending transfers it posts or voids, from the
    /// store), with the accounts those name in turn.
    pub async fn working_set(
        &self,
        conn: &mut dyn Stores,
        batch: &[Transfer],
    ) -> Result<Ledger, StoreError> {
        let mut ledger = Ledger::new();
        let (account_ids, mut transfer_ids) = ledger::referenced_ids(batch);
        self.lend(&mut ledger, &account_ids);
        // Only ids at or below the newest stored one can name a stored transfer.
        match &self.newest_transfer_id {
            Some(newest) => transfer_ids.retain(|id| id <= newest),
            None => transfer_ids.clear(),
        }
        if !transfer_ids.is_empty() {
            for (transfer, state) in conn.transfers_by_id(&transfer_ids).await? {
                let id = transfer.id.clone();
                ledger
                    .insert_loaded_transfer(transfer, state)
                    .map_err(|e| StoreError::Corrupt {
                        table: "ledger_transfers",
                        id,
                        detail: e.to_string(),
                    })?;
            }
        }
        let missing = ledger.missing_account_ids(batch);
        self.lend(&mut ledger, &missing);
        Ok(ledger)
    }

    /// Copies the accounts with these ids (those that exist) into a working set.
    pub fn lend(&self, ledger: &mut Ledger, ids: &[String]) {
        for id in ids {
            if let Some(account) = self.accounts.get(id) {
                ledger.insert_loaded_account(account.clone());
            }
        }
    }
}

fn key_of(a: &Account) -> AccountKey {
    AccountKey {
        owner_id: a.owner_id.clone(),
        currency: a.currency,
        code: a.code.clone(),
    }
}

/// A new account's definition (the ledger stamps its creation time).
pub fn new_account(id: String, key: &AccountKey, kind: AccountKind) -> Account {
    Account::new(
        id,
        key.owner_id.clone(),
        key.currency,
        kind,
        key.code.clone(),
    )
}

/// Applies one batch of transfers in its own transaction and commits it: the path of
/// `ewtp bench ledger`, and of any caller with transfers alone. Answers one result per transfer;
/// the books change only once the commit has returned.
pub async fn commit_transfers(
    books: &mut Books,
    db: &dyn store::Database,
    batch: &[Transfer],
    now_ms: i64,
) -> Result<Vec<TransferResult>, StoreError> {
    let now_ms = books.ledger_now_ms(now_ms);
    let mut tx = db.begin().await?;
    let mut ledger = books.working_set(tx.stores(), batch).await?;
    let results = ledger.create_transfers(batch, now_ms);
    let changes = ledger.into_changes();
    let mut seqs = Vec::new();
    if !changes.is_empty() {
        seqs = tx
            .stores()
            .persist_ledger(&changes, &|id| books.keys(id))
            .await?;
    }
    tx.commit().await?;
    books.absorb(&changes);
    books.learn_keys(seqs);
    Ok(results)
}

/// Creates accounts in their own transaction (those that exist answer `exists`).
pub async fn commit_accounts(
    books: &mut Books,
    db: &dyn store::Database,
    accounts: &[Account],
    now_ms: i64,
) -> Result<Vec<ledger::AccountResult>, StoreError> {
    let mut ledger = Ledger::new();
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    books.lend(&mut ledger, &ids);
    let results = ledger.create_accounts(accounts, now_ms);
    let changes = ledger.take_changes();
    if !changes.is_empty() {
        let mut tx = db.begin().await?;
        let seqs = tx
            .stores()
            .persist_ledger(&changes, &|id| books.keys(id))
            .await?;
        tx.commit().await?;
        books.absorb(&changes);
        books.learn_keys(seqs);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::TransferResult;
    use trade::Currency;

    /// The pending map is sized at load for its bound: filling it to the bound never grows
    /// (rehashes) it on the writer's thread, and past the bound nothing more is kept.
    #[tokio::test]
    async fn the_pending_map_fills_to_its_bound_without_growing() {
        let usd = Currency::parse("USD").unwrap();
        let tdb = store::testing::TestDb::sqlite().await.unwrap();
        let mut conn = tdb.db.read().await.unwrap();
        let mut books = Books::load(conn.stores(), 1_000).await.unwrap();
        drop(conn);
        let reserved = books.pending.capacity();
        assert!(reserved >= 1_000, "reserved {reserved}");
        let hold = |i: usize| Transfer::pending(format!("trf_{i:05}"), "acc_a", "acc_b", 1, usd);
        for chunk in (0..1_200).collect::<Vec<_>>().chunks(100) {
            books.absorb(&Changes {
                transfers: chunk.iter().map(|i| hold(*i)).collect(),
                ..Changes::default()
            });
        }
        assert_eq!(books.pending.len(), 1_000, "kept up to the bound");
        assert_eq!(books.pending.capacity(), reserved, "never grown");
        assert!(books.pending("trf_00999").is_some());
        assert!(
            books.pending("trf_01000").is_none(),
            "past the bound: read from the store"
        );
    }

    /// The ledger's clock never goes back, even when the wall clock does: an account's chain is
    /// in time order, which statements rely on (decision 35).
    #[tokio::test]
    async fn the_ledger_clock_never_goes_back_and_the_books_learn_every_key() {
        let usd = Currency::parse("USD").unwrap();
        let tdb = store::testing::TestDb::sqlite().await.unwrap();
        let db = tdb.db.as_ref();
        let mut conn = db.read().await.unwrap();
        let mut books = Books::load(conn.stores(), 10).await.unwrap();
        drop(conn);
        let accounts: Vec<Account> = ["acc_a", "acc_b"]
            .iter()
            .map(|id| {
                let key = AccountKey {
                    owner_id: "hub".into(),
                    currency: usd,
                    code: (*id).into(),
                };
                new_account((*id).into(), &key, AccountKind::Asset)
            })
            .collect();
        commit_accounts(&mut books, db, &accounts, 1_000)
            .await
            .unwrap();
        let first = Transfer::single("trf_1", "acc_a", "acc_b", 10, usd).with_code("t");
        let results = commit_transfers(&mut books, db, &[first], 5_000)
            .await
            .unwrap();
        assert_eq!(results, [TransferResult::Ok]);
        // The wall clock steps back four seconds.
        let second = Transfer::single("trf_2", "acc_b", "acc_a", 4, usd).with_code("t");
        let results = commit_transfers(&mut books, db, &[second], 1_000)
            .await
            .unwrap();
        assert_eq!(results, [TransferResult::Ok]);
        assert_eq!(books.ledger_now_ms(1_000), 5_000);
        assert_eq!(books.ledger_now_ms(7_000), 7_000);

        let mut conn = db.read().await.unwrap();
        let stored = conn
            .stores()
            .transfers_by_id(&["trf_2".into()])
            .await
            .unwrap();
        assert_eq!(stored[0].0.timestamp_ms, 5_000);
        // What the books learned is what the store holds, and a reload agrees.
        let keys = conn.stores().account_keys().await.unwrap();
        assert_eq!(keys.len(), 2);
        for (id, k) in &keys {
            assert_eq!(books.keys(id), Some(*k), "{id}");
            assert!(k.last_transfer_seq.is_some());
        }
        let reloaded = Books::load(conn.stores(), 10).await.unwrap();
        assert_eq!(reloaded.ledger_now_ms(0), 5_000);
        assert_eq!(reloaded.keys("acc_a"), books.keys("acc_a"));
        drop(conn);
        tdb.finish().await.unwrap();
    }
}
