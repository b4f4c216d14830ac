//! Catalog items by merchant and SKU, kept for a few seconds: an order names its products by
//! SKU, and reading them from the database for every order costs more than the order's write.
//! An update made by this process drops the entry at once; one made by another process sharing
//! the database is seen within the lifetime (see docs/decisions.md).

use crate::problem::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Database, Stores};
use trade::Product;

/// A merchant's cached items by SKU, each with the time it was read.
type MerchantItems = HashMap<String, (Product, Instant)>;

pub struct CatalogCache {
    ttl: Duration,
    by_merchant: Mutex<HashMap<String, MerchantItems>>,
}

/// Where items not cached are read.
enum Source<'a> {
    Pool(&'a Arc<dyn Database>),
    Held(&'a mut dyn Stores),
}

/// Items kept at most; past it the cache starts again empty rather than growing.
const MAX_ITEMS: usize = 200_000;

impl CatalogCache {
    pub fn new(ttl: Duration) -> CatalogCache {
        CatalogCache {
            ttl,
            by_merchant: Mutex::new(HashMap::new()),
        }
    }

    /// The merchant's products among `skus`, by SKU; SKUs it does not have are absent. Items
    /// not cached are read on a connection of the read pool.
    pub async fn products(
        &self,
        db: &Arc<dyn Database>,
        merchant_id: &str,
        skus: &[String],
    ) -> Result<HashMap<String, Product>, ApiError> {
        self.products_from(Source::Pool(db), merchant_id, skus)
            .await
    }

    /// The same, reading items not cached on `stores`, a connection the caller already holds.
    /// A handler holding a reader must use this: taking a second one from the pool while
    /// holding one deadlocks once as many handlers do so as the pool has connections.
    pub async fn products_on(
        &self,
        stores: &mut dyn Stores,
        merchant_id: &str,
        skus: &[String],
    ) -> Result<HashMap<String, Product>, ApiError> {
        self.products_from(Source::Held(stores), merchant_id, skus)
            .await
    }

    async fn products_from(
        &self,
        source: Source<'_>,
        merchant_id: &str,
        skus: &[String],
    ) -> Result<HashMap<String, Product>, ApiError> {
        let mut found = HashMap::with_capacity(skus.len());
        let mut missing = Vec::new();
        {
            let cache = self.by_merchant.lock().expect("catalog cache lock");
            let items = cache.get(merchant_id);
            for sku in skus {
                match items.and_then(|m| m.get(sku)) {
                    Some((p, at)) if at.elapsed() < self.ttl => {
                        found.insert(sku.clone(), p.clone());
                    }
                    _ => missing.push(sku.clone()),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let fetched = match source {
            Source::Pool(db) => {
                let mut conn = db.read().await?;
                conn.stores().products_by_sku(merchant_id, &missing).await?
            }
            Source::Held(stores) => stores.products_by_sku(merchant_id, &missing).await?,
        };
        let mut cache = self.by_merchant.lock().expect("catalog cache lock");
        if cache.values().map(HashMap::len).sum::<usize>() >= MAX_ITEMS {
            cache.clear();
        }
        let items = cache.entry(merchant_id.to_string()).or_default();
        let now = Instant::now();
        for p in fetched {
            items.insert(p.sku.clone(), (p.clone(), now));
            found.insert(p.sku.clone(), p);
        }
        Ok(found)
    }

    /// Drops an item after this process changed it.
    pub fn forget(&self, merchant_id: &str, sku: &str) {
        if let Some(items) = self
            .by_merchant
            .lock()
            .expect("catalog cache lock")
            .get_mut(merchant_id)
        {
            items.remove(sku);
        }
    }
}
