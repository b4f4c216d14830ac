use super::*;
use crate::fixtures::{cny, country, line, rule, Parcel, World};
use crate::screening::similarity_ppm;
use trade::order::Consignee;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn assess_parcel(p: &Parcel, rules: &[RiskRule], seed: u64) -> Assessment {
    let mut w = World::new();
    w.seed = seed;
    w.merchant_prior_releases = 0;
    w.assess(p, rules, ChannelThresholds::default())
}

fn assess_in(w: &World, p: &Parcel, rules: &[RiskRule]) -> Assessment {
    w.assess(p, rules, ChannelThresholds::default())
}

/// The reason of the one rule that fired, `None` when none did.
fn fired(w: &World, p: &Parcel, condition: Condition) -> Option<String> {
    let a = assess_in(w, p, &[rule("rsk_x", condition, 0)]);
    assert!(a.hits.len() <= 1);
    a.hits.into_iter().next().map(|h| h.reason)
}

fn hs(prefixes: &[&str], restriction: Restriction) -> Condition {
    Condition::HsPrefix {
        prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
        restriction,
    }
}

fn band(currency: Currency, min: Option<i64>, max: Option<i64>) -> Condition {
    Condition::ValueBand { currency, min, max }
}

fn watchlist(entries: &[&str], percent: u32, subjects: &[Subject]) -> Condition {
    Condition::Watchlist {
        entries: entries.iter().map(|e| e.to_string()).collect(),
        min_similarity_percent: percent,
        subjects: subjects.to_vec(),
    }
}

