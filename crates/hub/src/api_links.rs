//! OpenAPI links: which answer's field feeds which other operation's `{id}`. They document the
//! journey (create an order, then read, cancel or deliver it by the `id` it answered) and let
//! API fuzzers chain real calls instead of guessing ids that do not exist.

use serde_json::{json, Map, Value};

/// A link from the answers `status` of `from` (method and path) to the operation `to`, whose
/// `id` path parameter is taken from the answer body at the JSON pointer `id_at`.
struct LinkSpec {
    from: (&'static str, &'static str),
    status: &'static str,
    to: (&'static str, &'static str),
    id_at: &'static str,
}

const fn link(
    from: (&'static str, &'static str),
    status: &'static str,
    to: (&'static str, &'static str),
    id_at: &'static str,
) -> LinkSpec {
    LinkSpec {
        from,
        status,
        to,
        id_at,
    }
}

const CREATE_PARTY: (&str, &str) = ("post", "/v1/parties");
const ME: (&str, &str) = ("get", "/v1/me");
const CREATE_KEY: (&str, &str) = ("post", "/v1/parties/{id}/keys");
const CREATE_PRODUCT: (&str, &str) = ("post", "/v1/products");
const CREATE_ORDER: (&str, &str) = ("post", "/v1/orders");
const CREATE_PAYMENT: (&str, &str) = ("post", "/v1/payments");
const CREATE_WAYBILL: (&str, &str) = ("post", "/v1/waybills");
const CREATE_RISK_RULE: (&str, &str) = ("post", "/v1/risk-rules");
const CREATE_PAYOUT: (&str, &str) = ("post", "/v1/payouts");

const LINKS: &[LinkSpec] = &[
    link(
        CREATE_PARTY,
        "201",
        ("get", "/v1/parties/{id}"),
        "/party/id",
    ),
    link(
        CREATE_PARTY,
        "201",
        ("patch", "/v1/parties/{id}"),
        "/party/id",
    ),
    link(CREATE_PARTY, "201", CREATE_KEY, "/party/id"),
    link(CREATE_PARTY, "201", ("delete", "/v1/keys/{id}"), "/key/id"),
    link(ME, "200", ("get", "/v1/parties/{id}"), "/party/id"),
    link(ME, "200", CREATE_KEY, "/party/id"),
    link(CREATE_KEY, "201", ("delete", "/v1/keys/{id}"), "/id"),
    link(CREATE_PRODUCT, "201", ("get", "/v1/products/{id}"), "/id"),
    link(CREATE_PRODUCT, "201", ("patch", "/v1/products/{id}"), "/id"),
    link(CREATE_ORDER, "201", ("get", "/v1/orders/{id}"), "/id"),
    link(
        CREATE_ORDER,
        "201",
        ("post", "/v1/orders/{id}/cancel"),
        "/id",
    ),
    link(
        CREATE_ORDER,
        "201",
        ("post", "/v1/orders/{id}/return"),
        "/id",
    ),
    link(
        CREATE_ORDER,
        "201",
        ("post", "/v1/orders/{id}/delivered"),
        "/id",
    ),
    link(CREATE_PAYMENT, "201", ("get", "/v1/payments/{id}"), "/id"),
    link(
        CREATE_PAYMENT,
        "201",
        ("get", "/v1/orders/{id}"),
        "/order_id",
    ),
    link(
        CREATE_PAYMENT,
        "201",
        ("get", "/v1/declarations/{id}"),
        "/declaration/id",
    ),
    link(CREATE_WAYBILL, "201", ("get", "/v1/waybills/{id}"), "/id"),
    link(
        CREATE_WAYBILL,
        "201",
        ("get", "/v1/orders/{id}"),
        "/order_id",
    ),
    link(
        CREATE_WAYBILL,
        "201",
        ("get", "/v1/declarations/{id}"),
        "/declaration/id",
    ),
    link(
        CREATE_WAYBILL,
        "201",
        ("post", "/v1/declarations/{id}/decision"),
        "/declaration/id",
    ),
    link(
        CREATE_WAYBILL,
        "201",
        ("get", "/v1/declarations/{id}/audit"),
        "/declaration/id",
    ),
    link(
        CREATE_WAYBILL,
        "201",
        ("get", "/v1/declarations/{id}/ceb621"),
        "/declaration/id",
    ),
    link(
        CREATE_RISK_RULE,
        "201",
        ("get", "/v1/risk-rules/{id}"),
        "/id",
    ),
    link(
        CREATE_RISK_RULE,
        "201",
        ("patch", "/v1/risk-rules/{id}"),
        "/id",
    ),
    link(CREATE_PAYOUT, "201", ("get", "/v1/payouts/{id}"), "/id"),
    link(
        CREATE_PAYOUT,
        "201",
        ("get", "/v1/payouts/{id}/pacs008"),
        "/id",
    ),
];

/// How many links [`add_links`] adds.
pub const LINK_COUNT: usize = LINKS.len();

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("no operation {0} {1} in the document")]
    MissingOperation(String, String),
    #[error("{0} {1} documents no {2} answer")]
    MissingResponse(String, String, String),
}

/// Adds the links to a generated OpenAPI document. Every link must name operations and answers
/// the document has: a route renamed without its links is an error, not a silently dead link.
pub fn add_links(doc: &mut Value) -> Result<(), LinkError> {
    for spec in LINKS {
        let target = operation_id(doc, spec.to)?;
        let name = link_name(&target);
        let response = doc
            .pointer_mut(&format!(
                "/paths/{}/{}/responses/{}",
                escape(spec.from.1),
                spec.from.0,
                spec.status
            ))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| {
                LinkError::MissingResponse(
                    spec.from.0.to_uppercase(),
                    spec.from.1.into(),
                    spec.status.into(),
                )
            })?;
        let links = response
            .entry("links")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(links) = links {
            links.insert(
                name,
                json!({
                    "operationId": target,
                    "parameters": {"id": format!("$response.body#{}", spec.id_at)},
                }),
            );
        }
    }
    Ok(())
}

fn operation_id(doc: &Value, (method, path): (&str, &str)) -> Result<String, LinkError> {
    doc.pointer(&format!("/paths/{}/{method}/operationId", escape(path)))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| LinkError::MissingOperation(method.to_uppercase(), path.into()))
}

/// `get_order` → `GetOrder`: link names are identifiers in the document.
fn link_name(operation_id: &str) -> String {
    operation_id
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// JSON pointer escaping of one path segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({"paths": {
            "/v1/orders": {"post": {"operationId": "create_order", "responses": {"201": {"description": "x"}}}},
            "/v1/orders/{id}": {"get": {"operationId": "get_order", "responses": {"200": {"description": "x"}}}}
        }})
    }

    #[test]
    fn names_and_pointers() {
        assert_eq!(link_name("get_order"), "GetOrder");
        assert_eq!(escape("/v1/orders/{id}"), "~1v1~1orders~1{id}");
        assert_eq!(
            operation_id(&doc(), ("get", "/v1/orders/{id}")),
            Ok("get_order".into())
        );
    }

    #[test]
    fn a_link_to_an_operation_that_is_not_there_is_an_error() {
        let mut d = doc();
        let err = add_links(&mut d).unwrap_err();
        assert!(matches!(err, LinkError::MissingOperation(_, _)), "{err}");
    }
}
