//! Seed 002 故障报修 through the whole system to Debian's aiosmtpd: a report reaches exactly the
//! addresses its category routes to (and the catch-all), once each; a status change reaches the
//! reporter.

use std::time::Duration;

use serde_json::json;
use yizhan_system_tests::smtpd::Smtpd;
use yizhan_system_tests::system::System;

const WITHIN: Duration = Duration::from_secs(30);

#[tokio::test]
async fn repair_reports_and_status_changes_reach_the_routed_addresses_by_smtp() {
    let smtpd = Smtpd::plain().await;
    let url = format!("smtp://127.0.0.1:{}", smtpd.port);
    let sys = System::start_with(&[("SMTP_URL", &url), ("MAIL_FROM", "Yizhan <noreply@yizhan.test>")]).await;
    let admin = sys.login("admin", "admin-password").await;
    let staff = sys.user(&admin, "li", &["staff"]).await;
    let (status, _) = sys.call(reqwest::Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, 200);

    let (_, water) = sys.post("/admin/repairs/categories/", Some(&admin), json!({"name": "水电"})).await;
    let (_, net) = sys.post("/admin/repairs/categories/", Some(&admin), json!({"name": "网络"})).await;
    for (email, categories) in [("water@example.edu", json!([water["id"]])), ("net@example.edu", json!([net["id"]])), ("all@example.edu", json!([]))] {
        let (status, v) = sys.post("/admin/repairs/recipients/", Some(&admin), json!({"email": email, "categories": categories})).await;
        assert_eq!(status, 201, "{v}");
    }
    let (status, repair) =
        sys.post("/repairs/", Some(&staff), json!({"location": "图书馆 301", "category": net["id"], "description": "无线网络连不上"})).await;
    assert_eq!(status, 201, "{repair}");

    sys.eventually("the report mailed to its two addresses", WITHIN, || async {
        (smtpd.messages_to("net@example.edu").len() == 1 && smtpd.messages_to("all@example.edu").len() == 1).then_some(())
    })
    .await;
    let data = smtpd.messages_to("net@example.edu")[0]["data"].as_str().expect("data").to_owned();
    assert!(data.contains("Subject:"), "{data}");
    assert!(smtpd.messages_to("water@example.edu").is_empty(), "another category's address gets nothing");

    let path = format!("/admin/repairs/{}/", repair["id"]);
    let (status, v) = sys.call(reqwest::Method::PATCH, &path, Some(&admin), Some(json!({"status": "resolved"}))).await;
    assert_eq!(status, 200, "{v}");
    sys.eventually("the reporter told of the change", WITHIN, || async { (smtpd.messages_to("li@example.edu").len() == 1).then_some(()) }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtpd.messages().len(), 3, "nothing else was sent, nothing twice: {:?}", smtpd.messages());
}
