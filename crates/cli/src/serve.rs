//! `ewtp serve`: flags, an optional TOML file with the same keys, and clean shutdown on
//! SIGINT/SIGTERM (stop accepting, finish in-flight commits, exit 0).

use clap::Args;
use hub::HubConfig;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// TOML file with any of: listen, data, database, hub, name, queue_capacity, batch_max,
    /// hs_nomenclature, rules, fee_bps, request_timeout_ms, sqlite_cache_mib, pending_cached_max,
    /// [customs].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free one.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Data folder: SQLite database, operator key, lock [default: ./ewtp-data].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of the embedded SQLite.
    #[arg(long)]
    pub database: Option<String>,
    /// Hub code, CC-XXX [default: MY-KUL].
    #[arg(long)]
    pub hub: Option<String>,
    /// Hub display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Writes queued before answering 503 [default: 4096].
    #[arg(long)]
    pub queue_capacity: Option<usize>,
    /// Writes per transaction at most [default: 512].
    #[arg(long)]
    pub batch_max: Option<usize>,
    /// HS nomenclature CSV (section,hscode,description,parent,level) for /v1/hs; read at start.
    #[arg(long, value_name = "FILE")]
    pub hs_nomenclature: Option<PathBuf>,
    /// Folder of rule-pack TOML files replacing (same file name) or adding to the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The hub's fee on a merchant's share of each parcel, in basis points (100 = 1%) [default: 100].
    #[arg(long)]
    pub fee_bps: Option<u32>,
    /// A request not answered within this many milliseconds is answered 408 [default: 30000].
    #[arg(long)]
    pub request_timeout_ms: Option<u64>,
    /// The SQLite writer's page cache in MiB, 1 to 4096 [default: 64].
    #[arg(long, env = "EWTP_SQLITE_CACHE_MIB")]
    pub sqlite_cache_mib: Option<u32>,
    /// Pending transfers the writer keeps in memory at most [default: 100000].
    #[arg(long, env = "EWTP_PENDING_CACHED_MAX")]
    pub pending_cached_max: Option<usize>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data: Option<PathBuf>,
    pub database: Option<String>,
    pub hub: Option<String>,
    pub name: Option<String>,
    pub queue_capacity: Option<usize>,
    pub batch_max: Option<usize>,
    pub hs_nomenclature: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    pub fee_bps: Option<u32>,
    pub request_timeout_ms: Option<u64>,
    pub sqlite_cache_mib: Option<u32>,
    pub pending_cached_max: Option<usize>,
    /// The hub's identifiers towards China customs (CEB621), each optional.
    pub customs: Option<CustomsFile>,
}

/// `[customs]` in the config file.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct CustomsFile {
    pub agent_code: Option<String>,
    pub district: Option<String>,
    pub traf_mode: Option<String>,
    pub dxp_id: Option<String>,
    /// ISO 3166 alpha-2 → the customs (JGS-20) country code, e.g. `MY = "122"`.
    pub country_codes: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("config file {0}: {1}")]
    ConfigFile(PathBuf, String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Hub(#[from] hub::HubError),
    #[error("signal handler: {0}")]
    Signal(std::io::Error),
}

/// Flags win over the file, the file over the defaults.
pub fn resolve(args: &ServeArgs) -> Result<HubConfig, ServeError> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ServeError::ConfigFile(path.clone(), e.to_string()))?;
            toml::from_str::<FileConfig>(&text)
                .map_err(|e| ServeError::ConfigFile(path.clone(), e.to_string()))?
        }
        None => FileConfig::default(),
    };
    let d = HubConfig::default();
    let hub_code = args
        .hub
        .clone()
        .or(file.hub.clone())
        .unwrap_or(d.hub_code.clone());
    let customs = {
        let base = hub::config::CustomsConfig::for_hub(&hub_code);
        let f = file.customs.unwrap_or_default();
        hub::config::CustomsConfig {
            agent_code: f.agent_code.unwrap_or(base.agent_code),
            district: f.district.unwrap_or(base.district),
            traf_mode: f.traf_mode.unwrap_or(base.traf_mode),
            dxp_id: f.dxp_id.unwrap_or(base.dxp_id),
            country_codes: f.country_codes.unwrap_or(base.country_codes),
        }
    };
    let config = HubConfig {
        listen: args.listen.or(file.listen).unwrap_or(d.listen),
        data_dir: args.data.clone().or(file.data).unwrap_or(d.data_dir),
        database_url: args.database.clone().or(file.database),
        hub_code,
        hub_name: args.name.clone().or(file.name).unwrap_or(d.hub_name),
        queue_capacity: args
            .queue_capacity
            .or(file.queue_capacity)
            .unwrap_or(d.queue_capacity),
        batch_max: args.batch_max.or(file.batch_max).unwrap_or(d.batch_max),
        hs_nomenclature: args.hs_nomenclature.clone().or(file.hs_nomenclature),
        rules_dir: args.rules.clone().or(file.rules),
        fee_bps: args.fee_bps.or(file.fee_bps).unwrap_or(d.fee_bps),
        request_timeout_ms: args
            .request_timeout_ms
            .or(file.request_timeout_ms)
            .unwrap_or(d.request_timeout_ms),
        sqlite_cache_mib: args
            .sqlite_cache_mib
            .or(file.sqlite_cache_mib)
            .unwrap_or(d.sqlite_cache_mib),
        pending_cached_max: args
            .pending_cached_max
            .or(file.pending_cached_max)
            .unwrap_or(d.pending_cached_max),
        customs,
        ..d
    };
    if config.request_timeout_ms == 0 {
        return Err(ServeError::Invalid(
            "request_timeout_ms must be at least 1".into(),
        ));
    }
    if config.fee_bps > 10_000 {
        return Err(ServeError::Invalid(
            "fee_bps is at most 10000 (100%)".into(),
        ));
    }
    if !(1..=4096).contains(&config.sqlite_cache_mib) {
        return Err(ServeError::Invalid(
            "sqlite_cache_mib must be 1 to 4096".into(),
        ));
    }
    if config.queue_capacity == 0 || config.batch_max == 0 {
        return Err(ServeError::Invalid(
            "queue_capacity and batch_max must be at least 1".into(),
        ));
    }
    Ok(config)
}

