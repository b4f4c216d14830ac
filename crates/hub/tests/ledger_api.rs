//! The ledger API over real loopback HTTP, on every backend this run can test: who sees which
//! accounts, transfer pages, the merchant's statement, payouts (same currency and converted,
//! refusals, replays), the trial balance, and the books staying exact under concurrency.

mod harness;
mod ledger_world;

use harness::{hubs, TestHub};
use ledger_world::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;

fn data(a: &harness::Answer) -> &Vec<Value> {
    a.body["data"].as_array().expect("a page")
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(h: &TestHub, path: &str, key: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let a = h
            .get(&format!("{path}{join}limit={limit}{cursor}"), key)
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page = data(&a);
        assert!(page.len() <= limit as usize);
        out.extend(page.iter().cloned());
        match a.body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(
                    page.len(),
                    limit as usize,
                    "only a full page has a next one"
                );
                cursor = format!("&cursor={c}");
            }
            None => break,
        }
    }
    out
}

fn account_in<'a>(list: &'a [Value], owner: &str, code: &str) -> Option<&'a Value> {
    list.iter()
        .find(|a| a["owner_id"] == owner && a["code"] == code)
}

#[tokio::test]
async fn accounts_are_seen_by_their_owner_and_the_operator() {
    for h in hubs().await {
        let w = world(&h).await;
        let other = h.party("merchant", "Toko Lain").await;
        let platform = h.party("platform", "Lazada Mall").await;
        let p1 = delivered_parcel(&h, &w, &w.merchant.1, "SO-V1", "100.00").await;
        delivered_parcel(&h, &w, &other.1, "SO-V2", "50.00").await;

        // The merchant: its own accounts only, with their figures.
        let mine = all_pages(&h, "/v1/accounts", &w.merchant.1, 50).await;
        assert!(!mine.is_empty());
        assert!(
            mine.iter().all(|a| a["owner_id"] == w.merchant.0.as_str()),
            "{mine:?}"
        );
        let payable = account_in(&mine, &w.merchant.0, "merchant_payable").unwrap();
        assert_eq!(payable["currency"], "CNY");
        assert_eq!(payable["kind"], "liability");
        assert_eq!(payable["flags"]["debits_must_not_exceed_credits"], true);
        assert_eq!(cents(&payable["credits_posted"]), p1.share);
        assert_eq!(cents(&payable["balance_posted"]), p1.share);
        assert_eq!(cents(&payable["available"]), p1.share);
        assert_eq!(payable["debits_posted"], "0.00");
        let id = payable["id"].as_str().unwrap();
        let one = h.get(&format!("/v1/accounts/{id}"), &w.merchant.1).await;
        assert_eq!(one.status, 200, "{}", one.body);
        assert_eq!(&one.body, payable);

        // The operator: every account, the hub's and customs' included.
        let all = all_pages(&h, "/v1/accounts", &h.operator_key, 3).await;
        for (owner, code) in [
            ("hub", "escrow"),
            ("hub", "fees"),
            (w.merchant.0.as_str(), "merchant_payable"),
            (other.0.as_str(), "merchant_payable"),
            (w.psp.0.as_str(), "provider_funds"),
        ] {
            assert!(account_in(&all, owner, code).is_some(), "{owner} {code}");
        }
        let ids: HashSet<&str> = all.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), all.len(), "no account twice across pages");
        assert_eq!(all.len(), books(&h).await.len());

        // Another party's account, or the hub's, is not found for a merchant.
        let theirs = account_in(&all, &other.0, "merchant_payable").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let escrow = account_in(&all, "hub", "escrow").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        for id in [&theirs, &escrow] {
            h.get(&format!("/v1/accounts/{id}"), &w.merchant.1)
                .await
                .problem(404, "not_found");
            h.get(&format!("/v1/accounts/{id}/transfers"), &w.merchant.1)
                .await
                .problem(404, "not_found");
        }
        h.get("/v1/accounts/acc_nonsense", &w.merchant.1)
            .await
            .problem(404, "not_found");
        let op = h
            .get(&format!("/v1/accounts/{escrow}"), &h.operator_key)
            .await;
        assert_eq!(op.status, 200);
        assert_eq!(op.body["owner_id"], "hub");

        // The payment provider sees its provider funds only.
        let psp = all_pages(&h, "/v1/accounts", &w.psp.1, 50).await;
        assert!(!psp.is_empty());
        assert!(psp.iter().all(|a| a["owner_id"] == w.psp.0.as_str()));

        // Roles that own no account are refused, as are those outside each route.
        for key in [&w.carrier.1, &w.officer.1, &platform.1] {
            h.get("/v1/accounts", key)
                .await
                .problem(403, "role_not_allowed");
            h.get(&format!("/v1/accounts/{escrow}"), key)
                .await
                .problem(403, "role_not_allowed");
            h.get(&format!("/v1/accounts/{escrow}/transfers"), key)
                .await
                .problem(403, "role_not_allowed");
            h.get("/v1/statement", key)
                .await
                .problem(403, "role_not_allowed");
            h.get("/v1/payouts", key)
                .await
                .problem(403, "role_not_allowed");
            payout(&h, key, &json!({}))
                .await
                .problem(403, "role_not_allowed");
        }
        for key in [&w.merchant.1, &w.psp.1, &w.officer.1] {
            h.get("/v1/ledger/trial-balance", key)
                .await
                .problem(403, "role_not_allowed");
        }
        h.get("/v1/statement", &w.psp.1)
            .await
            .problem(403, "role_not_allowed");
        h.call(Method::GET, "/v1/accounts", None, None, &[])
            .await
            .problem(401, "missing_credentials");
        let typo = h.get("/v1/accounts?limt=5", &w.merchant.1).await;
        typo.problem(400, "invalid_query");
        h.finish().await;
    }
}

