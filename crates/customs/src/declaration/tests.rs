use super::*;
use crate::fixtures::{self, country, rule, Parcel, World};
use crate::risk::{Condition, Restriction, Subject};
use proptest::prelude::*;
use trade::order::Consignee;
use trade::Personal;

const NOW_MS: i64 = 1_795_334_400_000;
const OFFICER: &str = "pty_officer";

fn prohibited(prefix: &str) -> RiskRule {
    RiskRule {
        version: 2,
        ..rule(
            "rsk_1",
            Condition::HsPrefix {
                prefixes: vec![prefix.into()],
                restriction: Restriction::Prohibited,
            },
            10,
        )
    }
}

fn cleared(p: &Parcel, rules: &[RiskRule]) -> (Declaration, AuditEntry) {
    World::new().clear(p, rules, NOW_MS)
}

/// Every line of the fixtures comes from MY: an origin rule scores every parcel.
fn origin_my(score: i32) -> RiskRule {
    rule(
        "rsk_my",
        Condition::Origin {
            countries: vec![country("MY")],
        },
        score,
    )
}

/// How a declaration comes out of clearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    Green,
    Yellow,
    Red,
    /// A check fails (the payment's amount differs from the order's).
    Failed,
}

fn start(p: &Parcel, s: Start) -> (Declaration, AuditEntry) {
    match s {
        Start::Green => cleared(p, &[]),
        Start::Yellow => cleared(p, &[origin_my(30)]),
        Start::Red => cleared(p, &[origin_my(70)]),
        Start::Failed => {
            let mut p = p.clone();
            p.payment.amount += 1;
            cleared(&p, &[origin_my(70)])
        }
    }
}

/// What happens to a declaration after clearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Decide(Decision),
    Cancel,
    Return,
}

const OPS: [Op; 5] = [
    Op::Decide(Decision::Release),
    Op::Decide(Decision::Reject),
    Op::Decide(Decision::Inspect),
    Op::Cancel,
    Op::Return,
];

fn apply(
    d: &Declaration,
    op: Op,
    reason: &str,
    actor: &str,
    now_ms: i64,
) -> Result<(Declaration, AuditEntry), DecisionError> {
    match op {
        Op::Decide(decision) => decide(d, decision, reason, actor, now_ms),
        Op::Cancel => cancel(d, reason, actor, now_ms),
        Op::Return => mark_returned(d, reason, actor, now_ms),
    }
}

fn action_of(op: Op) -> &'static str {
    match op {
        Op::Decide(Decision::Release) => "released",
        Op::Decide(Decision::Reject) => "rejected",
        Op::Decide(Decision::Inspect) => "inspect",
        Op::Cancel => "cancelled",
        Op::Return => "returned",
    }
}

/// A declaration from `s` after `path` (every step must succeed), with its trail.
fn reach(s: Start, path: &[Op]) -> (Declaration, Vec<AuditEntry>) {
    let (mut d, e) = start(&Parcel::new(), s);
    let mut trail = vec![e];
    for (i, op) in path.iter().enumerate() {
        let (next, e) = apply(&d, *op, "step", OFFICER, NOW_MS + 1 + i as i64).unwrap();
        d = next;
        trail.push(e);
    }
    (d, trail)
}

use Channel::{Green as G, Red as R, Yellow as Y};
use DeclarationStatus::{
    Cancelled as CANCELLED, Held as HELD, Rejected as REJECTED, Released as RELEASED,
    Returned as RETURNED,
};
type Outcome = Result<(DeclarationStatus, Option<Channel>), DecisionError>;

