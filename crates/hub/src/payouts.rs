//! Payouts: a merchant is paid from its `merchant_payable` account to its bank, in the currency
//! of its choice (by default its home currency), and the payment is written out as an ISO 20022
//! pacs.008.001.09 credit transfer for the hub's bank.
//!
//! The money (see [`crate::escrow`] for the accounts):
//! - same currency: one transfer merchant_payable → the hub's payouts account;
//! - another currency: two linked transfers through the hub's FX accounts
//!   ([`ledger::fx_conversion`]): merchant_payable → FX(source), then FX(target) → payouts, the
//!   converted amount rounded half up to the target's minor unit, at the operator's direct rate
//!   (decision 15: an inverse rate is never derived).
//!
//! The merchant_payable account never goes below zero (its `debits_must_not_exceed_credits`
//! flag): asking for more than is available is refused by the ledger itself
//! (`insufficient_funds`). The payout record is written in the same transaction as its
//! transfers.

use crate::engine::{Applied, EngineError, Requester};
use crate::escrow::{codes, Purpose};
use crate::views::ledger::PayoutView;
use crate::writer::BatchCtx;
use ledger::pacs008::{
    self, uetr_from_bytes, AccountNumber, ChargeBearer, CreditTransfer, Pacs008Error, Party,
    SettlementMethod,
};
use ledger::{fx_conversion, FxConversion, FxError, Transfer};
use sha2::{Digest, Sha256};
use store::{PayoutRecord, Stores};
use trade::id::IdKind;
use trade::{Country, Currency, FieldError, Personal, Role};

/// Where the money goes: the merchant's bank account.
#[derive(Debug, Clone)]
pub struct Creditor {
    /// The account holder's name, 1 to 140 characters.
    pub name: String,
    /// An IBAN (without spaces) or another account number, 1 to 34 characters.
    pub account: Personal,
    /// The BIC of the creditor's bank, 8 or 11 characters.
    pub agent_bic: String,
}

/// A payout as the handler validated it; the writer decides the amounts.
#[derive(Debug, Clone)]
pub struct PayoutRequest {
    pub id: String,
    pub merchant_id: String,
    /// The currency of the merchant_payable account paid from.
    pub source_currency: Currency,
    /// Minor units of `source_currency`; `None` pays out everything available.
    pub amount: Option<i64>,
    /// The currency paid in; `None` is the merchant's home currency.
    pub currency: Option<Currency>,
    pub creditor: Creditor,
    pub by: Requester,
}

fn invalid(field: &str, code: &'static str, detail: impl Into<String>) -> EngineError {
    EngineError::Invalid(vec![FieldError {
        field: field.to_string(),
        code,
        detail: detail.into(),
    }])
}

fn insufficient(detail: String) -> EngineError {
    EngineError::Conflict {
        code: "insufficient_funds",
        detail,
    }
}

