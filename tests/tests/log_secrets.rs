//! Secrets and personal data never reach the logs: a whole system at `RUST_LOG=debug` runs a
//! password login (and a failed one), staff and patients with phone numbers, a WeChat code login
//! and booking whose subscribe message goes out (the AppSecret fetches the token), an SMS, then
//! every process's log is scanned: no password, AppSecret, SMS or Koala secret, API token, raw
//! openid or raw phone number may appear (masked forms may).

use std::time::Duration;

use serde_json::json;
use yizhan_common::sms::plan_sms;
use yizhan_system_tests::system::System;

const WITHIN: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_whole_run_at_debug_logs_no_secret_and_no_raw_openid_or_phone() {
    let logs = std::env::temp_dir().join(format!("yz-logs-{}", uuid::Uuid::new_v4().simple()));
    let quiet = "debug,sqlx=warn,hyper=info,hyper_util=info,reqwest=info,h2=info,tower=info,rustls=info,lettre=info";
    // The check-in keys' secret (base64 of "log-secrets check-in key 0123456789ab").
    let checkin_keys = "k1:bG9nLXNlY3JldHMgY2hlY2staW4ga2V5IDAxMjM0NTY3ODlhYg==";
    let mut sys = System::start_logged(&[("RUST_LOG", quiet), ("SMS_TEMPLATE_VISIT_CODE", "SMS_100"), ("CHECKIN_TOKEN_KEYS", checkin_keys)], &logs).await;

    let (status, _) = sys.post("/auth/get-token/", None, json!({"username": "admin", "password": "wrong-password-xyz"})).await;
    assert!((400..500).contains(&status), "a wrong password is refused: {status}");
    let admin = sys.login("admin", "admin-password").await;
    let (status, v) = sys
        .post("/admin/users", Some(&admin), json!({"username": "li", "password": "password-123", "phone": "13912345678", "roles": ["staff"]}))
        .await;
    assert_eq!(status, 201, "{v}");
    let staff = sys.login("li", "password-123").await;
    let patient = sys.user(&admin, "zhang", &["patient"]).await;

    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "校医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let date = (chrono::Utc::now() + chrono::Duration::days(21)).format("%Y-%m-%d").to_string();
    let (status, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date, "period": "上午",
              "startTime": "08:00", "endTime": "12:00", "capacity": 5, "fee": 10.0}))
        .await;
    assert_eq!(status, 201, "{s}");
    let (status, p) = sys.post("/patient/patients", Some(&patient), json!({"name": "张三", "phone": "13812345678"})).await;
    assert_eq!(status, 201, "{p}");
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    let accepted = json!({"模板ID1": "accept"});
    sys.accept(&openid, &accepted).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&patient), json!({"scheduleId": s["id"], "patientId": p["id"], "wxCode": wx["code"],
              "subscribeAuthResult": accepted, "subscribeScene": "appointment"}))
        .await;
    assert_eq!(status, 200, "{v}");
    sys.eventually("the subscribe message", WITHIN, || async {
        let m = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
        m["messages"].as_array().is_some_and(|m| !m.is_empty()).then_some(())
    })
    .await;

    let stores = sys.stores().await;
    let mut tx = stores.pool.begin().await.expect("tx");
    let planned = plan_sms(&mut tx, "logs:1", "visit_code", "13700001111", &json!({"code": "246810"})).await.expect("planned");
    stores.commit_and_push(tx, planned.outbox_id).await;
    sys.eventually("the SMS", WITHIN, || async {
        let all = sys.sim_get("/_sim/sms").await;
        all["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["phone"] == "13700001111")).then_some(())
    })
    .await;

    sys.stop_all();
    let mut text = String::new();
    for entry in std::fs::read_dir(&logs).expect("logs") {
        let path = entry.expect("entry").path();
        text.push_str(&std::fs::read_to_string(&path).expect("log"));
    }
    let _ = std::fs::remove_dir_all(&logs);
    // The run really was logged at debug: requests, jobs and the WeChat call are there.
    for expected in ["/auth/get-token/", "send_subscribe_message", "send_sms", "check-in codes signed with key id"] {
        assert!(text.contains(expected), "the logs say nothing of `{expected}` ({} bytes)", text.len());
    }
    let secrets = [
        ("a password", "admin-password"),
        ("a password", "password-123"),
        ("a mistyped password", "wrong-password-xyz"),
        ("the mini program's AppSecret", "sim-mini-secret"),
        ("the Official Account's AppSecret", "sim-mp-secret"),
        ("the SMS key secret", "sim-sms-secret"),
        ("the Koala password", "sim-koala-password"),
        ("an API token", admin.as_str()),
        ("an API token", staff.as_str()),
        ("an API token", patient.as_str()),
        ("a raw openid", openid.as_str()),
        ("a raw phone number", "13912345678"),
        ("a raw phone number", "13812345678"),
        ("a raw phone number", "13700001111"),
        ("an SMS code", "246810"),
        ("the check-in key's secret", "bG9nLXNlY3JldHMgY2hlY2staW4ga2V5IDAxMjM0NTY3ODlhYg"),
        ("the check-in key's secret", "log-secrets check-in key"),
    ];
    let found: Vec<String> = secrets
        .iter()
        .filter(|(_, value)| text.contains(value))
        .map(|(what, value)| {
            let line = text.lines().find(|l| l.contains(value)).unwrap_or_default();
            format!("{what} in: {}", line.chars().take(400).collect::<String>())
        })
        .collect();
    assert!(found.is_empty(), "{} leaks in {} bytes of logs:\n{}", found.len(), text.len(), found.join("\n"));
}
