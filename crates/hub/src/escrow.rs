//! The money of one parcel, as ledger transfers. Pure: account ids, amounts and transfer ids come
//! in, transfers come out; the writer applies them with the rest of the parcel's change.
//!
//! The accounts (one per owner, currency and purpose, see [`Purpose`]):
//! - the payment provider's **provider funds** (asset): what the provider collected for the hub;
//! - the hub's **escrow** (liability, never overdrawn): the buyers' money held for their parcels;
//! - the destination's **customs revenue** (liability, never overdrawn): duty and taxes owed to
//!   its customs;
//! - the merchant's **payable** (liability, never overdrawn): what the hub owes the merchant;
//! - the hub's **fees** (revenue, never overdrawn);
//! - the hub's **payouts** (asset): money sent out to merchants' banks;
//! - the hub's **FX** position per currency (equity), for conversions.
//!
//! The flow (every event's transfers are one linked chain: all or nothing):
//! 1. payment notice → `hold`: a pending transfer provider funds → escrow of the amount paid;
//! 2. release → the hold is posted; the tax moves escrow → customs revenue; the merchant's share
//!    (paid − tax − fee) and the hub's fee become pending transfers out of escrow;
//! 3. delivery → the merchant's share and the fee are posted;
//! 4. rejection or cancellation before release → the hold is voided (nothing was captured);
//! 5. cancellation or return after release → the pending shares are voided, customs gives the
//!    tax back to escrow, and escrow refunds the whole payment to the provider funds (the provider
//!    pays the buyer back);
//! 6. return after delivery → the merchant and the hub give their shares back to escrow first,
//!    then as in 5.

use ledger::{AccountFlags, AccountKind, Transfer};
use store::ParcelTransfers;
use trade::{Country, Currency};

/// The owner of the hub's own accounts (escrow, fees, payouts, FX).
pub const HUB_OWNER: &str = "hub";

/// Transfer codes: what each movement is, for statements and audits.
pub mod codes {
    pub const HOLD: &str = "escrow_hold";
    pub const CAPTURE: &str = "escrow_capture";
    pub const TAX: &str = "tax_collected";
    pub const MERCHANT_SHARE: &str = "merchant_share";
    pub const FEE: &str = "hub_fee";
    pub const VOID: &str = "escrow_void";
    pub const TAX_REFUND: &str = "tax_refund";
    pub const MERCHANT_REFUND: &str = "merchant_refund";
    pub const FEE_REFUND: &str = "fee_refund";
    pub const REFUND: &str = "buyer_refund";
    pub const PAYOUT: &str = "payout";
}

/// What an account is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    ProviderFunds,
    Escrow,
    CustomsRevenue(Country),
    MerchantPayable,
    Fees,
    Payouts,
    Fx,
}

impl Purpose {
    /// The account's code: unique per owner and currency.
    pub fn code(self) -> String {
        match self {
            Purpose::ProviderFunds => "provider_funds".into(),
            Purpose::Escrow => "escrow".into(),
            Purpose::CustomsRevenue(country) => format!("customs_revenue:{}", country.code()),
            Purpose::MerchantPayable => "merchant_payable".into(),
            Purpose::Fees => "fees".into(),
            Purpose::Payouts => "payouts".into(),
            Purpose::Fx => "fx".into(),
        }
    }

    pub fn kind(self) -> AccountKind {
        match self {
            Purpose::ProviderFunds | Purpose::Payouts => AccountKind::Asset,
            Purpose::Escrow | Purpose::CustomsRevenue(_) | Purpose::MerchantPayable => {
                AccountKind::Liability
            }
            Purpose::Fees => AccountKind::Revenue,
            Purpose::Fx => AccountKind::Equity,
        }
    }

    /// What the hub owes (escrow, customs revenue, merchants) and earns (fees) is never paid out
    /// beyond what came in. Assets and the FX position have no such bound.
    pub fn flags(self) -> AccountFlags {
        let bounded = matches!(
            self,
            Purpose::Escrow | Purpose::CustomsRevenue(_) | Purpose::MerchantPayable | Purpose::Fees
        );
        AccountFlags {
            debits_must_not_exceed_credits: bounded,
            credits_must_not_exceed_debits: false,
        }
    }

