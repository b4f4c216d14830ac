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

/// The largest message read, in bytes: 10 MiB. The schema sets no limit; a CEB311 of 100 orders
/// with 99 full lines each is far smaller in practice, and a bound keeps one request from
/// holding the hub's memory. Larger bodies are refused before any parsing (`message_too_large`).
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

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

    /// Text of a child declared with a fixed value: an empty element holds that value, as the
    /// schema check reads it.
    pub fn child_fixed_text(&self, local: &str, fixed: &str) -> String {
        match self.child_text(local) {
            text if text.is_empty() => fixed.to_string(),
            text => text,
        }
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

/// An XML name without a colon (`NCName`), approximated with Unicode letters and digits:
/// a letter or `_` first, then letters, digits, `_`, `-`, `.` or `·`.
pub(crate) fn is_ncname(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start_ok = first == '_' || first.is_alphabetic();
    start_ok && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{b7}'))
}

/// `prefix:local` or `local`, each an [`is_ncname`].
fn is_qname(raw: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(raw) else {
        return false;
    };
    match text.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(text),
    }
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
    if xml.len() > MAX_MESSAGE_BYTES {
        return Err(CebError::new(
            ErrorKind::MessageTooLarge,
            "",
            format!(
                "{} bytes, at most {MAX_MESSAGE_BYTES} are accepted",
                xml.len()
            ),
        ));
    }
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
            &open_elements_at(text, pos),
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
                let version_ok = decl.version().is_ok_and(|v| {
                    v.strip_prefix(b"1.").is_some_and(|minor| {
                        !minor.is_empty() && minor.iter().all(u8::is_ascii_digit)
                    })
                });
                if !version_ok {
                    return Err(malformed("", "the XML declaration needs version=\"1.0\""));
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
                if !is_qname(start.name().as_ref()) {
                    return Err(malformed(
                        &path_of(&stack),
                        "an element name that is not an XML name",
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
                    if !is_qname(key) {
                        return Err(malformed(
                            &here,
                            "an attribute name that is not an XML name",
                        ));
                    }
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

/// The path of the elements open at byte `pos`, read leniently (only to place an error).
fn open_elements_at(text: &str, pos: usize) -> String {
    let mut reader = quick_xml::Reader::from_str(text.get(..pos).unwrap_or(""));
    let mut open: Vec<String> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => open.push(shown_name(&String::from_utf8_lossy(
                e.local_name().as_ref(),
            ))),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) | Err(_) => return open.join("/"),
            Ok(_) => {}
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

/// Escapes text for element content. Carriage returns and tabs are written as references so a
/// reader gets exactly the same characters back.
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

/// Escapes text for a double-quoted attribute: as [`escape`], and line feeds as references too,
/// since attribute-value normalisation would turn a literal one into a space.
pub(crate) fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("&#10;"),
            _ => escape(c.encode_utf8(&mut [0u8; 4]), out),
        }
    }
}

/// Writes an element and everything under it as compact XML (no added white space), declaring
/// on the element itself every namespace the subtree uses (`ds`, `ceb`, then `n1`, `n2`…), so
/// the fragment can be placed in any document that declares no default namespace.
/// White-space-only text beside child elements is dropped, other text is written before them;
/// reading the output back gives a tree that writes the very same string.
pub(crate) fn write_fragment(root: &Element) -> String {
    let mut namespaces: Vec<(String, String)> = Vec::new();
    collect_namespaces(root, &mut namespaces);
    let mut out = String::new();
    write_subtree(root, &namespaces, true, &mut out);
    out
}

fn collect_namespaces(e: &Element, found: &mut Vec<(String, String)>) {
    let mut add = |ns: &str| {
        if ns.is_empty() || ns == XML_NS || found.iter().any(|(uri, _)| uri == ns) {
            return;
        }
        let prefix = match ns {
            DS_NS => "ds".to_string(),
            CEB_NS => "ceb".to_string(),
            _ => format!("n{}", found.len() + 1),
        };
        found.push((ns.to_string(), prefix));
    };
    add(&e.ns);
    for a in &e.attrs {
        add(&a.ns);
    }
    for child in &e.children {
        collect_namespaces(child, found);
    }
}

fn qualified(ns: &str, local: &str, namespaces: &[(String, String)]) -> String {
    if ns == XML_NS {
        return format!("xml:{local}");
    }
    match namespaces.iter().find(|(uri, _)| uri == ns) {
        Some((_, prefix)) => format!("{prefix}:{local}"),
        None => local.to_string(),
    }
}

fn write_subtree(e: &Element, namespaces: &[(String, String)], is_root: bool, out: &mut String) {
    let name = qualified(&e.ns, &e.local, namespaces);
    out.push('<');
    out.push_str(&name);
    if is_root {
        for (uri, prefix) in namespaces {
            out.push_str(&format!(" xmlns:{prefix}=\""));
            escape_attr(uri, out);
            out.push('"');
        }
    }
    for a in &e.attrs {
        out.push(' ');
        out.push_str(&qualified(&a.ns, &a.local, namespaces));
        out.push_str("=\"");
        escape_attr(&a.value, out);
        out.push('"');
    }
    out.push('>');
    let text_is_space = e
        .text
        .chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if e.children.is_empty() || !text_is_space {
        escape(&e.text, out);
    }
    for child in &e.children {
        write_subtree(child, namespaces, false, out);
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
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
            escape_attr(value, &mut self.out);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment_of(xml: &str) -> String {
        write_fragment(&read_tree(xml.as_bytes()).unwrap())
    }

    #[test]
    fn fragments_write_the_same_after_a_round_trip() {
        let tricky = concat!(
            "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" xmlns=\"urn:default\" q:x=\"1&#10;2\" y=\"&lt;&quot;\">\n",
            "  <b>text &amp; more&#13;</b>\n  mixed\n  <q:c q:y=\"tab&#9;\"/>\n",
            "  <ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:K>  v  </ds:K></ds:Signature>\n",
            "  <xml:lang-free xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:lang=\"zh\"/><c:d xmlns:c=\"http://www.chinaport.gov.cn/ceb\"/>",
            "</p:a>",
        );
        let once = fragment_of(tricky);
        assert_eq!(fragment_of(&once), once, "{once}");
        let tree = read_tree(once.as_bytes()).unwrap();
        let original = read_tree(tricky.as_bytes()).unwrap();
        assert_eq!(tree.ns, "urn:p");
        assert_eq!(tree.attrs[0].value, "1\n2");
        assert_eq!(tree.attrs[1].value, "<\"");
        assert_eq!(tree.children[0].ns, "urn:default");
        assert_eq!(tree.children[0].text, "text & more\r");
        assert_eq!(tree.children[1].attrs[0].value, "tab\t");
        assert_eq!(tree.children[2].children[0].text, "  v  ");
        assert_eq!(tree.children[3].attrs[0].ns, XML_NS);
        assert_eq!(tree.children[4].ns, CEB_NS);
        assert_eq!(tree.text.trim(), "mixed");
        assert_eq!(tree.children.len(), original.children.len());
        assert!(
            once.contains("<ds:Signature") && once.contains("<ceb:d"),
            "{once}"
        );
    }

    #[test]
    fn attribute_escaping_survives_normalisation() {
        let mut out = String::new();
        escape_attr("a\nb\tc\rd&<>\"", &mut out);
        assert_eq!(out, "a&#10;b&#9;c&#13;d&amp;&lt;&gt;&quot;");
        let tree = read_tree(format!("<r a=\"{out}\"/>").as_bytes()).unwrap();
        assert_eq!(tree.attrs[0].value, "a\nb\tc\rd&<>\"");
    }

    #[test]
    fn names_must_be_xml_names() {
        for good in ["a", "ceb:Order", "_x", "中文", "a.b-c"] {
            assert!(is_qname(good.as_bytes()), "{good}");
        }
        for bad in ["", "1a", "-a", "a:b:c", ":a", "a:", "a b", "<"] {
            assert!(!is_qname(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn a_bad_character_is_placed_in_its_element() {
        let e = read_tree("<a><b>x\u{1}</b></a>".as_bytes()).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (ErrorKind::MalformedXml, "a/b"));
        let e = read_tree(&vec![b'x'; MAX_MESSAGE_BYTES + 1]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MessageTooLarge);
    }
}
