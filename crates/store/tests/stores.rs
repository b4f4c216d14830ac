//! One suite for every backend: each test runs on SQLite, and on PostgreSQL when
//! `EWTP_TEST_DATABASE_URL` is set (each in its own schema, so tests run in parallel).

use std::collections::HashMap;
use store::testing::TestDb;
use store::{ApiKey, FxRateRecord, IdempotencyRecord, OrderQuery, OrderScope, Stores, WriteTx};

/// Expects a unique-constraint conflict, inside a savepoint as the engine does (PostgreSQL aborts
/// the whole transaction on an error otherwise).
macro_rules! assert_conflict {
    ($tx:expr, $op:expr $(, $msg:expr)?) => {{
        $tx.savepoint().await.unwrap();
        let result = $op;
        $tx.rollback_to_savepoint().await.unwrap();
        $tx.release_savepoint().await.unwrap();
        assert!(result.unwrap_err().is_conflict() $(, $msg)?);
    }};
}
use trade::order::{BuyerDraft, LineDraft, OrderDraft, Submission};
use trade::party::PartyDraft;
use trade::product::ProductDraft;
use trade::{Order, OrderStatus, Party, Product};

fn party(id: &str, role: &str) -> Party {
    PartyDraft {
        role: Some(role.into()),
        legal_name: Some(format!("{role} {id}")),
        country: Some("MY".into()),
        registration_number: Some("REG-1".into()),
        customs_code: None,
        contact: None,
    }
    .validate(id.into(), 1_000)
    .unwrap()
}

fn product(id: &str, merchant: &str, sku: &str) -> Product {
    ProductDraft {
        sku: Some(sku.into()),
        title: Some("Batik scarf".into()),
        hs_code: Some("621410".into()),
        origin: Some("MY".into()),
        unit_price: Some("89.90".into()),
        currency: Some("MYR".into()),
        net_weight_kg: Some("0.120".into()),
    }
    .validate(id.into(), merchant.into(), 2_000)
    .unwrap()
}

fn order(
    id: &str,
    merchant: &str,
    submitter: &str,
    order_no: Option<&str>,
    now_ms: i64,
    catalog: &HashMap<String, Product>,
) -> Order {
    OrderDraft {
        merchant_id: None,
        order_no: order_no.map(String::from),
        buyer: Some(BuyerDraft {
            name: Some("Wang Fang".into()),
            id_type: Some("national_id".into()),
            id_number: Some("11010519491231002X".into()),
            country: Some("CN".into()),
            address: Some("1 Wensan Road, Hangzhou".into()),
            phone: Some("+86 138 0000 0000".into()),
        }),
        destination: Some("CN".into()),
        currency: Some("MYR".into()),
        lines: Some(vec![
            LineDraft {
                sku: Some("SKU-1".into()),
                quantity: Some(3),
                ..Default::default()
            },
            LineDraft {
                hs_code: Some("330499".into()),
                description: Some("Face cream".into()),
                origin: Some("FR".into()),
                quantity: Some(1),
                unit_price: Some("120.00".into()),
                ..Default::default()
            },
        ]),
        freight: Some("25.00".into()),
        insurance: Some("1.50".into()),
        discount: Some("2.00".into()),
        tax_withheld: Some("18.35".into()),
        payment_transaction_id: Some("PAY-0001".into()),
        consignee: Some(trade::order::ConsigneeDraft {
            name: Some("Li Lei".into()),
            address: Some("2 Wensan Road, Hangzhou".into()),
            phone: Some("+86 138 0000 0001".into()),
        }),
        incoterm: Some("DDP".into()),
        ..Default::default()
    }
    .validate(Submission {
        id: id.into(),
        merchant_id: merchant.into(),
        submitted_by: submitter.into(),
        now_ms,
        catalog,
    })
    .unwrap()
}

async fn for_each_backend<F>(test: F)
where
    F: for<'a> Fn(
        &'a mut dyn WriteTx,
        &'a mut dyn Stores,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>,
{
    for tdb in TestDb::all().await.unwrap() {
        println!("backend: {}", tdb.name);
        let mut tx = tdb.db.begin().await.unwrap();
        let mut reader = tdb.db.read().await.unwrap();
        // Writes go through the transaction; reads through the reader see only what was committed.
        test(&mut *tx, reader.stores()).await;
        tx.commit().await.unwrap();
        drop(reader);
        tdb.finish().await.unwrap();
    }
}

