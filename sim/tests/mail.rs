//! The yizhan-common mailer against the simulator's capturing SMTP server: a message with text
//! and HTML bodies is captured (`GET /_sim/mail`), a 550 recipient is a permanent failure and a
//! 451 one transient, and `DELETE /_sim/mail` forgets what was captured.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use yizhan_common::mail::{MailConfig, MailFailure, Mailer, Rendered};
use yizhan_sim::{SimConfig, SimServer};

fn mailer(smtp: std::net::SocketAddr) -> Mailer {
    Mailer::new(MailConfig {
        smtp_url: SecretString::from(format!("smtp://{smtp}")),
        from: "Yizhan <noreply@yizhan.test>".into(),
        timeout: Duration::from_secs(5),
        pool_max: 2,
        attachment_max_bytes: 1024,
        ca_file: None,
    })
    .expect("mailer")
}

async fn captured(base: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{base}/_sim/mail")).await.expect("get").json().await.expect("json");
    v["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn mail_is_captured_and_recipients_choose_failures() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("sim");
    let mailer = mailer(sim.smtp_addr.expect("smtp"));
    let body = Rendered { subject: "Room booked".into(), text: "Room 101, 14:00".into(), html: Some("<p>Room <b>101</b></p>".into()) };

    mailer.send(&["teacher@example.com".into()], &body, &[]).await.expect("sent");
    let got = captured(&sim.base).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["from"], "noreply@yizhan.test");
    assert_eq!(got[0]["to"][0], "teacher@example.com");
    assert_eq!(got[0]["subject"], "Room booked");
    assert!(got[0]["data"].as_str().is_some_and(|d| d.contains("text/html")), "{got:?}");

    let (failure, _) = mailer.send(&["x@reject.test".into()], &body, &[]).await.expect_err("550");
    assert_eq!(failure, MailFailure::Permanent);
    let (failure, _) = mailer.send(&["x@busy.test".into()], &body, &[]).await.expect_err("451");
    assert_eq!(failure, MailFailure::Transient);
    assert_eq!(captured(&sim.base).await.len(), 1);

    let res = reqwest::Client::new().delete(format!("{}/_sim/mail", sim.base)).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    assert!(captured(&sim.base).await.is_empty());
}
