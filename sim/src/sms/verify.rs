//! Checking a SendSms request as Aliyun's gateway does: credential, signature (v1 or v3),
//! timestamp within 15 minutes, nonce used once.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use yizhan_common::sms::sign::{self, V3Request};

use super::{Refusal, SIM_SMS_ACCESS_KEY_ID, SIM_SMS_ACCESS_KEY_SECRET};

/// Largest clock difference accepted, either way.
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// A request that passed the gateway: its business parameters and its nonce (checked for reuse
/// by the caller, which holds the state).
#[derive(Debug)]
pub struct Verified {
    pub params: Vec<(String, String)>,
    pub nonce: String,
    pub version: &'static str,
}

/// Verifies either signature version; the parameters come from the query string (v3) or the
/// query string plus a form body (v1).
pub fn verify(method: &str, path: &str, query: &str, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match header("authorization") {
        Some(auth) if auth.starts_with(sign::V3_ALGORITHM) => {
            let (credential, signed, signature) =
                sign::parse_v3_authorization(&auth).ok_or_else(|| Refusal::gateway(400, "IncompleteSignature", "bad Authorization"))?;
            check_key(&credential)?;
            let date = header("x-acs-date").ok_or_else(|| Refusal::gateway(400, "MissingParameter", "x-acs-date"))?;
            check_time(&date)?;
            if header("x-acs-action").as_deref() != Some("SendSms") {
                return Err(Refusal::gateway(400, "InvalidAction.NotFound", "x-acs-action must be SendSms"));
            }
            let hashed = header("x-acs-content-sha256").unwrap_or_default();
            let mut signed_headers = Vec::new();
            for name in &signed {
                let value = header(name).ok_or_else(|| Refusal::gateway(400, "IncompleteSignature", "a signed header is missing"))?;
                signed_headers.push((name.clone(), value));
            }
            let query = sign::parse_query(query);
            let request = V3Request { method, path, query: &query, headers: &signed_headers, hashed_payload: &hashed };
            let expected = request.signature(SIM_SMS_ACCESS_KEY_SECRET);
            if hashed != sign::sha256_hex(body) || !constant_eq(&expected, &signature) {
                return Err(mismatch(&request.canonical_request()));
            }
            let nonce = header("x-acs-signature-nonce").unwrap_or_default();
            Ok(Verified { params: query, nonce, version: "v3" })
        }
        _ => {
            let mut params = sign::parse_query(query);
            params.extend(sign::parse_query(&String::from_utf8_lossy(body)));
            let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let signature = get("Signature").ok_or_else(|| Refusal::gateway(400, "MissingSignature", "Signature is missing"))?;
            check_key(&get("AccessKeyId").unwrap_or_default())?;
            check_time(&get("Timestamp").unwrap_or_default())?;
            if get("Action").as_deref() != Some("SendSms") {
                return Err(Refusal::gateway(400, "InvalidAction.NotFound", "Action must be SendSms"));
            }
            let expected = sign::v1_signature(method, &params, SIM_SMS_ACCESS_KEY_SECRET);
            if !constant_eq(&expected, &signature) {
                let canonical = sign::canonical_query(&params);
                return Err(mismatch(&format!("{method}&{}&{}", sign::pe("/"), sign::pe(&canonical))));
            }
            let nonce = get("SignatureNonce").unwrap_or_default();
            Ok(Verified { params, nonce, version: "v1" })
        }
    }
}

fn check_key(id: &str) -> Result<(), Refusal> {
    if id == SIM_SMS_ACCESS_KEY_ID {
        Ok(())
    } else {
        Err(Refusal::gateway(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))
    }
}

fn check_time(raw: &str) -> Result<(), Refusal> {
    let at: DateTime<Utc> = raw
        .parse()
        .map_err(|_| Refusal::gateway(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."))?;
    if (Utc::now() - at).num_seconds().abs() > MAX_SKEW_SECS {
        return Err(Refusal::gateway(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."));
    }
    Ok(())
}

/// Aliyun echoes what it signed (which holds the phone number: clients must not log it raw).
fn mismatch(server_side: &str) -> Refusal {
    Refusal::gateway(
        400,
        "SignatureDoesNotMatch",
        &format!("Specified signature is not matched with our calculation. server string to sign is:{server_side}"),
    )
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
