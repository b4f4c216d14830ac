//! The engine: every write of the process goes through one writer task. Requests enqueue a
//! command on a bounded queue; the writer drains up to a batch, applies each command inside its
//! own savepoint (so one failure does not undo its neighbours), commits the batch in one
//! transaction, and only then answers each request (group commit: one fsync for many writes).
//! Nothing is acknowledged before it is durable.

use crate::metrics::Metrics;
use crate::parcels;
use crate::writer::{BatchCtx, Effects, WriterState};
use customs::{Decision, PaymentNotice, Waybill};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use store::{ApiKey, Database, IdempotencyRecord, StoreError, StoredRiskRule, WriteTx};
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
    /// Suspends or reactivates a party (the hub's last operator cannot be suspended).
    SetPartyStatus {
        party_id: String,
        status: trade::party::PartyStatus,
        at_ms: i64,
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
    /// A payment provider's notice: held in escrow, matched, maybe cleared.
    CreatePayment {
        payment: PaymentNotice,
    },
    /// A carrier's waybill: matched, maybe cleared.
    CreateWaybill {
        waybill: Waybill,
    },
    /// An officer decides a held declaration.
    Decide {
        declaration_id: String,
        decision: Decision,
        reason: String,
        by: Requester,
    },
    CancelOrder {
        order_id: String,
        reason: String,
        by: Requester,
    },
    ReturnOrder {
        order_id: String,
        reason: String,
        by: Requester,
    },
    DeliverOrder {
        order_id: String,
        by: Requester,
    },
    CreateRiskRule {
        rule: StoredRiskRule,
    },
    UpdateRiskRule {
        rule_id: String,
        patch: customs::risk::RiskRulePatch,
        by: String,
        at_ms: i64,
    },
    /// A CEB message: each document it carries applied on its own (a refused one does not undo
    /// the others), the receipt rendered from the outcomes, the message kept with its receipt.
    ReceiveCeb {
        intake: Box<CebIntake>,
    },
    /// A merchant paid out from its merchant_payable account (crate::payouts).
    CreatePayout {
        payout: Box<crate::payouts::PayoutRequest>,
    },
}

