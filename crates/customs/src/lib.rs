//! Customs clearance for cross-border retail parcels. Pure: no I/O, no clock, no randomness;
//! times, dates and seeds come in as arguments, and the same inputs always give the same result.
//!
//! # The flow
//! 1. A payment provider posts a payment notice ([`documents::PaymentDraft`] →
//!    [`PaymentNotice`]) and a carrier a waybill ([`documents::WaybillDraft`] → [`Waybill`]).
//!    With the order they are the three documents, matched on
//!    [`matching_order_no`] (the order's `order_no`, else its id).
//! 2. The hub gathers a [`ClearanceInput`]: the documents, the merchant and submitter parties,
//!    the destination's [`CustomsLimits`], the tax the landed-cost engine computed, the order's
//!    payment in the limits' currency and the buyer's total of the year.
//! 3. [`declaration::clear`] runs the seven automatic checks ([`clearance::check`]); any failure
//!    rejects the declaration. Otherwise the risk rules ([`risk::assess`]) score it and choose
//!    its channel: green is released at once, yellow (document check) and red (physical
//!    inspection) are held for an officer.
//! 4. An officer [`declaration::decide`]s a held declaration: release, reject, or inspect (yellow
//!    to red). The order's cancellation or return ends a declaration too. Every change comes
//!    with an [`AuditEntry`].
//! 5. The buyer's annual quota ([`quota`]) is taken when a declaration clears and given back,
//!    exactly, when it ends rejected, cancelled or returned.
//!
//! # Modules
//! - [`identity`]: the Chinese resident ID number, name and ID normal forms.
//! - [`documents`]: payment notices and waybills, their drafts and validation.
//! - [`limits`]: what a destination enforces, and its calendar year.
//! - [`clearance`]: the seven checks and their stable codes.
//! - [`quota`]: the buyer's annual total.
//! - [`screening`]: fuzzy name matching for watchlists.
//! - [`risk`]: rules as data, scores, channels, random selection that replays.
//! - [`declaration`]: the declaration, officers' decisions, the audit trail.
//!
//! # Personal data
//! Names, ID numbers, phones and addresses are [`trade::Personal`]: their `Debug` is masked, and
//! no validation problem, check failure, risk reason or audit entry quotes them.

pub mod clearance;
pub mod declaration;
pub mod documents;
pub mod identity;
pub mod limits;
pub mod quota;
pub mod risk;
pub mod screening;

#[cfg(test)]
mod fixtures;

pub use clearance::{check, CheckFailure, ClearanceInput};
pub use declaration::{
    cancel, clear, decide, mark_returned, AuditEntry, Decision, DecisionError, Declaration,
    DeclarationStatus,
};
pub use documents::{matching_order_no, Payer, PaymentNotice, Waybill};
pub use identity::{check_cn_resident_id, normalize_person_name, ResidentIdProblem};
pub use limits::{calendar_year, BuyerIdRule, CustomsLimits};
pub use quota::{QuotaKey, QuotaMovement};
pub use risk::{
    assess, Assessment, Channel, ChannelThresholds, Condition, Restriction, RiskFacts, RiskRule,
    RuleHit, Subject,
};
