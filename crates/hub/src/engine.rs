//! The engine: every write of the process goes through one writer task. Requests enqueue a
//! command on a bounded queue; the writer drains up to a batch, applies each command inside its
//! own savepoint (so one failure does not undo its neighbours), commits the batch in one
//! transaction, and only then answers each request (group commit: one fsync for many writes).
//! Nothing is acknowledged before it is durable.

use crate::metrics::Metrics;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use store::{ApiKey, Database, IdempotencyRecord, StoreError, WriteTx};
use tokio::sync::{mpsc, oneshot, Notify};
use trade::product::ProductPatch;
use trade::{FieldError, Order, Party, Product, Role};

/// A change to the hub's state.
#[derive(Debug)]
pub enum Command {
    CreateParty {
        party: Party,
        key: ApiKey,
    },
    CreateKey {
        key: ApiKey,
    },
    RevokeKey {
        key_id: String,
        by: Requester,
        at_ms: i64,
    },
    CreateProduct {
        product: Product,
    },
    UpdateProduct {
        merchant_id: String,
        product_id: String,
        patch: ProductPatch,
        at_ms: i64,
    },
    CreateOrder {
        order: Order,
    },
    PurgeIdempotency {
        before_ms: i64,
    },
    PutFxRates {
        rates: Vec<store::FxRateRecord>,
    },
}

#[derive(Debug, Clone)]
pub struct Requester {
    pub party_id: String,
    pub role: Role,
}

/// The idempotency envelope of a creating command: the answer to store, to replay later.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub party_id: String,
    pub key: String,
    pub request_sha256: String,
    pub status_code: u16,
    /// The body to answer on replay (secrets such as new API keys are left out of it).
    pub replay_body: String,
    pub now_ms: i64,
}

#[derive(Debug)]
pub enum Outcome {
    Applied(Applied),
    /// The same idempotency key and request were seen before: the stored answer.
    Replayed {
        status_code: u16,
        body: String,
    },
}

#[derive(Debug)]
pub enum Applied {
    Created,
    Product(Product),
    Revoked(ApiKey),
    Purged(u64),
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("the idempotency key was used with a different request")]
    IdempotencyKeyReused,
    #[error("the write queue is full")]
    Overloaded,
    #[error("the engine is stopping")]
    Stopping,
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

struct Job {
    command: Command,
    idempotency: Option<Idempotency>,
    reply: oneshot::Sender<Result<Outcome, EngineError>>,
}

#[derive(Clone)]
pub struct Engine {
    queue: mpsc::Sender<Job>,
    stop: Arc<Notify>,
}

/// The writer thread; [`Writer::join`] waits until it has drained its queue and exited.
pub struct Writer {
    finished: oneshot::Receiver<()>,
}

impl Writer {
    pub async fn join(self) {
        let _ = self.finished.await;
    }
}

pub struct EngineConfig {
    pub queue_capacity: usize,
    pub batch_max: usize,
}

impl Engine {
    /// Starts the writer; it runs until [`Engine::stop`] and has drained its queue.
    ///
    /// The writer loop gets a thread and a single-threaded runtime of its own. On the shared
    /// runtime it would be woken (by the database driver) onto the global queue, behind every
    /// ready HTTP task, and the whole hub's write rate would wait on that queue.
    pub fn start(
        db: Arc<dyn Database>,
        metrics: Arc<Metrics>,
        config: EngineConfig,
    ) -> std::io::Result<(Engine, Writer)> {
        assert!(config.queue_capacity > 0 && config.batch_max > 0);
        let (queue, jobs) = mpsc::channel(config.queue_capacity);
        let stop = Arc::new(Notify::new());
        metrics.set_queue_capacity(config.queue_capacity);
        let (done, finished) = oneshot::channel();
        let stop_signal = stop.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("ewtp-writer".into())
            .spawn(move || {
                runtime.block_on(run_writer(db, metrics, jobs, stop_signal, config.batch_max));
                let _ = done.send(());
            })?;
        Ok((Engine { queue, stop }, Writer { finished }))
    }

    /// Enqueues a command and waits for its durable outcome. A full queue answers at once.
    pub async fn submit(
        &self,
        command: Command,
        idempotency: Option<Idempotency>,
    ) -> Result<Outcome, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Job {
                command,
                idempotency,
                reply,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => EngineError::Overloaded,
                mpsc::error::TrySendError::Closed(_) => EngineError::Stopping,
            })?;
        answer.await.map_err(|_| EngineError::Stopping)?
    }

    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Asks the writer to finish what is queued and exit.
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