/// The writer's half of `POST /v1/payouts`: checks the merchant, picks the currency and the rate,
/// books the transfers and stores the payout, and renders the answer (`201`).
pub async fn create_payout(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    request: &PayoutRequest,
) -> Result<Applied, EngineError> {
    let merchant = match ctx.party(s, &request.merchant_id).await? {
        Some(p) if p.role == Role::Merchant => p,
        _ => {
            return Err(invalid(
                "merchant_id",
                "unknown_merchant",
                "no merchant of this hub has this id",
            ))
        }
    };
    if merchant.status != trade::party::PartyStatus::Active {
        return Err(EngineError::Conflict {
            code: "merchant_suspended",
            detail: "the merchant is suspended; it cannot be paid out until it is reactivated"
                .into(),
        });
    }
    let source = request.source_currency;
    let target = match request.currency {
        Some(c) => c,
        None => trade::home_currency(merchant.country).ok_or_else(|| {
            invalid(
                "currency",
                "no_home_currency",
                format!(
                    "the hub does not know the currency of {}; name the payout's `currency`",
                    merchant.country
                ),
            )
        })?,
    };
    let rate = if source == target {
        None
    } else {
        let rate = ctx
            .fx()
            .get(&(source.code(), target.code()))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    "currency",
                    "fx_rate_missing",
                    format!("no exchange rate from {source} to {target}: the operator sets it with PUT /v1/fx-rates"),
                )
            })?;
        Some(rate)
    };

    let payable = ctx.account(Purpose::MerchantPayable, &merchant.id, source);
    let available = ctx.ledger.account(&payable).map_or(0, |a| a.available());
    let amount = request.amount.unwrap_or(available);
    if amount <= 0 {
        return Err(insufficient(format!(
            "nothing is available to pay out in {source}"
        )));
    }

    let payouts = ctx.account(Purpose::Payouts, "", target);
    let mut fx_note = None;
    let transfers: Vec<Transfer> = match &rate {
        None => vec![Transfer::single(
            ctx.state.setup.ids.next(IdKind::Transfer),
            &payable,
            &payouts,
            amount,
            source,
        )
        .with_code(codes::PAYOUT)
        .with_user_ref(&request.id)],
        Some(rate) => {
            let rate_text = rate.rate.decimal_text();
            let conversion = FxConversion {
                first_leg_id: ctx.state.setup.ids.next(IdKind::Transfer),
                second_leg_id: ctx.state.setup.ids.next(IdKind::Transfer),
                payer_account_id: payable.clone(),
                fx_source_account_id: ctx.account(Purpose::Fx, "", source),
                fx_target_account_id: ctx.account(Purpose::Fx, "", target),
                payee_account_id: payouts.clone(),
                source_currency: source,
                target_currency: target,
                source_amount: amount,
                rate: rate_text.clone(),
                rate_source: rate.source.clone(),
                code: codes::PAYOUT.to_string(),
                user_ref: request.id.clone(),
            };
            let legs = fx_conversion(&conversion).map_err(fx_error)?;
            fx_note = Some((
                rate_text,
                rate.source.clone(),
                crate::clock::parse_rfc3339(&rate.as_of),
            ));
            legs.to_vec()
        }
    };
    ctx.book(s, &transfers).await?;
    let paid = transfers.last().map_or(0, |t| t.amount);
    let (fx_rate, fx_source, fx_as_of_ms) = match fx_note {
        Some((rate, source, as_of)) => (Some(rate), Some(source), as_of),
        None => (None, None, None),
    };
    let record = PayoutRecord {
        id: request.id.clone(),
        merchant_id: merchant.id.clone(),
        source_account_id: payable,
        source_currency: source,
        source_amount: amount,
        currency: target,
        amount: paid,
        fx_rate,
        fx_source,
        fx_as_of_ms,
        creditor_name: request.creditor.name.clone(),
        creditor_account: request.creditor.account.expose().to_string(),
        creditor_agent_bic: request.creditor.agent_bic.clone(),
        transfer_ids: transfers.iter().map(|t| t.id.clone()).collect(),
        created_by: request.by.party_id.clone(),
        created_at_ms: ctx.now_ms,
    };
    // The message must render later from what is stored: prove it now, before anything is kept.
    let debtor = Debtor::of_hub(&ctx.setup().hub_code, &ctx.setup().hub_code, &payouts);
    if let Err(e) = pacs008_of(&record, &debtor) {
        return Err(EngineError::Conflict {
            code: "payout_not_renderable",
            detail: format!("the payout cannot be written as pacs.008: {e}"),
        });
    }
    // The payout row refers to the accounts: write the ledger's changes first.
    ctx.persist_ledger(s).await?;
    s.insert_payout(&record).await?;
    let clear = sees_creditor_in_clear(&request.by, &record);
    Ok(Applied::Rendered {
        status: 201,
        body: crate::routes::to_json(&PayoutView::new(&record, clear)),
    })
}

fn fx_error(e: FxError) -> EngineError {
    match e {
        FxError::ConvertsToZero { .. } => invalid("amount", "converts_to_zero", e.to_string()),
        FxError::ConvertsTooLarge { .. } | FxError::AmountOutOfRange(_) => {
            invalid("amount", "amount_too_large", e.to_string())
        }
        FxError::MalformedRate(_) | FxError::RateTooLarge(_) | FxError::ZeroRate => {
            invalid("currency", "fx_rate_unusable", e.to_string())
        }
        FxError::SameCurrency(_) => invalid("currency", "same_currency", e.to_string()),
    }
}

/// Bank details are personal for a merchant: in clear for the merchant paid and the operator.
pub fn sees_creditor_in_clear(viewer: &Requester, payout: &PayoutRecord) -> bool {
    viewer.role == Role::Operator || viewer.party_id == payout.merchant_id
}

/// The hub as the debtor of its payouts.
#[derive(Debug, Clone)]
pub struct Debtor {
    pub name: String,
    pub country: Option<Country>,
    /// The hub's payouts account of the payout's currency (its bank account's ledger mirror).
    pub account_id: String,
    pub agent_bic: String,
}

impl Debtor {
    /// The hub `hub_code` (`CC-XXX`) named `name` (cut to the 140 characters the message allows).
    pub fn of_hub(hub_code: &str, name: &str, payouts_account_id: &str) -> Debtor {
        let mut name: String = name.chars().filter(|c| !c.is_control()).take(140).collect();
        if name.trim().is_empty() {
            name = hub_code.to_string();
        }
        Debtor {
            name,
            country: hub_code.get(..2).and_then(|cc| Country::parse(cc).ok()),
            account_id: payouts_account_id.to_string(),
            agent_bic: hub_agent_bic(hub_code),
        }
    }
}

/// The BIC written as the hub's bank. The hub's configuration has no settlement bank yet, so
/// this is a stand-in of BIC shape that names the hub: `EWTP` + its country + `HB` + its
/// location code (`MY-KUL` → `EWTPMYHBKUL`). Replace it with the operator's bank once the
/// configuration carries one.
pub fn hub_agent_bic(hub_code: &str) -> String {
    match hub_code.split_once('-') {
        Some((country, location)) => format!("EWTP{country}HB{location}"),
        None => "EWTPXXHBXXX".to_string(),
    }
}

