//! Writing a parsed [`Message`] back as XML: the inverse of [`crate::parse`].
//!
//! Every element is written with the `ceb:` prefix (as the official inbound samples are), in the
//! schema's order, and the output is checked against this crate's schema before it is handed
//! out, so a message whose fields were changed into something the schema refuses is an error
//! here, never an invalid document downstream. `parse(render(m)) == m` for every parsed `m`.

use crate::error::CebError;
use crate::message::{Envelope, Message};
use crate::model::*;
use crate::receipt::checked;
use crate::xml::{XmlOut, CEB_NS};

/// Writes `message` as a CEB XML document (UTF-8, with an XML declaration).
///
/// Errors: a field that does not fit the schema (too long, not a decimal, a character XML
/// cannot carry…), with the element path of the first one.
pub fn render(message: &Message) -> Result<String, CebError> {
    let root = message.kind().root_name();
    let mut w = XmlOut::new("ceb:");
    w.open_with(
        root,
        &[
            ("guid", message.guid()),
            ("version", message.version()),
            ("xmlns:ceb", CEB_NS),
        ],
    );
    write_documents(message, &mut w);
    if let Some(envelope) = envelope_of(message) {
        write_envelope(envelope, &mut w);
    }
    w.close(root);
    checked(w.out)
}

fn envelope_of(message: &Message) -> Option<&Envelope> {
    match message {
        Message::Ceb311 { envelope, .. }
        | Message::Ceb411 { envelope, .. }
        | Message::Ceb511 { envelope, .. }
        | Message::Ceb513 { envelope, .. }
        | Message::Ceb621 { envelope, .. }
        | Message::Ceb623 { envelope, .. }
        | Message::Ceb625 { envelope, .. }
        | Message::Ceb711 { envelope, .. } => Some(envelope),
        _ => None,
    }
}

/// `<name>` … `</name>` around what `body` writes.
fn group(w: &mut XmlOut, name: &str, body: impl FnOnce(&mut XmlOut)) {
    w.open(name);
    body(w);
    w.close(name);
}

/// One `<name>` group per item.
fn each<T>(w: &mut XmlOut, name: &str, items: &[T], write: fn(&T, &mut XmlOut)) {
    for item in items {
        group(w, name, |w| write(item, w));
    }
}

fn write_documents(message: &Message, w: &mut XmlOut) {
    match message {
        Message::Ceb311 { orders, .. } => {
            for order in orders {
                group(w, "Order", |w| {
                    group(w, "OrderHead", |w| order.head.write(w));
                    each(w, "OrderList", &order.lists, OrderList::write);
                });
            }
        }
        Message::Ceb312 { returns, .. } => each(w, "OrderReturn", returns, OrderReturn::write),
        Message::Ceb411 { payments, .. } => {
            for payment in payments {
                group(w, "Payment", |w| {
                    group(w, "PaymentHead", |w| payment.write(w));
                });
            }
        }
        Message::Ceb412 { returns, .. } => each(w, "PaymentReturn", returns, PaymentReturn::write),
        Message::Ceb511 { waybills, .. } => {
            for waybill in waybills {
                group(w, "Logistics", |w| {
                    group(w, "LogisticsHead", |w| waybill.write(w));
                });
            }
        }
        Message::Ceb512 { returns, .. } => {
            each(w, "LogisticsReturn", returns, LogisticsReturn::write)
        }
        Message::Ceb513 { statuses, .. } => {
            each(w, "LogisticsStatus", statuses, LogisticsStatus::write)
        }
        Message::Ceb514 { returns, .. } => each(
            w,
            "LogisticsStatusReturn",
            returns,
            LogisticsStatusReturn::write,
        ),
        Message::Ceb621 { inventories, .. } => {
            for inventory in inventories {
                group(w, "Inventory", |w| {
                    group(w, "InventoryHead", |w| inventory.head.write(w));
                    each(w, "InventoryList", &inventory.lists, InventoryList::write);
                });
            }
        }
        Message::Ceb622 { returns, .. } => {
            each(w, "InventoryReturn", returns, InventoryReturn::write)
        }
        Message::Ceb623 { cancels, .. } => each(w, "InvtCancel", cancels, InvtCancel::write),
        Message::Ceb624 { returns, .. } => {
            each(w, "InvtCancelReturn", returns, InvtCancelReturn::write)
        }
        Message::Ceb625 { refunds, .. } => {
            for refund in refunds {
                group(w, "InvtRefund", |w| {
                    group(w, "InvtRefundHead", |w| refund.head.write(w));
                    each(w, "InvtRefundList", &refund.lists, InvtRefundList::write);
                });
            }
        }
        Message::Ceb626 { returns, .. } => {
            each(w, "InvtRefundReturn", returns, InvtRefundReturn::write)
        }
        Message::Ceb711 { delivery, .. } => group(w, "Delivery", |w| {
            group(w, "DeliveryHead", |w| delivery.head.write(w));
            each(w, "DeliveryList", &delivery.lists, DeliveryList::write);
        }),
        Message::Ceb712 { returns, .. } => {
            each(w, "DeliveryReturn", returns, DeliveryReturn::write)
        }
        Message::Ceb900 { message_return, .. } => {
            group(w, "MessageReturn", |w| message_return.write(w))
        }
    }
}

fn write_envelope(envelope: &Envelope, w: &mut XmlOut) {
    group(w, "BaseTransfer", |w| envelope.base_transfer.write(w));
    each(
        w,
        "BaseSubscribe",
        &envelope.base_subscribes,
        BaseSubscribe::write,
    );
    if let Some(extend) = &envelope.extend_message {
        group(w, "ExtendMessage", |w| {
            w.leaf("name", &extend.name);
            w.leaf("version", &extend.version);
            match &extend.message {
                // The fragment declares its own namespaces and is written as it was kept.
                Some(fragment) => w.raw_line(&format!("<ceb:Message>{fragment}</ceb:Message>")),
                None => w.leaf("Message", ""),
            }
        });
    }
    if let Some(signature) = &envelope.signature {
        w.raw_line(signature);
    }
}
