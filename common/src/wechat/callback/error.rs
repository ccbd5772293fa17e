//! Every way a callback request can be refused. None of the messages carries a secret.

/// A callback that cannot be accepted; the HTTP layer answers 400 (or 401 for signatures).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CallbackError {
    #[error("callback signature does not match")]
    BadSignature,
    #[error("callback query lacks `{0}`")]
    MissingParam(&'static str),
    #[error("callback body is too large (more than {limit} bytes)")]
    TooLarge { limit: usize },
    #[error("callback XML is malformed: {0}")]
    Malformed(String),
    #[error("callback XML is refused: {0}")]
    Hostile(&'static str),
    #[error("callback field `{0}` is missing or invalid")]
    Field(&'static str),
    #[error("EncodingAESKey must be 43 base64 characters")]
    BadKey,
    #[error("encrypted callback payload is invalid: {0}")]
    Crypto(&'static str),
    #[error("encrypted callback payload names another appid")]
    AppIdMismatch,
    #[error("safe mode is requested but no EncodingAESKey is configured")]
    NoAesKey,
    #[error("an unencrypted callback is refused in this mode")]
    Unencrypted,
    #[error("a plaintext message beside `Encrypt` is refused in safe mode")]
    PlaintextInSafeMode,
    #[error("callback timestamp is outside the accepted window")]
    Stale,
    #[error("callback nonce was already used with another body")]
    ReplayedNonce,
}

impl CallbackError {
    /// A short label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadSignature => "bad_signature",
            Self::MissingParam(_) => "missing_param",
            Self::TooLarge { .. } => "too_large",
            Self::Malformed(_) | Self::Hostile(_) | Self::Field(_) => "bad_body",
            Self::BadKey | Self::Crypto(_) | Self::AppIdMismatch | Self::NoAesKey => "bad_encryption",
            Self::Unencrypted | Self::PlaintextInSafeMode => "mode",
            Self::Stale => "stale",
            Self::ReplayedNonce => "replayed_nonce",
        }
    }
}