/// A CEB message ready for the writer.
#[derive(Debug)]
pub struct CebIntake {
    /// The message as received; its `receipt` is filled by the writer (or already, when the
    /// message could not be read).
    pub record: store::CebMessageRecord,
    /// `None` when the message could not be parsed.
    pub message: Option<ceb::Message>,
    /// One per document of the message: the command it became, or why it was refused at intake.
    pub documents: Vec<Result<Command, String>>,
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
    /// The status and body to answer on replay (secrets such as new API keys are left out of
    /// it); ignored for commands whose answer the writer renders ([`Applied::Rendered`]).
    pub status_code: u16,
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
    /// The answer the writer rendered (it is also what a replay answers).
    Rendered {
        status: u16,
        body: String,
    },
    /// A CEB receipt (XML), with the HTTP status it is answered with.
    Receipt {
        status: u16,
        xml: String,
    },
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
    /// The ledger refused one of the hub's own bookings (`code`: its result code).
    #[error("the ledger refused the {transfer_code} transfer: {code}")]
    Ledger {
        code: &'static str,
        transfer_code: String,
    },
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
    /// Commands the writer has drawn from the queue into batches.
    taken: Arc<std::sync::atomic::AtomicU64>,
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
        state: WriterState,
    ) -> std::io::Result<(Engine, Writer)> {
        assert!(config.queue_capacity > 0 && config.batch_max > 0);
        let (queue, jobs) = mpsc::channel(config.queue_capacity);
        let stop = Arc::new(Notify::new());
        metrics.set_queue_capacity(config.queue_capacity);
        let (done, finished) = oneshot::channel();
        let stop_signal = stop.clone();
        let taken: Arc<std::sync::atomic::AtomicU64> = Arc::default();
        let writer_taken = taken.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("ewtp-writer".into())
            .spawn(move || {
                runtime.block_on(run_writer(
                    db,
                    metrics,
                    jobs,
                    stop_signal,
                    config.batch_max,
                    state,
                    writer_taken,
                ));
                let _ = done.send(());
            })?;
        Ok((Engine { queue, stop, taken }, Writer { finished }))
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

    /// Commands the writer has drawn from the queue into batches since the start: once a
    /// command is counted here, the batch it is in is formed and the writer is applying it.
    pub fn taken(&self) -> u64 {
        self.taken.load(std::sync::atomic::Ordering::SeqCst)
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
    mut state: WriterState,
    taken: Arc<std::sync::atomic::AtomicU64>,
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
        taken.fetch_add(batch.len() as u64, std::sync::atomic::Ordering::SeqCst);
        let started = Instant::now();
        let size = batch.len();
        let (replies, results) = apply_batch(db.as_ref(), &metrics, &mut state, batch).await;
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
/// Three paths (docs/architecture.md): a batch of order creations that no waiting document
/// matches is one transaction of the fewest round trips the backend allows (the hot path); any
/// other batch looks its idempotency keys up at once, writes runs of orders together and the
/// other commands one by one, and inserts the new idempotency records at the end (the general
/// path). If any command fails on either, nothing is written and the batch is applied again on
/// the careful path: one savepoint per command, so each failure stays with its own request and
/// retried keys are replayed. If the transaction cannot commit, every job is answered with the
/// storage error (none of them was written, so a retry with the same idempotency key is safe).
/// What the batch changed in the writer's memory (ledger balances, rules, rates, waiting
/// documents) is folded in only after the commit.
async fn apply_batch(
    db: &dyn Database,
    metrics: &Metrics,
    state: &mut WriterState,
    batch: Vec<Job>,
) -> (Replies, Vec<Answer>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut work: Work = Vec::with_capacity(batch.len());
    for job in batch {
        replies.push(job.reply);
        work.push((job.command, job.idempotency));
    }
    let now = crate::clock::now_ms();
    let (results, effects) = match apply_fast(db, state, &work, now).await {
        Fast::Committed(results, effects) => (results, effects),
        Fast::Failed(e) => (fail_all(work.len(), &e), None),
        Fast::Fallback => {
            metrics.observe_careful_batch();
            apply_careful(db, state, &work, now).await
        }
    };
    if let Some(effects) = effects {
        state.absorb(effects);
    }
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
    /// Committed; the effects to fold into the writer's state (none for the hot path).
    Committed(Vec<Answer>, Option<Effects>),
    /// A command failed; nothing was committed; apply the batch on the careful path.
    Fallback,
    /// The transaction itself failed.
    Failed(StoreError),
}

/// The record to keep for a command's idempotency key: the writer's answer when it rendered
/// one, else the handler's. An order's creation keeps its answer by reference (the order's own
/// row, rendered again as created: [`resolve_replay`]); the body stays in memory for repeats
/// within the batch.
fn record_of(
    idem: &Idempotency,
    command: &Command,
    applied: Option<&Applied>,
) -> IdempotencyRecord {
    let (status_code, response_body) = match applied {
        Some(Applied::Rendered { status, body }) => (*status, body.clone()),
        _ => (idem.status_code, idem.replay_body.clone()),
    };
    let response_order_id = match command {
        Command::CreateOrder { order } => Some(order.id.clone()),
        _ => None,
    };
    IdempotencyRecord {
        party_id: idem.party_id.clone(),
        key: idem.key.clone(),
        request_sha256: idem.request_sha256.clone(),
        status_code,
        response_body,
        created_at_ms: idem.now_ms,
        response_order_id,
    }
}

/// A stored record with its answer: an order's creation answer is rendered from the order's row
/// as it was when created (status `placed`, not yet updated), for the party that created it, so
/// the replay is the first answer byte for byte.
async fn resolve_replay(
    s: &mut dyn store::Stores,
    mut record: IdempotencyRecord,
) -> Result<IdempotencyRecord, StoreError> {
    if let Some(order_id) = &record.response_order_id {
        let order = s
            .get_order(order_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                table: "idempotency_keys",
                id: record.key.clone(),
                detail: format!("the answer names order {order_id}, which does not exist"),
            })?;
        let as_created = Order {
            status: trade::OrderStatus::Placed,
            updated_at_ms: order.created_at_ms,
            ..order
        };
        record.response_body =
            crate::routes::to_json(&crate::views::OrderView::new(&as_created, &record.party_id));
    }
    Ok(record)
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

async fn apply_fast(db: &dyn Database, state: &WriterState, work: &Work, now_ms: i64) -> Fast {
    let n = work.len();
    let mut results: Vec<Option<Answer>> = (0..n).map(|_| None).collect();
    // The first job of the batch with each idempotency key; later ones replay its answer.
    let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (i, (_, idem)) in work.iter().enumerate() {
        let Some(idem) = idem else { continue };
        match first_with_key.entry((idem.party_id.as_str(), idem.key.as_str())) {
            Entry::Occupied(first) => repeats.push((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    let repeated: HashSet<usize> = repeats.iter().map(|(i, _)| *i).collect();
    let hot = work.iter().enumerate().all(|(i, (c, _))| {
        repeated.contains(&i)
            || matches!(c, Command::CreateOrder { order } if !state.has_waiting(customs::matching_order_no(order)))
    });
    if hot {
        return apply_hot(db, work, &first_with_key, &repeats, &repeated).await;
    }
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return Fast::Failed(e),
    };
    // The records standing for the batch's keys (retries of earlier requests).
    let mut standing: HashMap<(String, String), IdempotencyRecord> = HashMap::new();
    if !first_with_key.is_empty() {
        let keys: Vec<(&str, &str)> = first_with_key.keys().copied().collect();
        match tx.stores().get_idempotency_many(&keys).await {
            Ok(found) => {
                for r in found {
                    let Ok(r) = resolve_replay(tx.stores(), r).await else {
                        return Fast::Fallback;
                    };
                    standing.insert((r.party_id.clone(), r.key.clone()), r);
                }
            }
            Err(_) => return Fast::Fallback,
        }
    }
    let mut ctx = BatchCtx::new(state, now_ms);
    let mut new_records: Vec<IdempotencyRecord> = Vec::new();
    let mut orders: Vec<&Order> = Vec::new();
    for (i, (command, idem)) in work.iter().enumerate() {
        if repeated.contains(&i) {
            continue;
        }
        if let Some(idem) = idem {
            if let Some(seen) = standing.get(&(idem.party_id.clone(), idem.key.clone())) {
                results[i] = Some(replay_against(seen, idem));
                continue;
            }
        }
        if let Command::CreateOrder { order } = command {
            if ctx.waiting_count(customs::matching_order_no(order)) <= 0 {
                orders.push(order);
                if let Some(idem) = idem {
                    new_records.push(record_of(idem, command, None));
                }
                results[i] = Some(Ok(Outcome::Applied(Applied::Created)));
                continue;
            }
        }
        // Keep arrival order: orders queued so far go in before any other command.
        if !orders.is_empty() {
            if tx.stores().insert_orders(&orders).await.is_err() {
                return Fast::Fallback;
            }
            orders.clear();
        }
        match apply_command(tx.as_mut(), &mut ctx, command).await {
            Ok(applied) => {
                if let Some(idem) = idem {
                    new_records.push(record_of(idem, command, Some(&applied)));
                }
                results[i] = Some(Ok(Outcome::Applied(applied)));
            }
            Err(_) => return Fast::Fallback,
        }
    }
    if !orders.is_empty() && tx.stores().insert_orders(&orders).await.is_err() {
        return Fast::Fallback;
    }
    if ctx.persist_ledger(tx.stores()).await.is_err() {
        return Fast::Fallback;
    }
    if !new_records.is_empty() {
        let refs: Vec<&IdempotencyRecord> = new_records.iter().collect();
        if tx.stores().insert_idempotency_many(&refs).await.is_err() {
            return Fast::Fallback;
        }
    }
    for r in new_records {
        standing.insert((r.party_id.clone(), r.key.clone()), r);
    }
    for (i, first) in repeats {
        if let (Some(idem), Some(first_idem)) = (&work[i].1, &work[first].1) {
            if let Some(record) =
                standing.get(&(first_idem.party_id.clone(), first_idem.key.clone()))
            {
                results[i] = Some(replay_against(record, idem));
            }
        }
    }
    let effects = ctx.effects;
    commit(tx, results, Some(effects)).await
}

/// The hot path: a batch of order creations in one transaction of as few round trips as the
/// backend allows. A key already stored (a retry) or any other failure leaves nothing written
/// and sends the batch to the careful path, which replays or reports each job on its own.
async fn apply_hot(
    db: &dyn Database,
    work: &Work,
    first_with_key: &HashMap<(&str, &str), usize>,
    repeats: &[(usize, usize)],
    repeated: &HashSet<usize>,
) -> Fast {
    let orders: Vec<&Order> = work
        .iter()
        .enumerate()
        .filter(|(i, _)| !repeated.contains(i))
        .filter_map(|(_, (c, _))| match c {
            Command::CreateOrder { order } => Some(order),
            _ => None,
        })
        .collect();
    let claims: HashMap<usize, IdempotencyRecord> = first_with_key
        .values()
        .filter_map(|i| {
            work[*i]
                .1
                .as_ref()
                .map(|idem| (*i, record_of(idem, &work[*i].0, None)))
        })
        .collect();
    let records: Vec<&IdempotencyRecord> = claims.values().collect();
    if db.commit_orders(&records, &orders).await.is_err() {
        return Fast::Fallback;
    }
    let first_of: HashMap<usize, usize> = repeats.iter().copied().collect();
    let results = work
        .iter()
        .enumerate()
        .map(
            |(i, (_, idem))| match (first_of.get(&i).and_then(|f| claims.get(f)), idem) {
                (Some(record), Some(idem)) => replay_against(record, idem),
                _ => Ok(Outcome::Applied(Applied::Created)),
            },
        )
        .collect();
    Fast::Committed(results, None)
}

async fn commit(
    tx: Box<dyn WriteTx>,
    results: Vec<Option<Answer>>,
    effects: Option<Effects>,
) -> Fast {
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, "commit failed");
        return Fast::Failed(e);
    }
    let results: Option<Vec<Answer>> = results.into_iter().collect();
    match results {
        Some(results) => Fast::Committed(results, effects),
        None => unreachable!("every job of a committed batch has an answer"),
    }
}

/// The careful path: each command in its own savepoint, and the batch's working set restored
/// to what it was before a command that failed.
async fn apply_careful(
    db: &dyn Database,
    state: &WriterState,
    work: &Work,
    now_ms: i64,
) -> (Vec<Answer>, Option<Effects>) {
    let n = work.len();
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return (fail_all(n, &e), None);
        }
    };
    let mut ctx = BatchCtx::new(state, now_ms);
    let mut results = Vec::with_capacity(n);
    for (command, idempotency) in work {
        let before = ctx.clone();
        match apply_in_savepoint(tx.as_mut(), &mut ctx, command, idempotency.as_ref()).await {
            Ok(result) => {
                if !matches!(result, Ok(Outcome::Applied(_))) {
                    ctx = before;
                }
                results.push(result);
            }
            Err(e) => {
                tracing::error!(error = %e, "savepoint failed; the batch is abandoned");
                return (fail_all(n, &e), None);
            }
        }
    }
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, "commit failed");
        return (fail_all(n, &e), None);
    }
    (results, Some(ctx.effects))
}

