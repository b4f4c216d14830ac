//! The SQL of the ledger store (accounts, transfers, payouts), written once and expanded for both
//! backends like `sql.rs`. Batches are written with multi-row statements: a batch of thousands of
//! transfers costs a handful of statements, not one per transfer.

macro_rules! impl_ledger_store {
    ($conn:ty, $db:ty, $row:ty) => {
        use ledger::{Account, AccountFlags, AccountKind, Changes, FxNote, PendingState, Transfer, TransferFlags};
        use $crate::records::{Movement, PayoutRecord};

        // Far below both backends' bound-parameter limits at 11 and 18 parameters a row.
        const ACCOUNT_ROWS_PER_STATEMENT: usize = 1000;
        const TRANSFER_ROWS_PER_STATEMENT: usize = 1500;
        const UPDATE_ROWS_PER_STATEMENT: usize = 1500;

        fn account_from(row: &$row) -> Result<Account> {
            let id: String = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            let flags: i64 = row.try_get("flags")?;
            Ok(Account {
                owner_id: row.try_get("owner_id")?,
                currency: currency("ledger_accounts", &id, &row.try_get::<String, _>("currency")?)?,
                kind: AccountKind::parse(&kind).ok_or_else(|| corrupt("ledger_accounts", &id, format!("kind {kind}")))?,
                flags: u8::try_from(flags)
                    .ok()
                    .and_then(AccountFlags::from_bits)
                    .ok_or_else(|| corrupt("ledger_accounts", &id, format!("flags {flags}")))?,
                code: row.try_get("code")?,
                debits_pending: row.try_get("debits_pending")?,
                debits_posted: row.try_get("debits_posted")?,
                credits_pending: row.try_get("credits_pending")?,
                credits_posted: row.try_get("credits_posted")?,
                created_at_ms: row.try_get("created_at_ms")?,
                id,
            })
        }

        fn transfer_from(row: &$row) -> Result<(Transfer, Option<PendingState>)> {
            let id: String = row.try_get("id")?;
            let flags: i64 = row.try_get("flags")?;
            let fx = match (
                row.try_get::<Option<String>, _>("fx_base")?,
                row.try_get::<Option<String>, _>("fx_quote")?,
                row.try_get::<Option<String>, _>("fx_rate")?,
                row.try_get::<Option<String>, _>("fx_source")?,
            ) {
                (Some(base), Some(quote), Some(rate), Some(source)) => Some(FxNote {
                    base: currency("ledger_transfers", &id, &base)?,
                    quote: currency("ledger_transfers", &id, &quote)?,
                    rate,
                    source,
                }),
                (None, None, None, None) => None,
                _ => return Err(corrupt("ledger_transfers", &id, "a partial FX note")),
            };
            let state = match row.try_get::<Option<String>, _>("pending_state")? {
                None => None,
                Some(text) => Some(
                    PendingState::from_storage(&text, row.try_get("posted_amount")?)
                        .ok_or_else(|| corrupt("ledger_transfers", &id, format!("pending state {text}")))?,
                ),
            };
            let transfer = Transfer {
                debit_account_id: row.try_get("debit_account_id")?,
                credit_account_id: row.try_get("credit_account_id")?,
                amount: row.try_get("amount")?,
                currency: currency("ledger_transfers", &id, &row.try_get::<String, _>("currency")?)?,
                pending_id: row.try_get("pending_id")?,
                timeout_ms: row.try_get("timeout_ms")?,
                code: row.try_get("code")?,
                user_ref: row.try_get("user_ref")?,
                flags: u8::try_from(flags)
                    .ok()
                    .and_then(TransferFlags::from_bits)
                    .ok_or_else(|| corrupt("ledger_transfers", &id, format!("flags {flags}")))?,
                fx,
                timestamp_ms: row.try_get("timestamp_ms")?,
                id,
            };
            Ok((transfer, state))
        }

        fn payout_from(row: &$row) -> Result<PayoutRecord> {
            let id: String = row.try_get("id")?;
            let transfer_ids: String = row.try_get("transfer_ids")?;
            Ok(PayoutRecord {
                merchant_id: row.try_get("merchant_id")?,
                source_account_id: row.try_get("source_account_id")?,
                source_currency: currency("payouts", &id, &row.try_get::<String, _>("source_currency")?)?,
                source_amount: row.try_get("source_amount")?,
                currency: currency("payouts", &id, &row.try_get::<String, _>("currency")?)?,
                amount: row.try_get("amount")?,
                fx_rate: row.try_get("fx_rate")?,
                fx_source: row.try_get("fx_source")?,
                fx_as_of_ms: row.try_get("fx_as_of_ms")?,
                creditor_name: row.try_get("creditor_name")?,
                creditor_account: row.try_get("creditor_account")?,
                creditor_agent_bic: row.try_get("creditor_agent_bic")?,
                transfer_ids: transfer_ids.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                created_by: row.try_get("created_by")?,
                created_at_ms: row.try_get("created_at_ms")?,
                id,
            })
        }

        fn push_account_values(qb: &mut sql_api::QueryBuilder<'_, $db>, accounts: &[&Account]) {
            qb.push_values(accounts, |mut b, a| {
                b.push_bind(a.id.clone())
                    .push_bind(a.owner_id.clone())
                    .push_bind(a.currency.code())
                    .push_bind(a.kind.as_str())
                    .push_bind(a.code.clone())
                    .push_bind(i64::from(a.flags.to_bits()))
                    .push_bind(a.debits_pending)
                    .push_bind(a.debits_posted)
                    .push_bind(a.credits_pending)
                    .push_bind(a.credits_posted)
                    .push_bind(a.created_at_ms);
            });
        }

        /// The state columns a transfer is inserted with: a new pending transfer starts pending,
        /// with its expiry time when it has a timeout.
        fn initial_state(t: &Transfer) -> (Option<&'static str>, Option<i64>) {
            if t.flags.pending {
                let expires = (t.timeout_ms > 0).then(|| t.timestamp_ms.saturating_add(t.timeout_ms));
                (Some(PendingState::Pending.as_str()), expires)
            } else {
                (None, None)
            }
        }

        #[async_trait::async_trait]
        impl $crate::LedgerStore for $conn {
            async fn all_accounts(&mut self) -> Result<Vec<Account>> {
                let rows = sql_api::query("SELECT * FROM ledger_accounts ORDER BY id").fetch_all(&mut *self).await?;
                rows.iter().map(account_from).collect()
            }
            async fn get_account(&mut self, id: &str) -> Result<Option<Account>> {
                let row = sql_api::query("SELECT * FROM ledger_accounts WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(account_from).transpose()
            }
            async fn list_accounts(&mut self, owner_id: Option<&str>, before_id: Option<&str>, limit: i64) -> Result<Vec<Account>> {
                let rows = sql_api::query(
                    "SELECT * FROM ledger_accounts WHERE ($1 IS NULL OR owner_id = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(owner_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(account_from).collect()
            }
            async fn transfers_by_id(&mut self, ids: &[String]) -> Result<Vec<(Transfer, Option<PendingState>)>> {
                let mut found = Vec::new();
                for chunk in ids.chunks(UPDATE_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new("SELECT * FROM ledger_transfers WHERE id IN (");
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(id.clone());
                    }
                    qb.push(")");
                    for row in qb.build().fetch_all(&mut *self).await? {
                        found.push(transfer_from(&row)?);
                    }
                }
                Ok(found)
            }
            async fn pending_transfers(&mut self, limit: i64) -> Result<Vec<Transfer>> {
                // The newest first: they are the likeliest to be posted soon.
                let rows = sql_api::query("SELECT * FROM ledger_transfers WHERE pending_state = 'pending' ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(|r| transfer_from(r).map(|(t, _)| t)).collect()
            }
            async fn due_pending_transfers(&mut self, now_ms: i64, limit: i64) -> Result<Vec<Transfer>> {
                let rows = sql_api::query(
                    "SELECT * FROM ledger_transfers WHERE pending_state = 'pending' AND expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT $2",
                )
                .bind(now_ms)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(|r| transfer_from(r).map(|(t, _)| t)).collect()
            }
            async fn account_transfers(&mut self, account_id: &str, before_id: Option<&str>, limit: i64) -> Result<Vec<(Transfer, Option<PendingState>)>> {
                // Two index range scans merged: transfers that debit the account and those that
                // credit it, in the order they were committed (seq). The cursor is the last id
                // seen; an id that is no transfer gives an empty page.
                let rows = sql_api::query(
                    "WITH a AS (SELECT seq FROM ledger_accounts WHERE id = $1),
                          c AS (SELECT seq FROM ledger_transfers WHERE id = $2)
                     SELECT * FROM (
                        SELECT * FROM ledger_transfers WHERE debit_seq = (SELECT seq FROM a) AND ($2 IS NULL OR seq < (SELECT seq FROM c))
                        UNION ALL
                        SELECT * FROM ledger_transfers WHERE credit_seq = (SELECT seq FROM a) AND ($2 IS NULL OR seq < (SELECT seq FROM c))
                     ) AS t ORDER BY seq DESC LIMIT $3",
                )
                .bind(account_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(transfer_from).collect()
            }
            async fn account_movements(&mut self, account_id: &str, from_ms: i64, to_ms: i64) -> Result<(i64, i64, Vec<Movement>)> {
                // Posted movements only: single-phase transfers and posts (bits 2 and 8 clear:
                // a pending transfer and a void post nothing). PostgreSQL sums BIGINT into
                // NUMERIC: cast back (a sum of one account's side fits, as its figure does).
                let sums: (Option<i64>, Option<i64>) = sql_api::query_as(
                    "SELECT
                        (SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_transfers
                         WHERE debit_seq = (SELECT seq FROM ledger_accounts WHERE id = $1) AND timestamp_ms < $2 AND (flags & 10) = 0),
                        (SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_transfers
                         WHERE credit_seq = (SELECT seq FROM ledger_accounts WHERE id = $1) AND timestamp_ms < $2 AND (flags & 10) = 0)",
                )
                .bind(account_id)
                .bind(from_ms)
                .fetch_one(&mut *self)
                .await?;
                let rows = sql_api::query(
                    "WITH a AS (SELECT seq FROM ledger_accounts WHERE id = $1)
                     SELECT * FROM ledger_transfers
                     WHERE (debit_seq = (SELECT seq FROM a) OR credit_seq = (SELECT seq FROM a))
                       AND timestamp_ms >= $2 AND timestamp_ms < $3 AND (flags & 10) = 0
                     ORDER BY timestamp_ms, seq",
                )
                .bind(account_id)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *self)
                .await?;
                let movements = rows
                    .iter()
                    .map(|r| {
                        transfer_from(r).map(|(t, _)| Movement {
                            debit: t.debit_account_id == account_id,
                            transfer: t,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((sums.0.unwrap_or(0), sums.1.unwrap_or(0), movements))
            }
            async fn account_seqs(&mut self) -> Result<Vec<(String, i64)>> {
                Ok(sql_api::query_as("SELECT id, seq FROM ledger_accounts").fetch_all(&mut *self).await?)
            }
            async fn newest_transfer_id(&mut self) -> Result<Option<String>> {
                Ok(sql_api::query_scalar("SELECT MAX(id) FROM ledger_transfers").fetch_one(&mut *self).await?)
            }
            async fn persist_ledger(&mut self, changes: &Changes, known: &$crate::SeqLookup<'_>) -> Result<Vec<(String, i64)>> {
                let new: std::collections::HashSet<&str> = changes.new_accounts.iter().map(String::as_str).collect();
                let (inserted, mut updated): (Vec<&Account>, Vec<&Account>) =
                    changes.accounts.iter().partition(|a| new.contains(a.id.as_str()));
                let mut assigned: Vec<(String, i64)> = Vec::with_capacity(inserted.len());
                for chunk in inserted.chunks(ACCOUNT_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "INSERT INTO ledger_accounts (id, owner_id, currency, kind, code, flags, debits_pending, debits_posted, credits_pending, credits_posted, created_at_ms) ",
                    );
                    push_account_values(&mut qb, chunk);
                    qb.push(" RETURNING id, seq");
                    for row in qb.build().fetch_all(&mut *self).await? {
                        assigned.push((row.try_get("id")?, row.try_get("seq")?));
                    }
                }
                let new_seqs: std::collections::HashMap<&str, i64> = assigned.iter().map(|(id, seq)| (id.as_str(), *seq)).collect();
                let seq_of = |id: &str| new_seqs.get(id).copied().or_else(|| known(id));
                if ROWS_PER_STATEMENT_MAX == 1 {
                    // One row per statement (the SQLite writer): a plain keyed update, by the
                    // integer key where it is known (a rowid seek, no text comparisons).
                    for a in &updated {
                        let query = match seq_of(&a.id) {
                            Some(seq) => sql_api::query(
                                "UPDATE ledger_accounts SET debits_pending = $2, debits_posted = $3, credits_pending = $4, credits_posted = $5 WHERE seq = $1",
                            )
                            .bind(seq),
                            None => sql_api::query(
                                "UPDATE ledger_accounts SET debits_pending = $2, debits_posted = $3, credits_pending = $4, credits_posted = $5 WHERE id = $1",
                            )
                            .bind(a.id.as_str()),
                        };
                        let done = query
                            .bind(a.debits_pending)
                            .bind(a.debits_posted)
                            .bind(a.credits_pending)
                            .bind(a.credits_posted)
                            .execute(&mut *self)
                            .await?;
                        if done.rows_affected() != 1 {
                            return Err(corrupt("ledger_accounts", &a.id, "the account to update is not stored"));
                        }
                    }
                    updated.clear();
                }
                for chunk in updated.chunks(UPDATE_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "UPDATE ledger_accounts SET debits_pending = v.column2, debits_posted = v.column3, credits_pending = v.column4, credits_posted = v.column5 FROM (",
                    );
                    qb.push_values(chunk, |mut b, a| {
                        b.push_bind(a.id.clone())
                            .push_bind(a.debits_pending)
                            .push_bind(a.debits_posted)
                            .push_bind(a.credits_pending)
                            .push_bind(a.credits_posted);
                    });
                    qb.push(") AS v WHERE ledger_accounts.id = v.column1");
                    let done = qb.build().execute(&mut *self).await?;
                    if done.rows_affected() != chunk.len() as u64 {
                        let ids: Vec<&str> = chunk.iter().map(|a| a.id.as_str()).collect();
                        return Err(corrupt("ledger_accounts", &ids.join(","), "an account to update is not stored"));
                    }
                }
                let mut transfers = changes.transfers.as_slice();
                if ROWS_PER_STATEMENT_MAX == 1 {
                    // One row per statement (the SQLite writer): one fixed statement text, so
                    // nothing is built per row and the prepared statement is found at once.
                    for t in transfers {
                        let (state, expires) = initial_state(t);
                        sql_api::query(
                            "INSERT INTO ledger_transfers (id, debit_seq, credit_seq, debit_account_id, credit_account_id, amount, currency, pending_id, \
                             timeout_ms, code, user_ref, flags, fx_base, fx_quote, fx_rate, fx_source, timestamp_ms, pending_state, posted_amount, expires_at_ms) \
                             VALUES ($1, COALESCE($2, (SELECT seq FROM ledger_accounts WHERE id = $4)), COALESCE($3, (SELECT seq FROM ledger_accounts WHERE id = $5)), \
                             $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULL, $19)",
                        )
                        .bind(t.id.as_str())
                        .bind(seq_of(&t.debit_account_id))
                        .bind(seq_of(&t.credit_account_id))
                        .bind(t.debit_account_id.as_str())
                        .bind(t.credit_account_id.as_str())
                        .bind(t.amount)
                        .bind(t.currency.code())
                        .bind(t.pending_id.as_deref())
                        .bind(t.timeout_ms)
                        .bind(t.code.as_str())
                        .bind(t.user_ref.as_str())
                        .bind(i64::from(t.flags.to_bits()))
                        .bind(t.fx.as_ref().map(|f| f.base.code()))
                        .bind(t.fx.as_ref().map(|f| f.quote.code()))
                        .bind(t.fx.as_ref().map(|f| f.rate.as_str()))
                        .bind(t.fx.as_ref().map(|f| f.source.as_str()))
                        .bind(t.timestamp_ms)
                        .bind(state)
                        .bind(expires)
                        .execute(&mut *self)
                        .await?;
                    }
                    transfers = &[];
                }
                for chunk in transfers.chunks(TRANSFER_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "INSERT INTO ledger_transfers (id, debit_seq, credit_seq, debit_account_id, credit_account_id, amount, currency, pending_id, timeout_ms, \
                         code, user_ref, flags, fx_base, fx_quote, fx_rate, fx_source, timestamp_ms, pending_state, posted_amount, expires_at_ms) ",
                    );
                    qb.push_values(chunk, |mut b, t| {
                        let (state, expires) = initial_state(t);
                        // The accounts' integer keys: given when known, else looked up by id in
                        // the statement (COALESCE stops at the first non-NULL). A missing account
                        // gives NULL, which the NOT NULL columns refuse.
                        b.push_bind(t.id.clone())
                            .push("COALESCE(")
                            .push_bind_unseparated(seq_of(&t.debit_account_id))
                            .push_unseparated(", (SELECT seq FROM ledger_accounts WHERE id = ")
                            .push_bind_unseparated(t.debit_account_id.clone())
                            .push_unseparated("))")
                            .push("COALESCE(")
                            .push_bind_unseparated(seq_of(&t.credit_account_id))
                            .push_unseparated(", (SELECT seq FROM ledger_accounts WHERE id = ")
                            .push_bind_unseparated(t.credit_account_id.clone())
                            .push_unseparated("))")
                            .push_bind(t.debit_account_id.clone())
                            .push_bind(t.credit_account_id.clone())
                            .push_bind(t.amount)
                            .push_bind(t.currency.code())
                            .push_bind(t.pending_id.clone())
                            .push_bind(t.timeout_ms)
                            .push_bind(t.code.clone())
                            .push_bind(t.user_ref.clone())
                            .push_bind(i64::from(t.flags.to_bits()))
                            .push_bind(t.fx.as_ref().map(|f| f.base.code()))
                            .push_bind(t.fx.as_ref().map(|f| f.quote.code()))
                            .push_bind(t.fx.as_ref().map(|f| f.rate.clone()))
                            .push_bind(t.fx.as_ref().map(|f| f.source.clone()))
                            .push_bind(t.timestamp_ms)
                            .push_bind(state)
                            .push_bind(None::<i64>)
                            .push_bind(expires);
                    });
                    qb.build().execute(&mut *self).await?;
                }
                let mut pending_updates = changes.pending_updates.as_slice();
                if ROWS_PER_STATEMENT_MAX == 1 {
                    for (id, state) in pending_updates {
                        sql_api::query(
                            "UPDATE ledger_transfers SET pending_state = $2, posted_amount = $3, expires_at_ms = NULL WHERE id = $1",
                        )
                        .bind(id.as_str())
                        .bind(state.as_str())
                        .bind(state.posted_amount())
                        .execute(&mut *self)
                        .await?;
                    }
                    pending_updates = &[];
                }
                for chunk in pending_updates.chunks(UPDATE_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "UPDATE ledger_transfers SET pending_state = v.column2, posted_amount = v.column3, expires_at_ms = NULL FROM (",
                    );
                    qb.push_values(chunk, |mut b, (id, state)| {
                        b.push_bind(id.clone()).push_bind(state.as_str()).push_bind(state.posted_amount());
                    });
                    qb.push(") AS v WHERE ledger_transfers.id = v.column1");
                    qb.build().execute(&mut *self).await?;
                }
                Ok(assigned)
            }
            async fn insert_payout(&mut self, p: &PayoutRecord) -> Result<()> {
                sql_api::query(
                    "INSERT INTO payouts (id, merchant_id, source_account_id, source_currency, source_amount, currency, amount, fx_rate, fx_source, fx_as_of_ms, \
                     creditor_name, creditor_account, creditor_agent_bic, transfer_ids, created_by, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(&p.id)
                .bind(&p.merchant_id)
                .bind(&p.source_account_id)
                .bind(p.source_currency.code())
                .bind(p.source_amount)
                .bind(p.currency.code())
                .bind(p.amount)
                .bind(&p.fx_rate)
                .bind(&p.fx_source)
                .bind(p.fx_as_of_ms)
                .bind(&p.creditor_name)
                .bind(&p.creditor_account)
                .bind(&p.creditor_agent_bic)
                .bind(p.transfer_ids.join(","))
                .bind(&p.created_by)
                .bind(p.created_at_ms)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn get_payout(&mut self, id: &str) -> Result<Option<PayoutRecord>> {
                let row = sql_api::query("SELECT * FROM payouts WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(payout_from).transpose()
            }
            async fn list_payouts(&mut self, merchant_id: Option<&str>, before_id: Option<&str>, limit: i64) -> Result<Vec<PayoutRecord>> {
                let rows = sql_api::query(
                    "SELECT * FROM payouts WHERE ($1 IS NULL OR merchant_id = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(merchant_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(payout_from).collect()
            }
        }
    };
}

pub(crate) use impl_ledger_store;
