//! The rule-pack loader on arbitrary text: a pack loads or is refused with its file and line,
//! never a panic; a pack that loads can quote.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = tariff::load_with_overrides(&[("cn.toml".to_string(), text.to_string())]);
    let _ = tariff::load_with_overrides(&[("zz.toml".to_string(), text.to_string())]);
});
