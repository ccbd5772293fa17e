//! The admin console over HTTP: signing in and out, the login throttle, CSRF refusals, roles,
//! bearer tokens and cookies kept apart, per-field form errors, pagination and CSV export.

mod console_client;
mod support;

use std::net::SocketAddr;

use axum::http::{header, StatusCode};
use console_client::Browser;
use secrecy::SecretString;
use sqlx::PgPool;
use support::TestApp;
use yizhan_common::users::{self, NewUser, Role};

async fn root(app: &TestApp) {
    yizhan_api::admin::create_admin(&app.pool, "root", SecretString::from("root-password")).await.expect("admin");
}

async fn count_users(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await.expect("count")
}

#[tokio::test]
async fn signing_in_sets_a_session_cookie_and_signing_out_ends_it() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    root(&app).await;
    let mut b = Browser::new(&app);

    let page = b.get("/admin/").await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/"));
    let page = b.get("/admin/console/users?page=2").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/admin/console/login?next=%2Fadmin%2Fconsole%2Fusers%3Fpage%3D2");

    let page = b.sign_in("root", "root-password").await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/"), "{}", page.body);
    let cookie = page.set_cookies().into_iter().find(|c| c.starts_with("yz_console=")).expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/admin/console;", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP from an untrusted peer: {cookie}");
    let value = b.cookies["yz_console"].clone();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM console_sessions WHERE token_hash = $1")
        .bind(yizhan_common::auth::token::digest(&value))
        .fetch_one(&pool)
        .await
        .expect("session row");
    assert_eq!(stored, 1, "only the cookie's hash is stored");

    let home = b.get("/admin/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.has("用户与角色") && home.has("任务队列") && home.has("root"), "{}", home.body);
    let csp = home.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");

    let csrf = home.csrf();
    let page = b.post("/admin/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/login"));
    assert!(!b.cookies.contains_key("yz_console"), "cookie cleared");
    b.cookies.insert("yz_console".into(), value);
    let page = b.get("/admin/console/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the old cookie no longer signs in");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM console_sessions").fetch_one(&pool).await.expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_cookie_is_secure_when_a_trusted_proxy_says_the_request_came_over_tls() {
    let pool = yizhan_common::testing::database().await;
    let mut config = support::config(&support::redis_url());
    config.trusted_proxies = "10.0.0.1".parse().expect("proxies");
    let app = TestApp::with_config(pool, config);
    root(&app).await;
    let secure_of = |page: &console_client::Page| {
        page.set_cookies().iter().find(|c| c.starts_with("yz_console=")).map(|c| c.contains("; Secure")).expect("session cookie")
    };
    for (peer, secure) in [("10.0.0.1", true), ("203.0.113.7", false)] {
        let mut b = Browser::new(&app);
        b.peer = Some(SocketAddr::new(peer.parse().expect("ip"), 40000));
        b.extra.push(("x-forwarded-proto".into(), "https".into()));
        let page = b.sign_in("root", "root-password").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(secure_of(&page), secure, "peer {peer}");
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_throttled_with_the_api_login() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    root(&app).await;
    let mut b = Browser::new(&app);
    // The harness allows 3 failures per (username, address).
    for _ in 0..3 {
        let page = b.sign_in("root", "wrong-password").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.has("用户名或密码错误"), "{}", page.body);
        assert!(!b.cookies.contains_key("yz_console"));
    }
    let page = b.sign_in("root", "root-password").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(page.has("登录失败次数过多"), "{}", page.body);
    assert!(page.headers.contains_key(header::RETRY_AFTER));
    assert!(!b.cookies.contains_key("yz_console"));
    // The same buckets as the JSON login.
    let (status, body) = app.post("/auth/get-token/", None, serde_json::json!({"username": "root", "password": "root-password"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    root(&app).await;
    let mut other = Browser::signed_in(&app, "root", "root-password").await;
    let others_token = other.session_csrf().await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let before = count_users(&pool).await;
    let user = [("username", "mallory"), ("password", "password-123"), ("roles", "admin")];
    for csrf in [None, Some(""), Some("forged"), Some(others_token.as_str())] {
        let mut fields = user.to_vec();
        if let Some(token) = csrf {
            fields.push(("csrf", token));
        }
        let page = b.post("/admin/console/users/new", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "csrf {csrf:?}");
        assert!(page.has("表单已失效"), "{}", page.body);
    }
    let page = b.post("/admin/console/logout", &[("csrf", "forged")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count_users(&pool).await, before, "nothing was created");
    assert_eq!(b.get("/admin/console/").await.status, StatusCode::OK, "still signed in");

    // The sign-in form's own token must match its cookie.
    let mut fresh = Browser::new(&app);
    let page = fresh.post("/admin/console/login", &[("csrf", "x"), ("username", "root"), ("password", "root-password")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!fresh.cookies.contains_key("yz_console"));
}

#[tokio::test]
async fn roles_decide_which_sections_show_and_which_pages_answer() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let token = app.user_token("root", &[]).await;
    for (name, role) in [("nurse", "staff"), ("patient1", "patient")] {
        let body = serde_json::json!({"username": name, "password": "password-123", "roles": [role]});
        assert_eq!(app.post("/admin/users", Some(&token), body).await.0, StatusCode::CREATED);
    }
    let mut staff = Browser::new(&app);
    assert_eq!(staff.sign_in("nurse", "password-123").await.status, StatusCode::SEE_OTHER);
    let home = staff.get("/admin/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.has("用户与角色") && !home.has("任务队列"), "{}", home.body);
    for path in ["/admin/console/users", "/admin/console/users.csv", "/admin/console/queues", "/admin/console/users/1"] {
        let page = staff.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.has("没有权限"), "{}", page.body);
    }
    let csrf = home.csrf();
    let page = staff.post("/admin/console/users/new", &[("csrf", &csrf), ("username", "x"), ("password", "password-123"), ("roles", "admin")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    let mut patient = Browser::new(&app);
    let page = patient.sign_in("patient1", "password-123").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.has("没有使用后台的权限"), "{}", page.body);
    assert!(!patient.cookies.contains_key("yz_console"));
}

#[tokio::test]
async fn bearer_tokens_do_not_open_the_console_nor_the_cookie_the_json_api() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let token = app.user_token("root", &[]).await;
    let mut b = Browser::new(&app);
    b.extra.push(("authorization".into(), format!("Bearer {token}")));
    let page = b.get("/admin/console/users").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "a token is not a sign-in: {}", page.body);
    assert!(page.location().starts_with("/admin/console/login"));

    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in("root", "root-password").await.status, StatusCode::SEE_OTHER);
    let cookie = format!("yz_console={}", b.cookies["yz_console"]);
    for path in ["/admin/users", "/admin/queues", "/current-user/"] {
        let req = axum::http::Request::get(path).header(header::COOKIE, &cookie).body(axum::body::Body::empty()).expect("request");
        let (status, body) = app.raw(req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_authenticated");
    }
}

#[tokio::test]
async fn user_forms_show_the_api_validation_per_field_and_write_nothing_until_valid() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    root(&app).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let before = count_users(&pool).await;
    let bad = [("csrf", csrf.as_str()), ("username", "bad name!"), ("password", "short"), ("email", "nope"), ("name", "李四")];
    let page = b.post("/admin/console/users/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    for (field, message) in [("username", "只能包含字母"), ("password", "长度须为 8 到 256 个字符"), ("email", "须为有效的电子邮件地址"), ("roles", "至少选择一个角色")] {
        assert!(page.has(&format!("data-field=\"{field}\">{message}")), "{field} in {}", page.body);
    }
    assert!(page.has("value=\"李四\"") && page.has("value=\"bad name!\""), "typed values kept");
    assert!(!page.has("short"), "the password is never echoed");
    assert_eq!(count_users(&pool).await, before);

    let good = [("csrf", csrf.as_str()), ("username", "grace"), ("password", "password-123"), ("name", "Grace"), ("roles", "staff"), ("roles", "counselor")];
    let page = b.post("/admin/console/users/new", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let edit = page.location().to_owned();
    let shown = b.get(&edit).await;
    assert!(shown.has("已创建用户 grace"), "flash after the redirect: {}", shown.body);
    assert!(!b.get(&edit).await.has("已创建用户"), "a flash shows once");
    let page = b.post("/admin/console/users/new", &good).await;
    assert!(page.has("data-field=\"username\">用户名已被占用"), "{}", page.body);

    let page = b.post(&edit, &[("csrf", &csrf), ("name", "Grace H"), ("phone", "12"), ("roles", "staff")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("data-field=\"phone\">须为 5 到 20 位的电话号码"), "{}", page.body);
    let page = b.post(&edit, &[("csrf", &csrf), ("name", "Grace H"), ("roles", "staff")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (name, active): (String, bool) =
        sqlx::query_as("SELECT name, is_active FROM users WHERE username = 'grace'").fetch_one(&pool).await.expect("grace");
    assert_eq!((name.as_str(), active), ("Grace H", false), "no isActive box: disabled");

    let root_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'root'").fetch_one(&pool).await.expect("root");
    let page = b.post(&format!("/admin/console/users/{root_id}"), &[("csrf", &csrf), ("name", "root"), ("roles", "admin")]).await;
    assert!(page.has("data-field=\"isActive\">不能停用自己的账号"), "{}", page.body);
    assert_eq!(b.get("/admin/console/users/999999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_user_list_searches_filters_pages_and_exports_csv() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    root(&app).await;
    let mut conn = pool.acquire().await.expect("conn");
    for i in 0..24 {
        let role = if i % 3 == 0 { Role::Counselor } else { Role::Student };
        let new = NewUser { username: format!("student{i:02}"), password_hash: None, name: format!("学生{i}"), phone: None, email: None, roles: vec![role] };
        users::create(&mut conn, &new).await.expect("user");
    }
    let new = NewUser { username: "formula".into(), password_hash: None, name: "=HYPERLINK(\"x\")".into(), phone: None, email: None, roles: vec![Role::Staff] };
    users::create(&mut conn, &new).await.expect("user");
    drop(conn);
    let mut b = Browser::signed_in(&app, "root", "root-password").await;

    let first = b.get("/admin/console/users").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body.matches("<tr>").count() - 1, 20, "twenty rows and the header");
    assert!(first.has("共 26 条") && first.has("href=\"/admin/console/users?page=2\""), "{}", first.body);
    let second = b.get("/admin/console/users?page=2").await;
    assert_eq!(second.body.matches("<tr>").count() - 1, 6);
    assert!(second.has("rel=\"prev\"") && !second.has("rel=\"next\""));

    let counselors = b.get("/admin/console/users?role=counselor&q=student1").await;
    assert!(counselors.has("共 3 条"), "student12, 15, 18: {}", counselors.body);
    assert!(counselors.has("href=\"/admin/console/users.csv?q=student1&#38;role=counselor\""), "{}", counselors.body);
    let bad_role = b.get("/admin/console/users?role=wizard").await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);

    let csv = b.get("/admin/console/users.csv?q=student1&role=counselor").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.headers[header::CONTENT_DISPOSITION].to_str().expect("ascii").contains("users.csv"));
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}id,用户名,姓名"));
    assert!(lines[1].contains(",student18,学生18,"), "{lines:?}");
    let all = b.get("/admin/console/users.csv").await;
    assert_eq!(all.body.trim_end().split("\r\n").count(), 27, "every user, not one page");
    assert!(all.has(",formula,\"'=HYPERLINK(\"\"x\"\")\","), "a formula is made inert: {}", all.body);
}

#[tokio::test]
async fn sessions_end_when_they_expire_or_the_account_is_disabled_or_its_password_reset() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let token = app.user_token("root", &[]).await;
    let body = serde_json::json!({"username": "nurse", "password": "password-123", "roles": ["staff"]});
    let (_, nurse) = app.post("/admin/users", Some(&token), body).await;
    let nurse_id = nurse["id"].as_i64().expect("id");
    let expire = "UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1";

    let mut b = Browser::signed_in(&app, "nurse", "password-123").await;
    assert_eq!(b.get("/admin/console/nope").await.status, StatusCode::NOT_FOUND, "an HTML 404 inside the console");
    sqlx::query(expire).bind(nurse_id).execute(&pool).await.expect("expire");
    assert_eq!(b.get("/admin/console/").await.status, StatusCode::SEE_OTHER, "expired");

    let mut b = Browser::signed_in(&app, "nurse", "password-123").await;
    let path = format!("/admin/users/{nurse_id}");
    let patch = |body: serde_json::Value| app.send(axum::http::Method::PATCH, &path, Some(&token), Some(body));
    assert_eq!(patch(serde_json::json!({"isActive": false})).await.0, StatusCode::OK);
    assert_eq!(b.get("/admin/console/").await.status, StatusCode::SEE_OTHER, "disabled");
    assert_eq!(patch(serde_json::json!({"isActive": true})).await.0, StatusCode::OK);
    assert_eq!(b.get("/admin/console/").await.status, StatusCode::OK, "enabled again, the session had not ended");

    assert_eq!(patch(serde_json::json!({"password": "another-password"})).await.0, StatusCode::OK);
    assert_eq!(b.get("/admin/console/").await.status, StatusCode::SEE_OTHER, "a password reset ends every session");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM console_sessions WHERE user_id = $1").bind(nurse_id).fetch_one(&pool).await.expect("count");
    assert_eq!(left, 0);
}
