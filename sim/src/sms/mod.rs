//! Aliyun SMS `SendSms` (`POST /`): the gateway's checks (signature v1/v3, timestamp skew, nonce
//! reuse), business checks (number, template parameter), flow control per sign and number
//! (1/min, 5/h, 10/day) and injected faults; `GET /_sim/sms` lists what was delivered,
//! `DELETE /_sim/sms` forgets everything, `POST /_sim/sms/faults` queues failures.
//! Accepts the access key `sim-sms-key` with secret `sim-sms-secret`.

mod verify;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use yizhan_common::sms::normalize_mainland_mobile;

use crate::state::{random_hex, Sim};

pub const SIM_SMS_ACCESS_KEY_ID: &str = "sim-sms-key";
pub const SIM_SMS_ACCESS_KEY_SECRET: &str = "sim-sms-secret";

/// Flow control per (sign, number): at most `count` sends within `window`.
const FLOW: [(u64, u64, &str); 3] = [(60, 1, "触发分钟级流控Permits:1"), (3600, 5, "触发小时级流控Permits:5"), (86_400, 10, "触发天级流控Permits:10")];

/// An answer other than OK.
#[derive(Debug)]
pub struct Refusal {
    status: u16,
    code: String,
    message: String,
}

impl Refusal {
    pub fn gateway(status: u16, code: &str, message: &str) -> Self {
        Self { status, code: code.into(), message: message.into() }
    }

    fn business(code: &str, message: &str) -> Self {
        Self::gateway(200, code, message)
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(json!({"Code": self.code, "Message": self.message, "RequestId": request_id()}))).into_response()
    }
}

/// A delivered message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsMessage {
    pub phone: String,
    pub sign_name: String,
    pub template_code: String,
    pub template_param: Value,
    pub out_id: Option<String>,
    pub biz_id: String,
    pub signature_version: &'static str,
    pub at_ms: i64,
}

/// One queued failure from `POST /_sim/sms/faults`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsFault {
    /// The `Code` to answer (none: only the delay, then a normal send).
    #[serde(default)]
    pub code: Option<String>,
    /// HTTP status of the answer (default 200 for `isv.*`, else 400).
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait before answering; without a code the message is delivered before the wait, so a
    /// client timing out sees an unknown outcome of a message that did go out.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<SmsMessage>,
    nonces: HashSet<String>,
    sent: HashMap<(String, String), VecDeque<Instant>>,
    faults: VecDeque<SmsFault>,
    calls: u64,
}

/// The SMS side of the simulator.
#[derive(Debug, Default)]
pub struct SmsSim {
    inner: Mutex<Inner>,
}