#[tokio::test]
async fn transfers_page_newest_first_with_their_pending_state() {
    for h in hubs().await {
        let w = world(&h).await;
        let mut parcels = Vec::new();
        for i in 0..3 {
            parcels
                .push(released_parcel(&h, &w, &w.merchant.1, &format!("SO-T{i}"), "120.00").await);
        }
        deliver(&h, &w, &parcels[0]).await;
        deliver(&h, &w, &parcels[1]).await;
        let accounts = books(&h).await;
        let escrow = find(&accounts, "hub", "escrow", "CNY").unwrap().id.clone();
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY")
            .unwrap()
            .id
            .clone();

        // Escrow: per parcel a hold, its capture, the share and the fee set aside; per delivery
        // the two posts.
        let list = all_pages(
            &h,
            &format!("/v1/accounts/{escrow}/transfers"),
            &h.operator_key,
            4,
        )
        .await;
        assert_eq!(list.len(), 3 * 4 + 2 * 2, "{list:#?}");
        let ids: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert!(ids.windows(2).all(|p| p[0] > p[1]), "newest first: {ids:?}");
        for t in &list {
            assert!(
                t["debit_account_id"] == escrow.as_str()
                    || t["credit_account_id"] == escrow.as_str()
            );
            let side = if t["debit_account_id"] == escrow.as_str() {
                "debit"
            } else {
                "credit"
            };
            assert_eq!(t["side"], side);
            if t["code"] == "escrow_hold" {
                // Held when the payment arrived: it names the payment notice.
                assert!(t["user_ref"].as_str().unwrap().starts_with("pay_"), "{t}");
                assert_eq!(t["order_id"], Value::Null);
            } else {
                assert!(
                    parcels.iter().any(|p| t["order_id"] == p.order_id.as_str()),
                    "{t}"
                );
                assert_eq!(t["user_ref"], t["order_id"]);
            }
        }
        let holds: Vec<&Value> = list.iter().filter(|t| t["code"] == "escrow_hold").collect();
        assert_eq!(holds.len(), 3);
        for hold in &holds {
            assert_eq!(hold["kind"], "pending");
            assert_eq!(hold["pending_state"], "posted", "captured at release");
            assert_eq!(hold["posted_amount"], "120.00");
            assert_eq!(hold["side"], "credit");
        }
        let shares: Vec<&Value> = list
            .iter()
            .filter(|t| t["code"] == "merchant_share" && t["kind"] == "pending")
            .collect();
        assert_eq!(shares.len(), 3);
        for share in &shares {
            let delivered = share["order_id"] != parcels[2].order_id.as_str();
            let expected = if delivered { "posted" } else { "pending" };
            assert_eq!(share["pending_state"], expected, "{share}");
            assert_eq!(cents(&share["amount"]), share_of(12_000));
        }
        let posts: Vec<&Value> = list
            .iter()
            .filter(|t| t["kind"] == "post_pending")
            .collect();
        assert_eq!(
            posts.len(),
            3 + 2 * 2,
            "3 captures, 2 shares and 2 fees posted"
        );
        assert!(posts
            .iter()
            .all(|t| t["pending_id"].is_string() && t["pending_state"].is_null()));

        // The merchant's own account: the three shares set aside, two of them posted.
        let mine = all_pages(
            &h,
            &format!("/v1/accounts/{payable}/transfers"),
            &w.merchant.1,
            2,
        )
        .await;
        assert_eq!(mine.len(), 5);
        assert!(mine
            .iter()
            .all(|t| t["side"] == "credit" && t["code"] == "merchant_share"));
        let pending: Vec<&Value> = mine
            .iter()
            .filter(|t| t["pending_state"] == "pending")
            .collect();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0]["order_id"], parcels[2].order_id.as_str());

        // Cursors and sizes are checked.
        h.get(
            &format!("/v1/accounts/{payable}/transfers?cursor=ord_x"),
            &w.merchant.1,
        )
        .await
        .problem(400, "invalid_cursor");
        h.get(
            &format!("/v1/accounts/{payable}/transfers?limit=0"),
            &w.merchant.1,
        )
        .await
        .problem(400, "invalid_query");
        h.finish().await;
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn the_statement_adds_up_and_names_each_order() {
    for h in hubs().await {
        let w = world(&h).await;
        let started = now_ms() - 1_000;
        let a = delivered_parcel(&h, &w, &w.merchant.1, "SO-S1", "100.00").await;
        let b = delivered_parcel(&h, &w, &w.merchant.1, "SO-S2", "250.00").await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let middle = now_ms();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let c = delivered_parcel(&h, &w, &w.merchant.1, "SO-S3", "75.50").await;
        let paid_out = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "amount": "80.00", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(paid_out.status, 201, "{}", paid_out.body);
        let payout_id = paid_out.body["id"].as_str().unwrap();
        let closing = a.share + b.share + c.share - 8_000;

        // The default period (the last 30 days): everything, from zero.
        let s = h.get("/v1/statement", &w.merchant.1).await;
        assert_eq!(s.status, 200, "{}", s.body);
        assert_eq!(s.body["merchant_id"], w.merchant.0.as_str());
        let accounts = s.body["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 1, "one merchant_payable account: CNY");
        let cny = &accounts[0];
        assert_eq!(cny["currency"], "CNY");
        assert_eq!(cny["opening_balance"], "0.00");
        let moves = cny["movements"].as_array().unwrap();
        assert_eq!(moves.len(), 4, "{moves:#?}");
        let expected = [
            (&a.order_id, a.share, "merchant_share"),
            (&b.order_id, b.share, "merchant_share"),
            (&c.order_id, c.share, "merchant_share"),
        ];
        let mut running = 0;
        for (m, (order, share, code)) in moves.iter().zip(expected) {
            assert_eq!(m["order_id"], order.as_str());
            assert_eq!(m["code"], code);
            assert_eq!(m["side"], "credit");
            assert_eq!(cents(&m["amount"]), share);
            running += share;
            assert_eq!(cents(&m["balance"]), running);
        }
        let last = &moves[3];
        assert_eq!(last["code"], "payout");
        assert_eq!(last["payout_id"], payout_id);
        assert_eq!(last["order_id"], Value::Null);
        assert_eq!(last["side"], "debit");
        assert_eq!(last["amount"], "-80.00");
        assert_eq!(cents(&last["balance"]), closing);
        assert_eq!(cents(&cny["closing_balance"]), closing);
        assert_eq!(cents(&cny["credits"]), a.share + b.share + c.share);
        assert_eq!(cny["debits"], "80.00");
        let account = books(&h).await;
        let payable = find(&account, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        assert_eq!(
            payable.balance_posted(),
            closing,
            "the statement closes on the books"
        );

        // From the middle: the first two parcels are the opening balance.
        let path = format!("/v1/statement?from={}", harness_time(middle));
        let s = h.get(&path, &w.merchant.1).await;
        assert_eq!(s.status, 200, "{}", s.body);
        let cny = &s.body["accounts"][0];
        assert_eq!(cents(&cny["opening_balance"]), a.share + b.share);
        let moves = cny["movements"].as_array().unwrap();
        assert_eq!(moves.len(), 2);
        assert_eq!(moves[0]["order_id"], c.order_id.as_str());
        assert_eq!(moves[1]["payout_id"], payout_id);
        let sum: i64 = moves.iter().map(|m| cents(&m["amount"])).sum();
        assert_eq!(
            cents(&cny["opening_balance"]) + sum,
            cents(&cny["closing_balance"])
        );
        assert_eq!(cents(&cny["closing_balance"]), closing);

        // Up to the middle: only the first two.
        let path = format!(
            "/v1/statement?from={}&to={}",
            harness_time(started),
            harness_time(middle)
        );
        let s = h.get(&path, &w.merchant.1).await;
        assert_eq!(s.status, 200, "{}", s.body);
        let cny = &s.body["accounts"][0];
        assert_eq!(cny["opening_balance"], "0.00");
        assert_eq!(cny["movements"].as_array().unwrap().len(), 2);
        assert_eq!(cents(&cny["closing_balance"]), a.share + b.share);
        assert_eq!(s.body["from"], harness_time(started));

        // The operator names the merchant and gets the same statement.
        let op = h
            .get(
                &format!("/v1/statement?merchant_id={}", w.merchant.0),
                &h.operator_key,
            )
            .await;
        assert_eq!(op.status, 200, "{}", op.body);
        assert_eq!(cents(&op.body["accounts"][0]["closing_balance"]), closing);
        h.get("/v1/statement", &h.operator_key)
            .await
            .problem(400, "invalid_query");

        // Times are checked.
        for (query, field) in [
            ("from=yesterday", "from"),
            ("to=2026-02-30T00:00:00Z", "to"),
            ("from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", "from"),
            ("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
            ("merchant_id=pty_someone_else", "merchant_id"),
        ] {
            let a = h
                .get(&format!("/v1/statement?{query}"), &w.merchant.1)
                .await;
            assert_eq!(a.problem(400, "invalid_query")["field"], field, "{query}");
        }
        h.get("/v1/statement?since=2026-01-01", &w.merchant.1)
            .await
            .problem(400, "invalid_query");

        // A merchant with no money has a statement with no account.
        let (_, newcomer) = h.party("merchant", "Baru").await;
        let s = h.get("/v1/statement", &newcomer).await;
        assert_eq!(s.status, 200);
        assert_eq!(s.body["accounts"], json!([]));
        h.finish().await;
    }
}

/// The hub's form of a time: RFC 3339 UTC with milliseconds.
fn harness_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[tokio::test]
async fn payouts_in_the_same_currency_and_converted() {
    for h in hubs().await {
        let w = world(&h).await;
        let other = h.party("merchant", "Toko Lain").await;
        let first = delivered_parcel(&h, &w, &w.merchant.1, "SO-P1", "1000.00").await;
        let second = delivered_parcel(&h, &w, &w.merchant.1, "SO-P2", "1000.00").await;
        let mut balance = first.share + second.share;
        set_rates(&h, &[("CNY", "MYR", "0.6543"), ("CNY", "JPY", "25")]).await;

        // Same currency: one transfer to the hub's payouts account.
        let a = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "amount": "100.00", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let id = a.body["id"].as_str().unwrap().to_string();
        assert!(id.starts_with("pyo_"));
        assert_eq!(a.headers["location"], format!("/v1/payouts/{id}").as_str());
        assert_eq!(a.body["merchant_id"], w.merchant.0.as_str());
        assert_eq!(
            (&a.body["source_amount"], &a.body["amount"]),
            (&json!("100.00"), &json!("100.00"))
        );
        assert_eq!(a.body["currency"], "CNY");
        assert_eq!(a.body["fx"], Value::Null);
        assert_eq!(a.body["transfer_ids"].as_array().unwrap().len(), 1);
        assert_eq!(a.body["creditor"]["account"], "DE89370400440532013000");
        assert_eq!(a.body["creditor"]["masked"], false);
        assert_eq!(a.body["created_by"], w.merchant.0.as_str());
        balance -= 10_000;
        let accounts = books(&h).await;
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        assert_eq!(payable.balance_posted(), balance);
        assert_eq!(a.body["source_account_id"], payable.id.as_str());
        let hub_cny = find(&accounts, "hub", "payouts", "CNY").unwrap();
        assert_eq!((hub_cny.credits_posted, hub_cny.debits_posted), (10_000, 0));

        // Converted, by default into the merchant's home currency (MY: MYR):
        // 100.01 CNY × 0.6543 = 65.436543 MYR → 65.44 (half up to the sen).
        let b = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "amount": "100.01", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(b.status, 201, "{}", b.body);
        assert_eq!(b.body["currency"], "MYR");
        assert_eq!(b.body["source_amount"], "100.01");
        assert_eq!(b.body["amount"], "65.44");
        assert_eq!(b.body["fx"]["rate"], "0.6543");
        assert_eq!(b.body["fx"]["source"], "test rate sheet");
        assert_eq!(b.body["fx"]["as_of"], "2026-11-30T08:00:00.000Z");
        let legs = b.body["transfer_ids"].as_array().unwrap();
        assert_eq!(legs.len(), 2);
        balance -= 10_001;
        // Into JPY (no minor unit): 0.10 CNY × 25 = 2.5 JPY → 3 (half up); 0.09 × 25 = 2.25 → 2.
        let c = payout(
            &h,
            &h.operator_key,
            &json!({"merchant_id": w.merchant.0, "source_currency": "CNY", "currency": "JPY", "amount": "0.10", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(c.status, 201, "{}", c.body);
        assert_eq!(c.body["amount"], "3");
        assert_eq!(c.body["merchant_id"], w.merchant.0.as_str());
        assert_ne!(
            c.body["created_by"],
            w.merchant.0.as_str(),
            "the operator paid it"
        );
        let d = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "JPY", "amount": "0.09", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(d.body["amount"], "2", "{}", d.body);
        balance -= 19;

        // The legs go through the hub's FX accounts and carry the rate.
        let accounts = books(&h).await;
        let fx_cny = find(&accounts, "hub", "fx", "CNY").unwrap();
        assert_eq!(fx_cny.credits_posted, 10_001 + 10 + 9);
        let fx_myr = find(&accounts, "hub", "fx", "MYR").unwrap();
        assert_eq!(fx_myr.debits_posted, 6_544);
        let hub_myr = find(&accounts, "hub", "payouts", "MYR").unwrap();
        assert_eq!(hub_myr.credits_posted, 6_544);
        let hub_jpy = find(&accounts, "hub", "payouts", "JPY").unwrap();
        assert_eq!(hub_jpy.credits_posted, 3 + 2);
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        assert_eq!(payable.balance_posted(), balance);
        let transfers = all_pages(
            &h,
            &format!("/v1/accounts/{}/transfers", fx_myr.id),
            &h.operator_key,
            50,
        )
        .await;
        assert_eq!(transfers.len(), 1);
        let leg = &transfers[0];
        assert_eq!(leg["id"], legs[1]);
        assert_eq!(leg["payout_id"], b.body["id"]);
        assert_eq!(
            leg["fx"],
            json!({"base": "CNY", "quote": "MYR", "rate": "0.6543", "source": "test rate sheet"})
        );
        assert_eq!(leg["amount"], "65.44");
        let mine = all_pages(
            &h,
            &format!("/v1/accounts/{}/transfers", payable.id),
            &w.merchant.1,
            50,
        )
        .await;
        let first_leg = mine.iter().find(|t| t["id"] == legs[0]).unwrap();
        assert_eq!(first_leg["linked"], true, "the two legs commit together");
        assert_eq!(first_leg["amount"], "100.01");
        assert_eq!(first_leg["side"], "debit");

        // Refusals: a missing rate, more than available, nothing available.
        let before = books(&h).await;
        payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "USD", "amount": "1.00", "creditor": creditor("K")}),
        )
        .await
        .problem(422, "fx_rate_missing");
        let poor = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "amount": "99999.00", "creditor": creditor("K")}),
        )
        .await;
        poor.problem(409, "insufficient_funds");
        let poor_fx = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "amount": "99999.00", "creditor": creditor("K")}),
        )
        .await;
        poor_fx.problem(409, "insufficient_funds");
        payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "USD", "currency": "USD", "creditor": creditor("K")}),
        )
        .await
        .problem(409, "insufficient_funds");
        assert_eq!(books(&h).await, before, "a refusal moves nothing");

        // Everything that is left, by default: the account ends at zero.
        let rest = payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "creditor": creditor("Kedai Batik Sdn Bhd")}),
        )
        .await;
        assert_eq!(rest.status, 201, "{}", rest.body);
        assert_eq!(cents(&rest.body["amount"]), balance);
        let accounts = books(&h).await;
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        assert_eq!((payable.balance_posted(), payable.available()), (0, 0));
        payout(
            &h,
            &w.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "creditor": creditor("K")}),
        )
        .await
        .problem(409, "insufficient_funds");

        // Who pays whom.
        let op = payout(
            &h,
            &h.operator_key,
            &json!({"source_currency": "CNY", "creditor": creditor("K")}),
        )
        .await;
        assert_eq!(op.problem(422, "missing_field")["field"], "merchant_id");
        for unknown in [
            w.psp.0.as_str(),
            "pty_01JAAAAAAAAAAAAAAAAAAAAAAA",
            "nonsense",
        ] {
            let a = payout(&h, &h.operator_key, &json!({"merchant_id": unknown, "source_currency": "CNY", "creditor": creditor("K")})).await;
            assert_eq!(
                a.problem(422, "unknown_merchant")["field"],
                "merchant_id",
                "{unknown}"
            );
        }
        let a = payout(
            &h,
            &w.merchant.1,
            &json!({"merchant_id": other.0, "source_currency": "CNY", "creditor": creditor("K")}),
        )
        .await;
        assert_eq!(a.problem(422, "not_your_merchant")["field"], "merchant_id");

        // Lists and reads: the merchant its own, the operator all.
        let mine = all_pages(&h, "/v1/payouts", &w.merchant.1, 2).await;
        assert_eq!(mine.len(), 5);
        assert!(mine
            .iter()
            .all(|p| p["merchant_id"] == w.merchant.0.as_str()));
        let ids: Vec<&str> = mine.iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert!(ids.windows(2).all(|p| p[0] > p[1]), "newest first");
        assert_eq!(all_pages(&h, "/v1/payouts", &other.1, 50).await.len(), 0);
        assert_eq!(
            all_pages(&h, "/v1/payouts", &h.operator_key, 50)
                .await
                .len(),
            5
        );
        let got = h.get(&format!("/v1/payouts/{id}"), &w.merchant.1).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.body, a_first(&mine, &id));
        let by_operator = h.get(&format!("/v1/payouts/{id}"), &h.operator_key).await;
        assert_eq!(
            by_operator.body["creditor"]["account"],
            "DE89370400440532013000"
        );
        h.get(&format!("/v1/payouts/{id}"), &other.1)
            .await
            .problem(404, "not_found");
        h.get(&format!("/v1/payouts/{id}/pacs008"), &other.1)
            .await
            .problem(404, "not_found");
        h.get("/v1/payouts/pyo_nonsense", &w.merchant.1)
            .await
            .problem(404, "not_found");

        // After all that, the trial balance balances per currency.
        let tb = h.get("/v1/ledger/trial-balance", &h.operator_key).await;
        assert_eq!(tb.status, 200, "{}", tb.body);
        assert_eq!(tb.body["balanced"], true);
        let currencies = tb.body["currencies"].as_array().unwrap();
        let codes: Vec<&str> = currencies
            .iter()
            .map(|c| c["currency"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["CNY", "JPY", "MYR"]);
        for c in currencies {
            assert_eq!(c["debits_posted"], c["credits_posted"], "{c}");
            assert_eq!(c["debits_pending"], c["credits_pending"], "{c}");
            assert_eq!(c["balanced"], true);
        }
        let jpy = &currencies[1];
        assert_eq!(
            (&jpy["debits_posted"], &jpy["accounts"]),
            (&json!("5"), &json!(2))
        );
        let listed = tb.body["accounts"].as_array().unwrap();
        let stored = books(&h).await;
        assert_eq!(listed.len(), stored.len());
        let sum_accounts: usize = currencies
            .iter()
            .map(|c| c["accounts"].as_u64().unwrap() as usize)
            .sum();
        assert_eq!(sum_accounts, stored.len());
        // Each currency's totals are the sums of its accounts' figures.
        for c in currencies {
            let code = c["currency"].as_str().unwrap();
            let digits = if code == "JPY" { 0 } else { 2 };
            let debits: i64 = listed
                .iter()
                .filter(|a| a["currency"] == code)
                .map(|a| minor_of(&a["debits_posted"], digits))
                .sum();
            assert_eq!(minor_of(&c["debits_posted"], digits), debits, "{code}");
        }
        h.finish().await;
    }
}

