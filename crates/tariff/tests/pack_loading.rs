//! A rule pack that is malformed, overlaps itself, or states a rate without a legal basis is
//! refused at load, with the file, the line and the problem.

use tariff::load;

/// A small valid pack; each case below breaks one thing in it. A problem inside a regime or a
/// tax is reported at its `[[regime]]` or `[[tax]]` header; inside a rate, at the rate's line.
const VALID: &str = r#"id = "zz"
jurisdiction = "MY"
name = "Test"
version = "1"
effective_from = "2024-01-01"
currency = "MYR"

[citations]
law = "Test Act 2024, s 1"

[rounding]
mode = "half_up"
citation = "law"

[valuation]
dutiable = ["goods", "freight", "insurance"]
citation = "law"

[duty]
rates = [
  { rate = "5%", citation = "law" },
  { hs = "61", rate = "10%", citation = "law" },
]

[[tax]]
id = "sst"
kind = "sales_tax"
base = ["goods", "freight", "insurance", "duty"]
rates = [
  { rate = "10%", citation = "law" },
]

[[regime]]
code = "low"
name = "Low value"
max_value = "500.00"
threshold_on = ["goods"]
duty = "exempt"
taxes = ["sst"]
citation = "law"

[[regime]]
code = "general"
name = "General"
duty = "tariff"
taxes = ["sst"]
citation = "law"
"#;

fn load_one(text: &str) -> Result<tariff::PackSet, tariff::PackError> {
    load(&[("zz.toml".to_string(), text.to_string())])
}

fn refused(text: &str) -> tariff::PackError {
    match load_one(text) {
        Ok(_) => panic!("the pack should be refused:\n{text}"),
        Err(e) => e,
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in the pack"))
}

#[test]
fn the_valid_pack_loads() {
    let set = load_one(VALID).expect("valid");
    assert_eq!(set.packs().len(), 1);
    assert_eq!(set.packs()[0].regimes.len(), 2);
}

#[test]
fn every_refusal_names_file_line_and_problem() {
    // (what to replace, with what, a word of the expected problem, the line the error points at)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            r#"{ hs = "61", rate = "10%", citation = "law" }"#,
            r#"{ hs = "61", rate = "10%" }"#,
            "has no citation",
            r#"{ hs = "61", rate = "10%" }"#,
        ),
        (
            r#"{ hs = "61", rate = "10%", citation = "law" }"#,
            r#"{ hs = "61", rate = "10%", citation = "lore" }"#,
            "`lore` is not in [citations]",
            r#"citation = "lore""#,
        ),
        (
            r#"{ hs = "61", rate = "10%", citation = "law" },"#,
            r#"{ hs = "61", rate = "10%", citation = "law" },
  { hs = "61", rate = "12%", citation = "law", from = "2025-01-01" },"#,
            "overlaps the rate on line",
            r#"rate = "12%""#,
        ),
        (
            r#"{ hs = "61", rate = "10%", citation = "law" }"#,
            r#"{ hs = "61", rate = "ten", citation = "law" }"#,
            "is not a percentage",
            r#"rate = "ten""#,
        ),
        (
            r#"{ hs = "61", rate = "10%", citation = "law" }"#,
            r#"{ hs = "6a", rate = "10%", citation = "law" }"#,
            "must be 2, 4, 6, 8 or 10 digits",
            r#"hs = "6a""#,
        ),
        (
            r#"{ hs = "61", rate = "10%", citation = "law" }"#,
            r#"{ hs = "61", rate = "10%", citation = "law", colour = "red" }"#,
            "unknown field `colour`",
            "colour",
        ),
        (
            "currency = \"MYR\"",
            "currency = \"MYX\"",
            "not an ISO 4217",
            "MYX",
        ),
        (
            "jurisdiction = \"MY\"",
            "jurisdiction = \"XX\"",
            "not an ISO 3166",
            "\"XX\"",
        ),
        (
            "effective_from = \"2024-01-01\"",
            "effective_from = \"2024-02-30\"",
            "is not a date",
            "2024-02-30",
        ),
        (
            "max_value = \"500.00\"",
            "max_value = \"-5\"",
            "max_value",
            "[[regime]]",
        ),
        (
            "taxes = [\"sst\"]\ncitation = \"law\"\n\n[[regime]]\ncode = \"general\"",
            "taxes = [\"vat\"]\ncitation = \"law\"\n\n[[regime]]\ncode = \"general\"",
            "no tax `vat`",
            "[[regime]]",
        ),
        (
            "duty = \"exempt\"",
            "duty = \"free\"",
            "is not tariff, exempt or flat",
            "[[regime]]",
        ),
        (
            "code = \"low\"",
            "code = \"Low!\"",
            "lowercase",
            "[[regime]]",
        ),
        (
            "mode = \"half_up\"",
            "mode = \"nearest\"",
            "unknown variant `nearest`",
            "nearest",
        ),
        (
            "base = [\"goods\", \"freight\", \"insurance\", \"duty\"]",
            "base = [\"goods\", \"excise\"]",
            "base part `excise`",
            "[[tax]]",
        ),
        (
            "name = \"Test\"\n",
            "name = \"Test\"\nname = \"Again\"\n",
            "duplicate key",
            "Again",
        ),
        (
            "rates = [\n  { rate = \"5%\"",
            "rates = [\n  { rate = \"5%\"\n",
            "",
            "rates = [\n",
        ),
    ];
    for (from, to, problem, at) in cases {
        assert!(VALID.contains(from), "case setup: {from}");
        let text = VALID.replacen(from, to, 1);
        let e = refused(&text);
        assert_eq!(e.file, "zz.toml", "{e}");
        assert!(!e.problem.is_empty(), "{e}");
        assert!(e.problem.contains(problem), "expected `{problem}` in: {e}");
        let first_line_of_at = at.lines().next().unwrap_or(at);
        if !first_line_of_at.trim().is_empty() && !problem.is_empty() {
            assert_eq!(
                e.line,
                line_of(&text, first_line_of_at),
                "line for `{problem}`: {e}"
            );
        }
        assert!(
            e.to_string().starts_with(&format!("zz.toml:{}: ", e.line)),
            "{e}"
        );
    }
}

