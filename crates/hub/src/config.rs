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
    /// A request not answered within this is answered `408 request_timeout` (slow clients); a
    /// connection whose request head is not complete within it, or that idles as long between
    /// requests, is closed.
    pub request_timeout_ms: u64,
    pub read_pool_size: u32,
    /// The SQLite writer's page cache, in MiB: its bound on memory.
    pub sqlite_cache_mib: u32,
    /// Pending transfers (escrow holds, shares waiting for delivery) the writer keeps in memory
    /// at most; past it they are read from the database when posted or voided.
    pub pending_cached_max: usize,
    /// A folder of rule-pack TOML files: each replaces the embedded pack of the same file name,
    /// or adds a new one.
    pub rules_dir: Option<PathBuf>,
    /// HS nomenclature CSV (`section,hscode,description,parent,level`) read at start for
    /// `/v1/hs`; without it those routes answer `404 hs_nomenclature_not_loaded`.
    pub hs_nomenclature: Option<PathBuf>,
    /// The hub's fee on a merchant's share of each delivered parcel (what the buyer paid less
    /// duty and taxes), in basis points: 100 = 1%.
    pub fee_bps: u32,
    /// What the hub writes into the CEB621 inventory lists it files.
    pub customs: CustomsConfig,
}

/// The hub's own identifiers towards China customs (CEB621).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomsConfig {
    /// `agentCode`: the hub's registration code with customs, as the declarant (1 to 18 letters
    /// and digits).
    pub agent_code: String,
    /// `customsCode` and `portCode`: the customs district of the zone (4 characters).
    pub district: String,
    /// `trafMode`: the transport-mode code of the cross-border leg (1 character; `5` is air).
    pub traf_mode: String,
    /// `dxpId`: the hub's user number at the data exchange platform (at most 30 characters).
    pub dxp_id: String,
    /// Customs country (region) codes of the JGS-20 table by ISO 3166 alpha-2 code, for the
    /// origins and departure countries the lists name. The CEB specification does not reproduce
    /// that table, so the hub holds none of its own: the operator sets the codes it uses.
    pub country_codes: std::collections::BTreeMap<String, String>,
}

impl CustomsConfig {
    /// Placeholders that show what is unset: a zone sets its own before filing for real.
    pub fn for_hub(hub_code: &str) -> CustomsConfig {
        let letters: String = hub_code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        CustomsConfig {
            agent_code: format!("EWTP{letters}"),
            district: "0000".into(),
            traf_mode: "5".into(),
            dxp_id: format!("DXP{letters}"),
            country_codes: Default::default(),
        }
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !trade::party::valid_customs_code(&self.agent_code) {
            out.push(format!(
                "customs agent code `{}` is not 1 to 18 letters and digits",
                self.agent_code
            ));
        }
        if self.district.chars().count() != 4 {
            out.push(format!(
                "customs district `{}` is not 4 characters",
                self.district
            ));
        }
        if self.traf_mode.chars().count() != 1 {
            out.push(format!(
                "transport mode `{}` is not 1 character",
                self.traf_mode
            ));
        }
        if self.dxp_id.is_empty() || self.dxp_id.chars().count() > 30 {
            out.push(format!(
                "dxp id `{}` is not 1 to 30 characters",
                self.dxp_id
            ));
        }
        for (iso, code) in &self.country_codes {
            if trade::Country::parse(iso).is_err() {
                out.push(format!(
                    "country_codes: `{iso}` is not an ISO 3166 alpha-2 code"
                ));
            }
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
                out.push(format!(
                    "country_codes.{iso}: `{code}` is not a 3-digit customs country code"
                ));
            }
        }
        out
    }
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
            request_timeout_ms: 30_000,
            read_pool_size: 8,
            sqlite_cache_mib: store::sqlite::WRITER_CACHE_MIB_DEFAULT,
            pending_cached_max: crate::books::PENDING_CACHED_MAX,
            rules_dir: None,
            hs_nomenclature: None,
            fee_bps: 100,
            customs: CustomsConfig::for_hub("MY-KUL"),
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