/// The state diagram, written out: for each reachable state, the outcome of each of [`OPS`].
fn diagram() -> Vec<(&'static str, Start, Vec<Op>, [Outcome; 5])> {
    use DecisionError::*;
    let ended = |s: DeclarationStatus| -> [Outcome; 5] {
        [
            Err(NotHeld(s)),
            Err(NotHeld(s)),
            Err(NotHeld(s)),
            Err(NotCancellable(s)),
            Err(NotReturnable(s)),
        ]
    };
    let released = |c: Channel| -> [Outcome; 5] {
        [
            Err(NotHeld(RELEASED)),
            Err(NotHeld(RELEASED)),
            Err(NotHeld(RELEASED)),
            Ok((CANCELLED, Some(c))),
            Ok((RETURNED, Some(c))),
        ]
    };
    let held_red: [Outcome; 5] = [
        Ok((RELEASED, Some(R))),
        Ok((REJECTED, Some(R))),
        Err(AlreadyRed),
        Ok((CANCELLED, Some(R))),
        Err(NotReturnable(HELD)),
    ];
    let rel = Op::Decide(Decision::Release);
    let rej = Op::Decide(Decision::Reject);
    let insp = Op::Decide(Decision::Inspect);
    vec![
        (
            "held yellow",
            Start::Yellow,
            vec![],
            [
                Ok((RELEASED, Some(Y))),
                Ok((REJECTED, Some(Y))),
                Ok((HELD, Some(R))),
                Ok((CANCELLED, Some(Y))),
                Err(NotReturnable(HELD)),
            ],
        ),
        ("held red", Start::Red, vec![], held_red),
        ("inspected", Start::Yellow, vec![insp], held_red),
        ("released green", Start::Green, vec![], released(G)),
        (
            "released by an officer",
            Start::Yellow,
            vec![rel],
            released(Y),
        ),
        (
            "released after inspection",
            Start::Yellow,
            vec![insp, rel],
            released(R),
        ),
        (
            "rejected by the checks",
            Start::Failed,
            vec![],
            ended(REJECTED),
        ),
        (
            "rejected by an officer",
            Start::Red,
            vec![rej],
            ended(REJECTED),
        ),
        (
            "cancelled while held",
            Start::Yellow,
            vec![Op::Cancel],
            ended(CANCELLED),
        ),
        (
            "cancelled after release",
            Start::Green,
            vec![Op::Cancel],
            ended(CANCELLED),
        ),
        ("returned", Start::Green, vec![Op::Return], ended(RETURNED)),
        (
            "returned after a decision",
            Start::Red,
            vec![rel, Op::Return],
            ended(RETURNED),
        ),
    ]
}

/// The next declaration `apply` must give: only status, channel, version and the two times change.
fn expected_next(
    d: &Declaration,
    to: DeclarationStatus,
    channel: Option<Channel>,
    now_ms: i64,
) -> Declaration {
    let decided = d.status == HELD && matches!(to, RELEASED | REJECTED);
    Declaration {
        status: to,
        channel,
        version: d.version + 1,
        decided_at_ms: if decided {
            Some(now_ms)
        } else {
            d.decided_at_ms
        },
        released_at_ms: if to == RELEASED {
            Some(now_ms)
        } else {
            d.released_at_ms
        },
        ..d.clone()
    }
}

#[test]
fn every_transition_of_the_diagram_and_no_other() {
    let now = NOW_MS + 1_000;
    for (name, s, path, outcomes) in diagram() {
        let (d, trail) = reach(s, &path);
        assert_eq!(d.version, trail.len() as i64, "{name}");
        for (op, expected) in OPS.into_iter().zip(outcomes) {
            let got = apply(&d, op, "  the officer's reason\n", OFFICER, now);
            let (next, entry) = match (got, expected) {
                (Err(e), Err(x)) => {
                    assert_eq!(e, x, "{name}: {op:?}");
                    continue;
                }
                (Ok(ok), Ok(_)) => ok,
                (got, x) => panic!(
                    "{name}: {op:?} gave {:?}, expected {x:?}",
                    got.map(|g| g.0.status)
                ),
            };
            let (to, channel) = expected.unwrap();
            assert_eq!(next, expected_next(&d, to, channel, now), "{name}: {op:?}");
            assert_eq!(
                entry,
                AuditEntry {
                    declaration_id: d.id.clone(),
                    seq: d.version + 1,
                    at_ms: now,
                    actor_id: OFFICER.into(),
                    action: action_of(op),
                    from_status: Some(d.status),
                    to_status: to,
                    channel,
                    reason: "the officer's reason".into(),
                },
                "{name}: {op:?}"
            );
            assert!(d.status.can_become(to), "{name}: {op:?}");
            let mut longer = trail.clone();
            longer.push(entry);
            assert_eq!(replay(&longer), Ok((to, channel)), "{name}: {op:?}");
        }
    }
}

#[test]
fn the_allowed_transitions_are_exactly_those_of_the_diagram() {
    let allowed = [
        (HELD, HELD),
        (HELD, RELEASED),
        (HELD, REJECTED),
        (HELD, CANCELLED),
        (RELEASED, CANCELLED),
        (RELEASED, RETURNED),
    ];
    for from in DeclarationStatus::ALL {
        for to in DeclarationStatus::ALL {
            assert_eq!(
                from.can_become(to),
                allowed.contains(&(from, to)),
                "{from:?} → {to:?}"
            );
        }
        assert_eq!(
            from.is_final(),
            matches!(from, REJECTED | CANCELLED | RETURNED),
            "{from:?}"
        );
        assert_eq!(
            from.counts_toward_quota(),
            matches!(from, HELD | RELEASED),
            "{from:?}"
        );
        assert_eq!(DeclarationStatus::parse(from.as_str()), Some(from));
    }
    for d in Decision::ALL {
        assert_eq!(Decision::parse(d.as_str()), Some(d));
    }
    assert_eq!(DeclarationStatus::parse("Held"), None);
    assert_eq!(Decision::parse("approve"), None);
    for a in ACTIONS {
        assert_eq!(parse_action(a), Some(a));
    }
    assert_eq!(parse_action("deleted"), None);
    // Every action the functions write is one of ACTIONS.
    for op in OPS {
        assert!(ACTIONS.contains(&action_of(op)));
    }
}

