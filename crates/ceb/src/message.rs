//! Parsing: bytes → element tree → schema check → typed [`Message`].

use crate::error::{shown_name, CebError, ErrorKind};
use crate::model::*;
use crate::schema::{validate_element, Content, Ctx, Ns, Particle};
use crate::tables;
use crate::xml::{read_tree, write_fragment, Element, CEB_NS};

/// Every import message kind of the 2022-05 schema that this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Electronic order.
    Ceb311,
    Ceb312,
    /// Payment voucher.
    Ceb411,
    Ceb412,
    /// Waybill.
    Ceb511,
    Ceb512,
    /// Logistics status.
    Ceb513,
    Ceb514,
    /// Inventory list (the customs declaration).
    Ceb621,
    Ceb622,
    /// Inventory cancellation.
    Ceb623,
    Ceb624,
    /// Return (refund) request.
    Ceb625,
    Ceb626,
    /// Delivery (bonded warehouse receipt).
    Ceb711,
    Ceb712,
    /// Format-check receipt.
    Ceb900,
}

impl MessageKind {
    pub const ALL: [MessageKind; 17] = [
        MessageKind::Ceb311,
        MessageKind::Ceb312,
        MessageKind::Ceb411,
        MessageKind::Ceb412,
        MessageKind::Ceb511,
        MessageKind::Ceb512,
        MessageKind::Ceb513,
        MessageKind::Ceb514,
        MessageKind::Ceb621,
        MessageKind::Ceb622,
        MessageKind::Ceb623,
        MessageKind::Ceb624,
        MessageKind::Ceb625,
        MessageKind::Ceb626,
        MessageKind::Ceb711,
        MessageKind::Ceb712,
        MessageKind::Ceb900,
    ];

    /// The root element's name, e.g. `CEB311Message`.
    pub fn root_name(self) -> &'static str {
        match self {
            MessageKind::Ceb311 => "CEB311Message",
            MessageKind::Ceb312 => "CEB312Message",
            MessageKind::Ceb411 => "CEB411Message",
            MessageKind::Ceb412 => "CEB412Message",
            MessageKind::Ceb511 => "CEB511Message",
            MessageKind::Ceb512 => "CEB512Message",
            MessageKind::Ceb513 => "CEB513Message",
            MessageKind::Ceb514 => "CEB514Message",
            MessageKind::Ceb621 => "CEB621Message",
            MessageKind::Ceb622 => "CEB622Message",
            MessageKind::Ceb623 => "CEB623Message",
            MessageKind::Ceb624 => "CEB624Message",
            MessageKind::Ceb625 => "CEB625Message",
            MessageKind::Ceb626 => "CEB626Message",
            MessageKind::Ceb711 => "CEB711Message",
            MessageKind::Ceb712 => "CEB712Message",
            MessageKind::Ceb900 => "CEB900Message",
        }
    }

    pub fn from_root_name(name: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.root_name() == name)
    }

    /// The receipt kind answering this kind (`Ceb311` → `Ceb312`); `None` for receipts.
    pub fn receipt_kind(self) -> Option<MessageKind> {
        match self {
            MessageKind::Ceb311 => Some(MessageKind::Ceb312),
            MessageKind::Ceb411 => Some(MessageKind::Ceb412),
            MessageKind::Ceb511 => Some(MessageKind::Ceb512),
            MessageKind::Ceb513 => Some(MessageKind::Ceb514),
            MessageKind::Ceb621 => Some(MessageKind::Ceb622),
            MessageKind::Ceb623 => Some(MessageKind::Ceb624),
            MessageKind::Ceb625 => Some(MessageKind::Ceb626),
            MessageKind::Ceb711 => Some(MessageKind::Ceb712),
            _ => None,
        }
    }

    pub(crate) fn particles(self) -> &'static [Particle] {
        match self {
            MessageKind::Ceb311 => tables::CEB311,
            MessageKind::Ceb312 => tables::CEB312,
            MessageKind::Ceb411 => tables::CEB411,
            MessageKind::Ceb412 => tables::CEB412,
            MessageKind::Ceb511 => tables::CEB511,
            MessageKind::Ceb512 => tables::CEB512,
            MessageKind::Ceb513 => tables::CEB513,
            MessageKind::Ceb514 => tables::CEB514,
            MessageKind::Ceb621 => tables::CEB621,
            MessageKind::Ceb622 => tables::CEB622,
            MessageKind::Ceb623 => tables::CEB623,
            MessageKind::Ceb624 => tables::CEB624,
            MessageKind::Ceb625 => tables::CEB625,
            MessageKind::Ceb626 => tables::CEB626,
            MessageKind::Ceb711 => tables::CEB711,
            MessageKind::Ceb712 => tables::CEB712,
            MessageKind::Ceb900 => tables::CEB900,
        }
    }

    fn root_particle(self) -> Particle {
        Particle {
            name: self.root_name(),
            ns: Ns::Ceb,
            min: 1,
            max: 1,
            content: Content::Seq(self.particles()),
            attrs: tables::ROOT_ATTRS,
        }
    }
}

