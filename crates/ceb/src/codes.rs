//! Customs code tables, holding only what the CEB 2022-05 specification itself confirms.
//!
//! Source: 《海关跨境电子商务进口统一版信息化系统企业对接报文标准》(2022-05), the field
//! specification `ceb-message-spec-2022-05.pdf`, sections 3.1–3.19 (import messages), and the
//! official import samples. The full currency and country tables belong to the customs code set
//! 《JGS-20 海关业务代码集》, which the specification refers to but does not reproduce; codes
//! not confirmed there are refused (`unknown_currency_code`, `unknown_country_code`), never
//! guessed. Extending a table needs a confirming source for every added row.

use trade::order::BuyerIdType;
use trade::{Country, Currency};

use crate::error::{CebError, ErrorKind};

/// Customs currency code → ISO 4217. The specification fixes every import amount to CNY:
/// "限定为人民币，填写“142”" (OrderHead, OrderList, PaymentHead, LogisticsHead, InventoryHead,
/// InventoryList `currency`), and the schema makes `142` the element's fixed value.
const CURRENCIES: &[(&str, &str)] = &[("142", "CNY")];

/// Customs country (region) code → ISO 3166-1 alpha-2. Empty: the specification names the
/// country table (JGS-20) without listing it, and the samples use codes (`116`, `303`, `001`)
/// without saying which country they are.
const COUNTRIES: &[(&str, &str)] = &[];

/// The ISO currency of a customs numeric currency code (`142` → CNY).
pub fn currency_from_customs(code: &str) -> Result<Currency, CebError> {
    let iso = CURRENCIES
        .iter()
        .find(|(customs, _)| *customs == code)
        .map(|(_, iso)| *iso)
        .ok_or_else(unknown_currency)?;
    Currency::parse(iso).map_err(|_| unknown_currency())
}

/// The customs numeric code of an ISO currency (CNY → `142`).
pub fn customs_currency_code(currency: Currency) -> Result<&'static str, CebError> {
    CURRENCIES
        .iter()
        .find(|(_, iso)| *iso == currency.code())
        .map(|(customs, _)| *customs)
        .ok_or_else(|| {
            CebError::new(
                ErrorKind::UnknownCurrencyCode,
                "",
                format!(
                    "no customs currency code is confirmed for {}",
                    currency.code()
                ),
            )
        })
}

// Like every error of the crate, these never repeat the value they refuse.
fn unknown_currency() -> CebError {
    CebError::new(
        ErrorKind::UnknownCurrencyCode,
        "",
        "the customs currency code is not in the confirmed table (142, CNY, is the only one)",
    )
}

/// The ISO country of a customs country (region) code.
pub fn country_from_customs(code: &str) -> Result<Country, CebError> {
    let unknown = || {
        CebError::new(
            ErrorKind::UnknownCountryCode,
            "",
            "the customs country code is not in the confirmed table",
        )
    };
    let iso = COUNTRIES
        .iter()
        .find(|(customs, _)| *customs == code)
        .map(|(_, iso)| *iso)
        .ok_or_else(unknown)?;
    Country::parse(iso).map_err(|_| unknown())
}

/// The customs country (region) code of an ISO country.
pub fn customs_country_code(country: Country) -> Result<&'static str, CebError> {
    COUNTRIES
        .iter()
        .find(|(_, iso)| *iso == country.code())
        .map(|(customs, _)| *customs)
        .ok_or_else(|| {
            CebError::new(
                ErrorKind::UnknownCountryCode,
                "",
                format!(
                    "no customs country code is confirmed for {}",
                    country.code()
                ),
            )
        })
}

/// `buyerIdType` / `payerIdType`: "1-身份证,2-其它" (OrderHead, spec section 3.1); the import
/// messages further restrict it to `1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdType {
    /// `1`: PRC resident identity card (身份证).
    NationalIdCard,
    /// `2`: any other document (其它).
    Other,
}

impl IdType {
    pub fn code(self) -> &'static str {
        match self {
            IdType::NationalIdCard => "1",
            IdType::Other => "2",
        }
    }

    pub fn from_code(code: &str) -> Option<IdType> {
        match code {
            "1" => Some(IdType::NationalIdCard),
            "2" => Some(IdType::Other),
            _ => None,
        }
    }

    /// The hub's ID type for this CEB one (`1` → national ID, `2` → other).
    pub fn buyer_id_type(self) -> BuyerIdType {
        match self {
            IdType::NationalIdCard => BuyerIdType::NationalId,
            IdType::Other => BuyerIdType::Other,
        }
    }

    /// The CEB ID type of a hub one: a national ID is `1`; CEB has no code for a passport or a
    /// tax ID, so they are `2` (other).
    pub fn from_buyer_id_type(id_type: BuyerIdType) -> IdType {
        match id_type {
            BuyerIdType::NationalId => IdType::NationalIdCard,
            BuyerIdType::Passport | BuyerIdType::TaxId | BuyerIdType::Other => IdType::Other,
        }
    }
}