#[test]
fn a_clean_parcel_is_released_at_once() {
    let (d, e) = cleared(&Parcel::new(), &[]);
    assert_eq!(d.status, DeclarationStatus::Released);
    assert_eq!(d.channel, Some(Channel::Green));
    assert_eq!((d.score, d.hits.len(), d.version), (0, 0, 1));
    assert!(d.failures.is_empty());
    assert_eq!(
        (d.created_at_ms, d.decided_at_ms, d.released_at_ms),
        (NOW_MS, Some(NOW_MS), Some(NOW_MS))
    );
    assert_eq!((e.seq, e.action, e.from_status), (1, "cleared", None));
    assert_eq!((e.actor_id.as_str(), e.at_ms), (AUTOMATIC_ACTOR, NOW_MS));
    assert_eq!(
        e.reason,
        "automatic checks passed; risk score 0, channel green"
    );
    assert_eq!(
        replay(&[e]),
        Ok((DeclarationStatus::Released, Some(Channel::Green)))
    );
}

#[test]
fn clearance_copies_the_documents_and_the_seed() {
    let p = Parcel::new();
    let mut w = World::new();
    w.declaration_id = "dec_abc".into();
    w.seed = 0xdead_beef;
    let (d, e) = w.clear(&p, &[], NOW_MS);
    assert_eq!(
        (
            d.id.as_str(),
            d.order_id.as_str(),
            d.payment_id.as_str(),
            d.waybill_id.as_str(),
            d.merchant_id.as_str(),
            d.submitted_by.as_str(),
            d.inventory_no.as_str(),
        ),
        ("dec_abc", "ord_1", "pay_1", "wb_1", "pty_m", "pty_plat", "INV-1")
    );
    assert_eq!(
        (d.destination, d.currency),
        (country("CN"), fixtures::cny())
    );
    assert_eq!((d.seed, d.computed_tax), (0xdead_beef, 2_195));
    assert_eq!(e.declaration_id, "dec_abc");
}

#[test]
fn yellow_and_red_are_held_for_an_officer() {
    for (rules, channel, score) in [
        (vec![origin_my(30)], Channel::Yellow, 30),
        (vec![origin_my(69)], Channel::Yellow, 69),
        (vec![origin_my(70)], Channel::Red, 70),
        (vec![prohibited("0902")], Channel::Red, 10),
    ] {
        let (d, e) = cleared(&Parcel::new(), &rules);
        assert_eq!((d.status, d.channel, d.score), (HELD, Some(channel), score));
        assert_eq!(
            (d.decided_at_ms, d.released_at_ms),
            (None, None),
            "not decided yet"
        );
        assert_eq!(d.hits.len(), 1);
        assert_eq!((e.to_status, e.channel), (HELD, Some(channel)));
        let id = &rules[0].id;
        let v = rules[0].version;
        assert_eq!(
            e.reason,
            format!(
                "automatic checks passed; risk score {score}, channel {} (rules {id} v{v})",
                channel.as_str()
            )
        );
        assert_eq!(replay(&[e]), Ok((HELD, Some(channel))));
    }
    let (d, _) = cleared(&Parcel::new(), &[origin_my(29)]);
    assert_eq!(
        (d.status, d.channel),
        (RELEASED, Some(G)),
        "29 is still green"
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
        decide(&d, Decision::Inspect, "look", OFFICER, NOW_MS),
        Err(DecisionError::AlreadyRed)
    );
    let (d2, e2) = decide(&d, Decision::Reject, "firearm parts", OFFICER, NOW_MS + 5).unwrap();
    assert_eq!(
        (d2.status, d2.version, d2.decided_at_ms, d2.released_at_ms),
        (DeclarationStatus::Rejected, 2, Some(NOW_MS + 5), None)
    );
    assert_eq!(
        replay(&[e1, e2]),
        Ok((DeclarationStatus::Rejected, Some(Channel::Red)))
    );
    assert_eq!(
        decide(&d2, Decision::Release, "oops", OFFICER, NOW_MS),
        Err(DecisionError::NotHeld(DeclarationStatus::Rejected))
    );
}

