//! The ewtp hub: the imperative shell around the pure crates. HTTP API (axum), bearer-key auth,
//! the single-writer engine with group commit, metrics, and the OpenAPI document.

pub mod api_links;
pub mod auth;
pub mod books;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod engine;
pub mod escrow;
pub mod extract;
pub mod fx;
pub mod identity;
pub mod listener;
pub mod metrics;
pub mod parcels;
pub mod party_cache;
pub mod payouts;
pub mod problem;
pub mod routes;
pub mod server;
pub mod state;
pub mod ttl_map;
pub mod views;
pub mod writer;

pub use config::HubConfig;
pub use server::{start, start_on, Hub, HubError, OPERATOR_KEY_FILE};
