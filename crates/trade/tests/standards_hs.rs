//! Conformance with the official HS 2022 nomenclature file in the shared standards folder
//! (`EWTP_STANDARDS_DIR`, by default `../shared/standards` beside the workspace), read in place
//! and never copied into this repository. Without the folder these tests fail and say so.

use trade::nomenclature::{Entry, Nomenclature};

fn shared_file() -> String {
    let dir = std::env::var("EWTP_STANDARDS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/standards").to_string()
    });
    let path = format!("{dir}/hs/harmonized-system.csv");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("this test needs the shared HS nomenclature at {path} (set EWTP_STANDARDS_DIR to the shared standards folder): {e}")
    })
}

fn codes(entries: &[&Entry]) -> Vec<String> {
    entries.iter().map(|e| e.code.clone()).collect()
}

#[test]
fn parses_the_shared_hs_2022_file() {
    let n = Nomenclature::parse(&shared_file()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.len(), 6939, "6,940 rows less the TOTAL row");
    assert_eq!(n.title(), Some("Total of all HS2022 commodities"));
    let levels = |level: u8| n.entries().iter().filter(|e| e.level == level).count();
    assert_eq!((levels(2), levels(4), levels(6)), (97, 1229, 5613));

    let tshirts = n.get("6109.10").expect("610910");
    assert_eq!(tshirts.level, 6);
    assert_eq!(tshirts.section, "XI");
    assert_eq!(
        tshirts.description,
        "T-shirts, singlets and other vests; of cotton, knitted or crocheted"
    );
    assert_eq!(codes(&n.ancestors("610910")), ["61", "6109"]);
    assert_eq!(codes(&n.children("6109")), ["610910", "610990"]);

    let phones = codes(&n.children("8517"));
    assert_eq!(
        phones,
        [
            "851711", "851713", "851714", "851718", "851761", "851762", "851769", "851771",
            "851779"
        ]
    );
    assert_eq!(
        n.get("851713").map(|e| e.description.as_str()),
        Some("Telephone sets; smartphones for cellular or other wireless networks")
    );

    let found = codes(&n.search("t-shirts", 20));
    assert_eq!(found[..3], ["6109", "610910", "610990"]);
    assert_eq!(codes(&n.search("smartphones", 5))[..2], ["8517", "851713"]);
    assert_eq!(
        codes(&n.search("8517.1", 10)),
        ["851711", "851713", "851714", "851718"]
    );
    assert_eq!(n.search("knitted", 100).len(), 100);
}
