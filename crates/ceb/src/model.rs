//! Typed CEB documents: one struct per XSD element group, with every element of the schema.
//! Field names are the XSD's in snake_case; each field's doc gives its XSD facet. Amounts and
//! quantities stay the validated decimal strings of the message (see [`crate::amount`] to turn
//! them into minor units).

use crate::xml::{Element, XmlOut};

/// The customs code of the renminbi, the fixed value of every import `currency` element.
const CUSTOMS_CNY: &str = "142";

/// Head of an electronic order (CEB311 `OrderHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `orderType`: exactly 1 character.
    pub order_type: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebpName`: 1 to 100 characters.
    pub ebp_name: String,
    /// `ebcCode`: 1 to 18 characters.
    pub ebc_code: String,
    /// `ebcName`: 1 to 100 characters.
    pub ebc_name: String,
    /// `goodsValue`: decimal, at most 19 digits, 5 after the point.
    pub goods_value: String,
    /// `freight`: decimal, at most 19 digits, 5 after the point.
    pub freight: String,
    /// `discount`: decimal, at most 19 digits, 5 after the point.
    pub discount: String,
    /// `taxTotal`: decimal, at most 19 digits, 5 after the point.
    pub tax_total: String,
    /// `acturalPaid` (the standard spells it so): decimal, at most 19 digits, 5 after the point.
    pub actural_paid: String,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `buyerRegNo`: 1 to 60 characters.
    pub buyer_reg_no: String,
    /// `buyerName`: 1 to 60 characters.
    pub buyer_name: String,
    /// `buyerTelephone`: 1 to 30 characters.
    pub buyer_telephone: String,
    /// `buyerIdType`: exactly 1 character.
    pub buyer_id_type: String,
    /// `buyerIdNumber`: 1 to 60 characters.
    pub buyer_id_number: String,
    /// `payCode`: up to 18 characters (optional).
    pub pay_code: Option<String>,
    /// `payName`: up to 100 characters (optional).
    pub pay_name: Option<String>,
    /// `payTransactionId`: up to 60 characters (optional).
    pub pay_transaction_id: Option<String>,
    /// `batchNumbers`: up to 100 characters (optional).
    pub batch_numbers: Option<String>,
    /// `consignee`: 1 to 100 characters.
    pub consignee: String,
    /// `consigneeTelephone`: 1 to 50 characters.
    pub consignee_telephone: String,
    /// `consigneeAddress`: 1 to 200 characters.
    pub consignee_address: String,
    /// `consigneeDistrict`: exactly 6 characters (optional).
    pub consignee_district: Option<String>,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl OrderHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        OrderHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            order_type: e.child_text("orderType"),
            order_no: e.child_text("orderNo"),
            ebp_code: e.child_text("ebpCode"),
            ebp_name: e.child_text("ebpName"),
            ebc_code: e.child_text("ebcCode"),
            ebc_name: e.child_text("ebcName"),
            goods_value: e.child_text("goodsValue"),
            freight: e.child_text("freight"),
            discount: e.child_text("discount"),
            tax_total: e.child_text("taxTotal"),
            actural_paid: e.child_text("acturalPaid"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            buyer_reg_no: e.child_text("buyerRegNo"),
            buyer_name: e.child_text("buyerName"),
            buyer_telephone: e.child_text("buyerTelephone"),
            buyer_id_type: e.child_text("buyerIdType"),
            buyer_id_number: e.child_text("buyerIdNumber"),
            pay_code: e.child_opt_text("payCode"),
            pay_name: e.child_opt_text("payName"),
            pay_transaction_id: e.child_opt_text("payTransactionId"),
            batch_numbers: e.child_opt_text("batchNumbers"),
            consignee: e.child_text("consignee"),
            consignee_telephone: e.child_text("consigneeTelephone"),
            consignee_address: e.child_text("consigneeAddress"),
            consignee_district: e.child_opt_text("consigneeDistrict"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("orderType", &self.order_type);
        w.leaf("orderNo", &self.order_no);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebpName", &self.ebp_name);
        w.leaf("ebcCode", &self.ebc_code);
        w.leaf("ebcName", &self.ebc_name);
        w.leaf("goodsValue", &self.goods_value);
        w.leaf("freight", &self.freight);
        w.leaf("discount", &self.discount);
        w.leaf("taxTotal", &self.tax_total);
        w.leaf("acturalPaid", &self.actural_paid);
        w.leaf("currency", &self.currency);
        w.leaf("buyerRegNo", &self.buyer_reg_no);
        w.leaf("buyerName", &self.buyer_name);
        w.leaf("buyerTelephone", &self.buyer_telephone);
        w.leaf("buyerIdType", &self.buyer_id_type);
        w.leaf("buyerIdNumber", &self.buyer_id_number);
        w.opt_leaf("payCode", self.pay_code.as_deref());
        w.opt_leaf("payName", self.pay_name.as_deref());
        w.opt_leaf("payTransactionId", self.pay_transaction_id.as_deref());
        w.opt_leaf("batchNumbers", self.batch_numbers.as_deref());
        w.leaf("consignee", &self.consignee);
        w.leaf("consigneeTelephone", &self.consignee_telephone);
        w.leaf("consigneeAddress", &self.consignee_address);
        w.opt_leaf("consigneeDistrict", self.consignee_district.as_deref());
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// One goods line of an order (CEB311 `OrderList`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderList {
    /// `gnum`: integer (xs:int).
    pub gnum: i32,
    /// `itemNo`: up to 30 characters (optional).
    pub item_no: Option<String>,
    /// `itemName`: 1 to 250 characters.
    pub item_name: String,
    /// `gmodel`: 1 to 510 characters.
    pub gmodel: String,
    /// `itemDescribe`: up to 1000 characters (optional).
    pub item_describe: Option<String>,
    /// `barCode`: up to 50 characters (optional).
    pub bar_code: Option<String>,
    /// `unit`: exactly 3 characters.
    pub unit: String,
    /// `qty`: decimal, at most 19 digits, 5 after the point.
    pub qty: String,
    /// `price`: decimal, at most 19 digits, 5 after the point.
    pub price: String,
    /// `totalPrice`: decimal, at most 19 digits, 5 after the point.
    pub total_price: String,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `country`: exactly 3 characters.
    pub country: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl OrderList {
    pub(crate) fn from_element(e: &Element) -> Self {
        OrderList {
            gnum: e.child_int("gnum"),
            item_no: e.child_opt_text("itemNo"),
            item_name: e.child_text("itemName"),
            gmodel: e.child_text("gmodel"),
            item_describe: e.child_opt_text("itemDescribe"),
            bar_code: e.child_opt_text("barCode"),
            unit: e.child_text("unit"),
            qty: e.child_text("qty"),
            price: e.child_text("price"),
            total_price: e.child_text("totalPrice"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            country: e.child_text("country"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf_int("gnum", self.gnum);
        w.opt_leaf("itemNo", self.item_no.as_deref());
        w.leaf("itemName", &self.item_name);
        w.leaf("gmodel", &self.gmodel);
        w.opt_leaf("itemDescribe", self.item_describe.as_deref());
        w.opt_leaf("barCode", self.bar_code.as_deref());
        w.leaf("unit", &self.unit);
        w.leaf("qty", &self.qty);
        w.leaf("price", &self.price);
        w.leaf("totalPrice", &self.total_price);
        w.leaf("currency", &self.currency);
        w.leaf("country", &self.country);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one order (CEB312 `OrderReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebcCode`: 1 to 18 characters.
    pub ebc_code: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl OrderReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        OrderReturn {
            guid: e.child_text("guid"),
            ebp_code: e.child_text("ebpCode"),
            ebc_code: e.child_text("ebcCode"),
            order_no: e.child_text("orderNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebcCode", &self.ebc_code);
        w.leaf("orderNo", &self.order_no);
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// A payment voucher (CEB411 `PaymentHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `payCode`: 1 to 18 characters.
    pub pay_code: String,
    /// `payName`: 1 to 100 characters.
    pub pay_name: String,
    /// `payTransactionId`: 1 to 60 characters.
    pub pay_transaction_id: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebpName`: 1 to 100 characters.
    pub ebp_name: String,
    /// `payerIdType`: exactly 1 character.
    pub payer_id_type: String,
    /// `payerIdNumber`: 1 to 60 characters.
    pub payer_id_number: String,
    /// `payerName`: 1 to 60 characters.
    pub payer_name: String,
    /// `telephone`: up to 60 characters (optional).
    pub telephone: Option<String>,
    /// `amountPaid`: decimal, at most 19 digits, 5 after the point.
    pub amount_paid: String,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `payTime`: exactly 14 characters.
    pub pay_time: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl PaymentHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        PaymentHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            pay_code: e.child_text("payCode"),
            pay_name: e.child_text("payName"),
            pay_transaction_id: e.child_text("payTransactionId"),
            order_no: e.child_text("orderNo"),
            ebp_code: e.child_text("ebpCode"),
            ebp_name: e.child_text("ebpName"),
            payer_id_type: e.child_text("payerIdType"),
            payer_id_number: e.child_text("payerIdNumber"),
            payer_name: e.child_text("payerName"),
            telephone: e.child_opt_text("telephone"),
            amount_paid: e.child_text("amountPaid"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            pay_time: e.child_text("payTime"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("payCode", &self.pay_code);
        w.leaf("payName", &self.pay_name);
        w.leaf("payTransactionId", &self.pay_transaction_id);
        w.leaf("orderNo", &self.order_no);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebpName", &self.ebp_name);
        w.leaf("payerIdType", &self.payer_id_type);
        w.leaf("payerIdNumber", &self.payer_id_number);
        w.leaf("payerName", &self.payer_name);
        w.opt_leaf("telephone", self.telephone.as_deref());
        w.leaf("amountPaid", &self.amount_paid);
        w.leaf("currency", &self.currency);
        w.leaf("payTime", &self.pay_time);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one payment (CEB412 `PaymentReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `payCode`: 1 to 18 characters.
    pub pay_code: String,
    /// `payTransactionId`: 1 to 60 characters.
    pub pay_transaction_id: String,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl PaymentReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        PaymentReturn {
            guid: e.child_text("guid"),
            pay_code: e.child_text("payCode"),
            pay_transaction_id: e.child_text("payTransactionId"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("payCode", &self.pay_code);
        w.leaf("payTransactionId", &self.pay_transaction_id);
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// A waybill (CEB511 `LogisticsHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogisticsHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `billNo`: up to 37 characters (optional).
    pub bill_no: Option<String>,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `freight`: decimal, at most 19 digits, 5 after the point (optional).
    pub freight: Option<String>,
    /// `insuredFee`: decimal, at most 19 digits, 5 after the point (optional).
    pub insured_fee: Option<String>,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `weight`: decimal, at most 19 digits, 5 after the point.
    pub weight: String,
    /// `packNo`: integer (xs:int), at most 9 digits.
    pub pack_no: i32,
    /// `goodsInfo`: up to 200 characters (optional).
    pub goods_info: Option<String>,
    /// `consignee`: 1 to 100 characters.
    pub consignee: String,
    /// `consigneeAddress`: 1 to 200 characters.
    pub consignee_address: String,
    /// `consigneeTelephone`: 1 to 50 characters.
    pub consignee_telephone: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl LogisticsHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        LogisticsHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            logistics_no: e.child_text("logisticsNo"),
            bill_no: e.child_opt_text("billNo"),
            order_no: e.child_text("orderNo"),
            freight: e.child_opt_text("freight"),
            insured_fee: e.child_opt_text("insuredFee"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            weight: e.child_text("weight"),
            pack_no: e.child_int("packNo"),
            goods_info: e.child_opt_text("goodsInfo"),
            consignee: e.child_text("consignee"),
            consignee_address: e.child_text("consigneeAddress"),
            consignee_telephone: e.child_text("consigneeTelephone"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.leaf("logisticsNo", &self.logistics_no);
        w.opt_leaf("billNo", self.bill_no.as_deref());
        w.leaf("orderNo", &self.order_no);
        w.opt_leaf("freight", self.freight.as_deref());
        w.opt_leaf("insuredFee", self.insured_fee.as_deref());
        w.leaf("currency", &self.currency);
        w.leaf("weight", &self.weight);
        w.leaf_int("packNo", self.pack_no);
        w.opt_leaf("goodsInfo", self.goods_info.as_deref());
        w.leaf("consignee", &self.consignee);
        w.leaf("consigneeAddress", &self.consignee_address);
        w.leaf("consigneeTelephone", &self.consignee_telephone);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one waybill (CEB512 `LogisticsReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogisticsReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl LogisticsReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        LogisticsReturn {
            guid: e.child_text("guid"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_no: e.child_text("logisticsNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// A logistics status report (CEB513 `LogisticsStatus`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogisticsStatus {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `logisticsStatus`: exactly 1 character.
    pub logistics_status: String,
    /// `logisticsTime`: exactly 14 characters.
    pub logistics_time: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl LogisticsStatus {
    pub(crate) fn from_element(e: &Element) -> Self {
        LogisticsStatus {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            logistics_no: e.child_text("logisticsNo"),
            logistics_status: e.child_text("logisticsStatus"),
            logistics_time: e.child_text("logisticsTime"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("logisticsStatus", &self.logistics_status);
        w.leaf("logisticsTime", &self.logistics_time);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one logistics status (CEB514 `LogisticsStatusReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogisticsStatusReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `logisticsStatus`: exactly 1 character.
    pub logistics_status: String,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl LogisticsStatusReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        LogisticsStatusReturn {
            guid: e.child_text("guid"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_no: e.child_text("logisticsNo"),
            logistics_status: e.child_text("logisticsStatus"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("logisticsStatus", &self.logistics_status);
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// Head of an import inventory list, the customs declaration (CEB621 `InventoryHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebpName`: 1 to 100 characters.
    pub ebp_name: String,
    /// `ebcCode`: 1 to 18 characters.
    pub ebc_code: String,
    /// `ebcName`: 1 to 100 characters.
    pub ebc_name: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `copNo`: up to 20 characters (optional).
    pub cop_no: Option<String>,
    /// `preNo`: up to 18 characters (optional).
    pub pre_no: Option<String>,
    /// `assureCode`: 1 to 30 characters.
    pub assure_code: String,
    /// `emsNo`: up to 30 characters (optional).
    pub ems_no: Option<String>,
    /// `invtNo`: up to 18 characters (optional).
    pub invt_no: Option<String>,
    /// `ieFlag`: exactly 1 character.
    pub ie_flag: String,
    /// `declTime`: exactly 8 characters.
    pub decl_time: String,
    /// `customsCode`: exactly 4 characters.
    pub customs_code: String,
    /// `portCode`: exactly 4 characters.
    pub port_code: String,
    /// `ieDate`: exactly 8 characters (optional).
    pub ie_date: Option<String>,
    /// `buyerIdType`: exactly 1 character.
    pub buyer_id_type: String,
    /// `buyerIdNumber`: 1 to 60 characters.
    pub buyer_id_number: String,
    /// `buyerName`: 1 to 60 characters.
    pub buyer_name: String,
    /// `buyerTelephone`: 1 to 30 characters.
    pub buyer_telephone: String,
    /// `consigneeAddress`: 1 to 200 characters.
    pub consignee_address: String,
    /// `agentCode`: 1 to 18 characters.
    pub agent_code: String,
    /// `agentName`: 1 to 100 characters.
    pub agent_name: String,
    /// `areaCode`: up to 18 characters (optional).
    pub area_code: Option<String>,
    /// `areaName`: up to 100 characters (optional).
    pub area_name: Option<String>,
    /// `tradeMode`: exactly 4 characters.
    pub trade_mode: String,
    /// `trafMode`: exactly 1 character.
    pub traf_mode: String,
    /// `trafNo`: up to 100 characters (optional).
    pub traf_no: Option<String>,
    /// `voyageNo`: up to 32 characters (optional).
    pub voyage_no: Option<String>,
    /// `billNo`: up to 37 characters (optional).
    pub bill_no: Option<String>,
    /// `loctNo`: up to 10 characters (optional).
    pub loct_no: Option<String>,
    /// `licenseNo`: up to 19 characters (optional).
    pub license_no: Option<String>,
    /// `country`: exactly 3 characters.
    pub country: String,
    /// `freight`: decimal, at most 19 digits, 5 after the point.
    pub freight: String,
    /// `insuredFee`: decimal, at most 19 digits, 5 after the point.
    pub insured_fee: String,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `wrapType`: exactly 1 character (optional).
    pub wrap_type: Option<String>,
    /// `packNo`: integer (xs:int), at most 9 digits.
    pub pack_no: i32,
    /// `grossWeight`: decimal, at most 19 digits, 5 after the point.
    pub gross_weight: String,
    /// `netWeight`: decimal, at most 19 digits, 5 after the point.
    pub net_weight: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl InventoryHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        InventoryHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            order_no: e.child_text("orderNo"),
            ebp_code: e.child_text("ebpCode"),
            ebp_name: e.child_text("ebpName"),
            ebc_code: e.child_text("ebcCode"),
            ebc_name: e.child_text("ebcName"),
            logistics_no: e.child_text("logisticsNo"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            cop_no: e.child_opt_text("copNo"),
            pre_no: e.child_opt_text("preNo"),
            assure_code: e.child_text("assureCode"),
            ems_no: e.child_opt_text("emsNo"),
            invt_no: e.child_opt_text("invtNo"),
            ie_flag: e.child_text("ieFlag"),
            decl_time: e.child_text("declTime"),
            customs_code: e.child_text("customsCode"),
            port_code: e.child_text("portCode"),
            ie_date: e.child_opt_text("ieDate"),
            buyer_id_type: e.child_text("buyerIdType"),
            buyer_id_number: e.child_text("buyerIdNumber"),
            buyer_name: e.child_text("buyerName"),
            buyer_telephone: e.child_text("buyerTelephone"),
            consignee_address: e.child_text("consigneeAddress"),
            agent_code: e.child_text("agentCode"),
            agent_name: e.child_text("agentName"),
            area_code: e.child_opt_text("areaCode"),
            area_name: e.child_opt_text("areaName"),
            trade_mode: e.child_text("tradeMode"),
            traf_mode: e.child_text("trafMode"),
            traf_no: e.child_opt_text("trafNo"),
            voyage_no: e.child_opt_text("voyageNo"),
            bill_no: e.child_opt_text("billNo"),
            loct_no: e.child_opt_text("loctNo"),
            license_no: e.child_opt_text("licenseNo"),
            country: e.child_text("country"),
            freight: e.child_text("freight"),
            insured_fee: e.child_text("insuredFee"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            wrap_type: e.child_opt_text("wrapType"),
            pack_no: e.child_int("packNo"),
            gross_weight: e.child_text("grossWeight"),
            net_weight: e.child_text("netWeight"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("orderNo", &self.order_no);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebpName", &self.ebp_name);
        w.leaf("ebcCode", &self.ebc_code);
        w.leaf("ebcName", &self.ebc_name);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.opt_leaf("copNo", self.cop_no.as_deref());
        w.opt_leaf("preNo", self.pre_no.as_deref());
        w.leaf("assureCode", &self.assure_code);
        w.opt_leaf("emsNo", self.ems_no.as_deref());
        w.opt_leaf("invtNo", self.invt_no.as_deref());
        w.leaf("ieFlag", &self.ie_flag);
        w.leaf("declTime", &self.decl_time);
        w.leaf("customsCode", &self.customs_code);
        w.leaf("portCode", &self.port_code);
        w.opt_leaf("ieDate", self.ie_date.as_deref());
        w.leaf("buyerIdType", &self.buyer_id_type);
        w.leaf("buyerIdNumber", &self.buyer_id_number);
        w.leaf("buyerName", &self.buyer_name);
        w.leaf("buyerTelephone", &self.buyer_telephone);
        w.leaf("consigneeAddress", &self.consignee_address);
        w.leaf("agentCode", &self.agent_code);
        w.leaf("agentName", &self.agent_name);
        w.opt_leaf("areaCode", self.area_code.as_deref());
        w.opt_leaf("areaName", self.area_name.as_deref());
        w.leaf("tradeMode", &self.trade_mode);
        w.leaf("trafMode", &self.traf_mode);
        w.opt_leaf("trafNo", self.traf_no.as_deref());
        w.opt_leaf("voyageNo", self.voyage_no.as_deref());
        w.opt_leaf("billNo", self.bill_no.as_deref());
        w.opt_leaf("loctNo", self.loct_no.as_deref());
        w.opt_leaf("licenseNo", self.license_no.as_deref());
        w.leaf("country", &self.country);
        w.leaf("freight", &self.freight);
        w.leaf("insuredFee", &self.insured_fee);
        w.leaf("currency", &self.currency);
        w.opt_leaf("wrapType", self.wrap_type.as_deref());
        w.leaf_int("packNo", self.pack_no);
        w.leaf("grossWeight", &self.gross_weight);
        w.leaf("netWeight", &self.net_weight);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// One goods line of an inventory list (CEB621 `InventoryList`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryList {
    /// `gnum`: integer (xs:int).
    pub gnum: i32,
    /// `itemRecordNo`: up to 30 characters (optional).
    pub item_record_no: Option<String>,
    /// `itemNo`: up to 20 characters (optional).
    pub item_no: Option<String>,
    /// `itemName`: up to 250 characters (optional).
    pub item_name: Option<String>,
    /// `gcode`: exactly 10 characters.
    pub gcode: String,
    /// `gname`: 1 to 250 characters.
    pub gname: String,
    /// `gmodel`: 1 to 510 characters.
    pub gmodel: String,
    /// `barCode`: up to 50 characters (optional).
    pub bar_code: Option<String>,
    /// `country`: exactly 3 characters.
    pub country: String,
    /// `tradeCountry`: 1 to 3 characters (optional).
    pub trade_country: Option<String>,
    /// `currency`: exactly 3 characters, fixed to `142`.
    pub currency: String,
    /// `qty`: decimal, at most 19 digits, 5 after the point.
    pub qty: String,
    /// `unit`: exactly 3 characters.
    pub unit: String,
    /// `qty1`: decimal, at most 19 digits, 5 after the point.
    pub qty1: String,
    /// `unit1`: exactly 3 characters.
    pub unit1: String,
    /// `qty2`: decimal, at most 19 digits, 5 after the point (optional).
    pub qty2: Option<String>,
    /// `unit2`: exactly 3 characters (optional).
    pub unit2: Option<String>,
    /// `price`: decimal, at most 19 digits, 5 after the point.
    pub price: String,
    /// `totalPrice`: decimal, at most 19 digits, 5 after the point.
    pub total_price: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl InventoryList {
    pub(crate) fn from_element(e: &Element) -> Self {
        InventoryList {
            gnum: e.child_int("gnum"),
            item_record_no: e.child_opt_text("itemRecordNo"),
            item_no: e.child_opt_text("itemNo"),
            item_name: e.child_opt_text("itemName"),
            gcode: e.child_text("gcode"),
            gname: e.child_text("gname"),
            gmodel: e.child_text("gmodel"),
            bar_code: e.child_opt_text("barCode"),
            country: e.child_text("country"),
            trade_country: e.child_opt_text("tradeCountry"),
            currency: e.child_fixed_text("currency", CUSTOMS_CNY),
            qty: e.child_text("qty"),
            unit: e.child_text("unit"),
            qty1: e.child_text("qty1"),
            unit1: e.child_text("unit1"),
            qty2: e.child_opt_text("qty2"),
            unit2: e.child_opt_text("unit2"),
            price: e.child_text("price"),
            total_price: e.child_text("totalPrice"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf_int("gnum", self.gnum);
        w.opt_leaf("itemRecordNo", self.item_record_no.as_deref());
        w.opt_leaf("itemNo", self.item_no.as_deref());
        w.opt_leaf("itemName", self.item_name.as_deref());
        w.leaf("gcode", &self.gcode);
        w.leaf("gname", &self.gname);
        w.leaf("gmodel", &self.gmodel);
        w.opt_leaf("barCode", self.bar_code.as_deref());
        w.leaf("country", &self.country);
        w.opt_leaf("tradeCountry", self.trade_country.as_deref());
        w.leaf("currency", &self.currency);
        w.leaf("qty", &self.qty);
        w.leaf("unit", &self.unit);
        w.leaf("qty1", &self.qty1);
        w.leaf("unit1", &self.unit1);
        w.opt_leaf("qty2", self.qty2.as_deref());
        w.opt_leaf("unit2", self.unit2.as_deref());
        w.leaf("price", &self.price);
        w.leaf("totalPrice", &self.total_price);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one inventory list (CEB622 `InventoryReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `customsCode`: exactly 4 characters (optional).
    pub customs_code: Option<String>,
    /// `ebpCode`: 1 to 18 characters (optional).
    pub ebp_code: Option<String>,
    /// `ebcCode`: 1 to 18 characters (optional).
    pub ebc_code: Option<String>,
    /// `agentCode`: 1 to 18 characters (optional).
    pub agent_code: Option<String>,
    /// `copNo`: 1 to 20 characters.
    pub cop_no: String,
    /// `preNo`: exactly 18 characters.
    pub pre_no: String,
    /// `invtNo`: exactly 18 characters (optional).
    pub invt_no: Option<String>,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl InventoryReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        InventoryReturn {
            guid: e.child_text("guid"),
            customs_code: e.child_opt_text("customsCode"),
            ebp_code: e.child_opt_text("ebpCode"),
            ebc_code: e.child_opt_text("ebcCode"),
            agent_code: e.child_opt_text("agentCode"),
            cop_no: e.child_text("copNo"),
            pre_no: e.child_text("preNo"),
            invt_no: e.child_opt_text("invtNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.opt_leaf("customsCode", self.customs_code.as_deref());
        w.opt_leaf("ebpCode", self.ebp_code.as_deref());
        w.opt_leaf("ebcCode", self.ebc_code.as_deref());
        w.opt_leaf("agentCode", self.agent_code.as_deref());
        w.leaf("copNo", &self.cop_no);
        w.leaf("preNo", &self.pre_no);
        w.opt_leaf("invtNo", self.invt_no.as_deref());
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// Request to cancel an inventory list (CEB623 `InvtCancel`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtCancel {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `customsCode`: exactly 4 characters.
    pub customs_code: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebpName`: 1 to 100 characters.
    pub ebp_name: String,
    /// `ebcCode`: 1 to 18 characters.
    pub ebc_code: String,
    /// `ebcName`: 1 to 100 characters.
    pub ebc_name: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `copNo`: up to 20 characters (optional).
    pub cop_no: Option<String>,
    /// `preNo`: up to 18 characters (optional).
    pub pre_no: Option<String>,
    /// `invtNo`: 1 to 18 characters.
    pub invt_no: String,
    /// `buyerIdType`: exactly 1 character.
    pub buyer_id_type: String,
    /// `buyerIdNumber`: 1 to 60 characters.
    pub buyer_id_number: String,
    /// `buyerName`: 1 to 60 characters.
    pub buyer_name: String,
    /// `buyerTelephone`: 1 to 30 characters.
    pub buyer_telephone: String,
    /// `agentCode`: 1 to 18 characters.
    pub agent_code: String,
    /// `agentName`: 1 to 100 characters.
    pub agent_name: String,
    /// `reason`: 1 to 1000 characters.
    pub reason: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl InvtCancel {
    pub(crate) fn from_element(e: &Element) -> Self {
        InvtCancel {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            customs_code: e.child_text("customsCode"),
            order_no: e.child_text("orderNo"),
            ebp_code: e.child_text("ebpCode"),
            ebp_name: e.child_text("ebpName"),
            ebc_code: e.child_text("ebcCode"),
            ebc_name: e.child_text("ebcName"),
            logistics_no: e.child_text("logisticsNo"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            cop_no: e.child_opt_text("copNo"),
            pre_no: e.child_opt_text("preNo"),
            invt_no: e.child_text("invtNo"),
            buyer_id_type: e.child_text("buyerIdType"),
            buyer_id_number: e.child_text("buyerIdNumber"),
            buyer_name: e.child_text("buyerName"),
            buyer_telephone: e.child_text("buyerTelephone"),
            agent_code: e.child_text("agentCode"),
            agent_name: e.child_text("agentName"),
            reason: e.child_text("reason"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("customsCode", &self.customs_code);
        w.leaf("orderNo", &self.order_no);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebpName", &self.ebp_name);
        w.leaf("ebcCode", &self.ebc_code);
        w.leaf("ebcName", &self.ebc_name);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.opt_leaf("copNo", self.cop_no.as_deref());
        w.opt_leaf("preNo", self.pre_no.as_deref());
        w.leaf("invtNo", &self.invt_no);
        w.leaf("buyerIdType", &self.buyer_id_type);
        w.leaf("buyerIdNumber", &self.buyer_id_number);
        w.leaf("buyerName", &self.buyer_name);
        w.leaf("buyerTelephone", &self.buyer_telephone);
        w.leaf("agentCode", &self.agent_code);
        w.leaf("agentName", &self.agent_name);
        w.leaf("reason", &self.reason);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one cancellation (CEB624 `InvtCancelReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtCancelReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `customsCode`: exactly 4 characters (optional).
    pub customs_code: Option<String>,
    /// `agentCode`: 1 to 18 characters (optional).
    pub agent_code: Option<String>,
    /// `ebpCode`: 1 to 18 characters (optional).
    pub ebp_code: Option<String>,
    /// `ebcCode`: 1 to 18 characters (optional).
    pub ebc_code: Option<String>,
    /// `copNo`: 1 to 20 characters.
    pub cop_no: String,
    /// `preNo`: exactly 18 characters.
    pub pre_no: String,
    /// `invtNo`: exactly 18 characters (optional).
    pub invt_no: Option<String>,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl InvtCancelReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        InvtCancelReturn {
            guid: e.child_text("guid"),
            customs_code: e.child_opt_text("customsCode"),
            agent_code: e.child_opt_text("agentCode"),
            ebp_code: e.child_opt_text("ebpCode"),
            ebc_code: e.child_opt_text("ebcCode"),
            cop_no: e.child_text("copNo"),
            pre_no: e.child_text("preNo"),
            invt_no: e.child_opt_text("invtNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.opt_leaf("customsCode", self.customs_code.as_deref());
        w.opt_leaf("agentCode", self.agent_code.as_deref());
        w.opt_leaf("ebpCode", self.ebp_code.as_deref());
        w.opt_leaf("ebcCode", self.ebc_code.as_deref());
        w.leaf("copNo", &self.cop_no);
        w.leaf("preNo", &self.pre_no);
        w.opt_leaf("invtNo", self.invt_no.as_deref());
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// Head of a return (refund) request (CEB625 `InvtRefundHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtRefundHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `customsCode`: exactly 4 characters.
    pub customs_code: String,
    /// `orderNo`: 1 to 60 characters.
    pub order_no: String,
    /// `ebpCode`: 1 to 18 characters.
    pub ebp_code: String,
    /// `ebpName`: 1 to 100 characters.
    pub ebp_name: String,
    /// `ebcCode`: 1 to 18 characters.
    pub ebc_code: String,
    /// `ebcName`: 1 to 100 characters.
    pub ebc_name: String,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `copNo`: up to 20 characters (optional).
    pub cop_no: Option<String>,
    /// `preNo`: up to 18 characters (optional).
    pub pre_no: Option<String>,
    /// `invtNo`: 1 to 18 characters.
    pub invt_no: String,
    /// `buyerIdType`: exactly 1 character.
    pub buyer_id_type: String,
    /// `buyerIdNumber`: 1 to 60 characters.
    pub buyer_id_number: String,
    /// `buyerName`: 1 to 60 characters.
    pub buyer_name: String,
    /// `buyerTelephone`: 1 to 30 characters.
    pub buyer_telephone: String,
    /// `agentCode`: 1 to 18 characters.
    pub agent_code: String,
    /// `agentName`: 1 to 100 characters.
    pub agent_name: String,
    /// `reason`: 1 to 1000 characters.
    pub reason: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl InvtRefundHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        InvtRefundHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            customs_code: e.child_text("customsCode"),
            order_no: e.child_text("orderNo"),
            ebp_code: e.child_text("ebpCode"),
            ebp_name: e.child_text("ebpName"),
            ebc_code: e.child_text("ebcCode"),
            ebc_name: e.child_text("ebcName"),
            logistics_no: e.child_text("logisticsNo"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            cop_no: e.child_opt_text("copNo"),
            pre_no: e.child_opt_text("preNo"),
            invt_no: e.child_text("invtNo"),
            buyer_id_type: e.child_text("buyerIdType"),
            buyer_id_number: e.child_text("buyerIdNumber"),
            buyer_name: e.child_text("buyerName"),
            buyer_telephone: e.child_text("buyerTelephone"),
            agent_code: e.child_text("agentCode"),
            agent_name: e.child_text("agentName"),
            reason: e.child_text("reason"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("customsCode", &self.customs_code);
        w.leaf("orderNo", &self.order_no);
        w.leaf("ebpCode", &self.ebp_code);
        w.leaf("ebpName", &self.ebp_name);
        w.leaf("ebcCode", &self.ebc_code);
        w.leaf("ebcName", &self.ebc_name);
        w.leaf("logisticsNo", &self.logistics_no);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.opt_leaf("copNo", self.cop_no.as_deref());
        w.opt_leaf("preNo", self.pre_no.as_deref());
        w.leaf("invtNo", &self.invt_no);
        w.leaf("buyerIdType", &self.buyer_id_type);
        w.leaf("buyerIdNumber", &self.buyer_id_number);
        w.leaf("buyerName", &self.buyer_name);
        w.leaf("buyerTelephone", &self.buyer_telephone);
        w.leaf("agentCode", &self.agent_code);
        w.leaf("agentName", &self.agent_name);
        w.leaf("reason", &self.reason);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// One goods line of a return request (CEB625 `InvtRefundList`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtRefundList {
    /// `gnum`: integer (xs:int).
    pub gnum: i32,
    /// `gcode`: exactly 10 characters.
    pub gcode: String,
    /// `gname`: 1 to 250 characters.
    pub gname: String,
    /// `qty`: decimal, at most 19 digits, 5 after the point.
    pub qty: String,
    /// `unit`: exactly 3 characters.
    pub unit: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl InvtRefundList {
    pub(crate) fn from_element(e: &Element) -> Self {
        InvtRefundList {
            gnum: e.child_int("gnum"),
            gcode: e.child_text("gcode"),
            gname: e.child_text("gname"),
            qty: e.child_text("qty"),
            unit: e.child_text("unit"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf_int("gnum", self.gnum);
        w.leaf("gcode", &self.gcode);
        w.leaf("gname", &self.gname);
        w.leaf("qty", &self.qty);
        w.leaf("unit", &self.unit);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for one return request (CEB626 `InvtRefundReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtRefundReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `customsCode`: exactly 4 characters (optional).
    pub customs_code: Option<String>,
    /// `agentCode`: 1 to 18 characters (optional).
    pub agent_code: Option<String>,
    /// `ebpCode`: 1 to 18 characters (optional).
    pub ebp_code: Option<String>,
    /// `ebcCode`: 1 to 18 characters (optional).
    pub ebc_code: Option<String>,
    /// `copNo`: 1 to 20 characters.
    pub cop_no: String,
    /// `preNo`: exactly 18 characters.
    pub pre_no: String,
    /// `invtNo`: exactly 18 characters (optional).
    pub invt_no: Option<String>,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl InvtRefundReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        InvtRefundReturn {
            guid: e.child_text("guid"),
            customs_code: e.child_opt_text("customsCode"),
            agent_code: e.child_opt_text("agentCode"),
            ebp_code: e.child_opt_text("ebpCode"),
            ebc_code: e.child_opt_text("ebcCode"),
            cop_no: e.child_text("copNo"),
            pre_no: e.child_text("preNo"),
            invt_no: e.child_opt_text("invtNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.opt_leaf("customsCode", self.customs_code.as_deref());
        w.opt_leaf("agentCode", self.agent_code.as_deref());
        w.opt_leaf("ebpCode", self.ebp_code.as_deref());
        w.opt_leaf("ebcCode", self.ebc_code.as_deref());
        w.leaf("copNo", &self.cop_no);
        w.leaf("preNo", &self.pre_no);
        w.opt_leaf("invtNo", self.invt_no.as_deref());
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// Head of a delivery (bonded warehouse receipt) document (CEB711 `DeliveryHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryHead {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `appType`: exactly 1 character.
    pub app_type: String,
    /// `appTime`: exactly 14 characters.
    pub app_time: String,
    /// `appStatus`: 1 to 3 characters.
    pub app_status: String,
    /// `customsCode`: exactly 4 characters.
    pub customs_code: String,
    /// `copNo`: up to 20 characters (optional).
    pub cop_no: Option<String>,
    /// `preNo`: up to 18 characters (optional).
    pub pre_no: Option<String>,
    /// `rkdNo`: up to 18 characters (optional).
    pub rkd_no: Option<String>,
    /// `operatorCode`: 1 to 18 characters.
    pub operator_code: String,
    /// `operatorName`: 1 to 100 characters.
    pub operator_name: String,
    /// `ieFlag`: exactly 1 character.
    pub ie_flag: String,
    /// `trafMode`: exactly 1 character.
    pub traf_mode: String,
    /// `trafNo`: 1 to 100 characters.
    pub traf_no: String,
    /// `voyageNo`: 1 to 32 characters.
    pub voyage_no: String,
    /// `billNo`: 1 to 37 characters.
    pub bill_no: String,
    /// `logisticsCode`: 1 to 18 characters.
    pub logistics_code: String,
    /// `logisticsName`: 1 to 100 characters.
    pub logistics_name: String,
    /// `unloadLocation`: up to 100 characters (optional).
    pub unload_location: Option<String>,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl DeliveryHead {
    pub(crate) fn from_element(e: &Element) -> Self {
        DeliveryHead {
            guid: e.child_text("guid"),
            app_type: e.child_text("appType"),
            app_time: e.child_text("appTime"),
            app_status: e.child_text("appStatus"),
            customs_code: e.child_text("customsCode"),
            cop_no: e.child_opt_text("copNo"),
            pre_no: e.child_opt_text("preNo"),
            rkd_no: e.child_opt_text("rkdNo"),
            operator_code: e.child_text("operatorCode"),
            operator_name: e.child_text("operatorName"),
            ie_flag: e.child_text("ieFlag"),
            traf_mode: e.child_text("trafMode"),
            traf_no: e.child_text("trafNo"),
            voyage_no: e.child_text("voyageNo"),
            bill_no: e.child_text("billNo"),
            logistics_code: e.child_text("logisticsCode"),
            logistics_name: e.child_text("logisticsName"),
            unload_location: e.child_opt_text("unloadLocation"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("appType", &self.app_type);
        w.leaf("appTime", &self.app_time);
        w.leaf("appStatus", &self.app_status);
        w.leaf("customsCode", &self.customs_code);
        w.opt_leaf("copNo", self.cop_no.as_deref());
        w.opt_leaf("preNo", self.pre_no.as_deref());
        w.opt_leaf("rkdNo", self.rkd_no.as_deref());
        w.leaf("operatorCode", &self.operator_code);
        w.leaf("operatorName", &self.operator_name);
        w.leaf("ieFlag", &self.ie_flag);
        w.leaf("trafMode", &self.traf_mode);
        w.leaf("trafNo", &self.traf_no);
        w.leaf("voyageNo", &self.voyage_no);
        w.leaf("billNo", &self.bill_no);
        w.leaf("logisticsCode", &self.logistics_code);
        w.leaf("logisticsName", &self.logistics_name);
        w.opt_leaf("unloadLocation", self.unload_location.as_deref());
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// One waybill of a delivery document (CEB711 `DeliveryList`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryList {
    /// `gnum`: integer (xs:int).
    pub gnum: i32,
    /// `logisticsNo`: 1 to 60 characters.
    pub logistics_no: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl DeliveryList {
    pub(crate) fn from_element(e: &Element) -> Self {
        DeliveryList {
            gnum: e.child_int("gnum"),
            logistics_no: e.child_text("logisticsNo"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf_int("gnum", self.gnum);
        w.leaf("logisticsNo", &self.logistics_no);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// Receipt for a delivery document (CEB712 `DeliveryReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `customsCode`: exactly 4 characters (optional).
    pub customs_code: Option<String>,
    /// `operatorCode`: 1 to 18 characters (optional).
    pub operator_code: Option<String>,
    /// `copNo`: up to 20 characters (optional).
    pub cop_no: Option<String>,
    /// `preNo`: up to 18 characters (optional).
    pub pre_no: Option<String>,
    /// `rkdNo`: up to 18 characters (optional).
    pub rkd_no: Option<String>,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `returnInfo`: 1 to 1000 characters.
    pub return_info: String,
}

impl DeliveryReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        DeliveryReturn {
            guid: e.child_text("guid"),
            customs_code: e.child_opt_text("customsCode"),
            operator_code: e.child_opt_text("operatorCode"),
            cop_no: e.child_opt_text("copNo"),
            pre_no: e.child_opt_text("preNo"),
            rkd_no: e.child_opt_text("rkdNo"),
            return_status: e.child_text("returnStatus"),
            return_time: e.child_text("returnTime"),
            return_info: e.child_text("returnInfo"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.opt_leaf("customsCode", self.customs_code.as_deref());
        w.opt_leaf("operatorCode", self.operator_code.as_deref());
        w.opt_leaf("copNo", self.cop_no.as_deref());
        w.opt_leaf("preNo", self.pre_no.as_deref());
        w.opt_leaf("rkdNo", self.rkd_no.as_deref());
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnTime", &self.return_time);
        w.leaf("returnInfo", &self.return_info);
    }
}

/// Format-check receipt for a message that could not be processed (CEB900 `MessageReturn`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageReturn {
    /// `guid`: exactly 36 characters.
    pub guid: String,
    /// `returnStatus`: 1 to 10 characters.
    pub return_status: String,
    /// `returnInfo`: up to 5000 characters.
    pub return_info: String,
    /// `returnTime`: exactly 17 characters.
    pub return_time: String,
    /// `oriCopMsgId`: up to 255 characters.
    pub ori_cop_msg_id: String,
    /// `oriMessageType`: up to 15 characters.
    pub ori_message_type: String,
    /// `oriBizMessage`: any length.
    pub ori_biz_message: String,
}

impl MessageReturn {
    pub(crate) fn from_element(e: &Element) -> Self {
        MessageReturn {
            guid: e.child_text("guid"),
            return_status: e.child_text("returnStatus"),
            return_info: e.child_text("returnInfo"),
            return_time: e.child_text("returnTime"),
            ori_cop_msg_id: e.child_text("oriCopMsgId"),
            ori_message_type: e.child_text("oriMessageType"),
            ori_biz_message: e.child_text("oriBizMessage"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("guid", &self.guid);
        w.leaf("returnStatus", &self.return_status);
        w.leaf("returnInfo", &self.return_info);
        w.leaf("returnTime", &self.return_time);
        w.leaf("oriCopMsgId", &self.ori_cop_msg_id);
        w.leaf("oriMessageType", &self.ori_message_type);
        w.leaf("oriBizMessage", &self.ori_biz_message);
    }
}

/// Who transmits the message (`BaseTransfer`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseTransfer {
    /// `copCode`: 1 to 18 characters.
    pub cop_code: String,
    /// `copName`: up to 100 characters.
    pub cop_name: String,
    /// `dxpMode`: exactly 3 characters.
    pub dxp_mode: String,
    /// `dxpId`: up to 30 characters.
    pub dxp_id: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl BaseTransfer {
    pub(crate) fn from_element(e: &Element) -> Self {
        BaseTransfer {
            cop_code: e.child_text("copCode"),
            cop_name: e.child_text("copName"),
            dxp_mode: e.child_text("dxpMode"),
            dxp_id: e.child_text("dxpId"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("copCode", &self.cop_code);
        w.leaf("copName", &self.cop_name);
        w.leaf("dxpMode", &self.dxp_mode);
        w.leaf("dxpId", &self.dxp_id);
        w.opt_leaf("note", self.note.as_deref());
    }
}

/// A receipt subscription (`BaseSubscribe`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseSubscribe {
    /// `status`: up to 100 characters.
    pub status: String,
    /// `dxpMode`: exactly 3 characters.
    pub dxp_mode: String,
    /// `dxpAddress`: up to 100 characters.
    pub dxp_address: String,
    /// `note`: up to 1000 characters (optional).
    pub note: Option<String>,
}

impl BaseSubscribe {
    pub(crate) fn from_element(e: &Element) -> Self {
        BaseSubscribe {
            status: e.child_text("status"),
            dxp_mode: e.child_text("dxpMode"),
            dxp_address: e.child_text("dxpAddress"),
            note: e.child_opt_text("note"),
        }
    }

    pub(crate) fn write(&self, w: &mut XmlOut) {
        w.leaf("status", &self.status);
        w.leaf("dxpMode", &self.dxp_mode);
        w.leaf("dxpAddress", &self.dxp_address);
        w.opt_leaf("note", self.note.as_deref());
    }
}