fn random(channel: Channel, rate_ppm: u32) -> Condition {
    Condition::Random { channel, rate_ppm }
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
fn a_hit_records_the_rule_its_version_score_channel_and_reason() {
    let p = Parcel::new();
    let mut r = rule("rsk_7", Condition::FirstShipment, 12);
    r.version = 4;
    r.name = "New merchants".into();
    r.min_channel = Some(Channel::Yellow);
    let a = assess_parcel(&p, &[r], 0);
    assert_eq!(
        a.hits,
        vec![RuleHit {
            rule_id: "rsk_7".into(),
            rule_version: 4,
            name: "New merchants".into(),
            score: 12,
            channel: Some(Channel::Yellow),
            reason: "the merchant has no earlier released declaration".into(),
        }]
    );
    assert_eq!((a.score, a.channel), (12, Channel::Yellow));
    // No rules: green, score 0, nothing recorded.
    assert_eq!(
        assess_parcel(&p, &[], 0),
        Assessment {
            score: 0,
            channel: Channel::Green,
            hits: vec![]
        }
    );
}

#[test]
fn hs_prefixes_match_the_start_of_a_line_code() {
    let w = World::new();
    let mut p = Parcel::new();
    // Line 1: 090230 (tea); line 2: 3304990010 (face cream, 10 digits).
    p.order.lines[1].hs_code = trade::HsCode::parse("3304.99.00.10").unwrap();
    let pro = Restriction::Prohibited;
    for (prefix, line) in [
        ("09", Some(1)),
        ("090", Some(1)),
        ("0902", Some(1)),
        ("090230", Some(1)),
        ("33", Some(2)),
        ("330499001", Some(2)),
        ("3304990010", Some(2)),
        ("0903", None),
        ("0902301", None),
        ("0902300000", None),
        ("3304990011", None),
        ("90", None),
        ("30", None),
    ] {
        let got = fired(&w, &p, hs(&[prefix], pro));
        let code = if line == Some(1) {
            "090230"
        } else {
            "3304990010"
        };
        let expected =
            line.map(|l| format!("line {l} HS {code} starts with prohibited prefix {prefix}"));
        assert_eq!(got, expected, "{prefix}");
    }
    // Several prefixes: each line names the first that matches; lines in order.
    assert_eq!(
        fired(
            &w,
            &p,
            hs(&["12", "3304", "09", "0902"], Restriction::Licence)
        )
        .as_deref(),
        Some(
            "line 1 HS 090230 starts with licence-restricted prefix 09; \
             line 2 HS 3304990010 starts with licence-restricted prefix 3304"
        )
    );
}

#[test]
fn a_prohibited_prefix_forces_red_and_a_licence_at_least_yellow() {
    let p = Parcel::new();
    let t = ChannelThresholds::default();
    let w = World::new();
    let a = w.assess(
        &p,
        &[rule("rsk_p", hs(&["0902"], Restriction::Prohibited), 0)],
        t,
    );
    assert_eq!(
        (a.score, a.channel, a.hits[0].channel),
        (0, Channel::Red, Some(Channel::Red))
    );
    let a = w.assess(
        &p,
        &[rule("rsk_l", hs(&["0902"], Restriction::Licence), 0)],
        t,
    );
    assert_eq!(
        (a.score, a.channel, a.hits[0].channel),
        (0, Channel::Yellow, Some(Channel::Yellow))
    );
    // At least yellow: the score may still make it red.
    let a = w.assess(
        &p,
        &[rule("rsk_l", hs(&["0902"], Restriction::Licence), 70)],
        t,
    );
    assert_eq!((a.score, a.channel), (70, Channel::Red));
    // No match, no force.
    let a = w.assess(
        &p,
        &[rule("rsk_p", hs(&["93"], Restriction::Prohibited), 50)],
        t,
    );
    assert_eq!((a.score, a.channel, a.hits.len()), (0, Channel::Green, 0));
}

#[test]
fn long_orders_list_five_matches_and_count_the_rest() {
    let w = World::new();
    let mut p = Parcel::new();
    p.order.lines = (1..=8).map(|i| line(i, None, "090230", 1, 100)).collect();
    let reason = fired(&w, &p, hs(&["0902"], Restriction::Prohibited)).unwrap();
    assert_eq!(reason.matches("starts with").count(), 5, "{reason}");
    assert!(reason.starts_with("line 1 HS 090230"), "{reason}");
    assert!(
        reason.contains("line 5 HS") && !reason.contains("line 6 HS"),
        "{reason}"
    );
    assert!(reason.ends_with("; and 3 more"), "{reason}");
    p.order.lines.truncate(5);
    let reason = fired(&w, &p, hs(&["0902"], Restriction::Prohibited)).unwrap();
    assert!(!reason.contains("more"), "{reason}");
}

#[test]
fn origin_fires_on_a_listed_country_only() {
    let w = World::new();
    let mut p = Parcel::new();
    p.order.lines[1].origin = country("FR");
    let origin = |codes: &[&str]| Condition::Origin {
        countries: codes.iter().map(|c| country(c)).collect(),
    };
    assert_eq!(
        fired(&w, &p, origin(&["FR"])).as_deref(),
        Some("line 2 origin FR is listed")
    );
    assert_eq!(
        fired(&w, &p, origin(&["US", "MY", "FR"])).as_deref(),
        Some("line 1 origin MY is listed; line 2 origin FR is listed")
    );
    assert_eq!(
        fired(&w, &p, origin(&["CN", "US"])),
        None,
        "the destination is no origin"
    );
    assert_eq!(fired(&w, &p, origin(&[])), None);
    // Origin fires with its score and forces nothing.
    let a = assess_in(&w, &p, &[rule("rsk_o", origin(&["FR"]), 30)]);
    assert_eq!(
        (a.score, a.channel, a.hits[0].channel),
        (30, Channel::Yellow, None)
    );
}

#[test]
fn a_value_band_is_inclusive_at_both_ends() {
    let w = World::new();
    let p = Parcel::new();
    let paid = p.order.actual_paid;
    assert_eq!(paid, 26_245);
    let c = cny();
    for (min, max, fires) in [
        (Some(paid), None, true),
        (Some(paid + 1), None, false),
        (Some(paid - 1), None, true),
        (None, Some(paid), true),
        (None, Some(paid - 1), false),
        (None, Some(paid + 1), true),
        (Some(paid), Some(paid), true),
        (Some(paid - 1), Some(paid + 1), true),
        (Some(paid + 1), Some(paid + 100), false),
        (Some(0), Some(paid - 1), false),
    ] {
        assert_eq!(
            fired(&w, &p, band(c, min, max)).is_some(),
            fires,
            "{min:?} {max:?}"
        );
    }
    assert_eq!(
        fired(&w, &p, band(c, Some(20_000), Some(30_000))).as_deref(),
        Some("the actual payment 262.45 CNY is between 200.00 CNY and 300.00 CNY")
    );
    assert_eq!(
        fired(&w, &p, band(c, Some(20_000), None)).as_deref(),
        Some("the actual payment 262.45 CNY is at least 200.00 CNY")
    );
    assert_eq!(
        fired(&w, &p, band(c, None, Some(30_000))).as_deref(),
        Some("the actual payment 262.45 CNY is at most 300.00 CNY")
    );
}

#[test]
fn a_value_band_in_another_currency_needs_a_rate() {
    let p = Parcel::new();
    let mut w = World::new();
    // No USD rate: the band cannot be compared and does not fire, however wide.
    assert_eq!(fired(&w, &p, band(usd(), Some(0), None)), None);
    assert_eq!(fired(&w, &p, band(usd(), None, Some(i64::MAX))), None);
    // With a rate, the converted value is compared, not the order's own amount.
    w.values = vec![(usd(), 3_700)];
    assert_eq!(
        fired(&w, &p, band(usd(), Some(3_700), Some(3_700))).as_deref(),
        Some("the actual payment 37.00 USD is between 37.00 USD and 37.00 USD")
    );
    assert_eq!(fired(&w, &p, band(usd(), Some(3_701), None)), None);
    assert_eq!(fired(&w, &p, band(usd(), Some(26_245), None)), None);
    // A hub with no amount at all for the order's currency: nothing fires.
    let value_in = |_c: Currency| None;
    let prices = HashMap::new();
    let facts = RiskFacts {
        declaration_id: "dec_1",
        seed: 0,
        order: &p.order,
        value_in: &value_in,
        catalog_prices: &prices,
        merchant_name: "Kedai Batik Sdn Bhd",
        payer_name: None,
        merchant_prior_releases: 1,
    };
    let a = assess(
        &[rule("rsk_v", band(cny(), Some(0), None), 90)],
        &facts,
        ChannelThresholds::default(),
    );
    assert_eq!((a.score, a.channel, a.hits.len()), (0, Channel::Green, 0));
}

#[test]
fn undervalued_fires_strictly_below_the_share_of_the_catalog_price() {
    let p = Parcel::new();
    // Line 1: SKU TEA-1 at 45.00 CNY; line 2 has no SKU.
    assert_eq!(
        (p.order.lines[0].sku.as_deref(), p.order.lines[0].unit_price),
        (Some("TEA-1"), 4_500)
    );
    let mut w = World::new();
    let under = |below_percent| Condition::Undervalued { below_percent };
    w.catalog_prices.insert("TEA-1".into(), (9_000, cny()));
    // 45.00 is exactly 50% of 90.00: not below 50%, below 51%.
    assert_eq!(fired(&w, &p, under(50)), None);
    assert_eq!(
        fired(&w, &p, under(51)).as_deref(),
        Some("line 1 SKU TEA-1 unit price 45.00 CNY is 50% of the catalog price 90.00 CNY (below 51%)")
    );
    // One minor unit more on the catalog price tips it below 50%.
    w.catalog_prices.insert("TEA-1".into(), (9_001, cny()));
    assert_eq!(
        fired(&w, &p, under(50)).as_deref(),
        Some("line 1 SKU TEA-1 unit price 45.00 CNY is 49% of the catalog price 90.01 CNY (below 50%)")
    );
    // 100%: any price below the catalog's, but not the catalog price itself.
    w.catalog_prices.insert("TEA-1".into(), (4_500, cny()));
    assert_eq!(fired(&w, &p, under(100)), None);
    w.catalog_prices.insert("TEA-1".into(), (4_501, cny()));
    assert!(fired(&w, &p, under(100)).unwrap().contains("is 99% of"));
    // Another currency is not compared (no conversion), however cheap.
    w.catalog_prices.insert("TEA-1".into(), (1_000_000, usd()));
    assert_eq!(fired(&w, &p, under(100)), None);
    // A zero catalog price, an unknown SKU, a line without SKU: nothing to compare.
    w.catalog_prices.insert("TEA-1".into(), (0, cny()));
    assert_eq!(fired(&w, &p, under(100)), None);
    w.catalog_prices.clear();
    w.catalog_prices.insert("OTHER".into(), (1_000_000, cny()));
    assert_eq!(fired(&w, &p, under(100)), None);
}

#[test]
fn undervalued_compares_in_the_order_currency() {
    // An order in USD: a USD catalog price is compared, a CNY one is not.
    let mut p = Parcel::new();
    p.in_currency("USD", Some(26_245));
    let mut w = World::new();
    w.catalog_prices.insert("TEA-1".into(), (10_000, usd()));
    assert!(fired(&w, &p, Condition::Undervalued { below_percent: 50 }).is_some());
    w.catalog_prices.insert("TEA-1".into(), (10_000, cny()));
    assert_eq!(
        fired(&w, &p, Condition::Undervalued { below_percent: 50 }),
        None
    );
}

/// Names that must never appear in a reason.
fn assert_no_names(reason: &str, names: &[&str]) {
    for name in names {
        for word in name.split_whitespace() {
            assert!(
                !reason.to_lowercase().contains(&word.to_lowercase()),
                "{word:?} in {reason}"
            );
        }
    }
}

#[test]
fn a_watchlist_screens_each_subject_by_name() {
    let mut p = Parcel::new();
    p.order.consignee = Some(Consignee {
        name: Personal::new("Zhou Xun"),
        address: Personal::new("2 Wensan Road"),
        phone: Personal::new("13800000001"),
    });
    p.payment.payer.name = Personal::new("Chen Jie");
    let w = World::new();
    let names = ["Wang Fang", "Zhou Xun", "Chen Jie", "Kedai Batik Sdn Bhd"];
    // Each subject's own name, written differently, is found only for that subject.
    for (subject, entry) in [
        (Subject::Buyer, "FANG, Wang"),
        (Subject::Consignee, "Xun Zhou"),
        (Subject::Payer, "chen-jie"),
        (Subject::Merchant, "KEDAI BATIK"),
    ] {
        let reason = fired(&w, &p, watchlist(&["Nobody Here", entry], 90, &[subject])).unwrap();
        assert_eq!(
            reason,
            format!(
                "{} name is 100% similar to watchlist entry 2",
                subject.as_str()
            )
        );
        assert_no_names(&reason, &names);
        assert_no_names(&reason, &[entry]);
        let others: Vec<Subject> = Subject::ALL.into_iter().filter(|s| *s != subject).collect();
        assert_eq!(
            fired(&w, &p, watchlist(&[entry], 90, &others)),
            None,
            "{subject:?}"
        );
    }
    // All subjects at once: one part per subject that matched, in the rule's order.
    let reason = fired(
        &w,
        &p,
        watchlist(
            &["Kedai Batik", "Wang Fang"],
            90,
            &[Subject::Merchant, Subject::Payer, Subject::Buyer],
        ),
    )
    .unwrap();
    assert_eq!(
        reason,
        "merchant name is 100% similar to watchlist entry 1; buyer name is 100% similar to watchlist entry 2"
    );
}

#[test]
fn a_watchlist_without_consignee_or_payer() {
    let p = Parcel::new();
    assert!(p.order.consignee.is_none());
    let mut w = World::new();
    // No consignee: the buyer receives the parcel and is screened as consignee.
    assert_eq!(
        fired(&w, &p, watchlist(&["Wang Fang"], 95, &[Subject::Consignee])).as_deref(),
        Some("consignee name is 100% similar to watchlist entry 1")
    );
    // No payment notice: no payer to screen.
    w.with_payer = false;
    assert_eq!(
        fired(&w, &p, watchlist(&["Wang Fang"], 50, &[Subject::Payer])),
        None
    );
    w.with_payer = true;
    assert_eq!(
        fired(&w, &p, watchlist(&["Wang Fang"], 50, &[Subject::Payer])).as_deref(),
        Some("payer name is 100% similar to watchlist entry 1")
    );
}

#[test]
fn the_watchlist_threshold_is_inclusive() {
    let p = Parcel::new();
    let w = World::new();
    // Identical: 100% fires at a threshold of 100.
    assert!(fired(&w, &p, watchlist(&["Wang Fang"], 100, &[Subject::Buyer])).is_some());
    // A near miss, scored by the screening module: fires from its percent (rounded down), not
    // one above; the reason says that percent and the best entry.
    for entry in ["Wang Fung", "Wong Fang", "Wang Fangg", "Fang Wan", "Wang"] {
        let ppm = similarity_ppm("Wang Fang", entry);
        assert!(ppm < 1_000_000, "{entry}");
        let percent = ppm / 10_000;
        let rules = |threshold| {
            watchlist(
                &["Totally Different", entry, "Zzz Qqq"],
                threshold,
                &[Subject::Buyer],
            )
        };
        assert_eq!(
            fired(&w, &p, rules(percent)),
            Some(format!(
                "buyer name is {percent}% similar to watchlist entry 2"
            )),
            "{entry} {ppm}"
        );
        assert_eq!(fired(&w, &p, rules(percent + 1)), None, "{entry} {ppm}");
    }
    // The best entry is named; among equal ones the first.
    assert_eq!(
        fired(
            &w,
            &p,
            watchlist(
                &["Wong Fang", "Wang Fang", "Fang Wang"],
                80,
                &[Subject::Buyer]
            )
        )
        .as_deref(),
        Some("buyer name is 100% similar to watchlist entry 2")
    );
    // Far from every entry: nothing.
    assert_eq!(
        fired(
            &w,
            &p,
            watchlist(&["Quentin Zebulon"], 50, &[Subject::Buyer])
        ),
        None
    );
    assert_eq!(fired(&w, &p, watchlist(&[], 50, &[Subject::Buyer])), None);
}

#[test]
fn first_shipment_fires_for_a_merchant_without_releases() {
    let p = Parcel::new();
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    assert_eq!(
        fired(&w, &p, Condition::FirstShipment).as_deref(),
        Some("the merchant has no earlier released declaration")
    );
    for prior in [1, 2, u64::MAX] {
        w.merchant_prior_releases = prior;
        assert_eq!(fired(&w, &p, Condition::FirstShipment), None, "{prior}");
    }
}

#[test]
fn a_random_rule_selects_strictly_below_its_rate() {
    let p = Parcel::new();
    let mut w = World::new();
    for seed in [0u64, 1, 42, u64::MAX] {
        w.seed = seed;
        let d = draw::draw_ppm(seed, "rsk_x");
        assert_eq!(
            fired(&w, &p, random(Channel::Red, d)),
            None,
            "draw {d} = rate"
        );
        assert_eq!(
            fired(&w, &p, random(Channel::Red, d + 1)),
            Some(format!(
                "selected at random for red: draw {d} ppm is below the rate {} ppm",
                d + 1
            ))
        );
        assert_eq!(fired(&w, &p, random(Channel::Yellow, 0)), None);
        assert!(fired(&w, &p, random(Channel::Yellow, 1_000_000)).is_some());
    }
    // It forces its channel, whatever its score.
    w.seed = 5;
    let a = assess_in(
        &w,
        &p,
        &[rule("rsk_x", random(Channel::Yellow, 1_000_000), 0)],
    );
    assert_eq!(
        (a.score, a.channel, a.hits[0].channel),
        (0, Channel::Yellow, Some(Channel::Yellow))
    );
    let a = assess_in(
        &w,
        &p,
        &[rule("rsk_x", random(Channel::Yellow, 1_000_000), 80)],
    );
    assert_eq!((a.score, a.channel), (80, Channel::Red));
}

#[test]
fn disabled_rules_never_fire() {
    let mut p = Parcel::new();
    p.order.consignee = None;
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    w.catalog_prices.insert("TEA-1".into(), (1_000_000, cny()));
    let conditions = [
        hs(&["09"], Restriction::Prohibited),
        hs(&["09"], Restriction::Licence),
        Condition::Origin {
            countries: vec![country("MY")],
        },
        band(cny(), Some(0), None),
        Condition::Undervalued { below_percent: 100 },
        watchlist(&["Wang Fang"], 50, &Subject::ALL),
        Condition::FirstShipment,
        random(Channel::Red, 1_000_000),
    ];
    for c in conditions {
        let mut r = rule("rsk_d", c.clone(), 50);
        r.min_channel = Some(Channel::Red);
        assert_eq!(
            assess_in(&w, &p, std::slice::from_ref(&r)).hits.len(),
            1,
            "{c:?} fires when enabled"
        );
        r.enabled = false;
        assert_eq!(
            assess_in(&w, &p, &[r]),
            Assessment {
                score: 0,
                channel: Channel::Green,
                hits: vec![]
            },
            "{c:?}"
        );
    }
}

#[test]
fn the_score_is_capped_at_100_and_each_rule_at_0_to_100() {
    let p = Parcel::new();
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    let many: Vec<RiskRule> = (0..5)
        .map(|i| rule(&format!("rsk_{i}"), Condition::FirstShipment, 40))
        .collect();
    let a = assess_in(&w, &p, &many);
    assert_eq!((a.score, a.channel, a.hits.len()), (100, Channel::Red, 5));
    assert!(
        a.hits.iter().all(|h| h.score == 40),
        "hits keep their own scores"
    );
    // A stored rule out of range counts within range (and i32 sums cannot overflow).
    let odd = [
        rule("rsk_big", Condition::FirstShipment, i32::MAX),
        rule("rsk_big2", Condition::FirstShipment, i32::MAX),
        rule("rsk_neg", Condition::FirstShipment, -50),
    ];
    let a = assess_in(&w, &p, &odd);
    assert_eq!(
        a.hits.iter().map(|h| h.score).collect::<Vec<_>>(),
        [100, 100, 0]
    );
    assert_eq!((a.score, a.channel), (100, Channel::Red));
    let a = assess_in(
        &w,
        &p,
        &[
            rule("rsk_neg", Condition::FirstShipment, -50),
            rule("rsk_a", Condition::FirstShipment, 30),
        ],
    );
    assert_eq!(
        (a.score, a.channel),
        (30, Channel::Yellow),
        "a negative score takes nothing away"
    );
}

#[test]
fn thresholds_turn_the_score_into_a_channel() {
    let t = ChannelThresholds::default();
    assert_eq!((t.yellow_from, t.red_from), (30, 70));
    for (score, channel) in [
        (0, Channel::Green),
        (29, Channel::Green),
        (30, Channel::Yellow),
        (69, Channel::Yellow),
        (70, Channel::Red),
        (100, Channel::Red),
    ] {
        assert_eq!(t.channel_for(score), channel, "{score}");
        let p = Parcel::new();
        let mut w = World::new();
        w.merchant_prior_releases = 0;
        let a = assess_in(&w, &p, &[rule("rsk_s", Condition::FirstShipment, score)]);
        assert_eq!((a.score, a.channel), (score, channel));
    }
    // Other thresholds.
    let strict = ChannelThresholds {
        yellow_from: 10,
        red_from: 20,
    };
    let p = Parcel::new();
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    for (score, channel) in [
        (9, Channel::Green),
        (10, Channel::Yellow),
        (19, Channel::Yellow),
        (20, Channel::Red),
    ] {
        let a = w.assess(
            &p,
            &[rule("rsk_s", Condition::FirstShipment, score)],
            strict,
        );
        assert_eq!(a.channel, channel, "{score}");
    }
}

#[test]
fn the_channel_is_the_highest_of_the_score_and_every_forced_channel() {
    let p = Parcel::new();
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    let with_channel = |id: &str, score, channel| RiskRule {
        min_channel: channel,
        ..rule(id, Condition::FirstShipment, score)
    };
    for (rules, score, channel) in [
        // A rule's own channel lifts a low score.
        (
            vec![with_channel("rsk_a", 0, Some(Channel::Red))],
            0,
            Channel::Red,
        ),
        (
            vec![with_channel("rsk_a", 0, Some(Channel::Yellow))],
            0,
            Channel::Yellow,
        ),
        // And never lowers a high one.
        (
            vec![with_channel("rsk_a", 80, Some(Channel::Green))],
            80,
            Channel::Red,
        ),
        (
            vec![with_channel("rsk_a", 40, Some(Channel::Green))],
            40,
            Channel::Yellow,
        ),
        // Several forced channels: the highest.
        (
            vec![
                with_channel("rsk_a", 0, Some(Channel::Yellow)),
                with_channel("rsk_b", 0, Some(Channel::Red)),
                with_channel("rsk_c", 0, Some(Channel::Green)),
            ],
            0,
            Channel::Red,
        ),
        (
            vec![
                with_channel("rsk_a", 20, Some(Channel::Yellow)),
                with_channel("rsk_b", 20, None),
                with_channel("rsk_c", 30, None),
            ],
            70,
            Channel::Red,
        ),
    ] {
        let a = assess_in(&w, &p, &rules);
        assert_eq!((a.score, a.channel), (score, channel), "{rules:?}");
    }
    // A rule's channel and its condition's: the hit records the higher.
    let mut r = rule("rsk_p", hs(&["0902"], Restriction::Licence), 0);
    r.min_channel = Some(Channel::Red);
    assert_eq!(
        assess_in(&w, &p, std::slice::from_ref(&r)).hits[0].channel,
        Some(Channel::Red)
    );
    r.min_channel = Some(Channel::Green);
    assert_eq!(
        assess_in(&w, &p, std::slice::from_ref(&r)).hits[0].channel,
        Some(Channel::Yellow)
    );
    let mut r = rule("rsk_p", hs(&["0902"], Restriction::Prohibited), 0);
    r.min_channel = Some(Channel::Yellow);
    let a = assess_in(&w, &p, &[r]);
    assert_eq!(
        (a.channel, a.hits[0].channel),
        (Channel::Red, Some(Channel::Red))
    );
    // A rule that does not fire forces nothing.
    let mut r = rule("rsk_o", hs(&["93"], Restriction::Prohibited), 0);
    r.min_channel = Some(Channel::Red);
    assert_eq!(assess_in(&w, &p, &[r]).channel, Channel::Green);
}

// ---- random selection over many declarations ----

const N: u64 = 10_000;

/// The seeds of `N` declarations with distinct ids.
fn seeds() -> impl Iterator<Item = u64> {
    (0..N).map(|i| draw::seed_from_id(&format!("dec_01JD{i:08}")))
}

/// The count of binomial(N, p) selections must be within 4 standard deviations of N·p: a fair
/// draw misses that by chance with probability about 6·10⁻⁵, and the draws are deterministic,
/// so the test passes or fails the same way every time.
fn assert_binomial(count: u64, p: f64, what: &str) {
    let n = N as f64;
    let mean = n * p;
    let sd = (n * p * (1.0 - p)).sqrt();
    let got = count as f64;
    assert!(
        (got - mean).abs() <= 4.0 * sd,
        "{what}: {count} selected, expected {mean} ± {:.1} (4 sd)",
        4.0 * sd
    );
}

#[test]
fn random_rules_select_at_their_rate() {
    let p = Parcel::new();
    let mut w = World::new();
    for rate_ppm in [10_000u32, 50_000, 200_000] {
        let rules = [rule("rsk_random", random(Channel::Yellow, rate_ppm), 0)];
        let mut selected = 0;
        for seed in seeds() {
            w.seed = seed;
            let a = assess_in(&w, &p, &rules);
            match a.hits.len() {
                0 => assert_eq!(a.channel, Channel::Green),
                _ => {
                    assert_eq!(a.channel, Channel::Yellow);
                    selected += 1;
                }
            }
        }
        assert_binomial(
            selected,
            f64::from(rate_ppm) / 1e6,
            &format!("{rate_ppm} ppm"),
        );
    }
}

#[test]
fn random_rules_with_different_ids_select_independently() {
    let p = Parcel::new();
    let mut w = World::new();
    for (rate_a, rate_b) in [(50_000u32, 50_000u32), (200_000, 500_000)] {
        let rules = [
            rule("rsk_random_a", random(Channel::Yellow, rate_a), 0),
            rule("rsk_random_b", random(Channel::Red, rate_b), 0),
        ];
        let (mut a_count, mut b_count, mut both) = (0, 0, 0);
        for seed in seeds() {
            w.seed = seed;
            let hits = assess_in(&w, &p, &rules).hits;
            let a = hits.iter().any(|h| h.rule_id == "rsk_random_a");
            let b = hits.iter().any(|h| h.rule_id == "rsk_random_b");
            a_count += u64::from(a);
            b_count += u64::from(b);
            both += u64::from(a && b);
        }
        let (pa, pb) = (f64::from(rate_a) / 1e6, f64::from(rate_b) / 1e6);
        assert_binomial(a_count, pa, "rule a");
        assert_binomial(b_count, pb, "rule b");
        // Independent: the joint rate is the product (a perfectly correlated pair would select
        // min(pa, pb), far outside).
        assert_binomial(both, pa * pb, &format!("both of {rate_a} and {rate_b} ppm"));
    }
    // The same rule id under another name is the same draw: the id, not the name, is mixed in.
    let mut r1 = rule("rsk_same", random(Channel::Red, 300_000), 0);
    let mut r2 = r1.clone();
    r1.name = "one".into();
    r2.name = "two".into();
    for seed in seeds().take(500) {
        w.seed = seed;
        assert_eq!(
            assess_in(&w, &p, std::slice::from_ref(&r1)).channel,
            assess_in(&w, &p, std::slice::from_ref(&r2)).channel
        );
    }
}

/// Stored declarations keep their seed for ever: the draw of a seed and a rule id must never
/// change, or old channels stop replaying. The values were computed outside Rust (FNV-1a 64,
/// SplitMix64, `(r × 10⁶) >> 64`).
#[test]
fn draws_are_pinned_across_versions() {
    for (id, seed, draws) in [
        (
            "dec_1",
            0x461e_958a_6d13_aeab_u64,
            [362_770, 288_319, 631_606],
        ),
        (
            "dec_01JD00000000",
            0x9820_9cca_df78_a365,
            [785_712, 371_700, 537_400],
        ),
        (
            "dec_abc",
            0x5e34_a508_b6a1_bff5,
            [791_478, 729_107, 711_998],
        ),
    ] {
        assert_eq!(draw::seed_from_id(id), seed, "{id}");
        let got = ["rsk_random", "rsk_random_a", "rsk_sample"].map(|r| draw::draw_ppm(seed, r));
        assert_eq!(got, draws, "{id}");
    }
    assert_eq!(draw::draw_ppm(0, "rsk_x"), 631_774);
    assert_eq!(draw::draw_ppm(u64::MAX, "rsk_x"), 416_514);
    assert_eq!(draw::draw_ppm(7, ""), 137_851);
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

#[test]
fn a_decision_replays_from_its_seed_and_rule_versions() {
    let p = Parcel::new();
    let mut w = World::new();
    let mut rules = vec![
        rule("rsk_sample", random(Channel::Yellow, 50_000), 10),
        rule("rsk_inspect", random(Channel::Red, 10_000), 0),
        rule(
            "rsk_origin",
            Condition::Origin {
                countries: vec![country("MY")],
            },
            5,
        ),
    ];
    rules[0].version = 3;
    // A declaration the 5% rule selects.
    let id = (0..1_000)
        .map(|i| format!("dec_{i}"))
        .find(|id| draw::draw_ppm(draw::seed_from_id(id), "rsk_sample") < 50_000)
        .unwrap();
    w.declaration_id = id.clone();
    w.seed = draw::seed_from_id(&id);
    let (d, e) = w.clear(&p, &rules, 1_000);
    assert_eq!(
        (d.status, d.channel, d.seed),
        (
            crate::DeclarationStatus::Held,
            Some(Channel::Yellow),
            w.seed
        )
    );
    assert!(d
        .hits
        .iter()
        .any(|h| (h.rule_id.as_str(), h.rule_version) == ("rsk_sample", 3)));

    // The declaration records each fired rule's version: the rule set at those versions is
    // the one it was cleared with.
    for h in &d.hits {
        assert!(rules
            .iter()
            .any(|r| (r.id.as_str(), r.version) == (h.rule_id.as_str(), h.rule_version)));
    }
    // Later the rule changes (version 4, never selects): the current rules decide otherwise,
    // which is why a replay uses the recorded versions.
    let mut changed = rules.clone();
    changed[0].version = 4;
    changed[0].condition = random(Channel::Yellow, 0);
    let (now, _) = w.clear(&p, &changed, 1_000);
    assert_eq!(now.channel, Some(Channel::Green));

    // The same inputs, the same seed: the identical declaration and audit entry.
    let mut again = World::new();
    again.declaration_id = id.clone();
    again.seed = d.seed;
    assert_eq!(again.clear(&p, &rules, 1_000), (d.clone(), e));
    let a = again.assess(&p, &rules, ChannelThresholds::default());
    assert_eq!(
        (a.score, a.channel, &a.hits),
        (d.score, d.channel.unwrap(), &d.hits)
    );
    // Another seed would decide by another draw: the seed is what replays.
    let other = (0..1_000)
        .map(|i| draw::seed_from_id(&format!("dec_other_{i}")))
        .find(|s| draw::draw_ppm(*s, "rsk_sample") >= 50_000)
        .unwrap();
    again.seed = other;
    assert!(!again
        .assess(&p, &rules, ChannelThresholds::default())
        .hits
        .iter()
        .any(|h| h.rule_id == "rsk_sample"));
}

#[test]
fn rules_are_stored_as_tagged_json() {
    let mut r = rule("rsk_j", hs(&["9302"], Restriction::Prohibited), 10);
    r.min_channel = Some(Channel::Red);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "rsk_j", "name": "rule rsk_j", "enabled": true, "version": 1,
            "condition": {"kind": "hs_prefix", "prefixes": ["9302"], "restriction": "prohibited"},
            "score": 10, "channel": "red", "created_at_ms": 0, "updated_at_ms": 0
        })
    );
    for c in [
        Condition::Origin {
            countries: vec![country("MY")],
        },
        band(cny(), Some(1), None),
        Condition::Undervalued { below_percent: 30 },
        watchlist(&["A B"], 90, &[Subject::Payer]),
        Condition::FirstShipment,
        random(Channel::Yellow, 50_000),
    ] {
        let r = rule("rsk_j", c, 1);
        let back: RiskRule = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
    assert_eq!(
        serde_json::to_value(random(Channel::Yellow, 5)).unwrap(),
        serde_json::json!({"kind": "random", "channel": "yellow", "rate_ppm": 5})
    );
}

