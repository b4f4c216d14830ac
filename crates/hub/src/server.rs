//! Starting and stopping a hub: data folder, database, bootstrap, engine, HTTP.

use crate::auth::{new_token, token_display_prefix, token_sha256, AuthCache};
use crate::clock::{now_ms, IdGen};
use crate::config::{valid_hub_code, HubConfig};
use crate::engine::{Command, Engine, EngineConfig};
use crate::metrics::{self, Metrics};
use crate::problem::ApiError;
use crate::routes::hs;
use crate::routes::ledger;
use crate::routes::{
    ceb, declarations, documents, fx, orders, parties, products, quotes, risk_rules, system,
};
use crate::state::{AppState, HubIdentity, Shared};
use crate::writer::{WriterSetup, WriterState};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use store::{ApiKey, Database};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use trade::id::IdKind;
use trade::nomenclature::Nomenclature;
use trade::party::{Contact, PartyStatus};
use trade::{Country, Party, Role};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{0}")]
    Config(String),
    #[error("data folder {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("data folder {0} is in use by another ewtp process")]
    DataFolderInUse(PathBuf),
    #[error("this data belongs to hub {stored}, not {asked}; start with --hub {stored} or use another --data folder")]
    HubMismatch { stored: String, asked: String },
    #[error("storage: {0}")]
    Store(#[from] store::StoreError),
    #[error("rule packs: {0}")]
    RulePacks(String),
    #[error("HS nomenclature {0}: {1}")]
    NomenclatureUnreadable(PathBuf, std::io::Error),
    #[error("HS nomenclature {0}: {1}")]
    NomenclatureInvalid(PathBuf, trade::nomenclature::NomenclatureError),
}

#[derive(OpenApi)]
#[openapi(
    info(title = "ewtp e-hub API", description = "One e-hub of the Electronic World Trade Platform: parties, catalog, orders. Errors are RFC 9457 problem+json with a stable `code`."),
    modifiers(&BearerAuth),
    tags((name = "system"), (name = "parties"), (name = "catalog"), (name = "orders"), (name = "nomenclature"), (name = "landed cost"), (name = "clearance"), (name = "ledger"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ewtp_<64 hex>")
                    .build(),
            ),
        );
    }
}

/// The router and its OpenAPI document, built from the same list of handlers, so the document
/// covers every route by construction.
pub fn router(state: Shared, body_limit_bytes: usize, request_timeout: Duration) -> axum::Router {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::healthz))
        .routes(routes!(system::hub_identity))
        .routes(routes!(system::metrics))
        .routes(routes!(system::openapi))
        .routes(routes!(system::me))
        .routes(routes!(parties::create_party))
        .routes(routes!(parties::get_party, parties::update_party))
        .routes(routes!(parties::create_key))
        .routes(routes!(parties::revoke_key))
        .routes(routes!(products::create_product, products::list_products))
        .routes(routes!(products::get_product, products::update_product))
        .routes(routes!(orders::create_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(quotes::create_quote))
        .routes(routes!(quotes::list_rule_packs))
        .routes(routes!(fx::put_fx_rates, fx::list_fx_rates))
        .routes(routes!(hs::get_hs_code))
        .routes(routes!(hs::search_hs))
        .routes(routes!(documents::create_payment, documents::list_payments))
        .routes(routes!(documents::get_payment))
        .routes(routes!(documents::create_waybill, documents::list_waybills))
        .routes(routes!(documents::get_waybill))
        .routes(routes!(declarations::list_declarations))
        .routes(routes!(declarations::get_declaration))
        .routes(routes!(declarations::get_audit))
        .routes(routes!(declarations::decide))
        .routes(routes!(declarations::cancel_order))
        .routes(routes!(declarations::return_order))
        .routes(routes!(declarations::deliver_order))
        .routes(routes!(
            risk_rules::create_risk_rule,
            risk_rules::list_risk_rules
        ))
        .routes(routes!(
            risk_rules::get_risk_rule,
            risk_rules::update_risk_rule
        ))
        .routes(routes!(ceb::inventory_list))
        // CEB messages may carry up to 100 documents: their own, larger body limit.
        .routes(routes!(ceb::receive).layer(DefaultBodyLimit::max(::ceb::MAX_MESSAGE_BYTES)))
        .routes(routes!(ledger::list_accounts))
        .routes(routes!(ledger::get_account))
        .routes(routes!(ledger::account_transfers))
        .routes(routes!(ledger::statement))
        .routes(routes!(ledger::create_payout, ledger::list_payouts))
        .routes(routes!(ledger::get_payout))
        .routes(routes!(ledger::payout_pacs008))
        .routes(routes!(ledger::trial_balance))
        .split_for_parts();
    let _ = state.openapi_json.set(openapi_document(&api));
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "route_not_found",
                "Not found",
                "no such route; see /openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                "this route does not take that method; see /openapi.json",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            answer_within,
        ))
        .with_state(state)
}