/// Receipt `returnStatus` values listed for the import receipts (spec sections 3.2–3.18).
/// A negative number is a processing-exception receipt (若小于0数字表示处理异常回执).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnStatus {
    /// `1` 暂存: saved, not declared.
    Saved,
    /// `2` 电子口岸申报中: being declared through the e-port.
    Declaring,
    /// `3` 发送海关成功: sent to customs.
    SentToCustoms,
    /// `4` 发送海关失败: sending to customs failed.
    SendingFailed,
    /// `100` 海关退单: rejected by customs (the reason in `returnInfo`).
    Rejected,
    /// `120` 海关入库: accepted into the customs system.
    Accepted,
    /// `300` 人工审核: manual review.
    ManualReview,
    /// `399` 海关审结: customs review concluded.
    Concluded,
    /// `500` 查验: inspection.
    Inspection,
    /// `501` 扣留移送通关: detained, handed to clearance.
    DetainedForClearance,
    /// `502` 扣留移送缉私: detained, handed to the anti-smuggling bureau.
    DetainedForAntiSmuggling,
    /// `503` 扣留移送法规: detained, handed to the legal department.
    DetainedForLegal,
    /// `599` 其它扣留: detained otherwise.
    DetainedOther,
    /// `700` 退运: returned abroad.
    ReturnedAbroad,
    /// `800` 放行: released.
    Released,
    /// `899` 结关: clearance closed.
    Closed,
    /// A negative number: the message could not be processed.
    Exception(i32),
}

const NAMED_STATUSES: &[(ReturnStatus, &str)] = &[
    (ReturnStatus::Saved, "1"),
    (ReturnStatus::Declaring, "2"),
    (ReturnStatus::SentToCustoms, "3"),
    (ReturnStatus::SendingFailed, "4"),
    (ReturnStatus::Rejected, "100"),
    (ReturnStatus::Accepted, "120"),
    (ReturnStatus::ManualReview, "300"),
    (ReturnStatus::Concluded, "399"),
    (ReturnStatus::Inspection, "500"),
    (ReturnStatus::DetainedForClearance, "501"),
    (ReturnStatus::DetainedForAntiSmuggling, "502"),
    (ReturnStatus::DetainedForLegal, "503"),
    (ReturnStatus::DetainedOther, "599"),
    (ReturnStatus::ReturnedAbroad, "700"),
    (ReturnStatus::Released, "800"),
    (ReturnStatus::Closed, "899"),
];

impl ReturnStatus {
    pub fn code(self) -> String {
        match self {
            ReturnStatus::Exception(n) => n.to_string(),
            named => NAMED_STATUSES
                .iter()
                .find(|(s, _)| *s == named)
                .map(|(_, c)| (*c).to_string())
                .unwrap_or_default(),
        }
    }

    pub fn from_code(code: &str) -> Option<ReturnStatus> {
        if let Some((status, _)) = NAMED_STATUSES.iter().find(|(_, c)| *c == code) {
            return Some(*status);
        }
        match code.parse::<i32>() {
            Ok(n) if n < 0 && code.starts_with('-') => Some(ReturnStatus::Exception(n)),
            _ => None,
        }
    }

    /// True for the statuses that end a document's way with a refusal.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            ReturnStatus::SendingFailed | ReturnStatus::Rejected | ReturnStatus::Exception(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_round_trip() {
        let cny = currency_from_customs("142").unwrap();
        assert_eq!(cny.code(), "CNY");
        assert_eq!(customs_currency_code(cny).unwrap(), "142");
        for (customs, iso) in CURRENCIES {
            let currency = currency_from_customs(customs).unwrap();
            assert_eq!(currency.code(), *iso);
            assert_eq!(customs_currency_code(currency).unwrap(), *customs);
        }
    }

    #[test]
    fn unconfirmed_codes_are_errors() {
        for code in ["502", "110", "aaa", "", "1420", "14"] {
            assert_eq!(
                currency_from_customs(code).unwrap_err().code(),
                "unknown_currency_code"
            );
        }
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(
            customs_currency_code(usd).unwrap_err().code(),
            "unknown_currency_code"
        );
        for code in ["116", "303", "001", "142"] {
            assert_eq!(
                country_from_customs(code).unwrap_err().code(),
                "unknown_country_code"
            );
        }
        let jp = Country::parse("JP").unwrap();
        assert_eq!(
            customs_country_code(jp).unwrap_err().code(),
            "unknown_country_code"
        );
    }

    #[test]
    fn country_table_round_trips() {
        for (customs, iso) in COUNTRIES {
            let country = country_from_customs(customs).unwrap();
            assert_eq!(country.code(), *iso);
            assert_eq!(customs_country_code(country).unwrap(), *customs);
        }
    }

    #[test]
    fn id_types_and_statuses_round_trip() {
        for t in [IdType::NationalIdCard, IdType::Other] {
            assert_eq!(IdType::from_code(t.code()), Some(t));
        }
        assert_eq!(IdType::from_code("1"), Some(IdType::NationalIdCard));
        assert_eq!(IdType::from_code("3"), None);
        assert_eq!(
            IdType::from_code("1").map(IdType::buyer_id_type),
            Some(BuyerIdType::NationalId)
        );
        assert_eq!(IdType::Other.buyer_id_type(), BuyerIdType::Other);
        for t in [
            BuyerIdType::NationalId,
            BuyerIdType::Passport,
            BuyerIdType::TaxId,
            BuyerIdType::Other,
        ] {
            let back = IdType::from_buyer_id_type(t).buyer_id_type();
            // Only the national ID survives the trip: CEB folds the rest into `2`.
            assert_eq!(
                back == t,
                matches!(t, BuyerIdType::NationalId | BuyerIdType::Other),
                "{t:?}"
            );
        }
        for (status, code) in NAMED_STATUSES {
            assert_eq!(status.code(), *code);
            assert_eq!(ReturnStatus::from_code(code), Some(*status));
        }
        assert_eq!(
            ReturnStatus::from_code("-301008"),
            Some(ReturnStatus::Exception(-301008))
        );
        assert_eq!(ReturnStatus::Exception(-1).code(), "-1");
        assert_eq!(ReturnStatus::from_code("121"), None);
        assert_eq!(ReturnStatus::from_code("+5"), None);
        assert!(ReturnStatus::Rejected.is_failure());
        assert!(!ReturnStatus::Accepted.is_failure());
    }
}