// ---- drafts and patches ----

fn draft(json: serde_json::Value) -> Result<RiskRule, Vec<(String, &'static str)>> {
    let d: RiskRuleDraft = serde_json::from_value(json).expect("parses");
    d.validate("rsk_new".into(), 5_000)
        .map_err(|errors| errors.into_iter().map(|e| (e.field, e.code)).collect())
}

/// The problems of a draft with this condition.
fn condition_problems(condition: serde_json::Value) -> Vec<(String, &'static str)> {
    draft(serde_json::json!({"name": "r", "condition": condition})).unwrap_err()
}

fn condition_of(condition: serde_json::Value) -> Condition {
    draft(serde_json::json!({"name": "r", "condition": condition}))
        .unwrap()
        .condition
}

fn problem(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_string(), code)
}

#[test]
fn a_draft_becomes_a_rule_at_version_1() {
    let r = draft(serde_json::json!({
        "name": "  Firearms ", "enabled": false, "score": 100, "channel": "red",
        "condition": {"kind": "hs_prefix", "prefixes": ["9302", "93.03", "9302"], "restriction": "prohibited"}
    }))
    .unwrap();
    assert_eq!(
        r,
        RiskRule {
            id: "rsk_new".into(),
            name: "Firearms".into(),
            enabled: false,
            version: 1,
            condition: hs(&["9302", "9303"], Restriction::Prohibited),
            score: 100,
            min_channel: Some(Channel::Red),
            created_at_ms: 5_000,
            updated_at_ms: 5_000,
        }
    );
    // Defaults: enabled, score 0, no channel.
    let r = draft(
        serde_json::json!({"name": "n", "channel": null, "condition": {"kind": "first_shipment"}}),
    )
    .unwrap();
    assert_eq!(
        (r.enabled, r.score, r.min_channel, r.condition),
        (true, 0, None, Condition::FirstShipment)
    );
}

