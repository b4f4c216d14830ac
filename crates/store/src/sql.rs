//! The SQL of every store, written once. Both backends accept the same statements (`$n`
//! placeholders, `ON CONFLICT`, integer minor units, millisecond times), so one macro expands
//! the implementations for each typed connection: sqlx's `SqliteConnection` (readers) and
//! `PgConnection`, and the SQLite writer's direct connection (`sqlite::direct`). The macros call
//! the query API through the name `sql_api`, which each expansion site binds: to `sqlx`, or to
//! `sqlite::direct`, whose API mirrors the part of sqlx's used here.
//! Where a backend ever needs different SQL, give the macro a parameter rather than forking it.

macro_rules! impl_stores {
    ($conn:ty, $db:ty, $row:ty) => {
        use $crate::records::{ApiKey, FxRateRecord, IdempotencyRecord, KeyGrant, OrderQuery, OrderScope};
        use $crate::{Result, StoreError};
        // sqlx's rows read through this trait; the direct connection's rows need no import.
        #[allow(unused_imports)]
        use sql_api::Row;
        use trade::order::{Buyer, BuyerIdType, Consignee, Incoterm, OrderLine};
        use trade::party::{Contact, PartyStatus};
        use trade::{Country, Currency, HsCode, Order, OrderStatus, Party, Personal, Product, Role};

        // Rows per multi-row statement: far below both backends' bound-parameter limits
        // (SQLite 32766, PostgreSQL 65535) at 27, 10 and 7 parameters a row. Each expansion site
        // caps them with its own `ROWS_PER_STATEMENT_MAX` (see `sqlite::direct_stores`).
        const ORDER_ROWS_PER_STATEMENT: usize = 1000;
        const LINE_ROWS_PER_STATEMENT: usize = 2000;
        const IDEMPOTENCY_ROWS_PER_STATEMENT: usize = 2000;

        /// `INSERT INTO orders … VALUES …` for `orders` (27 parameters a row).
        pub(crate) fn push_orders(qb: &mut sql_api::QueryBuilder<'_, $db>, orders: &[&Order]) {
            qb.push(
                "INSERT INTO orders (id, merchant_id, submitted_by, order_no, status, buyer_name, buyer_id_type, buyer_id_number, buyer_country, \
                 buyer_address, buyer_phone, destination, currency, goods_value, freight, insurance, total, incoterm, created_at_ms, updated_at_ms, \
                 consignee_name, consignee_address, consignee_phone, discount, tax_withheld, actual_paid, payment_transaction_id) ",
            );
            qb.push_values(orders, |mut b, o| {
                b.push_bind(o.id.clone())
                    .push_bind(o.merchant_id.clone())
                    .push_bind(o.submitted_by.clone())
                    .push_bind(o.order_no.clone())
                    .push_bind(o.status.as_str())
                    .push_bind(o.buyer.name.expose().to_string())
                    .push_bind(o.buyer.id_type.as_str())
                    .push_bind(o.buyer.id_number.expose().to_string())
                    .push_bind(o.buyer.country.code().to_string())
                    .push_bind(o.buyer.address.expose().to_string())
                    .push_bind(o.buyer.phone.expose().to_string())
                    .push_bind(o.destination.code().to_string())
                    .push_bind(o.currency.code())
                    .push_bind(o.goods_value)
                    .push_bind(o.freight)
                    .push_bind(o.insurance)
                    .push_bind(o.total)
                    .push_bind(o.incoterm.as_str())
                    .push_bind(o.created_at_ms)
                    .push_bind(o.updated_at_ms)
                    .push_bind(o.consignee.as_ref().map(|c| c.name.expose().to_string()))
                    .push_bind(o.consignee.as_ref().map(|c| c.address.expose().to_string()))
                    .push_bind(o.consignee.as_ref().map(|c| c.phone.expose().to_string()))
                    .push_bind(o.discount)
                    .push_bind(o.tax_withheld)
                    .push_bind(o.actual_paid)
                    .push_bind(o.payment_transaction_id.clone());
            });
        }

        pub(crate) fn lines_of<'a>(orders: &[&'a Order]) -> Vec<(&'a str, &'a OrderLine)> {
            orders.iter().flat_map(|o| o.lines.iter().map(move |l| (o.id.as_str(), l))).collect()
        }

        /// `INSERT INTO order_lines … VALUES …` (10 parameters a row).
        pub(crate) fn push_lines(qb: &mut sql_api::QueryBuilder<'_, $db>, lines: &[(&str, &OrderLine)]) {
            qb.push("INSERT INTO order_lines (order_id, line_no, product_id, sku, hs_code, description, origin, quantity, unit_price, line_value) ");
            qb.push_values(lines, |mut b, (order_id, l)| {
                b.push_bind(order_id.to_string())
                    .push_bind(l.line_no as i64)
                    .push_bind(l.product_id.clone())
                    .push_bind(l.sku.clone())
                    .push_bind(l.hs_code.as_str().to_string())
                    .push_bind(l.description.clone())
                    .push_bind(l.origin.code().to_string())
                    .push_bind(l.quantity as i64)
                    .push_bind(l.unit_price)
                    .push_bind(l.line_value);
            });
        }

        /// Inserts idempotency records; a taken key fails the statement.
        pub(crate) fn push_idempotency_rows(qb: &mut sql_api::QueryBuilder<'_, $db>, records: &[&IdempotencyRecord]) {
            qb.push("INSERT INTO idempotency_keys (party_id, idem_key, request_sha256, status_code, response_body, created_at_ms, response_order_id) ");
            qb.push_values(records, |mut b, r| {
                b.push_bind(r.party_id.clone())
                    .push_bind(r.key.clone())
                    .push_bind(r.request_sha256.clone())
                    .push_bind(r.status_code as i64)
                    .push_bind(stored_body(r).to_string())
                    .push_bind(r.created_at_ms)
                    .push_bind(r.response_order_id.clone());
            });
        }

        fn corrupt(table: &'static str, id: &str, detail: impl Into<String>) -> StoreError {
            StoreError::Corrupt { table, id: id.to_string(), detail: detail.into() }
        }

        fn country(table: &'static str, id: &str, text: &str) -> Result<Country> {
            Country::parse(text).map_err(|e| corrupt(table, id, e.to_string()))
        }

        fn currency(table: &'static str, id: &str, text: &str) -> Result<Currency> {
            Currency::parse(text).map_err(|e| corrupt(table, id, e.to_string()))
        }

        fn hs_code(table: &'static str, id: &str, text: &str) -> Result<HsCode> {
            HsCode::parse(text).map_err(|e| corrupt(table, id, e.to_string()))
        }

        fn party_from(row: &$row) -> Result<Party> {
            let id: String = row.try_get("id")?;
            let role: String = row.try_get("role")?;
            let status: String = row.try_get("status")?;
            Ok(Party {
                role: Role::parse(&role).ok_or_else(|| corrupt("parties", &id, format!("role {role}")))?,
                legal_name: row.try_get("legal_name")?,
                country: country("parties", &id, &row.try_get::<String, _>("country")?)?,
                registration_number: row.try_get("registration_number")?,
                customs_code: row.try_get("customs_code")?,
                contact: Contact { name: row.try_get("contact_name")?, email: row.try_get("contact_email")?, phone: row.try_get("contact_phone")? },
                status: PartyStatus::parse(&status).ok_or_else(|| corrupt("parties", &id, format!("status {status}")))?,
                created_at_ms: row.try_get("created_at_ms")?,
                id,
            })
        }

        fn idempotency_from(row: &$row) -> Result<IdempotencyRecord> {
            let key: String = row.try_get("idem_key")?;
            let status: i64 = row.try_get("status_code")?;
            Ok(IdempotencyRecord {
                party_id: row.try_get("party_id")?,
                request_sha256: row.try_get("request_sha256")?,
                status_code: u16::try_from(status).map_err(|_| corrupt("idempotency_keys", &key, "status"))?,
                response_body: row.try_get("response_body")?,
                created_at_ms: row.try_get("created_at_ms")?,
                response_order_id: row.try_get("response_order_id")?,
                key,
            })
        }

        /// The body as stored: none when the answer is kept by reference.
        fn stored_body(r: &IdempotencyRecord) -> &str {
            if r.response_order_id.is_some() {
                ""
            } else {
                &r.response_body
            }
        }

        fn key_from(row: &$row) -> Result<ApiKey> {
            Ok(ApiKey {
                id: row.try_get("id")?,
                party_id: row.try_get("party_id")?,
                token_sha256: row.try_get("token_sha256")?,
                token_prefix: row.try_get("token_prefix")?,
                created_at_ms: row.try_get("created_at_ms")?,
                revoked_at_ms: row.try_get("revoked_at_ms")?,
                expires_at_ms: row.try_get("expires_at_ms")?,
            })
        }

        fn product_from(row: &$row) -> Result<Product> {
            let id: String = row.try_get("id")?;
            Ok(Product {
                merchant_id: row.try_get("merchant_id")?,
                sku: row.try_get("sku")?,
                title: row.try_get("title")?,
                hs_code: hs_code("products", &id, &row.try_get::<String, _>("hs_code")?)?,
                origin: country("products", &id, &row.try_get::<String, _>("origin")?)?,
                unit_price: row.try_get("unit_price")?,
                currency: currency("products", &id, &row.try_get::<String, _>("currency")?)?,
                net_weight_g: row.try_get("net_weight_g")?,
                version: row.try_get("version")?,
                created_at_ms: row.try_get("created_at_ms")?,
                updated_at_ms: row.try_get("updated_at_ms")?,
                id,
            })
        }

        fn order_from(row: &$row, lines: Vec<OrderLine>) -> Result<Order> {
            let id: String = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let id_type: String = row.try_get("buyer_id_type")?;
            let incoterm: String = row.try_get("incoterm")?;
            if lines.is_empty() {
                return Err(corrupt("orders", &id, "no lines"));
            }
            Ok(Order {
                merchant_id: row.try_get("merchant_id")?,
                submitted_by: row.try_get("submitted_by")?,
                order_no: row.try_get("order_no")?,
                status: OrderStatus::parse(&status).ok_or_else(|| corrupt("orders", &id, format!("status {status}")))?,
                buyer: Buyer {
                    name: Personal::new(row.try_get::<String, _>("buyer_name")?),
                    id_type: BuyerIdType::parse(&id_type).ok_or_else(|| corrupt("orders", &id, format!("id type {id_type}")))?,
                    id_number: Personal::new(row.try_get::<String, _>("buyer_id_number")?),
                    country: country("orders", &id, &row.try_get::<String, _>("buyer_country")?)?,
                    address: Personal::new(row.try_get::<String, _>("buyer_address")?),
                    phone: Personal::new(row.try_get::<String, _>("buyer_phone")?),
                },
                consignee: match (
                    row.try_get::<Option<String>, _>("consignee_name")?,
                    row.try_get::<Option<String>, _>("consignee_address")?,
                    row.try_get::<Option<String>, _>("consignee_phone")?,
                ) {
                    (Some(name), Some(address), Some(phone)) => Some(Consignee {
                        name: Personal::new(name),
                        address: Personal::new(address),
                        phone: Personal::new(phone),
                    }),
                    (None, None, None) => None,
                    _ => return Err(corrupt("orders", &id, "a partial consignee")),
                },
                discount: row.try_get("discount")?,
                tax_withheld: row.try_get("tax_withheld")?,
                actual_paid: row.try_get("actual_paid")?,
                payment_transaction_id: row.try_get("payment_transaction_id")?,
                destination: country("orders", &id, &row.try_get::<String, _>("destination")?)?,
                currency: currency("orders", &id, &row.try_get::<String, _>("currency")?)?,
                lines,
                goods_value: row.try_get("goods_value")?,
                freight: row.try_get("freight")?,
                insurance: row.try_get("insurance")?,
                total: row.try_get("total")?,
                incoterm: Incoterm::parse(&incoterm).ok_or_else(|| corrupt("orders", &id, format!("incoterm {incoterm}")))?,
                created_at_ms: row.try_get("created_at_ms")?,
                updated_at_ms: row.try_get("updated_at_ms")?,
                id,
            })
        }

        fn line_from(row: &$row) -> Result<(String, OrderLine)> {
            let order_id: String = row.try_get("order_id")?;
            let line_no: i64 = row.try_get("line_no")?;
            let quantity: i64 = row.try_get("quantity")?;
            let line = OrderLine {
                line_no: u32::try_from(line_no).map_err(|_| corrupt("order_lines", &order_id, "line_no"))?,
                product_id: row.try_get("product_id")?,
                sku: row.try_get("sku")?,
                hs_code: hs_code("order_lines", &order_id, &row.try_get::<String, _>("hs_code")?)?,
                description: row.try_get("description")?,
                origin: country("order_lines", &order_id, &row.try_get::<String, _>("origin")?)?,
                quantity: u32::try_from(quantity).map_err(|_| corrupt("order_lines", &order_id, "quantity"))?,
                unit_price: row.try_get("unit_price")?,
                line_value: row.try_get("line_value")?,
            };
            Ok((order_id, line))
        }

        /// Loads the lines of `rows` and assembles the orders, keeping the rows' order.
        async fn orders_with_lines(conn: &mut $conn, rows: Vec<$row>) -> Result<Vec<Order>> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let mut qb = sql_api::QueryBuilder::<$db>::new("SELECT * FROM order_lines WHERE order_id IN (");
            let mut ids = qb.separated(", ");
            for row in &rows {
                ids.push_bind(row.try_get::<String, _>("id")?);
            }
            qb.push(") ORDER BY order_id, line_no");
            let mut by_order: std::collections::HashMap<String, Vec<OrderLine>> = std::collections::HashMap::new();
            for line_row in qb.build().fetch_all(&mut *conn).await? {
                let (order_id, line) = line_from(&line_row)?;
                by_order.entry(order_id).or_default().push(line);
            }
            rows.iter()
                .map(|row| {
                    let id: String = row.try_get("id")?;
                    order_from(row, by_order.remove(&id).unwrap_or_default())
                })
                .collect()
        }

        #[async_trait::async_trait]
        impl $crate::backend::Savepoints for $conn {
            async fn savepoint(&mut self) -> Result<()> {
                sql_api::query("SAVEPOINT cmd").execute(&mut *self).await?;
                Ok(())
            }
            async fn rollback_to_savepoint(&mut self) -> Result<()> {
                sql_api::query("ROLLBACK TO SAVEPOINT cmd").execute(&mut *self).await?;
                Ok(())
            }
            async fn release_savepoint(&mut self) -> Result<()> {
                sql_api::query("RELEASE SAVEPOINT cmd").execute(&mut *self).await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::MetaStore for $conn {
            async fn get_meta(&mut self, key: &str) -> Result<Option<String>> {
                Ok(sql_api::query_scalar("SELECT value FROM hub_meta WHERE key = $1").bind(key).fetch_optional(&mut *self).await?)
            }
            async fn put_meta(&mut self, key: &str, value: &str) -> Result<()> {
                sql_api::query("INSERT INTO hub_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::PartyStore for $conn {
            async fn insert_party(&mut self, p: &Party) -> Result<()> {
                sql_api::query(
                    "INSERT INTO parties (id, role, legal_name, country, registration_number, contact_name, contact_email, contact_phone, status, created_at_ms, customs_code)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&p.id)
                .bind(p.role.as_str())
                .bind(&p.legal_name)
                .bind(p.country.code())
                .bind(&p.registration_number)
                .bind(&p.contact.name)
                .bind(&p.contact.email)
                .bind(&p.contact.phone)
                .bind(p.status.as_str())
                .bind(p.created_at_ms)
                .bind(&p.customs_code)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn find_party_by_customs_code(&mut self, code: &str) -> Result<Option<Party>> {
                let row = sql_api::query("SELECT * FROM parties WHERE customs_code = $1").bind(code).fetch_optional(&mut *self).await?;
                row.as_ref().map(party_from).transpose()
            }
            async fn set_party_status(&mut self, id: &str, status: PartyStatus) -> Result<bool> {
                let done = sql_api::query("UPDATE parties SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id).execute(&mut *self).await?;
                Ok(done.rows_affected() == 1)
            }
            async fn get_party(&mut self, id: &str) -> Result<Option<Party>> {
                let row = sql_api::query("SELECT * FROM parties WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(party_from).transpose()
            }
            async fn count_parties_with_role(&mut self, role: Role) -> Result<i64> {
                Ok(sql_api::query_scalar("SELECT COUNT(*) FROM parties WHERE role = $1").bind(role.as_str()).fetch_one(&mut *self).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::KeyStore for $conn {
            async fn insert_key(&mut self, k: &ApiKey) -> Result<()> {
                sql_api::query("INSERT INTO api_keys (id, party_id, token_sha256, token_prefix, created_at_ms, revoked_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&k.id)
                    .bind(&k.party_id)
                    .bind(&k.token_sha256)
                    .bind(&k.token_prefix)
                    .bind(k.created_at_ms)
                    .bind(k.revoked_at_ms)
                    .bind(k.expires_at_ms)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn get_key(&mut self, id: &str) -> Result<Option<ApiKey>> {
                let row = sql_api::query("SELECT * FROM api_keys WHERE id = $1").bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(key_from).transpose()
            }
            async fn find_grant(&mut self, token_sha256: &str) -> Result<Option<KeyGrant>> {
                let row = sql_api::query(
                    "SELECT k.id AS key_id, k.party_id, k.revoked_at_ms, k.expires_at_ms, p.role, p.status
                     FROM api_keys k JOIN parties p ON p.id = k.party_id WHERE k.token_sha256 = $1",
                )
                .bind(token_sha256)
                .fetch_optional(&mut *self)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let key_id: String = row.try_get("key_id")?;
                let role: String = row.try_get("role")?;
                let status: String = row.try_get("status")?;
                Ok(Some(KeyGrant {
                    role: Role::parse(&role).ok_or_else(|| corrupt("parties", &key_id, format!("role {role}")))?,
                    party_id: row.try_get("party_id")?,
                    party_active: status == PartyStatus::Active.as_str(),
                    revoked: row.try_get::<Option<i64>, _>("revoked_at_ms")?.is_some(),
                    expires_at_ms: row.try_get("expires_at_ms")?,
                    key_id,
                }))
            }
            async fn revoke_key(&mut self, id: &str, at_ms: i64) -> Result<bool> {
                let done = sql_api::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL").bind(at_ms).bind(id).execute(&mut *self).await?;
                Ok(done.rows_affected() == 1)
            }
            async fn count_live_keys_of_party(&mut self, party_id: &str, now_ms: i64) -> Result<i64> {
                Ok(sql_api::query_scalar("SELECT COUNT(*) FROM api_keys WHERE party_id = $1 AND revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > $2)")
                    .bind(party_id)
                    .bind(now_ms)
                    .fetch_one(&mut *self)
                    .await?)
            }
            async fn count_live_keys_for_role(&mut self, role: Role, now_ms: i64) -> Result<i64> {
                Ok(sql_api::query_scalar(
                    "SELECT COUNT(*) FROM api_keys k JOIN parties p ON p.id = k.party_id
                     WHERE p.role = $1 AND p.status = 'active' AND k.revoked_at_ms IS NULL
                       AND (k.expires_at_ms IS NULL OR k.expires_at_ms > $2)",
                )
                .bind(role.as_str())
                .bind(now_ms)
                .fetch_one(&mut *self)
                .await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::ProductStore for $conn {
            async fn insert_product(&mut self, p: &Product) -> Result<()> {
                sql_api::query(
                    "INSERT INTO products (id, merchant_id, sku, title, hs_code, origin, unit_price, currency, net_weight_g, version, created_at_ms, updated_at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&p.id)
                .bind(&p.merchant_id)
                .bind(&p.sku)
                .bind(&p.title)
                .bind(p.hs_code.as_str())
                .bind(p.origin.code())
                .bind(p.unit_price)
                .bind(p.currency.code())
                .bind(p.net_weight_g)
                .bind(p.version)
                .bind(p.created_at_ms)
                .bind(p.updated_at_ms)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn get_product(&mut self, merchant_id: &str, id: &str) -> Result<Option<Product>> {
                let row = sql_api::query("SELECT * FROM products WHERE id = $1 AND merchant_id = $2").bind(id).bind(merchant_id).fetch_optional(&mut *self).await?;
                row.as_ref().map(product_from).transpose()
            }
            async fn products_by_sku(&mut self, merchant_id: &str, skus: &[String]) -> Result<Vec<Product>> {
                if skus.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sql_api::QueryBuilder::<$db>::new("SELECT * FROM products WHERE merchant_id = ");
                qb.push_bind(merchant_id.to_string()).push(" AND sku IN (");
                let mut list = qb.separated(", ");
                for sku in skus {
                    list.push_bind(sku.clone());
                }
                qb.push(")");
                qb.build().fetch_all(&mut *self).await?.iter().map(product_from).collect()
            }
            async fn list_products(&mut self, merchant_id: &str, before_id: Option<&str>, limit: i64) -> Result<Vec<Product>> {
                let rows = sql_api::query("SELECT * FROM products WHERE merchant_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3")
                    .bind(merchant_id)
                    .bind(before_id)
                    .bind(limit)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(product_from).collect()
            }
            async fn update_product(&mut self, p: &Product, expected_version: i64) -> Result<bool> {
                let done = sql_api::query(
                    "UPDATE products SET title = $1, hs_code = $2, origin = $3, unit_price = $4, currency = $5, net_weight_g = $6, version = $7, updated_at_ms = $8
                     WHERE id = $9 AND merchant_id = $10 AND version = $11",
                )
                .bind(&p.title)
                .bind(p.hs_code.as_str())
                .bind(p.origin.code())
                .bind(p.unit_price)
                .bind(p.currency.code())
                .bind(p.net_weight_g)
                .bind(p.version)
                .bind(p.updated_at_ms)
                .bind(&p.id)
                .bind(&p.merchant_id)
                .bind(expected_version)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait::async_trait]
        impl $crate::OrderStore for $conn {
            async fn insert_order(&mut self, o: &Order) -> Result<()> {
                self.insert_orders(&[o]).await
            }
            async fn insert_orders(&mut self, orders: &[&Order]) -> Result<()> {
                for chunk in orders.chunks(ORDER_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new("");
                    push_orders(&mut qb, chunk);
                    qb.build().execute(&mut *self).await?;
                }
                let lines = lines_of(orders);
                for chunk in lines.chunks(LINE_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new("");
                    push_lines(&mut qb, chunk);
                    qb.build().execute(&mut *self).await?;
                }
                Ok(())
            }
            async fn get_order(&mut self, id: &str) -> Result<Option<Order>> {
                let Some(row) = sql_api::query("SELECT * FROM orders WHERE id = $1").bind(id).fetch_optional(&mut *self).await? else {
                    return Ok(None);
                };
                Ok(orders_with_lines(self, vec![row]).await?.pop())
            }
            async fn list_orders(&mut self, q: &OrderQuery) -> Result<Vec<Order>> {
                // The filters after the scope's own condition, pushed once per branch.
                fn push_filters(qb: &mut sql_api::QueryBuilder<'_, $db>, q: &OrderQuery) {
                    if let Some(status) = q.status {
                        qb.push(" AND status = ").push_bind(status.as_str());
                    }
                    if let Some(from) = q.created_from_ms {
                        qb.push(" AND created_at_ms >= ").push_bind(from);
                    }
                    if let Some(to) = q.created_to_ms {
                        qb.push(" AND created_at_ms < ").push_bind(to);
                    }
                    if let Some(before) = &q.before_id {
                        qb.push(" AND id < ").push_bind(before.clone());
                    }
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(q.limit);
                }
                let mut qb = sql_api::QueryBuilder::<$db>::new("");
                match &q.scope {
                    OrderScope::All => {
                        qb.push("SELECT * FROM orders WHERE 1 = 1");
                        push_filters(&mut qb, q);
                    }
                    // Each branch reads one index newest first and stops at the page's length:
                    // the orders the party is the merchant of, and those it submitted for another
                    // merchant (the submitter index holds only those). They cannot overlap.
                    OrderScope::Party(party) => {
                        qb.push("SELECT * FROM (SELECT * FROM (SELECT * FROM orders WHERE merchant_id = ").push_bind(party.clone());
                        push_filters(&mut qb, q);
                        qb.push(") AS mine UNION ALL SELECT * FROM (SELECT * FROM orders WHERE submitted_by = ").push_bind(party.clone());
                        qb.push(" AND submitted_by <> merchant_id");
                        push_filters(&mut qb, q);
                        qb.push(") AS submitted) AS page ORDER BY id DESC LIMIT ").push_bind(q.limit);
                    }
                }
                let rows = qb.build().fetch_all(&mut *self).await?;
                orders_with_lines(self, rows).await
            }
            async fn count_orders(&mut self) -> Result<i64> {
                Ok(sql_api::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&mut *self).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::IdempotencyStore for $conn {
            async fn get_idempotency(&mut self, party_id: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
                let row = sql_api::query("SELECT * FROM idempotency_keys WHERE party_id = $1 AND idem_key = $2").bind(party_id).bind(key).fetch_optional(&mut *self).await?;
                row.as_ref().map(idempotency_from).transpose()
            }
            async fn insert_idempotency(&mut self, r: &IdempotencyRecord) -> Result<()> {
                sql_api::query("INSERT INTO idempotency_keys (party_id, idem_key, request_sha256, status_code, response_body, created_at_ms, response_order_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&r.party_id)
                    .bind(&r.key)
                    .bind(&r.request_sha256)
                    .bind(r.status_code as i64)
                    .bind(stored_body(r))
                    .bind(r.created_at_ms)
                    .bind(&r.response_order_id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn get_idempotency_many(&mut self, keys: &[(&str, &str)]) -> Result<Vec<IdempotencyRecord>> {
                // One query per party (a batch has few), each an index range over its keys.
                let mut by_party: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
                for (party, key) in keys {
                    by_party.entry(party).or_default().push(key);
                }
                let mut found = Vec::new();
                for (party, party_keys) in by_party {
                    for chunk in party_keys.chunks(IDEMPOTENCY_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                        let mut qb = sql_api::QueryBuilder::<$db>::new("SELECT * FROM idempotency_keys WHERE party_id = ");
                        qb.push_bind(party.to_string()).push(" AND idem_key IN (");
                        let mut list = qb.separated(", ");
                        for key in chunk {
                            list.push_bind(key.to_string());
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&mut *self).await? {
                            found.push(idempotency_from(&row)?);
                        }
                    }
                }
                Ok(found)
            }
            async fn insert_idempotency_many(&mut self, records: &[&IdempotencyRecord]) -> Result<()> {
                for chunk in records.chunks(IDEMPOTENCY_ROWS_PER_STATEMENT.min(ROWS_PER_STATEMENT_MAX)) {
                    let mut qb = sql_api::QueryBuilder::<$db>::new("");
                    push_idempotency_rows(&mut qb, chunk);
                    qb.build().execute(&mut *self).await?;
                }
                Ok(())
            }
            async fn purge_idempotency(&mut self, before_ms: i64) -> Result<u64> {
                let done = sql_api::query("DELETE FROM idempotency_keys WHERE created_at_ms < $1").bind(before_ms).execute(&mut *self).await?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::FxStore for $conn {
            async fn put_fx_rates(&mut self, rates: &[FxRateRecord]) -> Result<()> {
                for r in rates {
                    sql_api::query(
                        "INSERT INTO fx_rates (base_currency, quote_currency, rate, source, as_of_ms, set_by, set_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
                         ON CONFLICT (base_currency, quote_currency) DO UPDATE SET rate = excluded.rate, source = excluded.source,
                         as_of_ms = excluded.as_of_ms, set_by = excluded.set_by, set_at_ms = excluded.set_at_ms",
                    )
                    .bind(&r.base).bind(&r.quote).bind(&r.rate).bind(&r.source).bind(r.as_of_ms).bind(&r.set_by).bind(r.set_at_ms)
                    .execute(&mut *self)
                    .await?;
                    sql_api::query(
                        "INSERT INTO fx_rate_history (base_currency, quote_currency, rate, source, as_of_ms, set_by, set_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&r.base).bind(&r.quote).bind(&r.rate).bind(&r.source).bind(r.as_of_ms).bind(&r.set_by).bind(r.set_at_ms)
                    .execute(&mut *self)
                    .await?;
                }
                Ok(())
            }
            async fn list_fx_rates(&mut self) -> Result<Vec<FxRateRecord>> {
                let rows = sql_api::query("SELECT * FROM fx_rates ORDER BY base_currency, quote_currency").fetch_all(&mut *self).await?;
                rows.iter()
                    .map(|row| {
                        Ok(FxRateRecord {
                            base: row.try_get("base_currency")?,
                            quote: row.try_get("quote_currency")?,
                            rate: row.try_get("rate")?,
                            source: row.try_get("source")?,
                            as_of_ms: row.try_get("as_of_ms")?,
                            set_by: row.try_get("set_by")?,
                            set_at_ms: row.try_get("set_at_ms")?,
                        })
                    })
                    .collect()
            }
            async fn count_fx_history(&mut self, base: &str, quote: &str) -> Result<i64> {
                Ok(sql_api::query_scalar("SELECT COUNT(*) FROM fx_rate_history WHERE base_currency = $1 AND quote_currency = $2")
                    .bind(base)
                    .bind(quote)
                    .fetch_one(&mut *self)
                    .await?)
            }
        }
    };
}

pub(crate) use impl_stores;
