//! A parsed callback: the common header and a typed message or event.

use std::collections::BTreeMap;

use super::event::Event;
use super::fields::Fields;
use super::message::Message;
use super::xml::{parse_xml, Limits, XmlElement};
use super::CallbackError;

/// One message or event pushed by WeChat.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// `ToUserName`: the Official Account's original id (`gh_…`).
    pub to_user: String,
    /// `FromUserName`: the user's openid.
    pub from_user: String,
    /// `CreateTime`: Unix seconds.
    pub create_time: i64,
    pub kind: InboundKind,
    /// Every top-level leaf field as received (the first of any repeated name), so unknown kinds
    /// and fields WeChat adds later are kept.
    pub fields: BTreeMap<String, String>,
}

/// A user message or an event.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundKind {
    Message(Message),
    Event(Event),
}

impl Inbound {
    /// Parses a plain (or decrypted) callback document.
    pub fn parse(xml: &[u8]) -> Result<Self, CallbackError> {
        let root = parse_xml(xml, Limits::MESSAGE)?;
        Self::from_element(&root)
    }

    pub fn from_element(root: &XmlElement) -> Result<Self, CallbackError> {
        let mut fields = BTreeMap::new();
        for child in root.children.iter().filter(|c| c.children.is_empty()) {
            fields.entry(child.name.clone()).or_insert_with(|| child.text.clone());
        }
        let f = Fields { map: &fields, root };
        let to_user = f.req("ToUserName")?.to_owned();
        let from_user = f.req("FromUserName")?.to_owned();
        let create_time = f.parse("CreateTime")?;
        let msg_type = f.req("MsgType")?;
        let kind = if msg_type == "event" {
            InboundKind::Event(Event::from_fields(&f)?)
        } else {
            InboundKind::Message(Message::from_fields(msg_type, &f)?)
        };
        Ok(Self { to_user, from_user, create_time, kind, fields })
    }

    /// `MsgType` as received.
    pub fn msg_type(&self) -> &str {
        self.fields.get("MsgType").map_or("", String::as_str)
    }
}