#[test]
fn a_draft_needs_a_name_a_condition_a_score_and_a_known_channel() {
    let fs = serde_json::json!({"kind": "first_shipment"});
    assert_eq!(
        draft(serde_json::json!({})).unwrap_err(),
        [
            problem("name", "missing_field"),
            problem("condition", "missing_field")
        ]
    );
    assert_eq!(
        draft(serde_json::json!({"name": " ", "condition": fs})).unwrap_err(),
        [problem("name", "blank_field")]
    );
    assert_eq!(
        draft(serde_json::json!({"name": "x".repeat(101), "condition": fs})).unwrap_err(),
        [problem("name", "too_long")]
    );
    assert!(draft(serde_json::json!({"name": "x".repeat(100), "condition": fs})).is_ok());
    assert_eq!(
        draft(serde_json::json!({"name": "a\u{1}b", "condition": fs})).unwrap_err(),
        [problem("name", "invalid_characters")]
    );
    for score in [-1, 101, i64::MAX, i64::MIN] {
        assert_eq!(
            draft(serde_json::json!({"name": "n", "score": score, "condition": fs})).unwrap_err(),
            [problem("score", "invalid_score")],
            "{score}"
        );
    }
    for score in [0i32, 1, 99, 100] {
        assert_eq!(
            draft(serde_json::json!({"name": "n", "score": score, "condition": fs}))
                .unwrap()
                .score,
            score
        );
    }
    for channel in ["purple", "Red", "", "blue"] {
        assert_eq!(
            draft(serde_json::json!({"name": "n", "channel": channel, "condition": fs}))
                .unwrap_err(),
            [problem("channel", "unknown_channel")],
            "{channel}"
        );
    }
    for channel in Channel::ALL {
        let r =
            draft(serde_json::json!({"name": "n", "channel": channel.as_str(), "condition": fs}))
                .unwrap();
        assert_eq!(r.min_channel, Some(channel));
    }
    // Every problem at once.
    assert_eq!(
        draft(serde_json::json!({"score": 200, "channel": "x", "condition": {"kind": "undervalued", "below_percent": 0}})).unwrap_err(),
        [
            problem("name", "missing_field"),
            problem("score", "invalid_score"),
            problem("channel", "unknown_channel"),
            problem("condition.below_percent", "invalid_percent"),
        ]
    );
}

