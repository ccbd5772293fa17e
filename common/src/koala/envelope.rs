//! Koala's reply envelope `{"code":0,"data":…,"page":{…}}` (errors `{"code":-N,"desc":"…"}`) and
//! what every reply means: data, an expired session, or a typed error. `code != 0` is a failure
//! even on HTTP 200.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The code (on any HTTP status) that says the session is no longer valid, besides HTTP 401.
pub const SESSION_EXPIRED_CODE: i64 = -401;

/// Why a Koala operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KoalaError {
    /// Koala could not be reached or answered badly (network, timeout, 5xx, a reply that is not
    /// the envelope, a session lost again right after logging in): may pass, retry later.
    #[error("Koala unavailable: {0}")]
    Unavailable(String),
    /// Koala answered with `code != 0` (or a 4xx): retrying the same request cannot help. `desc`
    /// is scrubbed of phone numbers.
    #[error("Koala refused: code {code}: {desc}")]
    Rejected { code: i64, desc: String },
}

impl KoalaError {
    /// True for failures a later retry may get past.
    pub fn is_transient(&self) -> bool {
        matches!(self, KoalaError::Unavailable(_))
    }
}

/// What one reply means before the session is considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 401 or [`SESSION_EXPIRED_CODE`]: log in again (once) and retry.
    SessionExpired,
    Error(KoalaError),
}

/// The paging block of list replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub current: u64,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub total: u64,
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<T> {
    pub data: T,
    pub page: Option<Page>,
}

#[derive(Deserialize)]
struct Raw {
    code: Option<i64>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default)]
    page: Option<Page>,
}

/// Reads one reply of HTTP `status` with `body`.
pub fn parse<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<Envelope<T>, Failure> {
    if status == 401 {
        return Err(Failure::SessionExpired);
    }
    let raw: Option<Raw> = serde_json::from_slice(body).ok();
    let desc = |raw: &Raw| crate::mask::phones_in(raw.desc.as_deref().unwrap_or(""));
    if status >= 500 || status == 408 || status == 429 {
        let detail = raw.as_ref().map(|r| format!(": {}", desc(r))).unwrap_or_default();
        return Err(unavailable(format!("HTTP {status}{detail}")));
    }
    let Some(raw @ Raw { code: Some(code), .. }) = raw else {
        return Err(if status >= 400 {
            Failure::Error(KoalaError::Rejected { code: -i64::from(status), desc: format!("HTTP {status} without the envelope") })
        } else {
            unavailable(format!("HTTP {status}: the reply is not Koala's envelope"))
        });
    };
    if code == SESSION_EXPIRED_CODE {
        return Err(Failure::SessionExpired);
    }
    if code != 0 {
        return Err(Failure::Error(KoalaError::Rejected { code, desc: desc(&raw) }));
    }
    if status >= 400 {
        return Err(Failure::Error(KoalaError::Rejected { code: -i64::from(status), desc: format!("HTTP {status} with code 0") }));
    }
    match serde_json::from_value(raw.data) {
        Ok(data) => Ok(Envelope { data, page: raw.page }),
        // Our reading of Koala's data is wrong, or the reply broken: retried, never taken as done.
        Err(err) => Err(unavailable(format!("unexpected data in the reply: {err}"))),
    }
}

fn unavailable(why: String) -> Failure {
    Failure::Error(KoalaError::Unavailable(why))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn reply(status: u16, body: Value) -> Result<Envelope<Value>, Failure> {
        parse(status, body.to_string().as_bytes())
    }

    #[test]
    fn code_zero_carries_data_and_page() {
        let got = reply(200, json!({"code": 0, "data": [{"id": 1}], "page": {"count": 1, "current": 1, "size": 10, "total": 1}}));
        let env = got.expect("ok");
        assert_eq!(env.data, json!([{"id": 1}]));
        assert_eq!(env.page, Some(Page { count: 1, current: 1, size: 10, total: 1 }));
        let typed: Envelope<Vec<i64>> = parse(200, br#"{"code":0,"data":[1,2]}"#).expect("typed");
        assert_eq!(typed.data, vec![1, 2]);
    }

    #[test]
    fn a_nonzero_code_fails_even_on_http_200() {
        let got = reply(200, json!({"code": -1, "desc": "手机号 13812345678 已存在", "data": {}}));
        assert_eq!(got, Err(Failure::Error(KoalaError::Rejected { code: -1, desc: "手机号 138****5678 已存在".into() })));
        let got = reply(200, json!({"code": 3, "data": {"id": 9}}));
        assert!(matches!(got, Err(Failure::Error(KoalaError::Rejected { code: 3, .. }))), "{got:?}");
    }

    #[test]
    fn an_expired_session_is_told_apart() {
        assert_eq!(reply(401, json!({"code": -1})), Err(Failure::SessionExpired));
        assert_eq!(parse::<Value>(401, b"<html>login</html>"), Err(Failure::SessionExpired));
        assert_eq!(reply(200, json!({"code": SESSION_EXPIRED_CODE, "desc": "session expired"})), Err(Failure::SessionExpired));
    }

    #[test]
    fn server_errors_and_broken_replies_are_unavailable() {
        for (status, body) in [(500, &b"oops"[..]), (502, b"{\"code\":-1}"), (429, b""), (200, b"<html>"), (200, b"{\"data\":1}")] {
            let got = parse::<Value>(status, body);
            assert!(matches!(got, Err(Failure::Error(KoalaError::Unavailable(_)))), "{status}: {got:?}");
        }
        // Data of another shape than expected: never taken as a success.
        let got = parse::<Vec<i64>>(200, br#"{"code":0,"data":{"id":1}}"#);
        assert!(matches!(got, Err(Failure::Error(KoalaError::Unavailable(_)))), "{got:?}");
    }

    #[test]
    fn client_errors_are_rejected() {
        let got = parse::<Value>(404, b"not found");
        assert_eq!(got, Err(Failure::Error(KoalaError::Rejected { code: -404, desc: "HTTP 404 without the envelope".into() })));
        let got = reply(400, json!({"code": -2, "desc": "bad"}));
        assert_eq!(got, Err(Failure::Error(KoalaError::Rejected { code: -2, desc: "bad".into() })));
        assert!(!KoalaError::Rejected { code: -2, desc: String::new() }.is_transient());
        assert!(KoalaError::Unavailable(String::new()).is_transient());
    }
}
