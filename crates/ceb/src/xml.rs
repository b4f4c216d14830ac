//! A small element tree read with quick-xml's streaming namespace reader, and a writer.
//!
//! Reading does what an XML 1.0 processor does before schema validation: UTF-8 only (a BOM is
//! skipped), line ends normalised to `\n`, attribute values normalised, entity and character
//! references expanded, comments and processing instructions dropped, CDATA kept as text.
//! A DOCTYPE is refused outright, so no entity can be declared (no XML bombs).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::{shown_name, CebError, ErrorKind};

pub(crate) const CEB_NS: &str = "http://www.chinaport.gov.cn/ceb";
pub(crate) const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Deeper than any CEB message (the signature's KeyInfo is the deepest, at 6 levels).
const MAX_DEPTH: usize = 48;

#[derive(Clone, Debug, Default)]
pub(crate) struct Attr {
    pub ns: String,
    pub local: String,
    pub value: String,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Element {
    pub ns: String,
    pub local: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// All character data directly inside this element, concatenated.
    pub text: String,
}

impl Element {
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local == local)
    }

    pub fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.local == local)
    }

    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_empty() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Text of a child; empty when absent (only called on validated trees).
    pub fn child_text(&self, local: &str) -> String {
        self.child(local)
            .map(|c| c.text.clone())
            .unwrap_or_default()
    }

    pub fn child_opt_text(&self, local: &str) -> Option<String> {
        self.child(local).map(|c| c.text.clone())
    }

    /// An `xs:int` child; 0 when absent or not a number (only called on validated trees).
    pub fn child_int(&self, local: &str) -> i32 {
        self.child_opt_int(local).unwrap_or(0)
    }

    pub fn child_opt_int(&self, local: &str) -> Option<i32> {
        self.child(local).and_then(|c| parse_xs_int(&c.text))
    }
}

/// `xs:int` as libxml2 reads it: optional sign, ASCII digits, no surrounding whitespace.
pub(crate) fn parse_xs_int(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = text.strip_prefix('+').unwrap_or(text);
    // Leading zeros may be many; strip them so the parse cannot overflow on them.
    let (sign, body) = match trimmed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", trimmed),
    };
    let body = body.trim_start_matches('0');
    let body = if body.is_empty() { "0" } else { body };
    format!("{sign}{body}").parse::<i32>().ok()
}

fn malformed(path: &str, detail: impl Into<String>) -> CebError {
    CebError::new(ErrorKind::MalformedXml, path, detail)
}

