//! The authorization matrix: every route the API serves, with who may call it. For each entry:
//! no credentials → 401 (the console: a redirect to its sign-in page, whatever token is sent);
//! a signed-in user without one of the route's roles → 403; each role it names → neither 401
//! nor 403. The routes are read from the source (`.route(…)` in `api/src`), so a route added
//! without an entry here fails `every_route_has_an_entry`. The owner dimension: each route whose
//! parameter names one user's resource (`OWNED`) answers 404 to another user with the same roles
//! and serves the owner; every other parameterized route a user may call is `SHARED`, with the
//! reason (`every_parameterized_route_is_owned_or_shared`).

mod support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::clinic::{book, clinic, patient, schedule};
use support::matrix::{Anyone, Console, Elsewhere, Owned, Roles, SignedIn, ALL_ROLES, MATRIX, OWNED, SHARED};
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

/// Every route a user may call (not the console, not admins only) whose path has a parameter is
/// in `OWNED` or in `SHARED`: a new one must say whether it names someone's own resource.
#[test]
fn every_parameterized_route_is_owned_or_shared() {
    let mut unsorted = Vec::new();
    for (method, path, who) in MATRIX {
        let admins_only = matches!(who, Roles(roles) if *roles == ["admin"]);
        if !path.contains('{') || admins_only || matches!(who, Console | Elsewhere(_)) || path.starts_with("/admin/console") {
            continue;
        }
        let owned = OWNED.iter().any(|(m, p, _)| (m, p) == (method, path));
        let shared = SHARED.iter().any(|(m, p, _)| (m, p) == (method, path));
        if owned == shared {
            unsorted.push(format!("{method} {path}"));
        }
    }
    assert!(unsorted.is_empty(), "parameterized routes in neither OWNED nor SHARED (or in both): {unsorted:?}");
    for (method, path) in OWNED.iter().map(|(m, p, _)| (m, p)).chain(SHARED.iter().map(|(m, p, _)| (m, p))) {
        assert!(MATRIX.iter().any(|(m, p, _)| (m, p) == (method, path)), "{method} {path} is not a route");
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// One resource of each kind, made by its owner: `(kind, id, owner's token, another user's token)`
/// (the other has the owner's roles), and a valid reschedule body for the appointment.
async fn resources(app: &TestApp) -> (Vec<(Owned, String, String, String)>, serde_json::Value) {
    let c = clinic(app).await;
    let (pa, pb) = (app.user_token("owner-patient", &["patient"]).await, app.user_token("other-patient", &["patient"]).await);
    let (s, later) = (schedule(app, &c, "上午", 5).await, schedule(app, &c, "下午", 5).await);
    let p = patient(app, &pa, "张三").await;
    let (status, booked) = book(app, &pa, s, p, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{booked}");

    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/files")
        .header("content-type", "image/png")
        .header("authorization", format!("Bearer {pa}"))
        .body(axum::body::Body::from(PNG))
        .expect("request");
    let (status, file) = app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");

    let (sa, sb) = (app.user_token("owner-staff", &["staff"]).await, app.user_token("other-staff", &["staff"]).await);
    let (status, category) = app.post("/admin/repairs/categories/", Some(&c.admin), json!({"name": "投影仪"})).await;
    assert_eq!(status, StatusCode::CREATED, "{category}");
    let (status, repair) = app.post("/repairs/", Some(&sa), json!({"location": "行政楼 301", "category": category["id"], "description": "不亮"})).await;
    assert_eq!(status, StatusCode::CREATED, "{repair}");

    let (status, room) = app.post("/admin/meetingrooms/", Some(&c.admin), json!({"name": "302", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let reserve = json!({"reserve_from": "2027-03-02T09:00:00+08:00", "reserve_to": "2027-03-02T10:00:00+08:00", "description": "组会", "meetingroom": room["id"]});
    // No worker yet: the request waits (202); then a worker decides it.
    let (status, request) = app.post("/reservations/", Some(&sa), reserve).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let worker = app.start_worker().await;
    let mut reservation = serde_json::Value::Null;
    for _ in 0..200 {
        let (_, r) = app.get(&format!("/reservations/requests/{}/", request["id"]), Some(&sa)).await;
        if r["reservation"]["id"].is_i64() {
            reservation = r["reservation"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.stop().await;
    assert!(reservation["id"].is_i64(), "the worker decided the request");

    let activity = json!({"title": "迎新晚会", "starts_at": "2030-01-10T19:00:00+08:00", "ends_at": "2030-01-10T21:00:00+08:00",
        "enroll_from": "2020-01-01T00:00:00+08:00", "enroll_until": "2030-01-09T00:00:00+08:00"});
    let (status, activity) = app.post("/admin/activities/", Some(&c.admin), activity).await;
    assert_eq!(status, StatusCode::CREATED, "{activity}");
    let (status, enrollment) = app.post("/enrollments/", Some(&sa), json!({"activity": activity["id"], "answers": {}})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrollment}");

    let id = |v: &serde_json::Value| v["id"].as_i64().map(|n| n.to_string()).or_else(|| v["id"].as_str().map(str::to_owned)).expect("id");
    let made = vec![
        (Owned::Appointment, id(&booked), pa.clone(), pb.clone()),
        (Owned::File, id(&file), pa, pb),
        (Owned::Repair, id(&repair), sa.clone(), sb.clone()),
        (Owned::ReservationRequest, id(&request), sa.clone(), sb.clone()),
        (Owned::Reservation, id(&reservation), sa.clone(), sb.clone()),
        (Owned::Enrollment, id(&enrollment), sa, sb),
    ];
    (made, json!({"scheduleId": later}))
}

/// Someone else's resource answers 404 to a user with the same roles, on every `OWNED` route
/// (reads, then writes: the other user's cancel must change nothing); the owner reads it.
#[tokio::test]
async fn someone_elses_resources_are_not_found() {
    let dir = std::env::temp_dir().join(format!("yizhan-owners-{}", uuid::Uuid::new_v4().simple()));
    let mut config = support::config(&yizhan_common::testing::redis_url());
    config.storage = Some(yizhan_common::storage::StorageConfig::file(&dir));
    let app = TestApp::with_config(database().await, config);
    let (made, reschedule) = resources(&app).await;
    let mut routes = OWNED.to_vec();
    routes.sort_by_key(|(method, _, _)| *method != "GET");
    for (method, path, kind) in routes {
        let (_, id, owner, other) = made.iter().find(|(k, ..)| *k == kind).expect("a resource of each kind");
        let url = path.replace("{id}", id);
        let method: Method = method.parse().expect("method");
        let body = (method == Method::PUT).then(|| reschedule.clone());
        let (status, answer) = app.send(method.clone(), &url, Some(other), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {url} as another user: {answer}");
        let (status, answer) = app.send(Method::GET, &url.replace("/cancel", "").replace("/reschedule", ""), Some(owner), None).await;
        assert!(status.is_success() || status.is_redirection(), "GET {url} as its owner after the other's {method}: {status} {answer}");
        if let Some(state) = answer.get("status").and_then(|s| s.as_str()) {
            assert!(!state.contains("cancel"), "{method} {url} by another user changed it: {answer}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