/// The outer `Result` is a failure of the transaction itself; the inner one the command's own.
async fn apply_in_savepoint(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    command: &Command,
    idem: Option<&Idempotency>,
) -> Result<Answer, StoreError> {
    tx.savepoint().await?;
    let result = apply_one(tx, ctx, command, idem).await;
    match &result {
        Ok(Outcome::Applied(_)) => tx.release_savepoint().await?,
        Ok(Outcome::Replayed { .. }) | Err(_) => {
            tx.rollback_to_savepoint().await?;
            tx.release_savepoint().await?;
        }
    }
    Ok(result)
}

async fn apply_one(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    command: &Command,
    idem: Option<&Idempotency>,
) -> Answer {
    if let Some(idem) = idem {
        if let Some(seen) = tx
            .stores()
            .get_idempotency(&idem.party_id, &idem.key)
            .await?
        {
            let seen = resolve_replay(tx.stores(), seen).await?;
            return replay_against(&seen, idem);
        }
    }
    let applied = apply_command(tx, ctx, command).await?;
    // Inside the command's savepoint: its ledger changes stand or fall with it.
    ctx.persist_ledger(tx.stores()).await?;
    if let Some(idem) = idem {
        tx.stores()
            .insert_idempotency(&record_of(idem, command, Some(&applied)))
            .await?;
    }
    Ok(Outcome::Applied(applied))
}

