//! China customs cross-border e-commerce (CEB) import messages, standard of 2022-05.
//!
//! - [`parse`] reads a message (quick-xml, streaming) and checks it against the import schema
//!   as this crate transcribes it (element order and occurrence, lengths, fixed values,
//!   decimal digits), returning a typed [`Message`]; [`validate`] only checks. The checks
//!   follow libxml2 where XML Schema leaves room; `tests/conformance.rs` holds them to
//!   `xmllint --schema` on thousands of mutations of the official samples.
//! - [`render`] writes any parsed message back (`parse(render(m)) == m`).
//! - [`mod@intake`] maps the inbound order, payment and waybill (CEB311, 411, 511) to the hub's JSON
//!   drafts, so a CEB message goes through the same validation as the JSON API.
//! - [`receipt_for`] and [`failure_receipt`] answer a message with its receipt (CEB312, 412,
//!   512, 514, 622, 624, 626, 712) or, when its kind cannot be known, with a CEB900.
//! - [`from_clearance`] builds the inventory list (CEB621, the customs declaration) of a parcel
//!   the hub cleared, and [`render_ceb621`] writes it.
//! - [`compose`] writes the three inbound messages of a run of simple parcels (the bench and
//!   tests send them).
//! - [`codes`] holds the customs code tables the specification confirms; [`time`] the CEB
//!   time stamps; [`amount`] exact decimal ↔ minor-unit conversion.
//!
//! Pure: no I/O, no clock (times come in as Unix milliseconds plus a UTC offset), no
//! randomness. Errors ([`CebError`]) carry a stable code and the element path, never a value.
//! Bodies above [`MAX_MESSAGE_BYTES`] are refused unread.

pub mod amount;
pub mod codes;
pub mod compose;
mod error;
pub mod intake;
mod inventory;
mod message;
mod model;
mod receipt;
mod render;
mod schema;
mod signature;
mod tables;
pub mod time;
mod xml;

pub use amount::{amount_to_minor, minor_to_amount};
pub use codes::{IdType, ReturnStatus};
pub use error::{CebError, ErrorKind};
pub use intake::{intake, CustomsParty, Draft};
pub use inventory::{
    cop_no_of, from_clearance, render_ceb621, BondedWarehouse, ClearedParcel, Guarantor,
    InventoryDoc, InventoryLineCodes, SignatureBlock, TradeMode, Transport,
};
pub use message::{
    parse, validate, Delivery711, Envelope, ExtendMessage, Inventory621, InvtRefund625, Message,
    MessageKind, Order311,
};
pub use model::*;
pub use receipt::{
    failure_receipt, receipt_for, render_ceb312, render_ceb412, render_ceb512, render_ceb514,
    render_ceb622, render_ceb624, render_ceb626, render_ceb712, render_ceb900, RECEIPT_ACCEPTED,
    RECEIPT_REJECTED,
};
pub use render::render;
pub use time::{
    format_ceb_date8, format_ceb_time14, format_ceb_time17, parse_ceb_time14, CHINA_OFFSET_MINUTES,
};
pub use xml::MAX_MESSAGE_BYTES;
