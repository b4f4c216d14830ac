//! Every result code reached on purpose, their precedence, the pending lifecycle, linked chains,
//! idempotency, change tracking and the caller's prefetch.

use ledger::{
    fx_conversion, referenced_ids, Account, AccountFlags, AccountKind, AccountResult, Changes,
    FxConversion, Ledger, PendingState, Transfer, TransferFlags, TransferResult,
};
use trade::{Currency, MAX_MINOR};

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn jpy() -> Currency {
    Currency::parse("JPY").unwrap()
}

const DEBITS_CAPPED: AccountFlags = AccountFlags {
    debits_must_not_exceed_credits: true,
    credits_must_not_exceed_debits: false,
};
const CREDITS_CAPPED: AccountFlags = AccountFlags {
    debits_must_not_exceed_credits: false,
    credits_must_not_exceed_debits: true,
};

/// Accounts: `bank` (USD asset), `buyer` and `merchant` (USD liabilities), `escrow` (USD
/// liability), `wallet` (USD, debits must not exceed credits), `limit` (USD, credits must not
/// exceed debits), `yen` and `yen_bank` (JPY).
fn ledger() -> Ledger {
    let mut ledger = Ledger::new();
    let accounts = [
        Account::new("bank", "hub", usd(), AccountKind::Asset, "bank"),
        Account::new("buyer", "b1", usd(), AccountKind::Liability, "wallet"),
        Account::new("merchant", "m1", usd(), AccountKind::Liability, "wallet"),
        Account::new("escrow", "hub", usd(), AccountKind::Liability, "escrow"),
        Account::new("wallet", "m2", usd(), AccountKind::Liability, "wallet")
            .with_flags(DEBITS_CAPPED),
        Account::new("limit", "hub", usd(), AccountKind::Asset, "limit").with_flags(CREDITS_CAPPED),
        Account::new("yen", "m3", jpy(), AccountKind::Liability, "wallet"),
        Account::new("yen_bank", "hub", jpy(), AccountKind::Asset, "bank"),
    ];
    let results = ledger.create_accounts(&accounts, 1);
    assert!(
        results.iter().all(|r| *r == AccountResult::Ok),
        "{results:?}"
    );
    ledger.take_changes();
    ledger
}

fn codes(results: &[TransferResult]) -> Vec<&'static str> {
    results.iter().map(|r| r.as_str()).collect()
}

fn apply(ledger: &mut Ledger, batch: &[Transfer], now_ms: i64) -> Vec<&'static str> {
    let results = ledger.create_transfers(batch, now_ms);
    assert_eq!(results.len(), batch.len());
    codes(&results)
}

fn one(ledger: &mut Ledger, transfer: Transfer, now_ms: i64) -> &'static str {
    apply(ledger, &[transfer], now_ms)[0]
}

/// (debits_pending, debits_posted, credits_pending, credits_posted)
fn figures(ledger: &Ledger, id: &str) -> (i64, i64, i64, i64) {
    let a = ledger.account(id).unwrap();
    (
        a.debits_pending,
        a.debits_posted,
        a.credits_pending,
        a.credits_posted,
    )
}

fn single(id: &str, debit: &str, credit: &str, amount: i64) -> Transfer {
    Transfer::single(id, debit, credit, amount, usd())
}

fn pending(id: &str, debit: &str, credit: &str, amount: i64) -> Transfer {
    Transfer::pending(id, debit, credit, amount, usd())
}

fn post(id: &str, pending_id: &str, amount: i64) -> Transfer {
    Transfer::post(id, pending_id, amount, usd())
}

fn void(id: &str, pending_id: &str) -> Transfer {
    Transfer::void(id, pending_id, usd())
}

fn mutated(transfer: &Transfer, edit: impl FnOnce(&mut Transfer)) -> Transfer {
    let mut copy = transfer.clone();
    edit(&mut copy);
    copy
}

/// A ledger where account `debit` has `debits_posted = figure` etc., loaded as-is (the only way to
/// reach the overflow codes with amounts capped at 10^15).
fn with_figures(id: &str, set: impl FnOnce(&mut Account)) -> Ledger {
    let mut ledger = ledger();
    let mut account = ledger.account(id).unwrap().clone();
    set(&mut account);
    ledger.insert_loaded_account(account);
    ledger
}

// ---- ok and the single-phase transfer ----

#[test]
fn ok_moves_the_amount_posted() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "buyer", 500), 10),
        "ok"
    );
    assert_eq!(figures(&ledger, "bank"), (0, 500, 0, 0));
    assert_eq!(figures(&ledger, "buyer"), (0, 0, 0, 500));
    assert_eq!(ledger.account("bank").unwrap().balance_posted(), 500);
    assert_eq!(ledger.account("buyer").unwrap().balance_posted(), 500);
    let stored = ledger.transfer("t1").unwrap();
    assert_eq!(stored.timestamp_ms, 10, "stamped by the ledger");
    assert_eq!(ledger.pending_state("t1"), None, "not a pending transfer");
    ledger.check_invariants().unwrap();
}

// ---- each field check ----

#[test]
fn id_must_not_be_empty() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("", "bank", "buyer", 1), 10),
        "id_must_not_be_empty"
    );
}

#[test]
fn flags_are_mutually_exclusive() {
    let mut ledger = ledger();
    for flags in [
        TransferFlags {
            pending: true,
            post_pending_transfer: true,
            ..TransferFlags::default()
        },
        TransferFlags {
            pending: true,
            void_pending_transfer: true,
            ..TransferFlags::default()
        },
        TransferFlags {
            post_pending_transfer: true,
            void_pending_transfer: true,
            ..TransferFlags::default()
        },
    ] {
        let t = Transfer {
            flags,
            ..single("t1", "bank", "buyer", 1)
        };
        assert_eq!(one(&mut ledger, t, 10), "flags_are_mutually_exclusive");
    }
}

