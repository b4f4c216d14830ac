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
                // The account's chain (decision 35), newest first: from its newest transfer, or
                // from the one before the cursor (a cursor that is no transfer of this account
                // gives an empty page), one rowid read a step, at most `limit` steps.
                let rows = sql_api::query(
                    "WITH RECURSIVE
                        acct AS (SELECT seq, last_transfer_seq FROM ledger_accounts WHERE id = $1),
                        chain(seq, n) AS (
                            SELECT CASE WHEN $2 IS NULL THEN acct.last_transfer_seq
                                        WHEN t.debit_seq = acct.seq THEN t.debit_prev_seq
                                        WHEN t.credit_seq = acct.seq THEN t.credit_prev_seq END, 1
                            FROM acct LEFT JOIN ledger_transfers AS t ON t.id = $2
                            UNION ALL
                            SELECT CASE WHEN t.debit_seq = acct.seq THEN t.debit_prev_seq ELSE t.credit_prev_seq END, chain.n + 1
                            FROM chain JOIN ledger_transfers AS t ON t.seq = chain.seq CROSS JOIN acct
                            WHERE chain.n < $3
                        )
                     SELECT t.* FROM chain JOIN ledger_transfers AS t ON t.seq = chain.seq ORDER BY t.seq DESC",
                )
                .bind(account_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(transfer_from).collect()
            }
            async fn account_movements(&mut self, account_id: &str, from_ms: i64, to_ms: i64) -> Result<(i64, i64, Vec<Movement>)> {
                // The account's chain back to `from_ms` (timestamps never decrease along it: the
                // writer's ledger clock does not go back), with the account's posted figures in
                // the same statement, so both come from one snapshot. What was posted before
                // `from_ms` is the figure now less what was posted since. Posted movements only:
                // single-phase transfers and posts (bits 2 and 8 clear: a pending transfer and a
                // void post nothing).
                let rows = sql_api::query(
                    "WITH RECURSIVE
                        acct AS (SELECT seq, last_transfer_seq, debits_posted, credits_posted FROM ledger_accounts WHERE id = $1),
                        chain(seq) AS (
                            SELECT last_transfer_seq FROM acct
                            UNION ALL
                            SELECT CASE WHEN t.debit_seq = acct.seq THEN t.debit_prev_seq ELSE t.credit_prev_seq END
                            FROM chain JOIN ledger_transfers AS t ON t.seq = chain.seq CROSS JOIN acct
                            WHERE t.timestamp_ms >= $2
                        )
                     SELECT acct.debits_posted AS account_debits_posted, acct.credits_posted AS account_credits_posted, t.*
                     FROM acct LEFT JOIN (chain JOIN ledger_transfers AS t ON t.seq = chain.seq AND t.timestamp_ms >= $2) ON 1 = 1
                     ORDER BY t.seq",
                )
                .bind(account_id)
                .bind(from_ms)
                .fetch_all(&mut *self)
                .await?;
                let Some(first) = rows.first() else {
                    return Ok((0, 0, Vec::new()));
                };
                let (mut debits, mut credits): (i64, i64) =
                    (first.try_get("account_debits_posted")?, first.try_get("account_credits_posted")?);
                let mut movements = Vec::new();
                for row in &rows {
                    if row.try_get::<Option<String>, _>("id")?.is_none() {
                        continue;
                    }
                    let (t, _) = transfer_from(row)?;
                    if t.flags.pending || t.flags.void_pending_transfer {
                        continue;
                    }
                    let debit = t.debit_account_id == account_id;
                    if debit {
                        debits -= t.amount;
                    } else {
                        credits -= t.amount;
                    }
                    if t.timestamp_ms < to_ms {
                        movements.push(Movement { debit, transfer: t });
                    }
                }
                if debits < 0 || credits < 0 {
                    return Err(corrupt("ledger_accounts", account_id, "its posted figures are less than its posted movements"));
                }
                Ok((debits, credits, movements))
            }
            async fn account_keys(&mut self) -> Result<Vec<(String, $crate::AccountKeys)>> {
                let rows = sql_api::query("SELECT id, seq, last_transfer_seq FROM ledger_accounts").fetch_all(&mut *self).await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("id")?,
                            $crate::AccountKeys { seq: r.try_get("seq")?, last_transfer_seq: r.try_get("last_transfer_seq")? },
                        ))
                    })
                    .collect()
            }
            async fn newest_transfer_id(&mut self) -> Result<Option<String>> {
                Ok(sql_api::query_scalar("SELECT MAX(id) FROM ledger_transfers").fetch_one(&mut *self).await?)
            }
            async fn newest_transfer_timestamp_ms(&mut self) -> Result<Option<i64>> {
                Ok(sql_api::query_scalar("SELECT timestamp_ms FROM ledger_transfers ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *self).await?)
            }
            async fn persist_ledger(&mut self, changes: &Changes, known: &$crate::KeyLookup<'_>) -> Result<Vec<(String, $crate::AccountKeys)>> {
                use $crate::AccountKeys;
                let new: std::collections::HashSet<&str> = changes.new_accounts.iter().map(String::as_str).collect();
                let (inserted, mut updated): (Vec<&Account>, Vec<&Account>) =
                    changes.accounts.iter().partition(|a| new.contains(a.id.as_str()));
                // The keys of every account this call creates or chains a transfer to, as they
                // stand after it: all of them are new to the caller.
                let mut keys: std::collections::HashMap<String, AccountKeys, foldhash::fast::RandomState> = Default::default();
                for chunk in inserted.chunks(ACCOUNT_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "INSERT INTO ledger_accounts (id, owner_id, currency, kind, code, flags, debits_pending, debits_posted, credits_pending, credits_posted, created_at_ms) ",
                    );
                    push_account_values(&mut qb, chunk);
                    qb.push(" RETURNING id, seq");
                    for row in qb.build().fetch_all(&mut *self).await? {
                        let id: String = row.try_get("id")?;
                        keys.insert(id, AccountKeys { seq: row.try_get("seq")?, last_transfer_seq: None });
                    }
                }

                // Chain the new transfers (decision 35): each takes the next seq after the
                // newest stored (one writer: nobody else numbers them), and points to the
                // previous transfer of each of its accounts.
                let mut links: Vec<[i64; 5]> = Vec::with_capacity(changes.transfers.len());
                const NONE: i64 = 0; // seqs start at 1: 0 stands for "no previous transfer"
                if !changes.transfers.is_empty() {
                    for t in &changes.transfers {
                        for id in [&t.debit_account_id, &t.credit_account_id] {
                            if keys.contains_key(id.as_str()) {
                                continue;
                            }
                            let found = match known(id) {
                                Some(k) => Some(k),
                                None => sql_api::query("SELECT seq, last_transfer_seq FROM ledger_accounts WHERE id = $1")
                                    .bind(id.as_str())
                                    .fetch_optional(&mut *self)
                                    .await?
                                    .map(|r| -> Result<AccountKeys> {
                                        Ok(AccountKeys { seq: r.try_get("seq")?, last_transfer_seq: r.try_get("last_transfer_seq")? })
                                    })
                                    .transpose()?,
                            };
                            let k = found.ok_or_else(|| corrupt("ledger_transfers", &t.id, format!("account {id} is not stored")))?;
                            keys.insert(id.clone(), k);
                        }
                    }
                    let newest: Option<i64> = sql_api::query_scalar("SELECT MAX(seq) FROM ledger_transfers").fetch_one(&mut *self).await?;
                    let mut next = newest.unwrap_or(0) + 1;
                    for t in &changes.transfers {
                        let seq = next;
                        next += 1;
                        let mut link = [seq, 0, 0, NONE, NONE];
                        for (side, id) in [&t.debit_account_id, &t.credit_account_id].into_iter().enumerate() {
                            let k = keys
                                .get_mut(id.as_str())
                                .ok_or_else(|| corrupt("ledger_transfers", &t.id, format!("account {id} is not stored")))?;
                            link[1 + side] = k.seq;
                            link[3 + side] = k.last_transfer_seq.replace(seq).unwrap_or(NONE);
                        }
                        links.push(link);
                    }
                }
                let nullable = |seq: i64| (seq != NONE).then_some(seq);

                // New accounts that took transfers: their newest one.
                for a in &inserted {
                    if let Some(k) = keys.get(a.id.as_str()).filter(|k| k.last_transfer_seq.is_some()) {
                        sql_api::query("UPDATE ledger_accounts SET last_transfer_seq = $2 WHERE seq = $1")
                            .bind(k.seq)
                            .bind(k.last_transfer_seq)
                            .execute(&mut *self)
                            .await?;
                    }
                }
                let last_of = |id: &str| keys.get(id).and_then(|k| k.last_transfer_seq);
                if ROWS_PER_STATEMENT_MAX == 1 {
                    // One row per statement (the SQLite writer): a plain keyed update, by the
                    // integer key where it is known (a rowid seek, no text comparisons).
                    for a in &updated {
                        let query = match keys.get(a.id.as_str()).copied().or_else(|| known(&a.id)) {
                            Some(k) => sql_api::query(
                                "UPDATE ledger_accounts SET debits_pending = $2, debits_posted = $3, credits_pending = $4, credits_posted = $5, \
                                 last_transfer_seq = COALESCE($6, last_transfer_seq) WHERE seq = $1",
                            )
                            .bind(k.seq),
                            None => sql_api::query(
                                "UPDATE ledger_accounts SET debits_pending = $2, debits_posted = $3, credits_pending = $4, credits_posted = $5, \
                                 last_transfer_seq = COALESCE($6, last_transfer_seq) WHERE id = $1",
                            )
                            .bind(a.id.as_str()),
                        };
                        let done = query
                            .bind(a.debits_pending)
                            .bind(a.debits_posted)
                            .bind(a.credits_pending)
                            .bind(a.credits_posted)
                            .bind(last_of(&a.id))
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
                        "UPDATE ledger_accounts SET debits_pending = v.column2, debits_posted = v.column3, credits_pending = v.column4, credits_posted = v.column5, \
                         last_transfer_seq = COALESCE(CAST(v.column6 AS BIGINT), ledger_accounts.last_transfer_seq) FROM (",
                    );
                    qb.push_values(chunk, |mut b, a| {
                        b.push_bind(a.id.clone())
                            .push_bind(a.debits_pending)
                            .push_bind(a.debits_posted)
                            .push_bind(a.credits_pending)
                            .push_bind(a.credits_posted)
                            .push_bind(last_of(&a.id));
                    });
                    qb.push(") AS v WHERE ledger_accounts.id = v.column1");
                    let done = qb.build().execute(&mut *self).await?;
                    if done.rows_affected() != chunk.len() as u64 {
                        let ids: Vec<&str> = chunk.iter().map(|a| a.id.as_str()).collect();
                        return Err(corrupt("ledger_accounts", &ids.join(","), "an account to update is not stored"));
                    }
                }

                let mut transfers: &[(&Transfer, &[i64; 5])] = &[];
                let paired: Vec<(&Transfer, &[i64; 5])> = changes.transfers.iter().zip(&links).collect();
                if ROWS_PER_STATEMENT_MAX == 1 {
                    // One row per statement (the SQLite writer): one fixed statement text, so
                    // nothing is built per row and the prepared statement is found at once.
                    for (t, link) in &paired {
                        let (state, expires) = initial_state(t);
                        sql_api::query(
                            "INSERT INTO ledger_transfers (seq, debit_seq, credit_seq, debit_prev_seq, credit_prev_seq, id, debit_account_id, credit_account_id, \
                             amount, currency, pending_id, timeout_ms, code, user_ref, flags, fx_base, fx_quote, fx_rate, fx_source, timestamp_ms, \
                             pending_state, posted_amount, expires_at_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, NULL, $22)",
                        )
                        .bind(link[0])
                        .bind(link[1])
                        .bind(link[2])
                        .bind(nullable(link[3]))
                        .bind(nullable(link[4]))
                        .bind(t.id.as_str())
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
                } else {
                    transfers = &paired;
                }
                for chunk in transfers.chunks(TRANSFER_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "INSERT INTO ledger_transfers (seq, debit_seq, credit_seq, debit_prev_seq, credit_prev_seq, id, debit_account_id, credit_account_id, \
                         amount, currency, pending_id, timeout_ms, code, user_ref, flags, fx_base, fx_quote, fx_rate, fx_source, timestamp_ms, \
                         pending_state, posted_amount, expires_at_ms) ",
                    );
                    qb.push_values(chunk, |mut b, (t, link)| {
                        let (state, expires) = initial_state(t);
                        b.push_bind(link[0])
                            .push_bind(link[1])
                            .push_bind(link[2])
                            .push_bind(nullable(link[3]))
                            .push_bind(nullable(link[4]))
                            .push_bind(t.id.clone())
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
                Ok(keys.into_iter().collect())
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
