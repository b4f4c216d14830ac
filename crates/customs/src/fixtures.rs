//! Test parcels: an order with its payment and waybill that pass every check, and a generator of
//! such parcels for property tests.

use crate::clearance::ClearanceInput;
use crate::declaration::{clear, AuditEntry, Declaration};
use crate::documents::{Payer, PaymentNotice, Waybill};
use crate::identity::cn_resident_id_check_char;
use crate::limits::CustomsLimits;
use crate::risk::{assess, Assessment, ChannelThresholds, Condition, RiskFacts, RiskRule};
use proptest::prelude::*;
use std::collections::HashMap;
use trade::order::{Buyer, BuyerIdType, Consignee, Incoterm, OrderLine};
use trade::party::{Contact, PartyStatus};
use trade::{Country, Currency, HsCode, Order, OrderStatus, Party, Personal, Role};

pub fn cny() -> Currency {
    Currency::parse("CNY").unwrap()
}

pub fn country(code: &str) -> Country {
    Country::parse(code).unwrap()
}

pub fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 25).unwrap()
}

pub fn party(id: &str, role: Role, name: &str) -> Party {
    Party {
        id: id.into(),
        role,
        legal_name: name.into(),
        country: country("MY"),
        registration_number: "201901000123".into(),
        customs_code: None,
        contact: Contact {
            name: None,
            email: None,
            phone: None,
        },
        status: PartyStatus::Active,
        created_at_ms: 0,
    }
}

pub fn line(
    line_no: u32,
    sku: Option<&str>,
    hs: &str,
    quantity: u32,
    unit_price: i64,
) -> OrderLine {
    OrderLine {
        line_no,
        product_id: sku.map(|s| format!("prd_{s}")),
        sku: sku.map(str::to_string),
        hs_code: HsCode::parse(hs).unwrap(),
        description: format!("item {line_no}"),
        origin: country("MY"),
        quantity,
        unit_price,
        line_value: i64::from(quantity) * unit_price,
    }
}

/// The order of trade's own tests: 2 × tea at 45.00 and a face cream at 120.50, freight 30.00,
/// DDP with 21.95 of tax, paid 262.45 CNY by Wang Fang.
pub fn order() -> Order {
    let lines = vec![
        line(1, Some("TEA-1"), "090230", 2, 4_500),
        line(2, None, "330499", 1, 12_050),
    ];
    Order {
        id: "ord_1".into(),
        merchant_id: "pty_m".into(),
        submitted_by: "pty_plat".into(),
        order_no: Some("SO-1".into()),
        status: OrderStatus::Placed,
        buyer: Buyer {
            name: Personal::new("Wang Fang"),
            id_type: BuyerIdType::NationalId,
            id_number: Personal::new("11010519491231002X"),
            country: country("CN"),
            address: Personal::new("1 Wensan Road, Hangzhou"),
            phone: Personal::new("+86 138 0000 0000"),
        },
        consignee: None,
        destination: country("CN"),
        currency: cny(),
        lines,
        goods_value: 21_050,
        freight: 3_000,
        insurance: 0,
        total: 24_050,
        discount: 0,
        tax_withheld: 2_195,
        actual_paid: 26_245,
        payment_transaction_id: Some("TX-9".into()),
        incoterm: Incoterm::Ddp,
        created_at_ms: 1_000,
        updated_at_ms: 1_000,
    }
}

/// One order with its documents and everything the checks need, owned so tests can change it.
#[derive(Clone, Debug)]
pub struct Parcel {
    pub order: Order,
    pub payment: PaymentNotice,
    pub waybill: Waybill,
    pub merchant: Option<Party>,
    pub submitter: Option<Party>,
    pub limits: Option<CustomsLimits>,
    pub computed_tax: i64,
    pub actual_paid_in_limits_currency: Option<i64>,
    pub buyer_year_used: i64,
}

impl Parcel {
    pub fn new() -> Parcel {
        Parcel::around(order())
    }

