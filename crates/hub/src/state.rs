//! What every handler shares.

use crate::auth::AuthCache;
use crate::clock::IdGen;
use crate::engine::Engine;
use crate::metrics::Metrics;
use std::sync::{Arc, OnceLock};
use store::Database;

#[derive(Clone, Debug)]
pub struct HubIdentity {
    pub code: String,
    pub name: String,
}

pub struct AppState {
    /// The rule packs for landed-cost quotes (embedded, or overridden with `--rules DIR`).
    pub packs: Arc<tariff::PackSet>,
    pub fx: crate::fx::FxCache,
    pub db: Arc<dyn Database>,
    pub engine: Engine,
    pub ids: Arc<IdGen>,
    pub metrics: Arc<Metrics>,
    pub auth: AuthCache,
    /// Parties that requests name (a platform's merchant), checked without a read each time.
    pub parties: crate::party_cache::PartyCache,
    pub catalog: crate::catalog::CatalogCache,
    pub hub: HubIdentity,
    /// The OpenAPI document, rendered once when the router is built.
    pub openapi_json: OnceLock<String>,
    /// The HS nomenclature for `/v1/hs`, when the hub was started with a file.
    pub nomenclature: Option<Arc<trade::nomenclature::Nomenclature>>,
    /// The hub's Ed25519 key: it signs the CEB621 lists (and, later, e-road envelopes).
    pub signing_key: ed25519_dalek::SigningKey,
    pub customs: crate::config::CustomsConfig,
}

pub type Shared = Arc<AppState>;