/// A CEB message: the documents one by one, each in a savepoint of its own; the receipt from
/// their outcomes. A message sent again (same sender and guid, same body) answers its stored
/// receipt without applying anything.
async fn receive_ceb(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    intake: &CebIntake,
) -> Result<(u16, String), EngineError> {
    let record = &intake.record;
    // What the handler answers for a message it could not read (a failure receipt).
    let status = if intake.message.is_some() { 200 } else { 400 };
    if let (Some(guid), Some(message)) = (&record.guid, &intake.message) {
        if let Some(seen) = tx
            .stores()
            .find_ceb_message(&record.sender_id, guid)
            .await?
        {
            if seen.body == record.body {
                return Ok((status, seen.receipt));
            }
            // Another message under a guid the sender used already: refused, nothing kept.
            let e = ceb::CebError::new(
                ceb::ErrorKind::InvalidValue,
                format!("{}@guid", message.kind().root_name()),
                "the sender already sent another message with this guid; a message is sent again only as it was",
            );
            return Ok((
                409,
                ceb::failure_receipt(record.body.as_bytes(), &e, ctx.now_ms),
            ));
        }
    }
    let mut receipt = record.receipt.clone();
    if let Some(message) = &intake.message {
        let outcomes = match apply_documents_at_once(tx, ctx, &intake.documents).await? {
            Some(outcomes) => outcomes,
            None => apply_documents_one_by_one(tx, ctx, &intake.documents).await?,
        };
        receipt = match ceb::receipt_for(message, &outcomes, ctx.now_ms) {
            Ok(xml) => xml,
            Err(e) => ceb::failure_receipt(record.body.as_bytes(), &e, ctx.now_ms),
        };
    }
    let stored = store::CebMessageRecord {
        receipt: receipt.clone(),
        ..record.clone()
    };
    tx.stores().insert_ceb_message(&stored).await?;
    Ok((status, receipt))
}

