//! A map whose entries count only while young: the shape of the handlers' caches of grants and
//! parties, which may serve a value for a few seconds after another process changed it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlMap<V> {
    ttl: Duration,
    /// Past this many entries the map is cleared rather than grown: what it holds is few
    /// (keys, parties) and re-read cheaply, so a bound beats an eviction order.
    max_entries: usize,
    entries: Mutex<HashMap<String, (V, Instant)>>,
}

impl<V: Clone> TtlMap<V> {
    pub fn new(ttl: Duration, max_entries: usize) -> TtlMap<V> {
        assert!(max_entries > 0, "a cache that can hold nothing");
        TtlMap {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value under `key` if it was stored less than the lifetime ago.
    pub fn get(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().expect("cache lock");
        match entries.get(key) {
            Some((value, at)) if at.elapsed() < self.ttl => Some(value.clone()),
            _ => None,
        }
    }

    pub fn insert(&self, key: String, value: V) {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn remove(&self, key: &str) {
        self.entries.lock().expect("cache lock").remove(key);
    }

    /// Keeps only the values `keep` accepts.
    pub fn retain(&self, mut keep: impl FnMut(&V) -> bool) {
        self.entries
            .lock()
            .expect("cache lock")
            .retain(|_, (value, _)| keep(value));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::TtlMap;
    use std::time::Duration;

    #[test]
    fn values_count_while_young_and_can_be_dropped() {
        let map = TtlMap::new(Duration::from_secs(60), 10);
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        assert_eq!(
            (map.get("a"), map.get("b"), map.get("c")),
            (Some(1), Some(2), None)
        );
        map.insert("a".into(), 3);
        assert_eq!(map.get("a"), Some(3), "a newer value replaces the older");
        map.remove("a");
        assert_eq!(map.get("a"), None);
        map.insert("c".into(), 4);
        map.retain(|v| *v != 2);
        assert_eq!((map.get("b"), map.get("c")), (None, Some(4)));
    }

    #[test]
    fn an_old_value_is_not_served() {
        let map = TtlMap::new(Duration::ZERO, 10);
        map.insert("a".into(), 1);
        assert_eq!(map.get("a"), None);
        // Only the expiry is timed: a value can only grow older, so this cannot flake.
        let map = TtlMap::new(Duration::from_millis(5), 10);
        map.insert("a".into(), 1);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(map.get("a"), None, "expired after its lifetime");
    }

    #[test]
    fn a_full_map_starts_over_instead_of_growing() {
        let map = TtlMap::new(Duration::from_secs(60), 3);
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            map.insert(key.into(), i);
        }
        map.insert("b".into(), 9);
        assert_eq!(map.len(), 3, "replacing a key does not clear");
        map.insert("d".into(), 3);
        assert_eq!(map.len(), 1, "a new key past the bound clears the rest");
        assert_eq!((map.get("a"), map.get("d")), (None, Some(3)));
    }
}
