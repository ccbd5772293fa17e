//! The yizhan-common SMS client against the simulated SendSms: both signature versions are
//! accepted, a wrong secret is `SignatureDoesNotMatch` (never echoing the number to us), skewed
//! timestamps and reused nonces are refused, flow control answers per number, a lost answer is an
//! unknown outcome and an unreachable endpoint is "not sent".

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use serde_json::{json, Value};
use yizhan_common::sms::sign;
use yizhan_common::sms::{classify, SignatureVersion, SmsClient, SmsConfig, SmsError, SmsFailure, SmsRequest};
use yizhan_sim::{SimConfig, SimServer};

fn config(endpoint: &str, version: SignatureVersion, secret: &str) -> SmsConfig {
    SmsConfig {
        endpoint: endpoint.to_owned(),
        access_key_id: "sim-sms-key".into(),
        access_key_secret: SecretString::from(secret.to_owned()),
        sign_name: "驿站".into(),
        templates: BTreeMap::new(),
        signature_version: version,
        timeout: Duration::from_secs(5),
    }
}

async fn send(client: &SmsClient, phone: &str) -> Result<yizhan_common::sms::SmsReceipt, SmsError> {
    let params = json!({"code": "123456"});
    client.send(&SmsRequest { phone, template_code: "SMS_1", params: &params, out_id: "42" }).await
}

async fn messages(base: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{base}/_sim/sms")).await.expect("get").json().await.expect("json");
    v["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn both_signature_versions_are_accepted_and_recorded() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let v3 = SmsClient::new(config(&format!("{}/", sim.base), SignatureVersion::V3, "sim-sms-secret")).expect("client");
    let v1 = SmsClient::new(config(&format!("{}/", sim.base), SignatureVersion::V1, "sim-sms-secret")).expect("client");
    let receipt = send(&v3, "13800000001").await.expect("v3 send");
    assert!(receipt.biz_id.is_some());
    send(&v1, "13800000002").await.expect("v1 send");
    let got = messages(&sim.base).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["phone"], "13800000001");
    assert_eq!(got[0]["signatureVersion"], "v3");
    assert_eq!(got[0]["signName"], "驿站");
    assert_eq!(got[0]["templateParam"], json!({"code": "123456"}));
    assert_eq!(got[0]["outId"], "42");
    assert_eq!(got[1]["signatureVersion"], "v1");
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match_and_permanent() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    for version in [SignatureVersion::V3, SignatureVersion::V1] {
        let client = SmsClient::new(config(&format!("{}/", sim.base), version, "not-the-secret")).expect("client");
        let err = send(&client, "13800000003").await.expect_err("refused");
        let SmsError::Refused { code, message, status, .. } = &err else { panic!("{err:?}") };
        assert_eq!((code.as_str(), *status), ("SignatureDoesNotMatch", 400), "{version:?}");
        assert!(!message.contains("13800000003") && !err.to_string().contains("13800000003"), "{message}");
        assert_eq!(classify(&err, Utc::now()), SmsFailure::Permanent);
    }
    assert!(messages(&sim.base).await.is_empty());
}