pub async fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = resolve(&args)?;
    let backend = if config.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    // Handlers first: a signal sent as soon as the hub answers (or prints its address) must
    // find them installed, or it would kill the process uncleanly.
    let signals = Signals::install().map_err(ServeError::Signal)?;
    let hub = hub::start(config.clone()).await?;
    let key_path = hub.data_dir.join(hub::OPERATOR_KEY_FILE);
    println!(
        "ewtp hub {} ({}), {backend} storage, data in {}",
        config.hub_code,
        config.hub_name,
        hub.data_dir.display()
    );
    match &hub.new_operator_key {
        Some(key) => println!(
            "operator key (shown once; also written to {}):\n  {key}",
            key_path.display()
        ),
        None => println!("operator key: in {}", key_path.display()),
    }
    println!("listening on http://{}", hub.addr);
    signals.wait().await;
    eprintln!("stopping: finishing in-flight requests");
    hub.stop().await?;
    eprintln!("stopped");
    Ok(())
}

/// SIGTERM and SIGINT, caught from the moment they are installed.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(
            &path,
            "hub = \"CN-HGH\"\nname = \"Hangzhou\"\nlisten = \"127.0.0.1:9000\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:9001".parse().unwrap()),
            ..Default::default()
        };
        let c = resolve(&args).unwrap();
        assert_eq!(c.hub_code, "CN-HGH");
        assert_eq!(c.hub_name, "Hangzhou");
        assert_eq!(c.listen.port(), 9001);
        assert_eq!(c.data_dir, PathBuf::from("ewtp-data"));
        let defaults = resolve(&ServeArgs::default()).unwrap();
        assert_eq!(defaults.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(defaults.hub_code, "MY-KUL");
        assert_eq!(defaults.hs_nomenclature, None);
        assert_eq!(defaults.fee_bps, 100);
        assert_eq!(defaults.customs.agent_code, "EWTPMYKUL");
    }

    #[test]
    fn the_customs_table_and_the_fee_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(
            &path,
            "hub = \"CN-HGH\"\nfee_bps = 250\n[customs]\ndistrict = \"2991\"\ncountry_codes = { MY = \"122\" }\n",
        )
        .unwrap();
        let c = resolve(&ServeArgs {
            config: Some(path.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.fee_bps, 250);
        assert_eq!(c.customs.district, "2991");
        assert_eq!(
            c.customs.agent_code, "EWTPCNHGH",
            "the default follows the hub code"
        );
        assert_eq!(
            c.customs.country_codes.get("MY").map(String::as_str),
            Some("122")
        );
        std::fs::write(&path, "[customs]\nport = \"1\"\n").unwrap();
        assert!(
            resolve(&ServeArgs {
                config: Some(path.clone()),
                ..Default::default()
            })
            .is_err(),
            "unknown keys are refused"
        );
        std::fs::write(&path, "fee_bps = 10001\n").unwrap();
        assert!(resolve(&ServeArgs {
            config: Some(path),
            ..Default::default()
        })
        .is_err());
    }

    #[test]
    fn memory_bounds_from_the_file_or_the_flag_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "sqlite_cache_mib = 8\npending_cached_max = 500\n").unwrap();
        let from_file = resolve(&ServeArgs {
            config: Some(path.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (from_file.sqlite_cache_mib, from_file.pending_cached_max),
            (8, 500)
        );
        let from_flag = resolve(&ServeArgs {
            config: Some(path.clone()),
            sqlite_cache_mib: Some(16),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(from_flag.sqlite_cache_mib, 16);
        let defaults = resolve(&ServeArgs::default()).unwrap();
        assert_eq!(
            (defaults.sqlite_cache_mib, defaults.pending_cached_max),
            (64, 100_000)
        );
        for bad in [0, 4097] {
            let err = resolve(&ServeArgs {
                sqlite_cache_mib: Some(bad),
                ..Default::default()
            })
            .unwrap_err();
            assert!(err.to_string().contains("sqlite_cache_mib"), "{err}");
        }
    }

    #[test]
    fn hs_nomenclature_from_the_file_or_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "hs_nomenclature = \"hs/from-file.csv\"\n").unwrap();
        let from_file = resolve(&ServeArgs {
            config: Some(path.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            from_file.hs_nomenclature,
            Some(PathBuf::from("hs/from-file.csv"))
        );
        let from_flag = resolve(&ServeArgs {
            config: Some(path),
            hs_nomenclature: Some(PathBuf::from("hs/from-flag.csv")),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            from_flag.hs_nomenclature,
            Some(PathBuf::from("hs/from-flag.csv"))
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "hubb = \"CN-HGH\"\n").unwrap();
        let err = resolve(&ServeArgs {
            config: Some(path),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("hubb"), "{err}");
    }
}