/// `ExtendMessage`: a sender's own extension, kept so that it can be written back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtendMessage {
    pub name: String,
    pub version: String,
    /// The one element inside `Message` (any namespace, not interpreted), as compact XML that
    /// declares its own namespaces; `None` when `Message` is empty.
    pub message: Option<String>,
}

/// What an inbound message carries besides its documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    pub base_transfer: BaseTransfer,
    /// `BaseSubscribe`, 0 to 5.
    pub base_subscribes: Vec<BaseSubscribe>,
    pub extend_message: Option<ExtendMessage>,
    /// The `ds:Signature` element as compact XML (its shape was checked, not its cryptography),
    /// kept so that [`crate::render`] can write it back. It no longer verifies once the message
    /// is re-written: a rendered message is signed again by whoever sends it.
    pub signature: Option<String>,
}

impl Envelope {
    /// True when the message carried a `ds:Signature`.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

/// One `Order` of a CEB311: its head and 1 to 99 lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order311 {
    pub head: OrderHead,
    pub lists: Vec<OrderList>,
}

/// One `Inventory` of a CEB621: its head and 1 to 99 lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory621 {
    pub head: InventoryHead,
    pub lists: Vec<InventoryList>,
}

/// One `InvtRefund` of a CEB625: its head and 1 to 99 lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvtRefund625 {
    pub head: InvtRefundHead,
    pub lists: Vec<InvtRefundList>,
}

/// The `Delivery` of a CEB711 (exactly one per message): its head and its waybills.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery711 {
    pub head: DeliveryHead,
    pub lists: Vec<DeliveryList>,
}

