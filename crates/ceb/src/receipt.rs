//! Receipts: the `*Return` messages that answer inbound documents, and CEB900.
//!
//! Statuses (spec sections 3.2–3.19; see [`ReturnStatus`]):
//! - a document received and accepted for clearance: `120` (海关入库), [`RECEIPT_ACCEPTED`];
//! - a document refused by a clearance check: `100` (海关退单), [`RECEIPT_REJECTED`], with the
//!   reason in `returnInfo`;
//! - a message that fails the schema: a negative status, the spec's "processing exception",
//!   using the error-code table 7-2's "parameter check failed" code of the kind (`-301008` for
//!   orders, `-401009` payments, `-504011` waybills, `-505011` logistics status, `-621001`
//!   inventory lists, `-623001` cancellations, `-625001` returns, `-800001` deliveries);
//! - a message whose kind (or documents) cannot be read: CEB900 with `-1` (table 7-1 code 0001,
//!   format error), `-2` (0002, fails the schema) or `-999` (0999, other format error).

use crate::codes::ReturnStatus;
use crate::error::{CebError, ErrorKind};
use crate::message::{root_kind, validate_tree, Message, MessageKind};
use crate::model::*;
use crate::time::{format_ceb_time17, CHINA_OFFSET_MINUTES};
use crate::xml::{is_xml_char, read_tree, Element, XmlOut, CEB_NS};

/// `returnStatus` of a document received and accepted for clearance (海关入库).
pub const RECEIPT_ACCEPTED: ReturnStatus = ReturnStatus::Accepted;
/// `returnStatus` of a document refused by clearance (海关退单).
pub const RECEIPT_REJECTED: ReturnStatus = ReturnStatus::Rejected;

const RETURN_INFO_MAX_CHARS: usize = 1000;
const MESSAGE_RETURN_INFO_MAX_CHARS: usize = 5000;
const VERSION: &str = "1.0";

/// Writes a receipt message and checks it against the schema before handing it out.
fn render_returns<T>(
    kind: MessageKind,
    guid: &str,
    element: &str,
    items: &[T],
    write: fn(&T, &mut XmlOut),
) -> Result<String, CebError> {
    let mut w = XmlOut::new("");
    w.open_with(
        kind.root_name(),
        &[("xmlns", CEB_NS), ("guid", guid), ("version", VERSION)],
    );
    for item in items {
        w.open(element);
        write(item, &mut w);
        w.close(element);
    }
    w.close(kind.root_name());
    checked(w.out)
}

/// Our own output must pass our own schema check: a value that does not fit is an error here,
/// never an invalid document downstream.
pub(crate) fn checked(xml: String) -> Result<String, CebError> {
    let tree = read_tree(xml.as_bytes()).map_err(|e| CebError {
        detail: format!("a value cannot be written as XML: {}", e.detail),
        ..e
    })?;
    validate_tree(&tree)?;
    Ok(xml)
}

/// CEB312: receipts for orders. `guid` is the receipt message's guid (36 characters).
pub fn render_ceb312(guid: &str, returns: &[OrderReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb312,
        guid,
        "OrderReturn",
        returns,
        OrderReturn::write,
    )
}

/// CEB412: receipts for payments.
pub fn render_ceb412(guid: &str, returns: &[PaymentReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb412,
        guid,
        "PaymentReturn",
        returns,
        PaymentReturn::write,
    )
}

/// CEB512: receipts for waybills.
pub fn render_ceb512(guid: &str, returns: &[LogisticsReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb512,
        guid,
        "LogisticsReturn",
        returns,
        LogisticsReturn::write,
    )
}

/// CEB514: receipts for logistics statuses.
pub fn render_ceb514(guid: &str, returns: &[LogisticsStatusReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb514,
        guid,
        "LogisticsStatusReturn",
        returns,
        LogisticsStatusReturn::write,
    )
}