#[test]
fn regimes_that_can_never_apply_or_leave_gaps_are_refused() {
    // An unconditional regime before another makes the later one unreachable.
    let text = VALID.replacen(
        "max_value = \"500.00\"\nthreshold_on = [\"goods\"]\n",
        "",
        1,
    );
    let e = refused(&text);
    assert!(e.problem.contains("can never apply"), "{e}");
    assert_eq!(e.line, line_of(&text, "code = \"general\"") - 1, "{e}");

    // The last regime must apply when no other does.
    let text = VALID.replacen("code = \"general\"\nname = \"General\"\n", "code = \"general\"\nname = \"General\"\nmax_value = \"9000\"\nthreshold_on = [\"goods\"]\n", 1);
    let e = refused(&text);
    assert!(e.problem.contains("must have no conditions"), "{e}");

    // The same regime twice over the same days.
    let low = "[[regime]]\ncode = \"low\"\nname = \"Low value\"\nmax_value = \"500.00\"\nthreshold_on = [\"goods\"]\nduty = \"exempt\"\ntaxes = [\"sst\"]\ncitation = \"law\"\n";
    let text = VALID.replacen(low, &format!("{low}\n{low}"), 1);
    let e = refused(&text);
    assert!(e.problem.contains("overlaps the one on line"), "{e}");
}