/// Whether the merchant already has this very order (same number and content).
/// The common case of a message, every document valid: all of them in one savepoint, with the
/// batch's working set copied once for the message. `None` (the savepoint and the working set
/// rolled back) when a document fails: the message is then applied one document at a time.
/// Copying the working set before each document instead cost a fifth of the writer on messages
/// of 100 documents (it grows with the accounts the batch touched; docs/performance.md).
async fn apply_documents_at_once(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    documents: &[Result<Command, String>],
) -> Result<Option<Vec<Result<(), String>>>, EngineError> {
    let before = ctx.clone();
    tx.savepoint().await?;
    let mut outcomes = Vec::with_capacity(documents.len());
    for document in documents {
        match document {
            // Refused at intake: nothing to apply, nothing to undo.
            Err(reason) => outcomes.push(Err(reason.clone())),
            Ok(command) => {
                if let Err(e) = Box::pin(apply_command(tx, ctx, command)).await {
                    tx.rollback_to_savepoint().await?;
                    tx.release_savepoint().await?;
                    *ctx = before;
                    if matches!(e, EngineError::Store(_)) {
                        // The storage itself failed: the whole message fails with it.
                        return Err(e);
                    }
                    return Ok(None);
                }
                outcomes.push(Ok(()));
            }
        }
    }
    tx.release_savepoint().await?;
    Ok(Some(outcomes))
}

