//! The authorization matrix: every route the API serves, with who may call it. For each entry:
//! no credentials → 401 (the console: a redirect to its sign-in page, whatever token is sent);
//! a signed-in user without one of the route's roles → 403; each role it names → neither 401
//! nor 403. The routes are read from the source (`.route(…)` in `api/src`), so a route added
//! without an entry here fails `every_route_has_an_entry`. Owners versus someone else's resource
//! (404 to others) are checked by each domain's tests.

mod support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::TestApp;
use yizhan_common::testing::database;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anyone,
    /// Any signed-in user, whatever their roles.
    SignedIn,
    Roles(&'static [&'static str]),
    /// A console page: a console session with one of these roles; tokens mean nothing there.
    Console,
    /// Checked elsewhere, for the reason given (WeChat's signature, a unit test's own router).
    Elsewhere(&'static str),
}

use Who::{Anyone, Console, Elsewhere, Roles, SignedIn};

const ADMIN: Who = Roles(&["admin"]);
const PATIENT: Who = Roles(&["patient"]);
const BOOK: Who = Roles(&["staff", "admin", "counselor"]);
const ALL_ROLES: [&str; 6] = ["admin", "staff", "patient", "visitor", "student", "counselor"];

const MATRIX: &[(&str, &str, Who)] = &[
    ("GET", "/healthz", Anyone),
    ("GET", "/readyz", Anyone),
    ("GET", "/metrics", Anyone),
    ("POST", "/auth/get-token/", Anyone),
    ("POST", "/auth/wechat-code2token/", Anyone),
    ("DELETE", "/auth/wechat-auth/", SignedIn),
    ("PUT", "/auth/wechat-auth/", SignedIn),
    ("GET", "/current-user/", SignedIn),
    ("GET", "/current-user/meta/", SignedIn),
    ("PUT", "/current-user/meta/", SignedIn),
    ("PATCH", "/current-user/meta/", SignedIn),
    ("POST", "/api/files", SignedIn),
    // Public files (stored avatars) are anyone's; the others their owner's, staff's and admins' (files.rs).
    ("GET", "/api/files/{id}", Anyone),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("PATCH", "/admin/users/{id}", ADMIN),
    ("GET", "/admin/queues", ADMIN),
    ("GET", "/admin/queues/{queue}/dead", ADMIN),
    ("POST", "/admin/queues/{queue}/dead/{id}/retry", ADMIN),
    // Seed 001 (hospital).
    ("GET", "/admin/hospitals", ADMIN),
    ("POST", "/admin/hospitals", ADMIN),
    ("GET", "/admin/departments", ADMIN),
    ("POST", "/admin/departments", ADMIN),
    ("PATCH", "/admin/departments/{id}", ADMIN),
    ("GET", "/admin/schedules", ADMIN),
    ("POST", "/admin/schedules", ADMIN),
    ("GET", "/patient/patients", PATIENT),
    ("POST", "/patient/patients", PATIENT),
    ("GET", "/patient/schedules", PATIENT),
    ("GET", "/patient/appointments", PATIENT),
    ("POST", "/patient/appointments", PATIENT),
    ("GET", "/patient/appointments/{id}", PATIENT),
    ("DELETE", "/patient/appointments/{id}", PATIENT),
    ("POST", "/patient/appointments/{id}/cancel", PATIENT),
    ("PUT", "/patient/appointments/{id}/reschedule", PATIENT),
    ("POST", "/patient/waitlist", PATIENT),
    // Seed 000 (the Official Account).
    ("GET", "/api/admin/nurses/msg/wx/qrcode", ADMIN),
    ("POST", "/api/admin/nurses/msg/wx/qrcode", ADMIN),
    ("GET", "/api/admin/nurses/msg/wx/qrcode-list", ADMIN),
    ("GET", "/api/admin/nurses/msg/wx/departments/{id}/followers", ADMIN),
    ("GET", "/api/admin/nurses/msg/wx/keywords", ADMIN),
    ("POST", "/api/admin/nurses/msg/wx/keywords", ADMIN),
    ("DELETE", "/api/admin/nurses/msg/wx/keywords/{id}", ADMIN),
    ("GET", "/api/nurses/msg/wx/callback", Elsewhere("WeChat's signature: wechat_callback.rs")),
    ("POST", "/api/nurses/msg/wx/callback", Elsewhere("WeChat's signature: wechat_callback.rs")),
    // Seed 002 (college staff services).
    ("GET", "/contacts/", BOOK),
    ("POST", "/friends/{user_id}/", BOOK),
    ("DELETE", "/friends/{user_id}/", BOOK),
    ("GET", "/repairs/", BOOK),
    ("POST", "/repairs/", BOOK),
    ("GET", "/repairs/categories/", BOOK),
    ("GET", "/repairs/{id}/", BOOK),
    ("GET", "/admin/repairs/", ADMIN),
    ("PATCH", "/admin/repairs/{id}/", ADMIN),
    ("GET", "/admin/repairs/categories/", ADMIN),
    ("POST", "/admin/repairs/categories/", ADMIN),
    ("GET", "/admin/repairs/recipients/", ADMIN),
    ("POST", "/admin/repairs/recipients/", ADMIN),
    ("DELETE", "/admin/repairs/recipients/{id}/", ADMIN),
    ("GET", "/meetingrooms/available/", BOOK),
    ("GET", "/reservations/", BOOK),
    ("POST", "/reservations/", BOOK),
    ("GET", "/reservations/requests/{id}/", BOOK),
    ("GET", "/reservations/{id}/", BOOK),
    ("DELETE", "/reservations/{id}/", BOOK),
    ("GET", "/admin/reservations/conflicts/", ADMIN),
    ("PATCH", "/admin/reservations/{id}/", ADMIN),
    ("GET", "/admin/meetingrooms/", ADMIN),
    ("POST", "/admin/meetingrooms/", ADMIN),
    ("GET", "/admin/meetingrooms/{id}/", ADMIN),
    ("PATCH", "/admin/meetingrooms/{id}/", ADMIN),
    ("DELETE", "/admin/meetingrooms/{id}/", ADMIN),
    // The console (its roles are checked by api/tests/console.rs with console sessions).
    ("GET", "/admin/", Anyone),
    ("GET", "/admin/console", Anyone),
    ("GET", "/admin/console/login", Anyone),
    ("POST", "/admin/console/login", Elsewhere("anyone with the sign-in form's CSRF cookie: console.rs")),
    ("GET", "/admin/console/static/{file}", Anyone),
    ("GET", "/admin/console/{*rest}", Anyone),
    ("POST", "/admin/console/{*rest}", Anyone),
    ("GET", "/admin/console/", Console),
    ("POST", "/admin/console/logout", Console),
    ("GET", "/admin/console/users", Console),
    ("GET", "/admin/console/users.csv", Console),
    ("GET", "/admin/console/users/new", Console),
    ("POST", "/admin/console/users/new", Console),
    ("GET", "/admin/console/users/{id}", Console),
    ("POST", "/admin/console/users/{id}", Console),
    ("GET", "/admin/console/queues", Console),
    ("GET", "/admin/console/queues/{queue}", Console),
    ("POST", "/admin/console/queues/{queue}/retry-all", Console),
    ("POST", "/admin/console/queues/{queue}/dead/{id}/retry", Console),
    ("GET", "/boom", Elsewhere("a unit test's own router in middleware.rs")),
];

