//! The JSON request bodies on arbitrary bytes: decoding (with the field path of a failure) and
//! validation never panic, whichever body it is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

const NOW_MS: i64 = 1_795_334_400_000;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 6 {
        0 => {
            if let Ok(d) = hub::extract::decode::<trade::order::OrderDraft>(body) {
                let _ = d.validate(trade::order::Submission {
                    id: "ord_x".into(),
                    merchant_id: "pty_m".into(),
                    submitted_by: "pty_m".into(),
                    now_ms: NOW_MS,
                    catalog: &HashMap::new(),
                });
            }
        }
        1 => {
            if let Ok(d) = hub::extract::decode::<customs::documents::PaymentDraft>(body) {
                let _ = d.validate("pay_x".into(), "pty_p".into(), NOW_MS);
            }
        }
        2 => {
            if let Ok(d) = hub::extract::decode::<customs::documents::WaybillDraft>(body) {
                let _ = d.validate("wb_x".into(), "pty_c".into(), NOW_MS);
            }
        }
        3 => {
            if let Ok(d) = hub::extract::decode::<customs::risk::RiskRuleDraft>(body) {
                let _ = d.validate("rsk_x".into(), NOW_MS);
            }
        }
        4 => {
            if let Ok(d) = hub::extract::decode::<tariff::QuoteRequest>(body) {
                let today = time_today();
                let _ = d.validate(today);
            }
        }
        _ => {
            if let Ok(d) = hub::extract::decode::<trade::party::PartyDraft>(body) {
                let _ = d.validate("pty_x".into(), NOW_MS);
            }
        }
    }
});

fn time_today() -> time::Date {
    tariff::date::parse_date("2026-11-22").expect("a date")
}
