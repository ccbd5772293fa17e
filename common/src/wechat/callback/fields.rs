//! Typed access to the leaf fields of one callback document, shared by the header parse
//! (`inbound.rs`) and the message and event parsers (`message.rs`, `event.rs`).

use std::collections::BTreeMap;
use std::str::FromStr;

use super::xml::XmlElement;
use super::CallbackError;

/// Typed access to the fields of one document.
pub(super) struct Fields<'a> {
    pub map: &'a BTreeMap<String, String>,
    pub root: &'a XmlElement,
}

impl Fields<'_> {
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Free text, kept as received (an empty value is allowed).
    pub fn text(&self, name: &str) -> String {
        self.map.get(name).cloned().unwrap_or_default()
    }

    pub fn req(&self, name: &'static str) -> Result<&str, CallbackError> {
        self.opt(name).ok_or(CallbackError::Field(name))
    }

    pub fn parse<T: FromStr>(&self, name: &'static str) -> Result<T, CallbackError> {
        self.req(name)?.parse().map_err(|_| CallbackError::Field(name))
    }

    pub fn parse_opt<T: FromStr>(&self, name: &'static str) -> Result<Option<T>, CallbackError> {
        self.opt(name).map(|v| v.parse().map_err(|_| CallbackError::Field(name))).transpose()
    }
}
