//! Migrations applied to data an older hub wrote: nothing stored is lost or changed, and the
//! store works on the result. On SQLite always, on PostgreSQL when `EWTP_TEST_DATABASE_URL` is set.

use ledger::{Ledger, PendingState, Transfer};
use std::collections::HashMap;
use store::testing::{PgSchema, DATABASE_URL_VAR};
use store::Database;

/// Ledger rows as the schema of migration 0007 held them. Accounts and transfers are inserted
/// in an order that differs from their ids' order, so the new keys' order can be checked.
const LEDGER_AT_0007: &[&str] = &[
    "INSERT INTO parties (id, role, legal_name, country, registration_number, status, created_at_ms)
     VALUES ('pty_M', 'merchant', 'Old Merchant Sdn Bhd', 'MY', 'MY-1', 'active', 1)",
    "INSERT INTO ledger_accounts (id, owner_id, currency, kind, code, flags, debits_pending, debits_posted,
                                  credits_pending, credits_posted, created_at_ms)
     VALUES ('acc_Z', 'pty_PSP', 'CNY', 'asset', 'provider_funds', 0, 0, 10000, 0, 0, 1)",
    "INSERT INTO ledger_accounts (id, owner_id, currency, kind, code, flags, debits_pending, debits_posted,
                                  credits_pending, credits_posted, created_at_ms)
     VALUES ('acc_A', 'hub', 'CNY', 'liability', 'escrow', 1, 1000, 4000, 0, 10000, 2)",
    "INSERT INTO ledger_accounts (id, owner_id, currency, kind, code, flags, debits_pending, debits_posted,
                                  credits_pending, credits_posted, created_at_ms)
     VALUES ('acc_M', 'pty_M', 'CNY', 'liability', 'payable', 0, 0, 0, 1000, 4000, 3)",
    "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, pending_id,
                                   timeout_ms, code, user_ref, flags, timestamp_ms, pending_state, posted_amount, expires_at_ms)
     VALUES ('trf_9', 'acc_Z', 'acc_A', 10000, 'CNY', NULL, 0, 'escrow_hold', '', 0, 10, NULL, NULL, NULL)",
    "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, pending_id,
                                   timeout_ms, code, user_ref, flags, timestamp_ms, pending_state, posted_amount, expires_at_ms)
     VALUES ('trf_5', 'acc_A', 'acc_M', 4000, 'CNY', NULL, 0, 'capture', 'ord_1', 0, 20, NULL, NULL, NULL)",
    "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, pending_id,
                                   timeout_ms, code, user_ref, flags, timestamp_ms, pending_state, posted_amount, expires_at_ms)
     VALUES ('trf_7', 'acc_A', 'acc_M', 1000, 'CNY', NULL, 60000, 'share', 'ord_2', 2, 30, 'pending', NULL, 60030)",
    "INSERT INTO payouts (id, merchant_id, source_account_id, source_currency, source_amount, currency, amount,
                          creditor_name, creditor_account, creditor_agent_bic, transfer_ids, created_by, created_at_ms)
     VALUES ('pyo_1', 'pty_M', 'acc_M', 'CNY', 500, 'CNY', 500, 'Old Merchant', 'MY001', 'MBBEMYKL', 'trf_1,trf_2', 'pty_M', 40)",
];

#[tokio::test]
async fn integer_ledger_keys_keep_the_sqlite_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    store::testing::sqlite_with_data_at(&path, 7, LEDGER_AT_0007)
        .await
        .unwrap();
    let db = store::sqlite::open(&path, 1).await.unwrap();
    check_migrated_ledger(db.as_ref()).await;
    db.close().await;
    check_sqlite_due_index(&path);
}

/// Migration 0009 on SQLite: the due index leaves out pending transfers that cannot expire, and
/// the due query (`due_pending_transfers`' statement) still reads through it.
fn check_sqlite_due_index(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let definition: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'ledger_transfers_due'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        definition.contains("expires_at_ms IS NOT NULL"),
        "{definition}"
    );
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT * FROM ledger_transfers WHERE pending_state = 'pending' AND expires_at_ms <= ?1 ORDER BY expires_at_ms LIMIT ?2",
        )
        .unwrap()
        .query_map(rusqlite::params![60_030, 10], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter()
            .any(|step| step.contains("ledger_transfers_due")),
        "{plan:?}"
    );
}