impl SmsSim {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `POST /`: SendSms.
pub async fn send_sms(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let verified = match verify::verify(method.as_str(), uri.path(), uri.query().unwrap_or(""), &headers, &body) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let fault = {
        let mut inner = sim.sms.lock();
        inner.calls += 1;
        if !inner.nonces.insert(verified.nonce.clone()) {
            return Refusal::gateway(400, "SignatureNonceUsed", "Specified signature nonce was used already.").into_response();
        }
        inner.faults.pop_front()
    };
    let delay = Duration::from_millis(fault.as_ref().and_then(|f| f.delay_ms).unwrap_or(0));
    if let Some(SmsFault { code: Some(code), status, .. }) = fault {
        tokio::time::sleep(delay).await;
        let status = status.unwrap_or(if code.starts_with("isv.") { 200 } else { 400 });
        return Refusal::gateway(status, &code, "injected by the simulator").into_response();
    }
    // Delivered first, answered late: a client that gives up meanwhile has sent it all the same.
    let delivered = deliver(&sim, &verified);
    tokio::time::sleep(delay).await;
    match delivered {
        Ok(biz_id) => Json(json!({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id()})).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn deliver(sim: &Sim, verified: &verify::Verified) -> Result<String, Refusal> {
    let get = |k: &str| verified.params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (phones, sign_name, template_code) = (get("PhoneNumbers"), get("SignName"), get("TemplateCode"));
    if sign_name.is_empty() {
        return Err(Refusal::business("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"));
    }
    if template_code.is_empty() {
        return Err(Refusal::business("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法"));
    }
    let param_raw = get("TemplateParam");
    let template_param: Value = if param_raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&param_raw).map_err(|_| Refusal::business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"))?
    };
    let phones: Vec<&str> = phones.split(',').map(str::trim).collect();
    if phones.iter().any(|p| normalize_mainland_mobile(p).as_deref() != Some(*p)) {
        return Err(Refusal::business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"));
    }
    let now = Instant::now();
    let mut inner = sim.sms.lock();
    for phone in &phones {
        let sent = inner.sent.entry((sign_name.clone(), (*phone).to_owned())).or_default();
        if let Some(message) = flow_control(sent, now) {
            return Err(Refusal::business("isv.BUSINESS_LIMIT_CONTROL", message));
        }
    }
    let biz_id = format!("{}^{}", chrono::Utc::now().timestamp_millis(), random_hex(6));
    for phone in phones {
        inner.sent.entry((sign_name.clone(), phone.to_owned())).or_default().push_back(now);
        inner.messages.push(SmsMessage {
            phone: phone.to_owned(),
            sign_name: sign_name.clone(),
            template_code: template_code.clone(),
            template_param: template_param.clone(),
            out_id: Some(get("OutId")).filter(|s| !s.is_empty()),
            biz_id: biz_id.clone(),
            signature_version: verified.version,
            at_ms: chrono::Utc::now().timestamp_millis(),
        });
    }
    Ok(biz_id)
}

/// The flow-control message when one more message to a number whose earlier sends are `sent`
/// (oldest first) would break a window (1/min, 5/h, 10/day); forgets sends older than a day.
fn flow_control(sent: &mut VecDeque<Instant>, now: Instant) -> Option<&'static str> {
    while sent.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(FLOW[2].0)) {
        sent.pop_front();
    }
    FLOW.iter().find_map(|(secs, count, message)| {
        let within = sent.iter().filter(|t| now.duration_since(**t) < Duration::from_secs(*secs)).count();
        (within as u64 >= *count).then_some(*message)
    })
}

fn request_id() -> String {
    random_hex(16).to_uppercase()
}

/// `GET /_sim/sms`: `{"messages": […], "calls": n}`.
pub async fn list(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.sms.lock();
    Json(json!({"messages": inner.messages, "calls": inner.calls}))
}

/// `DELETE /_sim/sms`: forgets messages, flow-control history, nonces and faults.
pub async fn reset(State(sim): State<Arc<Sim>>) -> StatusCode {
    *sim.sms.lock() = Inner::default();
    StatusCode::NO_CONTENT
}

/// `POST /_sim/sms/faults`: a list of faults, each used by one later SendSms call in order.
pub async fn add_faults(State(sim): State<Arc<Sim>>, Json(faults): Json<Vec<SmsFault>>) -> StatusCode {
    sim.sms.lock().faults.extend(faults);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends at these minutes after `t0`, as the simulator records them.
    fn history(t0: Instant, minutes: &[u64]) -> VecDeque<Instant> {
        minutes.iter().map(|m| t0 + Duration::from_secs(m * 60)).collect()
    }

    #[test]
    fn flow_control_counts_a_minute_an_hour_and_a_day() {
        let t0 = Instant::now();
        let at = |minutes: u64| t0 + Duration::from_secs(minutes * 60);
        // Within the minute of the last send.
        assert_eq!(flow_control(&mut history(t0, &[0]), t0 + Duration::from_secs(59)), Some(FLOW[0].2));
        assert_eq!(flow_control(&mut history(t0, &[0]), at(1)), None);
        // Five in the hour: the sixth waits until the first of them is an hour old.
        let five = [0, 10, 20, 30, 40];
        assert_eq!(flow_control(&mut history(t0, &five), at(50)), Some(FLOW[1].2));
        assert_eq!(flow_control(&mut history(t0, &five), at(59)), Some(FLOW[1].2));
        assert_eq!(flow_control(&mut history(t0, &five), at(61)), None);
        // Ten in the day (two hours of five): the eleventh waits for the day window.
        let ten = [0, 10, 20, 30, 40, 120, 130, 140, 150, 160];
        assert_eq!(flow_control(&mut history(t0, &ten), at(300)), Some(FLOW[2].2));
        assert_eq!(flow_control(&mut history(t0, &ten), at(23 * 60 + 59)), Some(FLOW[2].2));
        let mut next_day = history(t0, &ten);
        assert_eq!(flow_control(&mut next_day, at(24 * 60 + 1)), None);
        assert_eq!(next_day.len(), 9, "the send a day old is forgotten");
    }
}
