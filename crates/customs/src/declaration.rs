//! The declaration (the CEB621 inventory list): the outcome of the automatic checks and the risk
//! assessment, an officer's decisions on it, and the audit trail of every change.
//!
//! ```text
//!                      checks fail
//!   (order, payment,  ─────────────▶ Rejected
//!    waybill) clear   ── green ────▶ Released ──┬── cancel ──▶ Cancelled
//!                     ── yellow/red ▶ Held ─────┤└─ return ──▶ Returned
//!                                     │  ▲      │
//!                     inspect (yellow → red)    ├── release ─▶ Released
//!                                     └──┘      ├── reject ──▶ Rejected
//!                                               └── cancel ──▶ Cancelled
//! ```
//! - Only a held declaration is decided. `inspect` sends a yellow (document check) declaration
//!   to red (physical inspection); it stays held. `release` and `reject` end the wait.
//! - The order's cancellation cancels a held or released declaration; a return (refused at the
//!   door, or sent back after delivery) applies to a released one only: a held parcel never left.
//! - Rejected, Cancelled and Returned are final.
//!
//! Every change returns the next [`Declaration`] (version + 1) and one [`AuditEntry`] whose
//! `seq` is that version: the clearance is entry 1, and the entries replayed in order reproduce
//! the status and channel ([`replay`]). What a change does to the buyer's annual quota is in
//! [`crate::quota::movement_for_transition`].

use crate::clearance::{check, CheckFailure, ClearanceInput};
use crate::risk::{assess, Channel, ChannelThresholds, RiskFacts, RiskRule, RuleHit};
use serde::{Deserialize, Serialize};
use trade::{Country, Currency};

/// Where a declaration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    Released,
    /// Waiting for an officer: yellow for a document check, red for a physical inspection.
    Held,
    Rejected,
    Cancelled,
    Returned,
}

