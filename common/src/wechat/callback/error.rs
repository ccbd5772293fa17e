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
}