fn a_first(list: &[Value], id: &str) -> Value {
    list.iter().find(|p| p["id"] == id).cloned().unwrap()
}

#[tokio::test]
async fn invalid_payouts_are_refused_and_store_nothing() {
    for h in hubs().await {
        let w = world(&h).await;
        delivered_parcel(&h, &w, &w.merchant.1, "SO-I1", "100.00").await;
        let before = books(&h).await;
        let good = json!({"source_currency": "CNY", "currency": "CNY", "amount": "10.00", "creditor": creditor("Kedai Batik")});
        let with = |path: &[&str], value: Value| {
            let mut body = good.clone();
            let mut target = &mut body;
            for key in &path[..path.len() - 1] {
                target = &mut target[*key];
            }
            target[path[path.len() - 1]] = value;
            body
        };
        let without = |path: &[&str]| {
            let mut body = good.clone();
            let mut target = &mut body;
            for key in &path[..path.len() - 1] {
                target = &mut target[*key];
            }
            target.as_object_mut().unwrap().remove(path[path.len() - 1]);
            body
        };
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                without(&["source_currency"]),
                "missing_field",
                "source_currency",
            ),
            (
                with(&["source_currency"], json!("XYZ")),
                "unknown_currency",
                "source_currency",
            ),
            (
                with(&["currency"], json!("cny")),
                "unknown_currency",
                "currency",
            ),
            (with(&["amount"], json!("12.345")), "too_precise", "amount"),
            (
                with(&["amount"], json!("-1.00")),
                "negative_amount",
                "amount",
            ),
            (with(&["amount"], json!("ten")), "invalid_amount", "amount"),
            (with(&["amount"], json!("0.00")), "invalid_amount", "amount"),
            (with(&["amount"], json!(10)), "invalid_type", "amount"),
            (without(&["creditor"]), "missing_field", "creditor"),
            (
                without(&["creditor", "name"]),
                "missing_field",
                "creditor.name",
            ),
            (
                with(&["creditor", "name"], json!("   ")),
                "blank_field",
                "creditor.name",
            ),
            (
                with(&["creditor", "name"], json!("x".repeat(141))),
                "too_long",
                "creditor.name",
            ),
            (
                with(&["creditor", "name"], json!("Kedai\u{7}Batik")),
                "invalid_characters",
                "creditor.name",
            ),
            (
                with(&["creditor", "account"], json!("DE89370400440532013001")),
                "invalid_iban",
                "creditor.account",
            ),
            (
                with(&["creditor", "account"], json!("1234#5678")),
                "invalid_account",
                "creditor.account",
            ),
            (
                with(&["creditor", "account"], json!("1".repeat(35))),
                "invalid_account",
                "creditor.account",
            ),
            (
                without(&["creditor", "account"]),
                "missing_field",
                "creditor.account",
            ),
            (
                with(&["creditor", "agent_bic"], json!("DEUTDE")),
                "invalid_bic",
                "creditor.agent_bic",
            ),
            (
                with(&["creditor", "agent_bic"], json!("deutdeff")),
                "invalid_bic",
                "creditor.agent_bic",
            ),
            (
                with(&["creditor", "agent_bic"], json!("DEUT1EFF")),
                "invalid_bic",
                "creditor.agent_bic",
            ),
            (
                with(&["creditor", "iban"], json!("x")),
                "unknown_field",
                "creditor.iban",
            ),
            (with(&["fee"], json!("1.00")), "unknown_field", "fee"),
        ];
        for (i, (body, code, field)) in cases.iter().enumerate() {
            let key = format!("bad-{i}");
            let a = h
                .call(
                    Method::POST,
                    "/v1/payouts",
                    Some(&w.merchant.1),
                    Some(body),
                    &[("Idempotency-Key", &key)],
                )
                .await;
            let problem = a.problem(422, code);
            assert_eq!(problem["field"], *field, "{body}");
            assert!(
                !problem.to_string().contains("DE89370400440532013001"),
                "the account number is not echoed"
            );
        }
        // Every problem of one request at once.
        let a = payout(&h, &w.merchant.1, &json!({"source_currency": "XYZ", "creditor": {"name": "", "account": "DE00", "agent_bic": "bad"}})).await;
        let errors = a.problem(422, "unknown_currency")["errors"]
            .as_array()
            .unwrap()
            .clone();
        let fields: Vec<&str> = errors
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["source_currency", "creditor.name", "creditor.agent_bic"],
            "{errors:?}"
        );
        // Spaces inside an IBAN are dropped and its letters put in capitals.
        let spaced = with(
            &["creditor", "account"],
            json!("de89 3704 0044 0532 0130 00"),
        );
        // Nothing was stored: no payout, no money moved, and the keys of refusals are free.
        assert_eq!(
            all_pages(&h, "/v1/payouts", &w.merchant.1, 50).await.len(),
            0
        );
        assert_eq!(books(&h).await, before);
        let a = h
            .call(
                Method::POST,
                "/v1/payouts",
                Some(&w.merchant.1),
                Some(&spaced),
                &[("Idempotency-Key", "bad-0")],
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.body["creditor"]["account"], "DE89370400440532013000");
        let other = with(&["creditor", "account"], json!("514-1234-5678"));
        let b = payout(&h, &w.merchant.1, &other).await;
        assert_eq!(b.status, 201, "{}", b.body);
        assert_eq!(b.body["creditor"]["account"], "514-1234-5678");
        h.finish().await;
    }
}