/// A message with a failing document: each document in a savepoint of its own, the working set
/// restored after one that fails, so the others stand.
async fn apply_documents_one_by_one(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    documents: &[Result<Command, String>],
) -> Result<Vec<Result<(), String>>, EngineError> {
    let mut outcomes = Vec::with_capacity(documents.len());
    for document in documents {
        let outcome = match document {
            Err(reason) => Err(reason.clone()),
            Ok(command) => {
                let before = ctx.clone();
                tx.savepoint().await?;
                match Box::pin(apply_command(tx, ctx, command)).await {
                    Ok(_) => {
                        tx.release_savepoint().await?;
                        Ok(())
                    }
                    Err(e) => {
                        tx.rollback_to_savepoint().await?;
                        tx.release_savepoint().await?;
                        *ctx = before;
                        if matches!(e, EngineError::Store(_)) {
                            // The storage itself failed: the whole message fails with it.
                            return Err(e);
                        }
                        match command {
                            // A document sent again, as it was: received, not written twice.
                            Command::CreateOrder { order }
                                if already_stored(tx.stores(), order).await? =>
                            {
                                Ok(())
                            }
                            _ => Err(refusal(&e)),
                        }
                    }
                }
            }
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

async fn already_stored(s: &mut dyn store::Stores, order: &Order) -> Result<bool, EngineError> {
    let Some(number) = &order.order_no else {
        return Ok(false);
    };
    let same = |stored: &Order| Order {
        id: String::new(),
        status: trade::OrderStatus::Placed,
        created_at_ms: 0,
        updated_at_ms: 0,
        ..stored.clone()
    };
    Ok(s.orders_by_number(number)
        .await?
        .iter()
        .any(|(stored, _)| stored.merchant_id == order.merchant_id && same(stored) == same(order)))
}

/// Why a document was refused, for its receipt: the stable code and the explanation.
fn refusal(e: &EngineError) -> String {
    match e {
        EngineError::Conflict { code, detail } => format!("{code}: {detail}"),
        EngineError::NotFound { what } => {
            format!("not_found: no {what} with that number is visible to the sender")
        }
        EngineError::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{} {}: {}", f.field, f.code, f.detail))
            .collect::<Vec<_>>()
            .join("; "),
        EngineError::Ledger {
            code,
            transfer_code,
        } => format!("ledger_refused: the {transfer_code} transfer: {code}"),
        other => other.to_string(),
    }
}

/// The effect of one command on the stores, without its idempotency bookkeeping.
async fn apply_command(
    tx: &mut dyn WriteTx,
    ctx: &mut BatchCtx<'_>,
    command: &Command,
) -> Result<Applied, EngineError> {
    let s = tx.stores();
    Ok(match command {
        Command::CreateParty { party, key } => {
            s.insert_party(party).await.map_err(|e| {
                conflict_as(
                    e,
                    "duplicate_customs_code",
                    "another party of the hub already has this customs_code",
                )
            })?;
            s.insert_key(key).await?;
            ctx.note_party(party);
            Applied::Created
        }
        Command::CreateKey { key } => {
            s.insert_key(key).await?;
            Applied::Created
        }
        Command::SetPartyStatus {
            party_id,
            status,
            at_ms,
        } => {
            let mut party = s
                .get_party(party_id)
                .await?
                .ok_or(EngineError::NotFound { what: "party" })?;
            if party.role == Role::Operator
                && *status != trade::party::PartyStatus::Active
                && s.count_live_keys_for_role(Role::Operator, *at_ms).await?
                    <= s.count_live_keys_of_party(party_id, *at_ms).await?
            {
                return Err(EngineError::Conflict {
                    code: "last_operator",
                    detail: "suspending this party would leave the hub without a live operator key"
                        .into(),
                });
            }
            s.set_party_status(party_id, *status).await?;
            party.status = *status;
            ctx.note_party(&party);
            Applied::Rendered {
                status: 200,
                body: crate::routes::to_json(&crate::views::PartyView::from(&party)),
            }
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
            let live = key.expires_at_ms.is_none_or(|end| end > *at_ms);
            if owner.role == Role::Operator
                && live
                && s.count_live_keys_for_role(Role::Operator, *at_ms).await? <= 1
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
            parcels::order_placed(s, ctx, order).await?;
            Applied::Created
        }
        Command::PurgeIdempotency { before_ms } => {
            Applied::Purged(s.purge_idempotency(*before_ms).await?)
        }
        Command::PutFxRates { rates } => {
            s.put_fx_rates(rates).await?;
            let mut table = ctx.fx().clone();
            table.extend(crate::fx::table_of(rates));
            ctx.set_fx(table);
            Applied::Created
        }
        Command::CreatePayment { payment } => {
            parcels::create_payment(s, ctx, payment.clone()).await?
        }
        Command::CreateWaybill { waybill } => {
            parcels::create_waybill(s, ctx, waybill.clone()).await?
        }
        Command::Decide {
            declaration_id,
            decision,
            reason,
            by,
        } => parcels::decide(s, ctx, declaration_id, *decision, reason, by).await?,
        Command::CancelOrder {
            order_id,
            reason,
            by,
        } => parcels::cancel_order(s, ctx, order_id, reason, by).await?,
        Command::ReturnOrder {
            order_id,
            reason,
            by,
        } => parcels::return_order(s, ctx, order_id, reason, by).await?,
        Command::DeliverOrder { order_id, by } => {
            parcels::deliver_order(s, ctx, order_id, by).await?
        }
        Command::CreatePayout { payout } => crate::payouts::create_payout(s, ctx, payout).await?,
        Command::ReceiveCeb { intake } => {
            let (status, xml) = receive_ceb(tx, ctx, intake).await?;
            Applied::Receipt { status, xml }
        }
        Command::CreateRiskRule { rule } => {
            s.insert_risk_rule(rule).await?;
            let mut rules = ctx.rules().to_vec();
            rules.push(rule.rule.clone());
            rules.sort_by(|a, b| a.id.cmp(&b.id));
            ctx.set_rules(rules);
            Applied::Rendered {
                status: 201,
                body: crate::routes::to_json(&crate::views::clearance::RiskRuleView::from(rule)),
            }
        }
        Command::UpdateRiskRule {
            rule_id,
            patch,
            by,
            at_ms,
        } => {
            let current = s
                .get_risk_rule(rule_id)
                .await?
                .ok_or(EngineError::NotFound { what: "risk rule" })?;
            let next = patch
                .apply(&current.rule, *at_ms)
                .map_err(EngineError::Invalid)?;
            let stored = StoredRiskRule {
                rule: next,
                updated_by: by.clone(),
            };
            if !s.update_risk_rule(&stored, current.rule.version).await? {
                return Err(EngineError::Conflict {
                    code: "concurrent_update",
                    detail: "the rule changed meanwhile; retry".into(),
                });
            }
            let rules = ctx
                .rules()
                .iter()
                .map(|r| {
                    if r.id == stored.rule.id {
                        stored.rule.clone()
                    } else {
                        r.clone()
                    }
                })
                .collect();
            ctx.set_rules(rules);
            Applied::Rendered {
                status: 200,
                body: crate::routes::to_json(&crate::views::clearance::RiskRuleView::from(&stored)),
            }
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
