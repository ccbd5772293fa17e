//! The check-in QR display in headless Chromium (Debian's `chromium` and `chromium-driver`,
//! which `scripts/test` installs), served by the real router on a loopback port with an injected
//! clock: the page shows a QR code of a token the API accepts, and after the window (the clock
//! moved on) it loads itself again with a new one. Also: who the display link opens the page
//! for, and the page's headers.

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use axum::http::{header, Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use support::checkin::{self as fx, activity, enroll, user_id};
use support::{assert_error, TestApp};
use yizhan_common::college::activities::checkin_token::WINDOW_SECS;
use yizhan_common::testing::database;
use yizhan_common::time::ManualClock;

/// Two seconds before a window ends, so the page turns over soon.
fn two_seconds_before_a_boundary() -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp(now - now.rem_euclid(WINDOW_SECS) + WINDOW_SECS - 2, 0).expect("time")
}

/// chromedriver on a free port and one headless session; both end when dropped.
struct Chrome {
    http: reqwest::Client,
    session: String,
    driver: Child,
}

impl Chrome {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} ({e}); scripts/test installs Debian's chromium-driver"));
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + StdDuration::from_secs(20);
        loop {
            if let Ok(res) = http.get(format!("{base}/status")).send().await {
                if res.json::<Value>().await.unwrap_or_default()["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=800,900"];
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": binary, "args": args}}}});
        let res: Value = http.post(format!("{base}/session")).json(&caps).send().await.expect("session").json().await.expect("json");
        let session = res["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {res}")).to_owned();
        Self { http, session: format!("{base}/session/{session}"), driver }
    }

    async fn call(&self, path: &str, body: Value) -> Value {
        let res: Value = self.http.post(format!("{}{path}", self.session)).json(&body).send().await.expect("webdriver").json().await.expect("json");
        assert!(res["value"].get("error").is_none(), "webdriver {path}: {}", res["value"]);
        res["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call("/url", json!({"url": url})).await;
    }

    async fn js(&self, script: &str) -> Value {
        self.call("/execute/sync", json!({"script": script, "args": []})).await
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What the page shows: `#qr`'s token and window, the SVG's module path, the countdown.
async fn shown(b: &Chrome) -> Value {
    b.js(
        "const qr = document.getElementById('qr'); const path = qr && qr.querySelector('svg path');
         return qr && {token: qr.getAttribute('data-token'), window: qr.getAttribute('data-window'),
                       path: path && path.getAttribute('d'), countdown: document.getElementById('countdown').textContent};",
    )
    .await
}

/// The module path the display draws for `text` (the same QR encoding, four modules of quiet zone).
fn qr_path(text: &str) -> String {
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).expect("code");
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    path
}

struct Setup {
    app: TestApp,
    clock: ManualClock,
    admin: String,
    activity: i64,
    item: i64,
}

async fn setup() -> Setup {
    let t0 = two_seconds_before_a_boundary();
    let clock = ManualClock::new(t0);
    let app = TestApp::with_clock(database().await, Arc::new(clock.clone()));
    let admin = app.user_token("root", &[]).await;
    let act = activity(&app.pool, "迎新晚会", json!([])).await;
    let item = fx::item(&app.pool, act, "签到", t0 - Duration::hours(1), t0 + Duration::hours(1)).await;
    Setup { app, clock, admin, activity: act, item }
}

async fn display_url(s: &Setup, token: &str) -> (StatusCode, Value) {
    s.app.get(&format!("/admin/activities/{}/clockin-items/{}/token", s.activity, s.item), Some(token)).await
}

async fn scan(s: &Setup, username: &str, token: &str) -> (StatusCode, Value) {
    let who = s.app.login_or_create(username).await;
    enroll(&s.app.pool, s.activity, user_id(&s.app.pool, username).await, json!({})).await;
    s.app.post(&format!("/activities/clockins/{}", s.activity), Some(&who), json!({"token": token})).await
}

#[tokio::test]
async fn the_display_shows_a_code_the_api_accepts_and_a_new_one_after_the_window() {
    let s = setup().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = s.app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let (status, code) = display_url(&s, &s.admin).await;
    assert_eq!(status, StatusCode::OK, "{code}");
    assert_eq!(code["seconds_left"], 2);
    let url = format!("http://{addr}{}", code["display_url"].as_str().expect("display_url"));
    let b = Chrome::start().await;
    b.goto(&url).await;
    let first = shown(&b).await;
    let token = first["token"].as_str().unwrap_or_else(|| panic!("no #qr[data-token]: {first}")).to_owned();
    assert_eq!(token, code["token"], "the page shows the current code");
    assert_eq!(first["path"].as_str(), Some(qr_path(&token).as_str()), "the QR image encodes the token");
    assert!(first["countdown"].as_str().is_some_and(|c| c.parse::<u32>().is_ok_and(|n| (1..=2).contains(&n))), "{first}");

    // The server's clock moves into the next window; the page reloads itself at the boundary.
    s.clock.advance(Duration::seconds(WINDOW_SECS));
    let deadline = Instant::now() + StdDuration::from_secs(15);
    let next = loop {
        let now = shown(&b).await;
        if now["token"].as_str().is_some_and(|t| t != token) {
            break now;
        }
        assert!(Instant::now() < deadline, "the page never showed a new code: {now}");
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    };
    let new_token = next["token"].as_str().expect("token").to_owned();
    assert_eq!(next["window"].as_str().and_then(|w| w.parse::<i64>().ok()), first["window"].as_str().and_then(|w| w.parse::<i64>().ok()).map(|w| w + 1));
    assert_eq!(next["path"].as_str(), Some(qr_path(&new_token).as_str()));

    // Both codes count now (this window and the previous one); the older one stops next window.
    let (status, body) = scan(&s, "li", &new_token).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = scan(&s, "wang", &token).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s.clock.advance(Duration::seconds(WINDOW_SECS));
    let (status, body) = scan(&s, "zhao", &token).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "expired");
    drop(b);
    server.abort();
}