/// CEB622: receipts for inventory lists.
pub fn render_ceb622(guid: &str, returns: &[InventoryReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb622,
        guid,
        "InventoryReturn",
        returns,
        InventoryReturn::write,
    )
}

/// CEB624: receipts for inventory cancellations.
pub fn render_ceb624(guid: &str, returns: &[InvtCancelReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb624,
        guid,
        "InvtCancelReturn",
        returns,
        InvtCancelReturn::write,
    )
}

/// CEB626: receipts for return requests.
pub fn render_ceb626(guid: &str, returns: &[InvtRefundReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb626,
        guid,
        "InvtRefundReturn",
        returns,
        InvtRefundReturn::write,
    )
}

/// CEB712: receipts for delivery documents.
pub fn render_ceb712(guid: &str, returns: &[DeliveryReturn]) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb712,
        guid,
        "DeliveryReturn",
        returns,
        DeliveryReturn::write,
    )
}

/// CEB900: the format-check receipt (one `MessageReturn`).
pub fn render_ceb900(guid: &str, message_return: &MessageReturn) -> Result<String, CebError> {
    render_returns(
        MessageKind::Ceb900,
        guid,
        "MessageReturn",
        std::slice::from_ref(message_return),
        MessageReturn::write,
    )
}

/// Cuts text to at most `max_chars` characters; never empty (the schema wants 1 or more).
/// Characters XML cannot carry (control characters in a caller's reason) become U+FFFD, so a
/// reason can never make the receipt unwritable.
fn return_info(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "-".to_string();
    }
    text.chars()
        .take(max_chars)
        .map(|c| if is_xml_char(c) { c } else { '\u{fffd}' })
        .collect()
}

