//! The SQL of the clearance store (payments, waybills, order links, declarations and their
//! audit trail, quotas, risk rules, CEB messages), written once and expanded for both backends
//! like `sql.rs`.

macro_rules! impl_clearance_store {
    ($conn:ty, $db:ty, $row:ty) => {
        use customs::{
            AuditEntry, Channel, Declaration, DeclarationStatus, PaymentNotice, Payer, QuotaKey, RiskRule, Waybill,
        };
        use $crate::records::{
            CebMessageRecord, DeclarationQuery, DeclarationScope, OrderLinks, ParcelTransfers, StoredDeclaration,
            StoredPayment, StoredRiskRule, StoredWaybill,
        };

        fn payment_from(row: &$row) -> Result<StoredPayment> {
            let id: String = row.try_get("id")?;
            let id_type: String = row.try_get("payer_id_type")?;
            let notice = PaymentNotice {
                provider_id: row.try_get("provider_id")?,
                transaction_id: row.try_get("transaction_id")?,
                order_no: row.try_get("order_no")?,
                merchant_id: row.try_get("merchant_id")?,
                platform_id: row.try_get("platform_id")?,
                payer: Payer {
                    name: Personal::new(row.try_get::<String, _>("payer_name")?),
                    id_type: BuyerIdType::parse(&id_type).ok_or_else(|| corrupt("payments", &id, format!("id type {id_type}")))?,
                    id_number: Personal::new(row.try_get::<String, _>("payer_id_number")?),
                    phone: row.try_get::<Option<String>, _>("payer_phone")?.map(Personal::new),
                },
                amount: row.try_get("amount")?,
                currency: currency("payments", &id, &row.try_get::<String, _>("currency")?)?,
                paid_at_ms: row.try_get("paid_at_ms")?,
                created_at_ms: row.try_get("created_at_ms")?,
                id,
            };
            Ok(StoredPayment { notice, order_id: row.try_get("order_id")?, hold_transfer_id: row.try_get("hold_transfer_id")? })
        }

        fn waybill_from(row: &$row) -> Result<StoredWaybill> {
            let id: String = row.try_get("id")?;
            let packages: i64 = row.try_get("package_count")?;
            let currency_code: Option<String> = row.try_get("currency")?;
            let waybill = Waybill {
                carrier_id: row.try_get("carrier_id")?,
                waybill_no: row.try_get("waybill_no")?,
                bill_no: row.try_get("bill_no")?,
                order_no: row.try_get("order_no")?,
                merchant_id: row.try_get("merchant_id")?,
                consignee: Consignee {
                    name: Personal::new(row.try_get::<String, _>("consignee_name")?),
                    address: Personal::new(row.try_get::<String, _>("consignee_address")?),
                    phone: Personal::new(row.try_get::<String, _>("consignee_phone")?),
                },
                gross_weight_g: row.try_get("gross_weight_g")?,
                package_count: u32::try_from(packages).map_err(|_| corrupt("waybills", &id, "package_count"))?,
                freight: row.try_get("freight")?,
                insurance: row.try_get("insurance")?,
                currency: currency_code.map(|c| currency("waybills", &id, &c)).transpose()?,
                goods_description: row.try_get("goods_description")?,
                created_at_ms: row.try_get("created_at_ms")?,
                id,
            };
            Ok(StoredWaybill { waybill, order_id: row.try_get("order_id")? })
        }

        fn links_from(row: &$row) -> Result<OrderLinks> {
            Ok(OrderLinks {
                payment_id: row.try_get("payment_id")?,
                waybill_id: row.try_get("waybill_id")?,
                declaration_id: row.try_get("declaration_id")?,
            })
        }

        /// The columns of an order joined with one of its lines (the two tables share no name).
        const ORDER_WITH_LINE: &str = "o.*, l.order_id, l.line_no, l.product_id, l.sku, l.hs_code, l.description, l.origin, l.quantity, l.unit_price, l.line_value";

        /// Orders from rows of orders joined with their lines (ordered by order, then line):
        /// one query for orders, lines and links together.
        fn orders_from_joined(rows: &[$row]) -> Result<Vec<(Order, OrderLinks)>> {
            let mut out: Vec<(Order, OrderLinks)> = Vec::new();
            let mut start = 0;
            while start < rows.len() {
                let id: String = rows[start].try_get("id")?;
                let mut end = start + 1;
                while end < rows.len() && rows[end].try_get::<String, _>("id")? == id {
                    end += 1;
                }
                let lines = rows[start..end].iter().map(|r| line_from(r).map(|(_, l)| l)).collect::<Result<Vec<_>>>()?;
                out.push((order_from(&rows[start], lines)?, links_from(&rows[start])?));
                start = end;
            }
            Ok(out)
        }

        fn json_column<T: serde::de::DeserializeOwned>(table: &'static str, id: &str, column: &str, text: &str) -> Result<T> {
            serde_json::from_str(text).map_err(|e| corrupt(table, id, format!("{column}: {e}")))
        }

        fn declaration_from(row: &$row) -> Result<StoredDeclaration> {
            let id: String = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let channel: Option<String> = row.try_get("channel")?;
            let score: i64 = row.try_get("score")?;
            let seed: i64 = row.try_get("seed")?;
            let destination = country("declarations", &id, &row.try_get::<String, _>("destination")?)?;
            let quota = match (row.try_get::<Option<String>, _>("quota_buyer")?, row.try_get::<Option<i64>, _>("quota_year")?) {
                (Some(buyer_ref), Some(year)) => {
                    let year = i32::try_from(year).map_err(|_| corrupt("declarations", &id, "quota_year"))?;
                    Some((QuotaKey { destination, year, buyer_ref }, row.try_get::<i64, _>("quota_amount")?))
                }
                (None, None) => None,
                _ => return Err(corrupt("declarations", &id, "a partial quota key")),
            };
            let declaration = Declaration {
                order_id: row.try_get("order_id")?,
                payment_id: row.try_get("payment_id")?,
                waybill_id: row.try_get("waybill_id")?,
                merchant_id: row.try_get("merchant_id")?,
                submitted_by: row.try_get("submitted_by")?,
                destination,
                currency: currency("declarations", &id, &row.try_get::<String, _>("currency")?)?,
                status: DeclarationStatus::parse(&status).ok_or_else(|| corrupt("declarations", &id, format!("status {status}")))?,
                channel: channel
                    .map(|c| Channel::parse(&c).ok_or_else(|| corrupt("declarations", &id, format!("channel {c}"))))
                    .transpose()?,
                score: i32::try_from(score).map_err(|_| corrupt("declarations", &id, "score"))?,
                failures: json_column("declarations", &id, "failures", &row.try_get::<String, _>("failures")?)?,
                hits: json_column("declarations", &id, "hits", &row.try_get::<String, _>("hits")?)?,
                // Stored bit for bit in a signed column.
                seed: seed as u64,
                computed_tax: row.try_get("computed_tax")?,
                inventory_no: row.try_get("inventory_no")?,
                created_at_ms: row.try_get("created_at_ms")?,
                decided_at_ms: row.try_get("decided_at_ms")?,
                released_at_ms: row.try_get("released_at_ms")?,
                version: row.try_get("version")?,
                id,
            };
            Ok(StoredDeclaration {
                declaration,
                quota,
                transfers: ParcelTransfers {
                    hold: row.try_get("hold_transfer_id")?,
                    tax: row.try_get("tax_transfer_id")?,
                    merchant: row.try_get("merchant_transfer_id")?,
                    fee: row.try_get("fee_transfer_id")?,
                },
            })
        }

        fn audit_from(row: &$row) -> Result<AuditEntry> {
            let id: String = row.try_get("declaration_id")?;
            let action: String = row.try_get("action")?;
            let from: Option<String> = row.try_get("from_status")?;
            let to: String = row.try_get("to_status")?;
            let channel: Option<String> = row.try_get("channel")?;
            let status = |text: &str| DeclarationStatus::parse(text).ok_or_else(|| corrupt("declaration_audit", &id, format!("status {text}")));
            Ok(AuditEntry {
                seq: row.try_get("seq")?,
                at_ms: row.try_get("at_ms")?,
                actor_id: row.try_get("actor_id")?,
                action: customs::declaration::parse_action(&action).ok_or_else(|| corrupt("declaration_audit", &id, format!("action {action}")))?,
                from_status: from.as_deref().map(status).transpose()?,
                to_status: status(&to)?,
                channel: channel
                    .map(|c| Channel::parse(&c).ok_or_else(|| corrupt("declaration_audit", &id, format!("channel {c}"))))
                    .transpose()?,
                reason: row.try_get("reason")?,
                declaration_id: id,
            })
        }

        fn risk_rule_from(row: &$row) -> Result<StoredRiskRule> {
            let id: String = row.try_get("id")?;
            let rule: RiskRule = json_column("risk_rules", &id, "body", &row.try_get::<String, _>("body")?)?;
            if rule.id != id {
                return Err(corrupt("risk_rules", &id, "the body names another rule"));
            }
            Ok(StoredRiskRule { rule, updated_by: row.try_get("updated_by")? })
        }

        fn ceb_message_from(row: &$row) -> Result<CebMessageRecord> {
            Ok(CebMessageRecord {
                id: row.try_get("id")?,
                sender_id: row.try_get("sender_id")?,
                message_type: row.try_get("message_type")?,
                guid: row.try_get("guid")?,
                body: row.try_get("body")?,
                receipt: row.try_get("receipt")?,
                received_at_ms: row.try_get("received_at_ms")?,
            })
        }

        fn to_json(value: &impl serde::Serialize) -> String {
            // Failures and rule hits are plain data: serializing them cannot fail.
            serde_json::to_string(value).expect("clearance records serialize")
        }

        #[async_trait::async_trait]
        impl $crate::ClearanceStore for $conn {
            async fn insert_payment(&mut self, p: &StoredPayment) -> Result<()> {
                let n = &p.notice;
                sql_api::query(
                    "INSERT INTO payments (id, provider_id, transaction_id, order_no, merchant_id, platform_id, payer_name, payer_id_type, payer_id_number, \
                     payer_phone, amount, currency, paid_at_ms, created_at_ms, order_id, hold_transfer_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(&n.id)
                .bind(&n.provider_id)
                .bind(&n.transaction_id)
                .bind(&n.order_no)
                .bind(&n.merchant_id)
                .bind(&n.platform_id)
                .bind(n.payer.name.expose())
                .bind(n.payer.id_type.as_str())
                .bind(n.payer.id_number.expose())
                .bind(n.payer.phone.as_ref().map(|p| p.expose().to_string()))
                .bind(n.amount)
                .bind(n.currency.code())
                .bind(n.paid_at_ms)
                .bind(n.created_at_ms)
                .bind(&p.order_id)
                .bind(&p.hold_transfer_id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn get_payment(&mut self, id: &str) -> Result<Option<StoredPayment>> {
                let row = sql_api::query("SELECT * FROM payments WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(payment_from).transpose()
            }
            async fn find_payment(&mut self, provider_id: &str, transaction_id: &str) -> Result<Option<StoredPayment>> {
                let row = sql_api::query("SELECT * FROM payments WHERE provider_id = $1 AND transaction_id = $2")
                    .bind(provider_id)
                    .bind(transaction_id)
                    .fetch_optional(&mut *self)
                    .await?;
                row.as_ref().map(payment_from).transpose()
            }
            async fn waiting_payments(&mut self, order_no: &str) -> Result<Vec<StoredPayment>> {
                let rows = sql_api::query("SELECT * FROM payments WHERE order_no = $1 AND order_id IS NULL ORDER BY id")
                    .bind(order_no)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(payment_from).collect()
            }
            async fn link_payment(&mut self, payment_id: &str, order_id: &str) -> Result<()> {
                sql_api::query("UPDATE payments SET order_id = $1 WHERE id = $2").bind(order_id).bind(payment_id).execute(&mut *self).await?;
                Ok(())
            }
            async fn list_payments(&mut self, provider_id: Option<&str>, before_id: Option<&str>, limit: i64) -> Result<Vec<StoredPayment>> {
                let rows = sql_api::query(
                    "SELECT * FROM payments WHERE ($1 IS NULL OR provider_id = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(provider_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(payment_from).collect()
            }

            async fn insert_waybill(&mut self, s: &StoredWaybill) -> Result<()> {
                let w = &s.waybill;
                sql_api::query(
                    "INSERT INTO waybills (id, carrier_id, waybill_no, bill_no, order_no, merchant_id, consignee_name, consignee_address, consignee_phone, \
                     gross_weight_g, package_count, freight, insurance, currency, goods_description, created_at_ms, order_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(&w.id)
                .bind(&w.carrier_id)
                .bind(&w.waybill_no)
                .bind(&w.bill_no)
                .bind(&w.order_no)
                .bind(&w.merchant_id)
                .bind(w.consignee.name.expose())
                .bind(w.consignee.address.expose())
                .bind(w.consignee.phone.expose())
                .bind(w.gross_weight_g)
                .bind(i64::from(w.package_count))
                .bind(w.freight)
                .bind(w.insurance)
                .bind(w.currency.map(|c| c.code()))
                .bind(&w.goods_description)
                .bind(w.created_at_ms)
                .bind(&s.order_id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn get_waybill(&mut self, id: &str) -> Result<Option<StoredWaybill>> {
                let row = sql_api::query("SELECT * FROM waybills WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(waybill_from).transpose()
            }
            async fn find_waybill(&mut self, carrier_id: &str, waybill_no: &str) -> Result<Option<StoredWaybill>> {
                let row = sql_api::query("SELECT * FROM waybills WHERE carrier_id = $1 AND waybill_no = $2")
                    .bind(carrier_id)
                    .bind(waybill_no)
                    .fetch_optional(&mut *self)
                    .await?;
                row.as_ref().map(waybill_from).transpose()
            }
            async fn waiting_waybills(&mut self, order_no: &str) -> Result<Vec<StoredWaybill>> {
                let rows = sql_api::query("SELECT * FROM waybills WHERE order_no = $1 AND order_id IS NULL ORDER BY id")
                    .bind(order_no)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(waybill_from).collect()
            }
            async fn link_waybill(&mut self, waybill_id: &str, order_id: &str) -> Result<()> {
                sql_api::query("UPDATE waybills SET order_id = $1 WHERE id = $2").bind(order_id).bind(waybill_id).execute(&mut *self).await?;
                Ok(())
            }
            async fn waiting_numbers(&mut self) -> Result<Vec<(String, u32)>> {
                let rows: Vec<(String, i64)> = sql_api::query_as(
                    "SELECT order_no, CAST(SUM(n) AS BIGINT) FROM (
                        SELECT order_no, COUNT(*) AS n FROM payments WHERE order_id IS NULL GROUP BY order_no
                        UNION ALL
                        SELECT order_no, COUNT(*) AS n FROM waybills WHERE order_id IS NULL GROUP BY order_no
                     ) AS w GROUP BY order_no",
                )
                .fetch_all(&mut *self)
                .await?;
                Ok(rows.into_iter().map(|(number, n)| (number, u32::try_from(n).unwrap_or(u32::MAX))).collect())
            }
            async fn list_waybills(&mut self, carrier_id: Option<&str>, before_id: Option<&str>, limit: i64) -> Result<Vec<StoredWaybill>> {
                let rows = sql_api::query(
                    "SELECT * FROM waybills WHERE ($1 IS NULL OR carrier_id = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(carrier_id)
                .bind(before_id)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(waybill_from).collect()
            }

            async fn orders_by_number(&mut self, number: &str) -> Result<Vec<(Order, OrderLinks)>> {
                // By order_no, joined with the lines: one index look-up and one round trip. Only
                // a number that looks like an order id can also name an order that has no
                // order_no; the second look-up is left out for every other number (most of them). The texts
                // are built once: the statement cache hashes the text at every call.
                static BY_NUMBER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!(
                    "SELECT {ORDER_WITH_LINE} FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.order_no = $1
                     ORDER BY o.id, l.line_no"
                ));
                static BY_NUMBER_OR_ID: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!(
                    "SELECT * FROM (
                        SELECT {ORDER_WITH_LINE} FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.order_no = $1
                        UNION ALL
                        SELECT {ORDER_WITH_LINE} FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id = $1 AND o.order_no IS NULL
                     ) AS j ORDER BY id, line_no"
                ));
                // Every order id carries the order prefix (`ord_`); the test is the prefix alone, so
                // that no finer rule of the id's format can hide an order stored under an older one.
                let may_be_id = number
                    .strip_prefix(trade::id::IdKind::Order.prefix())
                    .is_some_and(|rest| rest.starts_with('_'));
                let sql = if may_be_id {
                    BY_NUMBER_OR_ID.as_str()
                } else {
                    BY_NUMBER.as_str()
                };
                let rows = sql_api::query(sql).bind(number).fetch_all(&mut *self).await?;
                orders_from_joined(&rows)
            }
            async fn order_with_links(&mut self, order_id: &str) -> Result<Option<(Order, OrderLinks)>> {
                static BY_ID: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!(
                    "SELECT {ORDER_WITH_LINE} FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id = $1 ORDER BY l.line_no"
                ));
                let rows = sql_api::query(BY_ID.as_str()).bind(order_id).fetch_all(&mut *self).await?;
                Ok(orders_from_joined(&rows)?.pop())
            }
            async fn update_order(&mut self, order_id: &str, links: &OrderLinks, status: OrderStatus, at_ms: i64) -> Result<()> {
                sql_api::query("UPDATE orders SET payment_id = $1, waybill_id = $2, declaration_id = $3, status = $4, updated_at_ms = $5 WHERE id = $6")
                    .bind(&links.payment_id)
                    .bind(&links.waybill_id)
                    .bind(&links.declaration_id)
                    .bind(status.as_str())
                    .bind(at_ms)
                    .bind(order_id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn set_order_links(&mut self, order_id: &str, links: &OrderLinks) -> Result<()> {
                sql_api::query("UPDATE orders SET payment_id = $1, waybill_id = $2, declaration_id = $3 WHERE id = $4")
                    .bind(&links.payment_id)
                    .bind(&links.waybill_id)
                    .bind(&links.declaration_id)
                    .bind(order_id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn set_order_status(&mut self, order_id: &str, status: OrderStatus, at_ms: i64) -> Result<()> {
                sql_api::query("UPDATE orders SET status = $1, updated_at_ms = $2 WHERE id = $3")
                    .bind(status.as_str())
                    .bind(at_ms)
                    .bind(order_id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn insert_declaration(&mut self, s: &StoredDeclaration) -> Result<()> {
                let d = &s.declaration;
                let (quota_buyer, quota_year, quota_amount) = match &s.quota {
                    Some((key, amount)) => (Some(key.buyer_ref.clone()), Some(i64::from(key.year)), *amount),
                    None => (None, None, 0),
                };
                sql_api::query(
                    "INSERT INTO declarations (id, order_id, payment_id, waybill_id, merchant_id, submitted_by, destination, currency, status, channel, score, \
                     failures, hits, seed, computed_tax, inventory_no, quota_buyer, quota_year, quota_amount, created_at_ms, decided_at_ms, released_at_ms, \
                     hold_transfer_id, tax_transfer_id, merchant_transfer_id, fee_transfer_id, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
                )
                .bind(&d.id)
                .bind(&d.order_id)
                .bind(&d.payment_id)
                .bind(&d.waybill_id)
                .bind(&d.merchant_id)
                .bind(&d.submitted_by)
                .bind(d.destination.code())
                .bind(d.currency.code())
                .bind(d.status.as_str())
                .bind(d.channel.map(Channel::as_str))
                .bind(i64::from(d.score))
                .bind(to_json(&d.failures))
                .bind(to_json(&d.hits))
                .bind(d.seed as i64)
                .bind(d.computed_tax)
                .bind(&d.inventory_no)
                .bind(quota_buyer)
                .bind(quota_year)
                .bind(quota_amount)
                .bind(d.created_at_ms)
                .bind(d.decided_at_ms)
                .bind(d.released_at_ms)
                .bind(&s.transfers.hold)
                .bind(&s.transfers.tax)
                .bind(&s.transfers.merchant)
                .bind(&s.transfers.fee)
                .bind(d.version)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn update_declaration(&mut self, s: &StoredDeclaration, expected_version: i64) -> Result<bool> {
                // What changes after clearance: the status, channel, times, version and transfers.
                let d = &s.declaration;
                let done = sql_api::query(
                    "UPDATE declarations SET status = $1, channel = $2, decided_at_ms = $3, released_at_ms = $4, hold_transfer_id = $5, \
                     tax_transfer_id = $6, merchant_transfer_id = $7, fee_transfer_id = $8, version = $9 WHERE id = $10 AND version = $11",
                )
                .bind(d.status.as_str())
                .bind(d.channel.map(Channel::as_str))
                .bind(d.decided_at_ms)
                .bind(d.released_at_ms)
                .bind(&s.transfers.hold)
                .bind(&s.transfers.tax)
                .bind(&s.transfers.merchant)
                .bind(&s.transfers.fee)
                .bind(d.version)
                .bind(&d.id)
                .bind(expected_version)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
            async fn get_declaration(&mut self, id: &str) -> Result<Option<StoredDeclaration>> {
                let row = sql_api::query("SELECT * FROM declarations WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(declaration_from).transpose()
            }
            async fn list_declarations(&mut self, q: &DeclarationQuery) -> Result<Vec<StoredDeclaration>> {
                let mut qb = sql_api::QueryBuilder::<$db>::new("SELECT * FROM declarations WHERE 1 = 1");
                if let DeclarationScope::Party(party) = &q.scope {
                    qb.push(" AND (merchant_id = ").push_bind(party.clone()).push(" OR submitted_by = ").push_bind(party.clone()).push(")");
                }
                if let Some(status) = q.status {
                    qb.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(channel) = q.channel {
                    qb.push(" AND channel = ").push_bind(channel.as_str());
                }
                if let Some(before) = &q.before_id {
                    qb.push(" AND id < ").push_bind(before.clone());
                }
                qb.push(" ORDER BY id DESC LIMIT ").push_bind(q.limit);
                qb.build().fetch_all(&mut *self).await?.iter().map(declaration_from).collect()
            }
            async fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<()> {
                if entries.is_empty() {
                    return Ok(());
                }
                // 9 parameters a row: far below both backends' limits.
                for chunk in entries.chunks(1000) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new(
                        "INSERT INTO declaration_audit (declaration_id, seq, at_ms, actor_id, action, from_status, to_status, channel, reason) ",
                    );
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(e.declaration_id.clone())
                            .push_bind(e.seq)
                            .push_bind(e.at_ms)
                            .push_bind(e.actor_id.clone())
                            .push_bind(e.action)
                            .push_bind(e.from_status.map(DeclarationStatus::as_str))
                            .push_bind(e.to_status.as_str())
                            .push_bind(e.channel.map(Channel::as_str))
                            .push_bind(e.reason.clone());
                    });
                    qb.build().execute(&mut *self).await?;
                }
                Ok(())
            }
            async fn list_audit(&mut self, declaration_id: &str) -> Result<Vec<AuditEntry>> {
                let rows = sql_api::query("SELECT * FROM declaration_audit WHERE declaration_id = $1 ORDER BY seq")
                    .bind(declaration_id)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(audit_from).collect()
            }

            async fn quota_used(&mut self, key: &QuotaKey) -> Result<i64> {
                let used: Option<i64> = sql_api::query_scalar("SELECT used FROM buyer_quotas WHERE destination = $1 AND year = $2 AND buyer_ref = $3")
                    .bind(key.destination.code())
                    .bind(i64::from(key.year))
                    .bind(&key.buyer_ref)
                    .fetch_optional(&mut *self)
                    .await?;
                Ok(used.unwrap_or(0))
            }
            async fn put_quota(&mut self, key: &QuotaKey, currency: Currency, used: i64) -> Result<()> {
                sql_api::query(
                    "INSERT INTO buyer_quotas (destination, year, buyer_ref, currency, used) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (destination, year, buyer_ref) DO UPDATE SET used = excluded.used",
                )
                .bind(key.destination.code())
                .bind(i64::from(key.year))
                .bind(&key.buyer_ref)
                .bind(currency.code())
                .bind(used)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn give_back_quota(&mut self, key: &QuotaKey, amount: i64) -> Result<bool> {
                let done = sql_api::query(
                    "UPDATE buyer_quotas SET used = used - $1 WHERE destination = $2 AND year = $3 AND buyer_ref = $4 AND used >= $1",
                )
                .bind(amount)
                .bind(key.destination.code())
                .bind(i64::from(key.year))
                .bind(&key.buyer_ref)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
            async fn merchant_has_release(&mut self, merchant_id: &str) -> Result<bool> {
                let found: Option<i64> = sql_api::query_scalar(
                    "SELECT 1 FROM declarations WHERE merchant_id = $1 AND released_at_ms IS NOT NULL LIMIT 1",
                )
                .bind(merchant_id)
                .fetch_optional(&mut *self)
                .await?;
                Ok(found.is_some())
            }

            async fn insert_risk_rule(&mut self, s: &StoredRiskRule) -> Result<()> {
                let r = &s.rule;
                sql_api::query(
                    "INSERT INTO risk_rules (id, name, enabled, version, body, created_at_ms, updated_at_ms, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&r.id)
                .bind(&r.name)
                .bind(r.enabled)
                .bind(r.version)
                .bind(to_json(r))
                .bind(r.created_at_ms)
                .bind(r.updated_at_ms)
                .bind(&s.updated_by)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn update_risk_rule(&mut self, s: &StoredRiskRule, expected_version: i64) -> Result<bool> {
                let r = &s.rule;
                let done = sql_api::query(
                    "UPDATE risk_rules SET name = $1, enabled = $2, version = $3, body = $4, updated_at_ms = $5, updated_by = $6 WHERE id = $7 AND version = $8",
                )
                .bind(&r.name)
                .bind(r.enabled)
                .bind(r.version)
                .bind(to_json(r))
                .bind(r.updated_at_ms)
                .bind(&s.updated_by)
                .bind(&r.id)
                .bind(expected_version)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
            async fn get_risk_rule(&mut self, id: &str) -> Result<Option<StoredRiskRule>> {
                let row = sql_api::query("SELECT * FROM risk_rules WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(risk_rule_from).transpose()
            }
            async fn list_risk_rules(&mut self) -> Result<Vec<StoredRiskRule>> {
                let rows = sql_api::query("SELECT * FROM risk_rules ORDER BY id").fetch_all(&mut *self).await?;
                rows.iter().map(risk_rule_from).collect()
            }

            async fn insert_ceb_message(&mut self, m: &CebMessageRecord) -> Result<()> {
                sql_api::query(
                    "INSERT INTO ceb_messages (id, sender_id, message_type, guid, body, receipt, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&m.id)
                .bind(&m.sender_id)
                .bind(&m.message_type)
                .bind(&m.guid)
                .bind(&m.body)
                .bind(&m.receipt)
                .bind(m.received_at_ms)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn find_ceb_message(&mut self, sender_id: &str, guid: &str) -> Result<Option<CebMessageRecord>> {
                let row = sql_api::query("SELECT * FROM ceb_messages WHERE sender_id = $1 AND guid = $2")
                    .bind(sender_id)
                    .bind(guid)
                    .fetch_optional(&mut *self)
                    .await?;
                row.as_ref().map(ceb_message_from).transpose()
            }
            async fn get_ceb_message(&mut self, id: &str) -> Result<Option<CebMessageRecord>> {
                let row = sql_api::query("SELECT * FROM ceb_messages WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(ceb_message_from).transpose()
            }
        }
    };
}

pub(crate) use impl_clearance_store;