/// A parsed, schema-valid CEB import message. `guid` and `version` are the root attributes.
// One message is parsed per request and moved once: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Ceb311 {
        guid: String,
        version: String,
        orders: Vec<Order311>,
        envelope: Envelope,
    },
    Ceb312 {
        guid: String,
        version: String,
        returns: Vec<OrderReturn>,
    },
    Ceb411 {
        guid: String,
        version: String,
        payments: Vec<PaymentHead>,
        envelope: Envelope,
    },
    Ceb412 {
        guid: String,
        version: String,
        returns: Vec<PaymentReturn>,
    },
    Ceb511 {
        guid: String,
        version: String,
        waybills: Vec<LogisticsHead>,
        envelope: Envelope,
    },
    Ceb512 {
        guid: String,
        version: String,
        returns: Vec<LogisticsReturn>,
    },
    Ceb513 {
        guid: String,
        version: String,
        statuses: Vec<LogisticsStatus>,
        envelope: Envelope,
    },
    Ceb514 {
        guid: String,
        version: String,
        returns: Vec<LogisticsStatusReturn>,
    },
    Ceb621 {
        guid: String,
        version: String,
        inventories: Vec<Inventory621>,
        envelope: Envelope,
    },
    Ceb622 {
        guid: String,
        version: String,
        returns: Vec<InventoryReturn>,
    },
    Ceb623 {
        guid: String,
        version: String,
        cancels: Vec<InvtCancel>,
        envelope: Envelope,
    },
    Ceb624 {
        guid: String,
        version: String,
        returns: Vec<InvtCancelReturn>,
    },
    Ceb625 {
        guid: String,
        version: String,
        refunds: Vec<InvtRefund625>,
        envelope: Envelope,
    },
    Ceb626 {
        guid: String,
        version: String,
        returns: Vec<InvtRefundReturn>,
    },
    Ceb711 {
        guid: String,
        version: String,
        delivery: Delivery711,
        envelope: Envelope,
    },
    Ceb712 {
        guid: String,
        version: String,
        returns: Vec<DeliveryReturn>,
    },
    Ceb900 {
        guid: String,
        version: String,
        message_return: MessageReturn,
    },
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Ceb311 { .. } => MessageKind::Ceb311,
            Message::Ceb312 { .. } => MessageKind::Ceb312,
            Message::Ceb411 { .. } => MessageKind::Ceb411,
            Message::Ceb412 { .. } => MessageKind::Ceb412,
            Message::Ceb511 { .. } => MessageKind::Ceb511,
            Message::Ceb512 { .. } => MessageKind::Ceb512,
            Message::Ceb513 { .. } => MessageKind::Ceb513,
            Message::Ceb514 { .. } => MessageKind::Ceb514,
            Message::Ceb621 { .. } => MessageKind::Ceb621,
            Message::Ceb622 { .. } => MessageKind::Ceb622,
            Message::Ceb623 { .. } => MessageKind::Ceb623,
            Message::Ceb624 { .. } => MessageKind::Ceb624,
            Message::Ceb625 { .. } => MessageKind::Ceb625,
            Message::Ceb626 { .. } => MessageKind::Ceb626,
            Message::Ceb711 { .. } => MessageKind::Ceb711,
            Message::Ceb712 { .. } => MessageKind::Ceb712,
            Message::Ceb900 { .. } => MessageKind::Ceb900,
        }
    }

    /// The message's own guid (root attribute).
    pub fn guid(&self) -> &str {
        self.root_attributes().0
    }

    pub fn version(&self) -> &str {
        self.root_attributes().1
    }

    fn root_attributes(&self) -> (&str, &str) {
        match self {
            Message::Ceb311 { guid, version, .. }
            | Message::Ceb312 { guid, version, .. }
            | Message::Ceb411 { guid, version, .. }
            | Message::Ceb412 { guid, version, .. }
            | Message::Ceb511 { guid, version, .. }
            | Message::Ceb512 { guid, version, .. }
            | Message::Ceb513 { guid, version, .. }
            | Message::Ceb514 { guid, version, .. }
            | Message::Ceb621 { guid, version, .. }
            | Message::Ceb622 { guid, version, .. }
            | Message::Ceb623 { guid, version, .. }
            | Message::Ceb624 { guid, version, .. }
            | Message::Ceb625 { guid, version, .. }
            | Message::Ceb626 { guid, version, .. }
            | Message::Ceb711 { guid, version, .. }
            | Message::Ceb712 { guid, version, .. }
            | Message::Ceb900 { guid, version, .. } => (guid, version),
        }
    }

    /// How many business documents (orders, payments, waybills, returns…) the message holds;
    /// [`crate::receipt_for`] wants one outcome for each.
    pub fn document_count(&self) -> usize {
        match self {
            Message::Ceb311 { orders, .. } => orders.len(),
            Message::Ceb312 { returns, .. } => returns.len(),
            Message::Ceb411 { payments, .. } => payments.len(),
            Message::Ceb412 { returns, .. } => returns.len(),
            Message::Ceb511 { waybills, .. } => waybills.len(),
            Message::Ceb512 { returns, .. } => returns.len(),
            Message::Ceb513 { statuses, .. } => statuses.len(),
            Message::Ceb514 { returns, .. } => returns.len(),
            Message::Ceb621 { inventories, .. } => inventories.len(),
            Message::Ceb622 { returns, .. } => returns.len(),
            Message::Ceb623 { cancels, .. } => cancels.len(),
            Message::Ceb624 { returns, .. } => returns.len(),
            Message::Ceb625 { refunds, .. } => refunds.len(),
            Message::Ceb626 { returns, .. } => returns.len(),
            Message::Ceb711 { .. } | Message::Ceb900 { .. } => 1,
            Message::Ceb712 { returns, .. } => returns.len(),
        }
    }
}