async fn run_writer(
    db: Arc<dyn Database>,
    metrics: Arc<Metrics>,
    mut jobs: mpsc::Receiver<Job>,
    stop: Arc<Notify>,
    batch_max: usize,
) {
    let mut stopping = false;
    loop {
        let first = if stopping {
            match jobs.try_recv() {
                Ok(job) => job,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                job = jobs.recv() => match job { Some(job) => job, None => break },
                _ = stop.notified() => { stopping = true; continue; }
            }
        };
        let mut batch = Vec::with_capacity(batch_max.min(256));
        batch.push(first);
        while batch.len() < batch_max {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        metrics.set_queue_depth(jobs.len());
        let started = Instant::now();
        let size = batch.len();
        let (replies, results) = apply_batch(db.as_ref(), &metrics, batch).await;
        metrics.observe_batch(size, started.elapsed());
        for (reply, result) in replies.into_iter().zip(results) {
            // The requester may have gone away; its write is durable all the same.
            let _ = reply.send(result);
        }
    }
    tracing::info!("engine stopped: queue drained");
}

type Replies = Vec<oneshot::Sender<Result<Outcome, EngineError>>>;
type Work = Vec<(Command, Option<Idempotency>)>;
type Answer = Result<Outcome, EngineError>;

/// Applies a batch in one transaction and answers every job only after the commit.
///
/// Three paths (docs/architecture.md): a batch of order creations is one transaction of the
/// fewest round trips the backend allows (the hot path); any other batch claims its idempotency
/// keys with one multi-row insert and writes runs of orders together (the general path). If any
/// command fails on either, nothing is written and the batch is applied again on the careful
/// path: one savepoint per command, so each failure stays with its own request and retried keys
/// are replayed. If the transaction cannot commit, every job is answered with the storage error
/// (none of them was written, so a retry with the same idempotency key is safe).
async fn apply_batch(
    db: &dyn Database,
    metrics: &Metrics,
    batch: Vec<Job>,
) -> (Replies, Vec<Answer>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut work: Work = Vec::with_capacity(batch.len());
    for job in batch {
        replies.push(job.reply);
        work.push((job.command, job.idempotency));
    }
    let results = match apply_fast(db, &work).await {
        Fast::Committed(results) => results,
        Fast::Failed(e) => fail_all(work.len(), &e),
        Fast::Fallback => {
            metrics.observe_careful_batch();
            apply_careful(db, &work).await
        }
    };
    debug_assert_eq!(results.len(), replies.len());
    (replies, results)
}

fn fail_all(n: usize, e: &StoreError) -> Vec<Answer> {
    (0..n)
        .map(|_| {
            Err(EngineError::Store(StoreError::Config(format!(
                "batch not committed: {e}"
            ))))
        })
        .collect()
}

enum Fast {
    Committed(Vec<Answer>),
    /// A command failed; nothing was committed; apply the batch on the careful path.
    Fallback,
    /// The transaction itself failed.
    Failed(StoreError),
}

fn record_of(idem: &Idempotency) -> IdempotencyRecord {
    IdempotencyRecord {
        party_id: idem.party_id.clone(),
        key: idem.key.clone(),
        request_sha256: idem.request_sha256.clone(),
        status_code: idem.status_code,
        response_body: idem.replay_body.clone(),
        created_at_ms: idem.now_ms,
    }
}

/// What a request with a known idempotency key gets, given the record that stands for the key.
fn replay_against(standing: &IdempotencyRecord, idem: &Idempotency) -> Answer {
    if standing.request_sha256 == idem.request_sha256 {
        Ok(Outcome::Replayed {
            status_code: standing.status_code,
            body: standing.response_body.clone(),
        })
    } else {
        Err(EngineError::IdempotencyKeyReused)
    }
}

async fn apply_fast(db: &dyn Database, work: &Work) -> Fast {
    let n = work.len();
    let mut results: Vec<Option<Answer>> = (0..n).map(|_| None).collect();
    // The record standing for each idempotency key, by the index of its first job in the batch.
    let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut claims: Vec<(usize, IdempotencyRecord)> = Vec::new();
    for (i, (_, idem)) in work.iter().enumerate() {
        let Some(idem) = idem else { continue };
        match first_with_key.entry((idem.party_id.as_str(), idem.key.as_str())) {
            Entry::Occupied(first) => repeats.push((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
                claims.push((i, record_of(idem)));
            }
        }
    }
    let repeated: HashSet<usize> = repeats.iter().map(|(i, _)| *i).collect();
    let only_orders = work
        .iter()
        .enumerate()
        .all(|(i, (c, _))| repeated.contains(&i) || matches!(c, Command::CreateOrder { .. }));
    if only_orders {
        // The hot path: the whole batch in one transaction of as few round trips as the backend
        // allows. A key already stored (a retry) or any other failure leaves nothing written and
        // sends the batch to the careful path, which replays or reports each job on its own.
        let orders: Vec<&Order> = work
            .iter()
            .enumerate()
            .filter(|(i, _)| !repeated.contains(i))
            .filter_map(|(_, (c, _))| match c {
                Command::CreateOrder { order } => Some(order),
                _ => None,
            })
            .collect();
        let records: Vec<&IdempotencyRecord> = claims.iter().map(|(_, r)| r).collect();
        if db.commit_orders(&records, &orders).await.is_err() {
            return Fast::Fallback;
        }
        let standing: HashMap<usize, &IdempotencyRecord> =
            claims.iter().map(|(i, r)| (*i, r)).collect();
        let first_of: HashMap<usize, usize> = repeats.iter().copied().collect();
        let results = work
            .iter()
            .enumerate()
            .map(
                |(i, (_, idem))| match (first_of.get(&i).and_then(|f| standing.get(f)), idem) {
                    (Some(record), Some(idem)) => replay_against(record, idem),
                    _ => Ok(Outcome::Applied(Applied::Created)),
                },
            )
            .collect();
        return Fast::Committed(results);
    }
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return Fast::Failed(e),
    };
    let mut standing: HashMap<usize, IdempotencyRecord> = HashMap::new();
    if !claims.is_empty() {
        let records: Vec<&IdempotencyRecord> = claims.iter().map(|(_, r)| r).collect();
        let claimed: HashSet<(String, String)> = match tx.stores().claim_idempotency(&records).await
        {
            Ok(c) => c.into_iter().collect(),
            Err(_) => return Fast::Fallback,
        };
        for (i, record) in claims {
            if !claimed.contains(&(record.party_id.clone(), record.key.clone())) {
                let seen = match tx
                    .stores()
                    .get_idempotency(&record.party_id, &record.key)
                    .await
                {
                    Ok(Some(seen)) => seen,
                    _ => return Fast::Fallback,
                };
                if let Some(idem) = &work[i].1 {
                    results[i] = Some(replay_against(&seen, idem));
                }
                standing.insert(i, seen);
            } else {
                standing.insert(i, record);
            }
        }
    }
    let mut orders: Vec<&Order> = Vec::new();
    for (i, (command, _)) in work.iter().enumerate() {
        if results[i].is_some() || repeated.contains(&i) {
            continue;
        }
        if let Command::CreateOrder { order } = command {
            orders.push(order);
            results[i] = Some(Ok(Outcome::Applied(Applied::Created)));
            continue;
        }
        // Keep arrival order: orders queued so far go in before any other command.
        if !orders.is_empty() {
            if tx.stores().insert_orders(&orders).await.is_err() {
                return Fast::Fallback;
            }
            orders.clear();
        }
        match apply_command(tx.as_mut(), command).await {
            Ok(applied) => results[i] = Some(Ok(Outcome::Applied(applied))),
            Err(_) => return Fast::Fallback,
        }
    }
    if !orders.is_empty() && tx.stores().insert_orders(&orders).await.is_err() {
        return Fast::Fallback;
    }
    for (i, first) in repeats {
        if let (Some(record), Some(idem)) = (standing.get(&first), &work[i].1) {
            results[i] = Some(replay_against(record, idem));
        }
    }
    commit(tx, results).await
}

async fn commit(tx: Box<dyn WriteTx>, results: Vec<Option<Answer>>) -> Fast {
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, "commit failed");
        return Fast::Failed(e);
    }
    let results: Option<Vec<Answer>> = results.into_iter().collect();
    match results {
        Some(results) => Fast::Committed(results),
        None => unreachable!("every job of a committed batch has an answer"),
    }
}