#[test]
fn unknown_fields_and_kinds_are_refused() {
    for json in [
        serde_json::json!({"name": "n", "condition": {"kind": "first_shipment"}, "colour": "red"}),
        serde_json::json!({"name": "n", "min_channel": "red", "condition": {"kind": "first_shipment"}}),
        serde_json::json!({"name": "n", "condition": {"kind": "first_shipment", "rate_ppm": 5}}),
        serde_json::json!({"name": "n", "condition": {"kind": "origin", "countries": ["MY"], "country": "FR"}}),
        serde_json::json!({"name": "n", "condition": {"kind": "hs_prefix", "prefix": ["93"], "restriction": "prohibited"}}),
        serde_json::json!({"name": "n", "condition": {"kind": "random", "channel": "red", "rate_ppm": 5, "rate": 1}}),
        serde_json::json!({"name": "n", "condition": {"kind": "watchlist", "entries": ["a"], "min_similarity_percent": 90, "subjects": ["buyer"], "fuzzy": true}}),
        serde_json::json!({"name": "n", "condition": {"kind": "value_band", "currency": "CNY", "min": "1", "minimum": "1"}}),
        serde_json::json!({"name": "n", "condition": {"kind": "undervalued", "below_percent": 5, "percent": 5}}),
        serde_json::json!({"name": "n", "condition": {"kind": "hs_prefix_or_origin"}}),
        serde_json::json!({"name": "n", "condition": {"prefixes": ["93"], "restriction": "prohibited"}}),
        serde_json::json!({"name": "n", "score": "10", "condition": {"kind": "first_shipment"}}),
        serde_json::json!({"name": "n", "score": 1.5, "condition": {"kind": "first_shipment"}}),
    ] {
        assert!(
            serde_json::from_value::<RiskRuleDraft>(json.clone()).is_err(),
            "{json}"
        );
    }
    for json in [
        serde_json::json!({"name": "n", "colour": "red"}),
        serde_json::json!({"version": 3}),
        serde_json::json!({"condition": {"kind": "origin", "countries": ["MY"], "x": 1}}),
    ] {
        assert!(
            serde_json::from_value::<RiskRulePatch>(json.clone()).is_err(),
            "{json}"
        );
    }
}

