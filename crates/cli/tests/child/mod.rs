//! `ewtp serve` as a child process, for the tests that start, kill and restart it.

#![allow(dead_code)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Served {
    pub child: Child,
    pub base: String,
    pub stdout_head: Vec<String>,
}

/// Starts `ewtp serve` and waits for its "listening on" line.
pub async fn serve(data: &Path, extra: &[&str]) -> Served {
    serve_logging(data, extra, "warn", Stdio::inherit()).await
}

/// Starts `ewtp serve` with `EWTP_LOG=log_level`, its stderr sent to `stderr`, and waits for
/// its "listening on" line.
pub async fn serve_logging(data: &Path, extra: &[&str], log_level: &str, stderr: Stdio) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env("EWTP_LOG", log_level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("ewtp starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut head = Vec::new();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stdout line") {
            head.push(line.clone());
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.to_string();
            }
        }
        panic!("ewtp serve exited before listening: {head:?}");
    })
    .await
    .expect("ewtp serve listens within a minute");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Served {
        child,
        base,
        stdout_head: head,
    }
}

pub fn operator_key(data: &Path) -> String {
    std::fs::read_to_string(data.join("operator.key"))
        .expect("operator.key")
        .trim()
        .to_string()
}

/// Sends `signal` to the child and waits (at most 30 s) for it to exit.
pub async fn signal_and_wait(child: &mut Child, signal: i32) -> std::process::ExitStatus {
    let pid = child.id().expect("a running child") as i32;
    // SAFETY: signalling our own child process, not yet waited for.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits within 30 s")
        .expect("wait")
}