/// The careful path: each command in its own savepoint.
async fn apply_careful(db: &dyn Database, work: &Work) -> Vec<Answer> {
    let n = work.len();
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return fail_all(n, &e);
        }
    };
    let mut results = Vec::with_capacity(n);
    for (command, idempotency) in work {
        match apply_in_savepoint(tx.as_mut(), command, idempotency.as_ref()).await {
            Ok(result) => results.push(result),
            Err(e) => {
                tracing::error!(error = %e, "savepoint failed; the batch is abandoned");
                return fail_all(n, &e);
            }
        }
    }
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, "commit failed");
        return fail_all(n, &e);
    }
    results
}

/// The outer `Result` is a failure of the transaction itself; the inner one the command's own.
async fn apply_in_savepoint(
    tx: &mut dyn WriteTx,
    command: &Command,
    idem: Option<&Idempotency>,
) -> Result<Answer, StoreError> {
    tx.savepoint().await?;
    let result = apply_one(tx, command, idem).await;
    match &result {
        Ok(Outcome::Applied(_)) => tx.release_savepoint().await?,
        Ok(Outcome::Replayed { .. }) | Err(_) => {
            tx.rollback_to_savepoint().await?;
            tx.release_savepoint().await?;
        }
    }
    Ok(result)
}

async fn apply_one(tx: &mut dyn WriteTx, command: &Command, idem: Option<&Idempotency>) -> Answer {
    if let Some(idem) = idem {
        if let Some(seen) = tx
            .stores()
            .get_idempotency(&idem.party_id, &idem.key)
            .await?
        {
            return replay_against(&seen, idem);
        }
    }
    let applied = apply_command(tx, command).await?;
    if let Some(idem) = idem {
        tx.stores().insert_idempotency(&record_of(idem)).await?;
    }
    Ok(Outcome::Applied(applied))
}