/// A creditor account number as pacs.008 writes it: an IBAN when it has an IBAN's shape
/// (see [`is_iban_shaped`]), else another account number.
pub fn account_number(account: &str) -> AccountNumber {
    if is_iban_shaped(account) {
        AccountNumber::Iban(account.to_string())
    } else {
        AccountNumber::Other(account.to_string())
    }
}

/// Two capitals naming an ISO 3166 country, two digits, then 11 to 30 letters or digits
/// (15 to 34 characters in all, the range of the IBAN registry's lengths).
pub fn is_iban_shaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    (15..=34).contains(&bytes.len())
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && Country::parse(&text[..2]).is_ok()
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// ISO 13616 check digits: the IBAN with its first four characters moved to the end, letters
/// as 10 to 35, is 1 modulo 97. Only for IBAN-shaped text.
pub fn iban_check_digits_ok(iban: &str) -> bool {
    let bytes = iban.as_bytes();
    if bytes.len() < 5 {
        return false;
    }
    let mut remainder: u32 = 0;
    for b in bytes[4..].iter().chain(&bytes[..4]) {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            _ => return false,
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

/// The payout as a pacs.008.001.09 message from the hub's bank to the merchant's.
pub fn pacs008_of(payout: &PayoutRecord, debtor: &Debtor) -> Result<String, Pacs008Error> {
    let settlement_date = pacs008::date_of_ms(payout.created_at_ms)
        .ok_or(Pacs008Error::CreationTime(payout.created_at_ms))?;
    let mut remittance_lines = vec![format!("ewtp payout {}", payout.id)];
    // XchgRate takes at most 11 digits (10 after the point); a longer rate travels as text.
    let mut exchange_rate = None;
    if let Some(rate) = &payout.fx_rate {
        let source_amount = payout.source_currency.format_amount(payout.source_amount);
        remittance_lines.push(format!(
            "{source_amount} {} at {rate} {}/{}",
            payout.source_currency, payout.currency, payout.source_currency
        ));
        if fits_base_one_rate(rate) {
            exchange_rate = Some(rate.clone());
        }
    }
    let digest = Sha256::digest(payout.id.as_bytes());
    let mut uetr_bytes = [0u8; 16];
    uetr_bytes.copy_from_slice(&digest[..16]);
    let message = CreditTransfer {
        message_id: payout.id.clone(),
        created_at_ms: payout.created_at_ms,
        settlement_method: SettlementMethod::Clrg,
        instruction_id: Some(payout.id.clone()),
        end_to_end_id: payout.id.clone(),
        transaction_id: payout.transfer_ids.last().cloned(),
        uetr: Some(uetr_from_bytes(uetr_bytes)),
        amount_minor: payout.amount,
        currency: payout.currency,
        settlement_date,
        exchange_rate,
        // The hub bears the charges: the merchant receives the amount the payout names.
        charge_bearer: ChargeBearer::Debt,
        debtor: Party {
            name: debtor.name.clone(),
            country: debtor.country,
        },
        debtor_account: AccountNumber::Other(debtor.account_id.clone()),
        debtor_agent_bic: debtor.agent_bic.clone(),
        creditor_agent_bic: payout.creditor_agent_bic.clone(),
        creditor: Party {
            name: payout.creditor_name.clone(),
            country: None,
        },
        creditor_account: account_number(&payout.creditor_account),
        purpose_code: Some("SUPP".into()),
        remittance_lines,
    };
    pacs008::render(&message)
}

/// At most 10 digits after the point and 11 in all, leading and trailing zeros aside.
fn fits_base_one_rate(rate: &str) -> bool {
    let (whole, fraction) = rate.split_once('.').unwrap_or((rate, ""));
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    fraction.len() <= 10 && whole.len() + fraction.len() <= 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_recognised_and_checked() {
        for good in [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "BE68539007547034",
            "NO9386011117947",
        ] {
            assert!(is_iban_shaped(good), "{good}");
            assert!(iban_check_digits_ok(good), "{good}");
            assert!(matches!(account_number(good), AccountNumber::Iban(_)));
        }
        assert!(!iban_check_digits_ok("DE89370400440532013001"));
        for other in [
            "1234567890",
            "514-1234-5678",
            "XX89370400440532013000",
            "de89370400440532013000",
        ] {
            assert!(!is_iban_shaped(other), "{other}");
            assert!(matches!(account_number(other), AccountNumber::Other(_)));
        }
    }

    #[test]
    fn the_stand_in_bic_has_a_bic_shape() {
        assert_eq!(hub_agent_bic("MY-KUL"), "EWTPMYHBKUL");
        assert!(pacs008::is_bic(&hub_agent_bic("MY-KUL")));
        assert!(pacs008::is_bic(&hub_agent_bic("CN-HGH")));
    }

    #[test]
    fn long_rates_travel_as_text() {
        assert!(fits_base_one_rate("4.7215"));
        assert!(fits_base_one_rate("0.0000000001"));
        assert!(fits_base_one_rate("12345678901"));
        assert!(!fits_base_one_rate("123456789012"));
        assert!(!fits_base_one_rate("1.23456789012"));
        assert!(fits_base_one_rate("4.70000000000000"));
    }
}