/// Finds the message kind of a tree's root, checking its namespace.
pub(crate) fn root_kind(root: &Element) -> Result<MessageKind, CebError> {
    match MessageKind::from_root_name(&root.local) {
        Some(kind) if root.ns == CEB_NS => Ok(kind),
        Some(kind) => Err(CebError::new(
            ErrorKind::WrongNamespace,
            kind.root_name(),
            format!("the root element must be in namespace {CEB_NS}"),
        )),
        None => Err(CebError::new(
            ErrorKind::UnknownMessageType,
            shown_name(&root.local),
            format!(
                "`{}` is not a CEB import message this hub accepts",
                shown_name(&root.local)
            ),
        )),
    }
}

/// Checks a message against the import schema without building the typed message.
pub fn validate(xml: &[u8]) -> Result<MessageKind, CebError> {
    let tree = read_tree(xml)?;
    validate_tree(&tree)
}

pub(crate) fn validate_tree(tree: &Element) -> Result<MessageKind, CebError> {
    let kind = root_kind(tree)?;
    let root = kind.root_particle();
    validate_element(tree, &root, kind.root_name(), &mut Ctx::default())?;
    Ok(kind)
}

/// Parses and schema-checks a CEB import message.
pub fn parse(xml: &[u8]) -> Result<Message, CebError> {
    let tree = read_tree(xml)?;
    let kind = validate_tree(&tree)?;
    Ok(build(kind, &tree))
}

fn envelope(root: &Element) -> Envelope {
    Envelope {
        base_transfer: root
            .child("BaseTransfer")
            .map(BaseTransfer::from_element)
            .unwrap_or_default(),
        base_subscribes: root
            .children_named("BaseSubscribe")
            .map(BaseSubscribe::from_element)
            .collect(),
        extend_message: root.child("ExtendMessage").map(|e| ExtendMessage {
            name: e.child_text("name"),
            version: e.child_text("version"),
            message: e
                .child("Message")
                .and_then(|m| m.children.first())
                .map(write_fragment),
        }),
        signature: root.child("Signature").map(write_fragment),
    }
}

fn all<'a, T>(root: &'a Element, name: &'a str, f: fn(&Element) -> T) -> Vec<T> {
    root.children_named(name).map(f).collect()
}

fn head_and_lists<H: Default, L>(
    e: &Element,
    head: &str,
    list: &str,
    head_of: fn(&Element) -> H,
    list_of: fn(&Element) -> L,
) -> (H, Vec<L>) {
    (
        e.child(head).map(head_of).unwrap_or_default(),
        e.children_named(list).map(list_of).collect(),
    )
}