/// The effect of one command on the stores, without its idempotency bookkeeping.
async fn apply_command(tx: &mut dyn WriteTx, command: &Command) -> Result<Applied, EngineError> {
    let s = tx.stores();
    Ok(match command {
        Command::CreateParty { party, key } => {
            s.insert_party(party).await?;
            s.insert_key(key).await?;
            Applied::Created
        }
        Command::CreateKey { key } => {
            s.insert_key(key).await?;
            Applied::Created
        }
        Command::RevokeKey { key_id, by, at_ms } => {
            let key = match s.get_key(key_id).await? {
                Some(k) if by.role == Role::Operator || k.party_id == by.party_id => k,
                _ => return Err(EngineError::NotFound { what: "key" }),
            };
            if key.revoked_at_ms.is_some() {
                return Err(EngineError::Conflict {
                    code: "key_already_revoked",
                    detail: "the key was already revoked".into(),
                });
            }
            let owner = s
                .get_party(&key.party_id)
                .await?
                .ok_or(EngineError::NotFound { what: "key" })?;
            if owner.role == Role::Operator
                && s.count_live_keys_for_role(Role::Operator).await? <= 1
            {
                return Err(EngineError::Conflict {
                    code: "last_operator_key",
                    detail: "this is the hub's last live operator key; create another before revoking it".into(),
                });
            }
            s.revoke_key(key_id, *at_ms).await?;
            Applied::Revoked(ApiKey {
                revoked_at_ms: Some(*at_ms),
                ..key
            })
        }
        Command::CreateProduct { product } => {
            s.insert_product(product).await.map_err(|e| {
                conflict_as(
                    e,
                    "duplicate_sku",
                    "the merchant already has a product with this SKU",
                )
            })?;
            Applied::Created
        }
        Command::UpdateProduct {
            merchant_id,
            product_id,
            patch,
            at_ms,
        } => {
            let current = s
                .get_product(merchant_id, product_id)
                .await?
                .ok_or(EngineError::NotFound { what: "product" })?;
            let next = patch
                .apply(&current, *at_ms)
                .map_err(EngineError::Invalid)?;
            // The writer is the only one writing, so the version cannot move under it; the
            // check guards against a second process sharing the database.
            if !s.update_product(&next, current.version).await? {
                return Err(EngineError::Conflict {
                    code: "concurrent_update",
                    detail: "the product changed meanwhile; retry".into(),
                });
            }
            Applied::Product(next)
        }
        Command::CreateOrder { order } => {
            s.insert_order(order).await.map_err(|e| {
                conflict_as(
                    e,
                    "duplicate_order_no",
                    "the merchant already has an order with this order_no",
                )
            })?;
            Applied::Created
        }
        Command::PurgeIdempotency { before_ms } => {
            Applied::Purged(s.purge_idempotency(*before_ms).await?)
        }
        Command::PutFxRates { rates } => {
            s.put_fx_rates(rates).await?;
            Applied::Created
        }
    })
}

fn conflict_as(e: StoreError, code: &'static str, detail: &str) -> EngineError {
    if e.is_conflict() {
        EngineError::Conflict {
            code,
            detail: detail.to_string(),
        }
    } else {
        EngineError::Store(e)
    }
}
