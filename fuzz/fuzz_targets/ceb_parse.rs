//! The CEB parser on arbitrary bytes: it never panics, and what it accepts it writes back into a
//! message it reads again as the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = ceb::parse(data) {
        let written = ceb::render(&message).expect("a parsed message renders");
        let again = ceb::parse(written.as_bytes()).expect("a rendered message parses");
        assert_eq!(again, message);
        let outcomes: Vec<Result<(), String>> = (0..message.document_count()).map(|_| Ok(())).collect();
        let _ = ceb::receipt_for(&message, &outcomes, 1_700_000_000_000);
    } else if let Err(e) = ceb::parse(data) {
        // A failure receipt is always produced, whatever the bytes.
        let receipt = ceb::failure_receipt(data, &e, 1_700_000_000_000);
        assert!(!receipt.is_empty());
    }
});
