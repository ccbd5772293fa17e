//! Seed 004's H5 pages over HTTP: a request with cookies and a form, the CSRF token of a page.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::callbacks::plain_codec;
use super::visitors::Visits;
use super::TestApp;

/// A test app for the H5 pages: plain callbacks, a notice template, the pages' public origin.
pub async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
        cfg.notices.h5_base = Some("https://h5.school.test".into());
    })
    .await
}

/// A request with cookies (`name=value; …`) and, for a POST, a form body: status, headers, text.
pub async fn page(app: &TestApp, method: Method, path: &str, cookies: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path).header(header::COOKIE, cookies);
    let body = if form.is_empty() {
        Body::empty()
    } else {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish())
    };
    let res = app.router.clone().oneshot(req.body(body).expect("request")).await.expect("response");
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, String::from_utf8_lossy(&body.collect().await.expect("body").to_bytes()).into_owned())
}

/// `GET path` as the user whose API token is `token` (the `yz_h5` cookie holds it): status, text.
pub async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let (status, _, html) = page(app, Method::GET, path, &cookie(token), &[]).await;
    (status, html)
}

/// `POST path` with `form` (the page's CSRF token added when `csrf_from` is given).
pub async fn post(app: &TestApp, token: &str, path: &str, csrf_from: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, String) {
    let token_field = csrf_from.map(csrf);
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    if let Some(t) = &token_field {
        fields.push(("csrf", t));
    }
    let (status, _, html) = page(app, Method::POST, path, &cookie(token), &fields).await;
    (status, html)
}

pub fn cookie(token: &str) -> String {
    format!("yz_h5={token}")
}

/// The CSRF token of the page's first form.
pub fn csrf(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a form with its CSRF token") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}