/// Route paths named by a constant rather than written out.
const NAMED_PATHS: &[(&str, &str)] = &[("PATH", "/api/nurses/msg/wx/callback")];

/// The arguments of a call whose opening parenthesis `text` follows: up to the matching `)`.
fn balanced(text: &str) -> &str {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// Every `(METHOD, path)` routed in `api/src`, read from the `.route(…)` calls.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for call in text.split(".route(").skip(1) {
                    let args = balanced(call);
                    let (path_arg, handlers) = args.split_once(',').unwrap_or_else(|| panic!("{}: a route without a handler", path.display()));
                    let path_arg = path_arg.trim();
                    let route = match path_arg.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                        Some(literal) => literal.to_owned(),
                        None => NAMED_PATHS.iter().find(|(name, _)| *name == path_arg).map(|(_, p)| (*p).to_owned()).unwrap_or_else(|| {
                            panic!("{}: route path `{path_arg}` is a name: add it to NAMED_PATHS", path.display())
                        }),
                    };
                    for method in ["get", "post", "put", "patch", "delete"] {
                        let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                            i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric() && handlers.as_bytes()[i - 1] != b'_'
                        });
                        if called {
                            found.insert((method.to_uppercase(), route.clone()));
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_route_has_an_entry() {
    let routed = routes_in_source();
    let listed: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    let missing: Vec<_> = routed.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&routed).collect();
    assert!(missing.is_empty(), "routes without an entry in MATRIX (say who may call them): {missing:?}");
    assert!(stale.is_empty(), "MATRIX entries for routes that no longer exist: {stale:?}");
    assert!(routed.len() > 80, "the source scan found only {} routes", routed.len());
    for (method, path, who) in MATRIX {
        if let Elsewhere(reason) = who {
            assert!(!reason.is_empty(), "{method} {path}: say where it is checked");
        }
    }
}