/// The document served at `/openapi.json`: what utoipa generated, with the links between
/// operations added.
fn openapi_document(api: &utoipa::openapi::OpenApi) -> String {
    let mut doc = match serde_json::to_value(api) {
        Ok(doc) => doc,
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            return String::new();
        }
    };
    // The link table names operations by path; the API tests check that every link resolves.
    if let Err(e) = crate::api_links::add_links(&mut doc) {
        tracing::error!(error = %e, "an OpenAPI link names an operation that is not there");
    }
    doc.to_string()
}

/// A request that is not answered within the hub's limit (a client trickling its body, say)
/// is answered `408`; its connection's work does not pile up. A write already queued still
/// completes: the client retries with its Idempotency-Key and gets the stored answer.
async fn answer_within(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "Request timeout",
            format!(
                "the request was not complete within {} ms",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// A running hub. Stop it with [`Hub::stop`]; dropping it aborts without a clean drain.
pub struct Hub {
    pub addr: SocketAddr,
    /// The operator key, when this start created it (first start only).
    pub new_operator_key: Option<String>,
    pub data_dir: PathBuf,
    pub state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    writer: Option<crate::engine::Writer>,
    housekeeping: JoinHandle<()>,
    _lock: File,
}

pub const OPERATOR_KEY_FILE: &str = "operator.key";
/// Idempotency records are kept at least 24 hours; they are purged after 48.
const IDEMPOTENCY_KEEP_MS: i64 = 48 * 3600 * 1000;

pub async fn start(config: HubConfig) -> Result<Hub, HubError> {
    check_config(&config)?;
    let nomenclature = load_nomenclature(&config).await?;
    let packs = load_rule_packs(&config).await?;
    let data_dir = config.data_dir.clone();
    let lock = lock_data_dir(&data_dir)?;
    let db: Arc<dyn Database> = match &config.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            store::postgres::open(store::postgres::options(url)?, None, config.read_pool_size)
                .await?
        }
        Some(other) => {
            return Err(HubError::Config(format!(
                "--database must be a postgres:// URL (got `{other}`); leave it out for SQLite"
            )))
        }
        None => {
            store::sqlite::open_with(
                &data_dir.join("ewtp.db"),
                config.read_pool_size,
                config.sqlite_cache_mib,
            )
            .await?
        }
    };
    start_with_database(config, db, lock, nomenclature, packs).await
}

/// Starts on a database the caller opened (tests use it to give each hub an isolated schema).
pub async fn start_on(config: HubConfig, db: Arc<dyn Database>) -> Result<Hub, HubError> {
    check_config(&config)?;
    let nomenclature = load_nomenclature(&config).await?;
    let packs = load_rule_packs(&config).await?;
    let data_dir = config.data_dir.clone();
    let lock = lock_data_dir(&data_dir)?;
    start_with_database(config, db, lock, nomenclature, packs).await
}