    /// Documents that agree with `order`, which must itself be consistent.
    pub fn around(order: Order) -> Parcel {
        let consignee_name = order
            .consignee
            .as_ref()
            .map_or(order.buyer.name.clone(), |c| c.name.clone());
        let payment = PaymentNotice {
            id: "pay_1".into(),
            provider_id: "pty_pay".into(),
            transaction_id: order
                .payment_transaction_id
                .clone()
                .unwrap_or_else(|| "TX-1".into()),
            order_no: crate::matching_order_no(&order).to_string(),
            merchant_id: Some(order.merchant_id.clone()),
            platform_id: Some(order.submitted_by.clone()),
            payer: Payer {
                name: order.buyer.name.clone(),
                id_type: order.buyer.id_type,
                id_number: order.buyer.id_number.clone(),
                phone: Some(order.buyer.phone.clone()),
            },
            amount: order.actual_paid,
            currency: order.currency,
            paid_at_ms: 2_000,
            created_at_ms: 2_000,
        };
        let waybill = Waybill {
            id: "wb_1".into(),
            carrier_id: "pty_c".into(),
            waybill_no: "SF1234567890".into(),
            bill_no: Some("784-12345675".into()),
            order_no: crate::matching_order_no(&order).to_string(),
            merchant_id: None,
            consignee: Consignee {
                name: consignee_name,
                address: order.buyer.address.clone(),
                phone: Personal::new("13800000000"),
            },
            gross_weight_g: 1_250,
            package_count: 1,
            freight: Some(order.freight),
            insurance: None,
            currency: Some(order.currency),
            goods_description: Some("tea and face cream".into()),
            created_at_ms: 3_000,
        };
        let merchant = party(&order.merchant_id, Role::Merchant, "Kedai Batik Sdn Bhd");
        let submitter = if order.submitted_by == order.merchant_id {
            merchant.clone()
        } else {
            party(&order.submitted_by, Role::Platform, "Mall Platform Ltd")
        };
        Parcel {
            computed_tax: order.tax_withheld,
            order,
            payment,
            waybill,
            merchant: Some(merchant),
            submitter: Some(submitter),
            limits: Some(CustomsLimits::cn_cbec()),
            actual_paid_in_limits_currency: None,
            buyer_year_used: 0,
        }
    }

    /// One line, quantity one, at `price` CNY minor units; no freight, no tax.
    pub fn single_item(price: i64) -> Parcel {
        let mut o = order();
        o.lines = vec![line(1, Some("WATCH-1"), "910211", 1, price)];
        o.goods_value = price;
        o.freight = 0;
        o.total = price;
        o.tax_withheld = 0;
        o.actual_paid = price;
        Parcel::around(o)
    }

    pub fn input(&self) -> ClearanceInput<'_> {
        ClearanceInput {
            order: &self.order,
            payment: &self.payment,
            waybill: &self.waybill,
            merchant: self.merchant.as_ref(),
            submitter: self.submitter.as_ref(),
            limits: self.limits.as_ref(),
            computed_tax: self.computed_tax,
            actual_paid_in_limits_currency: self.actual_paid_in_limits_currency,
            buyer_year_used: self.buyer_year_used,
            today: today(),
        }
    }

    /// The name the waybill must carry: the consignee's, else the buyer's.
    pub fn expected_consignee_name(&self) -> String {
        self.order
            .consignee
            .as_ref()
            .map_or(&self.order.buyer.name, |c| &c.name)
            .expose()
            .to_string()
    }

    /// The buyer's ID number, on the order and the payment alike.
    pub fn set_buyer_id(&mut self, id: &str) {
        self.order.buyer.id_number = Personal::new(id);
        self.payment.payer.id_number = Personal::new(id);
    }

    /// The buyer's name on every document.
    pub fn set_buyer_name(&mut self, name: &str) {
        self.order.buyer.name = Personal::new(name);
        self.payment.payer.name = Personal::new(name);
        if self.order.consignee.is_none() {
            self.waybill.consignee.name = Personal::new(name);
        }
    }

    /// The actual payment, on the order and the payment alike.
    pub fn set_actual_paid(&mut self, paid: i64) {
        self.order.actual_paid = paid;
        self.payment.amount = paid;
    }

    /// A new quantity for line `i`, with every total following.
    pub fn set_quantity(&mut self, i: usize, quantity: u32) {
        let l = &mut self.order.lines[i];
        l.quantity = quantity;
        l.line_value = i64::from(quantity) * l.unit_price;
        let goods: i64 = self.order.lines.iter().map(|l| l.line_value).sum();
        let delta = goods - self.order.goods_value;
        self.order.goods_value = goods;
        self.order.total += delta;
        self.set_actual_paid(self.order.actual_paid + delta);
    }

    /// Every document in another currency; `converted` is the payment in the limits' currency.
    pub fn in_currency(&mut self, code: &str, converted: Option<i64>) {
        let c = Currency::parse(code).unwrap();
        self.order.currency = c;
        self.payment.currency = c;
        self.waybill.currency = Some(c);
        self.actual_paid_in_limits_currency = converted;
    }
}

