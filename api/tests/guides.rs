//! Seed 002 服务指南 on moto's S3: an admin's multipart upload (type sniffed, size limited, every
//! field checked, nothing left behind when refused), the list with search and category, the file
//! streamed byte for byte with a `Content-Disposition` that keeps a Chinese name, and the e-mail
//! route planning one `send_email` with the stored file attached (`no_email` without an address).

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use support::{assert_error, config, redis_url, TestApp};
use tower::ServiceExt;
use yizhan_common::jobs::kinds::SendEmail;
use yizhan_common::mail::StoredAttachment;
use yizhan_common::testing::form::{multipart, Part};
use yizhan_common::testing::{database, enqueued, office, MotoBucket};
use yizhan_common::time::ManualClock;

const MAX: u64 = 64 * 1024;
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

struct Guides {
    app: TestApp,
    bucket: MotoBucket,
    clock: ManualClock,
}

async fn start() -> Guides {
    let pool = database().await;
    let bucket = MotoBucket::new().await;
    let mut config = config(&redis_url());
    config.storage = Some(bucket.config(MAX));
    let clock = ManualClock::new(chrono::Utc::now());
    let state = yizhan_api::AppState::with_clock(config, pool.clone(), Arc::new(clock.clone()));
    Guides { app: TestApp { router: yizhan_api::router(state.clone()), pool, state, sms: None }, bucket, clock }
}

/// A raw request with `Authorization: Token …` (seed 002's scheme); status, headers, body bytes.
async fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>, content: Option<(String, Vec<u8>)>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Token {t}"));
    }
    let req = match content {
        Some((content_type, body)) => req.header(header::CONTENT_TYPE, content_type).header(header::CONTENT_LENGTH, body.len()).body(Body::from(body)),
        None => req.body(Body::empty()),
    };
    let res = app.router.clone().oneshot(req.expect("request")).await.expect("response");
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("JSON body: {}", String::from_utf8_lossy(body)))
}

/// `POST /admin/guides/` with a form of `parts`; status and JSON.
async fn upload(app: &TestApp, token: &str, parts: &[Part<'_>]) -> (StatusCode, Value) {
    let (status, _, body) = call(app, Method::POST, "/admin/guides/", Some(token), Some(multipart(parts))).await;
    (status, json_of(&body))
}

async fn uploaded(app: &TestApp, token: &str, title: &str, category: &str, filename: &str, bytes: &[u8]) -> Value {
    let (status, guide) = upload(app, token, &[Part::Text("title", title), Part::Text("category", category), Part::File("file", Some(filename), bytes)]).await;
    assert_eq!(status, StatusCode::CREATED, "{guide}");
    guide
}

fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(len, b'x');
    bytes
}

async fn counts(app: &TestApp) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM guides), (SELECT count(*) FROM stored_files)").fetch_one(&app.pool).await.expect("counts")
}