/// The pre-entry number (`preNo`, 预录入编号, exactly 18 characters) the hub gives, as the
/// e-port would, to an inventory, cancellation or return that arrives without one: the kind's
/// letter as in the official receipts (`B` inventory and cancellation, `T` return), the China
/// date of the receipt, and 9 base-32 characters of a hash of the message guid, the document's
/// guid and copNo and its position. The same document answered on the same day gets the same
/// number; the receipt carries it, so the sender learns it from there.
fn assigned_pre_no(
    kind: MessageKind,
    message_guid: &str,
    document_guid: &str,
    cop_no: &str,
    index: usize,
    receipt_time: &str,
) -> String {
    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let letter = match kind {
        MessageKind::Ceb625 => 'T',
        _ => 'B',
    };
    let date: String = receipt_time.chars().take(8).collect();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let index_bytes = (index as u64).to_le_bytes();
    let parts: [&[u8]; 4] = [
        message_guid.as_bytes(),
        document_guid.as_bytes(),
        cop_no.as_bytes(),
        &index_bytes,
    ];
    for part in parts {
        // A separator after each part, so ("ab", "c") and ("a", "bc") hash apart.
        for b in part.iter().chain(std::iter::once(&0xffu8)) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut out = String::with_capacity(18);
    out.push(letter);
    out.push_str(&date);
    for i in 0..9 {
        out.push(char::from(CROCKFORD[((hash >> (5 * i)) & 31) as usize]));
    }
    out
}

/// The status and `returnInfo` of one document's outcome.
fn outcome_fields(outcome: &Result<(), String>, document_guid: &str) -> (String, String) {
    match outcome {
        Ok(()) => (
            RECEIPT_ACCEPTED.code(),
            format!("入库成功 accepted [{document_guid}]"),
        ),
        Err(reason) => (
            RECEIPT_REJECTED.code(),
            return_info(reason, RETURN_INFO_MAX_CHARS),
        ),
    }
}

/// The receipt answering `message`: one `*Return` per document, in order, with `outcomes[i]`
/// the clearance outcome of document `i` (`Ok` → `120` accepted, `Err(reason)` → `100`
/// rejected with the reason). `now_ms` is written in China time. The receipt message takes the
/// inbound message's guid, each `*Return` its document's guid, as the official samples do.
///
/// CEB622/624/626 need a `copNo` and an 18-character `preNo`: a document without a `preNo` (the
/// official CEB621 and CEB625 samples have none) gets one assigned by the hub, deterministic
/// for the document and the day; a document without a `copNo` is named by that `preNo`.
///
/// Errors: a receipt kind has no receipt, and `outcomes` must have one entry per document
/// ([`Message::document_count`]) (`no_receipt`).
pub fn receipt_for(
    message: &Message,
    outcomes: &[Result<(), String>],
    now_ms: i64,
) -> Result<String, CebError> {
    let kind = message.kind();
    if kind.receipt_kind().is_none() {
        return Err(CebError::new(
            ErrorKind::NoReceipt,
            kind.root_name(),
            "a receipt is not answered with a receipt",
        ));
    }
    if outcomes.len() != message.document_count() {
        return Err(CebError::new(
            ErrorKind::NoReceipt,
            kind.root_name(),
            format!(
                "{} outcome(s) for {} document(s)",
                outcomes.len(),
                message.document_count()
            ),
        ));
    }
    let time = format_ceb_time17(now_ms, CHINA_OFFSET_MINUTES);
    let guid = message.guid();
    let documents = Documents::of(message);
    documents.render(guid, &time, |i, document_guid| {
        outcomes
            .get(i)
            .map(|o| outcome_fields(o, document_guid))
            .unwrap_or_else(|| (RECEIPT_REJECTED.code(), "-".to_string()))
    })
}

/// The identifying fields of each document of a message, as its receipt repeats them.
enum Documents {
    Orders(Vec<[Option<String>; 4]>),
    Payments(Vec<[Option<String>; 3]>),
    Waybills(Vec<[Option<String>; 3]>),
    Statuses(Vec<[Option<String>; 4]>),
    /// guid, customsCode, ebpCode, ebcCode, agentCode, copNo, preNo, invtNo
    Inventories(MessageKind, Vec<[Option<String>; 8]>),
    /// guid, customsCode, operatorCode, copNo, preNo, rkdNo
    Deliveries(Vec<[Option<String>; 6]>),
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

impl Documents {
    fn of(message: &Message) -> Documents {
        match message {
            Message::Ceb311 { orders, .. } => Documents::Orders(
                orders
                    .iter()
                    .map(|o| {
                        let h = &o.head;
                        [s(&h.guid), s(&h.ebp_code), s(&h.ebc_code), s(&h.order_no)]
                    })
                    .collect(),
            ),
            Message::Ceb411 { payments, .. } => Documents::Payments(
                payments
                    .iter()
                    .map(|p| [s(&p.guid), s(&p.pay_code), s(&p.pay_transaction_id)])
                    .collect(),
            ),
            Message::Ceb511 { waybills, .. } => Documents::Waybills(
                waybills
                    .iter()
                    .map(|l| [s(&l.guid), s(&l.logistics_code), s(&l.logistics_no)])
                    .collect(),
            ),
            Message::Ceb513 { statuses, .. } => Documents::Statuses(
                statuses
                    .iter()
                    .map(|l| {
                        [
                            s(&l.guid),
                            s(&l.logistics_code),
                            s(&l.logistics_no),
                            s(&l.logistics_status),
                        ]
                    })
                    .collect(),
            ),
            Message::Ceb621 { inventories, .. } => Documents::Inventories(
                MessageKind::Ceb621,
                inventories
                    .iter()
                    .map(|i| {
                        let h = &i.head;
                        [
                            s(&h.guid),
                            s(&h.customs_code),
                            s(&h.ebp_code),
                            s(&h.ebc_code),
                            s(&h.agent_code),
                            h.cop_no.clone(),
                            h.pre_no.clone(),
                            h.invt_no.clone(),
                        ]
                    })
                    .collect(),
            ),
            Message::Ceb623 { cancels, .. } => Documents::Inventories(
                MessageKind::Ceb623,
                cancels
                    .iter()
                    .map(|h| {
                        [
                            s(&h.guid),
                            s(&h.customs_code),
                            s(&h.ebp_code),
                            s(&h.ebc_code),
                            s(&h.agent_code),
                            h.cop_no.clone(),
                            h.pre_no.clone(),
                            s(&h.invt_no),
                        ]
                    })
                    .collect(),
            ),
            Message::Ceb625 { refunds, .. } => Documents::Inventories(
                MessageKind::Ceb625,
                refunds
                    .iter()
                    .map(|r| {
                        let h = &r.head;
                        [
                            s(&h.guid),
                            s(&h.customs_code),
                            s(&h.ebp_code),
                            s(&h.ebc_code),
                            s(&h.agent_code),
                            h.cop_no.clone(),
                            h.pre_no.clone(),
                            s(&h.invt_no),
                        ]
                    })
                    .collect(),
            ),
            Message::Ceb711 { delivery, .. } => {
                let h = &delivery.head;
                Documents::Deliveries(vec![[
                    s(&h.guid),
                    s(&h.customs_code),
                    s(&h.operator_code),
                    h.cop_no.clone(),
                    h.pre_no.clone(),
                    h.rkd_no.clone(),
                ]])
            }
            _ => Documents::Orders(Vec::new()),
        }
    }

    /// Documents found in a tree that failed the schema, for a failure receipt.
    fn of_tree(kind: MessageKind, root: &Element) -> Documents {
        let texts = |e: Option<&Element>, names: &[&str]| -> Vec<Option<String>> {
            names
                .iter()
                .map(|n| e.and_then(|e| e.child(n)).map(|c| c.text.clone()))
                .collect()
        };
        fn array<const N: usize>(v: Vec<Option<String>>) -> [Option<String>; N] {
            std::array::from_fn(|i| v.get(i).cloned().flatten())
        }
        let inventory_fields = [
            "guid",
            "customsCode",
            "ebpCode",
            "ebcCode",
            "agentCode",
            "copNo",
            "preNo",
            "invtNo",
        ];
        match kind {
            MessageKind::Ceb311 => Documents::Orders(
                root.children_named("Order")
                    .map(|o| {
                        array(texts(
                            o.child("OrderHead"),
                            &["guid", "ebpCode", "ebcCode", "orderNo"],
                        ))
                    })
                    .collect(),
            ),
            MessageKind::Ceb411 => Documents::Payments(
                root.children_named("Payment")
                    .map(|p| {
                        array(texts(
                            p.child("PaymentHead"),
                            &["guid", "payCode", "payTransactionId"],
                        ))
                    })
                    .collect(),
            ),
            MessageKind::Ceb511 => Documents::Waybills(
                root.children_named("Logistics")
                    .map(|l| {
                        array(texts(
                            l.child("LogisticsHead"),
                            &["guid", "logisticsCode", "logisticsNo"],
                        ))
                    })
                    .collect(),
            ),
            MessageKind::Ceb513 => Documents::Statuses(
                root.children_named("LogisticsStatus")
                    .map(|l| {
                        array(texts(
                            Some(l),
                            &["guid", "logisticsCode", "logisticsNo", "logisticsStatus"],
                        ))
                    })
                    .collect(),
            ),
            MessageKind::Ceb621 => Documents::Inventories(
                kind,
                root.children_named("Inventory")
                    .map(|i| array(texts(i.child("InventoryHead"), &inventory_fields)))
                    .collect(),
            ),
            MessageKind::Ceb623 => Documents::Inventories(
                kind,
                root.children_named("InvtCancel")
                    .map(|i| array(texts(Some(i), &inventory_fields)))
                    .collect(),
            ),
            MessageKind::Ceb625 => Documents::Inventories(
                kind,
                root.children_named("InvtRefund")
                    .map(|i| array(texts(i.child("InvtRefundHead"), &inventory_fields)))
                    .collect(),
            ),
            MessageKind::Ceb711 => Documents::Deliveries(
                root.children_named("Delivery")
                    .map(|d| {
                        array(texts(
                            d.child("DeliveryHead"),
                            &[
                                "guid",
                                "customsCode",
                                "operatorCode",
                                "copNo",
                                "preNo",
                                "rkdNo",
                            ],
                        ))
                    })
                    .collect(),
            ),
            _ => Documents::Orders(Vec::new()),
        }
    }

    /// Renders one `*Return` per document; `status_of(i, document_guid)` gives status and info.
    fn render(
        &self,
        guid: &str,
        time: &str,
        status_of: impl Fn(usize, &str) -> (String, String),
    ) -> Result<String, CebError> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        match self {
            Documents::Orders(docs) => {
                let returns: Vec<OrderReturn> = docs
                    .iter()
                    .enumerate()
                    .map(|(i, [g, ebp, ebc, no])| {
                        let (return_status, return_info) = status_of(i, &text(g));
                        OrderReturn {
                            guid: text(g),
                            ebp_code: text(ebp),
                            ebc_code: text(ebc),
                            order_no: text(no),
                            return_status,
                            return_time: time.to_string(),
                            return_info,
                        }
                    })
                    .collect();
                render_ceb312(guid, &returns)
            }
            Documents::Payments(docs) => {
                let returns: Vec<PaymentReturn> = docs
                    .iter()
                    .enumerate()
                    .map(|(i, [g, code, transaction])| {
                        let (return_status, return_info) = status_of(i, &text(g));
                        PaymentReturn {
                            guid: text(g),
                            pay_code: text(code),
                            pay_transaction_id: text(transaction),
                            return_status,
                            return_time: time.to_string(),
                            return_info,
                        }
                    })
                    .collect();
                render_ceb412(guid, &returns)
            }
            Documents::Waybills(docs) => {
                let returns: Vec<LogisticsReturn> = docs
                    .iter()
                    .enumerate()
                    .map(|(i, [g, code, no])| {
                        let (return_status, return_info) = status_of(i, &text(g));
                        LogisticsReturn {
                            guid: text(g),
                            logistics_code: text(code),
                            logistics_no: text(no),
                            return_status,
                            return_time: time.to_string(),
                            return_info,
                        }
                    })
                    .collect();
                render_ceb512(guid, &returns)
            }
            Documents::Statuses(docs) => {
                let returns: Vec<LogisticsStatusReturn> = docs
                    .iter()
                    .enumerate()
                    .map(|(i, [g, code, no, status])| {
                        let (return_status, return_info) = status_of(i, &text(g));
                        LogisticsStatusReturn {
                            guid: text(g),
                            logistics_code: text(code),
                            logistics_no: text(no),
                            logistics_status: text(status),
                            return_status,
                            return_time: time.to_string(),
                            return_info,
                        }
                    })
                    .collect();
                render_ceb514(guid, &returns)
            }
            Documents::Inventories(kind, docs) => {
                // Optional receipt fields are left out unless they already fit the receipt.
                let fits =
                    |v: &Option<String>, len: usize| v.clone().filter(|t| t.chars().count() == len);
                let nonempty = |v: &Option<String>| v.clone().filter(|t| !t.is_empty());
                let mut inventory = Vec::new();
                let mut cancel = Vec::new();
                let mut refund = Vec::new();
                for (i, [g, customs, ebp, ebc, agent, cop, pre, invt]) in docs.iter().enumerate() {
                    let (return_status, return_info) = status_of(i, &text(g));
                    let (customs_code, invt_no) = (fits(customs, 4), fits(invt, 18));
                    let pre_no = fits(pre, 18).unwrap_or_else(|| {
                        assigned_pre_no(*kind, guid, &text(g), &text(cop), i, time)
                    });
                    // copNo is the sender's own number; without one the document goes by its preNo.
                    let cop_no = nonempty(cop).unwrap_or_else(|| pre_no.clone());
                    let (ebp_code, ebc_code, agent_code) =
                        (nonempty(ebp), nonempty(ebc), nonempty(agent));
                    let return_time = time.to_string();
                    match kind {
                        MessageKind::Ceb621 => inventory.push(InventoryReturn {
                            guid: text(g),
                            customs_code,
                            ebp_code,
                            ebc_code,
                            agent_code,
                            cop_no: cop_no.clone(),
                            pre_no: pre_no.clone(),
                            invt_no,
                            return_status,
                            return_time,
                            return_info,
                        }),
                        MessageKind::Ceb623 => cancel.push(InvtCancelReturn {
                            guid: text(g),
                            customs_code,
                            agent_code,
                            ebp_code,
                            ebc_code,
                            cop_no: cop_no.clone(),
                            pre_no: pre_no.clone(),
                            invt_no,
                            return_status,
                            return_time,
                            return_info,
                        }),
                        _ => refund.push(InvtRefundReturn {
                            guid: text(g),
                            customs_code,
                            agent_code,
                            ebp_code,
                            ebc_code,
                            cop_no: cop_no.clone(),
                            pre_no: pre_no.clone(),
                            invt_no,
                            return_status,
                            return_time,
                            return_info,
                        }),
                    }
                }
                match kind {
                    MessageKind::Ceb621 => render_ceb622(guid, &inventory),
                    MessageKind::Ceb623 => render_ceb624(guid, &cancel),
                    _ => render_ceb626(guid, &refund),
                }
            }
            Documents::Deliveries(docs) => {
                let returns: Vec<DeliveryReturn> = docs
                    .iter()
                    .enumerate()
                    .map(|(i, [g, customs, operator, cop, pre, rkd])| {
                        let (return_status, return_info) = status_of(i, &text(g));
                        DeliveryReturn {
                            guid: text(g),
                            customs_code: customs.clone().filter(|t| t.chars().count() == 4),
                            operator_code: operator.clone().filter(|t| !t.is_empty()),
                            cop_no: cop.clone(),
                            pre_no: pre.clone(),
                            rkd_no: rkd.clone(),
                            return_status,
                            return_time: time.to_string(),
                            return_info,
                        }
                    })
                    .collect();
                render_ceb712(guid, &returns)
            }
        }
    }
}

/// The negative "parameter check failed" status of table 7-2 for an inbound kind.
fn schema_failure_status(kind: MessageKind) -> Option<i32> {
    match kind {
        MessageKind::Ceb311 => Some(-301_008),
        MessageKind::Ceb411 => Some(-401_009),
        MessageKind::Ceb511 => Some(-504_011),
        MessageKind::Ceb513 => Some(-505_011),
        MessageKind::Ceb621 => Some(-621_001),
        MessageKind::Ceb623 => Some(-623_001),
        MessageKind::Ceb625 => Some(-625_001),
        MessageKind::Ceb711 => Some(-800_001),
        _ => None,
    }
}

/// The receipt for a message that [`crate::parse`] refused with `error`. When the message is
/// well-formed, of an inbound kind, and its documents' identifying fields can be read, the
/// answer is that kind's receipt with one `*Return` per document, each with the kind's
/// negative "parameter check failed" status (table 7-2, e.g. `-301008` for orders); otherwise
/// a CEB900 `MessageReturn`. Never fails:
/// `returnInfo` carries the error (code, path and an explanation, never a value).
pub fn failure_receipt(raw: &[u8], error: &CebError, now_ms: i64) -> String {
    let time = format_ceb_time17(now_ms, CHINA_OFFSET_MINUTES);
    let reason = error.to_string();
    let tree = read_tree(raw).ok();
    let sniffed = match &tree {
        Some(root) => Some((root.local.clone(), root.attr("guid").map(str::to_string))),
        None => sniff_root(raw),
    };
    if let Some(root) = &tree {
        if let Ok(kind) = root_kind(root) {
            if let (Some(status), Some(guid)) = (schema_failure_status(kind), root.attr("guid")) {
                let info = return_info(&reason, RETURN_INFO_MAX_CHARS);
                let documents = Documents::of_tree(kind, root);
                let rendered = documents.render(guid, &time, |_, _| {
                    (ReturnStatus::Exception(status).code(), info.clone())
                });
                if let Ok(xml) = rendered {
                    return xml;
                }
            }
        }
    }
    let (root_name, raw_guid) = sniffed.unwrap_or_default();
    let ori_message_type = if MessageKind::from_root_name(&root_name).is_some() {
        root_name
    } else {
        "Unknown".to_string()
    };
    let guid = raw_guid
        .filter(|g| g.chars().count() == 36 && g.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| derived_guid(raw, now_ms));
    let status = if error.kind.is_malformed() {
        -1
    } else if matches!(
        error.kind,
        ErrorKind::UnknownMessageType | ErrorKind::WrongNamespace
    ) && tree.is_some()
    {
        -999
    } else {
        -2
    };
    let message_return = MessageReturn {
        guid: guid.clone(),
        return_status: ReturnStatus::Exception(status).code(),
        return_info: return_info(&reason, MESSAGE_RETURN_INFO_MAX_CHARS),
        return_time: time,
        ori_cop_msg_id: String::new(),
        ori_message_type,
        // The original is not echoed back: it may hold personal data, or not be XML at all.
        ori_biz_message: String::new(),
    };
    render_ceb900(&guid, &message_return).unwrap_or_else(|_| minimal_ceb900(&message_return))
}

/// The root element's name and `guid` attribute of a document too broken to read whole.
fn sniff_root(raw: &[u8]) -> Option<(String, Option<String>)> {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let mut reader = quick_xml::Reader::from_reader(raw);
    for _ in 0..64 {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let guid = e
                    .try_get_attribute("guid")
                    .ok()
                    .flatten()
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                return Some((local, guid));
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    None
}

/// A guid for a CEB900 whose input had none: FNV-1a over the input and the time, so the same
/// input at the same moment gets the same guid (no randomness here).
fn derived_guid(raw: &[u8], now_ms: i64) -> String {
    let hash = |seed: u64| {
        raw.iter()
            .chain(now_ms.to_le_bytes().iter())
            .fold(seed, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            })
    };
    let hex = format!(
        "{:016X}{:016X}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Last resort if the CEB900 itself would not validate (cannot happen with the fields above).
fn minimal_ceb900(message_return: &MessageReturn) -> String {
    let mut w = XmlOut::new("");
    w.open_with(
        MessageKind::Ceb900.root_name(),
        &[
            ("xmlns", CEB_NS),
            ("guid", &message_return.guid),
            ("version", VERSION),
        ],
    );
    w.open("MessageReturn");
    message_return.write(&mut w);
    w.close("MessageReturn");
    w.close(MessageKind::Ceb900.root_name());
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_pre_entry_numbers() {
        let time = "20261122160000000";
        let a = assigned_pre_no(MessageKind::Ceb621, "G", "D", "C", 0, time);
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("B20261122"), "{a}");
        assert!(a.is_ascii());
        assert_eq!(
            a,
            assigned_pre_no(MessageKind::Ceb621, "G", "D", "C", 0, time)
        );
        assert_ne!(
            a,
            assigned_pre_no(MessageKind::Ceb621, "G", "D", "C", 1, time)
        );
        assert_ne!(
            a,
            assigned_pre_no(MessageKind::Ceb621, "G", "DC", "", 0, time)
        );
        assert!(assigned_pre_no(MessageKind::Ceb625, "G", "D", "C", 0, time).starts_with('T'));
    }

    #[test]
    fn reasons_are_cut_and_cleaned() {
        assert_eq!(return_info("  ", 10), "-");
        assert_eq!(return_info("a\u{1}b\u{fffe}", 10), "a\u{fffd}b\u{fffd}");
        assert_eq!(return_info(&"中".repeat(20), 10).chars().count(), 10);
    }
}