    /// The owner of the account: the provider or merchant named, else the hub or the customs of
    /// the destination.
    pub fn owner(self, party_id: &str) -> String {
        match self {
            Purpose::ProviderFunds | Purpose::MerchantPayable => party_id.to_string(),
            Purpose::CustomsRevenue(country) => format!("customs:{}", country.code()),
            Purpose::Escrow | Purpose::Fees | Purpose::Payouts | Purpose::Fx => {
                HUB_OWNER.to_string()
            }
        }
    }
}

/// The hub's fee on the merchant's gross share: `gross × bps / 10 000`, half up to the minor unit.
pub fn fee_for(gross: i64, fee_bps: u32) -> i64 {
    if gross <= 0 {
        return 0;
    }
    let scaled = i128::from(gross) * i128::from(fee_bps);
    let fee = (scaled + 5_000) / 10_000;
    // fee_bps ≤ 10 000 (checked in the config), so fee ≤ gross.
    i64::try_from(fee).unwrap_or(gross).min(gross)
}

/// The accounts one parcel moves money between (all in the payment's currency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParcelAccounts {
    pub provider_funds: String,
    pub escrow: String,
    pub customs_revenue: String,
    pub merchant_payable: String,
    pub fees: String,
}

/// Fresh transfer ids, one per call: the writer's id generator.
pub trait TransferIds {
    fn next_transfer_id(&mut self) -> String;
}

/// Links every transfer but the last to the next: the chain commits all or nothing.
fn chain(mut transfers: Vec<Transfer>) -> Vec<Transfer> {
    let n = transfers.len();
    for t in transfers.iter_mut().take(n.saturating_sub(1)) {
        t.flags.linked = true;
    }
    transfers
}

fn single(
    ids: &mut dyn TransferIds,
    debit: &str,
    credit: &str,
    amount: i64,
    currency: Currency,
    code: &str,
    user_ref: &str,
) -> Transfer {
    Transfer::single(ids.next_transfer_id(), debit, credit, amount, currency)
        .with_code(code)
        .with_user_ref(user_ref)
}

fn pending(
    ids: &mut dyn TransferIds,
    debit: &str,
    credit: &str,
    amount: i64,
    currency: Currency,
    code: &str,
    user_ref: &str,
) -> Transfer {
    Transfer::pending(ids.next_transfer_id(), debit, credit, amount, currency)
        .with_code(code)
        .with_user_ref(user_ref)
}

fn post(
    ids: &mut dyn TransferIds,
    pending_id: &str,
    currency: Currency,
    code: &str,
    user_ref: &str,
) -> Transfer {
    // Amount 0 posts the whole pending amount; the accounts are the pending transfer's.
    Transfer::post(ids.next_transfer_id(), pending_id, 0, currency)
        .with_code(code)
        .with_user_ref(user_ref)
}

fn void(
    ids: &mut dyn TransferIds,
    pending_id: &str,
    currency: Currency,
    user_ref: &str,
) -> Transfer {
    Transfer::void(ids.next_transfer_id(), pending_id, currency)
        .with_code(codes::VOID)
        .with_user_ref(user_ref)
}

/// The payment is held in escrow.
pub fn hold(
    ids: &mut dyn TransferIds,
    provider_funds: &str,
    escrow: &str,
    amount: i64,
    currency: Currency,
    user_ref: &str,
) -> Transfer {
    pending(
        ids,
        provider_funds,
        escrow,
        amount,
        currency,
        codes::HOLD,
        user_ref,
    )
}

/// What the release of a parcel moves, and the transfer ids to remember.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub transfers: Vec<Transfer>,
    pub parcel: ParcelTransfers,
}