#[test]
fn failed_checks_reject_without_a_channel() {
    let mut p = Parcel::new();
    p.payment.amount += 1;
    // Rules that would fire on every parcel, and force red.
    let rules = [
        prohibited("0902"),
        origin_my(100),
        rule("rsk_f", Condition::FirstShipment, 50),
    ];
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    let (d, e) = w.clear(&p, &rules, NOW_MS);
    assert_eq!(
        (d.status, d.channel, d.score),
        (DeclarationStatus::Rejected, None, 0)
    );
    assert!(d.hits.is_empty(), "no risk assessment after a failed check");
    assert_eq!(d.failures[0].code, crate::clearance::PAYMENT_MISMATCH);
    assert_eq!((d.decided_at_ms, d.released_at_ms), (Some(NOW_MS), None));
    assert_eq!(
        (e.to_status, e.channel, e.from_status),
        (REJECTED, None, None)
    );
    assert!(
        e.reason.starts_with("automatic checks failed: "),
        "{}",
        e.reason
    );
    assert!(e.reason.contains("7 payment_mismatch"), "{}", e.reason);
    assert_eq!(replay(&[e]), Ok((REJECTED, None)));
}

#[test]
fn an_inspection_sends_yellow_to_red_and_stays_held() {
    let (d, trail) = reach(Start::Yellow, &[]);
    let (d2, e2) = decide(&d, Decision::Inspect, "open it", OFFICER, NOW_MS + 10).unwrap();
    assert_eq!((d2.status, d2.channel, d2.version), (HELD, Some(R), 2));
    assert_eq!(
        (d2.decided_at_ms, d2.released_at_ms),
        (None, None),
        "still waiting"
    );
    assert_eq!(
        (e2.action, e2.from_status, e2.to_status),
        ("inspect", Some(HELD), HELD)
    );
    assert_eq!(
        decide(&d2, Decision::Inspect, "again", OFFICER, NOW_MS + 11),
        Err(DecisionError::AlreadyRed)
    );
    let (d3, e3) = decide(
        &d2,
        Decision::Release,
        "nothing found",
        OFFICER,
        NOW_MS + 20,
    )
    .unwrap();
    assert_eq!((d3.status, d3.channel, d3.version), (RELEASED, Some(R), 3));
    assert_eq!(
        (d3.decided_at_ms, d3.released_at_ms),
        (Some(NOW_MS + 20), Some(NOW_MS + 20))
    );
    assert_eq!(replay(&[trail[0].clone(), e2, e3]), Ok((RELEASED, Some(R))));
}

#[test]
fn cancel_and_return_keep_the_times_of_the_decision() {
    // Released at clearance, cancelled later.
    let (d, _) = reach(Start::Green, &[]);
    let (c, _) = cancel(&d, "order cancelled", "pty_plat", NOW_MS + 50).unwrap();
    assert_eq!(
        (c.status, c.decided_at_ms, c.released_at_ms),
        (CANCELLED, Some(NOW_MS), Some(NOW_MS))
    );
    // Released by an officer, returned later.
    let (d, _) = reach(Start::Yellow, &[Op::Decide(Decision::Release)]);
    let (r, e) = mark_returned(&d, "refused at the door", "pty_c", NOW_MS + 50).unwrap();
    assert_eq!(
        (r.status, r.decided_at_ms, r.released_at_ms),
        (RETURNED, Some(NOW_MS + 1), Some(NOW_MS + 1))
    );
    assert_eq!(e.actor_id, "pty_c");
    // Held, then cancelled: neither released nor rejected, so never decided.
    let (d, _) = reach(Start::Red, &[]);
    let (c, _) = cancel(&d, "order cancelled", "pty_plat", NOW_MS + 50).unwrap();
    assert_eq!((c.status, c.channel), (CANCELLED, Some(R)));
    assert_eq!((c.decided_at_ms, c.released_at_ms), (None, None));
}

