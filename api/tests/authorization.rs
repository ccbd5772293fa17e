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
use support::matrix::{Anyone, Console, Elsewhere, Roles, SignedIn, ALL_ROLES, MATRIX};
use support::routes::routes_in_source;
use support::TestApp;
use yizhan_common::testing::database;

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
        let url = support::matrix::concrete(path);
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
