//! The yizhan-common Koala client against the simulated Koala: it logs in once and sends the
//! session cookie on every call, logs in again exactly once when the session expired (HTTP 401 or
//! code -401) and does not loop, treats `code != 0` on HTTP 200 as a failure, turns timeouts and
//! 5xx into `Unavailable`, caches the purposes, and creates and finds visitor subjects.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use secrecy::SecretString;
use serde_json::{json, Value};
use yizhan_common::koala::{KoalaClient, KoalaConfig, KoalaError, NewVisitor};
use yizhan_sim::{RunningSim, SimConfig, SimServer};

fn config(base: &str) -> KoalaConfig {
    KoalaConfig {
        base: base.to_owned(),
        username: "sim-koala".into(),
        password: SecretString::from("sim-koala-password".to_owned()),
        timeout: Duration::from_secs(5),
        purpose_cache: Duration::from_secs(60),
    }
}

async fn start() -> (RunningSim, KoalaClient) {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let client = KoalaClient::new(config(&sim.base)).expect("client");
    (sim, client)
}

async fn post(sim: &RunningSim, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new().post(format!("{}{path}", sim.base)).json(&body).send().await.expect("post")
}

async fn stats(sim: &RunningSim) -> Value {
    reqwest::get(format!("{}/_sim/koala/stats", sim.base)).await.expect("get").json().await.expect("json")
}

async fn staff(sim: &RunningSim) {
    let staffs = json!([
        {"name": "张三", "phone": "13800000001", "department": "研发部", "avatar": "http://img/1.jpg"},
        {"name": "李四", "phone": "13800000002", "department": "行政部"},
        {"name": "张三丰", "phone": "13800000003", "department": "研发部"}
    ]);
    assert_eq!(post(sim, "/_sim/koala/staffs", staffs).await.status(), 201);
}

fn visitor() -> NewVisitor {
    NewVisitor {
        name: "王五".into(),
        phone: "13900000001".into(),
        purpose: Some("面试".into()),
        interviewee: Some("张三".into()),
        come_from: Some("某公司".into()),
        start: Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().expect("time"),
        end: Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).single().expect("time"),
        avatar_url: Some("https://example.com/a.jpg".into()),
    }
}

#[tokio::test]
async fn one_login_serves_every_call_through_its_cookie() {
    let (sim, client) = start().await;
    staff(&sim).await;
    let found = client.staffs_by_phone("13800000001").await.expect("by phone");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].name.as_deref(), found[0].department.as_deref()), (Some("张三"), Some("研发部")));
    assert_eq!(found[0].avatar.as_deref(), Some("http://img/1.jpg"));
    let found = client.staffs_by_name_phone("张三", "+86 138-0000-0003").await.expect("by name and phone");
    assert_eq!(found.iter().map(|s| s.name.as_deref()).collect::<Vec<_>>(), vec![Some("张三丰")]);
    assert!(client.staffs_by_name_phone("李四", "13800000001").await.expect("none").is_empty());
    assert_eq!(stats(&sim).await["logins"], 1);

    // Without the cookie (or without the admin User-Agent) Koala says no.
    let res = reqwest::get(format!("{}/mobile-admin/subjects/list?category=employee", sim.base)).await.expect("get");
    assert_eq!(res.status(), 401);
    let res = post(&sim, "/auth/login", json!({"username": "sim-koala", "password": "sim-koala-password"})).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_never_in_a_loop() {
    let (sim, client) = start().await;
    staff(&sim).await;
    client.staffs_by_phone("13800000001").await.expect("first");
    // Expired by Koala (HTTP 401): one new login, the call retried and answered.
    assert_eq!(post(&sim, "/_sim/koala/expire-sessions", json!({})).await.status(), 204);
    assert_eq!(client.staffs_by_phone("13800000002").await.expect("after expiry").len(), 1);
    assert_eq!(stats(&sim).await["logins"], 2);
    // Expired by code (-401 on HTTP 200), on every call: one login, one retry, then an error.
    post(&sim, "/_sim/koala/faults", json!([{"op": "list", "code": -401, "times": 10}])).await;
    let before = stats(&sim).await["calls"]["list"].as_u64().expect("calls");
    let err = client.staffs_by_phone("13800000002").await.expect_err("still expired");
    assert!(matches!(err, KoalaError::Unavailable(_)), "{err:?}");
    let after = stats(&sim).await;
    assert_eq!(after["logins"], 3, "{after}");
    assert_eq!(after["calls"]["list"].as_u64(), Some(before + 2), "{after}");
}

#[tokio::test]
async fn sessions_run_out_after_their_lifetime() {
    let mut cfg = SimConfig::for_tests();
    cfg.koala_session_ttl = Duration::from_millis(1000);
    let sim = SimServer::spawn(cfg).await.expect("sim");
    let client = KoalaClient::new(config(&sim.base)).expect("client");
    client.staffs_by_phone("13800000001").await.expect("first");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.staffs_by_phone("13800000001").await.expect("after the lifetime");
    assert_eq!(stats(&sim).await["logins"], 2);
}