/// Builds the typed message from a tree that passed [`validate_tree`].
fn build(kind: MessageKind, root: &Element) -> Message {
    let guid = root.attr("guid").unwrap_or_default().to_string();
    let version = root.attr("version").unwrap_or_default().to_string();
    match kind {
        MessageKind::Ceb311 => Message::Ceb311 {
            guid,
            version,
            orders: all(root, "Order", |e| {
                let (head, lists) = head_and_lists(
                    e,
                    "OrderHead",
                    "OrderList",
                    OrderHead::from_element,
                    OrderList::from_element,
                );
                Order311 { head, lists }
            }),
            envelope: envelope(root),
        },
        MessageKind::Ceb312 => Message::Ceb312 {
            guid,
            version,
            returns: all(root, "OrderReturn", OrderReturn::from_element),
        },
        MessageKind::Ceb411 => Message::Ceb411 {
            guid,
            version,
            payments: all(root, "Payment", |e| {
                e.child("PaymentHead")
                    .map(PaymentHead::from_element)
                    .unwrap_or_default()
            }),
            envelope: envelope(root),
        },
        MessageKind::Ceb412 => Message::Ceb412 {
            guid,
            version,
            returns: all(root, "PaymentReturn", PaymentReturn::from_element),
        },
        MessageKind::Ceb511 => Message::Ceb511 {
            guid,
            version,
            waybills: all(root, "Logistics", |e| {
                e.child("LogisticsHead")
                    .map(LogisticsHead::from_element)
                    .unwrap_or_default()
            }),
            envelope: envelope(root),
        },
        MessageKind::Ceb512 => Message::Ceb512 {
            guid,
            version,
            returns: all(root, "LogisticsReturn", LogisticsReturn::from_element),
        },
        MessageKind::Ceb513 => Message::Ceb513 {
            guid,
            version,
            statuses: all(root, "LogisticsStatus", LogisticsStatus::from_element),
            envelope: envelope(root),
        },
        MessageKind::Ceb514 => Message::Ceb514 {
            guid,
            version,
            returns: all(
                root,
                "LogisticsStatusReturn",
                LogisticsStatusReturn::from_element,
            ),
        },
        MessageKind::Ceb621 => Message::Ceb621 {
            guid,
            version,
            inventories: all(root, "Inventory", |e| {
                let (head, lists) = head_and_lists(
                    e,
                    "InventoryHead",
                    "InventoryList",
                    InventoryHead::from_element,
                    InventoryList::from_element,
                );
                Inventory621 { head, lists }
            }),
            envelope: envelope(root),
        },
        MessageKind::Ceb622 => Message::Ceb622 {
            guid,
            version,
            returns: all(root, "InventoryReturn", InventoryReturn::from_element),
        },
        MessageKind::Ceb623 => Message::Ceb623 {
            guid,
            version,
            cancels: all(root, "InvtCancel", InvtCancel::from_element),
            envelope: envelope(root),
        },
        MessageKind::Ceb624 => Message::Ceb624 {
            guid,
            version,
            returns: all(root, "InvtCancelReturn", InvtCancelReturn::from_element),
        },
        MessageKind::Ceb625 => Message::Ceb625 {
            guid,
            version,
            refunds: all(root, "InvtRefund", |e| {
                let (head, lists) = head_and_lists(
                    e,
                    "InvtRefundHead",
                    "InvtRefundList",
                    InvtRefundHead::from_element,
                    InvtRefundList::from_element,
                );
                InvtRefund625 { head, lists }
            }),
            envelope: envelope(root),
        },
        MessageKind::Ceb626 => Message::Ceb626 {
            guid,
            version,
            returns: all(root, "InvtRefundReturn", InvtRefundReturn::from_element),
        },
        MessageKind::Ceb711 => Message::Ceb711 {
            guid,
            version,
            delivery: root
                .child("Delivery")
                .map(|e| {
                    let (head, lists) = head_and_lists(
                        e,
                        "DeliveryHead",
                        "DeliveryList",
                        DeliveryHead::from_element,
                        DeliveryList::from_element,
                    );
                    Delivery711 { head, lists }
                })
                .unwrap_or_default(),
            envelope: envelope(root),
        },
        MessageKind::Ceb712 => Message::Ceb712 {
            guid,
            version,
            returns: all(root, "DeliveryReturn", DeliveryReturn::from_element),
        },
        MessageKind::Ceb900 => Message::Ceb900 {
            guid,
            version,
            message_return: root
                .child("MessageReturn")
                .map(MessageReturn::from_element)
                .unwrap_or_default(),
        },
    }
}
