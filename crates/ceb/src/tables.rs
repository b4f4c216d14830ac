//! The element declarations of the import schema, transcribed from `ceb-import-2022-05.xsd`:
//! order, occurrence and facets of every child element, and the message roots.

use crate::schema::{dec, el, fixed, int, text, AttrDecl, AttrType, Content, Particle, UNBOUNDED};
use crate::signature::signature_particle;

pub(crate) const ORDER_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("orderType", 1, 1, text(1, 1)),
    el("orderNo", 1, 1, text(1, 60)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebpName", 1, 1, text(1, 100)),
    el("ebcCode", 1, 1, text(1, 18)),
    el("ebcName", 1, 1, text(1, 100)),
    el("goodsValue", 1, 1, dec(19, 5)),
    el("freight", 1, 1, dec(19, 5)),
    el("discount", 1, 1, dec(19, 5)),
    el("taxTotal", 1, 1, dec(19, 5)),
    el("acturalPaid", 1, 1, dec(19, 5)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("buyerRegNo", 1, 1, text(1, 60)),
    el("buyerName", 1, 1, text(1, 60)),
    el("buyerTelephone", 1, 1, text(1, 30)),
    el("buyerIdType", 1, 1, text(1, 1)),
    el("buyerIdNumber", 1, 1, text(1, 60)),
    el("payCode", 0, 1, text(0, 18)),
    el("payName", 0, 1, text(0, 100)),
    el("payTransactionId", 0, 1, text(0, 60)),
    el("batchNumbers", 0, 1, text(0, 100)),
    el("consignee", 1, 1, text(1, 100)),
    el("consigneeTelephone", 1, 1, text(1, 50)),
    el("consigneeAddress", 1, 1, text(1, 200)),
    el("consigneeDistrict", 0, 1, text(6, 6)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const ORDER_LIST: &[Particle] = &[
    el("gnum", 1, 1, int(0)),
    el("itemNo", 0, 1, text(0, 30)),
    el("itemName", 1, 1, text(1, 250)),
    el("gmodel", 1, 1, text(1, 510)),
    el("itemDescribe", 0, 1, text(0, 1000)),
    el("barCode", 0, 1, text(0, 50)),
    el("unit", 1, 1, text(3, 3)),
    el("qty", 1, 1, dec(19, 5)),
    el("price", 1, 1, dec(19, 5)),
    el("totalPrice", 1, 1, dec(19, 5)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("country", 1, 1, text(3, 3)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const ORDER_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebcCode", 1, 1, text(1, 18)),
    el("orderNo", 1, 1, text(1, 60)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const PAYMENT_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("payCode", 1, 1, text(1, 18)),
    el("payName", 1, 1, text(1, 100)),
    el("payTransactionId", 1, 1, text(1, 60)),
    el("orderNo", 1, 1, text(1, 60)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebpName", 1, 1, text(1, 100)),
    el("payerIdType", 1, 1, text(1, 1)),
    el("payerIdNumber", 1, 1, text(1, 60)),
    el("payerName", 1, 1, text(1, 60)),
    el("telephone", 0, 1, text(0, 60)),
    el("amountPaid", 1, 1, dec(19, 5)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("payTime", 1, 1, text(14, 14)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const PAYMENT_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("payCode", 1, 1, text(1, 18)),
    el("payTransactionId", 1, 1, text(1, 60)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const LOGISTICS_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("billNo", 0, 1, text(0, 37)),
    el("orderNo", 1, 1, text(1, 60)),
    el("freight", 0, 1, dec(19, 5)),
    el("insuredFee", 0, 1, dec(19, 5)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("weight", 1, 1, dec(19, 5)),
    el("packNo", 1, 1, int(9)),
    el("goodsInfo", 0, 1, text(0, 200)),
    el("consignee", 1, 1, text(1, 100)),
    el("consigneeAddress", 1, 1, text(1, 200)),
    el("consigneeTelephone", 1, 1, text(1, 50)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const LOGISTICS_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const LOGISTICS_STATUS: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("logisticsStatus", 1, 1, text(1, 1)),
    el("logisticsTime", 1, 1, text(14, 14)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const LOGISTICS_STATUS_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("logisticsStatus", 1, 1, text(1, 1)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const INVENTORY_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("orderNo", 1, 1, text(1, 60)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebpName", 1, 1, text(1, 100)),
    el("ebcCode", 1, 1, text(1, 18)),
    el("ebcName", 1, 1, text(1, 100)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("copNo", 0, 1, text(0, 20)),
    el("preNo", 0, 1, text(0, 18)),
    el("assureCode", 1, 1, text(1, 30)),
    el("emsNo", 0, 1, text(0, 30)),
    el("invtNo", 0, 1, text(0, 18)),
    el("ieFlag", 1, 1, text(1, 1)),
    el("declTime", 1, 1, text(8, 8)),
    el("customsCode", 1, 1, text(4, 4)),
    el("portCode", 1, 1, text(4, 4)),
    el("ieDate", 0, 1, text(8, 8)),
    el("buyerIdType", 1, 1, text(1, 1)),
    el("buyerIdNumber", 1, 1, text(1, 60)),
    el("buyerName", 1, 1, text(1, 60)),
    el("buyerTelephone", 1, 1, text(1, 30)),
    el("consigneeAddress", 1, 1, text(1, 200)),
    el("agentCode", 1, 1, text(1, 18)),
    el("agentName", 1, 1, text(1, 100)),
    el("areaCode", 0, 1, text(0, 18)),
    el("areaName", 0, 1, text(0, 100)),
    el("tradeMode", 1, 1, text(4, 4)),
    el("trafMode", 1, 1, text(1, 1)),
    el("trafNo", 0, 1, text(0, 100)),
    el("voyageNo", 0, 1, text(0, 32)),
    el("billNo", 0, 1, text(0, 37)),
    el("loctNo", 0, 1, text(0, 10)),
    el("licenseNo", 0, 1, text(0, 19)),
    el("country", 1, 1, text(3, 3)),
    el("freight", 1, 1, dec(19, 5)),
    el("insuredFee", 1, 1, dec(19, 5)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("wrapType", 0, 1, text(1, 1)),
    el("packNo", 1, 1, int(9)),
    el("grossWeight", 1, 1, dec(19, 5)),
    el("netWeight", 1, 1, dec(19, 5)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const INVENTORY_LIST: &[Particle] = &[
    el("gnum", 1, 1, int(0)),
    el("itemRecordNo", 0, 1, text(0, 30)),
    el("itemNo", 0, 1, text(0, 20)),
    el("itemName", 0, 1, text(0, 250)),
    el("gcode", 1, 1, text(10, 10)),
    el("gname", 1, 1, text(1, 250)),
    el("gmodel", 1, 1, text(1, 510)),
    el("barCode", 0, 1, text(0, 50)),
    el("country", 1, 1, text(3, 3)),
    el("tradeCountry", 0, 1, text(1, 3)),
    el("currency", 1, 1, fixed("142", 3, 3)),
    el("qty", 1, 1, dec(19, 5)),
    el("unit", 1, 1, text(3, 3)),
    el("qty1", 1, 1, dec(19, 5)),
    el("unit1", 1, 1, text(3, 3)),
    el("qty2", 0, 1, dec(19, 5)),
    el("unit2", 0, 1, text(3, 3)),
    el("price", 1, 1, dec(19, 5)),
    el("totalPrice", 1, 1, dec(19, 5)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const INVENTORY_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("customsCode", 0, 1, text(4, 4)),
    el("ebpCode", 0, 1, text(1, 18)),
    el("ebcCode", 0, 1, text(1, 18)),
    el("agentCode", 0, 1, text(1, 18)),
    el("copNo", 1, 1, text(1, 20)),
    el("preNo", 1, 1, text(18, 18)),
    el("invtNo", 0, 1, text(18, 18)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const INVT_CANCEL: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("customsCode", 1, 1, text(4, 4)),
    el("orderNo", 1, 1, text(1, 60)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebpName", 1, 1, text(1, 100)),
    el("ebcCode", 1, 1, text(1, 18)),
    el("ebcName", 1, 1, text(1, 100)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("copNo", 0, 1, text(0, 20)),
    el("preNo", 0, 1, text(0, 18)),
    el("invtNo", 1, 1, text(1, 18)),
    el("buyerIdType", 1, 1, text(1, 1)),
    el("buyerIdNumber", 1, 1, text(1, 60)),
    el("buyerName", 1, 1, text(1, 60)),
    el("buyerTelephone", 1, 1, text(1, 30)),
    el("agentCode", 1, 1, text(1, 18)),
    el("agentName", 1, 1, text(1, 100)),
    el("reason", 1, 1, text(1, 1000)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const INVT_CANCEL_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("customsCode", 0, 1, text(4, 4)),
    el("agentCode", 0, 1, text(1, 18)),
    el("ebpCode", 0, 1, text(1, 18)),
    el("ebcCode", 0, 1, text(1, 18)),
    el("copNo", 1, 1, text(1, 20)),
    el("preNo", 1, 1, text(18, 18)),
    el("invtNo", 0, 1, text(18, 18)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const INVT_REFUND_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("customsCode", 1, 1, text(4, 4)),
    el("orderNo", 1, 1, text(1, 60)),
    el("ebpCode", 1, 1, text(1, 18)),
    el("ebpName", 1, 1, text(1, 100)),
    el("ebcCode", 1, 1, text(1, 18)),
    el("ebcName", 1, 1, text(1, 100)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("copNo", 0, 1, text(0, 20)),
    el("preNo", 0, 1, text(0, 18)),
    el("invtNo", 1, 1, text(1, 18)),
    el("buyerIdType", 1, 1, text(1, 1)),
    el("buyerIdNumber", 1, 1, text(1, 60)),
    el("buyerName", 1, 1, text(1, 60)),
    el("buyerTelephone", 1, 1, text(1, 30)),
    el("agentCode", 1, 1, text(1, 18)),
    el("agentName", 1, 1, text(1, 100)),
    el("reason", 1, 1, text(1, 1000)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const INVT_REFUND_LIST: &[Particle] = &[
    el("gnum", 1, 1, int(0)),
    el("gcode", 1, 1, text(10, 10)),
    el("gname", 1, 1, text(1, 250)),
    el("qty", 1, 1, dec(19, 5)),
    el("unit", 1, 1, text(3, 3)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const INVT_REFUND_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("customsCode", 0, 1, text(4, 4)),
    el("agentCode", 0, 1, text(1, 18)),
    el("ebpCode", 0, 1, text(1, 18)),
    el("ebcCode", 0, 1, text(1, 18)),
    el("copNo", 1, 1, text(1, 20)),
    el("preNo", 1, 1, text(18, 18)),
    el("invtNo", 0, 1, text(18, 18)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const DELIVERY_HEAD: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("appType", 1, 1, text(1, 1)),
    el("appTime", 1, 1, text(14, 14)),
    el("appStatus", 1, 1, text(1, 3)),
    el("customsCode", 1, 1, text(4, 4)),
    el("copNo", 0, 1, text(0, 20)),
    el("preNo", 0, 1, text(0, 18)),
    el("rkdNo", 0, 1, text(0, 18)),
    el("operatorCode", 1, 1, text(1, 18)),
    el("operatorName", 1, 1, text(1, 100)),
    el("ieFlag", 1, 1, text(1, 1)),
    el("trafMode", 1, 1, text(1, 1)),
    el("trafNo", 1, 1, text(1, 100)),
    el("voyageNo", 1, 1, text(1, 32)),
    el("billNo", 1, 1, text(1, 37)),
    el("logisticsCode", 1, 1, text(1, 18)),
    el("logisticsName", 1, 1, text(1, 100)),
    el("unloadLocation", 0, 1, text(0, 100)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const DELIVERY_LIST: &[Particle] = &[
    el("gnum", 1, 1, int(0)),
    el("logisticsNo", 1, 1, text(1, 60)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const DELIVERY_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("customsCode", 0, 1, text(4, 4)),
    el("operatorCode", 0, 1, text(1, 18)),
    el("copNo", 0, 1, text(0, 20)),
    el("preNo", 0, 1, text(0, 18)),
    el("rkdNo", 0, 1, text(0, 18)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnTime", 1, 1, text(17, 17)),
    el("returnInfo", 1, 1, text(1, 1000)),
];

pub(crate) const MESSAGE_RETURN: &[Particle] = &[
    el("guid", 1, 1, text(36, 36)),
    el("returnStatus", 1, 1, text(1, 10)),
    el("returnInfo", 1, 1, text(0, 5000)),
    el("returnTime", 1, 1, text(17, 17)),
    el("oriCopMsgId", 1, 1, text(0, 255)),
    el("oriMessageType", 1, 1, text(0, 15)),
    el("oriBizMessage", 1, 1, text(0, u32::MAX)),
];

pub(crate) const BASE_TRANSFER: &[Particle] = &[
    el("copCode", 1, 1, text(1, 18)),
    el("copName", 1, 1, text(0, 100)),
    el("dxpMode", 1, 1, text(3, 3)),
    el("dxpId", 1, 1, text(0, 30)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const BASE_SUBSCRIBE: &[Particle] = &[
    el("status", 1, 1, text(0, 100)),
    el("dxpMode", 1, 1, text(3, 3)),
    el("dxpAddress", 1, 1, text(0, 100)),
    el("note", 0, 1, text(0, 1000)),
];

pub(crate) const EXTEND_MESSAGE: &[Particle] = &[
    el("name", 1, 1, text(0, 30)),
    el("version", 1, 1, text(0, 30)),
    el("Message", 1, 1, Content::AnyOne),
];

pub(crate) const ROOT_ATTRS: &[AttrDecl] = &[
    AttrDecl {
        name: "guid",
        required: true,
        ty: AttrType::Text { min: 36, max: 36 },
    },
    AttrDecl {
        name: "version",
        required: true,
        ty: AttrType::Text { min: 1, max: 10 },
    },
];

const fn group(name: &'static str, max: u32, particles: &'static [Particle]) -> Particle {
    el(name, 1, max, Content::Seq(particles))
}

/// Builds an inbound message's sequence: its documents, then the transfer elements.
macro_rules! inbound {
    ($documents:expr, $signature_min:expr) => {
        &[
            $documents,
            group("BaseTransfer", 1, BASE_TRANSFER),
            el("BaseSubscribe", 0, 5, Content::Seq(BASE_SUBSCRIBE)),
            el("ExtendMessage", 0, 1, Content::Seq(EXTEND_MESSAGE)),
            signature_particle($signature_min),
        ]
    };
}

const ORDER: &[Particle] = &[
    group("OrderHead", 1, ORDER_HEAD),
    group("OrderList", 99, ORDER_LIST),
];
const PAYMENT: &[Particle] = &[group("PaymentHead", 1, PAYMENT_HEAD)];
const LOGISTICS: &[Particle] = &[group("LogisticsHead", 1, LOGISTICS_HEAD)];
const INVENTORY: &[Particle] = &[
    group("InventoryHead", 1, INVENTORY_HEAD),
    group("InventoryList", 99, INVENTORY_LIST),
];
const INVT_REFUND: &[Particle] = &[
    group("InvtRefundHead", 1, INVT_REFUND_HEAD),
    group("InvtRefundList", 99, INVT_REFUND_LIST),
];
const DELIVERY: &[Particle] = &[
    group("DeliveryHead", 1, DELIVERY_HEAD),
    group("DeliveryList", UNBOUNDED, DELIVERY_LIST),
];

pub(crate) const CEB311: &[Particle] = inbound!(group("Order", 100, ORDER), 0);
pub(crate) const CEB312: &[Particle] = &[group("OrderReturn", 100, ORDER_RETURN)];
pub(crate) const CEB411: &[Particle] = inbound!(group("Payment", 100, PAYMENT), 0);
pub(crate) const CEB412: &[Particle] = &[group("PaymentReturn", 100, PAYMENT_RETURN)];
pub(crate) const CEB511: &[Particle] = inbound!(group("Logistics", 100, LOGISTICS), 0);
pub(crate) const CEB512: &[Particle] = &[group("LogisticsReturn", 100, LOGISTICS_RETURN)];
pub(crate) const CEB513: &[Particle] = inbound!(group("LogisticsStatus", 100, LOGISTICS_STATUS), 0);
pub(crate) const CEB514: &[Particle] =
    &[group("LogisticsStatusReturn", 100, LOGISTICS_STATUS_RETURN)];
pub(crate) const CEB621: &[Particle] = inbound!(group("Inventory", 100, INVENTORY), 1);
pub(crate) const CEB622: &[Particle] = &[group("InventoryReturn", 100, INVENTORY_RETURN)];
pub(crate) const CEB623: &[Particle] = inbound!(group("InvtCancel", 100, INVT_CANCEL), 1);
pub(crate) const CEB624: &[Particle] = &[group("InvtCancelReturn", 100, INVT_CANCEL_RETURN)];
pub(crate) const CEB625: &[Particle] = inbound!(group("InvtRefund", 100, INVT_REFUND), 1);
pub(crate) const CEB626: &[Particle] = &[group("InvtRefundReturn", 100, INVT_REFUND_RETURN)];
pub(crate) const CEB711: &[Particle] = inbound!(group("Delivery", 1, DELIVERY), 1);
pub(crate) const CEB712: &[Particle] = &[group("DeliveryReturn", 100, DELIVERY_RETURN)];
pub(crate) const CEB900: &[Particle] = &[group("MessageReturn", 1, MESSAGE_RETURN)];