/// An enabled rule at version 1 with no least channel.
pub fn rule(id: &str, condition: Condition, score: i32) -> RiskRule {
    RiskRule {
        id: id.into(),
        name: format!("rule {id}"),
        enabled: true,
        version: 1,
        condition,
        score,
        min_channel: None,
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}

/// What the risk rules look at besides the order ([`RiskFacts`]), owned so tests can change it.
#[derive(Clone, Debug)]
pub struct World {
    pub declaration_id: String,
    pub seed: u64,
    pub catalog_prices: HashMap<String, (i64, Currency)>,
    /// The order's actual payment in other currencies (the FX rates the hub has). The order's
    /// own currency gives its `actual_paid` unless listed here.
    pub values: Vec<(Currency, i64)>,
    /// `false`: no payment notice (no payer name).
    pub with_payer: bool,
    pub merchant_name: String,
    pub merchant_prior_releases: u64,
}

impl World {
    pub fn new() -> World {
        World {
            declaration_id: "dec_1".into(),
            seed: 7,
            catalog_prices: HashMap::new(),
            values: Vec::new(),
            with_payer: true,
            merchant_name: "Kedai Batik Sdn Bhd".into(),
            merchant_prior_releases: 3,
        }
    }

    /// Runs `f` with the facts of `p` in this world.
    pub fn with_facts<R>(&self, p: &Parcel, f: impl FnOnce(&RiskFacts<'_>) -> R) -> R {
        let value_in = |c: Currency| {
            self.values
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, v)| *v)
                .or((c == p.order.currency).then_some(p.order.actual_paid))
        };
        let facts = RiskFacts {
            declaration_id: &self.declaration_id,
            seed: self.seed,
            order: &p.order,
            value_in: &value_in,
            catalog_prices: &self.catalog_prices,
            merchant_name: &self.merchant_name,
            payer_name: self.with_payer.then_some(&p.payment.payer.name),
            merchant_prior_releases: self.merchant_prior_releases,
        };
        f(&facts)
    }

    pub fn assess(&self, p: &Parcel, rules: &[RiskRule], t: ChannelThresholds) -> Assessment {
        self.with_facts(p, |facts| assess(rules, facts, t))
    }

    /// Clears `p` as `declaration_id` with inventory number `INV-1` and the default thresholds.
    pub fn clear(&self, p: &Parcel, rules: &[RiskRule], now_ms: i64) -> (Declaration, AuditEntry) {
        self.with_facts(p, |facts| {
            clear(
                self.declaration_id.clone(),
                &p.input(),
                rules,
                facts,
                ChannelThresholds::default(),
                "INV-1".into(),
                now_ms,
            )
        })
    }
}

const NAMES: [&str; 6] = [
    "Wang Fang",
    "Li Lei",
    "Zhou Xun",
    "Chen Jie",
    "阿卜杜拉·艾尼",
    "张三",
];

fn resident_id() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![11u8, 31, 33, 44, 51, 65, 81, 83]),
        0u32..10_000,
        1930i32..2006,
        1u8..=12,
        1u8..=28,
        0u32..1_000,
    )
        .prop_map(|(r, area, y, m, d, seq)| {
            let body = format!("{r:02}{area:04}{y:04}{m:02}{d:02}{seq:03}");
            let check = cn_resident_id_check_char(&body).unwrap();
            format!("{body}{check}")
        })
}

/// Consistent parcels within China's limits: 1–4 lines, any incoterm, optional consignee,
/// order number, discount and transaction id, a buyer with room left in the year.
pub fn parcel() -> impl Strategy<Value = Parcel> {
    (
        prop::collection::vec((1u32..=5, 100i64..=20_000), 1..=4),
        (0i64..=5_000, 0i64..=500),
        (0u8..=10, any::<bool>(), 0u8..=20),
        (0usize..NAMES.len(), prop::option::of(0usize..NAMES.len())),
        resident_id(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        0u32..=1_000,
    )
        .prop_map(
            |(
                lines,
                (freight, insurance),
                (discount_pct, ddp, tax_pct),
                (buyer, consignee),
                id,
                (has_no, has_tx, platform),
                room_permille,
            )| {
                let mut o = order();
                o.lines = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (q, price))| {
                        line(
                            i as u32 + 1,
                            Some(&format!("SKU-{i}")),
                            "610910",
                            *q,
                            *price,
                        )
                    })
                    .collect();
                o.goods_value = o.lines.iter().map(|l| l.line_value).sum();
                o.freight = freight;
                o.insurance = insurance;
                o.total = o.goods_value + freight + insurance;
                o.discount = o.goods_value * i64::from(discount_pct) / 100;
                o.incoterm = if ddp { Incoterm::Ddp } else { Incoterm::Dap };
                let tax = o.goods_value * i64::from(tax_pct) / 100;
                o.tax_withheld = if ddp { tax } else { 0 };
                o.actual_paid = o.total - o.discount + o.tax_withheld;
                o.buyer.name = Personal::new(NAMES[buyer]);
                o.buyer.id_number = Personal::new(id);
                o.consignee = consignee.map(|c| Consignee {
                    name: Personal::new(NAMES[c]),
                    address: Personal::new("2 Wensan Road"),
                    phone: Personal::new("13800000001"),
                });
                if !has_no {
                    o.order_no = None;
                }
                if !has_tx {
                    o.payment_transaction_id = None;
                }
                if !platform {
                    o.submitted_by = o.merchant_id.clone();
                }
                let mut p = Parcel::around(o);
                p.computed_tax = tax;
                let room = 2_600_000 - p.order.actual_paid;
                p.buyer_year_used = room * i64::from(room_permille) / 1_000;
                p
            },
        )
}