fn concrete(path: &str) -> String {
    path.replace("{queue}", "default").replace("{file}", "console.css").replace("{*rest}", "nowhere").split('/').map(|seg| {
        if seg.starts_with('{') { "999999".to_owned() } else { seg.to_owned() }
    }).collect::<Vec<_>>().join("/")
}

#[tokio::test]
async fn each_route_refuses_the_anonymous_and_the_wrong_roles() {
    let app = TestApp::new(database().await);
    let mut tokens = Vec::new();
    let mut logins = Vec::new();
    for role in ALL_ROLES {
        let name = if role == "admin" { "root".to_owned() } else { format!("user-{role}") };
        let roles: &[&str] = if role == "admin" { &[] } else { &[role] };
        tokens.push((role, app.user_token(&name, roles).await));
        logins.push((name, if role == "admin" { "root-password" } else { "password-123" }));
    }
    let mut wrong = Vec::new();
    for &(method, path, who) in MATRIX {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let url = concrete(path);
        let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));
        let mut check = |what: String, ok: bool| {
            if !ok {
                wrong.push(what);
            }
        };
        match who {
            Elsewhere(_) => {}
            Anyone => {
                let (status, _) = app.send(m.clone(), &url, None, body.clone()).await;
                check(format!("{method} {url} anonymous: {status}"), status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN);
            }
            Console => {
                for token in [None, Some(tokens[0].1.as_str())] {
                    let (status, _) = app.send(m.clone(), &url, token, body.clone()).await;
                    // GETs go to the sign-in page; a form's POST without a session is refused.
                    let refused = status == StatusCode::SEE_OTHER || (m == Method::POST && status == StatusCode::FORBIDDEN);
                    check(format!("{method} {url} without a console session (token: {}): {status}", token.is_some()), refused);
                }
            }
            SignedIn | Roles(_) => {
                let (status, _) = app.send(m.clone(), &url, None, body.clone()).await;
                check(format!("{method} {url} anonymous: {status}"), status == StatusCode::UNAUTHORIZED);
                for ((role, token), (name, password)) in tokens.iter().zip(&logins) {
                    let allowed = match who {
                        Roles(roles) => roles.contains(role),
                        _ => true,
                    };
                    // Logging out ends the token: that call gets a token of its own.
                    let token = if path == "/auth/wechat-auth/" && m == Method::DELETE { app.login(name, password).await } else { token.clone() };
                    let (status, _) = app.send(m.clone(), &url, Some(&token), body.clone()).await;
                    let ok = if allowed {
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
                    } else {
                        status == StatusCode::FORBIDDEN
                    };
                    check(format!("{method} {url} as {role} (allowed: {allowed}): {status}"), ok);
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} answers break the matrix:\n{}", wrong.len(), wrong.join("\n"));
}