#[tokio::test]
async fn parties_and_keys() {
    for_each_backend(|tx, _r| {
        Box::pin(async move {
            let op = party("pty_OP", "operator");
            tx.stores().insert_party(&op).await.unwrap();
            assert_eq!(
                tx.stores().get_party("pty_OP").await.unwrap(),
                Some(op.clone())
            );
            assert_eq!(tx.stores().get_party("pty_NONE").await.unwrap(), None);
            assert_eq!(
                tx.stores()
                    .count_parties_with_role(trade::Role::Operator)
                    .await
                    .unwrap(),
                1
            );
            assert_conflict!(tx, tx.stores().insert_party(&op).await);

            let key = ApiKey {
                id: "key_1".into(),
                party_id: op.id.clone(),
                token_sha256: "ab".repeat(32),
                token_prefix: "ewtp_ab".into(),
                created_at_ms: 5,
                revoked_at_ms: None,
                expires_at_ms: None,
            };
            tx.stores().insert_key(&key).await.unwrap();
            let grant = tx
                .stores()
                .find_grant(&key.token_sha256)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (
                    grant.party_id.as_str(),
                    grant.role,
                    grant.revoked,
                    grant.party_active
                ),
                ("pty_OP", trade::Role::Operator, false, true)
            );
            assert_eq!(
                tx.stores()
                    .count_live_keys_for_role(trade::Role::Operator, 9)
                    .await
                    .unwrap(),
                1
            );
            assert!(tx.stores().revoke_key("key_1", 9).await.unwrap());
            assert!(
                !tx.stores().revoke_key("key_1", 10).await.unwrap(),
                "revoking twice reports it"
            );
            assert!(
                tx.stores()
                    .find_grant(&key.token_sha256)
                    .await
                    .unwrap()
                    .unwrap()
                    .revoked
            );
            assert_eq!(
                tx.stores()
                    .get_key("key_1")
                    .await
                    .unwrap()
                    .unwrap()
                    .revoked_at_ms,
                Some(9)
            );
            assert_eq!(
                tx.stores()
                    .count_live_keys_for_role(trade::Role::Operator, 9)
                    .await
                    .unwrap(),
                0
            );
            assert_eq!(tx.stores().find_grant("00").await.unwrap(), None);
            // A key with an end is live before it, not from it on.
            let ending = ApiKey {
                id: "key_2".into(),
                token_sha256: "cd".repeat(32),
                expires_at_ms: Some(20),
                ..key.clone()
            };
            tx.stores().insert_key(&ending).await.unwrap();
            for (now, live) in [(19, 1), (20, 0)] {
                assert_eq!(
                    tx.stores()
                        .count_live_keys_for_role(trade::Role::Operator, now)
                        .await
                        .unwrap(),
                    live,
                    "at {now}"
                );
                assert_eq!(
                    tx.stores()
                        .count_live_keys_of_party(&op.id, now)
                        .await
                        .unwrap(),
                    live,
                    "at {now}"
                );
            }
            let grant = tx
                .stores()
                .find_grant(&ending.token_sha256)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(grant.expires_at_ms, Some(20));
            assert!(!grant.expired_at(19) && grant.expired_at(20));
            assert_eq!(tx.stores().get_key("key_2").await.unwrap(), Some(ending));

            tx.stores().put_meta("hub_code", "MY-KUL").await.unwrap();
            tx.stores().put_meta("hub_code", "MY-KUL").await.unwrap();
            assert_eq!(
                tx.stores().get_meta("hub_code").await.unwrap().as_deref(),
                Some("MY-KUL")
            );
            assert_eq!(tx.stores().get_meta("nothing").await.unwrap(), None);
        })
    })
    .await;
}

#[tokio::test]
async fn products_unique_per_merchant_and_versioned() {
    for_each_backend(|tx, _r| {
        Box::pin(async move {
            tx.stores()
                .insert_party(&party("pty_M1", "merchant"))
                .await
                .unwrap();
            tx.stores()
                .insert_party(&party("pty_M2", "merchant"))
                .await
                .unwrap();
            let p1 = product("prd_01", "pty_M1", "SKU-1");
            tx.stores().insert_product(&p1).await.unwrap();
            assert_conflict!(
                tx,
                tx.stores()
                    .insert_product(&product("prd_02", "pty_M1", "SKU-1"))
                    .await
            );
            tx.stores()
                .insert_product(&product("prd_03", "pty_M2", "SKU-1"))
                .await
                .unwrap();
            tx.stores()
                .insert_product(&product("prd_04", "pty_M1", "SKU-2"))
                .await
                .unwrap();

            assert_eq!(
                tx.stores().get_product("pty_M1", "prd_01").await.unwrap(),
                Some(p1.clone())
            );
            assert_eq!(
                tx.stores().get_product("pty_M2", "prd_01").await.unwrap(),
                None,
                "another merchant's product is invisible"
            );
            let by_sku = tx
                .stores()
                .products_by_sku("pty_M1", &["SKU-1".into(), "SKU-9".into()])
                .await
                .unwrap();
            assert_eq!(by_sku, vec![p1.clone()]);

            let page1 = tx.stores().list_products("pty_M1", None, 1).await.unwrap();
            assert_eq!(
                page1.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
                vec!["prd_04"]
            );
            let page2 = tx
                .stores()
                .list_products("pty_M1", Some("prd_04"), 10)
                .await
                .unwrap();
            assert_eq!(
                page2.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
                vec!["prd_01"]
            );

            let mut next = p1.clone();
            next.unit_price = 7990;
            next.version = 2;
            assert!(tx.stores().update_product(&next, 1).await.unwrap());
            assert!(
                !tx.stores().update_product(&next, 1).await.unwrap(),
                "a stale version is refused"
            );
            assert_eq!(
                tx.stores()
                    .get_product("pty_M1", "prd_01")
                    .await
                    .unwrap()
                    .unwrap()
                    .unit_price,
                7990
            );
        })
    })
    .await;
}