impl DeclarationStatus {
    pub const ALL: [DeclarationStatus; 5] = [
        DeclarationStatus::Released,
        DeclarationStatus::Held,
        DeclarationStatus::Rejected,
        DeclarationStatus::Cancelled,
        DeclarationStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeclarationStatus::Released => "released",
            DeclarationStatus::Held => "held",
            DeclarationStatus::Rejected => "rejected",
            DeclarationStatus::Cancelled => "cancelled",
            DeclarationStatus::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<DeclarationStatus> {
        DeclarationStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The transitions after clearance (Held → Held is an inspection).
    pub fn can_become(self, next: DeclarationStatus) -> bool {
        use DeclarationStatus::*;
        matches!(
            (self, next),
            (Held, Held)
                | (Held, Released)
                | (Held, Rejected)
                | (Held, Cancelled)
                | (Released, Cancelled)
                | (Released, Returned)
        )
    }

    pub fn is_final(self) -> bool {
        DeclarationStatus::ALL
            .iter()
            .all(|next| !self.can_become(*next))
    }

    /// Whether a declaration in this status holds its order's amount in the buyer's annual quota.
    pub fn counts_toward_quota(self) -> bool {
        matches!(self, DeclarationStatus::Released | DeclarationStatus::Held)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// `dec_…`
    pub id: String,
    pub order_id: String,
    pub payment_id: String,
    pub waybill_id: String,
    pub merchant_id: String,
    /// The party that submitted the order (merchant or platform).
    pub submitted_by: String,
    pub destination: Country,
    /// The order's currency: of `computed_tax`.
    pub currency: Currency,
    pub status: DeclarationStatus,
    /// `None` when the automatic checks failed (no risk assessment ran).
    pub channel: Option<Channel>,
    pub score: i32,
    pub failures: Vec<CheckFailure>,
    pub hits: Vec<RuleHit>,
    /// The random-selection seed: with the rules' versions it replays the channel.
    pub seed: u64,
    /// Duty and taxes computed at clearance, in minor units of `currency`.
    pub computed_tax: i64,
    /// The inventory list number given by the caller.
    pub inventory_no: String,
    pub created_at_ms: i64,
    /// When it was released or rejected (by the checks, the channel or an officer).
    pub decided_at_ms: Option<i64>,
    /// When it was released, automatically or by an officer.
    pub released_at_ms: Option<i64>,
    /// 1 at clearance, +1 with every change (and its audit entry).
    pub version: i64,
}

/// The actor of automatic clearance in the audit trail.
pub const AUTOMATIC_ACTOR: &str = "system";

/// Audit actions, one per kind of change.
pub const ACTIONS: [&str; 6] = [
    "cleared",
    "released",
    "rejected",
    "inspect",
    "cancelled",
    "returned",
];

/// The `&'static str` of a stored action; `None` for anything else.
pub fn parse_action(text: &str) -> Option<&'static str> {
    ACTIONS.into_iter().find(|a| *a == text)
}

/// One change of a declaration, kept forever (the store only appends).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub declaration_id: String,
    /// 1, 2, 3… per declaration: the declaration's version after the change.
    pub seq: i64,
    pub at_ms: i64,
    /// The officer, the submitter, or [`AUTOMATIC_ACTOR`].
    pub actor_id: String,
    /// One of [`ACTIONS`].
    pub action: &'static str,
    /// `None` for the clearance.
    pub from_status: Option<DeclarationStatus>,
    pub to_status: DeclarationStatus,
    /// The channel after the change.
    pub channel: Option<Channel>,
    pub reason: String,
}

/// Clears a parcel: runs the automatic checks; when one fails the declaration is rejected with
/// no channel and no risk assessment; else the risk rules choose the channel: green is released
/// at once, yellow and red are held for an officer. `facts` must describe `input.order`; its seed
/// is stored with the declaration. Returns the declaration and its first audit entry.
pub fn clear(
    id: String,
    input: &ClearanceInput,
    rules: &[RiskRule],
    facts: &RiskFacts,
    thresholds: ChannelThresholds,
    inventory_no: String,
    now_ms: i64,
) -> (Declaration, AuditEntry) {
    let failures = check(input);
    let (status, channel, score, hits, reason) = if failures.is_empty() {
        let a = assess(rules, facts, thresholds);
        let status = match a.channel {
            Channel::Green => DeclarationStatus::Released,
            Channel::Yellow | Channel::Red => DeclarationStatus::Held,
        };
        let fired: Vec<String> = a
            .hits
            .iter()
            .map(|h| format!("{} v{}", h.rule_id, h.rule_version))
            .collect();
        let reason = format!(
            "automatic checks passed; risk score {}, channel {}{}",
            a.score,
            a.channel.as_str(),
            if fired.is_empty() {
                String::new()
            } else {
                format!(" (rules {})", fired.join(", "))
            }
        );
        (status, Some(a.channel), a.score, a.hits, reason)
    } else {
        let codes: Vec<String> = failures
            .iter()
            .map(|f| format!("{} {}", f.check, f.code))
            .collect();
        let reason = format!("automatic checks failed: {}", codes.join(", "));
        (DeclarationStatus::Rejected, None, 0, Vec::new(), reason)
    };
    let decided = status != DeclarationStatus::Held;
    let declaration = Declaration {
        id,
        order_id: input.order.id.clone(),
        payment_id: input.payment.id.clone(),
        waybill_id: input.waybill.id.clone(),
        merchant_id: input.order.merchant_id.clone(),
        submitted_by: input.order.submitted_by.clone(),
        destination: input.order.destination,
        currency: input.order.currency,
        status,
        channel,
        score,
        failures,
        hits,
        seed: facts.seed,
        computed_tax: input.computed_tax,
        inventory_no,
        created_at_ms: now_ms,
        decided_at_ms: decided.then_some(now_ms),
        released_at_ms: (status == DeclarationStatus::Released).then_some(now_ms),
        version: 1,
    };
    let entry = AuditEntry {
        declaration_id: declaration.id.clone(),
        seq: 1,
        at_ms: now_ms,
        actor_id: AUTOMATIC_ACTOR.to_string(),
        action: "cleared",
        from_status: None,
        to_status: status,
        channel,
        reason,
    };
    (declaration, entry)
}

/// An officer's decision on a held declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Release,
    Reject,
    /// Send a yellow declaration to physical inspection (red).
    Inspect,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Release, Decision::Reject, Decision::Inspect];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Release => "release",
            Decision::Reject => "reject",
            Decision::Inspect => "inspect",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// Why a decision, cancellation or return was refused. Checked in this order: the actor, the
