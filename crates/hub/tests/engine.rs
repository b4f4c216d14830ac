//! The engine on each backend, with batches composed exactly: the test holds the single writer
//! connection, lets the writer take a sentinel job, queues the batch behind it, then releases.

use hub::clock::IdGen;
use hub::engine::{Applied, Command, Engine, EngineConfig, EngineError, Idempotency, Outcome};
use hub::metrics::Metrics;
use hub::writer::{WriterSetup, WriterState};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use store::testing::TestDb;
use trade::order::{BuyerDraft, LineDraft, OrderDraft, Submission};
use trade::party::PartyDraft;
use trade::product::ProductDraft;
use trade::{Order, Party, Product};

fn party(id: &str) -> Party {
    let draft = PartyDraft {
        role: Some("merchant".into()),
        legal_name: Some(id.into()),
        country: Some("MY".into()),
        registration_number: Some("R".into()),
        customs_code: None,
        contact: None,
    };
    draft.validate(id.into(), 1).unwrap()
}

fn product(id: &str, sku: &str) -> Product {
    let draft = ProductDraft {
        sku: Some(sku.into()),
        title: Some("Scarf".into()),
        hs_code: Some("621410".into()),
        origin: Some("MY".into()),
        unit_price: Some("10.00".into()),
        currency: Some("MYR".into()),
        net_weight_kg: Some("0.1".into()),
    };
    draft.validate(id.into(), "pty_M".into(), 1).unwrap()
}

fn order(id: &str, order_no: Option<&str>) -> Order {
    let draft = OrderDraft {
        merchant_id: None,
        order_no: order_no.map(String::from),
        buyer: Some(BuyerDraft {
            name: Some("Li Lei".into()),
            id_type: Some("national_id".into()),
            id_number: Some("11010519491231002X".into()),
            country: Some("CN".into()),
            address: Some("Hangzhou".into()),
            phone: Some("+86 138 0000 0000".into()),
        }),
        destination: Some("CN".into()),
        currency: Some("MYR".into()),
        lines: Some(vec![LineDraft {
            hs_code: Some("330499".into()),
            description: Some("Cream".into()),
            origin: Some("MY".into()),
            quantity: Some(2),
            unit_price: Some("5.00".into()),
            ..Default::default()
        }]),
        incoterm: Some("DAP".into()),
        ..Default::default()
    };
    draft
        .validate(Submission {
            id: id.into(),
            merchant_id: "pty_M".into(),
            submitted_by: "pty_M".into(),
            now_ms: 5,
            catalog: &HashMap::new(),
        })
        .unwrap()
}

/// The answer a merchant gets for creating `order(id, order_no)`: what a replay of it renders
/// from the stored row.
fn created_answer(id: &str, order_no: Option<&str>) -> String {
    hub::routes::to_json(&hub::views::OrderView::new(&order(id, order_no), "pty_M"))
}

fn idem(key: &str, fingerprint: &str, body: &str) -> Option<Idempotency> {
    Some(Idempotency {
        party_id: "pty_M".into(),
        key: key.into(),
        request_sha256: fingerprint.into(),
        status_code: 201,
        replay_body: body.into(),
        now_ms: 5,
    })
}

/// Runs `jobs` as one batch and returns their answers in order.
async fn one_batch(
    db: &TestDb,
    jobs: Vec<(Command, Option<Idempotency>)>,
) -> Vec<Result<Outcome, EngineError>> {
    one_batch_counted(db, jobs).await.0
}

