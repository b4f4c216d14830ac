//! SQLite's own page cache, wrapped so that a commit does not walk the whole cache for nothing
//! (decision 36).
//!
//! When a B-tree balance reorders the pages it has just split, SQLite parks one page for a
//! moment at the page number of its lock byte (page 262,145 with 4 KiB pages) and moves it on.
//! The default cache remembers the largest key it has seen since its last truncation, so after
//! such a move it believes a page may lie beyond the end of the file, and the truncation that
//! ends every write transaction walks each of its hash buckets (thousands with the writer's
//! 64 MiB cache) to find none: 9–12% of the writer's time under parcel load
//! (docs/performance.md). The wrapper keeps the same bound without counting the parking spot,
//! and lets a truncation through only when a page may really lie at or past its limit.
//!
//! Everything else goes to SQLite's cache unchanged. The wrapper is process-wide and can be
//! installed only before SQLite is first used; [`install`] does it once, from every path that
//! opens a SQLite database in this crate, and otherwise leaves the default in place.

use rusqlite::ffi;
use std::os::raw::{c_int, c_uint};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Once, OnceLock};

/// The first byte of SQLite's lock range (its default `PENDING_BYTE`; the hub never moves it).
const LOCK_BYTE: u32 = 0x4000_0000;

/// Which truncations can be skipped: an upper bound on the keys held, the parking spot apart.
///
/// Pages enter a cache only when fetched with creation or rekeyed, and both are seen here, so
/// the bound never misses a page; it may overstate (a page evicted silently), which only lets a
/// truncation through that was not needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TruncateGuard {
    /// The lock byte's page: a balance parks pages there, and no page of data ever lives there.
    parking: u32,
    /// No page with a larger key is held, except at `parking`.
    max_key: u32,
    /// Pages that may be at `parking` (counted in, counted out when moved away).
    parked: u32,
    /// The bound SQLite's cache keeps (parking spot included), as if every truncation reached
    /// it: to count the walks the wrapper saves.
    default_max_key: u32,
}

/// What a truncation does under the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Some page may be keyed at or past the limit: the cache must truncate.
    pub needed: bool,
    /// SQLite's cache alone would have walked its buckets for this truncation.
    pub default_walks: bool,
}

impl TruncateGuard {
    pub(crate) fn new(page_size: u32) -> TruncateGuard {
        TruncateGuard {
            parking: LOCK_BYTE / page_size.max(1) + 1,
            max_key: 0,
            parked: 0,
            default_max_key: 0,
        }
    }

    /// A page may have been created at `key`.
    pub(crate) fn fetched(&mut self, key: u32) {
        self.default_max_key = self.default_max_key.max(key);
        if key == self.parking {
            self.parked += 1;
        } else {
            self.max_key = self.max_key.max(key);
        }
    }

    /// A page moved from `old` to `new`.
    pub(crate) fn rekeyed(&mut self, old: u32, new: u32) {
        if old == self.parking {
            self.parked = self.parked.saturating_sub(1);
        }
        self.fetched(new);
    }

    /// Whether a truncation that drops every page keyed `limit` or above must reach the cache,
    /// noting that it will.
    pub(crate) fn must_truncate(&mut self, limit: u32) -> Verdict {
        let default_walks = limit <= self.default_max_key;
        if default_walks {
            self.default_max_key = limit.saturating_sub(1);
        }
        let parked_dropped = self.parked > 0 && limit <= self.parking;
        let needed = parked_dropped || limit <= self.max_key;
        if needed {
            self.max_key = self.max_key.min(limit.saturating_sub(1));
            if limit <= self.parking {
                self.parked = 0;
            }
        }
        Verdict {
            needed,
            default_walks,
        }
    }
}

/// SQLite's default cache methods, kept when the wrapper is installed.
static INNER: OnceLock<Methods> = OnceLock::new();
static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Truncations SQLite's cache would have walked and the wrapper skipped.
static WALKS_AVOIDED: AtomicU64 = AtomicU64::new(0);

// SAFETY (for `Send`/`Sync`): the methods table is written once, before SQLite is initialized,
// and only read afterwards; its `pArg` is SQLite's own, never dereferenced here.
struct Methods(ffi::sqlite3_pcache_methods2);
unsafe impl Send for Methods {}
unsafe impl Sync for Methods {}

/// The environment variable that, set to `sqlite`, keeps SQLite's cache unwrapped (an escape
/// hatch, and the other side of an A/B measurement).
pub const CHOICE_ENV: &str = "EWTP_SQLITE_PAGE_CACHE";

