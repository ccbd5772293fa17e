//! The SendSms call, signed v3 (default) or v1.

use chrono::Utc;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::config::{SignatureVersion, SmsConfig};
use super::sign::{self, V3Request};

pub const ACTION: &str = "SendSms";
pub const API_VERSION: &str = "2017-05-25";

/// One message to one number.
#[derive(Debug, Clone)]
pub struct SmsRequest<'a> {
    pub phone: &'a str,
    pub template_code: &'a str,
    /// Template variables; sent as a JSON string.
    pub params: &'a serde_json::Value,
    /// Our send id, echoed in receipts.
    pub out_id: &'a str,
}

/// Aliyun accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    pub biz_id: Option<String>,
    pub request_id: Option<String>,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The request never reached Aliyun (connection refused, DNS): safe to send again.
    #[error("SMS request not sent: {0}")]
    NotSent(String),
    /// The request went out but no answer came back (timeout, broken reply): the message may or
    /// may not have been sent; never resend blindly.
    #[error("SMS outcome unknown: {0}")]
    Unknown(String),
    /// Aliyun answered with a code other than `OK` (HTTP 200 business errors and 4xx/5xx gateway
    /// errors alike). `message` is scrubbed of phone numbers.
    #[error("SMS refused: HTTP {status} {code}: {message}")]
    Refused { status: u16, code: String, message: String, request_id: Option<String> },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reply {
    code: Option<String>,
    message: Option<String>,
    biz_id: Option<String>,
    request_id: Option<String>,
}

/// Aliyun SMS client; cheap to clone.
#[derive(Debug, Clone)]
pub struct SmsClient {
    http: reqwest::Client,
    config: SmsConfig,
}

impl SmsClient {
    pub fn new(config: SmsConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(std::time::Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { http, config })
    }

    pub fn config(&self) -> &SmsConfig {
        &self.config
    }

    /// Sends one SendSms request.
    pub async fn send(&self, req: &SmsRequest<'_>) -> Result<SmsReceipt, SmsError> {
        let business = vec![
            ("PhoneNumbers".to_owned(), req.phone.to_owned()),
            ("SignName".to_owned(), self.config.sign_name.clone()),
            ("TemplateCode".to_owned(), req.template_code.to_owned()),
            ("TemplateParam".to_owned(), req.params.to_string()),
            ("OutId".to_owned(), req.out_id.to_owned()),
        ];
        let builder = match self.config.signature_version {
            SignatureVersion::V3 => self.v3(business)?,
            SignatureVersion::V1 => self.v1(business),
        };
        let response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| SmsError::Unknown(format!("reading the reply: {}", e.without_url())))?;
        let reply: Option<Reply> = serde_json::from_slice(&body).ok();
        match reply {
            Some(Reply { code: Some(code), biz_id, request_id, .. }) if code == "OK" && status == 200 => {
                Ok(SmsReceipt { biz_id, request_id })
            }
            Some(r) => Err(SmsError::Refused {
                status,
                message: scrub(r.code.as_deref().unwrap_or(""), r.message.as_deref().unwrap_or("")),
                code: r.code.unwrap_or_else(|| format!("HTTP{status}")),
                request_id: r.request_id,
            }),
            None if status >= 500 => {
                Err(SmsError::Refused { status, code: format!("HTTP{status}"), message: "no JSON reply".into(), request_id: None })
            }
            None => Err(SmsError::Unknown(format!("HTTP {status} without a JSON reply"))),
        }
    }

    fn v3(&self, query: Vec<(String, String)>) -> Result<reqwest::RequestBuilder, SmsError> {
        let url = reqwest::Url::parse(&self.config.endpoint).map_err(|e| SmsError::NotSent(format!("SMS_ENDPOINT: {e}")))?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let empty = sign::sha256_hex(b"");
        let headers = vec![
            ("host".to_owned(), host),
            ("x-acs-action".to_owned(), ACTION.to_owned()),
            ("x-acs-content-sha256".to_owned(), empty.clone()),
            ("x-acs-date".to_owned(), timestamp()),
            ("x-acs-signature-nonce".to_owned(), nonce()),
            ("x-acs-version".to_owned(), API_VERSION.to_owned()),
        ];
        let path = url.path().to_owned();
        let signed = V3Request { method: "POST", path: &path, query: &query, headers: &headers, hashed_payload: &empty };
        let authorization = signed.authorization(&self.config.access_key_id, self.config.access_key_secret.expose_secret());
        let mut target = url.clone();
        target.set_query(Some(&sign::canonical_query(&query)));
        let mut builder = self.http.post(target).header("authorization", authorization);
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        Ok(builder)
    }

    fn v1(&self, business: Vec<(String, String)>) -> reqwest::RequestBuilder {
        let mut params = vec![
            ("Action".to_owned(), ACTION.to_owned()),
            ("Version".to_owned(), API_VERSION.to_owned()),
            ("RegionId".to_owned(), "cn-hangzhou".to_owned()),
            ("Format".to_owned(), "JSON".to_owned()),
            ("AccessKeyId".to_owned(), self.config.access_key_id.clone()),
            ("SignatureMethod".to_owned(), "HMAC-SHA1".to_owned()),
            ("SignatureVersion".to_owned(), "1.0".to_owned()),
            ("SignatureNonce".to_owned(), nonce()),
            ("Timestamp".to_owned(), timestamp()),
        ];
        params.extend(business);
        let signature = sign::v1_signature("POST", &params, self.config.access_key_secret.expose_secret());
        params.push(("Signature".to_owned(), signature));
        let body = params.iter().map(|(k, v)| format!("{}={}", sign::pe(k), sign::pe(v))).collect::<Vec<_>>().join("&");
        self.http.post(&self.config.endpoint).header("content-type", "application/x-www-form-urlencoded").body(body)
    }
}

/// A transport error: before the request left (connect) it was not sent; after, nobody knows.
/// The URL (whose query holds the phone number in v3) is dropped from the text.
fn classify(err: reqwest::Error) -> SmsError {
    let (not_sent, text) = (err.is_connect() || err.is_builder(), err.without_url().to_string());
    if not_sent {
        SmsError::NotSent(text)
    } else {
        SmsError::Unknown(text)
    }
}

/// `SignatureDoesNotMatch` echoes the string to sign (which holds the number): drop it; elsewhere
/// mask any run of 11 digits.
fn scrub(code: &str, message: &str) -> String {
    if code == "SignatureDoesNotMatch" {
        return "the request signature does not match (server message withheld: it echoes the request)".into();
    }
    crate::mask::phones_in(message)
}

fn timestamp() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn replies_never_carry_a_whole_number() {
        assert_eq!(scrub("isv.MOBILE_NUMBER_ILLEGAL", "bad 13812345678!"), "bad 138****5678!");
        assert!(!scrub("SignatureDoesNotMatch", "POST&%2F&PhoneNumbers%3D13812345678").contains("1381234"));
        assert_eq!(scrub("x", "code 123"), "code 123");
    }
}