/// Release: capture the hold, collect the tax, and set the merchant's share and the fee aside
/// until delivery. `paid` is the held amount, `tax` the duty and taxes to collect (capped at
/// `paid`).
#[allow(clippy::too_many_arguments)]
pub fn release(
    ids: &mut dyn TransferIds,
    accounts: &ParcelAccounts,
    hold_id: &str,
    paid: i64,
    tax: i64,
    fee_bps: u32,
    currency: Currency,
    user_ref: &str,
) -> Release {
    debug_assert!(paid > 0 && tax >= 0);
    let tax = tax.clamp(0, paid);
    let gross = paid - tax;
    let fee = fee_for(gross, fee_bps);
    let share = gross - fee;
    let mut transfers = vec![post(ids, hold_id, currency, codes::CAPTURE, user_ref)];
    let mut parcel = ParcelTransfers {
        hold: Some(hold_id.to_string()),
        ..ParcelTransfers::default()
    };
    if tax > 0 {
        let t = single(
            ids,
            &accounts.escrow,
            &accounts.customs_revenue,
            tax,
            currency,
            codes::TAX,
            user_ref,
        );
        parcel.tax = Some(t.id.clone());
        transfers.push(t);
    }
    if share > 0 {
        let t = pending(
            ids,
            &accounts.escrow,
            &accounts.merchant_payable,
            share,
            currency,
            codes::MERCHANT_SHARE,
            user_ref,
        );
        parcel.merchant = Some(t.id.clone());
        transfers.push(t);
    }
    if fee > 0 {
        let t = pending(
            ids,
            &accounts.escrow,
            &accounts.fees,
            fee,
            currency,
            codes::FEE,
            user_ref,
        );
        parcel.fee = Some(t.id.clone());
        transfers.push(t);
    }
    Release {
        transfers: chain(transfers),
        parcel,
    }
}

/// Delivery: the merchant's share and the fee are posted.
pub fn deliver(
    ids: &mut dyn TransferIds,
    parcel: &ParcelTransfers,
    currency: Currency,
    user_ref: &str,
) -> Vec<Transfer> {
    let transfers = [
        (&parcel.merchant, codes::MERCHANT_SHARE),
        (&parcel.fee, codes::FEE),
    ]
    .into_iter()
    .filter_map(|(id, code)| {
        id.as_ref()
            .map(|id| post(ids, id, currency, code, user_ref))
    })
    .collect();
    chain(transfers)
}

/// Before release: the hold is voided.
pub fn void_hold(
    ids: &mut dyn TransferIds,
    hold_id: &str,
    currency: Currency,
    user_ref: &str,
) -> Vec<Transfer> {
    vec![void(ids, hold_id, currency, user_ref)]
}

/// The amounts a released parcel moved, to give back on a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collected {
    pub paid: i64,
    pub tax: i64,
    pub share: i64,
    pub fee: i64,
}