#[tokio::test]
async fn orders_round_trip_exactly_and_list_by_scope() {
    for_each_backend(|tx, r| {
        Box::pin(async move {
            tx.stores()
                .insert_party(&party("pty_M1", "merchant"))
                .await
                .unwrap();
            tx.stores()
                .insert_party(&party("pty_M2", "merchant"))
                .await
                .unwrap();
            tx.stores()
                .insert_party(&party("pty_PL", "platform"))
                .await
                .unwrap();
            let p = product("prd_01", "pty_M1", "SKU-1");
            tx.stores().insert_product(&p).await.unwrap();
            let catalog = HashMap::from([("SKU-1".to_string(), p)]);
            let mut m2_catalog = catalog.clone();
            m2_catalog.get_mut("SKU-1").unwrap().merchant_id = "pty_M2".into();

            let o1 = order("ord_01", "pty_M1", "pty_M1", Some("SO-1"), 10_000, &catalog);
            let o2 = order("ord_02", "pty_M1", "pty_PL", None, 20_000, &catalog);
            let o3 = order("ord_03", "pty_M2", "pty_M2", None, 30_000, &m2_catalog);
            let o4 = order("ord_04", "pty_M1", "pty_PL", None, 40_000, &catalog);
            for o in [&o1, &o2, &o3, &o4] {
                tx.stores().insert_order(o).await.unwrap();
            }
            assert_conflict!(
                tx,
                tx.stores()
                    .insert_order(&order(
                        "ord_05",
                        "pty_M1",
                        "pty_M1",
                        Some("SO-1"),
                        50_000,
                        &catalog
                    ))
                    .await,
                "order numbers are unique per merchant"
            );
            tx.stores()
                .insert_order(&order(
                    "ord_06",
                    "pty_M2",
                    "pty_M2",
                    Some("SO-1"),
                    60_000,
                    &m2_catalog,
                ))
                .await
                .unwrap();

            let back = tx.stores().get_order("ord_01").await.unwrap().unwrap();
            assert_eq!(
                back, o1,
                "every field, personal data and money included, comes back as written"
            );
            assert_eq!(back.total, back.goods_value + back.freight + back.insurance);
            assert_eq!(back.lines.len(), 2);
            assert_eq!(tx.stores().get_order("ord_99").await.unwrap(), None);
            assert_eq!(
                r.get_order("ord_01").await.unwrap(),
                None,
                "uncommitted writes are not visible to readers"
            );

            let q = |scope, before: Option<&str>, limit| OrderQuery {
                scope,
                status: None,
                created_from_ms: None,
                created_to_ms: None,
                before_id: before.map(String::from),
                limit,
            };
            let ids = |v: Vec<Order>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
            assert_eq!(
                ids(tx
                    .stores()
                    .list_orders(&q(OrderScope::Party("pty_M1".into()), None, 10))
                    .await
                    .unwrap()),
                vec!["ord_04", "ord_02", "ord_01"]
            );
            assert_eq!(
                ids(tx
                    .stores()
                    .list_orders(&q(OrderScope::Party("pty_PL".into()), None, 10))
                    .await
                    .unwrap()),
                vec!["ord_04", "ord_02"]
            );
            assert_eq!(
                ids(tx
                    .stores()
                    .list_orders(&q(OrderScope::Party("pty_M1".into()), Some("ord_04"), 1))
                    .await
                    .unwrap()),
                vec!["ord_02"]
            );
            assert_eq!(
                ids(tx
                    .stores()
                    .list_orders(&q(OrderScope::All, None, 100))
                    .await
                    .unwrap())
                .len(),
                5
            );
            let mut ranged = q(OrderScope::All, None, 100);
            ranged.created_from_ms = Some(20_000);
            ranged.created_to_ms = Some(40_000);
            assert_eq!(
                ids(tx.stores().list_orders(&ranged).await.unwrap()),
                vec!["ord_03", "ord_02"]
            );
            ranged.status = Some(OrderStatus::Released);
            assert!(tx.stores().list_orders(&ranged).await.unwrap().is_empty());
            // A party's list applies every filter to both of its branches (the orders it is the
            // merchant of, those it submitted for another merchant).
            let mut platform_ranged = q(OrderScope::Party("pty_PL".into()), None, 10);
            platform_ranged.created_from_ms = Some(20_000);
            platform_ranged.created_to_ms = Some(40_000);
            assert_eq!(
                ids(tx.stores().list_orders(&platform_ranged).await.unwrap()),
                vec!["ord_02"]
            );
            assert_eq!(
                ids(tx
                    .stores()
                    .list_orders(&q(OrderScope::Party("pty_PL".into()), Some("ord_04"), 1))
                    .await
                    .unwrap()),
                vec!["ord_02"]
            );
            let mut merchant_placed = q(OrderScope::Party("pty_M1".into()), None, 10);
            merchant_placed.status = Some(OrderStatus::Placed);
            assert_eq!(
                ids(tx.stores().list_orders(&merchant_placed).await.unwrap()),
                vec!["ord_04", "ord_02", "ord_01"]
            );
            assert_eq!(tx.stores().count_orders().await.unwrap(), 5);
        })
    })
    .await;
}

