//! `WechatError`: every way a WeChat call fails, with the outcome class the job pipeline uses.
//! Messages never carry a secret, a token or a query string.

use crate::wechat::errcode::{classify, ErrClass};

#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// WeChat answered with a non-zero errcode.
    #[error("WeChat {op}: errcode {errcode} ({errmsg})")]
    Api { op: &'static str, errcode: i64, errmsg: String, class: ErrClass },
    /// WeChat (or a proxy) answered with an HTTP error status.
    #[error("WeChat {op}: HTTP status {status}")]
    Status { op: &'static str, status: u16 },
    /// The call did not complete (connect, timeout, broken connection).
    #[error("WeChat {op}: transport error: {detail}")]
    Transport { op: &'static str, detail: String, maybe_delivered: bool },
    /// The answer could not be read.
    #[error("WeChat {op}: unreadable answer: {detail}")]
    Decode { op: &'static str, detail: String },
    /// The shared token cache (Redis) failed.
    #[error("WeChat token cache: {0}")]
    Cache(String),
    /// The request was refused before sending (a value WeChat would reject); names the field.
    #[error("invalid WeChat request: {0}")]
    Invalid(String),
    /// The app this operation needs has no credentials configured.
    #[error("WeChat app not configured: {0}")]
    NotConfigured(&'static str),
}

impl WechatError {
    pub(crate) fn api(op: &'static str, errcode: i64, errmsg: String) -> Self {
        Self::Api { op, errcode, errmsg, class: classify(errcode) }
    }

    /// The outcome class of the job pipeline.
    pub fn class(&self) -> ErrClass {
        match self {
            Self::Api { class, .. } => *class,
            Self::Status { status: 429, .. } => ErrClass::RateLimited,
            Self::Status { status, .. } if *status >= 500 || *status == 408 => ErrClass::Transient,
            Self::Status { .. } => ErrClass::Permanent,
            Self::Transport { .. } | Self::Decode { .. } | Self::Cache(_) => ErrClass::Transient,
            Self::Invalid(_) | Self::NotConfigured(_) => ErrClass::Permanent,
        }
    }

    /// The WeChat errcode, when WeChat answered with one.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            Self::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }

    /// False only when the request certainly never reached WeChat (refused locally, or the
    /// connection could not be opened). A js_code exchange must not be retried otherwise.
    pub fn may_have_reached_wechat(&self) -> bool {
        match self {
            Self::Transport { maybe_delivered, .. } => *maybe_delivered,
            Self::Cache(_) | Self::Invalid(_) | Self::NotConfigured(_) => false,
            Self::Api { .. } | Self::Status { .. } | Self::Decode { .. } => true,
        }
    }

    pub(crate) fn transport(op: &'static str, err: reqwest::Error) -> Self {
        let maybe_delivered = !err.is_connect() && !err.is_builder();
        let kind = if err.is_timeout() { "timed out: " } else { "" };
        Self::Transport { op, detail: format!("{kind}{}", err.without_url()), maybe_delivered }
    }
}

impl From<redis::RedisError> for WechatError {
    fn from(err: redis::RedisError) -> Self {
        Self::Cache(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_errcodes_and_statuses() {
        assert_eq!(WechatError::api("x", 45011, "m".into()).class(), ErrClass::RateLimited);
        assert_eq!(WechatError::api("x", 43101, "m".into()).class(), ErrClass::Permanent);
        assert_eq!(WechatError::Status { op: "x", status: 502 }.class(), ErrClass::Transient);
        assert_eq!(WechatError::Status { op: "x", status: 429 }.class(), ErrClass::RateLimited);
        assert_eq!(WechatError::Status { op: "x", status: 404 }.class(), ErrClass::Permanent);
        assert_eq!(WechatError::Invalid("thing1".into()).class(), ErrClass::Permanent);
        assert!(!WechatError::Invalid("x".into()).may_have_reached_wechat());
        assert!(WechatError::api("x", -1, "busy".into()).may_have_reached_wechat());
    }
}