/// A refund after release; `delivered` says whether the shares were already posted.
pub fn refund_after_release(
    ids: &mut dyn TransferIds,
    accounts: &ParcelAccounts,
    parcel: &ParcelTransfers,
    collected: Collected,
    delivered: bool,
    currency: Currency,
    user_ref: &str,
) -> Vec<Transfer> {
    let mut transfers = Vec::new();
    if delivered {
        if collected.share > 0 {
            transfers.push(single(
                ids,
                &accounts.merchant_payable,
                &accounts.escrow,
                collected.share,
                currency,
                codes::MERCHANT_REFUND,
                user_ref,
            ));
        }
        if collected.fee > 0 {
            transfers.push(single(
                ids,
                &accounts.fees,
                &accounts.escrow,
                collected.fee,
                currency,
                codes::FEE_REFUND,
                user_ref,
            ));
        }
    } else {
        for id in [&parcel.merchant, &parcel.fee].into_iter().flatten() {
            transfers.push(void(ids, id, currency, user_ref));
        }
    }
    if collected.tax > 0 {
        transfers.push(single(
            ids,
            &accounts.customs_revenue,
            &accounts.escrow,
            collected.tax,
            currency,
            codes::TAX_REFUND,
            user_ref,
        ));
    }
    transfers.push(single(
        ids,
        &accounts.escrow,
        &accounts.provider_funds,
        collected.paid,
        currency,
        codes::REFUND,
        user_ref,
    ));
    chain(transfers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::{Account, Ledger, TransferResult};

    struct Counter(u32);
    impl TransferIds for Counter {
        fn next_transfer_id(&mut self) -> String {
            self.0 += 1;
            format!("trf_{:04}", self.0)
        }
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    fn accounts() -> ParcelAccounts {
        ParcelAccounts {
            provider_funds: "acc_psp".into(),
            escrow: "acc_escrow".into(),
            customs_revenue: "acc_customs".into(),
            merchant_payable: "acc_merchant".into(),
            fees: "acc_fees".into(),
        }
    }

    fn ledger() -> Ledger {
        let mut l = Ledger::new();
        let cn = Country::parse("CN").unwrap();
        let defs = [
            ("acc_psp", Purpose::ProviderFunds),
            ("acc_escrow", Purpose::Escrow),
            ("acc_customs", Purpose::CustomsRevenue(cn)),
            ("acc_merchant", Purpose::MerchantPayable),
            ("acc_fees", Purpose::Fees),
        ];
        let accounts: Vec<Account> = defs
            .iter()
            .map(|(id, p)| {
                Account::new(*id, p.owner("pty_x"), cny(), p.kind(), p.code()).with_flags(p.flags())
            })
            .collect();
        assert!(l
            .create_accounts(&accounts, 1)
            .iter()
            .all(|r| r.is_success()));
        l
    }

    fn apply(l: &mut Ledger, transfers: &[Transfer]) {
        let results = l.create_transfers(transfers, 2);
        assert!(
            results.iter().all(|r| *r == TransferResult::Ok),
            "{results:?}"
        );
        l.check_invariants().unwrap();
    }

    fn posted(l: &Ledger, id: &str) -> i64 {
        l.account(id).unwrap().balance_posted()
    }

    #[test]
    fn fees_round_half_up_and_never_exceed_the_share() {
        assert_eq!(fee_for(10_000, 100), 100);
        assert_eq!(fee_for(50, 100), 1, "0.5 rounds up");
        assert_eq!(fee_for(49, 100), 0);
        assert_eq!(fee_for(0, 100), 0);
        assert_eq!(fee_for(-5, 100), 0);
        assert_eq!(fee_for(7, 10_000), 7);
        assert_eq!(fee_for(i64::MAX, 10_000), i64::MAX);
    }

    #[test]
    fn a_delivered_parcel_pays_customs_the_merchant_and_the_hub() {
        let mut ids = Counter(0);
        let mut l = ledger();
        let a = accounts();
        let h = hold(
            &mut ids,
            &a.provider_funds,
            &a.escrow,
            26_245,
            cny(),
            "ord_1",
        );
        apply(&mut l, std::slice::from_ref(&h));
        assert_eq!(l.account("acc_escrow").unwrap().balance_pending(), 26_245);
        let r = release(&mut ids, &a, &h.id, 26_245, 2_195, 100, cny(), "ord_1");
        assert!(r.transfers[..r.transfers.len() - 1]
            .iter()
            .all(|t| t.flags.linked));
        assert!(!r.transfers.last().unwrap().flags.linked);
        apply(&mut l, &r.transfers);
        assert_eq!(posted(&l, "acc_customs"), 2_195);
        assert_eq!(
            posted(&l, "acc_merchant"),
            0,
            "the share waits for delivery"
        );
        // Fee: 1% of 240.50 is 2.405, half up to 2.41.
        assert_eq!(l.account("acc_merchant").unwrap().balance_pending(), 23_809);
        assert_eq!(l.account("acc_fees").unwrap().balance_pending(), 241);
        apply(&mut l, &deliver(&mut ids, &r.parcel, cny(), "ord_1"));
        assert_eq!(posted(&l, "acc_merchant"), 23_809);
        assert_eq!(posted(&l, "acc_fees"), 241);
        assert_eq!(
            posted(&l, "acc_escrow"),
            0,
            "escrow holds nothing for a delivered parcel"
        );
        assert!(ledger::trial_balance(l.accounts()).balanced);
    }

    #[test]
    fn refunds_leave_escrow_empty_and_give_customs_its_tax_back() {
        for delivered in [false, true] {
            let mut ids = Counter(0);
            let mut l = ledger();
            let a = accounts();
            let h = hold(
                &mut ids,
                &a.provider_funds,
                &a.escrow,
                10_000,
                cny(),
                "ord_1",
            );
            apply(&mut l, std::slice::from_ref(&h));
            let r = release(&mut ids, &a, &h.id, 10_000, 1_000, 250, cny(), "ord_1");
            apply(&mut l, &r.transfers);
            if delivered {
                apply(&mut l, &deliver(&mut ids, &r.parcel, cny(), "ord_1"));
            }
            let collected = Collected {
                paid: 10_000,
                tax: 1_000,
                share: 8_775,
                fee: 225,
            };
            apply(
                &mut l,
                &refund_after_release(
                    &mut ids,
                    &a,
                    &r.parcel,
                    collected,
                    delivered,
                    cny(),
                    "ord_1",
                ),
            );
            for id in ["acc_escrow", "acc_customs", "acc_merchant", "acc_fees"] {
                let acc = l.account(id).unwrap();
                assert_eq!(
                    (acc.balance_posted(), acc.balance_pending()),
                    (0, 0),
                    "{id} delivered={delivered}"
                );
            }
            assert_eq!(posted(&l, "acc_psp"), 0, "the provider paid the buyer back");
        }
    }

    #[test]
    fn a_void_returns_the_hold_and_zero_amounts_make_no_transfer() {
        let mut ids = Counter(0);
        let mut l = ledger();
        let a = accounts();
        let h = hold(&mut ids, &a.provider_funds, &a.escrow, 500, cny(), "ord_1");
        apply(&mut l, std::slice::from_ref(&h));
        apply(&mut l, &void_hold(&mut ids, &h.id, cny(), "ord_1"));
        assert_eq!(l.account("acc_escrow").unwrap().balance_pending(), 0);
        // All tax, no share: only the capture and the tax transfer.
        let r = release(&mut ids, &a, "trf_x", 500, 900, 100, cny(), "ord_1");
        assert_eq!(r.transfers.len(), 2);
        assert_eq!(r.transfers[1].amount, 500, "tax is capped at what was paid");
        assert_eq!(
            (r.parcel.merchant.as_ref(), r.parcel.fee.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn a_merchant_cannot_give_back_what_it_no_longer_has() {
        let mut ids = Counter(0);
        let mut l = ledger();
        let a = accounts();
        let h = hold(
            &mut ids,
            &a.provider_funds,
            &a.escrow,
            10_000,
            cny(),
            "ord_1",
        );
        apply(&mut l, std::slice::from_ref(&h));
        let r = release(&mut ids, &a, &h.id, 10_000, 0, 0, cny(), "ord_1");
        apply(&mut l, &r.transfers);
        apply(&mut l, &deliver(&mut ids, &r.parcel, cny(), "ord_1"));
        // The merchant was paid out meanwhile.
        let out = Transfer::single("trf_out", "acc_merchant", "acc_psp", 10_000, cny());
        apply(&mut l, &[out]);
        let collected = Collected {
            paid: 10_000,
            tax: 0,
            share: 10_000,
            fee: 0,
        };
        let refund = refund_after_release(&mut ids, &a, &r.parcel, collected, true, cny(), "ord_1");
        let results = l.create_transfers(&refund, 3);
        assert_eq!(results[0], TransferResult::ExceedsCredits);
        assert!(results[1..]
            .iter()
            .all(|r| *r == TransferResult::LinkedEventFailed));
        l.check_invariants().unwrap();
    }
}