/// Installs the wrapper, once per process, if SQLite has not been used yet and
/// [`CHOICE_ENV`] does not say `sqlite`. Call before opening any SQLite connection.
pub fn install() {
    INSTALL.call_once(|| {
        if std::env::var(CHOICE_ENV).is_ok_and(|v| v.trim() == "sqlite") {
            return;
        }
        let mut inner = ffi::sqlite3_pcache_methods2 {
            iVersion: 0,
            pArg: std::ptr::null_mut(),
            xInit: None,
            xShutdown: None,
            xCreate: None,
            xCachesize: None,
            xPagecount: None,
            xFetch: None,
            xUnpin: None,
            xRekey: None,
            xTruncate: None,
            xDestroy: None,
            xShrink: None,
        };
        // SAFETY: called once (the `Once`), before any connection of this process opens (every
        // opening path calls `install` first); SQLite copies the methods out of the pointer.
        let got = unsafe {
            ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_GETPCACHE2,
                &mut inner as *mut ffi::sqlite3_pcache_methods2,
            )
        };
        if got != ffi::SQLITE_OK || inner.xCreate.is_none() || INNER.set(Methods(inner)).is_err() {
            // SQLite is already in use: its default cache stays.
            return;
        }
        let wrapped = Methods(ffi::sqlite3_pcache_methods2 {
            iVersion: 1,
            pArg: inner.pArg,
            xInit: inner.xInit,
            xShutdown: inner.xShutdown,
            xCreate: Some(create),
            xCachesize: Some(cachesize),
            xPagecount: Some(pagecount),
            xFetch: Some(fetch),
            xUnpin: Some(unpin),
            xRekey: Some(rekey),
            xTruncate: Some(truncate),
            xDestroy: Some(destroy),
            xShrink: Some(shrink),
        });
        // SAFETY: as above; SQLite copies the table.
        let set = unsafe {
            ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_PCACHE2,
                &wrapped.0 as *const ffi::sqlite3_pcache_methods2,
            )
        };
        INSTALLED.store(set == ffi::SQLITE_OK, Ordering::SeqCst);
    });
}

/// Whether this process runs SQLite with the wrapped cache.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::SeqCst)
}

/// Truncations SQLite's own cache would have walked its buckets for and the wrapper skipped,
/// since the process started.
pub fn walks_avoided() -> u64 {
    WALKS_AVOIDED.load(Ordering::Relaxed)
}

/// One cache: SQLite's, and the guard over it.
struct Wrapped {
    inner: *mut ffi::sqlite3_pcache,
    guard: TruncateGuard,
}

fn inner_methods() -> &'static ffi::sqlite3_pcache_methods2 {
    &INNER
        .get()
        .expect("the wrapped page cache runs only after its install kept SQLite's methods")
        .0
}

/// # Safety
/// `p` must be a cache this wrapper created and has not destroyed. SQLite never calls a cache's
/// methods concurrently (each belongs to one pager, under its connection's lock).
unsafe fn wrapped<'a>(p: *mut ffi::sqlite3_pcache) -> &'a mut Wrapped {
    &mut *(p as *mut Wrapped)
}

unsafe extern "C" fn create(
    page_size: c_int,
    extra_size: c_int,
    purgeable: c_int,
) -> *mut ffi::sqlite3_pcache {
    let Some(create) = inner_methods().xCreate else {
        return std::ptr::null_mut();
    };
    let inner = create(page_size, extra_size, purgeable);
    if inner.is_null() {
        return std::ptr::null_mut();
    }
    let wrapped = Box::new(Wrapped {
        inner,
        guard: TruncateGuard::new(u32::try_from(page_size).unwrap_or(1)),
    });
    Box::into_raw(wrapped) as *mut ffi::sqlite3_pcache
}

unsafe extern "C" fn cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    if let Some(f) = inner_methods().xCachesize {
        f(wrapped(p).inner, n);
    }
}

unsafe extern "C" fn pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    inner_methods()
        .xPagecount
        .map_or(0, |f| f(wrapped(p).inner))
}

unsafe extern "C" fn fetch(
    p: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create_flag: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    let w = wrapped(p);
    if create_flag != 0 {
        w.guard.fetched(key);
    }
    inner_methods()
        .xFetch
        .map_or(std::ptr::null_mut(), |f| f(w.inner, key, create_flag))
}

unsafe extern "C" fn unpin(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    discard: c_int,
) {
    if let Some(f) = inner_methods().xUnpin {
        f(wrapped(p).inner, page, discard);
    }
}

