//! ISO 20022 `pacs.008.001.09` (FI-to-FI customer credit transfer) for payouts and settlement
//! instructions: one message, one transaction.
//!
//! [`render`] validates every input against the facets the schema puts on it (text lengths,
//! BIC, IBAN, UUID v4, currency code, decimal digits) before writing anything, and escapes all
//! text. What is written, in the schema's order:
//!
//! ```text
//! Document/FIToFICstmrCdtTrf
//!   GrpHdr: MsgId, CreDtTm, NbOfTxs = 1, SttlmInf/SttlmMtd
//!   CdtTrfTxInf: PmtId (InstrId?, EndToEndId, TxId?, UETR?), IntrBkSttlmAmt[@Ccy],
//!     IntrBkSttlmDt, XchgRate?, ChrgBr, Dbtr (Nm, PstlAdr/Ctry?), DbtrAcct, DbtrAgt/BICFI,
//!     CdtrAgt/BICFI, Cdtr, CdtrAcct, Purp/Cd?, RmtInf/Ustrd*
//! ```
//!
//! Beyond the schema, an IBAN's check digits are verified (ISO 13616 mod 97): a payout to a
//! mistyped IBAN is better refused here than bounced by a bank days later.

use trade::{Country, Currency, MAX_MINOR};

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettlementMethod {
    /// Settled through an account the instructed agent holds for the instructing agent.
    Inda,
    /// Settled through an account the instructing agent holds for the instructed agent.
    Inga,
    /// Settled through a cover payment.
    Cove,
    /// Settled through a clearing system.
    Clrg,
}

impl SettlementMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementMethod::Inda => "INDA",
            SettlementMethod::Inga => "INGA",
            SettlementMethod::Cove => "COVE",
            SettlementMethod::Clrg => "CLRG",
        }
    }
}

/// Who pays the charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeBearer {
    /// The debtor pays all.
    Debt,
    /// The creditor pays all.
    Cred,
    /// Each pays its own agent.
    Shar,
    /// As the service level (scheme) says.
    Slev,
}

impl ChargeBearer {
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeBearer::Debt => "DEBT",
            ChargeBearer::Cred => "CRED",
            ChargeBearer::Shar => "SHAR",
            ChargeBearer::Slev => "SLEV",
        }
    }
}

/// How a bank account is identified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountNumber {
    /// An IBAN, without spaces (`DE89370400440532013000`).
    Iban(String),
    /// Any other account number, 1 to 34 characters.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Party {
    /// 1 to 140 characters.
    pub name: String,
    /// Written as the postal address's country when given.
    pub country: Option<Country>,
}