/// A v1 request signed correctly by hand, with the given timestamp and nonce.
fn v1_body(timestamp: &str, nonce: &str, phone: &str) -> String {
    let mut params: Vec<(String, String)> = [
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("RegionId", "cn-hangzhou"),
        ("Format", "JSON"),
        ("AccessKeyId", "sim-sms-key"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
        ("PhoneNumbers", phone),
        ("SignName", "驿站"),
        ("TemplateCode", "SMS_1"),
        ("TemplateParam", "{}"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let signature = sign::v1_signature("POST", &params, "sim-sms-secret");
    params.push(("Signature".into(), signature));
    params.iter().map(|(k, v)| format!("{}={}", sign::pe(k), sign::pe(v))).collect::<Vec<_>>().join("&")
}

async fn post_raw(base: &str, body: String) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("post");
    (res.status().as_u16(), res.json().await.expect("json"))
}

#[tokio::test]
async fn skewed_timestamps_and_reused_nonces_are_refused() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let fmt = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (status, v) = post_raw(&sim.base, v1_body(&fmt(Utc::now() - chrono::Duration::minutes(16)), "n-old", "13800000004")).await;
    assert_eq!((status, v["Code"].as_str()), (400, Some("InvalidTimeStamp.Expired")), "{v}");
    let (status, v) = post_raw(&sim.base, v1_body(&fmt(Utc::now() + chrono::Duration::minutes(16)), "n-new", "13800000004")).await;
    assert_eq!((status, v["Code"].as_str()), (400, Some("InvalidTimeStamp.Expired")), "{v}");
    // Within the window it goes through once; the same nonce again is refused.
    let body = v1_body(&fmt(Utc::now() - chrono::Duration::minutes(14)), "n-once", "13800000004");
    let (status, v) = post_raw(&sim.base, body.clone()).await;
    assert_eq!((status, v["Code"].as_str()), (200, Some("OK")), "{v}");
    let (status, v) = post_raw(&sim.base, body).await;
    assert_eq!((status, v["Code"].as_str()), (400, Some("SignatureNonceUsed")), "{v}");
    assert_eq!(messages(&sim.base).await.len(), 1);
}

#[tokio::test]
async fn flow_control_is_per_number_and_reschedules_after_its_window() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let client = SmsClient::new(config(&format!("{}/", sim.base), SignatureVersion::V3, "sim-sms-secret")).expect("client");
    send(&client, "13800000005").await.expect("first");
    let err = send(&client, "13800000005").await.expect_err("second within the minute");
    let SmsError::Refused { code, status, message, .. } = &err else { panic!("{err:?}") };
    assert_eq!((code.as_str(), *status), ("isv.BUSINESS_LIMIT_CONTROL", 200));
    assert!(message.contains("分钟级"), "{message}");
    let now = Utc::now();
    assert_eq!(classify(&err, now), SmsFailure::FlowControl { until: now + chrono::Duration::minutes(1) });
    // Another number is not affected.
    send(&client, "13800000006").await.expect("other number");
    // A bad number is isv.* and permanent.
    let err = send(&client, "12345").await.expect_err("bad number");
    assert_eq!(classify(&err, now), SmsFailure::Permanent, "{err:?}");
}

#[tokio::test]
async fn a_lost_answer_is_unknown_and_an_unreachable_endpoint_is_not_sent() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let mut cfg = config(&format!("{}/", sim.base), SignatureVersion::V3, "sim-sms-secret");
    cfg.timeout = Duration::from_millis(300);
    let client = SmsClient::new(cfg).expect("client");
    reqwest::Client::new().post(format!("{}/_sim/sms/faults", sim.base)).json(&json!([{"delayMs": 1000}])).send().await.expect("fault");
    let err = send(&client, "13800000007").await.expect_err("times out");
    assert!(matches!(err, SmsError::Unknown(_)), "{err:?}");
    assert!(!err.to_string().contains("13800000007"), "the number leaks: {err}");
    assert_eq!(classify(&err, Utc::now()), SmsFailure::Unknown);
    // The simulator did deliver it: exactly why the client must not resend blindly.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(messages(&sim.base).await.len(), 1);

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let closed = SmsClient::new(config(&format!("http://127.0.0.1:{port}/"), SignatureVersion::V3, "x")).expect("client");
    let err = send(&closed, "13800000008").await.expect_err("nothing listens");
    assert!(matches!(err, SmsError::NotSent(_)), "{err:?}");
    assert_eq!(classify(&err, Utc::now()), SmsFailure::Transient);
}

#[tokio::test]
async fn throttling_and_server_errors_are_transient() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let client = SmsClient::new(config(&format!("{}/", sim.base), SignatureVersion::V3, "sim-sms-secret")).expect("client");
    let faults = json!([{"code": "Throttling.User", "status": 400}, {"code": "ServiceUnavailable", "status": 503}]);
    reqwest::Client::new().post(format!("{}/_sim/sms/faults", sim.base)).json(&faults).send().await.expect("fault");
    for expected in ["Throttling.User", "ServiceUnavailable"] {
        let err = send(&client, "13800000009").await.expect_err("fault");
        assert!(matches!(&err, SmsError::Refused { code, .. } if code == expected), "{err:?}");
        assert_eq!(classify(&err, Utc::now()), SmsFailure::Transient);
    }
    send(&client, "13800000009").await.expect("then it goes through");
}
