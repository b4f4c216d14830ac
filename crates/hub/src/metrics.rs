//! Prometheus text metrics: requests and latencies by route and status, the engine's queue
//! depth, batch sizes and commit latency. Counters are integers; seconds are printed from
//! integer microseconds, so no float is ever accumulated.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Latency bucket bounds in microseconds.
const LATENCY_BOUNDS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 5_000_000,
];
/// Batch size bucket bounds.
const BATCH_BOUNDS: [u64; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

#[derive(Clone, Default)]
struct Histogram<const N: usize> {
    buckets: Vec<u64>,
    count: u64,
    sum: u64,
}

impl<const N: usize> Histogram<N> {
    fn observe(&mut self, bounds: &[u64; N], value: u64) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; N];
        }
        if let Some(i) = bounds.iter().position(|b| value <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += value;
    }

    fn render(
        &self,
        out: &mut String,
        name: &str,
        labels: &str,
        bounds: &[u64; N],
        as_seconds: bool,
    ) {
        let sep = if labels.is_empty() { "" } else { "," };
        let fmt = |v: u64| {
            if as_seconds {
                seconds(v)
            } else {
                v.to_string()
            }
        };
        let mut cumulative = 0;
        for (i, bound) in bounds.iter().enumerate() {
            cumulative += self.buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{}\"}} {cumulative}",
                fmt(*bound)
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braced = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braced} {}", fmt(self.sum));
        let _ = writeln!(out, "{name}_count{braced} {}", self.count);
    }
}

fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

#[derive(Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<(String, String, u16), Histogram<14>>>,
    batches: Mutex<(Histogram<10>, Histogram<14>)>,
    queue_depth: AtomicUsize,
    queue_capacity: AtomicUsize,
    careful_batches: AtomicUsize,
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut http = self.http.lock().expect("metrics lock");
        http.entry((route.to_string(), method.to_string(), status))
            .or_default()
            .observe(&LATENCY_BOUNDS_US, elapsed.as_micros() as u64);
    }

    pub fn observe_batch(&self, size: usize, commit: Duration) {
        let mut b = self.batches.lock().expect("metrics lock");
        b.0.observe(&BATCH_BOUNDS, size as u64);
        b.1.observe(&LATENCY_BOUNDS_US, commit.as_micros() as u64);
    }

    /// A batch that had to be applied again one savepoint per command.
    pub fn observe_careful_batch(&self) {
        self.careful_batches.fetch_add(1, Ordering::Relaxed);
    }

    pub fn careful_batches(&self) -> usize {
        self.careful_batches.load(Ordering::Relaxed)
    }

    pub fn set_queue_depth(&self, depth: usize) {
        self.queue_depth.store(depth, Ordering::Relaxed);
    }

    pub fn set_queue_capacity(&self, capacity: usize) {
        self.queue_capacity.store(capacity, Ordering::Relaxed);
    }

    pub fn render(&self, live_queue_depth: usize) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP ewtp_http_requests_total HTTP requests answered, by route, method and status.\n# TYPE ewtp_http_requests_total counter\n");
        let http = self.http.lock().expect("metrics lock").clone();
        for ((route, method, status), h) in &http {
            let _ = writeln!(out, "ewtp_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}", h.count);
        }
        out.push_str("# HELP ewtp_http_request_duration_seconds Time to answer, by route, method and status.\n# TYPE ewtp_http_request_duration_seconds histogram\n");
        for ((route, method, status), h) in &http {
            h.render(
                &mut out,
                "ewtp_http_request_duration_seconds",
                &format!("route=\"{route}\",method=\"{method}\",status=\"{status}\""),
                &LATENCY_BOUNDS_US,
                true,
            );
        }
        let _ = writeln!(out, "# HELP ewtp_engine_queue_depth Commands waiting for the writer.\n# TYPE ewtp_engine_queue_depth gauge\newtp_engine_queue_depth {live_queue_depth}");
        let _ = writeln!(out, "# HELP ewtp_engine_queue_capacity Commands the queue holds before answering 503.\n# TYPE ewtp_engine_queue_capacity gauge\newtp_engine_queue_capacity {}", self.queue_capacity.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP ewtp_engine_queue_depth_at_batch Commands left queued when the last batch started.\n# TYPE ewtp_engine_queue_depth_at_batch gauge\newtp_engine_queue_depth_at_batch {}", self.queue_depth.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP ewtp_engine_careful_batches_total Batches re-applied one savepoint per command after a command failed.\n# TYPE ewtp_engine_careful_batches_total counter\newtp_engine_careful_batches_total {}",
            self.careful_batches()
        );
        let _ = writeln!(
            out,
            "# HELP ewtp_sqlite_page_cache_wrapped 1 when this process's SQLite runs with the wrapped page cache (decision 36).\n# TYPE ewtp_sqlite_page_cache_wrapped gauge\newtp_sqlite_page_cache_wrapped {}",
            u8::from(store::sqlite::page_cache::installed())
        );
        let _ = writeln!(
            out,
            "# HELP ewtp_sqlite_page_cache_walks_avoided_total Truncations SQLite's own page cache would have walked every bucket for, skipped by the wrapper.\n# TYPE ewtp_sqlite_page_cache_walks_avoided_total counter\newtp_sqlite_page_cache_walks_avoided_total {}",
            store::sqlite::page_cache::walks_avoided()
        );
        let (sizes, commits) = self.batches.lock().expect("metrics lock").clone();
        out.push_str("# HELP ewtp_engine_batch_size Commands applied per transaction.\n# TYPE ewtp_engine_batch_size histogram\n");
        sizes.render(&mut out, "ewtp_engine_batch_size", "", &BATCH_BOUNDS, false);
        out.push_str("# HELP ewtp_engine_commit_duration_seconds Time to apply and commit one batch.\n# TYPE ewtp_engine_commit_duration_seconds histogram\n");
        commits.render(
            &mut out,
            "ewtp_engine_commit_duration_seconds",
            "",
            &LATENCY_BOUNDS_US,
            true,
        );
        out
    }
}

/// Middleware: times every request and counts it under its route template (not its raw path,
/// so ids never become labels).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    metrics.observe_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("GET", "/healthz", 200, Duration::from_micros(80));
        m.observe_request("GET", "/healthz", 200, Duration::from_micros(300));
        m.observe_batch(3, Duration::from_millis(2));
        let text = m.render(5);
        assert!(
            text.contains(
                "ewtp_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains("le=\"0.000100\"} 1"));
        assert!(text.contains("le=\"0.000500\"} 2"));
        assert!(text.contains("ewtp_http_request_duration_seconds_sum{route=\"/healthz\",method=\"GET\",status=\"200\"} 0.000380"));
        assert!(text.contains("ewtp_engine_queue_depth 5"));
        assert!(text.contains("ewtp_engine_batch_size_bucket{le=\"4\"} 1"));
        assert!(text.contains("ewtp_engine_commit_duration_seconds_count 1"));
        assert!(text.contains(
            "# TYPE ewtp_sqlite_page_cache_wrapped gauge\newtp_sqlite_page_cache_wrapped "
        ));
        assert!(text.contains("\newtp_sqlite_page_cache_walks_avoided_total "));
    }
}