#[test]
fn hs_prefix_conditions() {
    assert_eq!(
        condition_of(
            serde_json::json!({"kind": "hs_prefix", "prefixes": ["09", " 6109.10 ", "8517130000"], "restriction": "licence"})
        ),
        hs(&["09", "610910", "8517130000"], Restriction::Licence)
    );
    assert_eq!(
        condition_of(
            serde_json::json!({"kind": "hs_prefix", "prefixes": ["09"], "restriction": "license"})
        ),
        hs(&["09"], Restriction::Licence),
        "both spellings"
    );
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "hs_prefix", "prefixes": ["09", "9", "12345678901", "09a1", "", "0９"], "restriction": "prohibited"})
        ),
        [
            problem("condition.prefixes[1]", "invalid_hs_prefix"),
            problem("condition.prefixes[2]", "invalid_hs_prefix"),
            problem("condition.prefixes[3]", "invalid_hs_prefix"),
            problem("condition.prefixes[4]", "invalid_hs_prefix"),
            problem("condition.prefixes[5]", "invalid_hs_prefix"),
        ]
    );
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "hs_prefix", "prefixes": ["09"], "restriction": "banned"})
        ),
        [problem("condition.restriction", "unknown_restriction")]
    );
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "hs_prefix"})),
        [
            problem("condition.prefixes", "missing_field"),
            problem("condition.restriction", "missing_field")
        ]
    );
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "hs_prefix", "prefixes": [], "restriction": "licence"})
        ),
        [problem("condition.prefixes", "empty_list")]
    );
    let many: Vec<String> = (0..10_001).map(|i| format!("{:06}", 100_000 + i)).collect();
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "hs_prefix", "prefixes": many, "restriction": "licence"})
        ),
        [problem("condition.prefixes", "too_many_items")]
    );
}

