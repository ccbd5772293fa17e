//! A small, bounded XML reader for WeChat's flat `<xml>…</xml>` documents.
//!
//! It builds a tree of elements with their text (CDATA and the five predefined entities and
//! character references resolved). DOCTYPE (and with it every custom entity), processing
//! instructions, attributes-driven tricks, deep nesting, too many elements and huge fields are
//! refused with a [`CallbackError`], never a panic.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::CallbackError;

/// Bounds applied while reading one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes in the whole document.
    pub max_bytes: usize,
    /// Deepest element nesting (`<xml>` is depth 1).
    pub max_depth: usize,
    /// Most elements in the document.
    pub max_elements: usize,
    /// Most bytes of text in one element.
    pub max_text: usize,
}

impl Limits {
    /// A decrypted or plain message or event.
    pub const MESSAGE: Self = Self { max_bytes: 64 * 1024, max_depth: 6, max_elements: 512, max_text: 16 * 1024 };
    /// The safe-mode envelope: a few fields, one of them the (base64) ciphertext of a message.
    pub const ENVELOPE: Self = Self { max_bytes: 128 * 1024, max_depth: 2, max_elements: 16, max_text: 100 * 1024 };
}

/// One element: its name, its text (concatenated text and CDATA) and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlElement {
    pub name: String,
    pub text: String,
    pub children: Vec<XmlElement>,
}

impl XmlElement {
    /// The first child element with this name.
    pub fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn malformed(err: impl std::fmt::Display) -> CallbackError {
    CallbackError::Malformed(err.to_string())
}

/// Parses a whole document into its root element (which must be `<xml>`).
pub fn parse_xml(input: &[u8], limits: Limits) -> Result<XmlElement, CallbackError> {
    if input.len() > limits.max_bytes {
        return Err(CallbackError::TooLarge { limit: limits.max_bytes });
    }
    let text = std::str::from_utf8(input).map_err(|_| CallbackError::Malformed("not UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root: Option<XmlElement> = None;
    let mut elements = 0usize;
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Decl(_) | Event::Comment(_) => {}
            Event::DocType(_) => return Err(CallbackError::Hostile("DOCTYPE is not allowed")),
            Event::PI(_) => return Err(CallbackError::Hostile("processing instructions are not allowed")),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed("content after the root element"));
            }
            Event::Start(start) => {
                let element = open_element(&start, stack.len(), &mut elements, limits)?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(&start, stack.len(), &mut elements, limits)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| malformed("unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let decoded = t.xml_content().map_err(malformed)?;
                append_text(&mut stack, &decoded, limits)?;
            }
            Event::CData(c) => {
                let decoded = c.decode().map_err(malformed)?;
                append_text(&mut stack, &decoded, limits)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(malformed)? {
                    Some(ch) => ch.to_string(),
                    None => {
                        let name = r.decode().map_err(malformed)?;
                        resolve_predefined_entity(&name)
                            .ok_or(CallbackError::Hostile("custom entities are not allowed"))?
                            .to_owned()
                    }
                };
                append_text(&mut stack, &resolved, limits)?;
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("document ends inside an element"));
    }
    let root = root.ok_or_else(|| malformed("no root element"))?;
    if root.name != "xml" {
        return Err(malformed("root element is not <xml>"));
    }
    Ok(root)
}

fn open_element(
    start: &BytesStart<'_>,
    depth: usize,
    elements: &mut usize,
    limits: Limits,
) -> Result<XmlElement, CallbackError> {
    *elements += 1;
    if *elements > limits.max_elements {
        return Err(CallbackError::Hostile("too many elements"));
    }
    if depth >= limits.max_depth {
        return Err(CallbackError::Hostile("elements nested too deeply"));
    }
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    Ok(XmlElement { name, ..XmlElement::default() })
}

fn append_text(stack: &mut [XmlElement], text: &str, limits: Limits) -> Result<(), CallbackError> {
    match stack.last_mut() {
        Some(current) => {
            if current.text.len() + text.len() > limits.max_text {
                return Err(CallbackError::TooLarge { limit: limits.max_text });
            }
            current.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(malformed("text outside the root element")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<XmlElement, CallbackError> {
        parse_xml(s.as_bytes(), Limits::MESSAGE)
    }

    #[test]
    fn reads_cdata_text_entities_and_nesting() {
        let root = parse(
            "<?xml version=\"1.0\"?><!-- hi --><xml><A><![CDATA[x]]>&amp;&#x4e2d;&#25991;</A>\
             <B>1</B><C><D>in</D><D/></C><E/></xml>",
        )
        .expect("parse");
        assert_eq!(root.child_text("A"), Some("x&中文"));
        assert_eq!(root.child_text("B"), Some("1"));
        assert_eq!(root.child("C").map(|c| c.children.len()), Some(2));
        assert_eq!(root.child_text("E"), Some(""));
    }

    #[test]
    fn cdata_keeps_markup_verbatim() {
        let root = parse("<xml><A><![CDATA[<b>&amp;]]]]><![CDATA[>]]></A></xml>").expect("parse");
        assert_eq!(root.child_text("A"), Some("<b>&amp;]]>"));
    }

    #[test]
    fn hostile_documents_are_refused() {
        let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><A>&lol2;</A></xml>"#;
        assert_eq!(parse(billion_laughs), Err(CallbackError::Hostile("DOCTYPE is not allowed")));
        let external = r#"<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>"#;
        assert!(matches!(parse(external), Err(CallbackError::Hostile(_))));
        assert_eq!(parse("<xml><A>&xxe;</A></xml>"), Err(CallbackError::Hostile("custom entities are not allowed")));
        assert!(matches!(parse("<xml><?php echo 1 ?></xml>"), Err(CallbackError::Hostile(_))));
        let deep = format!("<xml>{}{}</xml>", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse(&deep), Err(CallbackError::Hostile("elements nested too deeply")));
        let many = format!("<xml>{}</xml>", "<a/>".repeat(1000));
        assert_eq!(parse(&many), Err(CallbackError::Hostile("too many elements")));
        let huge_field = format!("<xml><Content>{}</Content></xml>", "x".repeat(20_000));
        assert_eq!(parse(&huge_field), Err(CallbackError::TooLarge { limit: 16 * 1024 }));
        let huge_doc = "x".repeat(70_000);
        assert_eq!(parse(&huge_doc), Err(CallbackError::TooLarge { limit: 64 * 1024 }));
    }

    #[test]
    fn malformed_documents_are_errors() {
        let cases: &[&[u8]] = &[
            b"",
            b"   ",
            b"not xml",
            b"<xml>",
            b"<xml><A></B></xml>",
            b"<xml></xml><xml></xml>",
            b"<root></root>",
            b"<xml><A>&#0;</A></xml>",
            b"<xml><A>&#xFFFFFFFF;</A></xml>",
            b"<xml><A>\xff\xfe</A></xml>",
            b"</xml>",
            b"<xml><A><![CDATA[unterminated</A></xml>",
        ];
        for case in cases {
            assert!(parse_xml(case, Limits::MESSAGE).is_err(), "{}", String::from_utf8_lossy(case));
        }
    }
}