unsafe extern "C" fn rekey(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    let w = wrapped(p);
    w.guard.rekeyed(old, new);
    if let Some(f) = inner_methods().xRekey {
        f(w.inner, page, old, new);
    }
}

unsafe extern "C" fn truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    let w = wrapped(p);
    let verdict = w.guard.must_truncate(limit);
    if !verdict.needed {
        if verdict.default_walks {
            WALKS_AVOIDED.fetch_add(1, Ordering::Relaxed);
        }
        return;
    }
    if let Some(f) = inner_methods().xTruncate {
        f(w.inner, limit);
    }
}

unsafe extern "C" fn destroy(p: *mut ffi::sqlite3_pcache) {
    let w = Box::from_raw(p as *mut Wrapped);
    if let Some(f) = inner_methods().xDestroy {
        f(w.inner);
    }
}

unsafe extern "C" fn shrink(p: *mut ffi::sqlite3_pcache) {
    if let Some(f) = inner_methods().xShrink {
        f(wrapped(p).inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const PARKING_4K: u32 = LOCK_BYTE / 4096 + 1;

    #[test]
    fn the_parking_spot_is_the_lock_byte_page() {
        assert_eq!(TruncateGuard::new(4096).parking, 262_145);
        assert_eq!(TruncateGuard::new(65_536).parking, 16_385);
    }

    #[test]
    fn a_balance_that_parks_a_page_does_not_force_a_walk() {
        let mut g = TruncateGuard::new(4096);
        for key in 1..=100 {
            g.fetched(key);
        }
        // balance_nonroot swapping pages 90 and 95 through the parking spot.
        g.rekeyed(90, PARKING_4K);
        g.rekeyed(95, 90);
        g.rekeyed(PARKING_4K, 95);
        let v = g.must_truncate(101);
        assert!(!v.needed, "no page past the end of the file");
        assert!(v.default_walks, "where SQLite's cache alone would walk");
        assert!(g.must_truncate(100).needed, "page 100 is held");
        assert!(!g.must_truncate(100).needed, "and now dropped");
    }

    #[test]
    fn a_page_still_parked_is_dropped_by_a_truncation_below_the_spot() {
        let mut g = TruncateGuard::new(4096);
        g.fetched(5);
        g.rekeyed(5, PARKING_4K);
        assert!(g.must_truncate(6).needed);
        assert!(
            !g.must_truncate(6).needed,
            "the parked page went with the first"
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Fetch(u32),
        Rekey(usize, u32),
        Discard(usize),
        Truncate(u32),
    }

    fn key() -> impl Strategy<Value = u32> {
        prop_oneof![4 => 1u32..200, 1 => Just(PARKING_4K), 1 => (PARKING_4K - 3)..(PARKING_4K + 3)]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => key().prop_map(Op::Fetch),
            3 => (any::<usize>(), key()).prop_map(|(i, k)| Op::Rekey(i, k)),
            1 => any::<usize>().prop_map(Op::Discard),
            2 => key().prop_map(Op::Truncate),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Against the set of pages a cache really holds: a truncation is skipped only when no
        /// page is keyed at or past its limit.
        #[test]
        fn a_skipped_truncation_never_leaves_a_page_behind(ops in prop::collection::vec(op(), 1..120)) {
            let mut guard = TruncateGuard::new(4096);
            // Key -> pages held at it (a cache holds one page per key; SQLite's rekey first
            // drops any page at the new key).
            let mut held: BTreeMap<u32, ()> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Fetch(k) => {
                        guard.fetched(k);
                        held.insert(k, ());
                    }
                    Op::Rekey(i, new) => {
                        if held.is_empty() { continue; }
                        let old = *held.keys().nth(i % held.len()).expect("non-empty");
                        guard.rekeyed(old, new);
                        held.remove(&old);
                        held.insert(new, ());
                    }
                    Op::Discard(i) => {
                        // Evicted or discarded without the guard knowing: it may overstate.
                        if held.is_empty() { continue; }
                        let k = *held.keys().nth(i % held.len()).expect("non-empty");
                        held.remove(&k);
                    }
                    Op::Truncate(limit) => {
                        let walked = guard.must_truncate(limit).needed;
                        let beyond = held.range(limit..).next().is_some();
                        prop_assert!(walked || !beyond, "skipped a truncation at {limit} with {held:?}");
                        if walked {
                            held.retain(|k, _| *k < limit);
                        }
                    }
                }
            }
        }
    }
}