#[tokio::test]
async fn a_payout_replays_with_its_idempotency_key() {
    for h in hubs().await {
        let w = world(&h).await;
        let parcel = delivered_parcel(&h, &w, &w.merchant.1, "SO-K1", "100.00").await;
        set_rates(&h, &[("CNY", "MYR", "0.6543")]).await;
        let body = json!({"source_currency": "CNY", "amount": "40.00", "creditor": creditor("Kedai Batik")});
        let key = [("Idempotency-Key", "payout-2026-12-01")];
        let first = h
            .call(
                Method::POST,
                "/v1/payouts",
                Some(&w.merchant.1),
                Some(&body),
                &key,
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        let again = h
            .call(
                Method::POST,
                "/v1/payouts",
                Some(&w.merchant.1),
                Some(&body),
                &key,
            )
            .await;
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.body, first.body, "the first answer, word for word");
        let mut changed = body.clone();
        changed["amount"] = json!("41.00");
        h.call(
            Method::POST,
            "/v1/payouts",
            Some(&w.merchant.1),
            Some(&changed),
            &key,
        )
        .await
        .problem(422, "idempotency_key_reused");
        // Paid once.
        assert_eq!(
            all_pages(&h, "/v1/payouts", &w.merchant.1, 50).await.len(),
            1
        );
        let accounts = books(&h).await;
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        assert_eq!(payable.balance_posted(), parcel.share - 4_000);
        // The same key of another party is another key.
        let (_, other) = h.party("merchant", "Toko Lain").await;
        h.call(Method::POST, "/v1/payouts", Some(&other), Some(&body), &key)
            .await
            .problem(409, "insufficient_funds");
        h.finish().await;
    }
}

