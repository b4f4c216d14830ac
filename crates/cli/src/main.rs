//! `ewtp`: the one binary. `serve` runs a hub; `quote` quotes a landed cost offline; `bench`
//! measures a hub.

mod bench;
mod bench_ceb;
mod bench_clearance;
mod bench_http;
mod bench_ledger;
mod demo;
mod quote;
mod serve;

use clap::{Parser, Subcommand};

// The hub allocates and frees many small buffers per request on several threads; mimalloc's
// per-thread free lists cost less than glibc's arenas there (measured in docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ewtp",
    version,
    about = "An e-hub of the Electronic World Trade Platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a hub: SQLite in ./ewtp-data on 127.0.0.1:8080 unless told otherwise.
    Serve(serve::ServeArgs),
    /// Quote duty, taxes and landed cost with the embedded rule packs (no hub needed).
    Quote(quote::QuoteArgs),
    /// Start a hub, populate it and drive cross-border trade through it; print a summary.
    Demo(demo::DemoArgs),
    /// Measure a hub over HTTP.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A quote needs no runtime or logging: answer JSON on stdout, problems on stderr.
    let cli = match cli.command {
        Command::Quote(args) => {
            return match quote::run(args) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(quote::QuoteCliError::Invalid) => std::process::ExitCode::from(2),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::ExitCode::from(e.exit_code())
                }
            }
        }
        command => Cli { command },
    };
    // The demo draws a progress bar: only warnings interrupt it unless EWTP_LOG says otherwise.
    let default_level = match cli.command {
        Command::Demo(_) => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EWTP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Bench { what } => bench::run(what).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Quote(_) => unreachable!("handled before the runtime starts"),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
