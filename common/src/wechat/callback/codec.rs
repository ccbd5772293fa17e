//! One Official Account's callback endpoint: verify, open (plain or safe mode) and answer.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::envelope::{open_envelope, seal_envelope};
use super::{verify_signature, CallbackError, Inbound, MessageCrypto, Reply};

/// The query string WeChat puts on every callback request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallbackQuery {
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    /// GET verification only: echoed back when the signature holds.
    pub echostr: Option<String>,
    /// `aes` in safe mode.
    pub encrypt_type: Option<String>,
    pub msg_signature: Option<String>,
    pub openid: Option<String>,
}

impl CallbackQuery {
    fn get<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, CallbackError> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty()).ok_or(CallbackError::MissingParam(name))
    }

    /// True when WeChat sent the body in safe mode.
    pub fn is_encrypted(&self) -> bool {
        self.encrypt_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("aes"))
    }
}

/// A callback opened and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub inbound: Inbound,
    /// The request came in safe mode, so the reply must be encrypted too.
    pub encrypted: bool,
}

/// The token (and, for safe mode, the key) of one Official Account.
#[derive(Clone)]
pub struct CallbackCodec {
    token: SecretString,
    crypto: Option<MessageCrypto>,
}

impl std::fmt::Debug for CallbackCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCodec").field("safe_mode", &self.crypto.is_some()).finish_non_exhaustive()
    }
}

impl CallbackCodec {
    pub fn new(token: SecretString, crypto: Option<MessageCrypto>) -> Self {
        Self { token, crypto }
    }

    /// GET verification: the `echostr` to answer with, when `signature` holds.
    pub fn verify_echo<'q>(&self, query: &'q CallbackQuery) -> Result<&'q str, CallbackError> {
        self.check_plain_signature(query)?;
        CallbackQuery::get(&query.echostr, "echostr")
    }

    fn check_plain_signature(&self, query: &CallbackQuery) -> Result<(), CallbackError> {
        let timestamp = CallbackQuery::get(&query.timestamp, "timestamp")?;
        let nonce = CallbackQuery::get(&query.nonce, "nonce")?;
        let signature = CallbackQuery::get(&query.signature, "signature")?;
        if verify_signature(&[self.token.expose_secret(), timestamp, nonce], signature) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }

    /// POST: checks the signature (`msg_signature` in safe mode), decrypts and parses.
    pub fn open(&self, query: &CallbackQuery, body: &[u8]) -> Result<Opened, CallbackError> {
        if !query.is_encrypted() {
            self.check_plain_signature(query)?;
            return Ok(Opened { inbound: Inbound::parse(body)?, encrypted: false });
        }
        let crypto = self.crypto.as_ref().ok_or(CallbackError::NoAesKey)?;
        let timestamp = CallbackQuery::get(&query.timestamp, "timestamp")?;
        let nonce = CallbackQuery::get(&query.nonce, "nonce")?;
        let msg_signature = CallbackQuery::get(&query.msg_signature, "msg_signature")?;
        let xml = open_envelope(crypto, self.token.expose_secret(), timestamp, nonce, msg_signature, body)?;
        Ok(Opened { inbound: Inbound::parse(xml.as_bytes())?, encrypted: true })
    }

    /// The response body for `reply`: plain XML, or the signed encrypted envelope when the
    /// request came in safe mode.
    pub fn answer(&self, reply: &Reply, encrypted: bool, timestamp: &str, nonce: &str) -> Result<String, CallbackError> {
        self.answer_xml(&reply.to_xml(), encrypted, timestamp, nonce)
    }

    /// Like [`Self::answer`] for a reply document already serialised (e.g. one remembered for a
    /// duplicate delivery).
    pub fn answer_xml(&self, xml: &str, encrypted: bool, timestamp: &str, nonce: &str) -> Result<String, CallbackError> {
        if !encrypted {
            return Ok(xml.to_owned());
        }
        let crypto = self.crypto.as_ref().ok_or(CallbackError::NoAesKey)?;
        Ok(seal_envelope(crypto, self.token.expose_secret(), xml, timestamp, nonce).to_xml())
    }
}