#[test]
fn pending_id_must_be_empty_on_single_and_pending_transfers() {
    let mut ledger = ledger();
    let t = Transfer {
        pending_id: Some("p".into()),
        ..single("t1", "bank", "buyer", 1)
    };
    assert_eq!(one(&mut ledger, t, 10), "pending_id_must_be_empty");
    let t = Transfer {
        pending_id: Some(String::new()),
        ..pending("t1", "bank", "buyer", 1)
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "pending_id_must_be_empty",
        "Some(\"\") is still given"
    );
}

#[test]
fn pending_id_must_not_be_empty_on_post_and_void() {
    let mut ledger = ledger();
    let t = Transfer {
        pending_id: None,
        ..post("t1", "p", 0)
    };
    assert_eq!(one(&mut ledger, t, 10), "pending_id_must_not_be_empty");
    assert_eq!(
        one(&mut ledger, void("t1", ""), 10),
        "pending_id_must_not_be_empty"
    );
}

#[test]
fn pending_id_must_differ() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, post("t1", "t1", 0), 10),
        "pending_id_must_differ"
    );
}

#[test]
fn timeout_reserved_for_pending_transfer() {
    let mut ledger = ledger();
    let t = single("t1", "bank", "buyer", 1).with_timeout_ms(5);
    assert_eq!(
        one(&mut ledger, t, 10),
        "timeout_reserved_for_pending_transfer"
    );
    let t = void("t1", "p").with_timeout_ms(-5);
    assert_eq!(
        one(&mut ledger, t, 10),
        "timeout_reserved_for_pending_transfer"
    );
}

#[test]
fn timeout_must_not_be_negative() {
    let mut ledger = ledger();
    let t = pending("t1", "bank", "buyer", 1).with_timeout_ms(-1);
    assert_eq!(one(&mut ledger, t, 10), "timeout_must_not_be_negative");
}

#[test]
fn account_ids_must_not_be_empty() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "", "buyer", 1), 10),
        "debit_account_id_must_not_be_empty"
    );
    assert_eq!(
        one(&mut ledger, pending("t1", "bank", "", 1), 10),
        "credit_account_id_must_not_be_empty"
    );
}

#[test]
fn accounts_must_differ() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "bank", 1), 10),
        "accounts_must_differ"
    );
    let t = Transfer {
        debit_account_id: "bank".into(),
        credit_account_id: "bank".into(),
        ..post("t2", "p", 0)
    };
    assert_eq!(one(&mut ledger, t, 10), "accounts_must_differ");
}

#[test]
fn amount_checks() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "buyer", -1), 10),
        "amount_must_not_be_negative"
    );
    assert_eq!(
        one(&mut ledger, post("t1", "p", -1), 10),
        "amount_must_not_be_negative"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "buyer", 0), 10),
        "amount_must_not_be_zero"
    );
    assert_eq!(
        one(&mut ledger, pending("t1", "bank", "buyer", 0), 10),
        "amount_must_not_be_zero"
    );
    assert_eq!(
        one(
            &mut ledger,
            single("t1", "bank", "buyer", MAX_MINOR + 1),
            10
        ),
        "amount_too_large"
    );
    assert_eq!(
        one(&mut ledger, post("t1", "p", MAX_MINOR + 1), 10),
        "amount_too_large"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "buyer", MAX_MINOR), 10),
        "ok"
    );
}

// ---- look-ups ----

#[test]
fn accounts_must_be_found() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "nobody", "buyer", 1), 10),
        "debit_account_not_found"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "nobody", 1), 10),
        "credit_account_not_found"
    );
    // A post whose pending transfer's account is not loaded.
    let mut partial = Ledger::new();
    let hold = Transfer {
        timestamp_ms: 1,
        ..pending("p", "bank", "buyer", 5)
    };
    partial
        .insert_loaded_transfer(hold, Some(PendingState::Pending))
        .unwrap();
    assert_eq!(
        one(&mut partial, post("t1", "p", 0), 10),
        "debit_account_not_found"
    );
    partial.insert_loaded_account(ledger.account("bank").unwrap().clone());
    assert_eq!(
        one(&mut partial, post("t1", "p", 0), 10),
        "credit_account_not_found"
    );
}

#[test]
fn currency_mismatch() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "yen", 1), 10),
        "currency_mismatch"
    );
    let wrong = Transfer::single("t1", "bank", "buyer", 1, jpy());
    assert_eq!(one(&mut ledger, wrong, 10), "currency_mismatch");
    assert_eq!(
        one(
            &mut ledger,
            Transfer::single("t1", "yen_bank", "yen", 1, jpy()),
            10
        ),
        "ok"
    );
    assert_eq!(one(&mut ledger, pending("p", "bank", "buyer", 5), 10), "ok");
    assert_eq!(
        one(&mut ledger, Transfer::post("t2", "p", 0, jpy()), 10),
        "currency_mismatch"
    );
}

#[test]
fn pending_transfer_look_ups() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, post("t1", "missing", 0), 10),
        "pending_transfer_not_found"
    );
    assert_eq!(one(&mut ledger, single("s", "bank", "buyer", 5), 10), "ok");
    assert_eq!(
        one(&mut ledger, post("t1", "s", 0), 10),
        "pending_transfer_not_pending"
    );
    assert_eq!(one(&mut ledger, pending("p", "bank", "buyer", 5), 10), "ok");
    let t = Transfer {
        debit_account_id: "escrow".into(),
        ..post("t1", "p", 0)
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "pending_transfer_has_different_debit_account"
    );
    let t = Transfer {
        credit_account_id: "escrow".into(),
        ..void("t1", "p")
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "pending_transfer_has_different_credit_account"
    );
    let t = Transfer {
        debit_account_id: "bank".into(),
        credit_account_id: "buyer".into(),
        ..post("t1", "p", 0)
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "ok",
        "the pending transfer's own accounts may be given"
    );
}

#[test]
fn pending_amount_checks() {
    let mut ledger = ledger();
    assert_eq!(one(&mut ledger, pending("p", "bank", "buyer", 5), 10), "ok");
    assert_eq!(
        one(&mut ledger, post("t1", "p", 6), 10),
        "exceeds_pending_transfer_amount"
    );
    let t = Transfer {
        amount: 4,
        ..void("t1", "p")
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "pending_transfer_has_different_amount"
    );
    let t = Transfer {
        amount: 5,
        ..void("t1", "p")
    };
    assert_eq!(
        one(&mut ledger, t, 10),
        "ok",
        "a void may name the full amount"
    );
}

