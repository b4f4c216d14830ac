use super::*;
use crate::fixtures::Parcel;

fn rule(id: &str, condition: Condition, score: i32) -> RiskRule {
    RiskRule {
        id: id.into(),
        name: id.into(),
        enabled: true,
        version: 1,
        condition,
        score,
        min_channel: None,
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}

fn assess_parcel(p: &Parcel, rules: &[RiskRule], seed: u64) -> Assessment {
    let prices = HashMap::new();
    let value_in = |_c: Currency| None;
    let facts = RiskFacts {
        declaration_id: "dec_1",
        seed,
        order: &p.order,
        value_in: &value_in,
        catalog_prices: &prices,
        merchant_name: "Kedai Batik Sdn Bhd",
        payer_name: Some(&p.payment.payer.name),
        merchant_prior_releases: 0,
    };
    assess(rules, &facts, ChannelThresholds::default())
}

#[test]
fn scores_add_up_and_choose_the_channel() {
    let p = Parcel::new();
    let rules = [
        rule("rsk_a", Condition::FirstShipment, 20),
        rule(
            "rsk_b",
            Condition::Origin {
                countries: vec![p.order.lines[0].origin],
            },
            15,
        ),
    ];
    let a = assess_parcel(&p, &rules, 1);
    assert_eq!((a.score, a.channel), (35, Channel::Yellow));
    assert_eq!(
        a.hits
            .iter()
            .map(|h| h.rule_id.as_str())
            .collect::<Vec<_>>(),
        ["rsk_a", "rsk_b"]
    );
    let mut disabled = rules.clone();
    disabled[1].enabled = false;
    assert_eq!(assess_parcel(&p, &disabled, 1).channel, Channel::Green);
}

#[test]
fn random_selection_replays_from_its_seed() {
    let p = Parcel::new();
    let rules = [rule(
        "rsk_r",
        Condition::Random {
            channel: Channel::Red,
            rate_ppm: 500_000,
        },
        0,
    )];
    for seed in 0..50u64 {
        assert_eq!(
            assess_parcel(&p, &rules, seed),
            assess_parcel(&p, &rules, seed)
        );
    }
}
