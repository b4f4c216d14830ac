//! Composing inbound messages for a run of simple parcels: one CEB311 (orders, from the
//! platform), one CEB411 (payment vouchers, from the payment provider) and one CEB511 (waybills,
//! from the carrier), as a platform and its partners send them to the national platform, up to
//! 100 documents a message. Each parcel is one line of one product, paid in CNY by its buyer,
//! who is also the consignee. The bench (`ewtp bench clearance --ceb-batch`) and the hub's tests
//! send them; each message is written by [`crate::render`], which checks it against the schema.

use crate::message::{Envelope, Message, Order311};
use crate::model::{BaseTransfer, LogisticsHead, OrderHead, OrderList, PaymentHead};
use crate::CebError;

/// Documents a message of the 2022-05 standard carries at most (`maxOccurs="100"`).
pub const MAX_DOCUMENTS_PER_MESSAGE: usize = 100;

/// What every parcel of a run shares: the parties' customs codes, the product and the amounts.
pub struct CebParcels {
    /// Platform (`ebpCode`), merchant (`ebcCode`), payment provider (`payCode`), carrier
    /// (`logisticsCode`).
    pub platform_code: String,
    pub merchant_code: String,
    pub psp_code: String,
    pub carrier_code: String,
    pub sku: String,
    /// The unit price, the freight, the tax the hub computes and what the buyer pays, as decimal
    /// strings of CNY.
    pub price: String,
    pub freight: String,
    pub tax: String,
    pub paid: String,
    /// Numbers the run's orders and messages (distinct between runs sent to one hub).
    pub run: u32,
}

/// The three messages of parcels `first..first + count`, each as XML.
pub struct CebBatch {
    pub orders: String,
    pub payments: String,
    pub waybills: String,
}

/// The documents' time stamps: a fixed instant (the hub does not check them against its clock).
const APP_TIME: &str = "20260102100000";

impl CebParcels {
    /// The order number of parcel `n` (`BENCH-{run}-{n}`).
    pub fn order_no(&self, n: u64) -> String {
        format!("BENCH-{}-{n}", self.run)
    }

    /// A 36-character guid, distinct per run, message kind and number.
    fn guid(&self, kind: u16, n: u64) -> String {
        format!(
            "{:08X}-{kind:04X}-4000-8000-{:012X}",
            self.run,
            n & 0xFFFF_FFFF_FFFF
        )
    }

    /// The three messages of parcels `first..first + count` (1 to 100), the buyer of parcel `n`
    /// identified by `buyer_id(n)`.
    pub fn batch(
        &self,
        first: u64,
        count: usize,
        buyer_id: impl Fn(u64) -> String,
    ) -> Result<CebBatch, CebError> {
        assert!((1..=MAX_DOCUMENTS_PER_MESSAGE).contains(&count));
        let numbers = first..first + count as u64;
        let envelope = |cop_code: &str, cop_name: &str| Envelope {
            base_transfer: BaseTransfer {
                cop_code: cop_code.to_string(),
                cop_name: cop_name.to_string(),
                dxp_mode: "DXP".into(),
                dxp_id: format!("BENCH{}", self.run),
                note: None,
            },
            ..Envelope::default()
        };
        let orders = Message::Ceb311 {
            guid: self.guid(0x311, first),
            version: "1.0".into(),
            orders: numbers
                .clone()
                .map(|n| self.order(n, &buyer_id(n)))
                .collect(),
            envelope: envelope(&self.platform_code, "Bench Mall"),
        };
        let payments = Message::Ceb411 {
            guid: self.guid(0x411, first),
            version: "1.0".into(),
            payments: numbers
                .clone()
                .map(|n| self.payment(n, &buyer_id(n)))
                .collect(),
            envelope: envelope(&self.psp_code, "Bench Pay"),
        };
        let waybills = Message::Ceb511 {
            guid: self.guid(0x511, first),
            version: "1.0".into(),
            waybills: numbers.map(|n| self.waybill(n)).collect(),
            envelope: envelope(&self.carrier_code, "Bench Express"),
        };
        Ok(CebBatch {
            orders: crate::render(&orders)?,
            payments: crate::render(&payments)?,
            waybills: crate::render(&waybills)?,
        })
    }