/// Also tells how many batches took the careful path.
async fn one_batch_counted(
    db: &TestDb,
    jobs: Vec<(Command, Option<Idempotency>)>,
) -> (Vec<Result<Outcome, EngineError>>, usize) {
    let metrics = Arc::new(Metrics::default());
    let setup = WriterSetup {
        packs: Arc::new(tariff::load_embedded().unwrap()),
        ids: Arc::new(IdGen::default()),
        fee_bps: 100,
        hub_code: "MY-KUL".into(),
        pending_cached_max: hub::books::PENDING_CACHED_MAX,
    };
    let state = {
        let mut tx = db.db.begin().await.unwrap();
        WriterState::load(tx.stores(), setup).await.unwrap()
    };
    let (engine, writer) = Engine::start(
        db.db.clone(),
        metrics.clone(),
        EngineConfig {
            queue_capacity: 64,
            batch_max: 64,
        },
        state,
    )
    .unwrap();
    let blocker = db.db.begin().await.unwrap();
    let sentinel = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .submit(Command::PurgeIdempotency { before_ms: 0 }, None)
                .await
        })
    };
    // Taken by the writer into a batch of its own, which it is applying (so it waits for the
    // connection the blocker holds and takes nothing more from the queue). Neither an empty queue
    // nor the queue's accepting it tells: the writer may still be forming that batch, and would
    // take the first job below into it.
    while engine.taken() < 1 {
        tokio::task::yield_now().await;
    }
    // Each submission enqueues its job when first polled. Polling them once each, in order, in
    // this task puts the jobs in the queue in the order given. (Spawning each and waiting for the
    // queue to grow did not: the depth counts a slot as soon as a sender reserves it, before its
    // job is in the queue, so a later job could overtake an earlier one under load.)
    type Pending = Pin<Box<dyn Future<Output = Result<Outcome, EngineError>> + Send>>;
    let n = jobs.len();
    let mut submitted: Vec<Pending> = jobs
        .into_iter()
        .map(|(command, idempotency)| {
            let engine = engine.clone();
            Box::pin(async move { engine.submit(command, idempotency).await }) as Pending
        })
        .collect();
    std::future::poll_fn(|cx| {
        for s in submitted.iter_mut() {
            assert!(
                s.as_mut().poll(cx).is_pending(),
                "a job was answered before the writer was free"
            );
        }
        Poll::Ready(())
    })
    .await;
    assert_eq!(engine.queue_depth(), n, "every job is queued");
    drop(blocker);
    assert!(matches!(
        sentinel.await.unwrap(),
        Ok(Outcome::Applied(Applied::Purged(0)))
    ));
    let mut answers = Vec::new();
    for s in submitted {
        answers.push(s.await);
    }
    engine.stop();
    writer.join().await;
    (answers, metrics.careful_batches())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_batch_commits_on_the_fast_path_with_idempotency_resolved_in_memory() {
    for db in TestDb::all().await.unwrap() {
        let (answers, careful) = one_batch_counted(
            &db,
            vec![
                (
                    Command::CreateParty {
                        party: party("pty_M"),
                        key: key("key_1", "pty_M"),
                    },
                    None,
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_1", Some("SO-1")),
                    },
                    idem("k1", "h1", "{\"id\":\"ord_1\"}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_2", None),
                    },
                    idem("k1", "h1", "{\"id\":\"ord_2\"}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_3", None),
                    },
                    idem("k1", "h-other", "{}"),
                ),
                (
                    Command::CreateProduct {
                        product: product("prd_1", "SKU-1"),
                    },
                    None,
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_4", None),
                    },
                    None,
                ),
            ],
        )
        .await;
        assert_eq!(
            careful, 0,
            "{}: nothing failed, so the fast path committed; answers {answers:?}",
            db.name
        );
        assert!(
            matches!(answers[0], Ok(Outcome::Applied(Applied::Created))),
            "{}",
            db.name
        );
        assert!(
            matches!(answers[1], Ok(Outcome::Applied(Applied::Created))),
            "{}: {answers:?}",
            db.name
        );
        match &answers[2] {
            Ok(Outcome::Replayed {
                status_code: 201,
                body,
            }) => assert_eq!(body, "{\"id\":\"ord_1\"}", "the first answer, not its own"),
            other => panic!("{}: expected a replay, got {other:?}", db.name),
        }
        assert!(matches!(answers[3], Err(EngineError::IdempotencyKeyReused)));
        assert!(matches!(answers[4], Ok(Outcome::Applied(Applied::Created))));
        assert!(matches!(answers[5], Ok(Outcome::Applied(Applied::Created))));
        let mut r = db.db.read().await.unwrap();
        assert_eq!(
            r.stores().count_orders().await.unwrap(),
            2,
            "ord_1 and ord_4 only"
        );
        assert!(r.stores().get_order("ord_2").await.unwrap().is_none());
        assert_eq!(
            r.stores().get_order("ord_1").await.unwrap().unwrap(),
            order("ord_1", Some("SO-1"))
        );

        // A later batch meets the stored key: replay or mismatch from the database.
        drop(r);
        let later = one_batch(
            &db,
            vec![
                (
                    Command::CreateOrder {
                        order: order("ord_5", None),
                    },
                    idem("k1", "h1", "x"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_6", None),
                    },
                    idem("k1", "h2", "x"),
                ),
            ],
        )
        .await;
        assert!(
            matches!(&later[0], Ok(Outcome::Replayed { body, .. }) if *body == created_answer("ord_1", Some("SO-1"))),
            "an order's answer is rendered again from its row: {:?}",
            later[0]
        );
        assert!(matches!(later[1], Err(EngineError::IdempotencyKeyReused)));
        let mut r = db.db.read().await.unwrap();
        assert_eq!(r.stores().count_orders().await.unwrap(), 2);
        drop(r);
        db.finish().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_command_falls_back_and_fails_alone() {
    for db in TestDb::all().await.unwrap() {
        let setup = one_batch(
            &db,
            vec![(
                Command::CreateParty {
                    party: party("pty_M"),
                    key: key("key_1", "pty_M"),
                },
                None,
            )],
        )
        .await;
        assert!(setup[0].is_ok());
        let (answers, careful) = one_batch_counted(
            &db,
            vec![
                (
                    Command::CreateOrder {
                        order: order("ord_1", Some("SO-1")),
                    },
                    idem("a", "h", "{}"),
                ),
                (
                    Command::CreateProduct {
                        product: product("prd_1", "SKU-1"),
                    },
                    idem("b", "h", "{}"),
                ),
                (
                    Command::CreateProduct {
                        product: product("prd_2", "SKU-1"),
                    },
                    idem("c", "h", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_2", Some("SO-1")),
                    },
                    idem("d", "h", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_3", Some("SO-3")),
                    },
                    idem("e", "h", "{}"),
                ),
            ],
        )
        .await;
        assert_eq!(
            careful, 1,
            "{}: the duplicate SKU sent the batch down the careful path",
            db.name
        );
        assert!(
            answers[0].is_ok() && answers[1].is_ok() && answers[4].is_ok(),
            "{}: {answers:?}",
            db.name
        );
        assert!(matches!(
            answers[2],
            Err(EngineError::Conflict {
                code: "duplicate_sku",
                ..
            })
        ));
        assert!(matches!(
            answers[3],
            Err(EngineError::Conflict {
                code: "duplicate_order_no",
                ..
            })
        ));
        let mut r = db.db.read().await.unwrap();
        let s = r.stores();
        assert_eq!(s.count_orders().await.unwrap(), 2);
        assert!(s.get_idempotency("pty_M", "a").await.unwrap().is_some());
        assert!(
            s.get_idempotency("pty_M", "c").await.unwrap().is_none(),
            "a failed command leaves no idempotency record"
        );
        assert!(s.get_idempotency("pty_M", "d").await.unwrap().is_none());
        assert!(s.get_idempotency("pty_M", "e").await.unwrap().is_some());
        drop(r);
        db.finish().await.unwrap();
    }
}