/// One credit transfer to render. Texts are limited as the schema limits them (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    /// GrpHdr/MsgId, 1 to 35 characters, unique per sender.
    pub message_id: String,
    /// GrpHdr/CreDtTm, written in UTC with milliseconds.
    pub created_at_ms: i64,
    pub settlement_method: SettlementMethod,
    /// 1 to 35 characters.
    pub instruction_id: Option<String>,
    /// 1 to 35 characters; travels unchanged to the creditor (e.g. the payout id).
    pub end_to_end_id: String,
    /// 1 to 35 characters.
    pub transaction_id: Option<String>,
    /// A lowercase UUID v4 (see [`uetr_from_bytes`]).
    pub uetr: Option<String>,
    /// Minor units of `currency`, 1 to [`MAX_MINOR`].
    pub amount_minor: i64,
    pub currency: Currency,
    /// `YYYY-MM-DD` (see [`date_of_ms`]).
    pub settlement_date: String,
    /// A positive decimal with at most 10 fraction digits and 11 digits in all (BaseOneRate).
    pub exchange_rate: Option<String>,
    pub charge_bearer: ChargeBearer,
    pub debtor: Party,
    pub debtor_account: AccountNumber,
    pub debtor_agent_bic: String,
    pub creditor_agent_bic: String,
    pub creditor: Party,
    pub creditor_account: AccountNumber,
    /// An ISO 20022 external purpose code, 1 to 4 characters (e.g. `GDDS`, `SUPP`).
    pub purpose_code: Option<String>,
    /// Unstructured remittance lines, each 1 to 140 characters (payout id, order references).
    pub remittance_lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pacs008Error {
    #[error("{field}: must have 1 to {max} characters, has {length}")]
    TextLength {
        field: &'static str,
        max: usize,
        length: usize,
    },
    #[error("{field}: character U+{code_point:04X} cannot appear in an XML document")]
    ForbiddenCharacter {
        field: &'static str,
        code_point: u32,
    },
    #[error("{field}: `{value}` is not a BIC (4 letters or digits, a 2-letter country, 2 letters or digits, an optional 3-character branch; capitals)")]
    Bic { field: &'static str, value: String },
    #[error("{field}: `{value}` is not an IBAN (2-letter country, 2 check digits, 1 to 30 letters or digits, no spaces)")]
    Iban { field: &'static str, value: String },
    #[error("{field}: the check digits of IBAN `{value}` are wrong")]
    IbanCheckDigits { field: &'static str, value: String },
    #[error("the amount must be between 1 and {max} minor units, not {0}", max = MAX_MINOR)]
    Amount(i64),
    #[error("`{0}` is not an ISO 4217 currency code of three capitals")]
    Currency(String),
    #[error("settlement date `{0}` is not a calendar date written YYYY-MM-DD")]
    SettlementDate(String),
    #[error("creation time {0} ms is outside the years 1 to 9999")]
    CreationTime(i64),
    #[error("exchange rate `{0}` must be a positive decimal with at most 10 fraction digits and 11 digits in all")]
    ExchangeRate(String),
    #[error("UETR `{0}` is not a lowercase UUID v4")]
    Uetr(String),
}

/// Renders the message as a complete XML document (UTF-8, with declaration).
pub fn render(transfer: &CreditTransfer) -> Result<String, Pacs008Error> {
    let mut xml = Writer::default();
    xml.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.out
        .push_str(&format!("<Document xmlns=\"{NAMESPACE}\">\n"));
    xml.depth = 1;
    xml.open("FIToFICstmrCdtTrf");
    group_header(&mut xml, transfer)?;
    transaction(&mut xml, transfer)?;
    xml.close("FIToFICstmrCdtTrf");
    xml.out.push_str("</Document>\n");
    debug_assert_eq!(xml.depth, 1);
    Ok(xml.out)
}

fn group_header(xml: &mut Writer, transfer: &CreditTransfer) -> Result<(), Pacs008Error> {
    xml.open("GrpHdr");
    xml.leaf("MsgId", &text(&transfer.message_id, 35, "GrpHdr/MsgId")?);
    let created = date_time_of_ms(transfer.created_at_ms)
        .ok_or(Pacs008Error::CreationTime(transfer.created_at_ms))?;
    xml.leaf("CreDtTm", &created);
    xml.leaf("NbOfTxs", "1");
    xml.open("SttlmInf");
    xml.leaf("SttlmMtd", transfer.settlement_method.as_str());
    xml.close("SttlmInf");
    xml.close("GrpHdr");
    Ok(())
}

fn transaction(xml: &mut Writer, transfer: &CreditTransfer) -> Result<(), Pacs008Error> {
    xml.open("CdtTrfTxInf");

    xml.open("PmtId");
    if let Some(instruction_id) = &transfer.instruction_id {
        xml.leaf(
            "InstrId",
            &text(instruction_id, 35, "CdtTrfTxInf/PmtId/InstrId")?,
        );
    }
    xml.leaf(
        "EndToEndId",
        &text(&transfer.end_to_end_id, 35, "CdtTrfTxInf/PmtId/EndToEndId")?,
    );
    if let Some(transaction_id) = &transfer.transaction_id {
        xml.leaf("TxId", &text(transaction_id, 35, "CdtTrfTxInf/PmtId/TxId")?);
    }
    if let Some(uetr) = &transfer.uetr {
        if !is_uuid_v4(uetr) {
            return Err(Pacs008Error::Uetr(uetr.clone()));
        }
        xml.leaf("UETR", uetr);
    }
    xml.close("PmtId");

    let currency = transfer.currency.code();
    if !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(Pacs008Error::Currency(currency.to_string()));
    }
    if transfer.amount_minor <= 0 || transfer.amount_minor > MAX_MINOR {
        return Err(Pacs008Error::Amount(transfer.amount_minor));
    }
    // At most 3 fraction digits and 16 digits in all: within the schema's 5 and 18.
    let amount = transfer.currency.format_amount(transfer.amount_minor);
    xml.line(&format!(
        "<IntrBkSttlmAmt Ccy=\"{currency}\">{amount}</IntrBkSttlmAmt>"
    ));
    if !is_calendar_date(&transfer.settlement_date) {
        return Err(Pacs008Error::SettlementDate(
            transfer.settlement_date.clone(),
        ));
    }
    xml.leaf("IntrBkSttlmDt", &transfer.settlement_date);
    if let Some(rate) = &transfer.exchange_rate {
        let canonical =
            base_one_rate(rate).ok_or_else(|| Pacs008Error::ExchangeRate(rate.clone()))?;
        xml.leaf("XchgRate", &canonical);
    }
    xml.leaf("ChrgBr", transfer.charge_bearer.as_str());

    party(xml, "Dbtr", &transfer.debtor, "CdtTrfTxInf/Dbtr/Nm")?;
    account(
        xml,
        "DbtrAcct",
        &transfer.debtor_account,
        "CdtTrfTxInf/DbtrAcct",
    )?;
    agent(
        xml,
        "DbtrAgt",
        &transfer.debtor_agent_bic,
        "CdtTrfTxInf/DbtrAgt/FinInstnId/BICFI",
    )?;
    agent(
        xml,
        "CdtrAgt",
        &transfer.creditor_agent_bic,
        "CdtTrfTxInf/CdtrAgt/FinInstnId/BICFI",
    )?;
    party(xml, "Cdtr", &transfer.creditor, "CdtTrfTxInf/Cdtr/Nm")?;
    account(
        xml,
        "CdtrAcct",
        &transfer.creditor_account,
        "CdtTrfTxInf/CdtrAcct",
    )?;

    if let Some(purpose) = &transfer.purpose_code {
        xml.open("Purp");
        xml.leaf("Cd", &text(purpose, 4, "CdtTrfTxInf/Purp/Cd")?);
        xml.close("Purp");
    }
    if !transfer.remittance_lines.is_empty() {
        xml.open("RmtInf");
        for line in &transfer.remittance_lines {
            xml.leaf("Ustrd", &text(line, 140, "CdtTrfTxInf/RmtInf/Ustrd")?);
        }
        xml.close("RmtInf");
    }
    xml.close("CdtTrfTxInf");
    Ok(())
}

fn party(
    xml: &mut Writer,
    element: &str,
    party: &Party,
    name_field: &'static str,
) -> Result<(), Pacs008Error> {
    xml.open(element);
    xml.leaf("Nm", &text(&party.name, 140, name_field)?);
    if let Some(country) = party.country {
        xml.open("PstlAdr");
        xml.leaf("Ctry", country.code());
        xml.close("PstlAdr");
    }
    xml.close(element);
    Ok(())
}

fn account(
    xml: &mut Writer,
    element: &str,
    number: &AccountNumber,
    field: &'static str,
) -> Result<(), Pacs008Error> {
    xml.open(element);
    xml.open("Id");
    match number {
        AccountNumber::Iban(iban) => {
            check_iban(iban, field)?;
            xml.leaf("IBAN", iban);
        }
        AccountNumber::Other(other) => {
            xml.open("Othr");
            xml.leaf("Id", &text(other, 34, field)?);
            xml.close("Othr");
        }
    }
    xml.close("Id");
    xml.close(element);
    Ok(())
}

fn agent(
    xml: &mut Writer,
    element: &str,
    bic: &str,
    field: &'static str,
) -> Result<(), Pacs008Error> {
    if !is_bic(bic) {
        return Err(Pacs008Error::Bic {
            field,
            value: bic.to_string(),
        });
    }
    xml.open(element);
    xml.open("FinInstnId");
    xml.leaf("BICFI", bic);
    xml.close("FinInstnId");
    xml.close(element);
    Ok(())
}

/// Indented XML, two spaces a level. Callers pass text already escaped.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, content: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(content);
        self.out.push('\n');
    }

    fn open(&mut self, name: &str) {
        self.line(&format!("<{name}>"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        debug_assert!(self.depth > 0, "closing more than opened");
        self.depth -= 1;
        self.line(&format!("</{name}>"));
    }

    fn leaf(&mut self, name: &str, escaped: &str) {
        self.line(&format!("<{name}>{escaped}</{name}>"));
    }
}

/// Checks a `MaxNText` (1 to `max` characters, all allowed in XML 1.0) and escapes it.
pub fn text(value: &str, max: usize, field: &'static str) -> Result<String, Pacs008Error> {
    let length = value.chars().count();
    if length == 0 || length > max {
        return Err(Pacs008Error::TextLength { field, max, length });
    }
    if let Some(forbidden) = value.chars().find(|c| !is_xml_char(*c)) {
        return Err(Pacs008Error::ForbiddenCharacter {
            field,
            code_point: u32::from(forbidden),
        });
    }
    Ok(escape(value))
}

/// XML 1.0 `Char`: tab, line feed, carriage return, and everything from U+0020 but U+FFFE and
/// U+FFFF (Rust `char`s are never surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes the five XML specials, and carriage returns (a parser would turn a raw one into a
/// line feed).
pub fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// BICFIDec2014Identifier: `[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?`.
pub fn is_bic(value: &str) -> bool {
    let bytes = value.as_bytes();
    let capital_or_digit = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    (bytes.len() == 8 || bytes.len() == 11)
        && bytes[..4].iter().all(capital_or_digit)
        && bytes[4..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..].iter().all(capital_or_digit)
}

/// IBAN2007Identifier `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}`, then the ISO 13616 check: the number
/// with its first four characters moved to the end, letters as 10..35, is 1 modulo 97.
fn check_iban(value: &str, field: &'static str) -> Result<(), Pacs008Error> {
    let bytes = value.as_bytes();
    let shaped = (5..=34).contains(&bytes.len())
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..].iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return Err(Pacs008Error::Iban {
            field,
            value: value.to_string(),
        });
    }
    let mut remainder: u32 = 0;
    for byte in bytes[4..].iter().chain(&bytes[..4]) {
        let digit_value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            _ => u32::from(byte.to_ascii_uppercase() - b'A') + 10,
        };
        remainder = if digit_value < 10 {
            (remainder * 10 + digit_value) % 97
        } else {
            (remainder * 100 + digit_value) % 97
        };
    }
    if remainder != 1 {
        return Err(Pacs008Error::IbanCheckDigits {
            field,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// UUIDv4Identifier: `[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}`.
pub fn is_uuid_v4(value: &str) -> bool {
    let bytes = value.as_bytes();
    let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            14 => *b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => hex(b),
        })
}

/// A UETR (UUID v4) from 16 bytes the caller chose, e.g. the entropy of its payout id: the same
/// bytes give the same UETR, so a re-rendered message keeps it.
pub fn uetr_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let uetr = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    debug_assert!(is_uuid_v4(&uetr));
    uetr
}