    fn order(&self, n: u64, buyer_id: &str) -> Order311 {
        Order311 {
            head: OrderHead {
                guid: self.guid(0x1, n),
                app_type: "1".into(),
                app_time: APP_TIME.into(),
                app_status: "2".into(),
                order_type: "I".into(),
                order_no: self.order_no(n),
                ebp_code: self.platform_code.clone(),
                ebp_name: "Bench Mall".into(),
                ebc_code: self.merchant_code.clone(),
                ebc_name: "Bench Batik Sdn Bhd".into(),
                goods_value: self.price.clone(),
                freight: self.freight.clone(),
                discount: "0".into(),
                tax_total: self.tax.clone(),
                actural_paid: self.paid.clone(),
                currency: "142".into(),
                buyer_reg_no: format!("B{n}"),
                buyer_name: "Wang Fang".into(),
                buyer_telephone: "13800001234".into(),
                buyer_id_type: "1".into(),
                buyer_id_number: buyer_id.to_string(),
                pay_code: Some(self.psp_code.clone()),
                pay_name: Some("Bench Pay".into()),
                pay_transaction_id: Some(format!("TX-{}", self.order_no(n))),
                batch_numbers: None,
                consignee: "Wang Fang".into(),
                consignee_telephone: "13800001234".into(),
                consignee_address: "1 Wensan Road, Hangzhou".into(),
                consignee_district: None,
                note: None,
            },
            lists: vec![OrderList {
                gnum: 1,
                item_no: Some(self.sku.clone()),
                item_name: "Cotton T-shirt".into(),
                gmodel: "100% cotton, size M".into(),
                item_describe: None,
                bar_code: None,
                unit: "011".into(),
                qty: "1".into(),
                price: self.price.clone(),
                total_price: self.price.clone(),
                currency: "142".into(),
                country: "122".into(),
                note: None,
            }],
        }
    }

    fn payment(&self, n: u64, buyer_id: &str) -> PaymentHead {
        PaymentHead {
            guid: self.guid(0x2, n),
            app_type: "1".into(),
            app_time: APP_TIME.into(),
            app_status: "2".into(),
            pay_code: self.psp_code.clone(),
            pay_name: "Bench Pay".into(),
            pay_transaction_id: format!("TX-{}", self.order_no(n)),
            order_no: self.order_no(n),
            ebp_code: self.platform_code.clone(),
            ebp_name: "Bench Mall".into(),
            payer_id_type: "1".into(),
            payer_id_number: buyer_id.to_string(),
            payer_name: "Wang Fang".into(),
            telephone: None,
            amount_paid: self.paid.clone(),
            currency: "142".into(),
            pay_time: APP_TIME.into(),
            note: None,
        }
    }

    fn waybill(&self, n: u64) -> LogisticsHead {
        LogisticsHead {
            guid: self.guid(0x3, n),
            app_type: "1".into(),
            app_time: APP_TIME.into(),
            app_status: "2".into(),
            logistics_code: self.carrier_code.clone(),
            logistics_name: "Bench Express".into(),
            logistics_no: format!("SF-{}", self.order_no(n)),
            bill_no: None,
            order_no: self.order_no(n),
            freight: Some(self.freight.clone()),
            insured_fee: None,
            currency: "142".into(),
            weight: "0.3".into(),
            pack_no: 1,
            goods_info: None,
            consignee: "Wang Fang".into(),
            consignee_address: "1 Wensan Road, Hangzhou".into(),
            consignee_telephone: "13800001234".into(),
            note: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parcels() -> CebParcels {
        CebParcels {
            platform_code: "3301960001".into(),
            merchant_code: "3301960002".into(),
            psp_code: "3301960003".into(),
            carrier_code: "3301960004".into(),
            sku: "BENCH-TEE".into(),
            price: "100.00".into(),
            freight: "20.00".into(),
            tax: "11.80".into(),
            paid: "131.80".into(),
            run: 4242,
        }
    }

    /// The messages are schema-valid (render checks), carry every parcel, and read back as the
    /// hub's drafts with the fields that must agree for matching.
    #[test]
    fn a_batch_is_three_valid_messages_whose_documents_match() {
        let p = parcels();
        let b = p.batch(7, 3, |n| format!("ID{n}")).unwrap();
        for (xml, root) in [
            (&b.orders, "CEB311Message"),
            (&b.payments, "CEB411Message"),
            (&b.waybills, "CEB511Message"),
        ] {
            let m = crate::parse(xml.as_bytes()).unwrap();
            assert_eq!(m.kind().root_name(), root);
            assert_eq!(m.document_count(), 3);
        }
        let drafts = crate::intake(&crate::parse(b.orders.as_bytes()).unwrap()).unwrap();
        let order_nos: Vec<String> = drafts
            .iter()
            .map(|d| match d {
                Ok(crate::Draft::Order(o)) => o.draft.order_no.clone().unwrap_or_default(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(order_nos, ["BENCH-4242-7", "BENCH-4242-8", "BENCH-4242-9"]);
        assert!(b
            .payments
            .contains("<ceb:amountPaid>131.80</ceb:amountPaid>"));
        assert!(b
            .payments
            .contains("<ceb:payerIdNumber>ID8</ceb:payerIdNumber>"));
        assert!(b
            .waybills
            .contains("<ceb:logisticsNo>SF-BENCH-4242-9</ceb:logisticsNo>"));
        // Message guids differ by kind and by batch.
        let other = p.batch(10, 1, |n| format!("ID{n}")).unwrap();
        let guid = |xml: &str| xml.split("guid=\"").nth(1).unwrap()[..36].to_string();
        let guids: std::collections::HashSet<String> =
            [&b.orders, &b.payments, &b.waybills, &other.orders]
                .iter()
                .map(|x| guid(x))
                .collect();
        assert_eq!(guids.len(), 4);
    }
}