#[test]
fn pending_transfer_already_posted_or_voided() {
    let mut ledger = ledger();
    assert_eq!(
        apply(
            &mut ledger,
            &[
                pending("p1", "bank", "buyer", 5),
                pending("p2", "bank", "buyer", 5)
            ],
            10
        ),
        ["ok", "ok"]
    );
    assert_eq!(
        apply(&mut ledger, &[post("t1", "p1", 0), void("t2", "p2")], 10),
        ["ok", "ok"]
    );
    assert_eq!(
        one(&mut ledger, post("t3", "p1", 0), 10),
        "pending_transfer_already_posted"
    );
    assert_eq!(
        one(&mut ledger, void("t3", "p1"), 10),
        "pending_transfer_already_posted"
    );
    assert_eq!(
        one(&mut ledger, post("t3", "p2", 0), 10),
        "pending_transfer_already_voided"
    );
    assert_eq!(
        one(&mut ledger, void("t3", "p2"), 10),
        "pending_transfer_already_voided"
    );
}

#[test]
fn exceeds_credits_and_debits() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, single("t1", "wallet", "merchant", 1), 10),
        "exceeds_credits"
    );
    assert_eq!(
        one(&mut ledger, pending("t1", "wallet", "merchant", 1), 10),
        "exceeds_credits",
        "pending debits count"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "merchant", "limit", 1), 10),
        "exceeds_debits"
    );
    assert_eq!(
        one(&mut ledger, pending("t1", "merchant", "limit", 1), 10),
        "exceeds_debits",
        "pending credits count"
    );
    // Funded: up to the credits posted, pending included.
    assert_eq!(
        one(&mut ledger, single("f1", "bank", "wallet", 100), 10),
        "ok"
    );
    assert_eq!(
        one(&mut ledger, pending("h1", "wallet", "merchant", 60), 10),
        "ok"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "wallet", "merchant", 41), 10),
        "exceeds_credits"
    );
    assert_eq!(
        one(&mut ledger, single("t1", "wallet", "merchant", 40), 10),
        "ok"
    );
    // Pending credits do not fund: only credits posted do.
    assert_eq!(
        one(&mut ledger, pending("h2", "bank", "wallet", 1000), 10),
        "ok"
    );
    assert_eq!(
        one(&mut ledger, single("t2", "wallet", "merchant", 1), 10),
        "exceeds_credits"
    );
    assert_eq!(
        one(&mut ledger, single("d1", "limit", "bank", 30), 10),
        "ok"
    );
    assert_eq!(
        one(&mut ledger, single("t3", "merchant", "limit", 30), 10),
        "ok"
    );
    assert_eq!(
        one(&mut ledger, single("t4", "merchant", "limit", 1), 10),
        "exceeds_debits"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn overflow_codes() {
    let near = i64::MAX;
    let mut l = with_figures("bank", |a| a.debits_pending = near);
    assert_eq!(
        one(&mut l, pending("t1", "bank", "buyer", 1), 10),
        "overflows_debits_pending"
    );
    let mut l = with_figures("buyer", |a| a.credits_pending = near);
    assert_eq!(
        one(&mut l, pending("t1", "bank", "buyer", 1), 10),
        "overflows_credits_pending"
    );
    let mut l = with_figures("bank", |a| a.debits_posted = near);
    assert_eq!(
        one(&mut l, single("t1", "bank", "buyer", 1), 10),
        "overflows_debits_posted"
    );
    let mut l = with_figures("buyer", |a| a.credits_posted = near);
    assert_eq!(
        one(&mut l, single("t1", "bank", "buyer", 1), 10),
        "overflows_credits_posted"
    );
    let mut l = with_figures("bank", |a| {
        a.debits_posted = near - 10;
        a.debits_pending = 10;
    });
    assert_eq!(
        one(&mut l, single("t1", "bank", "buyer", 1), 10),
        "overflows_debits"
    );
    let mut l = with_figures("buyer", |a| {
        a.credits_posted = 10;
        a.credits_pending = near - 10;
    });
    assert_eq!(
        one(&mut l, pending("t1", "bank", "buyer", 1), 10),
        "overflows_credits"
    );
    let mut l = ledger();
    let t = pending("t1", "bank", "buyer", 1).with_timeout_ms(near - 5);
    assert_eq!(one(&mut l, t, 10), "overflows_timeout");
    // A post adds to the posted figures.
    let mut l = ledger();
    assert_eq!(one(&mut l, pending("p", "bank", "buyer", 5), 10), "ok");
    let mut bank = l.account("bank").unwrap().clone();
    bank.debits_posted = near - 2;
    l.insert_loaded_account(bank);
    assert_eq!(
        one(&mut l, post("t1", "p", 3), 10),
        "overflows_debits_posted"
    );
    assert_eq!(one(&mut l, post("t1", "p", 2), 10), "ok");
}

// ---- precedence: when a transfer has two problems, the earlier code wins ----

#[test]
fn precedence_of_field_checks() {
    let mut ledger = ledger();
    let both_modes = TransferFlags {
        pending: true,
        post_pending_transfer: true,
        ..TransferFlags::default()
    };
    let cases: Vec<(Transfer, &str)> = vec![
        (
            Transfer {
                flags: both_modes,
                ..single("", "bank", "buyer", 1)
            },
            "id_must_not_be_empty",
        ),
        (
            Transfer {
                flags: both_modes,
                pending_id: None,
                ..single("t1", "bank", "buyer", 1)
            },
            "flags_are_mutually_exclusive",
        ),
        (
            Transfer {
                pending_id: Some("p".into()),
                ..single("t1", "bank", "buyer", 1).with_timeout_ms(5)
            },
            "pending_id_must_be_empty",
        ),
        (
            Transfer {
                pending_id: None,
                ..post("t1", "p", 0).with_timeout_ms(5)
            },
            "pending_id_must_not_be_empty",
        ),
        (
            post("t1", "t1", -1).with_timeout_ms(5),
            "pending_id_must_differ",
        ),
        (
            single("t1", "", "", 0).with_timeout_ms(5),
            "timeout_reserved_for_pending_transfer",
        ),
        (
            pending("t1", "", "", 0).with_timeout_ms(-5),
            "timeout_must_not_be_negative",
        ),
        (
            single("t1", "", "", 0),
            "debit_account_id_must_not_be_empty",
        ),
        (
            single("t1", "bank", "", -1),
            "credit_account_id_must_not_be_empty",
        ),
        (single("t1", "bank", "bank", -1), "accounts_must_differ"),
        (
            single("t1", "nobody", "buyer", -1),
            "amount_must_not_be_negative",
        ),
        (
            single("t1", "nobody", "buyer", 0),
            "amount_must_not_be_zero",
        ),
        (
            single("t1", "nobody", "buyer", MAX_MINOR + 1),
            "amount_too_large",
        ),
    ];
    for (transfer, expected) in cases {
        assert_eq!(
            one(&mut ledger, transfer.clone(), 10),
            expected,
            "{transfer:?}"
        );
    }
}

#[test]
fn precedence_of_existence_and_look_ups() {
    let mut ledger = ledger();
    assert_eq!(
        apply(
            &mut ledger,
            &[
                single("s", "bank", "buyer", 5),
                pending("p", "bank", "buyer", 5),
                pending("q", "bank", "buyer", 5).with_timeout_ms(100)
            ],
            10
        ),
        ["ok", "ok", "ok"]
    );
    assert_eq!(apply(&mut ledger, &[post("done", "p", 0)], 10), ["ok"]);
    let cases: Vec<(Transfer, &str)> = vec![
        // Field checks come before existence.
        (
            single("s", "bank", "buyer", -1),
            "amount_must_not_be_negative",
        ),
        (single("s", "bank", "buyer", 0), "amount_must_not_be_zero"),
        (
            single("s", "bank", "buyer", MAX_MINOR + 1),
            "amount_too_large",
        ),
        // Existence comes before every look-up.
        (
            single("s", "nobody", "buyer", 5),
            "exists_with_different_fields",
        ),
        (
            single("s", "bank", "yen", 5),
            "exists_with_different_fields",
        ),
        (post("done", "p", 0), "exists"),
        (post("done", "missing", 0), "exists_with_different_fields"),
        // Then the pending transfer, then accounts, then currency.
        (
            Transfer {
                debit_account_id: "nobody".into(),
                ..post("t1", "missing", 0)
            },
            "pending_transfer_not_found",
        ),
        (
            Transfer {
                debit_account_id: "escrow".into(),
                ..post("t1", "s", 0)
            },
            "pending_transfer_not_pending",
        ),
        (
            Transfer {
                debit_account_id: "escrow".into(),
                credit_account_id: "wallet".into(),
                ..post("t1", "q", 0)
            },
            "pending_transfer_has_different_debit_account",
        ),
        (
            Transfer {
                credit_account_id: "escrow".into(),
                ..Transfer::post("t1", "q", 0, jpy())
            },
            "pending_transfer_has_different_credit_account",
        ),
        (
            single("t1", "nobody", "nobody_else", 1),
            "debit_account_not_found",
        ),
        (
            Transfer::single("t1", "bank", "nobody", 1, jpy()),
            "credit_account_not_found",
        ),
        (
            Transfer::single("t1", "wallet", "yen", 1, usd()),
            "currency_mismatch",
        ),
        (Transfer::post("t1", "q", 6, jpy()), "currency_mismatch"),
        // Then amounts against the pending transfer, then its state.
        (post("t1", "p", 6), "exceeds_pending_transfer_amount"),
        (
            Transfer {
                amount: 4,
                ..void("t1", "p")
            },
            "pending_transfer_has_different_amount",
        ),
    ];
    for (transfer, expected) in cases {
        assert_eq!(
            one(&mut ledger, transfer.clone(), 10),
            expected,
            "{transfer:?}"
        );
    }
    // Already posted wins over expired: q posted, then its time passes.
    assert_eq!(one(&mut ledger, post("t2", "q", 0), 10), "ok");
    assert_eq!(
        one(&mut ledger, void("t3", "q"), 500),
        "pending_transfer_already_posted"
    );
}

#[test]
fn precedence_of_overflow_and_balance_flags() {
    // An overflow wins over a balance flag.
    let mut l = with_figures("wallet", |a| a.debits_posted = i64::MAX);
    assert_eq!(
        one(&mut l, single("t1", "wallet", "merchant", 1), 10),
        "overflows_debits_posted"
    );
    // overflows_timeout wins over exceeds_credits.
    let mut l = ledger();
    let t = pending("t1", "wallet", "merchant", 1).with_timeout_ms(i64::MAX);
    assert_eq!(one(&mut l, t, 10), "overflows_timeout");
    // exceeds_credits (debit side) wins over exceeds_debits (credit side).
    assert_eq!(
        one(&mut l, single("t1", "wallet", "limit", 1), 10),
        "exceeds_credits"
    );
    // Currency before the flags.
    assert_eq!(
        one(
            &mut l,
            Transfer::single("t1", "wallet", "merchant", 1, jpy()),
            10
        ),
        "currency_mismatch"
    );
}

// ---- the pending lifecycle ----

#[test]
fn post_with_amount_zero_posts_the_full_amount() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, pending("p", "buyer", "escrow", 700), 10),
        "ok"
    );
    assert_eq!(figures(&ledger, "buyer"), (700, 0, 0, 0));
    assert_eq!(figures(&ledger, "escrow"), (0, 0, 700, 0));
    assert_eq!(ledger.account("buyer").unwrap().available(), -700);
    assert_eq!(one(&mut ledger, post("c", "p", 0), 20), "ok");
    assert_eq!(figures(&ledger, "buyer"), (0, 700, 0, 0));
    assert_eq!(figures(&ledger, "escrow"), (0, 0, 0, 700));
    assert_eq!(
        ledger.pending_state("p"),
        Some(PendingState::Posted { amount: 700 })
    );
    let stored = ledger.transfer("c").unwrap();
    assert_eq!(
        (
            stored.amount,
            stored.debit_account_id.as_str(),
            stored.credit_account_id.as_str()
        ),
        (700, "buyer", "escrow")
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn post_with_the_full_amount_named() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, pending("p", "buyer", "escrow", 700), 10),
        "ok"
    );
    assert_eq!(one(&mut ledger, post("c", "p", 700), 20), "ok");
    assert_eq!(figures(&ledger, "buyer"), (0, 700, 0, 0));
    assert_eq!(
        ledger.pending_state("p"),
        Some(PendingState::Posted { amount: 700 })
    );
}