/// The embedded rule packs, with the `.toml` files of `--rules DIR` replacing or adding to
/// them. A pack that does not load stops the start, naming the file, the line and the problem.
async fn load_rule_packs(config: &HubConfig) -> Result<Arc<tariff::PackSet>, HubError> {
    let mut files = Vec::new();
    if let Some(dir) = &config.rules_dir {
        let mut entries = tokio::fs::read_dir(dir)
            .await
            .map_err(|e| HubError::RulePacks(format!("{}: {e}", dir.display())))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| HubError::RulePacks(format!("{}: {e}", dir.display())))?
        {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = tokio::fs::read_to_string(&path)
                .await
                .map_err(|e| HubError::RulePacks(format!("{}: {e}", path.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((name, text));
        }
        files.sort();
    }
    let packs = tariff::load_with_overrides(&files).map_err(|e| {
        let mut e = e;
        if let Some(dir) = &config.rules_dir {
            if files.iter().any(|(name, _)| *name == e.file) {
                e.file = dir.join(&e.file).display().to_string();
            }
        }
        HubError::RulePacks(e.to_string())
    })?;
    tracing::info!(
        packs = packs.packs().len(),
        overrides = files.len(),
        "rule packs loaded"
    );
    Ok(Arc::new(packs))
}

/// Reads the `--hs-nomenclature` file before anything else starts, so a bad file stops the
/// start without touching the data folder.
async fn load_nomenclature(config: &HubConfig) -> Result<Option<Arc<Nomenclature>>, HubError> {
    let Some(path) = &config.hs_nomenclature else {
        return Ok(None);
    };
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| HubError::NomenclatureUnreadable(path.clone(), e))?;
    let nomenclature =
        Nomenclature::parse(&text).map_err(|e| HubError::NomenclatureInvalid(path.clone(), e))?;
    tracing::info!(path = %path.display(), entries = nomenclature.len(), "HS nomenclature loaded");
    Ok(Some(Arc::new(nomenclature)))
}

/// How long the handlers' caches (grants, parties, catalog items, FX rates) may serve a value
/// that another process changed: the hub's one bound on their staleness (docs/operations.md).
const HANDLER_CACHE_TTL: Duration = Duration::from_secs(5);

async fn start_with_database(
    config: HubConfig,
    db: Arc<dyn Database>,
    lock: File,
    nomenclature: Option<Arc<Nomenclature>>,
    packs: Arc<tariff::PackSet>,
) -> Result<Hub, HubError> {
    let data_dir = config.data_dir.clone();
    let ids = Arc::new(IdGen::default());
    let new_operator_key = bootstrap(db.as_ref(), &config, &ids, &data_dir).await?;
    let signing_key = crate::identity::load_or_create(&data_dir, db.as_ref()).await?;

    let metrics = Arc::new(Metrics::default());
    let setup = WriterSetup {
        packs: packs.clone(),
        ids: ids.clone(),
        fee_bps: config.fee_bps,
        hub_code: config.hub_code.clone(),
        pending_cached_max: config.pending_cached_max,
    };
    let writer_state = {
        let mut tx = db.begin().await?;
        let loaded = WriterState::load(tx.stores(), setup).await?;
        drop(tx);
        loaded
    };
    let (engine, writer) = Engine::start(
        db.clone(),
        metrics.clone(),
        EngineConfig {
            queue_capacity: config.queue_capacity,
            batch_max: config.batch_max,
        },
        writer_state,
    )
    .map_err(|e| HubError::Config(format!("cannot start the writer thread: {e}")))?;
    let state: Shared = Arc::new(AppState {
        db,
        engine: engine.clone(),
        ids,
        metrics,
        auth: AuthCache::new(HANDLER_CACHE_TTL),
        parties: crate::party_cache::PartyCache::new(HANDLER_CACHE_TTL),
        catalog: crate::catalog::CatalogCache::new(HANDLER_CACHE_TTL),
        hub: HubIdentity {
            code: config.hub_code.clone(),
            name: config.hub_name.clone(),
        },
        openapi_json: OnceLock::new(),
        nomenclature,
        packs,
        fx: crate::fx::FxCache::new(HANDLER_CACHE_TTL),
        signing_key,
        customs: config.customs.clone(),
    });
    let request_timeout = Duration::from_millis(config.request_timeout_ms);
    let app = router(state.clone(), config.body_limit_bytes, request_timeout);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| HubError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HubError::Config(e.to_string()))?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        // One limit for slow clients: the request head, like the whole request, must arrive
        // within the request timeout.
        crate::listener::serve(listener, app, request_timeout, async move {
            let _ = stopped.await;
        })
        .await
    });
    let housekeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = engine
                .submit(
                    Command::PurgeIdempotency {
                        before_ms: now_ms() - IDEMPOTENCY_KEEP_MS,
                    },
                    None,
                )
                .await
            {
                tracing::warn!(error = %e, "idempotency purge failed; will retry");
            }
        }
    });
    Ok(Hub {
        addr,
        new_operator_key,
        data_dir,
        state,
        shutdown: Some(shutdown),
        server,
        writer: Some(writer),
        housekeeping,
        _lock: lock,
    })
}