#[tokio::test]
async fn a_nonzero_code_on_http_200_is_a_refusal_and_5xx_is_unavailable() {
    let (sim, client) = start().await;
    post(&sim, "/_sim/koala/faults", json!([{"op": "create", "code": -1}, {"op": "create", "status": 500}])).await;
    let err = client.create_visitor(&visitor()).await.expect_err("code -1");
    assert!(matches!(&err, KoalaError::Rejected { code: -1, .. }), "{err:?}");
    let err = client.create_visitor(&visitor()).await.expect_err("HTTP 500");
    assert!(matches!(&err, KoalaError::Unavailable(_)), "{err:?}");
    let subjects: Value = reqwest::get(format!("{}/_sim/koala/subjects", sim.base)).await.expect("get").json().await.expect("json");
    assert_eq!(subjects["count"], 0);
    // Koala's own refusal of a bad window.
    let mut bad = visitor();
    bad.end = bad.start;
    let err = client.create_visitor(&bad).await.expect_err("bad window");
    assert!(matches!(&err, KoalaError::Rejected { code: -1, desc } if desc.contains("start_time")), "{err:?}");
    // A wrong password is refused at the login, and never shows in the error.
    let wrong = KoalaClient::new(KoalaConfig { password: SecretString::from("wrong-pw".to_owned()), ..config(&sim.base) }).expect("client");
    let err = wrong.staffs_by_phone("13800000001").await.expect_err("wrong password");
    assert!(matches!(&err, KoalaError::Rejected { code: -2, .. }), "{err:?}");
    assert!(!format!("{err:?}{err}").contains("wrong-pw"));
}

#[tokio::test]
async fn a_slow_koala_is_unavailable_within_the_timeout() {
    let (sim, _) = start().await;
    let client = KoalaClient::new(KoalaConfig { timeout: Duration::from_millis(300), ..config(&sim.base) }).expect("client");
    post(&sim, "/_sim/koala/faults", json!([{"op": "list", "delayMs": 1500}])).await;
    let started = Instant::now();
    let err = client.staffs_by_phone("13800000001").await.expect_err("times out");
    assert!(matches!(&err, KoalaError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1200), "{:?}", started.elapsed());
    // A waiting request path gives up within its budget even with a long configured timeout.
    let (sim, client) = start().await;
    client.staffs_by_phone("13800000001").await.expect("logged in");
    post(&sim, "/_sim/koala/faults", json!([{"op": "list", "delayMs": 10000}])).await;
    let started = Instant::now();
    let err = client.waiting(|k| async move { k.staffs_by_phone("13800000001").await }).await.expect_err("gives up");
    assert!(matches!(&err, KoalaError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(3500), "{:?}", started.elapsed());
}

#[tokio::test]
async fn purposes_are_cached_for_the_configured_time() {
    let (sim, client) = start().await;
    let first = client.purposes().await.expect("purposes");
    assert_eq!(first.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), yizhan_sim::koala::DEFAULT_PURPOSES.to_vec());
    post(&sim, "/_sim/koala/purposes", json!(["参观"])).await;
    assert_eq!(client.purposes().await.expect("cached"), first);
    assert_eq!(stats(&sim).await["calls"]["purposes"], 1);
    // Without a cache every call asks Koala.
    let uncached = KoalaClient::new(KoalaConfig { purpose_cache: Duration::ZERO, ..config(&sim.base) }).expect("client");
    let names: Vec<String> = uncached.purposes().await.expect("fresh").into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["参观".to_owned()]);
}

#[tokio::test]
async fn visitors_are_created_looked_up_and_found_again() {
    let (sim, client) = start().await;
    let v = visitor();
    let created = client.create_visitor(&v).await.expect("created");
    let got = client.subject(created.id).await.expect("by id");
    assert_eq!(got.subject_type, Some(1));
    assert_eq!((got.name.as_deref(), got.phone.as_deref()), (Some("王五"), Some("13900000001")));
    assert_eq!((got.start_time, got.end_time), (Some(v.start.timestamp()), Some(v.end.timestamp())));
    assert_eq!(got.avatar.as_deref(), Some("https://example.com/a.jpg"));
    assert_eq!(client.find_visitor(&v).await.expect("found").map(|s| s.id), Some(created.id));
    let mut other_window = v.clone();
    other_window.end += chrono::Duration::hours(1);
    assert_eq!(client.find_visitor(&other_window).await.expect("lookup"), None);
    let err = client.subject(created.id + 100).await.expect_err("no such subject");
    assert!(matches!(&err, KoalaError::Rejected { code: -404, .. }), "{err:?}");
    let subjects: Value = reqwest::get(format!("{}/_sim/koala/subjects?category=visitor", sim.base)).await.expect("get").json().await.expect("json");
    assert_eq!(subjects["count"], 1);
}
