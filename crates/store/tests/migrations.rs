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

/// A cleared parcel as the schema of migration 0009 held it: an order with two lines (stored
/// out of line order), its payment and waybill, the declaration with two audit entries, and the
/// buyer's quota.
const PARCEL_AT_0009: &[&str] = &[
    "INSERT INTO parties (id, role, legal_name, country, registration_number, status, created_at_ms) VALUES
     ('pty_M', 'merchant', 'Old Merchant Sdn Bhd', 'MY', 'MY-1', 'active', 1),
     ('pty_P', 'payment', 'Old Pay', 'MY', 'MY-2', 'active', 1),
     ('pty_C', 'logistics', 'Old Express', 'MY', 'MY-3', 'active', 1)",
    "INSERT INTO orders (id, merchant_id, submitted_by, order_no, status, buyer_name, buyer_id_type,
                         buyer_id_number, buyer_country, buyer_address, buyer_phone, destination, currency,
                         goods_value, freight, insurance, total, incoterm, created_at_ms, updated_at_ms,
                         tax_withheld, actual_paid, payment_id, waybill_id, declaration_id)
     VALUES ('ord_1', 'pty_M', 'pty_M', 'SO-1', 'released', 'Wang Fang', 'national_id', '11010519491231002X',
             'CN', '1 Wensan Road', '+86 138 0000 0000', 'CN', 'CNY', 25000, 2000, 0, 27000, 'DDP', 10, 30,
             2500, 29500, 'pay_1', 'wbl_1', 'dcl_1')",
    "INSERT INTO order_lines (order_id, line_no, product_id, sku, hs_code, description, origin, quantity, unit_price, line_value)
     VALUES ('ord_1', 2, NULL, NULL, '330499', 'Face cream', 'MY', 1, 5000, 5000)",
    "INSERT INTO order_lines (order_id, line_no, product_id, sku, hs_code, description, origin, quantity, unit_price, line_value)
     VALUES ('ord_1', 1, 'prd_1', 'TEE', '610910', 'Cotton T-shirt', 'MY', 2, 10000, 20000)",
    "INSERT INTO payments (id, provider_id, transaction_id, order_no, payer_name, payer_id_type, payer_id_number,
                           amount, currency, paid_at_ms, created_at_ms, order_id)
     VALUES ('pay_1', 'pty_P', 'TX-1', 'SO-1', 'Wang Fang', 'national_id', '11010519491231002X', 29500, 'CNY', 20, 20, 'ord_1')",
    "INSERT INTO waybills (id, carrier_id, waybill_no, order_no, consignee_name, consignee_address, consignee_phone,
                           gross_weight_g, package_count, created_at_ms, order_id)
     VALUES ('wbl_1', 'pty_C', 'SF-1', 'SO-1', 'Wang Fang', '1 Wensan Road', '13800000000', 300, 1, 30, 'ord_1')",
    "INSERT INTO declarations (id, order_id, payment_id, waybill_id, merchant_id, submitted_by, destination, currency,
                               status, channel, score, failures, hits, seed, computed_tax, inventory_no,
                               quota_buyer, quota_year, quota_amount, created_at_ms, decided_at_ms, released_at_ms, version)
     VALUES ('dcl_1', 'ord_1', 'pay_1', 'wbl_1', 'pty_M', 'pty_M', 'CN', 'CNY', 'released', 'yellow', 40, '[]', '[]',
             7, 2500, 'INV-1', 'ref-of-the-buyer', 2026, 29500, 30, 50, 50, 2)",
    "INSERT INTO declaration_audit (declaration_id, seq, at_ms, actor_id, action, from_status, to_status, channel, reason)
     VALUES ('dcl_1', 2, 50, 'pty_O', 'released', 'held', 'released', 'yellow', 'documents checked')",
    "INSERT INTO declaration_audit (declaration_id, seq, at_ms, actor_id, action, from_status, to_status, channel, reason)
     VALUES ('dcl_1', 1, 30, 'automatic', 'cleared', NULL, 'held', 'yellow', 'score 40')",
    "INSERT INTO buyer_quotas (destination, year, buyer_ref, currency, used)
     VALUES ('CN', 2026, 'ref-of-the-buyer', 'CNY', 29500), ('CN', 2025, 'ref-of-the-buyer', 'CNY', 100)",
];

/// Migration 0010 on SQLite: order lines, audit entries and buyer quotas become WITHOUT ROWID
/// tables with every row, the audit stays append-only, and the store reads them as before.
#[tokio::test]
async fn small_tables_without_rowid_keep_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    store::testing::sqlite_with_data_at(&path, 9, PARCEL_AT_0009)
        .await
        .unwrap();
    let db = store::sqlite::open(&path, 1).await.unwrap();
    {
        let mut r = db.read().await.unwrap();
        let s = r.stores();
        let (order, links) = s.order_with_links("ord_1").await.unwrap().unwrap();
        let lines: Vec<(u32, &str, i64, i64)> = order
            .lines
            .iter()
            .map(|l| {
                (
                    l.line_no,
                    l.hs_code.as_str(),
                    i64::from(l.quantity),
                    l.line_value,
                )
            })
            .collect();
        assert_eq!(
            lines,
            [(1, "610910", 2, 20000), (2, "330499", 1, 5000)],
            "lines in line order, values kept"
        );
        assert_eq!(links.declaration_id.as_deref(), Some("dcl_1"));
        let audit = s.list_audit("dcl_1").await.unwrap();
        let summary: Vec<(i64, &str, &str)> = audit
            .iter()
            .map(|e| (e.seq, e.action, e.reason.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (1, "cleared", "score 40"),
                (2, "released", "documents checked")
            ]
        );
        for (year, used) in [(2026, 29500), (2025, 100), (2024, 0)] {
            let key = customs::QuotaKey {
                destination: trade::Country::parse("CN").unwrap(),
                year,
                buyer_ref: "ref-of-the-buyer".into(),
            };
            assert_eq!(s.quota_used(&key).await.unwrap(), used, "quota of {year}");
        }
    }
    db.close().await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for table in ["order_lines", "declaration_audit", "buyer_quotas"] {
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.ends_with("WITHOUT ROWID"), "{table}: {sql}");
        assert!(!sql.contains("_new"), "{table}: {sql}");
        let leftover: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = ?1",
                [format!("{table}_new")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(leftover, 0, "{table}_new is gone");
    }
    // Still append-only, and still bound to their parents.
    for change in [
        "UPDATE declaration_audit SET reason = 'rewritten' WHERE seq = 1",
        "DELETE FROM declaration_audit WHERE seq = 1",
    ] {
        let e = conn.execute(change, []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{change}: {e}");
    }
    let orphan = conn.execute(
        "INSERT INTO order_lines (order_id, line_no, hs_code, description, origin, quantity, unit_price, line_value)
         VALUES ('ord_none', 1, '610910', 'x', 'MY', 1, 1, 1)",
        [],
    );
    assert!(orphan.is_err(), "a line of no order is refused");
    let duplicate = conn.execute(
        "INSERT INTO buyer_quotas (destination, year, buyer_ref, currency, used) VALUES ('CN', 2026, 'ref-of-the-buyer', 'CNY', 1)",
        [],
    );
    assert!(duplicate.is_err(), "the quota key stays unique");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let dangling: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0);
}
