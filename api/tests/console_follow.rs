//! The console's seed 000 pages: department QR codes (asking enqueues the creation job the JSON
//! route enqueues; the image, drawn locally, once ready; the print view; retrying a failed one),
//! followers, and keyword replies (per-field errors, editing, deleting only after confirming).

mod console_client;
mod support;

use axum::http::{header, Method, StatusCode};
use console_client::Browser;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::TestApp;
use yizhan_common::follow::followers::{self, Source};
use yizhan_common::follow::qrcodes;
use yizhan_common::jobs::kinds::CreateDepartmentQrCode;
use yizhan_common::jobs::Job;

async fn creation_jobs(pool: &PgPool, department: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'departmentId' = $2")
        .bind(CreateDepartmentQrCode::KIND)
        .bind(department.to_string())
        .fetch_one(pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn asking_for_a_code_enqueues_its_job_and_the_page_shows_the_image_once_ready() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (_, d) = app.post("/admin/departments", Some(&admin), json!({"name": "309脊柱"})).await;
    let id = d["id"].as_i64().expect("id");
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let list = b.get("/admin/console/qrcodes").await;
    assert!(list.has("还没有科室二维码") && list.has(&format!("<option value=\"{id}\">309脊柱")), "{}", list.body);
    let csrf = list.csrf();

    let forged = b.post("/admin/console/qrcodes", &[("csrf", "forged"), ("departmentId", &id.to_string())]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(creation_jobs(&pool, id).await, 0, "a forged form enqueues nothing");

    let page = b.post("/admin/console/qrcodes", &[("csrf", &csrf), ("departmentId", &id.to_string())]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, format!("/admin/console/qrcodes/{id}").as_str()));
    assert_eq!(creation_jobs(&pool, id).await, 1, "the JSON route's job, through the outbox");
    let pending = b.get(&format!("/admin/console/qrcodes/{id}")).await;
    assert!(pending.has("正在为科室 309脊柱 生成二维码") && pending.has("生成中") && pending.has("<meta http-equiv=\"refresh\" content=\"2\">"), "{}", pending.body);
    assert!(!pending.has("qr-image"));
    assert_eq!(b.get(&format!("/admin/console/qrcodes/{id}/qr.svg")).await.status, StatusCode::NOT_FOUND, "no image before it is ready");
    b.post("/admin/console/qrcodes", &[("csrf", &csrf), ("departmentId", &id.to_string())]).await;
    assert_eq!(creation_jobs(&pool, id).await, 1, "asking again while pending starts no second job");

    let mut conn = pool.acquire().await.expect("conn");
    qrcodes::mark_ready(&mut conn, id, "ticket-1", "http://weixin.qq.com/q/abc", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=ticket-1").await.expect("ready");
    followers::bind(&mut conn, "wxmp", "oFollowerOne1234", Some(id), Source::QrCode).await.expect("bind");
    let ready = b.get(&format!("/admin/console/qrcodes/{id}")).await;
    assert!(ready.has("已生成") && ready.has(&format!("src=\"/admin/console/qrcodes/{id}/qr.svg\"")) && !ready.has("http-equiv=\"refresh\""), "{}", ready.body);
    assert!(ready.has("oFol****1234") && ready.has("扫码关注") && ready.has("关注中"), "followers, openids masked: {}", ready.body);
    let svg = b.get(&format!("/admin/console/qrcodes/{id}/qr.svg")).await;
    assert_eq!((svg.status, &svg.headers[header::CONTENT_TYPE]), (StatusCode::OK, &"image/svg+xml".parse::<axum::http::HeaderValue>().expect("value")));
    assert!(svg.body.starts_with("<svg") && svg.body.contains("M4,4h1v1h-1z"), "{}", svg.body);
    let print = b.get(&format!("/admin/console/qrcodes/{id}/print")).await;
    assert!(print.status == StatusCode::OK && print.has("<h1>309脊柱</h1>") && print.has("qr.svg"), "{}", print.body);
    assert!(b.get("/admin/console/qrcodes").await.has("/print\">打印</a>"));

    let (_, d2) = app.post("/admin/departments", Some(&admin), json!({"name": "眼科"})).await;
    let failed = d2["id"].as_i64().expect("id");
    b.post("/admin/console/qrcodes", &[("csrf", &csrf), ("departmentId", &failed.to_string())]).await;
    qrcodes::mark_failed(&mut conn, failed, "errcode 48001: api unauthorized").await.expect("failed");
    let page = b.get(&format!("/admin/console/qrcodes/{failed}")).await;
    assert!(page.has("生成失败") && page.has("errcode 48001") && page.has("重试生成"), "{}", page.body);
    assert_eq!(b.get(&format!("/admin/console/qrcodes/{failed}/print")).await.status, StatusCode::NOT_FOUND);
    b.post("/admin/console/qrcodes", &[("csrf", &csrf), ("departmentId", &failed.to_string())]).await;
    assert_eq!(creation_jobs(&pool, failed).await, 2, "retrying a failed code starts a new job");
    assert_eq!(b.get("/admin/console/qrcodes/424242").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn keyword_rules_are_created_edited_and_deleted_after_confirming() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let rules = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM keyword_rules").fetch_one(&pool).await.expect("count") };

    let page = b.post("/admin/console/keywords/new", &[("csrf", &csrf), ("pattern", ""), ("matchKind", "fuzzy"), ("replyText", "x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("data-field=\"pattern\">必填") && page.has("data-field=\"matchKind\">须为“精确”“包含”“正则”或“兜底”"), "{}", page.body);
    let page = b.post("/admin/console/keywords/new", &[("csrf", &csrf), ("pattern", "(奖学金"), ("matchKind", "regex"), ("replyText", "x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("data-field=\"pattern\">不是有效的正则表达式："), "{}", page.body);
    assert_eq!(rules().await, 0);
    let good = [("csrf", csrf.as_str()), ("pattern", "挂号"), ("matchKind", "contains"), ("replyText", "请在小程序挂号"), ("replyUrl", ""), ("priority", "5")];
    assert_eq!(b.post("/admin/console/keywords/new", &[("csrf", "forged"), ("pattern", "挂号"), ("replyText", "x")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(rules().await, 0);
    let page = b.post("/admin/console/keywords/new", &good).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/keywords"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM keyword_rules").fetch_one(&pool).await.expect("id");
    let list = b.get("/admin/console/keywords").await;
    assert!(list.has("已创建关键词规则“挂号”") && list.has("请在小程序挂号") && list.has("<td data-label=\"优先级\">5</td>"), "{}", list.body);

    let edit = format!("/admin/console/keywords/{id}");
    let form = b.get(&edit).await;
    assert!(form.has("value=\"挂号\"") && form.has(">请在小程序挂号</textarea>"), "{}", form.body);
    let long = "长".repeat(601);
    let page = b.post(&edit, &[("csrf", &csrf), ("pattern", "挂号"), ("matchKind", "exact"), ("replyText", &long)]).await;
    assert!(page.has("data-field=\"replyText\">最多 600 个字符"), "{}", page.body);
    let page = b.post(&edit, &[("csrf", &csrf), ("pattern", "预约"), ("matchKind", "exact"), ("replyText", "点此预约"), ("replyUrl", "https://h.example/b"), ("priority", "x")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (pattern, kind, url, priority): (String, String, Option<String>, i32) =
        sqlx::query_as("SELECT pattern, match_kind, reply_url, priority FROM keyword_rules").fetch_one(&pool).await.expect("row");
    assert_eq!((pattern.as_str(), kind.as_str(), url.as_deref(), priority), ("预约", "exact", Some("https://h.example/b"), 0));

    let ask = b.post(&format!("{edit}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.has("确定要删除关键词规则“预约”吗") && ask.has("name=\"confirmed\" value=\"1\""), "{}", ask.body);
    assert_eq!(rules().await, 1, "asking deletes nothing");
    let page = b.post(&format!("{edit}/delete"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(rules().await, 0);
    assert!(b.get("/admin/console/keywords").await.has("已删除关键词规则“预约”"));
    assert_eq!(b.get(&edit).await.status, StatusCode::NOT_FOUND);

    // The JSON route that replaces a rule runs the same checks.
    let (_, v) = app.post("/api/admin/nurses/msg/wx/keywords", Some(&admin), json!({"pattern": "挂号", "replyText": "x"})).await;
    let path = format!("/api/admin/nurses/msg/wx/keywords/{}", v["id"]);
    let (status, err) = app.send(Method::PUT, &path, Some(&admin), Some(json!({"pattern": "", "replyText": "y"}))).await;
    let err = support::assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["pattern"].is_string());
    let (status, _) = app.send(Method::PUT, &path, Some(&admin), Some(json!({"pattern": "挂号", "matchKind": "exact", "replyText": "y"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A news rule (made through the API) keeps its articles when the console edits its text.
    let article = json!({"title": "奖学金评定", "description": "", "picUrl": "", "url": "https://e.org/n/1"});
    let (_, v) = app.post("/api/admin/nurses/msg/wx/keywords", Some(&admin), json!({"pattern": "奖学金", "replyText": "见通知", "replyArticles": [article]})).await;
    let news = v["id"].as_i64().expect("id");
    assert!(b.get("/admin/console/keywords").await.has("见通知（图文）"));
    let page = b.post(&format!("/admin/console/keywords/{news}"), &[("csrf", &csrf), ("pattern", "^奖学金"), ("matchKind", "regex"), ("replyText", "见最新通知")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let kept: (String, Value) = sqlx::query_as("SELECT match_kind, reply_articles FROM keyword_rules WHERE id = $1").bind(news).fetch_one(&pool).await.expect("row");
    assert_eq!(kept, ("regex".to_owned(), json!([article])));
}

#[tokio::test]
async fn staff_cannot_open_the_follow_pages() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (status, _) = app.post("/admin/users", Some(&admin), json!({"username": "nurse", "password": "password-123", "roles": ["staff"]})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, d) = app.post("/admin/departments", Some(&admin), json!({"name": "骨科"})).await;
    let id = d["id"].as_i64().expect("id").to_string();
    let mut staff = Browser::signed_in(&app, "nurse", "password-123").await;
    let csrf = staff.session_csrf().await;
    for path in ["/admin/console/qrcodes", &format!("/admin/console/qrcodes/{id}"), "/admin/console/keywords", "/admin/console/keywords/new"] {
        assert_eq!(staff.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(staff.post("/admin/console/qrcodes", &[("csrf", &csrf), ("departmentId", &id)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(creation_jobs(&pool, id.parse().expect("id")).await, 0);
    let page = staff.post("/admin/console/keywords/new", &[("csrf", &csrf), ("pattern", "挂号"), ("replyText", "x")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