/// reason, then the declaration's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("the actor's id is required")]
    ActorRequired,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the reason has more than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    #[error("the reason contains control characters")]
    ReasonInvalid,
    #[error("only a held declaration can be decided; this one is {}", .0.as_str())]
    NotHeld(DeclarationStatus),
    #[error("the declaration is already in the red channel")]
    AlreadyRed,
    #[error("a {} declaration cannot be cancelled", .0.as_str())]
    NotCancellable(DeclarationStatus),
    #[error("only a released declaration can be returned; this one is {}", .0.as_str())]
    NotReturnable(DeclarationStatus),
    #[error("the declaration cannot change any more")]
    VersionExhausted,
}

impl DecisionError {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionError::ActorRequired => "actor_required",
            DecisionError::ReasonRequired => "reason_required",
            DecisionError::ReasonTooLong => "reason_too_long",
            DecisionError::ReasonInvalid => "reason_invalid",
            DecisionError::NotHeld(_) => "not_held",
            DecisionError::AlreadyRed => "already_red",
            DecisionError::NotCancellable(_) => "not_cancellable",
            DecisionError::NotReturnable(_) => "not_returnable",
            DecisionError::VersionExhausted => "version_exhausted",
        }
    }
}

pub const MAX_REASON_CHARS: usize = 500;

/// The reason, trimmed: required, at most 500 characters, line breaks and tabs allowed.
fn checked_reason(actor_id: &str, reason: &str) -> Result<String, DecisionError> {
    if actor_id.trim().is_empty() {
        return Err(DecisionError::ActorRequired);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DecisionError::ReasonRequired);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(DecisionError::ReasonTooLong);
    }
    if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(DecisionError::ReasonInvalid);
    }
    Ok(reason.to_string())
}

/// The next version of `decl` in `to` (and `channel`), with its audit entry.
fn change(
    decl: &Declaration,
    to: DeclarationStatus,
    channel: Option<Channel>,
    action: &'static str,
    reason: String,
    actor_id: &str,
    now_ms: i64,
) -> Result<(Declaration, AuditEntry), DecisionError> {
    let version = decl
        .version
        .checked_add(1)
        .ok_or(DecisionError::VersionExhausted)?;
    let mut next = decl.clone();
    next.status = to;
    next.channel = channel;
    next.version = version;
    // Decided: released or rejected by an officer (a cancellation is no decision).
    if decl.status == DeclarationStatus::Held
        && matches!(
            to,
            DeclarationStatus::Released | DeclarationStatus::Rejected
        )
    {
        next.decided_at_ms = Some(now_ms);
    }
    if to == DeclarationStatus::Released {
        next.released_at_ms = Some(now_ms);
    }
    let entry = AuditEntry {
        declaration_id: decl.id.clone(),
        seq: version,
        at_ms: now_ms,
        actor_id: actor_id.to_string(),
        action,
        from_status: Some(decl.status),
        to_status: to,
        channel,
        reason,
    };
    Ok((next, entry))
}

/// An officer decides a held declaration: release, reject, or inspect (yellow → red, still held).
pub fn decide(
    decl: &Declaration,
    decision: Decision,
    reason: &str,
    officer_id: &str,
    now_ms: i64,
) -> Result<(Declaration, AuditEntry), DecisionError> {
    let reason = checked_reason(officer_id, reason)?;
    if decl.status != DeclarationStatus::Held {
        return Err(DecisionError::NotHeld(decl.status));
    }
    match decision {
        Decision::Release => change(
            decl,
            DeclarationStatus::Released,
            decl.channel,
            "released",
            reason,
            officer_id,
            now_ms,
        ),
        Decision::Reject => change(
            decl,
            DeclarationStatus::Rejected,
            decl.channel,
            "rejected",
            reason,
            officer_id,
            now_ms,
        ),
        Decision::Inspect if decl.channel == Some(Channel::Red) => Err(DecisionError::AlreadyRed),
        Decision::Inspect => change(
            decl,
            DeclarationStatus::Held,
            Some(Channel::Red),
            "inspect",
            reason,
            officer_id,
            now_ms,
        ),
    }
}