/// BaseOneRate (decimal, at most 10 fraction digits and 11 in all), positive, written
/// canonically: no leading zeros before the point (but one), no trailing zeros after it.
fn base_one_rate(value: &str) -> Option<String> {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return None,
        None => (value, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 10 || whole.len() + fraction.len() > 11 {
        return None;
    }
    if whole.is_empty() && fraction.is_empty() {
        return None; // zero
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    })
}

/// `YYYY-MM-DD` naming a real day of the years 0001 to 9999.
fn is_calendar_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &value[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month, day) of a count of days since 1970-01-01, proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const MS_PER_DAY: i64 = 86_400_000;

/// The UTC date of a Unix time in milliseconds, `YYYY-MM-DD`, for years 0001 to 9999.
pub fn date_of_ms(unix_ms: i64) -> Option<String> {
    let (year, month, day) = civil_from_days(unix_ms.div_euclid(MS_PER_DAY));
    (1..=9999)
        .contains(&year)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// The UTC date and time of a Unix time in milliseconds, `YYYY-MM-DDThh:mm:ss.sssZ`.
pub fn date_time_of_ms(unix_ms: i64) -> Option<String> {
    let date = date_of_ms(unix_ms)?;
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    Some(format!(
        "{date}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> CreditTransfer {
        CreditTransfer {
            message_id: "msg_1".into(),
            created_at_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
            settlement_method: SettlementMethod::Clrg,
            instruction_id: Some("pay_1".into()),
            end_to_end_id: "pay_1".into(),
            transaction_id: None,
            uetr: None,
            amount_minor: 1250,
            currency: Currency::parse("USD").unwrap(),
            settlement_date: "2026-01-02".into(),
            exchange_rate: None,
            charge_bearer: ChargeBearer::Slev,
            debtor: Party {
                name: "Hub".into(),
                country: None,
            },
            debtor_account: AccountNumber::Other("hub-usd".into()),
            debtor_agent_bic: "DEUTDEFF".into(),
            creditor_agent_bic: "MBBEMYKL".into(),
            creditor: Party {
                name: "Merchant".into(),
                country: None,
            },
            creditor_account: AccountNumber::Other("5140-1234".into()),
            purpose_code: None,
            remittance_lines: vec![],
        }
    }

    #[test]
    fn escapes_every_special() {
        assert_eq!(escape(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        assert_eq!(escape("line\r\nnext"), "line&#13;\nnext");
        assert_eq!(escape("Kedai Kopi 咖啡 Ünal"), "Kedai Kopi 咖啡 Ünal");
    }

    #[test]
    fn text_facets_count_characters_not_bytes() {
        assert_eq!(text("咖啡", 2, "f"), Ok("咖啡".to_string()));
        assert_eq!(
            text("咖啡店", 2, "f"),
            Err(Pacs008Error::TextLength {
                field: "f",
                max: 2,
                length: 3
            })
        );
        assert_eq!(
            text("", 35, "f"),
            Err(Pacs008Error::TextLength {
                field: "f",
                max: 35,
                length: 0
            })
        );
        assert_eq!(
            text("a\u{0}b", 35, "f"),
            Err(Pacs008Error::ForbiddenCharacter {
                field: "f",
                code_point: 0
            })
        );
        assert!(text("a\u{FFFF}", 35, "f").is_err());
        assert_eq!(
            text("a&b", 3, "f"),
            Ok("a&amp;b".to_string()),
            "length before escaping"
        );
    }

    #[test]
    fn bics_follow_the_pattern() {
        for good in ["DEUTDEFF", "DEUTDEFF500", "MBBEMYKL", "1234MY12"] {
            assert!(is_bic(good), "{good}");
        }
        for bad in [
            "DEUTDEF",
            "DEUTDEFF5",
            "deutdeff",
            "DEUT1EFF",
            "DEUTDEFF50",
            "DEUTDE_F",
            "",
        ] {
            assert!(!is_bic(bad), "{bad}");
        }
    }

    #[test]
    fn ibans_need_shape_and_check_digits() {
        for good in [
            "DE89370400440532013000",
            "GB29NWBK60161331926819",
            "BE68539007547034",
        ] {
            assert_eq!(check_iban(good, "f"), Ok(()), "{good}");
        }
        assert!(matches!(
            check_iban("DE88370400440532013000", "f"),
            Err(Pacs008Error::IbanCheckDigits { .. })
        ));
        for bad in [
            "de89370400440532013000",
            "DE8937040044053201300O0000000000000",
            "DEXX3704",
            "DE89",
            "DE89 3704 0044",
        ] {
            assert!(
                matches!(check_iban(bad, "f"), Err(Pacs008Error::Iban { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn uetrs_are_uuid_v4() {
        let uetr = uetr_from_bytes([0xff; 16]);
        assert_eq!(uetr, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid_v4(&uetr_from_bytes([0; 16])));
        assert!(!is_uuid_v4("FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF"));
        assert!(!is_uuid_v4("ffffffff-ffff-3fff-bfff-ffffffffffff"));
        assert!(!is_uuid_v4("ffffffff-ffff-4fff-cfff-ffffffffffff"));
    }

    #[test]
    fn rates_are_written_canonically_within_the_facets() {
        assert_eq!(base_one_rate("4.7215").as_deref(), Some("4.7215"));
        assert_eq!(base_one_rate("004.721500").as_deref(), Some("4.7215"));
        assert_eq!(
            base_one_rate("0.0000000001").as_deref(),
            Some("0.0000000001")
        );
        assert_eq!(
            base_one_rate("1.2345678901").as_deref(),
            Some("1.2345678901")
        );
        assert_eq!(base_one_rate("150").as_deref(), Some("150"));
        assert_eq!(base_one_rate("0.00000000001"), None, "11 fraction digits");
        assert_eq!(base_one_rate("12.3456789012"), None, "12 digits in all");
        for bad in ["0", "0.0", "", ".5", "1.", "-1", "1e2", "1,5"] {
            assert_eq!(base_one_rate(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_times_in_utc() {
        assert_eq!(
            date_time_of_ms(0).as_deref(),
            Some("1970-01-01T00:00:00.000Z")
        );
        assert_eq!(
            date_time_of_ms(1_709_210_096_789).as_deref(),
            Some("2024-02-29T12:34:56.789Z")
        );
        assert_eq!(
            date_time_of_ms(-1).as_deref(),
            Some("1969-12-31T23:59:59.999Z")
        );
        assert_eq!(
            date_of_ms(253_402_300_799_999).as_deref(),
            Some("9999-12-31")
        );
        assert_eq!(date_of_ms(253_402_300_800_000), None);
        assert_eq!(date_of_ms(i64::MIN), None);
        assert!(is_calendar_date("2024-02-29"));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "0000-01-01",
            "2026-1-01",
            "2026/01/01",
            "2026-01-0a",
        ] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
    }

    #[test]
    fn renders_in_schema_order_with_escaped_text() {
        let mut transfer = sample();
        transfer.creditor.name = "Tom & Jerry <Ltd> \"quoted\" 'single'".into();
        transfer.exchange_rate = Some("4.72150".into());
        let xml = render(&transfer).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09\">"));
        assert!(xml.contains(
            "<Nm>Tom &amp; Jerry &lt;Ltd&gt; &quot;quoted&quot; &apos;single&apos;</Nm>"
        ));
        assert!(xml.contains("<IntrBkSttlmAmt Ccy=\"USD\">12.50</IntrBkSttlmAmt>"));
        assert!(xml.contains("<CreDtTm>2026-01-01T00:00:00.000Z</CreDtTm>"));
        assert!(xml.contains("<XchgRate>4.7215</XchgRate>"));
        let order = [
            "<PmtId>",
            "<IntrBkSttlmAmt",
            "<IntrBkSttlmDt>",
            "<XchgRate>",
            "<ChrgBr>",
            "<Dbtr>",
            "<DbtrAcct>",
            "<DbtrAgt>",
            "<CdtrAgt>",
            "<Cdtr>",
            "<CdtrAcct>",
        ];
        let positions: Vec<usize> = order.iter().map(|tag| xml.find(tag).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{xml}");
    }

    #[test]
    fn render_refuses_what_the_schema_would() {
        let check = |edit: &dyn Fn(&mut CreditTransfer),
                     expected: &dyn Fn(&Pacs008Error) -> bool| {
            let mut transfer = sample();
            edit(&mut transfer);
            let error = render(&transfer).unwrap_err();
            assert!(expected(&error), "{error}");
        };
        check(&|t| t.message_id = "m".repeat(36), &|e| {
            matches!(
                e,
                Pacs008Error::TextLength {
                    field: "GrpHdr/MsgId",
                    max: 35,
                    length: 36
                }
            )
        });
        check(&|t| t.end_to_end_id.clear(), &|e| {
            matches!(
                e,
                Pacs008Error::TextLength {
                    field: "CdtTrfTxInf/PmtId/EndToEndId",
                    ..
                }
            )
        });
        check(&|t| t.creditor.name = "n".repeat(141), &|e| {
            matches!(
                e,
                Pacs008Error::TextLength {
                    field: "CdtTrfTxInf/Cdtr/Nm",
                    max: 140,
                    ..
                }
            )
        });
        check(
            &|t| t.remittance_lines = vec!["ok".into(), "r".repeat(141)],
            &|e| {
                matches!(
                    e,
                    Pacs008Error::TextLength {
                        field: "CdtTrfTxInf/RmtInf/Ustrd",
                        ..
                    }
                )
            },
        );
        check(&|t| t.debtor_agent_bic = "DEUTDE".into(), &|e| {
            matches!(
                e,
                Pacs008Error::Bic {
                    field: "CdtTrfTxInf/DbtrAgt/FinInstnId/BICFI",
                    ..
                }
            )
        });
        check(&|t| t.creditor_agent_bic = "mbbemykl".into(), &|e| {
            matches!(e, Pacs008Error::Bic { .. })
        });
        check(
            &|t| t.creditor_account = AccountNumber::Iban("XX00".into()),
            &|e| {
                matches!(
                    e,
                    Pacs008Error::Iban {
                        field: "CdtTrfTxInf/CdtrAcct",
                        ..
                    }
                )
            },
        );
        check(
            &|t| t.debtor_account = AccountNumber::Other("a".repeat(35)),
            &|e| matches!(e, Pacs008Error::TextLength { max: 34, .. }),
        );
        check(&|t| t.amount_minor = 0, &|e| {
            matches!(e, Pacs008Error::Amount(0))
        });
        check(&|t| t.amount_minor = MAX_MINOR + 1, &|e| {
            matches!(e, Pacs008Error::Amount(_))
        });
        check(&|t| t.settlement_date = "2026-02-30".into(), &|e| {
            matches!(e, Pacs008Error::SettlementDate(_))
        });
        check(&|t| t.created_at_ms = i64::MAX, &|e| {
            matches!(e, Pacs008Error::CreationTime(_))
        });
        check(&|t| t.exchange_rate = Some("0.123456789012".into()), &|e| {
            matches!(e, Pacs008Error::ExchangeRate(_))
        });
        check(&|t| t.uetr = Some("not-a-uuid".into()), &|e| {
            matches!(e, Pacs008Error::Uetr(_))
        });
        check(&|t| t.purpose_code = Some("GOODS".into()), &|e| {
            matches!(
                e,
                Pacs008Error::TextLength {
                    field: "CdtTrfTxInf/Purp/Cd",
                    max: 4,
                    ..
                }
            )
        });
        check(&|t| t.instruction_id = Some("bell\u{7}".into()), &|e| {
            matches!(e, Pacs008Error::ForbiddenCharacter { code_point: 7, .. })
        });
    }
}