#[test]
fn packs_for_one_country_must_not_overlap_in_time() {
    let later = VALID.replace("id = \"zz\"", "id = \"zz-2025\"").replace(
        "effective_from = \"2024-01-01\"",
        "effective_from = \"2025-01-01\"",
    );
    let files = vec![
        ("zz.toml".to_string(), VALID.to_string()),
        ("zz-2025.toml".to_string(), later.clone()),
    ];
    let e = load(&files).expect_err("both open-ended");
    assert!(e.problem.contains("also covers"), "{e}");

    // Closing the first the day before the second starts makes them a valid sequence.
    let first = VALID.replace(
        "effective_from = \"2024-01-01\"",
        "effective_from = \"2024-01-01\"\neffective_to = \"2024-12-31\"",
    );
    let set = load(&[
        ("zz.toml".to_string(), first),
        ("zz-2025.toml".to_string(), later),
    ])
    .expect("disjoint");
    let my = trade::Country::parse("MY").unwrap();
    let day = |s| tariff::date::parse_date(s).unwrap();
    assert_eq!(
        set.find(my, day("2024-12-31")).map(|p| p.id.as_str()),
        Some("zz")
    );
    assert_eq!(
        set.find(my, day("2025-01-01")).map(|p| p.id.as_str()),
        Some("zz-2025")
    );
    assert!(set.find(my, day("2023-12-31")).is_none());
}

#[test]
fn a_member_state_extends_a_base_and_errors_point_into_the_right_file() {
    let base = "id = \"union\"\nname = \"Union\"\nversion = \"1\"\ncurrency = \"EUR\"\n\n[citations]\nlaw = \"Union law\"\n\n[rounding]\nmode = \"half_up\"\ncitation = \"law\"\n\n[valuation]\ndutiable = [\"goods\"]\ncitation = \"law\"\n\n[[regime]]\ncode = \"general\"\nname = \"General\"\nduty = \"exempt\"\ntaxes = [\"vat\"]\ncitation = \"law\"\n";
    let member = "id = \"aa\"\njurisdiction = \"FR\"\nname = \"A\"\nversion = \"1\"\nextends = \"union\"\neffective_from = \"2024-01-01\"\n\n[citations]\nvat = \"A's VAT law\"\n\n[[tax]]\nid = \"vat\"\nkind = \"vat\"\nbase = [\"goods\"]\nrates = [ { rate = \"20%\", citation = \"vat\" } ]\n";
    let set = load(&[
        ("union.toml".into(), base.into()),
        ("aa.toml".into(), member.into()),
    ])
    .expect("loads");
    assert_eq!(set.packs().len(), 1, "a base is not a jurisdiction's pack");
    assert_eq!(set.packs()[0].currency.code(), "EUR");

    let wrong = member.replace("extends = \"union\"", "extends = \"onion\"");
    let e = load(&[
        ("union.toml".into(), base.into()),
        ("aa.toml".into(), wrong),
    ])
    .expect_err("no such base");
    assert_eq!((e.file.as_str(), e.line), ("aa.toml", 5), "{e}");

    // A member whose tax the base's regime does not find: the error is in the base's file.
    let no_tax = member.replace("id = \"vat\"", "id = \"tva\"");
    let e = load(&[
        ("union.toml".into(), base.into()),
        ("aa.toml".into(), no_tax),
    ])
    .expect_err("regime names vat");
    assert_eq!(e.file, "union.toml", "{e}");
    assert!(e.problem.contains("no tax `vat`"), "{e}");
}

#[test]
fn the_embedded_packs_load_and_cover_the_required_jurisdictions() {
    let set = tariff::load_embedded().expect("embedded packs load");
    let today = tariff::date::parse_date("2026-11-23").unwrap();
    for code in ["CN", "DE"] {
        let country = trade::Country::parse(code).unwrap();
        let pack = set
            .find(country, today)
            .unwrap_or_else(|| panic!("a pack for {code}"));
        assert!(!pack.version.is_empty());
        assert!(pack.regimes.iter().all(|r| !r.citation.text.is_empty()));
    }
}

