use super::*;
use crate::fixtures::Parcel;
use crate::risk::{Condition, Restriction};

const NOW_MS: i64 = 1_795_334_400_000;

fn facts<'a>(
    p: &'a Parcel,
    prices: &'a std::collections::HashMap<String, (i64, Currency)>,
    value_in: &'a dyn Fn(Currency) -> Option<i64>,
) -> RiskFacts<'a> {
    RiskFacts {
        declaration_id: "dec_1",
        seed: 7,
        order: &p.order,
        value_in,
        catalog_prices: prices,
        merchant_name: "Kedai Batik Sdn Bhd",
        payer_name: Some(&p.payment.payer.name),
        merchant_prior_releases: 3,
    }
}

fn prohibited(prefix: &str) -> RiskRule {
    RiskRule {
        id: "rsk_1".into(),
        name: "prohibited".into(),
        enabled: true,
        version: 2,
        condition: Condition::HsPrefix {
            prefixes: vec![prefix.into()],
            restriction: Restriction::Prohibited,
        },
        score: 10,
        min_channel: None,
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}

fn cleared(p: &Parcel, rules: &[RiskRule]) -> (Declaration, AuditEntry) {
    let prices = std::collections::HashMap::new();
    let value_in = |_c: Currency| None;
    clear(
        "dec_1".into(),
        &p.input(),
        rules,
        &facts(p, &prices, &value_in),
        ChannelThresholds::default(),
        "INV-1".into(),
        NOW_MS,
    )
}

#[test]
fn a_clean_parcel_is_released_at_once() {
    let (d, e) = cleared(&Parcel::new(), &[]);
    assert_eq!(d.status, DeclarationStatus::Released);
    assert_eq!(d.channel, Some(Channel::Green));
    assert_eq!(
        (d.decided_at_ms, d.released_at_ms),
        (Some(NOW_MS), Some(NOW_MS))
    );
    assert_eq!((e.seq, e.action, e.from_status), (1, "cleared", None));
    assert_eq!(
        replay(&[e]),
        Ok((DeclarationStatus::Released, Some(Channel::Green)))
    );
}

#[test]
fn a_prohibited_line_is_held_red_and_decided_by_an_officer() {
    let p = Parcel::new();
    let (d, e1) = cleared(&p, &[prohibited("0902")]);
    assert_eq!(
        (d.status, d.channel),
        (DeclarationStatus::Held, Some(Channel::Red))
    );
    assert_eq!(d.hits.len(), 1);
    assert_eq!(d.hits[0].rule_version, 2);
    assert!(
        d.hits[0].reason.contains("prohibited prefix 0902"),
        "{}",
        d.hits[0].reason
    );
    assert_eq!(
        decide(&d, Decision::Inspect, "look", "pty_officer", NOW_MS),
        Err(DecisionError::AlreadyRed)
    );
    let (d2, e2) = decide(
        &d,
        Decision::Reject,
        "firearm parts",
        "pty_officer",
        NOW_MS + 5,
    )
    .unwrap();
    assert_eq!(
        (d2.status, d2.version, d2.decided_at_ms),
        (DeclarationStatus::Rejected, 2, Some(NOW_MS + 5))
    );
    assert_eq!(
        replay(&[e1, e2]),
        Ok((DeclarationStatus::Rejected, Some(Channel::Red)))
    );
    assert_eq!(
        decide(&d2, Decision::Release, "oops", "pty_officer", NOW_MS),
        Err(DecisionError::NotHeld(DeclarationStatus::Rejected))
    );
}

#[test]
fn failed_checks_reject_without_a_channel() {
    let mut p = Parcel::new();
    p.payment.amount += 1;
    let (d, e) = cleared(&p, &[prohibited("0902")]);
    assert_eq!(
        (d.status, d.channel, d.score),
        (DeclarationStatus::Rejected, None, 0)
    );
    assert!(d.hits.is_empty(), "no risk assessment after a failed check");
    assert_eq!(d.failures[0].code, crate::clearance::PAYMENT_MISMATCH);
    assert!(e.reason.contains("7 payment_mismatch"), "{}", e.reason);
}
