//! The console's subscribe-send log: status, errcode, filters, pages.

mod console_client;
mod support;

use axum::http::StatusCode;
use console_client::Browser;
use sqlx::PgPool;
use support::TestApp;

/// A send row of `user` for `template`, `days_ago` days back.
async fn send(pool: &PgPool, user: i64, n: i64, template: &str, status: &str, errcode: Option<i32>, days_ago: i32) {
    sqlx::query(
        "INSERT INTO subscribe_sends (idempotency_key, kind, user_id, template_id, openid, status, errcode, error, attempts, created_at)
         VALUES ($1, 'appointment_success', $2, $3, 'oOpenid0000abcd', $4, $5, $6, 1, now() - make_interval(days => $7))",
    )
    .bind(format!("send-{n}"))
    .bind(user)
    .bind(template)
    .bind(status)
    .bind(errcode)
    .bind(errcode.map(|c| format!("errcode {c}: <user refused>")))
    .bind(days_ago)
    .execute(pool)
    .await
    .expect("send row");
}

#[tokio::test]
async fn the_send_log_shows_status_and_errcode_and_filters_by_status_template_and_day() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    app.user_token("root", &[]).await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'root'").fetch_one(&pool).await.expect("root");
    let template = app.state.config.templates.template(yizhan_common::subscribe::MessageKind::AppointmentSuccess).to_owned();
    for n in 0..22 {
        send(&pool, user, n, &template, "sent", None, 0).await;
    }
    send(&pool, user, 100, &template, "failed", Some(43101), 0).await;
    send(&pool, user, 101, "other-template", "skipped", None, 3).await;

    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let all = b.get("/admin/console/sends").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.has("共 24 条") && all.has("rel=\"next\""), "{}", all.body);
    assert!(all.has("<td data-label=\"errcode\" class=\"errcode\">43101</td>") && all.has("&#60;user refused&#62;"), "{}", all.body);
    assert!(all.has("oOpe****abcd") && !all.has("oOpenid0000abcd"), "openids are masked");
    let failed = b.get("/admin/console/sends?status=failed").await;
    assert!(failed.has("共 1 条") && failed.has("<span class=\"bad\">失败</span>"), "{}", failed.body);
    let other = b.get("/admin/console/sends?template=other-template").await;
    assert!(other.has("共 1 条") && other.has("已跳过"), "{}", other.body);
    let day = (yizhan_common::time::today() - chrono::Days::new(3)).to_string();
    let that_day = b.get(&format!("/admin/console/sends?date={day}")).await;
    assert!(that_day.has("共 1 条") && that_day.has("other-template"), "{}", that_day.body);
    let template: String = form_urlencoded::byte_serialize(template.as_bytes()).collect();
    let page2 = b.get(&format!("/admin/console/sends?template={template}&page=2")).await;
    assert!(page2.has("第 21–23 条"), "{}", page2.body);
    assert!(page2.has(&format!("/admin/console/sends?template={template}&#38;page=1")), "the pager keeps the filter: {}", page2.body);
}

#[tokio::test]
async fn staff_cannot_open_the_send_log() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let admin = app.user_token("root", &[]).await;
    let body = serde_json::json!({"username": "nurse", "password": "password-123", "roles": ["staff"]});
    assert_eq!(app.post("/admin/users", Some(&admin), body).await.0, StatusCode::CREATED);
    let mut staff = Browser::signed_in(&app, "nurse", "password-123").await;
    let home = staff.get("/admin/console/").await;
    assert!(!home.has("订阅消息"), "{}", home.body);
    for path in ["/admin/console/sends"] {
        assert_eq!(staff.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}