#[tokio::test]
async fn the_display_link_opens_the_page_only_for_its_item_and_a_user_who_may_still_show_it() {
    let s = setup().await;
    let guide = s.app.user_token("guide", &["counselor"]).await;
    let ops = format!("/admin/activities/{}/operators/", s.activity);
    let (status, _) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(json!({"user_ids": [user_id(&s.app.pool, "guide").await]}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, code) = display_url(&s, &guide).await;
    assert_eq!(status, StatusCode::OK, "{code}");
    let url = code["display_url"].as_str().expect("url").to_owned();

    let req = axum::http::Request::get(&url).body(axum::body::Body::empty()).expect("request");
    let res = tower::ServiceExt::oneshot(s.app.router.clone(), req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "the pass must not leave in a Referer");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().expect("csp").contains("script-src 'self'"));
    let (_, page) = s.app.get(&url, None).await;
    let page = page.as_str().expect("html").to_owned();
    assert!(page.contains("data-token=\"") && page.contains("<svg") && page.contains("迎新晚会"), "{page}");
    assert!(!page.contains("cdn") && !page.contains("https://"), "everything is served by the API");

    // Tampered, for another item, without a pass, expired.
    let tampered = format!("{}A", &url[..url.len() - 1]).replace("pass=", "pass=B");
    let other_item = fx::item(&s.app.pool, s.activity, "签退", Utc::now(), Utc::now() + Duration::hours(1)).await;
    let elsewhere = url.replace(&format!("/clockin-items/{}/", s.item), &format!("/clockin-items/{other_item}/"));
    let bare = url.split('?').next().expect("path").to_owned();
    for bad in [&tampered, &elsewhere, &bare] {
        let (status, body) = s.app.get(bad, None).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "display_link_invalid");
    }
    s.clock.advance(Duration::hours(8));
    let (status, body) = s.app.get(&url, None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "display_link_invalid");
    s.clock.advance(Duration::hours(-8));
    let (status, _) = s.app.get(&url, None).await;
    assert_eq!(status, StatusCode::OK);

    // Taken off the operators: the same link stops working at the next load.
    let (status, _) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(json!({"user_ids": []}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.app.get(&url, None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "display_link_invalid");
}
