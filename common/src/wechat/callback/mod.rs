//! The Official Account callback: signatures, safe-mode (AES) envelopes, XML messages and events,
//! passive replies and the de-duplication key.
//!
//! Everything here is pure (no I/O), bounded in size and never panics on external input.

mod codec;
mod crypto;
mod dedup;
mod envelope;
mod error;
mod event;
mod fields;
mod inbound;
mod message;
mod mode;
mod reply;
mod signature;
mod xml;

pub use codec::{CallbackCodec, CallbackQuery, Opened, DEFAULT_MAX_AGE};
pub use crypto::MessageCrypto;
pub use dedup::dedup_key;
pub use envelope::{open_envelope, seal_envelope, SealedReply};
pub use error::CallbackError;
pub use event::{Event, PopupItem};
pub use inbound::{Inbound, InboundKind};
pub use message::Message;
pub use mode::CallbackMode;
pub use reply::{Article, Reply, ReplyBody, MAX_ARTICLES};
pub use signature::{signature, verify_signature};
pub use xml::{parse_xml, Limits, XmlElement};

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
