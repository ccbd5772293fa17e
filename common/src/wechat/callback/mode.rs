//! `WECHAT_MP_CALLBACK_MODE`: which callback bodies the endpoint accepts.

use std::str::FromStr;

/// How WeChat is configured to deliver callbacks (公众平台 → 消息加解密方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackMode {
    /// 明文模式: the body is plain XML; the signature covers only token, timestamp and nonce.
    /// Encrypted requests are still opened when a key is configured.
    Plain,
    /// 兼容模式: WeChat sends the plaintext fields beside `Encrypt`; only the encrypted part (signed
    /// with `msg_signature`) is trusted and used. A request without it is refused.
    Compat,
    /// 安全模式: only `<xml><ToUserName/><Encrypt/></xml>` envelopes are accepted; an unencrypted
    /// request, or an envelope carrying a plaintext message, is refused.
    Safe,
}

impl CallbackMode {
    /// Safe when an EncodingAESKey is configured, plain otherwise.
    pub fn default_for(has_key: bool) -> Self {
        if has_key {
            Self::Safe
        } else {
            Self::Plain
        }
    }

    /// Whether this mode needs `WECHAT_MP_AES_KEY`.
    pub fn needs_key(self) -> bool {
        self != Self::Plain
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Compat => "compat",
            Self::Safe => "safe",
        }
    }
}

impl FromStr for CallbackMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "plain" => Ok(Self::Plain),
            "compat" => Ok(Self::Compat),
            "safe" => Ok(Self::Safe),
            other => Err(format!("expected `plain`, `compat` or `safe`, got `{other}`")),
        }
    }
}