#[test]
fn refusals_are_checked_actor_then_reason_then_state() {
    use DecisionError::*;
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    let long_and_bad = format!("{}\u{7}", "x".repeat(MAX_REASON_CHARS + 1));
    // A final declaration refuses every operation for its state; the actor and the reason come
    // first. A held red one refuses a second inspection.
    let (returned, _) = reach(Start::Green, &[Op::Return]);
    let (red, _) = reach(Start::Red, &[]);
    let cases: Vec<(&Declaration, Op)> = OPS
        .iter()
        .map(|op| (&returned, *op))
        .chain([(&red, Op::Decide(Decision::Inspect)), (&red, Op::Return)])
        .collect();
    for (d, op) in cases {
        let state_error = apply(d, op, "ok", OFFICER, NOW_MS).unwrap_err();
        assert!(matches!(
            state_error,
            NotHeld(_) | NotCancellable(_) | NotReturnable(_) | AlreadyRed
        ));
        for (actor, reason, expected) in [
            ("", "", ActorRequired),
            ("  \t", "ok", ActorRequired),
            ("", "\u{7}", ActorRequired),
            (OFFICER, "", ReasonRequired),
            (OFFICER, " \n\t ", ReasonRequired),
            (OFFICER, long.as_str(), ReasonTooLong),
            (OFFICER, long_and_bad.as_str(), ReasonTooLong),
            (OFFICER, "bell\u{7}", ReasonInvalid),
            (OFFICER, "ok", state_error),
        ] {
            assert_eq!(
                apply(d, op, reason, actor, NOW_MS),
                Err(expected),
                "{op:?} {actor:?} {reason:?}"
            );
        }
    }
    // The codes are stable.
    assert_eq!(
        [
            ActorRequired,
            ReasonRequired,
            ReasonTooLong,
            ReasonInvalid,
            NotHeld(HELD),
            AlreadyRed,
            NotCancellable(HELD),
            NotReturnable(HELD),
            VersionExhausted
        ]
        .map(DecisionError::as_str),
        [
            "actor_required",
            "reason_required",
            "reason_too_long",
            "reason_invalid",
            "not_held",
            "already_red",
            "not_cancellable",
            "not_returnable",
            "version_exhausted"
        ]
    );
}

#[test]
fn reasons_are_trimmed_bounded_and_free_of_control_characters() {
    let (d, _) = reach(Start::Yellow, &[]);
    let ok = |reason: &str| {
        decide(&d, Decision::Release, reason, OFFICER, NOW_MS).map(|(_, e)| e.reason)
    };
    assert_eq!(ok("  seen \n"), Ok("seen".into()));
    assert_eq!(
        ok("line one\nline two\tcol"),
        Ok("line one\nline two\tcol".into())
    );
    // 500 characters, counted as characters (3 bytes each here), not bytes.
    let max = "审".repeat(MAX_REASON_CHARS);
    assert_eq!(ok(&max), Ok(max.clone()));
    assert_eq!(
        ok(&format!("  {max}\n ")),
        Ok(max.clone()),
        "trimmed before counting"
    );
    assert_eq!(ok(&format!("{max}审")), Err(DecisionError::ReasonTooLong));
    for c in [
        '\0', '\u{7}', '\u{8}', '\r', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}',
    ] {
        assert_eq!(
            ok(&format!("a{c}b")),
            Err(DecisionError::ReasonInvalid),
            "{c:?}"
        );
    }
    // A trailing control character that is not white space is not trimmed away.
    assert_eq!(ok("done\u{0}"), Err(DecisionError::ReasonInvalid));
}

#[test]
fn versions_cannot_overflow() {
    let (mut d, _) = reach(Start::Yellow, &[]);
    d.version = i64::MAX;
    for op in [
        Op::Decide(Decision::Release),
        Op::Decide(Decision::Inspect),
        Op::Cancel,
    ] {
        assert_eq!(
            apply(&d, op, "ok", OFFICER, NOW_MS),
            Err(DecisionError::VersionExhausted)
        );
    }
    // The state's refusal comes before.
    assert_eq!(
        apply(&d, Op::Return, "ok", OFFICER, NOW_MS),
        Err(DecisionError::NotReturnable(HELD))
    );
    d.version = i64::MAX - 1;
    let (next, e) = apply(&d, Op::Cancel, "ok", OFFICER, NOW_MS).unwrap();
    assert_eq!((next.version, e.seq), (i64::MAX, i64::MAX));
}

