//! The wrapped page cache (decision 36) on a real database file: B-tree balances that park pages,
//! savepoints and transactions rolled back (which truncate the cache), and afterwards every row
//! as written and an intact file. One test in this binary, so that nothing else touches SQLite
//! before the wrapper is installed.

use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// A deterministic stream of numbers (splitmix64), so a failure can be replayed.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn open(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -16384;",
    )
    .expect("pragmas");
    conn
}

fn rows(conn: &Connection) -> BTreeMap<String, Vec<u8>> {
    let mut stmt = conn
        .prepare("SELECT k, v FROM t ORDER BY k")
        .expect("prepare");
    let out = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .expect("query")
        .collect::<Result<BTreeMap<_, _>, _>>()
        .expect("rows");
    out
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

#[test]
fn balances_and_rollbacks_keep_every_row_with_the_wrapped_cache() {
    store::sqlite::page_cache::install();
    assert!(
        store::sqlite::page_cache::installed(),
        "the wrapper installs before SQLite's first use"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let mut conn = open(&path);
    conn.execute_batch(
        "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL); CREATE INDEX t_v ON t (v);",
    )
    .expect("schema");
    let mut expected: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut n = Numbers(7);
    let skipped_before = store::sqlite::page_cache::walks_avoided();
    for round in 0..120 {
        let tx = conn.transaction().expect("begin");
        let mut kept = expected.clone();
        for _ in 0..200 {
            // Random keys and values: splits all over both B-trees, so balances reorder pages.
            let k = format!("{:016x}", n.next());
            let v = n.next().to_be_bytes().repeat(1 + (n.next() % 40) as usize);
            tx.execute("INSERT INTO t (k, v) VALUES (?1, ?2)", params![k, v])
                .expect("insert");
            kept.insert(k, v);
        }
        {
            // A savepoint that grows the file and is rolled back: the cache is truncated back.
            let mut tx = tx;
            {
                let sp = tx.savepoint().expect("savepoint");
                for _ in 0..300 {
                    let k = format!("zz{:016x}", n.next());
                    sp.execute(
                        "INSERT INTO t (k, v) VALUES (?1, ?2)",
                        params![k, vec![7u8; 900]],
                    )
                    .expect("insert in savepoint");
                }
                // Dropped without commit: rolled back.
            }
            if round % 7 == 3 {
                tx.rollback().expect("rollback");
            } else {
                tx.commit().expect("commit");
                expected = kept;
            }
        }
        if round % 5 == 4 {
            // Deletes empty pages onto the free list; the next inserts take them back in no
            // particular order, which is when a balance reorders (and parks) pages. A checkpoint
            // moves the pages to the file.
            let doomed: Vec<String> = expected.keys().step_by(3).cloned().collect();
            let tx = conn.transaction().expect("begin");
            for k in &doomed {
                tx.execute("DELETE FROM t WHERE k = ?1", params![k])
                    .expect("delete");
                expected.remove(k);
            }
            tx.commit().expect("commit");
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .expect("checkpoint");
        }
    }
    assert_eq!(rows(&conn), expected, "every committed row, nothing else");
    assert_eq!(integrity(&conn), "ok");
    // VACUUM rewrites and shrinks the file: the largest truncation a cache sees.
    conn.execute_batch("VACUUM").expect("vacuum");
    assert_eq!(rows(&conn), expected);
    assert_eq!(integrity(&conn), "ok");
    drop(conn);
    let fresh = open(&path);
    assert_eq!(
        rows(&fresh),
        expected,
        "as read from the file by a new connection"
    );
    assert_eq!(integrity(&fresh), "ok");
    assert!(
        store::sqlite::page_cache::walks_avoided() > skipped_before,
        "balances parked pages, and the wrapper skipped the walks SQLite's cache would have made"
    );
}