#[tokio::test]
async fn idempotency_records_and_purge() {
    for_each_backend(|tx, _r| {
        Box::pin(async move {
            let rec = IdempotencyRecord {
                party_id: "pty_A".into(),
                key: "k-1".into(),
                request_sha256: "ff".repeat(32),
                status_code: 201,
                response_body: "{\"id\":1}".into(),
                created_at_ms: 100,
                response_order_id: None,
            };
            tx.stores().insert_idempotency(&rec).await.unwrap();
            assert_conflict!(tx, tx.stores().insert_idempotency(&rec).await);
            assert_eq!(
                tx.stores().get_idempotency("pty_A", "k-1").await.unwrap(),
                Some(rec.clone())
            );
            assert_eq!(
                tx.stores().get_idempotency("pty_B", "k-1").await.unwrap(),
                None,
                "keys are scoped per party"
            );
            tx.stores()
                .insert_idempotency(&IdempotencyRecord {
                    key: "k-2".into(),
                    created_at_ms: 500,
                    ..rec.clone()
                })
                .await
                .unwrap();
            // An answer kept by reference: the body is not stored, the order's id is.
            tx.stores()
                .insert_idempotency(&IdempotencyRecord {
                    key: "k-ref".into(),
                    created_at_ms: 500,
                    response_order_id: Some("ord_X".into()),
                    ..rec.clone()
                })
                .await
                .unwrap();
            let by_ref = tx
                .stores()
                .get_idempotency("pty_A", "k-ref")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(by_ref.response_body, "");
            assert_eq!(by_ref.response_order_id.as_deref(), Some("ord_X"));
            assert_eq!(tx.stores().purge_idempotency(200).await.unwrap(), 1);
            assert_eq!(
                tx.stores().get_idempotency("pty_A", "k-1").await.unwrap(),
                None
            );
            assert!(tx
                .stores()
                .get_idempotency("pty_A", "k-2")
                .await
                .unwrap()
                .is_some());
        })
    })
    .await;
}