#[test]
fn replay_refuses_tampered_trails() {
    let (_, trail) = reach(
        Start::Yellow,
        &[
            Op::Decide(Decision::Inspect),
            Op::Decide(Decision::Release),
            Op::Return,
        ],
    );
    assert_eq!(replay(&trail), Ok((RETURNED, Some(R))));
    assert_eq!(replay(&[]), Err(ReplayError::Empty));
    // Prefixes of a valid trail are valid.
    assert_eq!(replay(&trail[..2]), Ok((HELD, Some(R))));

    let tampered = |f: &dyn Fn(&mut Vec<AuditEntry>)| {
        let mut t = trail.clone();
        f(&mut t);
        replay(&t)
    };
    use ReplayError::*;
    assert_eq!(tampered(&|t| t.swap(1, 2)), Err(OutOfSequence(1)));
    assert_eq!(tampered(&|t| drop(t.remove(0))), Err(OutOfSequence(0)));
    assert_eq!(tampered(&|t| drop(t.remove(1))), Err(OutOfSequence(1)));
    assert_eq!(tampered(&|t| t[3].seq = 5), Err(OutOfSequence(3)));
    assert_eq!(tampered(&|t| t[0].seq = 0), Err(OutOfSequence(0)));
    // Skipping the inspection and renumbering: the release no longer follows.
    assert_eq!(
        tampered(&|t| {
            t.remove(1);
            t[1].seq = 2;
            t[2].seq = 3;
        }),
        Err(NotAllowed(1))
    );
    assert_eq!(
        tampered(&|t| t[0].from_status = Some(HELD)),
        Err(Discontinuous(0))
    );
    assert_eq!(
        tampered(&|t| t[2].from_status = Some(RELEASED)),
        Err(Discontinuous(2))
    );
    assert_eq!(
        tampered(&|t| t[2].from_status = None),
        Err(Discontinuous(2))
    );
    // An entry that does what no function does.
    assert_eq!(
        tampered(&|t| t[3].to_status = CANCELLED),
        Err(NotAllowed(3))
    );
    assert_eq!(tampered(&|t| t[1].channel = Some(G)), Err(NotAllowed(1)));
    assert_eq!(tampered(&|t| t[2].channel = Some(Y)), Err(NotAllowed(2)));
    assert_eq!(tampered(&|t| t[1].action = "cleared"), Err(NotAllowed(1)));
    assert_eq!(tampered(&|t| t[0].action = "released"), Err(NotAllowed(0)));
    assert_eq!(tampered(&|t| t[0].to_status = RELEASED), Err(NotAllowed(0)));
    assert_eq!(tampered(&|t| t[0].channel = None), Err(NotAllowed(0)));
    // An entry after the end: a returned declaration is final.
    assert_eq!(
        tampered(&|t| {
            let mut e = t[3].clone();
            e.seq = 5;
            e.from_status = Some(RETURNED);
            e.action = "cancelled";
            e.to_status = CANCELLED;
            t.push(e);
        }),
        Err(NotAllowed(4))
    );
    // A clearance that no clearance writes.
    for (to, channel) in [
        (RELEASED, Some(Y)),
        (RELEASED, None),
        (HELD, Some(G)),
        (HELD, None),
        (REJECTED, Some(R)),
        (CANCELLED, Some(G)),
        (RETURNED, Some(G)),
    ] {
        let mut e = trail[0].clone();
        (e.to_status, e.channel) = (to, channel);
        assert_eq!(replay(&[e]), Err(NotAllowed(0)), "{to:?} {channel:?}");
    }
    // An inspection of a red declaration, or a return of a held one.
    let (_, red) = reach(Start::Red, &[]);
    let mut e = trail[1].clone();
    e.declaration_id = red[0].declaration_id.clone();
    assert_eq!(replay(&[red[0].clone(), e]), Err(NotAllowed(1)));
    let mut e = trail[3].clone();
    (e.seq, e.from_status, e.channel) = (2, Some(HELD), Some(Y));
    assert_eq!(replay(&[trail[0].clone(), e]), Err(NotAllowed(1)));
}

const NAME: &str = "Wang Fang";
const ID_NUMBER: &str = "11010519491231002X";

/// Nothing that names the buyer may show, whole or in part.
fn assert_no_personal_values(text: &str) {
    for needle in [
        NAME,
        "Wang",
        "Fang",
        "wang",
        "fang",
        ID_NUMBER,
        "19491231",
        "1 Wensan Road",
        "+86 138 0000 0000",
        "13800000000",
        "Zhou Xun",
        "Zhou",
        "Li Lei",
    ] {
        assert!(!text.contains(needle), "{needle:?} in {text}");
    }
}