#[test]
fn origin_conditions() {
    assert_eq!(
        condition_of(serde_json::json!({"kind": "origin", "countries": ["MY", "FR", "MY"]})),
        Condition::Origin {
            countries: vec![country("MY"), country("FR")]
        }
    );
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "origin", "countries": ["ZZ", "FR", "my", "FRA"]})
        ),
        [
            problem("condition.countries[0]", "unknown_country"),
            problem("condition.countries[2]", "unknown_country"),
            problem("condition.countries[3]", "unknown_country"),
        ]
    );
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "origin"})),
        [problem("condition.countries", "missing_field")]
    );
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "origin", "countries": []})),
        [problem("condition.countries", "empty_list")]
    );
}

#[test]
fn value_band_conditions() {
    let vb = |currency: Option<&str>, min: Option<&str>, max: Option<&str>| {
        let mut c = serde_json::json!({"kind": "value_band"});
        if let Some(v) = currency {
            c["currency"] = v.into();
        }
        if let Some(v) = min {
            c["min"] = v.into();
        }
        if let Some(v) = max {
            c["max"] = v.into();
        }
        c
    };
    assert_eq!(
        condition_of(vb(Some("CNY"), Some("1000"), Some("5000.50"))),
        band(cny(), Some(100_000), Some(500_050))
    );
    assert_eq!(
        condition_of(vb(Some("CNY"), Some("1000"), None)),
        band(cny(), Some(100_000), None)
    );
    assert_eq!(
        condition_of(vb(Some("USD"), None, Some("0"))),
        band(usd(), None, Some(0))
    );
    assert_eq!(
        condition_of(vb(Some("CNY"), Some("7"), Some("7"))),
        band(cny(), Some(700), Some(700)),
        "a band of one value"
    );
    assert_eq!(
        condition_of(vb(Some("JPY"), Some("1000"), None)),
        band(Currency::parse("JPY").unwrap(), Some(1_000), None),
        "minor units of the band's currency"
    );
    for (c, expected) in [
        (
            vb(Some("CNY"), None, None),
            vec![problem("condition.min", "missing_bound")],
        ),
        (
            vb(Some("CNY"), Some("10"), Some("9.99")),
            vec![problem("condition.max", "inverted_band")],
        ),
        (
            vb(None, Some("1"), None),
            vec![problem("condition.currency", "missing_field")],
        ),
        (
            vb(Some("ABC"), Some("1"), None),
            vec![problem("condition.currency", "unknown_currency")],
        ),
        (
            vb(Some("CNY"), Some("1.234"), None),
            vec![problem("condition.min", "too_precise")],
        ),
        (
            vb(Some("CNY"), None, Some("-1")),
            vec![problem("condition.max", "negative_amount")],
        ),
        (
            vb(Some("CNY"), Some("ten"), None),
            vec![problem("condition.min", "invalid_amount")],
        ),
        (
            vb(Some("JPY"), Some("1.5"), None),
            vec![problem("condition.min", "too_precise")],
        ),
        (
            vb(Some("CNY"), Some("x"), Some("-1")),
            vec![
                problem("condition.min", "invalid_amount"),
                problem("condition.max", "negative_amount"),
            ],
        ),
    ] {
        assert_eq!(condition_problems(c.clone()), expected, "{c}");
    }
}

#[test]
fn undervalued_conditions() {
    for percent in [1, 50, 100] {
        assert_eq!(
            condition_of(serde_json::json!({"kind": "undervalued", "below_percent": percent})),
            Condition::Undervalued {
                below_percent: percent as u32
            }
        );
    }
    for percent in [0, -1, 101, 1_000] {
        assert_eq!(
            condition_problems(
                serde_json::json!({"kind": "undervalued", "below_percent": percent})
            ),
            [problem("condition.below_percent", "invalid_percent")],
            "{percent}"
        );
    }
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "undervalued"})),
        [problem("condition.below_percent", "missing_field")]
    );
}

#[test]
fn watchlist_conditions() {
    let wl = |entries: serde_json::Value,
              percent: serde_json::Value,
              subjects: serde_json::Value| {
        serde_json::json!({"kind": "watchlist", "entries": entries, "min_similarity_percent": percent, "subjects": subjects})
    };
    assert_eq!(
        condition_of(wl(
            serde_json::json!([" Ivan Petrov ", "ACME Trading Ltd"]),
            90.into(),
            serde_json::json!(["buyer", "payer", "buyer", "merchant", "consignee"])
        )),
        Condition::Watchlist {
            entries: vec!["Ivan Petrov".into(), "ACME Trading Ltd".into()],
            min_similarity_percent: 90,
            subjects: vec![
                Subject::Buyer,
                Subject::Payer,
                Subject::Merchant,
                Subject::Consignee
            ],
        }
    );
    for percent in [50, 100] {
        assert!(draft(serde_json::json!({"name": "n", "condition": wl(serde_json::json!(["a"]), percent.into(), serde_json::json!(["buyer"]))})).is_ok());
    }
    for percent in [49, 0, 101] {
        assert_eq!(
            condition_problems(wl(
                serde_json::json!(["a"]),
                percent.into(),
                serde_json::json!(["buyer"])
            )),
            [problem(
                "condition.min_similarity_percent",
                "invalid_percent"
            )],
            "{percent}"
        );
    }
    assert_eq!(
        condition_problems(wl(
            serde_json::json!(["Ivan", "--- . ---", "  ", "x".repeat(201), "a\u{7}b", "Ltd"]),
            90.into(),
            serde_json::json!(["buyer"])
        )),
        [
            problem("condition.entries[1]", "invalid_entry"),
            problem("condition.entries[2]", "blank_field"),
            problem("condition.entries[3]", "too_long"),
            problem("condition.entries[4]", "invalid_characters"),
        ]
    );
    assert_eq!(
        condition_problems(wl(
            serde_json::json!(["a"]),
            90.into(),
            serde_json::json!(["buyer", "seller", "Payer"])
        )),
        [
            problem("condition.subjects[1]", "unknown_subject"),
            problem("condition.subjects[2]", "unknown_subject")
        ]
    );
    assert_eq!(
        condition_problems(wl(serde_json::json!([]), 90.into(), serde_json::json!([]))),
        [
            problem("condition.entries", "empty_list"),
            problem("condition.subjects", "empty_list")
        ]
    );
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "watchlist"})),
        [
            problem("condition.entries", "missing_field"),
            problem("condition.min_similarity_percent", "missing_field"),
            problem("condition.subjects", "missing_field"),
        ]
    );
}

