//! `POST /api/files` and `GET /api/files/{id}` on a local folder and on moto's S3: the type is
//! sniffed (415 otherwise), the size limited while streaming (413), and a file is served to its
//! owner and to staff only (404 to other users, 401 without a token), or on S3 handed out as a
//! presigned URL that downloads.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use support::{assert_error, config, redis_url, TestApp};
use tower::ServiceExt;
use yizhan_common::storage::StorageConfig;
use yizhan_common::testing::MotoBucket;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const MAX: u64 = 64 * 1024;

struct Files {
    app: TestApp,
    dir: std::path::PathBuf,
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("yizhan-api-files-{}", uuid::Uuid::new_v4().simple()))
}

fn app_with(pool: PgPool, storage: StorageConfig) -> TestApp {
    let mut config = config(&redis_url());
    config.storage = Some(StorageConfig { max_bytes: MAX, ..storage });
    TestApp::with_config(pool, config)
}

fn local(pool: PgPool) -> Files {
    let dir = temp_dir();
    Files { app: app_with(pool, StorageConfig::file(&dir)), dir }
}

/// A raw request; the status, headers and body bytes.
async fn call(app: &TestApp, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = app.router.clone().oneshot(req).await.expect("response");
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

fn upload_req(token: Option<&str>, content_type: &str, body: Body, length: Option<usize>) -> Request<Body> {
    let mut req = Request::builder().method(Method::POST).uri("/api/files").header(header::CONTENT_TYPE, content_type);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(n) = length {
        req = req.header(header::CONTENT_LENGTH, n);
    }
    req.body(body).expect("request")
}

async fn upload(app: &TestApp, token: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let len = bytes.len();
    let (status, _, body) = call(app, upload_req(Some(token), content_type, Body::from(bytes), Some(len))).await;
    (status, serde_json::from_slice(&body).expect("JSON"))
}

async fn download(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    call(app, req.body(Body::empty()).expect("request")).await
}

fn png_of(len: usize) -> Vec<u8> {
    let mut body = PNG.to_vec();
    body.resize(len, 1);
    body
}

#[tokio::test]
async fn uploads_are_served_to_their_owner_and_staff_only() {
    let pool = yizhan_common::testing::database().await;
    let f = local(pool);
    let alice = f.app.user_token("alice", &["patient"]).await;
    let bob = f.app.user_token("bob", &["patient"]).await;
    let nurse = f.app.user_token("nurse", &["staff"]).await;

    let body = png_of(5000);
    let (status, file) = upload(&f.app, &alice, "image/png", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let id = file["id"].as_str().expect("id");
    assert_eq!(id.len(), 32);
    assert_eq!(file["url"], format!("/api/files/{id}"));
    assert_eq!(file["contentType"], "image/png");
    assert_eq!(file["size"], 5000);
    let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM stored_files WHERE id = $1").bind(id).fetch_one(&f.app.pool).await.expect("row");
    assert!(owner.is_some());

    for token in [&alice, &nurse] {
        let (status, headers, got) = download(&f.app, &format!("/api/files/{id}"), Some(token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, body);
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert_eq!(headers[header::CONTENT_LENGTH], "5000");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    // Another user learns nothing, not even that it exists; no token is a 401.
    let (status, _, got) = download(&f.app, &format!("/api/files/{id}"), Some(&bob)).await;
    assert_error(status, &serde_json::from_slice(&got).expect("JSON"), StatusCode::NOT_FOUND, "not_found");
    let (status, _, got) = download(&f.app, &format!("/api/files/{id}"), None).await;
    assert_error(status, &serde_json::from_slice(&got).expect("JSON"), StatusCode::UNAUTHORIZED, "not_authenticated");
    let (status, _, _) = download(&f.app, &format!("/api/files/{}", "0".repeat(32)), Some(&nurse)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = download(&f.app, "/api/files/..%2F..%2Fetc%2Fpasswd", Some(&nurse)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The type is the sniffed one, whatever the client said; a PDF is accepted too.
    let (status, pdf) = upload(&f.app, &alice, "image/png", b"%PDF-1.4\n%%EOF".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{pdf}");
    assert_eq!(pdf["contentType"], "application/pdf");
}

#[tokio::test]
async fn uploads_are_refused_by_size_type_and_token() {
    let pool = yizhan_common::testing::database().await;
    let f = local(pool);
    let alice = f.app.user_token("alice", &["patient"]).await;

    // Declared too large: refused before the body.
    let (status, body) = upload(&f.app, &alice, "image/png", png_of(MAX as usize + 1)).await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Too large without a declared length (chunked): refused while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = png_of(MAX as usize * 4).chunks(8192).map(|c| Ok(c.to_vec())).collect();
    let req = upload_req(Some(&alice), "image/png", Body::from_stream(futures::stream::iter(chunks)), None);
    let (status, _, body) = call(&f.app, req).await;
    assert_error(status, &serde_json::from_slice(&body).expect("JSON"), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Exactly the limit passes (larger than the API's JSON body limit of 64 KiB in tests).
    let (status, body) = upload(&f.app, &alice, "image/png", png_of(MAX as usize)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = upload(&f.app, &alice, "image/png", b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert_error(status, &body, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let (status, body) = upload(&f.app, &alice, "multipart/form-data; boundary=x", PNG.to_vec()).await;
    assert_error(status, &body, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let (status, _, body) = call(&f.app, upload_req(None, "image/png", Body::from(PNG), None)).await;
    assert_error(status, &serde_json::from_slice(&body).expect("JSON"), StatusCode::UNAUTHORIZED, "not_authenticated");

    // Only the one accepted upload was written or recorded.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM stored_files").fetch_one(&f.app.pool).await.expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn without_storage_uploads_are_unavailable() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let alice = app.user_token("alice", &["patient"]).await;
    let (status, body) = upload(&app, &alice, "image/png", PNG.to_vec()).await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

#[tokio::test]
async fn on_s3_downloads_redirect_to_a_presigned_url() {
    let pool = yizhan_common::testing::database().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let app = app_with(pool, MotoBucket::new().await.config(MAX));
    let alice = app.user_token("alice", &["patient"]).await;
    let bob = app.user_token("bob", &["patient"]).await;
    let body = png_of(3000);
    let (status, file) = upload(&app, &alice, "image/png", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let path = file["url"].as_str().expect("url");

    let (status, headers, _) = download(&app, path, Some(&alice)).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    let location = headers[header::LOCATION].to_str().expect("location");
    assert!(location.contains("X-Amz-Signature="), "{location}");
    let res = http.get(location).send().await.expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), body.as_slice());
    // No presigned URL for anyone else.
    let (status, headers, _) = download(&app, path, Some(&bob)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::LOCATION).is_none());
}