#[test]
fn audit_entries_never_contain_personal_values() {
    let mut p = Parcel::new();
    assert_eq!(
        (
            p.order.buyer.name.expose(),
            p.order.buyer.id_number.expose()
        ),
        (NAME, ID_NUMBER)
    );
    p.order.consignee = Some(Consignee {
        name: Personal::new("Zhou Xun"),
        address: Personal::new("1 Wensan Road, Hangzhou"),
        phone: Personal::new("13800000000"),
    });
    p.waybill.consignee.name = Personal::new("Zhou Xun");
    let watch = rule(
        "rsk_w",
        Condition::Watchlist {
            entries: vec!["Wang Fang".into(), "Zhou Xun".into(), "Kedai Batik".into()],
            min_similarity_percent: 80,
            subjects: Subject::ALL.to_vec(),
        },
        40,
    );
    let mut w = World::new();
    w.merchant_prior_releases = 0;
    let rules = [watch, rule("rsk_f", Condition::FirstShipment, 5)];
    let (d, e) = w.clear(&p, &rules, NOW_MS);
    assert_eq!((d.status, d.channel), (HELD, Some(Y)));
    assert_eq!(d.hits.len(), 2, "{:?}", d.hits);
    let mut text = vec![serde_json::to_string(&e).unwrap(), format!("{d:?}")];
    let mut cur = d;
    for op in [
        Op::Decide(Decision::Inspect),
        Op::Decide(Decision::Release),
        Op::Return,
    ] {
        let (next, e) = apply(&cur, op, "checked", OFFICER, NOW_MS + 1).unwrap();
        text.push(serde_json::to_string(&e).unwrap());
        text.push(format!("{next:?}"));
        cur = next;
    }
    for h in &cur.hits {
        text.push(serde_json::to_string(h).unwrap());
    }
    assert!(cur.hits[0]
        .reason
        .contains("buyer name is 100% similar to watchlist entry 1"));
    for t in &text {
        assert_no_personal_values(t);
    }

    // Failed checks on the buyer's identity and the payer: the codes, not the values.
    let mut p = Parcel::new();
    p.payment.payer.name = Personal::new("Li Lei");
    p.set_buyer_id("11010519491231002Y");
    let (d, e) = cleared(&p, &rules);
    assert_eq!(d.status, REJECTED);
    assert!(!d.failures.is_empty());
    assert_no_personal_values(&serde_json::to_string(&e).unwrap());
    assert_no_personal_values(&format!("{d:?}"));
    assert!(!e.reason.contains("1949"), "{}", e.reason);
}

// ---- property tests: random histories replay to the state the functions reached ----

/// The state the diagram predicts, with the reason and actor rules restated.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    status: DeclarationStatus,
    channel: Option<Channel>,
    decided_at_ms: Option<i64>,
    released_at_ms: Option<i64>,
    version: i64,
}

fn model_of(d: &Declaration) -> Model {
    Model {
        status: d.status,
        channel: d.channel,
        decided_at_ms: d.decided_at_ms,
        released_at_ms: d.released_at_ms,
        version: d.version,
    }
}

fn predict(
    m: &Model,
    op: Op,
    actor: &str,
    reason: &str,
    now_ms: i64,
) -> Result<Model, DecisionError> {
    use DecisionError::*;
    if actor.trim().is_empty() {
        return Err(ActorRequired);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ReasonRequired);
    }
    if reason.chars().count() > 500 {
        return Err(ReasonTooLong);
    }
    if reason.contains(|c: char| c.is_control() && c != '\n' && c != '\t') {
        return Err(ReasonInvalid);
    }
    let (status, channel) = match (m.status, op) {
        (HELD, Op::Decide(Decision::Release)) => (RELEASED, m.channel),
        (HELD, Op::Decide(Decision::Reject)) => (REJECTED, m.channel),
        (HELD, Op::Decide(Decision::Inspect)) if m.channel == Some(R) => return Err(AlreadyRed),
        (HELD, Op::Decide(Decision::Inspect)) => (HELD, Some(R)),
        (s, Op::Decide(_)) => return Err(NotHeld(s)),
        (HELD | RELEASED, Op::Cancel) => (CANCELLED, m.channel),
        (s, Op::Cancel) => return Err(NotCancellable(s)),
        (RELEASED, Op::Return) => (RETURNED, m.channel),
        (s, Op::Return) => return Err(NotReturnable(s)),
    };
    let decided = m.status == HELD && matches!(status, RELEASED | REJECTED);
    Ok(Model {
        status,
        channel,
        decided_at_ms: if decided {
            Some(now_ms)
        } else {
            m.decided_at_ms
        },
        released_at_ms: if status == RELEASED {
            Some(now_ms)
        } else {
            m.released_at_ms
        },
        version: m.version + 1,
    })
}

fn start_strategy() -> impl Strategy<Value = Start> {
    prop_oneof![
        Just(Start::Green),
        Just(Start::Yellow),
        Just(Start::Red),
        Just(Start::Failed)
    ]
}

/// An operation, mostly by a valid actor with a valid reason.
fn step() -> impl Strategy<Value = (Op, &'static str, String)> {
    let op = prop::sample::select(OPS.to_vec());
    let actor = prop_oneof![9 => Just(OFFICER), 1 => Just(" ")];
    let reason = prop_oneof![
        12 => "[a-z]{1,12}( [a-z]{1,8}){0,3}",
        1 => Just(" \n ".to_string()),
        1 => Just("y".repeat(501)),
        1 => Just("tab\tand\nline".to_string()),
        1 => Just("nul\u{0}".to_string()),
    ];
    (op, actor, reason)
}