#[test]
fn first_shipment_and_random_conditions() {
    assert_eq!(
        condition_of(serde_json::json!({"kind": "first_shipment"})),
        Condition::FirstShipment
    );
    for rate in [0, 1, 50_000, 1_000_000] {
        assert_eq!(
            condition_of(serde_json::json!({"kind": "random", "channel": "red", "rate_ppm": rate})),
            random(Channel::Red, rate as u32)
        );
    }
    assert_eq!(
        condition_of(
            serde_json::json!({"kind": "random", "channel": "yellow", "rate_ppm": 50_000})
        ),
        random(Channel::Yellow, 50_000)
    );
    for rate in [-1, 1_000_001] {
        assert_eq!(
            condition_problems(
                serde_json::json!({"kind": "random", "channel": "red", "rate_ppm": rate})
            ),
            [problem("condition.rate_ppm", "invalid_rate")],
            "{rate}"
        );
    }
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "random", "channel": "green", "rate_ppm": 5})
        ),
        [problem("condition.channel", "invalid_channel")]
    );
    assert_eq!(
        condition_problems(
            serde_json::json!({"kind": "random", "channel": "amber", "rate_ppm": 5})
        ),
        [problem("condition.channel", "unknown_channel")]
    );
    assert_eq!(
        condition_problems(serde_json::json!({"kind": "random"})),
        [
            problem("condition.channel", "missing_field"),
            problem("condition.rate_ppm", "missing_field")
        ]
    );
}

fn stored() -> RiskRule {
    RiskRule {
        id: "rsk_9".into(),
        name: "High value".into(),
        enabled: true,
        version: 3,
        condition: band(cny(), Some(100_000), Some(500_000)),
        score: 40,
        min_channel: Some(Channel::Yellow),
        created_at_ms: 1_000,
        updated_at_ms: 2_000,
    }
}

fn patch(
    current: &RiskRule,
    json: serde_json::Value,
) -> Result<RiskRule, Vec<(String, &'static str)>> {
    let p: RiskRulePatch = serde_json::from_value(json).expect("parses");
    p.apply(current, 9_000)
        .map_err(|errors| errors.into_iter().map(|e| (e.field, e.code)).collect())
}

#[test]
fn a_patch_changes_what_it_gives_and_bumps_the_version() {
    let r = stored();
    let bumped = RiskRule {
        version: 4,
        updated_at_ms: 9_000,
        ..r.clone()
    };
    // One field at a time; everything else kept.
    assert_eq!(
        patch(&r, serde_json::json!({"name": " Very high "})),
        Ok(RiskRule {
            name: "Very high".into(),
            ..bumped.clone()
        })
    );
    assert_eq!(
        patch(&r, serde_json::json!({"enabled": false})),
        Ok(RiskRule {
            enabled: false,
            ..bumped.clone()
        })
    );
    assert_eq!(
        patch(&r, serde_json::json!({"score": 0})),
        Ok(RiskRule {
            score: 0,
            ..bumped.clone()
        })
    );
    assert_eq!(
        patch(&r, serde_json::json!({"channel": "red"})),
        Ok(RiskRule {
            min_channel: Some(Channel::Red),
            ..bumped.clone()
        })
    );
    assert_eq!(
        patch(&r, serde_json::json!({"channel": null})),
        Ok(RiskRule {
            min_channel: None,
            ..bumped.clone()
        }),
        "null removes"
    );
    // A null that is not the channel means "absent".
    assert_eq!(
        patch(
            &r,
            serde_json::json!({"name": null, "score": null, "enabled": true})
        ),
        Ok(bumped.clone())
    );
    // The condition is replaced whole: a band given only `max` loses its `min`.
    assert_eq!(
        patch(
            &r,
            serde_json::json!({"condition": {"kind": "value_band", "currency": "CNY", "max": "100"}})
        ),
        Ok(RiskRule {
            condition: band(cny(), None, Some(10_000)),
            ..bumped.clone()
        })
    );
    assert_eq!(
        patch(
            &r,
            serde_json::json!({"condition": {"kind": "first_shipment"}})
        ),
        Ok(RiskRule {
            condition: Condition::FirstShipment,
            ..bumped.clone()
        })
    );
    // Everything at once; then again from the result.
    let all = patch(
        &r,
        serde_json::json!({"name": "n2", "enabled": false, "score": 100, "channel": "green",
            "condition": {"kind": "random", "channel": "red", "rate_ppm": 10}}),
    )
    .unwrap();
    assert_eq!(
        all,
        RiskRule {
            id: "rsk_9".into(),
            name: "n2".into(),
            enabled: false,
            version: 4,
            condition: random(Channel::Red, 10),
            score: 100,
            min_channel: Some(Channel::Green),
            created_at_ms: 1_000,
            updated_at_ms: 9_000,
        }
    );
    assert_eq!(
        patch(&all, serde_json::json!({"enabled": true}))
            .unwrap()
            .version,
        5
    );
}

#[test]
fn a_patch_is_refused_whole_when_empty_or_invalid() {
    let r = stored();
    assert_eq!(
        patch(&r, serde_json::json!({})),
        Err(vec![problem("", "empty_patch")])
    );
    assert_eq!(
        patch(&r, serde_json::json!({"name": null})),
        Err(vec![problem("", "empty_patch")])
    );
    assert!(
        !serde_json::from_value::<RiskRulePatch>(serde_json::json!({"channel": null}))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        patch(
            &r,
            serde_json::json!({"name": "", "score": 101, "channel": "pink", "enabled": false,
            "condition": {"kind": "value_band", "currency": "CNY", "min": "9", "max": "1"}})
        ),
        Err(vec![
            problem("name", "blank_field"),
            problem("score", "invalid_score"),
            problem("channel", "unknown_channel"),
            problem("condition.max", "inverted_band"),
        ])
    );
    assert_eq!(
        patch(
            &r,
            serde_json::json!({"condition": {"kind": "hs_prefix", "prefixes": ["1"], "restriction": "license"}})
        ),
        Err(vec![problem("condition.prefixes[0]", "invalid_hs_prefix")])
    );
    let mut old = r.clone();
    old.version = i64::MAX;
    assert_eq!(
        patch(&old, serde_json::json!({"score": 1})),
        Err(vec![problem("", "version_exhausted")])
    );
}
