//! Landed cost: jurisdiction rule packs (dated, versioned data files with their legal basis) and
//! the engine that turns a parcel into duty, taxes and an explanation of every figure.
//! Pure: no I/O and no clock; the quote's date and any FX rate are passed in.

pub mod date;
pub mod load;
pub mod pack;
pub mod quote;
pub mod ratio;
pub mod render;
pub mod view;

pub use load::{load, load_embedded, load_with_overrides, PackError};
pub use pack::{BuyerIdCheck, CustomsRules, PackSet, RulePack};
pub use quote::{quote, Quote, QuoteError, QuoteInput, QuoteRequest};
pub use ratio::{Rate, Rounding};
pub use render::QuoteJson;
pub use view::QuoteView;