/// A cleared declaration and what happens to it: the trail of the steps that succeeded.
fn history(
    p: &Parcel,
    s: Start,
    steps: &[(Op, &'static str, String)],
) -> Result<(Declaration, Vec<AuditEntry>), TestCaseError> {
    let (mut d, e) = start(p, s);
    let expected_start = match s {
        Start::Green => (RELEASED, Some(G)),
        Start::Yellow => (HELD, Some(Y)),
        Start::Red => (HELD, Some(R)),
        Start::Failed => (REJECTED, None),
    };
    prop_assert_eq!((d.status, d.channel), expected_start);
    let mut trail = vec![e];
    for (i, (op, actor, reason)) in steps.iter().enumerate() {
        let now = NOW_MS + 1 + i as i64;
        let predicted = predict(&model_of(&d), *op, actor, reason, now);
        match apply(&d, *op, reason, actor, now) {
            Ok((next, e)) => {
                prop_assert_eq!(Ok(model_of(&next)), predicted, "{:?}", op);
                prop_assert_eq!(e.seq, next.version);
                prop_assert_eq!(e.seq, trail.len() as i64 + 1);
                prop_assert_eq!(
                    (e.from_status, e.to_status, e.channel),
                    (Some(d.status), next.status, next.channel)
                );
                prop_assert_eq!(e.action, action_of(*op));
                prop_assert_eq!(e.reason.as_str(), reason.trim());
                d = next;
                trail.push(e);
            }
            Err(err) => prop_assert_eq!(Err(err), predicted, "{:?}", op),
        }
        prop_assert_eq!(replay(&trail), Ok((d.status, d.channel)));
    }
    prop_assert_eq!(d.version, trail.len() as i64);
    Ok((d, trail))
}

/// How to tamper with entry `k` of a trail.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    Seq,
    Remove,
    FromStatus,
    ToStatus,
    Action,
    Channel,
    Swap,
}

proptest! {
    #[test]
    fn replay_of_the_trail_equals_the_final_state(
        p in fixtures::parcel(),
        s in start_strategy(),
        steps in prop::collection::vec(step(), 0..12),
    ) {
        history(&p, s, &steps)?;
    }

    #[test]
    fn replay_refuses_any_tampering(
        s in start_strategy(),
        steps in prop::collection::vec((prop::sample::select(OPS.to_vec()), Just(OFFICER), Just("ok".to_string())), 1..8),
        tamper in prop::sample::select(vec![
            Tamper::Seq, Tamper::Remove, Tamper::FromStatus, Tamper::ToStatus,
            Tamper::Action, Tamper::Channel, Tamper::Swap,
        ]),
        which in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
    ) {
        let (_, mut trail) = history(&Parcel::new(), s, &steps)?;
        let n = trail.len();
        let k = which.index(n);
        let expected = match tamper {
            Tamper::Seq => {
                trail[k].seq += 1 + other.index(3) as i64;
                ReplayError::OutOfSequence(k)
            }
            Tamper::Remove => {
                // Removing the last entry leaves a valid (shorter) trail.
                prop_assume!(k + 1 < n);
                trail.remove(k);
                ReplayError::OutOfSequence(k)
            }
            Tamper::Swap => {
                prop_assume!(n >= 2);
                let j = other.index(n - 1);
                let j = if j >= k { j + 1 } else { j };
                trail.swap(k, j);
                ReplayError::OutOfSequence(k.min(j))
            }
            Tamper::FromStatus => {
                let was = trail[k].from_status;
                let choices: Vec<Option<DeclarationStatus>> = std::iter::once(None)
                    .chain(DeclarationStatus::ALL.into_iter().map(Some))
                    .filter(|f| *f != was)
                    .collect();
                trail[k].from_status = choices[other.index(choices.len())];
                ReplayError::Discontinuous(k)
            }
            Tamper::ToStatus => {
                let was = trail[k].to_status;
                let choices: Vec<_> = DeclarationStatus::ALL.into_iter().filter(|t| *t != was).collect();
                trail[k].to_status = choices[other.index(choices.len())];
                ReplayError::NotAllowed(k)
            }
            Tamper::Action => {
                let was = trail[k].action;
                let choices: Vec<_> = ACTIONS.into_iter().filter(|a| *a != was).collect();
                trail[k].action = choices[other.index(choices.len())];
                ReplayError::NotAllowed(k)
            }
            Tamper::Channel => {
                // A held clearance may be yellow or red; any later change keeps the channel
                // (an inspection makes it red).
                prop_assume!(k > 0 || trail[0].to_status != HELD);
                let was = trail[k].channel;
                let choices: Vec<Option<Channel>> = std::iter::once(None)
                    .chain(Channel::ALL.into_iter().map(Some))
                    .filter(|c| *c != was)
                    .collect();
                trail[k].channel = choices[other.index(choices.len())];
                ReplayError::NotAllowed(k)
            }
        };
        prop_assert_eq!(replay(&trail), Err(expected));
    }
}
