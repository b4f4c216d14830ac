//! The hub's settings, with the defaults that make `ewtp serve` work with no arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct HubConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://…`; SQLite in `data_dir` when absent.
    pub database_url: Option<String>,
    /// `CC-XXX`: the ISO country of the jurisdiction and a location code, e.g. `MY-KUL`.
    pub hub_code: String,
    pub hub_name: String,
    /// Commands waiting for the writer before requests are answered 503.
    pub queue_capacity: usize,
    /// Commands applied per transaction at most.
    pub batch_max: usize,
    pub body_limit_bytes: usize,
    pub read_pool_size: u32,
    /// A folder of rule-pack TOML files: each replaces the embedded pack of the same file name,
    /// or adds a new one.
    pub rules_dir: Option<PathBuf>,
    /// HS nomenclature CSV (`section,hscode,description,parent,level`) read at start for
    /// `/v1/hs`; without it those routes answer `404 hs_nomenclature_not_loaded`.
    pub hs_nomenclature: Option<PathBuf>,
    /// The hub's fee on a merchant's share of each delivered parcel (what the buyer paid less
    /// duty and taxes), in basis points: 100 = 1%.
    pub fee_bps: u32,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("ewtp-data"),
            database_url: None,
            hub_code: "MY-KUL".into(),
            hub_name: "Kuala Lumpur e-hub".into(),
            queue_capacity: 4096,
            batch_max: 512,
            body_limit_bytes: 1024 * 1024,
            read_pool_size: 8,
            rules_dir: None,
            hs_nomenclature: None,
            fee_bps: 100,
        }
    }
}

/// `CC-XXX`: an ISO 3166 country, a dash, three letters or digits.
pub fn valid_hub_code(code: &str) -> bool {
    match code.split_once('-') {
        Some((cc, loc)) => {
            trade::Country::parse(cc).is_ok()
                && loc.len() == 3
                && loc
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hub_codes() {
        assert!(super::valid_hub_code("MY-KUL"));
        assert!(super::valid_hub_code("CN-HGH"));
        assert!(!super::valid_hub_code("XX-KUL"));
        assert!(!super::valid_hub_code("MY-KL"));
        assert!(!super::valid_hub_code("my-kul"));
        assert!(!super::valid_hub_code("MYKUL"));
    }
}