#[tokio::test]
async fn guides_upload_list_search_and_download_byte_for_byte_with_a_chinese_name() {
    let g = start().await;
    let admin = g.app.user_token("root", &[]).await;
    let staff = g.app.user_token("li", &["staff"]).await;
    let counselor = g.app.user_token("wang", &["counselor"]).await;
    let patient = g.app.user_token("zhao", &["patient"]).await;

    let docx = office::docx_with("研究生报销".repeat(500).as_bytes());
    let guide = uploaded(&g.app, &admin, "研究生报销流程", "财务", "办事指南 \"2026\".docx", &docx).await;
    assert_eq!(guide["title"], "研究生报销流程");
    assert_eq!(guide["category"], "财务");
    assert_eq!(guide["filename"], "办事指南 \"2026\".docx");
    assert_eq!(guide["content_type"], DOCX_TYPE);
    assert_eq!(guide["size"], docx.len());
    assert_eq!(guide["url"], format!("/guides/{}", guide["id"]));
    assert!(guide["created_at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{guide}");
    let leave = uploaded(&g.app, &admin, "Leave Form 教师请假表", "人事", "leave.pdf", &pdf(2000)).await;
    assert_eq!(leave["content_type"], "application/pdf");
    assert_eq!(g.bucket.keys().await.len(), 2, "both files are in the bucket");

    // Newest first; search is a case-insensitive substring of the title; category is exact.
    let list = |path: &'static str| {
        let app = &g.app;
        let staff = staff.clone();
        async move {
            let (status, _, body) = call(app, Method::GET, path, Some(&staff), None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            json_of(&body)
        }
    };
    let all = list("/guides/").await;
    assert_eq!(all["count"], 2, "{all}");
    assert_eq!((all["results"][0]["id"].clone(), all["results"][1]["id"].clone()), (leave["id"].clone(), guide["id"].clone()));
    assert_eq!((all["next"].clone(), all["previous"].clone()), (Value::Null, Value::Null));
    assert_eq!(list("/guides/?search=%E6%8A%A5%E9%94%80").await["results"][0]["id"], guide["id"], "报销");
    assert_eq!(list("/guides/?search=leave%20FORM").await["results"][0]["id"], leave["id"]);
    assert_eq!(list("/guides/?search=%25").await["count"], 0, "% matches itself");
    let hr = list("/guides/?category=%E4%BA%BA%E4%BA%8B").await;
    assert_eq!((hr["count"].clone(), hr["results"][0]["id"].clone()), (json!(1), leave["id"].clone()), "人事");
    assert_eq!(list("/guides/categories/").await, json!([{"count": 1, "name": "人事"}, {"count": 1, "name": "财务"}]));

    // The file, byte for byte, with its type and a name every client can read.
    for (path, token) in [(format!("/guides/{}", guide["id"]), &staff), (format!("/guides/{}/", guide["id"]), &counselor)] {
        let (status, headers, body) = call(&g.app, Method::GET, &path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body == docx, "{path}: the downloaded bytes differ from the uploaded ones");
        assert_eq!(headers[header::CONTENT_TYPE], DOCX_TYPE);
        assert_eq!(headers[header::CONTENT_LENGTH], docx.len().to_string());
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"____ _2026_.docx\"; filename*=UTF-8''%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97%20%222026%22.docx"
        );
    }

    // Staff, admins and counselors only; unknown guides are 404.
    let path = format!("/guides/{}", guide["id"]);
    let (status, _, body) = call(&g.app, Method::GET, &path, Some(&patient), None).await;
    assert_error(status, &json_of(&body), StatusCode::FORBIDDEN, "forbidden");
    let (status, _, body) = call(&g.app, Method::GET, "/guides/", None, None).await;
    assert_error(status, &json_of(&body), StatusCode::UNAUTHORIZED, "not_authenticated");
    let (status, _, body) = call(&g.app, Method::GET, "/guides/999999", Some(&staff), None).await;
    assert_error(status, &json_of(&body), StatusCode::NOT_FOUND, "not_found");

    // The admin list is the same list; deleting removes the guide, its file row and its object.
    let (status, _, body) = call(&g.app, Method::GET, "/admin/guides/?category=%E8%B4%A2%E5%8A%A1", Some(&admin), None).await;
    assert_eq!((status, json_of(&body)["count"].clone()), (StatusCode::OK, json!(1)));
    let (status, _, _) = call(&g.app, Method::DELETE, &format!("/admin/guides/{}/", guide["id"]), Some(&staff), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(&g.app, Method::DELETE, &format!("/admin/guides/{}/", guide["id"]), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(counts(&g.app).await, (1, 1));
    assert_eq!(g.bucket.keys().await.len(), 1);
    let (status, _, _) = call(&g.app, Method::GET, &path, Some(&staff), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_uploads_name_their_fields_and_leave_nothing_behind() {
    let g = start().await;
    let admin = g.app.user_token("root", &[]).await;
    let staff = g.app.user_token("li", &["staff"]).await;
    let docx = office::docx();
    let field_error = |status: StatusCode, body: &Value, field: &str| {
        let err = assert_error(status, body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{field}: {err}");
        err
    };

    // A type not taken: HTML, a plain ZIP, a Word file with macros.
    let zip = office::zip(&[("readme.txt", b"hello")]);
    let docm = office::zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<d/>"), ("word/vbaProject.bin", b"\0")]);
    for bytes in [&b"<html><script>alert(1)</script></html>"[..], zip.as_slice(), docm.as_slice()] {
        let (status, body) = upload(&g.app, &admin, &[Part::Text("title", "t"), Part::Text("category", "c"), Part::File("file", Some("a.docx"), bytes)]).await;
        field_error(status, &body, "file");
    }
    // Too large: over STORAGE_MAX_BYTES, whether the title comes before or after the file.
    let big = pdf(MAX as usize + 1);
    let (status, body) = upload(&g.app, &admin, &[Part::Text("title", "t"), Part::Text("category", "c"), Part::File("file", Some("big.pdf"), &big)]).await;
    let err = field_error(status, &body, "file");
    assert!(err["fields"]["file"].as_str().is_some_and(|m| m.contains(&MAX.to_string())), "{err}");
    // Missing or bad fields: the file was stored while the form streamed in, and is deleted again.
    let (status, body) = upload(&g.app, &admin, &[Part::File("file", Some("a.docx"), &docx), Part::Text("category", "c")]).await;
    let err = field_error(status, &body, "title");
    assert!(err["fields"].get("file").is_none() && err["fields"].get("category").is_none(), "{err}");
    let long = "长".repeat(51);
    let (status, body) = upload(&g.app, &admin, &[Part::File("file", Some("a.docx"), &docx), Part::Text("title", " "), Part::Text("category", &long)]).await;
    let err = field_error(status, &body, "title");
    assert!(err["fields"]["category"].is_string(), "{err}");
    let (status, body) = upload(&g.app, &admin, &[Part::Text("title", "t"), Part::Text("category", "c")]).await;
    field_error(status, &body, "file");
    let (status, body) = upload(&g.app, &admin, &[Part::File("file", Some("a.docx"), &docx), Part::Text("title", "t"), Part::Text("owner", "x")]).await;
    field_error(status, &body, "owner");
    let (status, body) = upload(&g.app, &admin, &[Part::File("file", Some("a.docx"), &docx), Part::File("file", Some("b.docx"), &docx)]).await;
    field_error(status, &body, "file");

    // Not an admin, not a form.
    let (status, body) = upload(&g.app, &staff, &[Part::Text("title", "t"), Part::Text("category", "c"), Part::File("file", Some("a.docx"), &docx)]).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, _, body) = call(&g.app, Method::POST, "/admin/guides/", Some(&admin), Some(("application/json".into(), b"{}".to_vec()))).await;
    assert_error(status, &json_of(&body), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    assert_eq!(counts(&g.app).await, (0, 0), "no guide and no file row");
    assert_eq!(g.bucket.keys().await, Vec::<String>::new(), "no object left in the bucket");
    // Exactly the limit is taken.
    let at_limit = pdf(MAX as usize);
    uploaded(&g.app, &admin, "t", "c", "at-limit.pdf", &at_limit).await;
    assert_eq!(counts(&g.app).await, (1, 1));
}

#[tokio::test]
async fn emailing_a_guide_queues_one_send_email_with_the_stored_file_attached() {
    let g = start().await;
    let admin = g.app.user_token("root", &[]).await;
    let staff = g.app.user_token("li", &["staff"]).await;
    let guide = uploaded(&g.app, &admin, "教师请假表", "人事", "请假表.pdf", &pdf(3000)).await;
    let path = format!("/guides/{}/email", guide["id"]);

    // No address yet: 422 no_email, nothing planned.
    let (status, _, body) = call(&g.app, Method::GET, &path, Some(&staff), None).await;
    assert_error(status, &json_of(&body), StatusCode::UNPROCESSABLE_ENTITY, "no_email");
    assert!(enqueued::<SendEmail>(&g.app.pool).await.is_empty());

    let (status, card) = g.app.send(Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let (status, _, body) = call(&g.app, Method::GET, &path, Some(&staff), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(json_of(&body), json!({"email": "li@example.edu", "status": "queued"}));

    // One job, one send log row addressed to me with the guide's stored object attached.
    let jobs = enqueued::<SendEmail>(&g.app.pool).await;
    assert_eq!(jobs.len(), 1);
    let (recipients, subject, attachments): (Vec<String>, String, sqlx::types::Json<Vec<StoredAttachment>>) =
        sqlx::query_as("SELECT recipients, subject, attachments FROM mail_sends WHERE id = $1").bind(jobs[0].send_id).fetch_one(&g.app.pool).await.expect("mail");
    assert_eq!(recipients, vec!["li@example.edu"]);
    assert!(subject.contains("教师请假表"), "{subject}");
    let key: String = sqlx::query_scalar("SELECT f.key FROM guides g JOIN stored_files f ON f.id = g.file_id").fetch_one(&g.app.pool).await.expect("key");
    assert_eq!(attachments.0, vec![StoredAttachment { key, filename: "请假表.pdf".into(), content_type: "application/pdf".into() }]);

    // Asked again within the minute (a double tap, a retry): the same e-mail; a minute on, another.
    let (status, _, _) = call(&g.app, Method::POST, &format!("{path}/"), Some(&staff), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(enqueued::<SendEmail>(&g.app.pool).await.len(), 1);
    g.clock.advance(chrono::Duration::seconds(61));
    let (status, _, _) = call(&g.app, Method::POST, &path, Some(&staff), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(enqueued::<SendEmail>(&g.app.pool).await.len(), 2);

    // Unknown guides are 404; patients may not.
    let (status, _, body) = call(&g.app, Method::GET, "/guides/999999/email", Some(&staff), None).await;
    assert_error(status, &json_of(&body), StatusCode::NOT_FOUND, "not_found");
    let patient = g.app.user_token("zhao", &["patient"]).await;
    let (status, _, _) = call(&g.app, Method::GET, &path, Some(&patient), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