impl Hub {
    /// Stops accepting, lets in-flight requests finish (their commits included), drains the
    /// engine, and closes the database.
    pub async fn stop(mut self) -> Result<(), HubError> {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        match (&mut self.server).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "server stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "server task failed"),
        }
        self.housekeeping.abort();
        self.state.engine.stop();
        if let Some(writer) = self.writer.take() {
            writer.join().await;
        }
        self.state.db.close().await;
        Ok(())
    }
}

/// First start: records the hub's identity and creates the operator party and its key, written
/// to `DATA/operator.key` (mode 0600). Later starts check the identity and change nothing.
async fn bootstrap(
    db: &dyn Database,
    config: &HubConfig,
    ids: &IdGen,
    data_dir: &Path,
) -> Result<Option<String>, HubError> {
    let key_path = data_dir.join(OPERATOR_KEY_FILE);
    let pending_path = data_dir.join("operator.key.new");
    let mut tx = db.begin().await?;
    let s = tx.stores();
    match s.get_meta("hub_code").await? {
        Some(stored) if stored != config.hub_code => {
            return Err(HubError::HubMismatch {
                stored,
                asked: config.hub_code.clone(),
            })
        }
        Some(_) => {}
        None => {
            s.put_meta("hub_code", &config.hub_code).await?;
            s.put_meta("hub_name", &config.hub_name).await?;
        }
    }
    if s.count_parties_with_role(Role::Operator).await? > 0 {
        drop(tx);
        // A crash between the commit and the rename below leaves the key in the pending file.
        if !key_path.exists() && pending_path.exists() {
            std::fs::rename(&pending_path, &key_path)
                .map_err(|e| HubError::Io(key_path.clone(), e))?;
        }
        return Ok(None);
    }
    let now = now_ms();
    let country =
        Country::parse(&config.hub_code[..2]).map_err(|e| HubError::Config(e.to_string()))?;
    let operator = Party {
        id: ids.next(IdKind::Party),
        role: Role::Operator,
        legal_name: config.hub_name.clone(),
        country,
        registration_number: config.hub_code.clone(),
        customs_code: None,
        contact: Contact {
            name: None,
            email: None,
            phone: None,
        },
        status: PartyStatus::Active,
        created_at_ms: now,
    };
    let token = new_token();
    let key = ApiKey {
        id: ids.next(IdKind::ApiKey),
        party_id: operator.id.clone(),
        token_sha256: token_sha256(&token),
        token_prefix: token_display_prefix(&token),
        created_at_ms: now,
        revoked_at_ms: None,
        expires_at_ms: None,
    };
    s.insert_party(&operator).await?;
    s.insert_key(&key).await?;
    write_secret(&pending_path, &token).map_err(|e| HubError::Io(pending_path.clone(), e))?;
    tx.commit().await?;
    std::fs::rename(&pending_path, &key_path).map_err(|e| HubError::Io(key_path.clone(), e))?;
    Ok(Some(token))
}

/// Creates the data folder if needed and takes its lock: one process per data folder.
fn lock_data_dir(data_dir: &Path) -> Result<File, HubError> {
    let io = |e| HubError::Io(data_dir.to_path_buf(), e);
    create_private_dir(data_dir).map_err(io)?;
    let lock = File::create(data_dir.join("ewtp.lock")).map_err(io)?;
    if lock.try_lock().is_err() {
        return Err(HubError::DataFolderInUse(data_dir.to_path_buf()));
    }
    Ok(lock)
}

fn check_config(config: &HubConfig) -> Result<(), HubError> {
    if config.fee_bps > 10_000 {
        return Err(HubError::Config(format!(
            "fee_bps {} is above 10000 (100%)",
            config.fee_bps
        )));
    }
    let problems = config.customs.problems();
    if !problems.is_empty() {
        return Err(HubError::Config(problems.join("; ")));
    }
    let code = &config.hub_code;
    if valid_hub_code(code) {
        return Ok(());
    }
    Err(HubError::Config(format!("hub code `{code}` is not CC-XXX (an ISO country, a dash, three letters or digits), e.g. MY-KUL")))
}

/// The data folder holds personal data and the operator key: only its owner may enter it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

pub(crate) fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(secret.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}
