//! A browser stand-in for the console tests: keeps the cookies the console sets (honouring
//! `Max-Age=0`), posts forms, and reads the CSRF token out of a page. It uses the harness's
//! in-process router (`support::TestApp`) as it is.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::TestApp;

/// One answer: status, headers and the body as text (and as sent, for downloads).
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Every `Set-Cookie` of the answer.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').expect("end of value")].to_owned()
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    /// The socket peer the requests come from (none: in-process, the unspecified address).
    pub peer: Option<SocketAddr>,
    pub extra: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: BTreeMap::new(), peer: None, extra: Vec::new() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// POSTs `fields` as an urlencoded form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(Method::POST, path, Some(body)).await
    }

    /// POSTs a body of `content_type` as it is (a `multipart/form-data` upload).
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.request(Method::POST, path, Some((content_type.to_owned(), body))).await
    }

    pub async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        self.request(method, path, form.map(|f| ("application/x-www-form-urlencoded".to_owned(), f.into_bytes()))).await
    }

    async fn request(&mut self, method: Method, path: &str, content: Option<(String, Vec<u8>)>) -> Page {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, jar.join("; "));
        }
        for (k, v) in &self.extra {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = match content {
            Some((content_type, body)) => req.header(header::CONTENT_TYPE, content_type).header(header::CONTENT_LENGTH, body.len()).body(Body::from(body)),
            None => req.body(Body::empty()),
        };
        let mut req = req.expect("request");
        if let Some(peer) = self.peer {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.app.router.clone().oneshot(req).await.expect("response");
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let page = Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() };
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("cookie pair");
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    /// A browser already signed in as `username`.
    pub async fn signed_in(app: &'a TestApp, username: &str, password: &str) -> Self {
        let mut browser = Self::new(app);
        let page = browser.sign_in(username, password).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }

    /// Fills in and sends the sign-in form; returns the answer to the POST.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/admin/console/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = form.csrf();
        self.post("/admin/console/login", &[("csrf", &csrf), ("username", username), ("password", password), ("next", "")]).await
    }

    /// The CSRF token of the signed-in session (read from the home page).
    pub async fn session_csrf(&mut self) -> String {
        let home = self.get("/admin/console/").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        home.csrf()
    }
}
