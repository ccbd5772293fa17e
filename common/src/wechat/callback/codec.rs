//! One Official Account's callback endpoint: verify, open (plain or safe mode) and answer.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::envelope::{open_envelope, seal_envelope};
use super::xml::{parse_xml, Limits};
use super::{verify_signature, CallbackError, CallbackMode, Inbound, MessageCrypto, Reply};

/// How far a callback's `timestamp` may be from now, either way, by default.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

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

/// The token (and, for safe mode, the key) of one Official Account, the accepted mode and the
/// freshness window.
#[derive(Clone)]
pub struct CallbackCodec {
    token: SecretString,
    crypto: Option<MessageCrypto>,
    mode: CallbackMode,
    max_age: Duration,
}

impl std::fmt::Debug for CallbackCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCodec").field("mode", &self.mode).field("max_age", &self.max_age).finish_non_exhaustive()
    }
}

impl CallbackCodec {
    /// Safe mode when a key is given, plain otherwise; timestamps within [`DEFAULT_MAX_AGE`].
    pub fn new(token: SecretString, crypto: Option<MessageCrypto>) -> Self {
        let mode = CallbackMode::default_for(crypto.is_some());
        Self { token, crypto, mode, max_age: DEFAULT_MAX_AGE }
    }

    /// The accepted mode (`WECHAT_MP_CALLBACK_MODE`); a mode needing a key without one refuses
    /// every encrypted request with [`CallbackError::NoAesKey`] (configuration rejects it first).
    pub fn with_mode(mut self, mode: CallbackMode) -> Self {
        self.mode = mode;
        self
    }

    /// The freshness window (`WECHAT_MP_CALLBACK_MAX_AGE_SECS`).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    pub fn mode(&self) -> CallbackMode {
        self.mode
    }

    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Refuses a `timestamp` more than the window away from `now` (Unix seconds), either way.
    pub fn check_fresh(&self, query: &CallbackQuery, now: i64) -> Result<(), CallbackError> {
        let timestamp: i64 = CallbackQuery::get(&query.timestamp, "timestamp")?.parse().map_err(|_| CallbackError::Stale)?;
        let window = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        if now.abs_diff(timestamp) > window.unsigned_abs() {
            return Err(CallbackError::Stale);
        }
        Ok(())
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

    /// POST: checks the mode and the signature (`msg_signature` when encrypted), decrypts and
    /// parses. Freshness is checked apart ([`Self::check_fresh`]).
    pub fn open(&self, query: &CallbackQuery, body: &[u8]) -> Result<Opened, CallbackError> {
        if !query.is_encrypted() {
            if self.mode != CallbackMode::Plain {
                return Err(CallbackError::Unencrypted);
            }
            self.check_plain_signature(query)?;
            return Ok(Opened { inbound: Inbound::parse(body)?, encrypted: false });
        }
        if self.mode == CallbackMode::Safe && parse_xml(body, Limits::ENVELOPE)?.child("MsgType").is_some() {
            return Err(CallbackError::PlaintextInSafeMode);
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