#[test]
fn partial_post_releases_the_rest() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, pending("p", "buyer", "escrow", 700), 10),
        "ok"
    );
    assert_eq!(one(&mut ledger, post("c", "p", 250), 20), "ok");
    assert_eq!(figures(&ledger, "buyer"), (0, 250, 0, 0));
    assert_eq!(figures(&ledger, "escrow"), (0, 0, 0, 250));
    assert_eq!(
        ledger.pending_state("p"),
        Some(PendingState::Posted { amount: 250 })
    );
    assert_eq!(
        one(&mut ledger, post("c2", "p", 1), 20),
        "pending_transfer_already_posted",
        "one post only"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn void_releases_everything() {
    let mut ledger = ledger();
    assert_eq!(
        one(&mut ledger, pending("p", "buyer", "escrow", 700), 10),
        "ok"
    );
    assert_eq!(one(&mut ledger, void("v", "p"), 20), "ok");
    assert_eq!(figures(&ledger, "buyer"), (0, 0, 0, 0));
    assert_eq!(figures(&ledger, "escrow"), (0, 0, 0, 0));
    assert_eq!(ledger.pending_state("p"), Some(PendingState::Voided));
    assert_eq!(
        ledger.transfer("v").unwrap().amount,
        700,
        "stored with the amount released"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn expiry_by_sweep() {
    let mut ledger = ledger();
    let batch = [
        pending("p1", "buyer", "escrow", 100).with_timeout_ms(1000),
        pending("p2", "buyer", "escrow", 200).with_timeout_ms(500),
        pending("p3", "buyer", "escrow", 300),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["ok", "ok", "ok"]);
    ledger.take_changes();
    assert!(ledger.expire_due(509).is_empty(), "not yet");
    assert_eq!(ledger.expire_due(510), ["p2"], "due at timestamp + timeout");
    assert_eq!(figures(&ledger, "buyer"), (400, 0, 0, 0));
    assert_eq!(ledger.expire_due(1_000_000), ["p1"], "p3 has no timeout");
    assert_eq!(figures(&ledger, "buyer"), (300, 0, 0, 0));
    assert_eq!(ledger.pending_state("p1"), Some(PendingState::Expired));
    assert_eq!(ledger.pending_state("p3"), Some(PendingState::Pending));
    assert!(ledger.expire_due(i64::MAX).is_empty());
    let changes = ledger.take_changes();
    assert_eq!(
        changes.pending_updates,
        [
            ("p2".to_string(), PendingState::Expired),
            ("p1".to_string(), PendingState::Expired)
        ]
    );
    assert_eq!(changes.accounts.len(), 2);
    assert!(changes.transfers.is_empty());
    ledger.check_invariants().unwrap();
}

#[test]
fn expiry_by_late_post_or_void() {
    let mut ledger = ledger();
    let batch = [
        pending("p1", "buyer", "escrow", 100).with_timeout_ms(100),
        pending("p2", "buyer", "escrow", 200).with_timeout_ms(100),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["ok", "ok"]);
    assert_eq!(
        one(&mut ledger, post("c1", "p1", 0), 109),
        "ok",
        "one ms before"
    );
    assert_eq!(
        one(&mut ledger, void("v2", "p2"), 110),
        "pending_transfer_expired"
    );
    assert_eq!(
        ledger.pending_state("p2"),
        Some(PendingState::Expired),
        "and it is expired"
    );
    assert_eq!(figures(&ledger, "buyer"), (0, 100, 0, 0));
    assert_eq!(
        one(&mut ledger, post("c2", "p2", 0), 110),
        "pending_transfer_expired",
        "for good"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn an_expiry_stands_when_the_chain_that_met_it_fails() {
    let mut ledger = ledger();
    assert_eq!(
        one(
            &mut ledger,
            pending("p", "buyer", "escrow", 100).with_timeout_ms(100),
            10
        ),
        "ok"
    );
    ledger.take_changes();
    let batch = [single("t1", "bank", "buyer", 5).linked(), post("c", "p", 0)];
    assert_eq!(
        apply(&mut ledger, &batch, 500),
        ["linked_event_failed", "pending_transfer_expired"]
    );
    assert_eq!(ledger.pending_state("p"), Some(PendingState::Expired));
    assert_eq!(figures(&ledger, "buyer"), (0, 0, 0, 0));
    let changes = ledger.take_changes();
    assert_eq!(
        changes.pending_updates,
        [("p".to_string(), PendingState::Expired)]
    );
    assert!(changes.transfers.is_empty());
}

// ---- linked chains ----

#[test]
fn a_linked_chain_commits_together() {
    let mut ledger = ledger();
    let batch = [
        single("t1", "bank", "buyer", 500).linked(),
        pending("t2", "buyer", "escrow", 500).linked(),
        post("t3", "t2", 0),
        single("t4", "bank", "merchant", 1),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["ok", "ok", "ok", "ok"]);
    assert_eq!(figures(&ledger, "escrow"), (0, 0, 0, 500));
    ledger.check_invariants().unwrap();
}

#[test]
fn a_failure_in_the_middle_undoes_the_whole_chain() {
    let mut ledger = ledger();
    assert_eq!(
        one(
            &mut ledger,
            pending("p", "buyer", "escrow", 300).with_timeout_ms(1000),
            10
        ),
        "ok"
    );
    ledger.take_changes();
    let before: Vec<Account> = ledger.accounts().cloned().collect();
    let batch = [
        single("before", "bank", "merchant", 1),
        single("t1", "bank", "buyer", 500).linked(),
        post("t2", "p", 0).linked(),
        single("t3", "wallet", "merchant", 1).linked(), // exceeds_credits
        single("t4", "bank", "merchant", 9),
        single("after", "bank", "merchant", 2),
    ];
    assert_eq!(
        apply(&mut ledger, &batch, 20),
        [
            "ok",
            "linked_event_failed",
            "linked_event_failed",
            "exceeds_credits",
            "linked_event_failed",
            "ok"
        ]
    );
    for account in &before {
        let now = ledger.account(&account.id).unwrap();
        if account.id == "bank" || account.id == "merchant" {
            continue;
        }
        assert_eq!(now, account, "untouched by the failed chain");
    }
    assert_eq!(
        figures(&ledger, "bank"),
        (0, 3, 0, 0),
        "only the transfers outside the chain"
    );
    assert_eq!(figures(&ledger, "merchant"), (0, 0, 0, 3));
    assert_eq!(
        ledger.pending_state("p"),
        Some(PendingState::Pending),
        "the post was undone"
    );
    for id in ["t1", "t2", "t3", "t4"] {
        assert!(ledger.transfer(id).is_none(), "{id} not stored");
    }
    let changes = ledger.take_changes();
    let created: Vec<&str> = changes.transfers.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(created, ["before", "after"]);
    assert!(changes.pending_updates.is_empty());
    let changed: Vec<&str> = changes.accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(changed, ["bank", "merchant"]);
    // The pending transfer still works, and expires on time: its expiry was not lost.
    assert_eq!(ledger.expire_due(1010), ["p"]);
    // Ids of the failed chain are free.
    assert_eq!(
        one(&mut ledger, single("t1", "bank", "buyer", 1), 2000),
        "ok"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn a_pending_created_and_posted_in_a_failed_chain_leaves_nothing() {
    let mut ledger = ledger();
    let batch = [
        pending("p", "buyer", "escrow", 300)
            .with_timeout_ms(50)
            .linked(),
        post("c", "p", 100).linked(),
        single("bad", "bank", "nobody", 1),
    ];
    assert_eq!(
        apply(&mut ledger, &batch, 10),
        [
            "linked_event_failed",
            "linked_event_failed",
            "credit_account_not_found"
        ]
    );
    assert!(ledger.transfer("p").is_none());
    assert_eq!(ledger.pending_state("p"), None);
    assert!(ledger.expire_due(1000).is_empty(), "no expiry left behind");
    assert!(ledger.take_changes().is_empty());
    ledger.check_invariants().unwrap();
}

#[test]
fn a_chain_left_open_fails_entirely() {
    let mut ledger = ledger();
    let batch = [
        single("t1", "bank", "buyer", 1),
        single("t2", "bank", "buyer", 1).linked(),
        single("t3", "", "buyer", 1).linked(),
    ];
    assert_eq!(
        apply(&mut ledger, &batch, 10),
        ["ok", "linked_event_chain_open", "linked_event_chain_open"]
    );
    assert_eq!(figures(&ledger, "bank"), (0, 1, 0, 0));
    assert!(ledger.transfer("t2").is_none());
}

#[test]
fn a_failure_at_the_head_of_a_chain() {
    let mut ledger = ledger();
    let batch = [
        single("t1", "bank", "bank", 1).linked(),
        single("t2", "bank", "buyer", 1),
    ];
    assert_eq!(
        apply(&mut ledger, &batch, 10),
        ["accounts_must_differ", "linked_event_failed"]
    );
    assert!(ledger.take_changes().is_empty());
}

// ---- idempotency ----

#[test]
fn replays_across_batches() {
    let mut ledger = ledger();
    let original = single("t1", "bank", "buyer", 500)
        .with_code("deposit")
        .with_user_ref("ord_1");
    assert_eq!(one(&mut ledger, original.clone(), 10), "ok");
    ledger.take_changes();
    assert_eq!(
        one(&mut ledger, original.clone(), 99),
        "exists",
        "timestamp aside"
    );
    for changed in [
        mutated(&original, |t| t.amount = 501),
        mutated(&original, |t| t.code = "other".into()),
        mutated(&original, |t| t.user_ref = "ord_2".into()),
        mutated(&original, |t| t.credit_account_id = "merchant".into()),
        mutated(&original, |t| t.currency = jpy()),
        mutated(&original, |t| t.flags = TransferFlags::pending()),
        mutated(&original, |t| {
            t.fx = Some(ledger::FxNote {
                base: usd(),
                quote: jpy(),
                rate: "1".into(),
                source: "s".into(),
            })
        }),
    ] {
        let mut attempt = ledger.clone();
        assert_eq!(
            one(&mut attempt, changed.clone(), 99),
            "exists_with_different_fields",
            "{changed:?}"
        );
        assert!(attempt.take_changes().is_empty());
    }
    // A different linked flag differs too, and fails its chain.
    let batch = [original.clone().linked(), single("x", "bank", "buyer", 1)];
    assert_eq!(
        apply(&mut ledger, &batch, 99),
        ["exists_with_different_fields", "linked_event_failed"]
    );
    assert_eq!(figures(&ledger, "bank"), (0, 500, 0, 0));
    assert!(ledger.take_changes().is_empty());
}

#[test]
fn replays_within_one_batch() {
    let mut ledger = ledger();
    let t = single("t1", "bank", "buyer", 5);
    let batch = [t.clone(), t.clone(), mutated(&t, |t| t.amount = 6)];
    assert_eq!(
        apply(&mut ledger, &batch, 10),
        ["ok", "exists", "exists_with_different_fields"]
    );
    assert_eq!(figures(&ledger, "bank"), (0, 5, 0, 0));
    // A failed transfer is not stored: the same id may succeed later in the batch.
    let batch = [
        single("t2", "wallet", "merchant", 5),
        single("t2", "bank", "merchant", 5),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["exceeds_credits", "ok"]);
    // A duplicate inside a chain answers exists, which does not fail the chain.
    let t3 = single("t3", "bank", "buyer", 1).linked();
    let batch = [
        t.clone(),
        t3.clone(),
        t3.clone(),
        single("t4", "bank", "buyer", 1),
    ];
    assert_eq!(
        apply(&mut ledger, &batch, 10),
        ["exists", "ok", "exists", "ok"]
    );
    assert_eq!(figures(&ledger, "bank"), (0, 5 + 5 + 1 + 1, 0, 0));
}

#[test]
fn replaying_a_whole_chain_answers_exists_for_each() {
    let mut ledger = ledger();
    let chain = [
        single("t1", "bank", "buyer", 500).linked(),
        pending("t2", "buyer", "escrow", 500).linked(),
        post("t3", "t2", 0),
    ];
    assert_eq!(apply(&mut ledger, &chain, 10), ["ok", "ok", "ok"]);
    ledger.take_changes();
    assert_eq!(
        apply(&mut ledger, &chain, 20),
        ["exists", "exists", "exists"]
    );
    assert!(ledger.take_changes().is_empty(), "nothing changes");
}

#[test]
fn replays_of_posts_and_voids_compare_as_stored() {
    let mut ledger = ledger();
    let batch = [
        pending("p1", "buyer", "escrow", 700),
        pending("p2", "buyer", "escrow", 300),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["ok", "ok"]);
    assert_eq!(
        apply(&mut ledger, &[post("c1", "p1", 0), void("v2", "p2")], 20),
        ["ok", "ok"]
    );
    // The same requests, and the same requests written out in full.
    assert_eq!(
        apply(&mut ledger, &[post("c1", "p1", 0), void("v2", "p2")], 30),
        ["exists", "exists"]
    );
    let full_post = Transfer {
        debit_account_id: "buyer".into(),
        credit_account_id: "escrow".into(),
        ..post("c1", "p1", 700)
    };
    let full_void = Transfer {
        debit_account_id: "buyer".into(),
        amount: 300,
        ..void("v2", "p2")
    };
    assert_eq!(
        apply(&mut ledger, &[full_post, full_void], 30),
        ["exists", "exists"]
    );
    assert_eq!(
        one(&mut ledger, post("c1", "p1", 699), 30),
        "exists_with_different_fields"
    );
    // A partial post replayed with amount 0 asks for more than was posted.
    assert_eq!(
        one(&mut ledger, pending("p3", "buyer", "escrow", 50), 30),
        "ok"
    );
    assert_eq!(one(&mut ledger, post("c3", "p3", 20), 30), "ok");
    assert_eq!(
        one(&mut ledger, post("c3", "p3", 0), 30),
        "exists_with_different_fields"
    );
    assert_eq!(one(&mut ledger, post("c3", "p3", 20), 30), "exists");
}

// ---- accounts ----

#[test]
fn account_result_codes() {
    let mut ledger = ledger();
    let fresh = Account::new("new", "m9", usd(), AccountKind::Liability, "wallet");
    let mut funded = fresh.clone();
    funded.id = "funded".into();
    funded.credits_posted = 1;
    let both = AccountFlags {
        debits_must_not_exceed_credits: true,
        credits_must_not_exceed_debits: true,
    };
    let batch = [
        fresh.clone(),
        fresh.clone(),
        Account {
            code: "escrow".into(),
            ..fresh.clone()
        },
        Account {
            id: String::new(),
            ..fresh.clone()
        },
        Account {
            id: "both".into(),
            ..fresh.clone().with_flags(both)
        },
        funded,
        Account {
            id: String::new(),
            ..fresh.clone().with_flags(both)
        },
        Account {
            id: "both2".into(),
            credits_posted: 5,
            ..fresh.clone().with_flags(both)
        },
        Account::new("bank", "hub", usd(), AccountKind::Asset, "bank"),
        Account::new("bank", "hub", jpy(), AccountKind::Asset, "bank"),
    ];
    let results: Vec<&str> = ledger
        .create_accounts(&batch, 77)
        .iter()
        .map(|r| r.as_str())
        .collect();
    assert_eq!(
        results,
        [
            "ok",
            "exists",
            "exists_with_different_fields",
            "id_must_not_be_empty",
            "flags_are_mutually_exclusive",
            "balances_must_be_zero",
            "id_must_not_be_empty",
            "flags_are_mutually_exclusive",
            "exists",
            "exists_with_different_fields",
        ]
    );
    assert_eq!(ledger.account("new").unwrap().created_at_ms, 77);
    let changes = ledger.take_changes();
    assert_eq!(changes.new_accounts, ["new"]);
    assert_eq!(changes.accounts.len(), 1);
}

// ---- change tracking and prefetch ----

#[test]
fn changes_report_final_states_in_order() {
    let mut ledger = ledger();
    let batch = [
        single("t1", "bank", "buyer", 500),
        pending("p1", "buyer", "escrow", 200).with_timeout_ms(100),
        post("c1", "p1", 150),
        pending("p2", "buyer", "escrow", 100),
    ];
    assert_eq!(apply(&mut ledger, &batch, 10), ["ok", "ok", "ok", "ok"]);
    let Changes {
        accounts,
        new_accounts,
        transfers,
        pending_updates,
    } = ledger.take_changes();
    assert!(new_accounts.is_empty());
    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["bank", "buyer", "escrow"]);
    assert_eq!(
        (
            accounts[1].debits_pending,
            accounts[1].debits_posted,
            accounts[1].credits_posted
        ),
        (100, 150, 500)
    );
    let ids: Vec<&str> = transfers.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["t1", "p1", "c1", "p2"]);
    assert!(transfers.iter().all(|t| t.timestamp_ms == 10));
    assert_eq!(
        pending_updates,
        [("p1".to_string(), PendingState::Posted { amount: 150 })]
    );
    assert!(ledger.take_changes().is_empty(), "a new window");
}

#[test]
fn prefetch_in_two_rounds() {
    // Storage: the whole ledger after some history.
    let mut storage = ledger();
    assert_eq!(
        apply(
            &mut storage,
            &[
                pending("p1", "buyer", "escrow", 200),
                single("s1", "bank", "buyer", 9)
            ],
            10
        ),
        ["ok", "ok"]
    );

    let batch = [
        post("c1", "p1", 0),
        single("s1", "bank", "buyer", 9),
        single("t2", "bank", "merchant", 3),
    ];
    let (account_ids, transfer_ids) = referenced_ids(&batch);
    assert_eq!(account_ids, ["bank", "buyer", "merchant"]);
    assert_eq!(transfer_ids, ["c1", "p1", "s1", "t2"]);

    let mut working = Ledger::new();
    for id in &account_ids {
        working.insert_loaded_account(storage.account(id).unwrap().clone());
    }
    for id in &transfer_ids {
        if let Some(transfer) = storage.transfer(id) {
            working
                .insert_loaded_transfer(transfer.clone(), storage.pending_state(id))
                .unwrap();
        }
    }
    assert_eq!(
        working.missing_account_ids(&batch),
        ["escrow"],
        "the pending transfer's credit account"
    );
    working.insert_loaded_account(storage.account("escrow").unwrap().clone());
    assert!(working.missing_account_ids(&batch).is_empty());

    assert_eq!(apply(&mut working, &batch, 20), ["ok", "exists", "ok"]);
    let changes = working.take_changes();
    assert_eq!(changes.transfers.len(), 2);
    assert_eq!(
        changes.pending_updates,
        [("p1".to_string(), PendingState::Posted { amount: 200 })]
    );
    // The same batch on the whole ledger gives the same answers and the same figures.
    assert_eq!(apply(&mut storage, &batch, 20), ["ok", "exists", "ok"]);
    for account in &changes.accounts {
        assert_eq!(Some(account), storage.account(&account.id));
    }
}

#[test]
fn loading_checks_the_pending_state_fits() {
    let mut ledger = Ledger::new();
    assert!(ledger
        .insert_loaded_transfer(pending("p", "a", "b", 1), None)
        .is_err());
    assert!(ledger
        .insert_loaded_transfer(single("s", "a", "b", 1), Some(PendingState::Pending))
        .is_err());
    assert!(ledger
        .insert_loaded_transfer(single("s", "a", "b", 1), None)
        .is_ok());
}

#[test]
fn a_due_pending_whose_accounts_are_not_loaded_waits() {
    let storage = ledger();
    let mut working = Ledger::new();
    let hold = Transfer {
        timestamp_ms: 10,
        ..pending("p", "buyer", "escrow", 5).with_timeout_ms(10)
    };
    working
        .insert_loaded_transfer(hold, Some(PendingState::Pending))
        .unwrap();
    assert!(working.expire_due(100).is_empty());
    assert_eq!(working.pending_state("p"), Some(PendingState::Pending));
    let mut buyer = storage.account("buyer").unwrap().clone();
    buyer.debits_pending = 5;
    let mut escrow = storage.account("escrow").unwrap().clone();
    escrow.credits_pending = 5;
    working.insert_loaded_account(buyer);
    working.insert_loaded_account(escrow);
    assert_eq!(working.expire_due(100), ["p"]);
    assert_eq!(working.account("buyer").unwrap().debits_pending, 0);
}

// ---- FX legs in the ledger ----

fn conversion(payee: &str) -> FxConversion {
    FxConversion {
        first_leg_id: "fx1".into(),
        second_leg_id: "fx2".into(),
        payer_account_id: "buyer".into(),
        fx_source_account_id: "fx_usd".into(),
        fx_target_account_id: "fx_jpy".into(),
        payee_account_id: payee.into(),
        source_currency: usd(),
        target_currency: jpy(),
        source_amount: 1_005, // 10.05 USD
        rate: "150.25".into(),
        rate_source: "sheet-1".into(),
        code: "fx".into(),
        user_ref: "pay_1".into(),
    }
}

fn fx_ledger() -> Ledger {
    let mut ledger = ledger();
    let accounts = [
        Account::new("fx_usd", "hub", usd(), AccountKind::Asset, "fx"),
        Account::new("fx_jpy", "hub", jpy(), AccountKind::Asset, "fx"),
    ];
    ledger.create_accounts(&accounts, 1);
    assert_eq!(
        one(&mut ledger, single("fund", "bank", "buyer", 5_000), 5),
        "ok"
    );
    ledger.take_changes();
    ledger
}

#[test]
fn fx_legs_move_both_currencies() {
    let mut ledger = fx_ledger();
    let legs = fx_conversion(&conversion("yen")).unwrap();
    assert_eq!(apply(&mut ledger, &legs, 10), ["ok", "ok"]);
    // 10.05 × 150.25 = 1510.0125 JPY → 1510.
    assert_eq!(figures(&ledger, "yen"), (0, 0, 0, 1510));
    assert_eq!(figures(&ledger, "fx_usd"), (0, 0, 0, 1_005));
    assert_eq!(figures(&ledger, "fx_jpy"), (0, 1510, 0, 0));
    assert_eq!(
        ledger.transfer("fx2").unwrap().fx.as_ref().unwrap().rate,
        "150.25"
    );
    ledger.check_invariants().unwrap();
}

#[test]
fn fx_legs_fail_together() {
    let mut ledger = fx_ledger();
    let legs = fx_conversion(&conversion("nobody")).unwrap();
    assert_eq!(
        apply(&mut ledger, &legs, 10),
        ["linked_event_failed", "credit_account_not_found"]
    );
    assert_eq!(figures(&ledger, "buyer"), (0, 0, 0, 5_000));
    assert_eq!(figures(&ledger, "fx_usd"), (0, 0, 0, 0));
    // The payer side failing fails the second leg too.
    let mut capped = conversion("yen");
    capped.payer_account_id = "wallet".into();
    let legs = fx_conversion(&capped).unwrap();
    assert_eq!(
        apply(&mut ledger, &legs, 10),
        ["exceeds_credits", "linked_event_failed"]
    );
    assert_eq!(figures(&ledger, "yen"), (0, 0, 0, 0));
    assert!(ledger.take_changes().is_empty());
}