#[tokio::test]
async fn savepoints_undo_one_command_only() {
    for tdb in TestDb::all().await.unwrap() {
        let mut tx = tdb.db.begin().await.unwrap();
        tx.stores()
            .insert_party(&party("pty_A", "merchant"))
            .await
            .unwrap();
        tx.savepoint().await.unwrap();
        tx.stores()
            .insert_party(&party("pty_B", "merchant"))
            .await
            .unwrap();
        assert!(tx
            .stores()
            .insert_party(&party("pty_A", "merchant"))
            .await
            .is_err());
        tx.rollback_to_savepoint().await.unwrap();
        tx.release_savepoint().await.unwrap();
        tx.stores()
            .insert_party(&party("pty_C", "merchant"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut r = tdb.db.read().await.unwrap();
        assert!(
            r.stores().get_party("pty_A").await.unwrap().is_some(),
            "{}",
            tdb.name
        );
        assert!(
            r.stores().get_party("pty_B").await.unwrap().is_none(),
            "{}: undone with its command",
            tdb.name
        );
        assert!(
            r.stores().get_party("pty_C").await.unwrap().is_some(),
            "{}",
            tdb.name
        );
        drop(r);
        tdb.finish().await.unwrap();
    }
}

#[tokio::test]
async fn reopening_keeps_data_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        let db = store::sqlite::open(&path, 2).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.stores()
            .insert_party(&party("pty_A", "merchant"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        db.close().await;
    }
    let db = store::sqlite::open(&path, 2).await.unwrap();
    let mut r = db.read().await.unwrap();
    assert!(r.stores().get_party("pty_A").await.unwrap().is_some());
}

#[tokio::test]
async fn commit_orders_writes_everything_or_nothing() {
    for tdb in TestDb::all().await.unwrap() {
        let mut tx = tdb.db.begin().await.unwrap();
        tx.stores()
            .insert_party(&party("pty_M1", "merchant"))
            .await
            .unwrap();
        tx.stores()
            .insert_product(&product("prd_01", "pty_M1", "SKU-1"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let catalog = HashMap::from([("SKU-1".to_string(), product("prd_01", "pty_M1", "SKU-1"))]);
        let o1 = order("ord_01", "pty_M1", "pty_M1", Some("A"), 1, &catalog);
        let o2 = order("ord_02", "pty_M1", "pty_M1", None, 2, &catalog);
        let rec = |key: &str| IdempotencyRecord {
            party_id: "pty_M1".into(),
            key: key.into(),
            request_sha256: "00".into(),
            status_code: 201,
            response_body: "{}".into(),
            created_at_ms: 1,
            response_order_id: None,
        };
        let (k1, k2) = (rec("k1"), rec("k2"));
        tdb.db
            .commit_orders(&[&k1, &k2], &[&o1, &o2])
            .await
            .unwrap();

        let o3 = order("ord_03", "pty_M1", "pty_M1", None, 3, &catalog);
        let k3 = rec("k3");
        let taken = tdb.db.commit_orders(&[&k3, &k1], &[&o3]).await.unwrap_err();
        assert!(taken.is_conflict(), "{}: {taken}", tdb.name);
        let dup_no = order("ord_04", "pty_M1", "pty_M1", Some("A"), 4, &catalog);
        assert!(tdb
            .db
            .commit_orders(&[], &[&dup_no])
            .await
            .unwrap_err()
            .is_conflict());

        let mut r = tdb.db.read().await.unwrap();
        assert_eq!(
            r.stores().get_order("ord_01").await.unwrap(),
            Some(o1.clone()),
            "{}",
            tdb.name
        );
        assert_eq!(
            r.stores().get_order("ord_02").await.unwrap(),
            Some(o2.clone())
        );
        assert_eq!(
            r.stores().count_orders().await.unwrap(),
            2,
            "{}: the refused batches wrote nothing",
            tdb.name
        );
        assert!(r
            .stores()
            .get_idempotency("pty_M1", "k3")
            .await
            .unwrap()
            .is_none());
        drop(r);
        // The connection is usable afterwards: no transaction was left open.
        tdb.db.commit_orders(&[&k3], &[&o3]).await.unwrap();
        let mut r = tdb.db.read().await.unwrap();
        assert_eq!(r.stores().count_orders().await.unwrap(), 3);
        drop(r);
        tdb.finish().await.unwrap();
    }
}

#[tokio::test]
async fn fx_rates_replace_the_current_and_keep_the_history() {
    for_each_backend(|tx, _r| {
        Box::pin(async move {
            let rate = |quote: &str, rate: &str, at: i64| FxRateRecord {
                base: "USD".into(),
                quote: quote.into(),
                rate: rate.into(),
                source: "ECB reference".into(),
                as_of_ms: at,
                set_by: "pty_OP".into(),
                set_at_ms: at,
            };
            tx.stores()
                .put_fx_rates(&[rate("EUR", "0.92", 1), rate("CNY", "7.1", 1)])
                .await
                .unwrap();
            tx.stores()
                .put_fx_rates(&[rate("EUR", "0.93", 2)])
                .await
                .unwrap();
            let current = tx.stores().list_fx_rates().await.unwrap();
            assert_eq!(current, vec![rate("CNY", "7.1", 1), rate("EUR", "0.93", 2)]);
            assert_eq!(tx.stores().count_fx_history("USD", "EUR").await.unwrap(), 2);
            assert_eq!(tx.stores().count_fx_history("USD", "CNY").await.unwrap(), 1);
            assert_eq!(tx.stores().count_fx_history("EUR", "USD").await.unwrap(), 0);
        })
    })
    .await;
}

/// One writing process per PostgreSQL schema: a second writer is refused, clearly, and the
/// schema is free again once the first one closes.
#[tokio::test]
async fn a_second_postgres_writer_on_one_schema_is_refused() {
    let Some(schema) = store::testing::PgSchema::create().await.unwrap() else {
        return;
    };
    let options = || store::postgres::options(&schema.url).unwrap();
    let first = store::postgres::open(options(), None, 1).await.unwrap();
    let second = store::postgres::open(options(), None, 1).await;
    let Err(e) = second else {
        panic!("a second writer on one schema must be refused")
    };
    let message = e.to_string();
    assert!(
        message.contains("another ewtp hub process is writing to this database"),
        "{message}"
    );
    first.close().await;
    let again = store::postgres::open(options(), None, 1).await.unwrap();
    again.close().await;
    schema.drop_schema().await.unwrap();
}

/// A ledger batch is written as the ledger reports it, read back identical, and the books
/// balance in the database as in memory; the database itself refuses a balance-flag violation.
#[tokio::test]
async fn ledger_batches_round_trip() {
    use ledger::{Account, AccountFlags, AccountKind, Ledger, PendingState, Transfer};

    let cny = trade::Currency::parse("CNY").unwrap();
    for tdb in TestDb::all().await.unwrap() {
        println!("backend: {}", tdb.name);
        let no_overdraft = AccountFlags {
            debits_must_not_exceed_credits: true,
            credits_must_not_exceed_debits: false,
        };
        let mut l = Ledger::new();
        let accounts = [
            Account::new(
                "acc_PAY",
                "pty_PSP",
                cny,
                AccountKind::Asset,
                "provider_funds",
            ),
            Account::new("acc_ESC", "hub", cny, AccountKind::Liability, "escrow")
                .with_flags(no_overdraft),
            Account::new(
                "acc_TAX",
                "hub",
                cny,
                AccountKind::Liability,
                "customs_revenue:CN",
            ),
        ];
        assert!(l
            .create_accounts(&accounts, 10)
            .iter()
            .all(|r| r.is_success()));
        let hold = Transfer::pending("trf_1", "acc_PAY", "acc_ESC", 10_000, cny)
            .with_timeout_ms(60_000)
            .with_code("escrow_hold");
        let results = l.create_transfers(&[hold], 20);
        assert!(
            results.iter().all(|r| *r == ledger::TransferResult::Ok),
            "{results:?}"
        );
        let first = l.take_changes();
        let mut tx = tdb.db.begin().await.unwrap();
        // No keys known: the store reads what it needs.
        let mut seqs: HashMap<String, store::AccountKeys> = tx
            .stores()
            .persist_ledger(&first, &|_| None)
            .await
            .unwrap()
            .into_iter()
            .collect();
        tx.commit().await.unwrap();
        assert_eq!(seqs.len(), 3, "keys for each new account: {seqs:?}");
        let mut keys: Vec<i64> = seqs.values().map(|k| k.seq).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 3, "distinct keys: {seqs:?}");
        // The hold is the first transfer of both its accounts; the tax account has none yet.
        let hold_seq = seqs["acc_PAY"].last_transfer_seq;
        assert!(hold_seq.is_some());
        assert_eq!(seqs["acc_ESC"].last_transfer_seq, hold_seq);
        assert_eq!(seqs["acc_TAX"].last_transfer_seq, None);
        let mut r = tdb.db.read().await.unwrap();
        let mut stored = r.stores().account_keys().await.unwrap();
        stored.sort_by(|a, b| a.0.cmp(&b.0));
        let mut given: Vec<(String, store::AccountKeys)> = seqs.clone().into_iter().collect();
        given.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(stored, given);
        drop(r);

        // Post the hold and pay the tax out of escrow: the second batch updates, not inserts.
        let post = Transfer::post("trf_2", "trf_1", 0, cny).with_code("escrow_release");
        let tax = Transfer::single("trf_3", "acc_ESC", "acc_TAX", 1_300, cny).with_code("tax");
        let results = l.create_transfers(&[post, tax], 30);
        assert!(
            results.iter().all(|r| *r == ledger::TransferResult::Ok),
            "{results:?}"
        );
        let second = l.take_changes();
        let mut tx = tdb.db.begin().await.unwrap();
        // The keys known: updates and transfers name accounts by them.
        let known = seqs.clone();
        let created = tx
            .stores()
            .persist_ledger(&second, &|id| known.get(id).copied())
            .await
            .unwrap();
        // The post and the tax moved the escrow twice and the others once each.
        let created: HashMap<String, store::AccountKeys> = created.into_iter().collect();
        let esc = created["acc_ESC"].last_transfer_seq.unwrap();
        assert_eq!(created["acc_TAX"].last_transfer_seq, Some(esc));
        assert!(created["acc_PAY"].last_transfer_seq < Some(esc));
        assert!(created["acc_PAY"].last_transfer_seq > hold_seq);
        tx.commit().await.unwrap();
        seqs.extend(created);

        let mut r = tdb.db.read().await.unwrap();
        let stored = r.stores().all_accounts().await.unwrap();
        let in_memory: Vec<Account> = ["acc_ESC", "acc_PAY", "acc_TAX"]
            .iter()
            .map(|id| l.account(id).unwrap().clone())
            .collect();
        assert_eq!(stored, in_memory);
        assert!(ledger::trial_balance(&stored).balanced);
        let got = r
            .stores()
            .transfers_by_id(&["trf_1".into(), "trf_2".into(), "trf_9".into()])
            .await
            .unwrap();
        assert_eq!(got.len(), 2);
        let hold = got.iter().find(|(t, _)| t.id == "trf_1").unwrap();
        assert_eq!(hold.1, Some(PendingState::Posted { amount: 10_000 }));
        assert_eq!(&hold.0, l.transfer("trf_1").unwrap());
        let page = r
            .stores()
            .account_transfers("acc_ESC", None, 10)
            .await
            .unwrap();
        let ids: Vec<&str> = page.iter().map(|(t, _)| t.id.as_str()).collect();
        assert_eq!(ids, ["trf_3", "trf_2", "trf_1"]);
        let after_first = r
            .stores()
            .account_transfers("acc_ESC", Some("trf_3"), 1)
            .await
            .unwrap();
        assert_eq!(after_first.len(), 1);
        assert_eq!(
            after_first[0].0.id, "trf_2",
            "the cursor continues in commit order"
        );
        assert!(
            r.stores()
                .account_transfers("acc_ESC", Some("trf_0"), 10)
                .await
                .unwrap()
                .is_empty(),
            "a cursor naming no transfer gives an empty page"
        );
        assert_eq!(
            r.stores().newest_transfer_id().await.unwrap().as_deref(),
            Some("trf_3")
        );
        let (debits, credits, moves) = r
            .stores()
            .account_movements("acc_ESC", 25, 1_000)
            .await
            .unwrap();
        assert_eq!((debits, credits), (0, 0), "nothing was posted before 25");
        let amounts: Vec<(i64, bool)> =
            moves.iter().map(|m| (m.transfer.amount, m.debit)).collect();
        assert_eq!(amounts, [(10_000, false), (1_300, true)]);
        assert!(r
            .stores()
            .due_pending_transfers(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty());
        drop(r);

        // A balance flag cannot be violated in the database even if the ledger were wrong.
        let mut broken = l.account("acc_ESC").unwrap().clone();
        broken.debits_posted = broken.credits_posted + 1;
        let mut tx = tdb.db.begin().await.unwrap();
        let bad = ledger::Changes {
            accounts: vec![broken],
            ..Default::default()
        };
        let known = seqs.clone();
        assert!(tx
            .stores()
            .persist_ledger(&bad, &|id| known.get(id).copied())
            .await
            .is_err());
        drop(tx);

        // An update of an account that is not stored is an error, not a silent no-op.
        let mut ghost = l.account("acc_TAX").unwrap().clone();
        ghost.id = "acc_GHOST".into();
        let mut tx = tdb.db.begin().await.unwrap();
        let ghostly = ledger::Changes {
            accounts: vec![ghost],
            ..Default::default()
        };
        assert!(tx
            .stores()
            .persist_ledger(&ghostly, &|_| None)
            .await
            .is_err());
        drop(tx);

        // A transfer naming an account that is not stored is refused by the database.
        let stray = Transfer::single("trf_4", "acc_ESC", "acc_NOPE", 1, cny).with_code("stray");
        let mut tx = tdb.db.begin().await.unwrap();
        let orphan = ledger::Changes {
            transfers: vec![stray],
            ..Default::default()
        };
        seqs.remove("acc_NOPE");
        assert!(tx
            .stores()
            .persist_ledger(&orphan, &|id| seqs.get(id).copied())
            .await
            .is_err());
        drop(tx);
        tdb.finish().await.unwrap();
    }
}

/// An account's chain (decision 35) answers exactly what a scan of every transfer would: pages
/// of any size in commit order, and statements of any window with their opening figures.
#[tokio::test]
async fn account_chains_page_and_state_like_a_full_scan() {
    use ledger::{Account, AccountKind, Ledger, Transfer};

    let usd = trade::Currency::parse("USD").unwrap();
    for tdb in TestDb::all().await.unwrap() {
        println!("backend: {}", tdb.name);
        let ids = ["acc_1", "acc_2", "acc_3", "acc_4"];
        let mut l = Ledger::new();
        let accounts: Vec<Account> = ids
            .iter()
            .map(|id| Account::new(*id, "hub", usd, AccountKind::Asset, *id))
            .collect();
        assert!(l
            .create_accounts(&accounts, 1)
            .iter()
            .all(|r| r.is_success()));
        let mut keys: HashMap<String, store::AccountKeys> = HashMap::new();
        let mut all: Vec<Transfer> = Vec::new();
        // Five batches of transfers between varying pairs, with a pending one and its post, at
        // times 10, 20, …: each batch is persisted with the keys the previous ones reported.
        for batch_no in 0..5i64 {
            let mut batch = Vec::new();
            for k in 0..7i64 {
                let n = batch_no * 7 + k;
                let debit = ids[(n % 4) as usize];
                let credit = ids[((n + 1 + n / 4) % 4) as usize];
                if debit == credit {
                    continue;
                }
                batch.push(
                    Transfer::single(format!("trf_{n:03}"), debit, credit, 100 + n, usd)
                        .with_code("t"),
                );
            }
            if batch_no == 1 {
                batch.push(Transfer::pending("trf_p", "acc_1", "acc_2", 5_000, usd).with_code("p"));
            }
            if batch_no == 3 {
                batch.push(Transfer::post("trf_q", "trf_p", 3_000, usd).with_code("q"));
            }
            let results = l.create_transfers(&batch, 10 * (batch_no + 1));
            assert!(
                results.iter().all(|r| *r == ledger::TransferResult::Ok),
                "{results:?}"
            );
            let changes = l.take_changes();
            all.extend(changes.transfers.iter().cloned());
            let mut tx = tdb.db.begin().await.unwrap();
            let known = keys.clone();
            let learned = tx
                .stores()
                .persist_ledger(&changes, &|id| known.get(id).copied())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            keys.extend(learned);
        }
        let mut r = tdb.db.read().await.unwrap();
        for id in ids {
            let mine: Vec<&Transfer> = all
                .iter()
                .rev()
                .filter(|t| t.debit_account_id == id || t.credit_account_id == id)
                .collect();
            // Pages of three, following the cursor, give every transfer once, newest first.
            let mut paged: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let page = r
                    .stores()
                    .account_transfers(id, cursor.as_deref(), 3)
                    .await
                    .unwrap();
                assert!(page.len() <= 3);
                paged.extend(page.iter().map(|(t, _)| t.id.clone()));
                if page.len() < 3 {
                    break;
                }
                cursor = page.last().map(|(t, _)| t.id.clone());
            }
            let expected: Vec<String> = mine.iter().map(|t| t.id.clone()).collect();
            assert_eq!(paged, expected, "{id}");

            // Every window of the statement: posted movements only, opening figures exact.
            for (from, to) in [(0, 100), (15, 35), (20, 21), (30, 1_000), (60, 70)] {
                let posted: Vec<&&Transfer> = mine
                    .iter()
                    .filter(|t| !t.flags.pending && !t.flags.void_pending_transfer)
                    .collect();
                let before = |debit: bool| -> i64 {
                    posted
                        .iter()
                        .filter(|t| t.timestamp_ms < from && (t.debit_account_id == id) == debit)
                        .map(|t| t.amount)
                        .sum()
                };
                let mut window: Vec<(String, bool)> = posted
                    .iter()
                    .filter(|t| t.timestamp_ms >= from && t.timestamp_ms < to)
                    .map(|t| (t.id.clone(), t.debit_account_id == id))
                    .collect();
                window.reverse();
                let (debits, credits, moves) =
                    r.stores().account_movements(id, from, to).await.unwrap();
                assert_eq!(
                    (debits, credits),
                    (before(true), before(false)),
                    "{id} {from}..{to}"
                );
                let got: Vec<(String, bool)> = moves
                    .iter()
                    .map(|m| (m.transfer.id.clone(), m.debit))
                    .collect();
                assert_eq!(got, window, "{id} {from}..{to}");
            }
        }
        assert!(r
            .stores()
            .account_movements("acc_none", 0, 100)
            .await
            .unwrap()
            .2
            .is_empty());
        drop(r);
        tdb.finish().await.unwrap();
    }
}

/// The look-up of payments and waybills: a number names every order with that `order_no` (any
/// merchant) and the order whose id it is when that order has no `order_no`; each comes once,
/// with its lines in order, the orders in id order.
#[tokio::test]
async fn orders_by_number_finds_by_order_no_or_by_id() {
    for_each_backend(|tx, _r| {
        Box::pin(async move {
            for (id, role) in [("pty_M1", "merchant"), ("pty_M2", "merchant")] {
                tx.stores().insert_party(&party(id, role)).await.unwrap();
            }
            let p = product("prd_01", "pty_M1", "SKU-1");
            tx.stores().insert_product(&p).await.unwrap();
            let catalog = HashMap::from([("SKU-1".to_string(), p)]);
            let mut m2_catalog = catalog.clone();
            m2_catalog.get_mut("SKU-1").unwrap().merchant_id = "pty_M2".into();
            // Two merchants with one number; an order without a number; an order whose number
            // is that order's id; an order whose id is asked for although it has a number.
            let orders = [
                order("ord_B", "pty_M1", "pty_M1", Some("SO-9"), 1, &catalog),
                order("ord_A", "pty_M2", "pty_M2", Some("SO-9"), 2, &m2_catalog),
                order("ord_C", "pty_M1", "pty_M1", None, 3, &catalog),
                order("ord_D", "pty_M2", "pty_M2", Some("ord_C"), 4, &m2_catalog),
                order("ord_E", "pty_M1", "pty_M1", Some("SO-10"), 5, &catalog),
            ];
            for o in &orders {
                tx.stores().insert_order(o).await.unwrap();
            }
            let s = tx.stores();
            for (number, expected) in [
                ("SO-9", vec!["ord_A", "ord_B"]),
                ("ord_C", vec!["ord_C", "ord_D"]),
                ("ord_E", vec![]),
                ("SO-10", vec!["ord_E"]),
                ("SO-1", vec![]),
                ("ord_", vec![]),
            ] {
                let found = s.orders_by_number(number).await.unwrap();
                let ids: Vec<&str> = found.iter().map(|(o, _)| o.id.as_str()).collect();
                assert_eq!(ids, expected, "number {number}");
                for (o, links) in &found {
                    let stored = orders.iter().find(|x| x.id == o.id).unwrap();
                    assert_eq!(o, stored, "order {} exactly as stored", o.id);
                    let line_nos: Vec<u32> = o.lines.iter().map(|l| l.line_no).collect();
                    assert_eq!(line_nos, [1, 2]);
                    assert_eq!(links.payment_id, None);
                }
            }
        })
    })
    .await;
}