#[tokio::test]
async fn integer_ledger_keys_keep_the_postgres_ledger() {
    let Some(schema) = PgSchema::create().await.unwrap() else {
        println!("PostgreSQL half did not run: set {DATABASE_URL_VAR}");
        return;
    };
    store::testing::postgres_with_data_at(&schema.url, 7, LEDGER_AT_0007)
        .await
        .unwrap();
    let db = store::postgres::open(store::postgres::options(&schema.url).unwrap(), None, 1)
        .await
        .unwrap();
    check_migrated_ledger(db.as_ref()).await;
    db.close().await;
    // Migration 0009: the due index holds only transfers that can expire.
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(&schema.url).await.unwrap();
    let definition: String = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ledger_transfers_due' AND schemaname = current_schema()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(
        definition.contains("expires_at_ms IS NOT NULL"),
        "{definition}"
    );
    conn.close().await.unwrap();
    schema.drop_schema().await.unwrap();
}

async fn check_migrated_ledger(db: &dyn Database) {
    let mut r = db.read().await.unwrap();
    let s = r.stores();
    let keys: HashMap<String, store::AccountKeys> =
        s.account_keys().await.unwrap().into_iter().collect();
    // Keys in the order the accounts were stored, not in their ids' order.
    assert!(
        keys["acc_Z"].seq < keys["acc_A"].seq && keys["acc_A"].seq < keys["acc_M"].seq,
        "{keys:?}"
    );
    // The heads of the chains: the provider's account moved last in its first transfer, the
    // escrow and the merchant's in the third.
    assert!(keys["acc_Z"].last_transfer_seq.is_some());
    assert!(keys["acc_A"].last_transfer_seq > keys["acc_Z"].last_transfer_seq);
    assert_eq!(
        keys["acc_M"].last_transfer_seq,
        keys["acc_A"].last_transfer_seq
    );
    let accounts = s.all_accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
    let escrow = accounts.iter().find(|a| a.id == "acc_A").unwrap();
    assert_eq!(
        (
            escrow.debits_pending,
            escrow.debits_posted,
            escrow.credits_pending,
            escrow.credits_posted
        ),
        (1000, 4000, 0, 10000)
    );
    assert!(escrow.flags.debits_must_not_exceed_credits);
    assert!(ledger::trial_balance(&accounts).balanced);

    let ids: Vec<String> = ["trf_9", "trf_5", "trf_7"].map(String::from).to_vec();
    let found = s.transfers_by_id(&ids).await.unwrap();
    assert_eq!(found.len(), 3);
    let share = found.iter().find(|(t, _)| t.id == "trf_7").unwrap();
    assert_eq!(share.1, Some(PendingState::Pending));
    assert_eq!(
        (
            share.0.amount,
            share.0.timeout_ms,
            share.0.user_ref.as_str()
        ),
        (1000, 60000, "ord_2")
    );
    // The escrow's transfers, newest first in the order they were stored.
    let page = s.account_transfers("acc_A", None, 10).await.unwrap();
    let order: Vec<&str> = page.iter().map(|(t, _)| t.id.as_str()).collect();
    assert_eq!(order, ["trf_7", "trf_5", "trf_9"]);
    let due = s.due_pending_transfers(60_030, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["trf_7"]
    );
    let (debits, credits, moves) = s.account_movements("acc_A", 0, 1_000).await.unwrap();
    assert_eq!((debits, credits), (0, 0));
    assert_eq!(
        moves
            .iter()
            .map(|m| (m.transfer.id.as_str(), m.debit))
            .collect::<Vec<_>>(),
        [("trf_9", false), ("trf_5", true)],
        "posted movements only: the pending share is not one"
    );
    let payout = s.get_payout("pyo_1").await.unwrap().unwrap();
    assert_eq!(
        (payout.source_account_id.as_str(), payout.amount),
        ("acc_M", 500)
    );
    assert_eq!(
        s.newest_transfer_id().await.unwrap().as_deref(),
        Some("trf_9")
    );
    drop(r);

    // The ledger goes on: a new transfer between migrated accounts, named by their new keys.
    let mut l = Ledger::new();
    for a in &accounts {
        l.insert_loaded_account(a.clone());
    }
    let cny = trade::Currency::parse("CNY").unwrap();
    let next = Transfer::single("trf_A", "acc_Z", "acc_M", 250, cny).with_code("top_up");
    assert_eq!(
        l.create_transfers(&[next], 50),
        [ledger::TransferResult::Ok]
    );
    let changes = l.take_changes();
    let mut tx = db.begin().await.unwrap();
    let created = tx
        .stores()
        .persist_ledger(&changes, &|id| keys.get(id).copied())
        .await
        .unwrap();
    assert_eq!(created.len(), 2, "both accounts moved: {created:?}");
    tx.commit().await.unwrap();
    let mut r = db.read().await.unwrap();
    let page = r
        .stores()
        .account_transfers("acc_M", None, 1)
        .await
        .unwrap();
    assert_eq!(page[0].0.id, "trf_A");
    let accounts = r.stores().all_accounts().await.unwrap();
    assert!(ledger::trial_balance(&accounts).balanced);
}
