//! Seed 002 服务指南 through the whole system to Debian's aiosmtpd: an admin uploads a guide (a
//! multipart form to the real API), a staff member asks for it by e-mail, the API answers at once
//! that it is queued, and the worker sends it with the file read from object storage: the
//! attachment aiosmtpd captured is the uploaded file, byte for byte.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_common::testing::form::{multipart, Part};
use yizhan_common::testing::office;
use yizhan_system_tests::smtpd::{attachments, Smtpd};
use yizhan_system_tests::system::System;

const WITHIN: Duration = Duration::from_secs(30);
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[tokio::test]
async fn a_guide_e_mail_carries_the_uploaded_file_byte_for_byte() {
    let smtpd = Smtpd::plain().await;
    let storage_dir = std::env::temp_dir().join(format!("yizhan-guides-{}", uuid::Uuid::new_v4().simple()));
    let storage_url = format!("file://{}", storage_dir.display());
    let url = format!("smtp://127.0.0.1:{}", smtpd.port);
    let sys = System::start_with(&[("SMTP_URL", &url), ("MAIL_FROM", "Yizhan <noreply@yizhan.test>"), ("STORAGE_URL", &storage_url)]).await;
    let admin = sys.login("admin", "admin-password").await;
    let staff = sys.user(&admin, "li", &["staff"]).await;
    let (status, _) = sys.call(reqwest::Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, 200);

    // Every byte value, so an encoding that mangles any of them shows.
    let filler: Vec<u8> = (0..=255u8).cycle().take(40_000).collect();
    let docx = office::docx_with(&filler);
    let (content_type, body) = multipart(&[Part::Text("title", "研究生报销流程"), Part::Text("category", "财务"), Part::File("file", Some("报销指南.docx"), &docx)]);
    let res = sys
        .http
        .post(format!("{}/admin/guides/", sys.api))
        .header("Authorization", format!("Token {admin}"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 201);
    let guide: Value = res.json().await.expect("guide");

    let (status, queued) = sys.call(reqwest::Method::GET, &format!("/guides/{}/email", guide["id"]), Some(&staff), None).await;
    assert_eq!((status, queued), (202, json!({"email": "li@example.edu", "status": "queued"})));

    let message = sys.eventually("the guide mailed", WITHIN, || async { smtpd.messages_to("li@example.edu").into_iter().next() }).await;
    let data = message["data"].as_str().expect("data");
    assert!(data.contains("Subject:"), "{data}");
    let files = attachments(data);
    assert_eq!(files.len(), 1, "{data}");
    let (headers, bytes) = &files[0];
    assert!(headers.contains(DOCX_TYPE), "{headers}");
    assert!(*bytes == docx, "the attachment differs from the uploaded file ({} bytes, {} uploaded)", bytes.len(), docx.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtpd.messages().len(), 1, "sent once");
    let _ = std::fs::remove_dir_all(&storage_dir);
}
