//! In-process harness: the real router over a per-test database and a private Redis key prefix.

#![allow(dead_code)]

pub mod callbacks;
pub mod checkin;
pub mod clinic;
pub mod college;
pub mod h5;
pub mod matrix;
pub mod routes;
pub mod school;
pub mod sim;
pub mod visitors;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use yizhan_api::{router, ApiConfig, AppState};
use yizhan_common::config::{CoreConfig, LogFormat};

pub use yizhan_common::testing::redis_url;

/// A configuration for tests: a unique Redis prefix so tests never see each other's keys.
pub fn config(redis_url: &str) -> ApiConfig {
    ApiConfig {
        core: CoreConfig {
            database_url: SecretString::from("postgres://unused"),
            database_pool_max: 5,
            database_acquire_timeout: Duration::from_secs(2),
            redis_url: SecretString::from(redis_url.to_owned()),
            redis_prefix: format!("test:{}", uuid::Uuid::new_v4()),
            log_format: LogFormat::Pretty,
            rust_log: "warn".into(),
            service_tz: chrono_tz::Asia::Shanghai,
            redis_durability: Default::default(),
        },
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        body_limit_bytes: 64 * 1024,
        token_ttl: Duration::from_secs(3600),
        login_max_failures: 3,
        login_failure_window: Duration::from_secs(60),
        login_limits: yizhan_api::config::LoginLimits::default(),
        trusted_proxies: Default::default(),
        templates: yizhan_common::subscribe::TemplateConfig::defaults(),
        wechat_callback: None,
        queue: yizhan_common::queue::QueueSettings::default(),
        qrcode_wait: Duration::from_millis(300),
        qrcode_reclaim_after: Duration::from_secs(120),
        wechat: None,
        rate_limits: yizhan_common::ratelimit::RateLimitConfig::defaults(),
        waitlist_max_per_user: 10,
        reservation_wait: Duration::from_secs(2),
        room_slot_grid: Duration::from_secs(15 * 60),
        storage: None,
        checkin_keys: Some(yizhan_common::college::activities::checkin_token::CheckinKeys::development()),
        koala: None,
        visitors: yizhan_common::visitor::VisitorConfig::default(),
        notices: yizhan_common::notices::NoticesConfig::default(),
    }
}

pub struct TestApp {
    pub router: Router,
    pub pool: PgPool,
    pub state: AppState,
    /// SMS for the jobs `run_pending_jobs` runs (the API itself only plans messages).
    pub sms: Option<yizhan_common::sms::SmsConfig>,
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        Self::with_config(pool, config(&redis_url()))
    }

    pub fn with_config(pool: PgPool, config: ApiConfig) -> Self {
        let state = AppState::new(config, pool.clone());
        Self { router: router(state.clone()), pool, state, sms: None }
    }

    /// An app whose booking rules read `clock` (a test stands at 20:00 whatever the hour).
    pub fn with_clock(pool: PgPool, clock: std::sync::Arc<dyn yizhan_common::time::Clock>) -> Self {
        let state = AppState::with_clock(config(&redis_url()), pool.clone(), clock);
        Self { router: router(state.clone()), pool, state, sms: None }
    }

    /// Sends a request; `body` is JSON unless `None`.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.raw(req).await
    }

    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        // A page (the console's HTML) comes back as a string.
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, body)
    }

    /// POSTs JSON as if from the socket peer `peer`, with an optional `X-Forwarded-For`.
    pub async fn post_from(&self, peer: &str, forwarded_for: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        let peer: SocketAddr = format!("{peer}:40000").parse().expect("peer address");
        let mut req = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(xff) = forwarded_for {
            req = req.header("x-forwarded-for", xff);
        }
        let mut req = req.body(Body::from(body.to_string())).expect("request");
        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.raw(req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// Creates a user with roles and logs in; returns the token.
    pub async fn user_token(&self, username: &str, roles: &[&str]) -> String {
        let admin = yizhan_api::admin::create_admin(&self.pool, "root", SecretString::from("root-password")).await;
        admin.expect("admin");
        let root = self.login("root", "root-password").await;
        if username != "root" {
            let (status, body) = self
                .post(
                    "/admin/users",
                    Some(&root),
                    serde_json::json!({"username": username, "password": "password-123", "roles": roles}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            return self.login(username, "password-123").await;
        }
        root
    }

    /// Logs in as `username` (a staff user created by the admin `root`, which must exist).
    pub async fn login_or_create(&self, username: &str) -> String {
        let root = self.login("root", "root-password").await;
        let body = serde_json::json!({"username": username, "password": "password-123", "roles": ["staff"]});
        let (status, body) = self.post("/admin/users", Some(&root), body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.login(username, "password-123").await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) =
            self.post("/auth/get-token/", None, serde_json::json!({"username": username, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }
}

/// Asserts the error envelope with a code, returning the error object.
pub fn assert_error(status: StatusCode, body: &Value, want_status: StatusCode, want_code: &str) -> Value {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"].clone()
}