fn key(id: &str, party_id: &str) -> store::ApiKey {
    store::ApiKey {
        id: id.into(),
        party_id: party_id.into(),
        token_sha256: format!("{id:0>64}"),
        token_prefix: "ewtp_x".into(),
        created_at_ms: 1,
        revoked_at_ms: None,
        expires_at_ms: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_orders_is_one_round_trip_and_a_stored_key_sends_it_down_the_careful_path() {
    for db in TestDb::all().await.unwrap() {
        assert!(one_batch(
            &db,
            vec![(
                Command::CreateParty {
                    party: party("pty_M"),
                    key: key("key_1", "pty_M")
                },
                None
            )]
        )
        .await[0]
            .is_ok());
        let (answers, careful) = one_batch_counted(
            &db,
            vec![
                (
                    Command::CreateOrder {
                        order: order("ord_1", Some("SO-1")),
                    },
                    idem("k1", "h1", "{\"id\":\"ord_1\"}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_2", None),
                    },
                    None,
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_3", None),
                    },
                    idem("k1", "h1", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_4", None),
                    },
                    idem("k1", "h9", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_5", Some("SO-5")),
                    },
                    idem("k5", "h5", "{\"id\":\"ord_5\"}"),
                ),
            ],
        )
        .await;
        assert_eq!(careful, 0, "{}", db.name);
        assert!(
            matches!(answers[0], Ok(Outcome::Applied(Applied::Created))),
            "{}: {answers:?}",
            db.name
        );
        assert!(matches!(answers[1], Ok(Outcome::Applied(Applied::Created))));
        assert!(
            matches!(&answers[2], Ok(Outcome::Replayed { body, .. }) if body == "{\"id\":\"ord_1\"}"),
            "{:?}",
            answers[2]
        );
        assert!(matches!(answers[3], Err(EngineError::IdempotencyKeyReused)));
        assert!(matches!(answers[4], Ok(Outcome::Applied(Applied::Created))));

        // Next batch: one retry of a stored key among new orders.
        let (answers, careful) = one_batch_counted(
            &db,
            vec![
                (
                    Command::CreateOrder {
                        order: order("ord_6", None),
                    },
                    idem("k6", "h6", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_7", None),
                    },
                    idem("k5", "h5", "{}"),
                ),
                (
                    Command::CreateOrder {
                        order: order("ord_8", Some("SO-1")),
                    },
                    idem("k8", "h8", "{}"),
                ),
            ],
        )
        .await;
        assert_eq!(careful, 1, "{}", db.name);
        assert!(matches!(answers[0], Ok(Outcome::Applied(Applied::Created))));
        assert!(
            matches!(&answers[1], Ok(Outcome::Replayed { body, .. }) if *body == created_answer("ord_5", Some("SO-5"))),
            "{:?}",
            answers[1]
        );
        assert!(matches!(
            answers[2],
            Err(EngineError::Conflict {
                code: "duplicate_order_no",
                ..
            })
        ));
        let mut r = db.db.read().await.unwrap();
        let s = r.stores();
        let ids: Vec<String> = s
            .list_orders(&store::OrderQuery {
                scope: store::OrderScope::All,
                status: None,
                created_from_ms: None,
                created_to_ms: None,
                before_id: None,
                limit: 100,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, vec!["ord_6", "ord_5", "ord_2", "ord_1"]);
        assert_eq!(
            s.get_order("ord_5").await.unwrap().unwrap(),
            order("ord_5", Some("SO-5")),
            "lines and all"
        );
        drop(r);
        db.finish().await.unwrap();
    }
}