/// What one task of the concurrency test moved.
#[derive(Default)]
struct Tally {
    shares: i64,
    /// CNY paid out as CNY.
    out_cny: i64,
    /// CNY converted into MYR, and the MYR paid.
    out_fx: i64,
    in_myr: i64,
    payouts: usize,
}

/// Task `i`: two of three deliver a parcel, two of three pay out three times, racing the
/// deliveries for the same merchant account (a payout finds money, or is refused for lack of it).
async fn race(h: std::sync::Arc<TestHub>, w: std::sync::Arc<World>, i: usize) -> Tally {
    let mut tally = Tally::default();
    if i % 3 != 2 {
        let order_no = format!("SO-C{i}");
        let parcel = delivered_parcel(&h, &w, &w.merchant.1, &order_no, "100.00").await;
        tally.shares += parcel.share;
    }
    if i.is_multiple_of(3) {
        return tally;
    }
    for round in 0..3 {
        let converted = (i + round).is_multiple_of(2);
        let (currency, amount) = if converted {
            ("MYR", "7.77")
        } else {
            ("CNY", "5.00")
        };
        let body = json!({"source_currency": "CNY", "currency": currency, "amount": amount,
                          "creditor": creditor("Kedai Batik")});
        let a = payout(&h, &w.merchant.1, &body).await;
        match a.status {
            201 if converted => {
                assert_eq!(a.body["amount"], "5.08", "7.77 × 0.6543 = 5.083911");
                tally.out_fx += 777;
                tally.in_myr += 508;
                tally.payouts += 1;
            }
            201 => {
                tally.out_cny += 500;
                tally.payouts += 1;
            }
            _ => {
                a.problem(409, "insufficient_funds");
            }
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_parcels_and_payouts_keep_the_books_exact() {
    const TASKS: usize = 24;
    for h in hubs().await {
        let w = world(&h).await;
        set_rates(&h, &[("CNY", "MYR", "0.6543")]).await;
        let h = std::sync::Arc::new(h);
        let w = std::sync::Arc::new(w);
        let mut tasks = Vec::new();
        for i in 0..TASKS {
            let (h, w) = (h.clone(), w.clone());
            tasks.push(tokio::spawn(race(h, w, i)));
        }
        let mut all = Tally::default();
        for t in tasks {
            let tally = t.await.unwrap();
            all.shares += tally.shares;
            all.out_cny += tally.out_cny;
            all.out_fx += tally.out_fx;
            all.in_myr += tally.in_myr;
            all.payouts += tally.payouts;
        }
        let Tally {
            shares,
            out_cny,
            out_fx,
            in_myr,
            payouts: count,
        } = all;
        assert!(count > 0, "some payouts found money");
        let accounts = books(&h).await;
        let payable = find(&accounts, &w.merchant.0, "merchant_payable", "CNY").unwrap();
        let delivered = (0..TASKS).filter(|i| i % 3 != 2).count() as i64;
        assert_eq!(shares, delivered * share_of(10_000));
        assert_eq!(
            payable.balance_posted(),
            shares - out_cny - out_fx,
            "Σ shares − Σ payouts"
        );
        assert_eq!(payable.balance_pending(), 0);
        assert!(payable.available() >= 0);
        let escrow = find(&accounts, "hub", "escrow", "CNY").unwrap();
        assert_eq!(
            (escrow.balance_posted(), escrow.balance_pending()),
            (0, 0),
            "all delivered"
        );
        let fees = find(&accounts, "hub", "fees", "CNY").unwrap();
        assert_eq!(
            fees.balance_posted(),
            delivered * (10_000 - share_of(10_000))
        );
        if out_cny > 0 {
            assert_eq!(
                find(&accounts, "hub", "payouts", "CNY")
                    .unwrap()
                    .credits_posted,
                out_cny
            );
        }
        if out_fx > 0 {
            assert_eq!(
                find(&accounts, "hub", "fx", "CNY").unwrap().credits_posted,
                out_fx
            );
            assert_eq!(
                find(&accounts, "hub", "fx", "MYR").unwrap().debits_posted,
                in_myr
            );
            assert_eq!(
                find(&accounts, "hub", "payouts", "MYR")
                    .unwrap()
                    .credits_posted,
                in_myr
            );
        }
        assert_eq!(
            all_pages(&h, "/v1/payouts", &w.merchant.1, 200).await.len(),
            count
        );
        let tb = h.get("/v1/ledger/trial-balance", &h.operator_key).await;
        assert_eq!(tb.body["balanced"], true, "{}", tb.body);
        // The statement agrees with the books.
        let s = h.get("/v1/statement", &w.merchant.1).await;
        let cny = &s.body["accounts"][0];
        assert_eq!(cents(&cny["closing_balance"]), payable.balance_posted());
        assert_eq!(
            cny["movements"].as_array().unwrap().len(),
            delivered as usize + count,
            "one movement per delivery and per payout"
        );
        match std::sync::Arc::try_unwrap(h) {
            Ok(h) => h.finish().await,
            Err(_) => panic!("every task is done"),
        }
    }
}