/// The order was cancelled: a held or released declaration is cancelled with it (and gives its
/// quota back). `actor_id` is whoever cancelled the order.
pub fn cancel(
    decl: &Declaration,
    reason: &str,
    actor_id: &str,
    now_ms: i64,
) -> Result<(Declaration, AuditEntry), DecisionError> {
    let reason = checked_reason(actor_id, reason)?;
    if !decl.status.can_become(DeclarationStatus::Cancelled) {
        return Err(DecisionError::NotCancellable(decl.status));
    }
    change(
        decl,
        DeclarationStatus::Cancelled,
        decl.channel,
        "cancelled",
        reason,
        actor_id,
        now_ms,
    )
}

/// The parcel came back (refused at the door, or returned after delivery, CEB625): a released
/// declaration is returned (and gives its quota back).
pub fn mark_returned(
    decl: &Declaration,
    reason: &str,
    actor_id: &str,
    now_ms: i64,
) -> Result<(Declaration, AuditEntry), DecisionError> {
    let reason = checked_reason(actor_id, reason)?;
    if !decl.status.can_become(DeclarationStatus::Returned) {
        return Err(DecisionError::NotReturnable(decl.status));
    }
    change(
        decl,
        DeclarationStatus::Returned,
        decl.channel,
        "returned",
        reason,
        actor_id,
        now_ms,
    )
}

/// Why an audit trail does not replay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the trail is empty")]
    Empty,
    #[error("entry {0} is out of sequence")]
    OutOfSequence(usize),
    #[error("entry {0} starts from another status than the previous entry ended in")]
    Discontinuous(usize),
    #[error("entry {0} is not an allowed transition")]
    NotAllowed(usize),
}

/// Replays an audit trail from its first entry: checks that `seq` runs 1, 2, 3…, that each entry
/// starts where the previous one ended and is an allowed transition, and answers the final
/// status and channel.
pub fn replay(entries: &[AuditEntry]) -> Result<(DeclarationStatus, Option<Channel>), ReplayError> {
    let mut state: Option<(DeclarationStatus, Option<Channel>)> = None;
    for (i, e) in entries.iter().enumerate() {
        if e.seq != i as i64 + 1 {
            return Err(ReplayError::OutOfSequence(i));
        }
        if e.from_status != state.map(|(s, _)| s) {
            return Err(ReplayError::Discontinuous(i));
        }
        let allowed = match (state, e.action) {
            (None, "cleared") => {
                // A clearance is rejected without a channel, or released/held with one.
                match e.to_status {
                    DeclarationStatus::Rejected => e.channel.is_none(),
                    DeclarationStatus::Released => e.channel == Some(Channel::Green),
                    DeclarationStatus::Held => {
                        matches!(e.channel, Some(Channel::Yellow | Channel::Red))
                    }
                    _ => false,
                }
            }
            (Some((from, channel)), action) => {
                let expected = match action {
                    "released" => Some(DeclarationStatus::Released),
                    "rejected" => Some(DeclarationStatus::Rejected),
                    "inspect" => Some(DeclarationStatus::Held),
                    "cancelled" => Some(DeclarationStatus::Cancelled),
                    "returned" => Some(DeclarationStatus::Returned),
                    _ => None,
                };
                let channel_ok = match action {
                    "inspect" => {
                        channel == Some(Channel::Yellow) && e.channel == Some(Channel::Red)
                    }
                    _ => e.channel == channel,
                };
                let decided_from_held = !matches!(action, "released" | "rejected" | "inspect")
                    || from == DeclarationStatus::Held;
                expected == Some(e.to_status)
                    && from.can_become(e.to_status)
                    && channel_ok
                    && decided_from_held
            }
            (None, _) => false,
        };
        if !allowed {
            return Err(ReplayError::NotAllowed(i));
        }
        state = Some((e.to_status, e.channel));
    }
    state.ok_or(ReplayError::Empty)
}

#[cfg(test)]
mod tests;