/// XML 1.0 `Char`: no C0 controls other than tab, LF, CR; no U+FFFE / U+FFFF.
pub(crate) fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn normalize_line_ends(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('\r') {
        std::borrow::Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

fn path_of(stack: &[Element]) -> String {
    stack
        .iter()
        .map(|e| e.local.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

fn unescape_checked(raw: &str, path: &str) -> Result<String, CebError> {
    let text = quick_xml::escape::unescape(raw)
        .map_err(|_| malformed(path, "unknown entity or bad character reference"))?;
    if !text.chars().all(is_xml_char) {
        return Err(malformed(
            path,
            "a character reference names a character XML does not allow",
        ));
    }
    Ok(text.into_owned())
}

fn resolved_ns(result: ResolveResult<'_>, path: &str) -> Result<String, CebError> {
    match result {
        ResolveResult::Bound(ns) => Ok(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(malformed(
            path,
            format!(
                "namespace prefix `{}` is not declared",
                shown_name(&String::from_utf8_lossy(&prefix))
            ),
        )),
    }
}

/// Reads the whole document into a tree, refusing anything that is not well-formed UTF-8 XML.
pub(crate) fn read_tree(xml: &[u8]) -> Result<Element, CebError> {
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    if xml.starts_with(b"\xFE\xFF") || xml.starts_with(b"\xFF\xFE") {
        return Err(CebError::new(
            ErrorKind::InvalidEncoding,
            "",
            "UTF-16 is not accepted; send UTF-8",
        ));
    }
    let text = std::str::from_utf8(xml).map_err(|e| {
        CebError::new(
            ErrorKind::InvalidEncoding,
            "",
            format!("not valid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    if text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err(CebError::new(
            ErrorKind::EmptyMessage,
            "",
            "the body is empty",
        ));
    }
    if let Some(pos) = text.find(|c: char| !is_xml_char(c)) {
        return Err(malformed(
            "",
            format!("a character XML does not allow at byte {pos}"),
        ));
    }

    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.check_comments = true;
    config.trim_text(false);

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut first_event = true;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_resolved_event();
        let (ns_result, event) = match event {
            Ok(pair) => pair,
            Err(e) => {
                return Err(malformed(
                    &path_of(&stack),
                    format!(
                        "not well-formed near byte {position}: {}",
                        error_kind_text(&e)
                    ),
                ))
            }
        };
        let is_first = std::mem::replace(&mut first_event, false);
        match event {
            Event::Decl(decl) => {
                if !is_first || position != 0 {
                    return Err(malformed(
                        "",
                        "the XML declaration must come first in the document",
                    ));
                }
                if let Some(Ok(encoding)) = decl.encoding() {
                    let name = String::from_utf8_lossy(&encoding).to_ascii_uppercase();
                    if name != "UTF-8" && name != "UTF8" {
                        return Err(CebError::new(
                            ErrorKind::InvalidEncoding,
                            "",
                            "the XML declaration names an encoding other than UTF-8",
                        ));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(CebError::new(
                    ErrorKind::DoctypeNotAllowed,
                    "",
                    "DOCTYPE and entity declarations are not accepted",
                ))
            }
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed("", "more than one root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(CebError::new(
                        ErrorKind::TooDeep,
                        path_of(&stack),
                        format!("elements nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let here = if stack.is_empty() {
                    local.clone()
                } else {
                    format!("{}/{}", path_of(&stack), local)
                };
                let ns = resolved_ns(ns_result, &here)?;
                let mut attrs = Vec::new();
                for attr in start.attributes() {
                    let attr = attr.map_err(|_| malformed(&here, "bad or duplicated attribute"))?;
                    let key = attr.key.as_ref();
                    if key == b"xmlns" || key.starts_with(b"xmlns:") {
                        continue;
                    }
                    let (attr_ns, attr_local) = reader.resolve_attribute(attr.key);
                    let attr_ns = resolved_ns(attr_ns, &here)?;
                    let raw = std::str::from_utf8(&attr.value)
                        .map_err(|_| malformed(&here, "attribute value is not UTF-8"))?;
                    if raw.contains('<') {
                        return Err(malformed(&here, "`<` in an attribute value"));
                    }
                    // Attribute-value normalisation: literal white space becomes a space.
                    let raw = normalize_line_ends(raw).replace(['\t', '\n'], " ");
                    let value = unescape_checked(&raw, &here)?;
                    attrs.push(Attr {
                        ns: attr_ns,
                        local: String::from_utf8_lossy(attr_local.as_ref()).into_owned(),
                        value,
                    });
                }
                stack.push(Element {
                    ns,
                    local,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed("", "an end tag without its start tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Empty(_) => {
                // expand_empty_elements turns these into Start + End.
                return Err(malformed(
                    &path_of(&stack),
                    "unexpected empty element event",
                ));
            }
            Event::Text(t) => {
                let raw = std::str::from_utf8(t.as_ref())
                    .map_err(|_| malformed(&path_of(&stack), "text is not UTF-8"))?;
                if stack.is_empty() {
                    if !raw.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
                        return Err(malformed("", "text outside the root element"));
                    }
                } else {
                    if raw.contains("]]>") {
                        return Err(malformed(&path_of(&stack), "`]]>` in text"));
                    }
                    // The path is only built when the text is bad (the borrow of `stack` ends first).
                    let text =
                        unescape_checked(&normalize_line_ends(raw), "").map_err(|e| CebError {
                            path: path_of(&stack),
                            ..e
                        })?;
                    if let Some(current) = stack.last_mut() {
                        current.text.push_str(&text);
                    }
                }
            }
            Event::CData(c) => {
                let raw = std::str::from_utf8(c.as_ref())
                    .map_err(|_| malformed(&path_of(&stack), "CDATA is not UTF-8"))?;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&normalize_line_ends(raw)),
                    None => return Err(malformed("", "CDATA outside the root element")),
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                if !stack.is_empty() {
                    return Err(malformed(
                        &path_of(&stack),
                        "the document ends before its elements are closed (truncated?)",
                    ));
                }
                return root.ok_or_else(|| malformed("", "no root element"));
            }
        }
    }
}

fn error_kind_text(e: &quick_xml::Error) -> &'static str {
    use quick_xml::Error as E;
    match e {
        E::Syntax(_) => "syntax error",
        E::IllFormed(_) => "ill-formed markup",
        E::InvalidAttr(_) => "bad attribute",
        E::Escape(_) => "bad entity or character reference",
        E::Encoding(_) => "bad encoding",
        E::Namespace(_) => "bad namespace declaration",
        _ => "unreadable XML",
    }
}

/// Escapes text for element content or a double-quoted attribute. Carriage returns and tabs
/// are written as references so a reader gets exactly the same characters back.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
}

/// Writes indented elements with an optional namespace prefix (`ceb:` or none).
pub(crate) struct XmlOut {
    pub out: String,
    prefix: &'static str,
    depth: usize,
}

impl XmlOut {
    pub fn new(prefix: &'static str) -> XmlOut {
        XmlOut {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            prefix,
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Opens an element; `attrs` are written verbatim-escaped after the name.
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(self.prefix);
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape(value, &mut self.out);
            self.out.push('"');
        }
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub fn open(&mut self, name: &str) {
        self.open_with(name, &[]);
    }

    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(self.prefix);
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(self.prefix);
        self.out.push_str(name);
        self.out.push('>');
        escape(value, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(self.prefix);
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn opt_leaf(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.leaf(name, value);
        }
    }

    pub fn leaf_int(&mut self, name: &str, value: i32) {
        self.leaf(name, &value.to_string());
    }

    #[allow(dead_code)]
    pub fn opt_leaf_int(&mut self, name: &str, value: Option<i32>) {
        if let Some(value) = value {
            self.leaf_int(name, value);
        }
    }

    /// Writes raw markup (already escaped) at the current depth.
    pub fn raw_line(&mut self, markup: &str) {
        self.indent();
        self.out.push_str(markup);
        self.out.push('\n');
    }
}