#[test]
fn a_gap_between_dated_rates_is_an_error_not_a_zero_tax() {
    // The sales tax exists until 2024-12-31 and again from 2025-02-01: January 2025 is a gap.
    let text = VALID.replacen(
        "  { rate = \"10%\", citation = \"law\" },\n]",
        "  { rate = \"10%\", citation = \"law\", until = \"2024-12-31\" },\n  { rate = \"8%\", citation = \"law\", from = \"2025-02-01\" },\n]",
        1,
    );
    let set = load_one(&text).expect("loads");
    let request = |date: &str| tariff::QuoteRequest {
        origin: Some("CN".into()),
        destination: Some("MY".into()),
        currency: Some("MYR".into()),
        date: Some(date.into()),
        items: Some(vec![tariff::quote::QuoteItemRequest {
            hs_code: Some("610910".into()),
            quantity: Some(1),
            unit_price: Some("100.00".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let today = tariff::date::parse_date("2026-01-01").unwrap();
    let quote = |date: &str| {
        let input = request(date).validate(today).expect("valid");
        tariff::quote(&set, &input, |_, _| None).map(|q| q.tax_total)
    };
    assert_eq!(quote("2024-12-31"), Ok(1000));
    assert_eq!(quote("2025-02-01"), Ok(800));
    match quote("2025-01-15") {
        Err(tariff::QuoteError::NoRate { table, .. }) => assert_eq!(table, "tax `sst`"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `[customs]`: the limits clearance enforces, in the pack's currency, with their legal basis.
#[test]
fn customs_limits_load_with_their_citation_and_bad_ones_are_refused() {
    let cn = tariff::load_embedded().unwrap();
    let day = tariff::date::parse_date("2026-11-24").unwrap();
    let pack = cn.find(trade::Country::parse("CN").unwrap(), day).unwrap();
    let limits = pack.customs.as_ref().expect("the CN pack has CBEC limits");
    assert_eq!(limits.per_order_max, Some(500_000));
    assert_eq!(limits.per_buyer_year_max, Some(2_600_000));
    assert_eq!(limits.amounts_tolerance_bps, 500);
    assert_eq!(limits.buyer_id, tariff::BuyerIdCheck::CnResident);
    assert_eq!(limits.year_utc_offset_minutes, 480);
    assert_eq!(limits.citation.key, "limits");
    let de = cn.find(trade::Country::parse("DE").unwrap(), day).unwrap();
    assert!(de.customs.is_none(), "the EU sets no buyer quota");

    let with = |section: &str| format!("{VALID}\n[customs]\n{section}\n");
    let ok = load_one(&with("per_order_max = \"1000.00\"\ncitation = \"law\"")).unwrap();
    let zz = &ok.packs()[0];
    let c = zz.customs.as_ref().unwrap();
    assert_eq!(
        (c.per_order_max, c.per_buyer_year_max),
        (Some(100_000), None)
    );
    assert_eq!(
        (c.amounts_tolerance_bps, c.year_utc_offset_minutes),
        (500, 0)
    );
    let line = VALID.lines().count() + 2;
    for (section, problem) in [
        ("per_order_max = \"1000.00\"", "[customs] has no citation"),
        (
            "per_order_max = \"10.001\"\ncitation = \"law\"",
            "customs.per_order_max",
        ),
        (
            "per_order_max = \"0\"\ncitation = \"law\"",
            "must be above zero",
        ),
        (
            "amounts_tolerance = \"100%\"\ncitation = \"law\"",
            "below 100%",
        ),
        (
            "amounts_tolerance = \"0.001%\"\ncitation = \"law\"",
            "basis points",
        ),
        (
            "buyer_id = \"passport\"\ncitation = \"law\"",
            "not none or cn_resident",
        ),
        (
            "year_utc_offset = \"8\"\ncitation = \"law\"",
            "not an offset",
        ),
        (
            "per_order_max = \"1.00\"\nlimit = 3\ncitation = \"law\"",
            "unknown field",
        ),
    ] {
        let e = load_one(&with(section)).unwrap_err();
        assert!(e.problem.contains(problem), "{section}: {e}");
        assert_eq!(e.file, "zz.toml");
        assert!(
            e.line >= line,
            "{section}: line {} (section starts at {line})",
            e.line
        );
    }
}
