//! The console's subscribe-send log (status, errcode, filters, pages) and the operator facts
//! page (token cache, rate limits, outbox lag, scheduler leader and firings), read from what the
//! system records.

mod console_client;
mod support;

use std::time::Duration;

use axum::http::StatusCode;
use console_client::Browser;
use secrecy::SecretString;
use sqlx::PgPool;
use support::TestApp;
use yizhan_common::wechat::client::{AppCredentials, WechatConfig};

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
async fn the_facts_page_reads_the_recorded_state_and_never_shows_a_token() {
    let pool = yizhan_common::testing::database().await;
    let mut config = support::config(&support::redis_url());
    config.wechat = Some(WechatConfig {
        api_base: "http://127.0.0.1:9".into(),
        mp: None,
        mp_token: None,
        mp_aes_key: None,
        mp_callback_mode: yizhan_common::wechat::callback::CallbackMode::Plain,
        mp_callback_max_age: Duration::from_secs(300),
        mini: Some(AppCredentials { appid: "wxfactsmini".into(), secret: SecretString::from("secret") }),
        http_timeout: Duration::from_secs(1),
    });
    let prefix = config.core.redis_prefix.clone();
    let app = TestApp::with_config(pool.clone(), config);
    app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;

    let page = b.get("/admin/console/facts").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("wxfactsmini") && page.has("未缓存") && page.has("还没有获取记录"), "{}", page.body);
    assert!(page.has("<dd id=\"outbox-unpushed\">0</dd>") && page.has("没有调度器持有租约") && page.has("还没有触发记录"), "{}", page.body);
    assert!(page.has("<code>wechat.access_token</code>") && !page.has("tokens-unrecorded"), "{}", page.body);

    let mut redis = yizhan_common::redis_conn::connect(&SecretString::from(support::redis_url()), Default::default()).await.expect("redis");
    let set = |key: String, value: &'static str, ms: u64| redis::cmd("SET").arg(key).arg(value).arg("PX").arg(ms).clone();
    set(format!("{prefix}:wechat:token:wxfactsmini"), "TOKEN-SECRET-VALUE", 3_600_000).query_async::<()>(&mut redis).await.expect("token");
    let refreshed_ms = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    redis::cmd("HSET")
        .arg(format!("{prefix}:wechat:token-log:wxfactsmini"))
        .arg("refreshed_at_ms")
        .arg(refreshed_ms)
        .arg("error_at_ms")
        .arg(refreshed_ms - 60_000)
        .arg("error")
        .arg("WeChat stable_token: errcode 45009 (reach max api daily quota limit)")
        .query_async::<()>(&mut redis)
        .await
        .expect("token log");
    set(format!("{prefix}:lease:scheduler"), "7", 8_000).query_async::<()>(&mut redis).await.expect("lease");
    sqlx::query("INSERT INTO outbox (queue, kind, payload, created_at) VALUES ('default', 'probe', '{}', now() - interval '90 seconds')")
        .execute(&pool)
        .await
        .expect("outbox");
    sqlx::query("INSERT INTO scheduler_firings (schedule, fire_time, jobs) VALUES ('heartbeat', now() - interval '1 minute', 3)")
        .execute(&pool)
        .await
        .expect("firing");
    sqlx::query("INSERT INTO scheduler_state (schedule, last_fire_time) VALUES ('heartbeat', now() - interval '1 minute')")
        .execute(&pool)
        .await
        .expect("state");

    let limiter = yizhan_common::ratelimit::RateLimiter::new(redis.clone(), &prefix, app.state.config.rate_limits.clone());
    let granted = limiter.acquire("wechat.access_token").await.expect("acquire");
    assert!(matches!(granted, yizhan_common::ratelimit::Acquired::Permit(_)), "{granted:?}");

    let page = b.get("/admin/console/facts").await;
    let row = &page.body[page.body.find("<code>wechat.access_token</code>").expect("the operation's row")..];
    let row = &row[..row.find("</tr>").expect("end of row")];
    assert!(row.contains("每分钟 10 次") && row.contains(">1 / 10<") && row.contains(" 秒</td>"), "one grant in the window, the next spaced: {row}");
    assert!(page.has("已缓存，59 分") && !page.has("TOKEN-SECRET-VALUE"), "{}", page.body);
    assert!(page.has("上次获取于 ") && page.has("（1 分 ") && page.has("最近一次获取失败于 ") && page.has("errcode 45009"), "age, last refresh, last error: {}", page.body);
    assert!(page.has("<dd id=\"outbox-unpushed\">1</dd>") && page.has("<dd id=\"outbox-oldest\">1 分 3"), "{}", page.body);
    assert!(page.has("令牌 7 的调度器持有，租约还剩"), "{}", page.body);
    assert!(page.has("<code>heartbeat</code>") && page.has("<td data-label=\"入队任务数\">3</td>"), "{}", page.body);
}

#[tokio::test]
async fn staff_cannot_open_the_send_log_nor_the_facts() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let admin = app.user_token("root", &[]).await;
    let body = serde_json::json!({"username": "nurse", "password": "password-123", "roles": ["staff"]});
    assert_eq!(app.post("/admin/users", Some(&admin), body).await.0, StatusCode::CREATED);
    let mut staff = Browser::signed_in(&app, "nurse", "password-123").await;
    let home = staff.get("/admin/console/").await;
    assert!(!home.has("订阅消息") && !home.has("运行状态"), "{}", home.body);
    for path in ["/admin/console/sends", "/admin/console/facts"] {
        assert_eq!(staff.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}
