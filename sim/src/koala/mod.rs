//! Koala (Megvii access control): `POST /auth/login` (the configured admin, header
//! `User-Agent: Koala Admin`) sets a `session` cookie that every other call needs; sessions
//! expire (`SIM_KOALA_SESSION_SECS`, or all at once by `POST /_sim/koala/expire-sessions`) and an
//! expired one is answered HTTP 401 with code -401. Subjects: `GET /mobile-admin/subjects/list`,
//! `POST /subject`, `GET /subject/{id}`; visit purposes at `GET /mobile-admin/visitors/purposes`.
//! Replies use Koala's envelope `{"code":0,"data":…}` / `{"code":-N,"desc":…}`.
//! Control: see [`control`].

pub mod control;
mod store;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub use store::{KoalaFault, KoalaSim, Subject, DEFAULT_PURPOSES};

use crate::state::{random_hex, Sim};

pub const SIM_KOALA_USERNAME: &str = "sim-koala";
pub const SIM_KOALA_PASSWORD: &str = "sim-koala-password";

fn ok(data: impl serde::Serialize) -> Response {
    Json(json!({"code": 0, "data": data})).into_response()
}

fn refuse(status: StatusCode, code: i64, desc: &str) -> Response {
    (status, Json(json!({"code": code, "desc": desc, "data": {}}))).into_response()
}

/// Counts the call and applies its fault; with `session`, checks the cookie. `Ok(delay)`: go
/// on, answering `delay` late.
async fn enter(sim: &Sim, op: &str, headers: &HeaderMap, session: bool) -> Result<Duration, Response> {
    let (fault, live) = {
        let mut inner = sim.koala.lock();
        let fault = inner.enter(op);
        let live = !session || cookie(headers).is_some_and(|c| inner.live(&c, Instant::now()));
        (fault, live)
    };
    let delay = Duration::from_millis(fault.as_ref().and_then(|f| f.delay_ms).unwrap_or(0));
    if let Some(fault) = fault.filter(|f| f.code.is_some() || f.status.is_some()) {
        tokio::time::sleep(delay).await;
        let status = StatusCode::from_u16(fault.status.unwrap_or(200)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() && fault.code.is_none() {
            return Err((status, "simulated upstream failure").into_response());
        }
        return Err(refuse(status, fault.code.unwrap_or(-1), "injected by the simulator"));
    }
    if !live {
        return Err(refuse(StatusCode::UNAUTHORIZED, -401, "session expired or missing, please login"));
    }
    Ok(delay)
}

/// Answers `response` after `delay` (the work is already done).
async fn late(delay: Duration, response: Response) -> Response {
    tokio::time::sleep(delay).await;
    response
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("session=").map(str::to_owned))
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /auth/login`.
pub async fn login(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let delay = match enter(&sim, "login", &headers, false).await {
        Ok(delay) => delay,
        Err(refusal) => return refusal,
    };
    if headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()) != Some("Koala Admin") {
        return refuse(StatusCode::FORBIDDEN, -1, "User-Agent must be Koala Admin");
    }
    let Ok(login) = serde_json::from_slice::<Login>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, -1, "username and password are required");
    };
    if login.username != sim.config.koala_username || login.password != sim.config.koala_password {
        return refuse(StatusCode::OK, -2, "用户名或密码错误");
    }
    let session = random_hex(16);
    {
        let mut inner = sim.koala.lock();
        inner.logins += 1;
        inner.open_session(session.clone(), sim.config.koala_session_ttl);
    }
    let mut response = ok(json!({"id": 1, "username": login.username}));
    if let Ok(value) = format!("session={session}; Path=/; HttpOnly").parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    late(delay, response).await
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
}

/// `category` as a subject type.
fn subject_type(category: &str) -> Option<i64> {
    match category {
        "employee" => Some(0),
        "visitor" => Some(1),
        "vip" => Some(2),
        _ => None,
    }
}

/// `GET /mobile-admin/subjects/list?category=employee|visitor|vip&name=&page=&size=`.
pub async fn list(State(sim): State<Arc<Sim>>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let delay = match enter(&sim, "list", &headers, true).await {
        Ok(delay) => delay,
        Err(refusal) => return refusal,
    };
    let Some(kind) = subject_type(q.category.as_deref().unwrap_or("employee")) else {
        return refuse(StatusCode::OK, -1, "category must be employee, visitor or vip");
    };
    let (page, size) = (q.page.unwrap_or(1).max(1), q.size.unwrap_or(10).clamp(1, 1000));
    let name = q.name.unwrap_or_default();
    let matching: Vec<Subject> = {
        let inner = sim.koala.lock();
        inner.subjects.values().filter(|s| s.subject_type == kind && s.name.contains(name.as_str())).cloned().collect()
    };
    let count = u64::try_from(matching.len()).unwrap_or(u64::MAX);
    let skip = usize::try_from((page - 1) * size).unwrap_or(usize::MAX);
    let data: Vec<Subject> = matching.into_iter().skip(skip).take(usize::try_from(size).unwrap_or(usize::MAX)).collect();
    let body = json!({"code": 0, "data": data, "page": {"count": count, "current": page, "size": size, "total": count.div_ceil(size)}});
    late(delay, Json(body).into_response()).await
}

/// `POST /subject`: a subject; visitors (type 1, 2) need `start_time` < `end_time` (unix seconds).
pub async fn create(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let delay = match enter(&sim, "create", &headers, true).await {
        Ok(delay) => delay,
        Err(refusal) => return refusal,
    };
    let subject: Subject = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(err) => return refuse(StatusCode::BAD_REQUEST, -1, &format!("invalid body: {err}")),
    };
    if let Err(why) = check(&subject) {
        return refuse(StatusCode::OK, -1, why);
    }
    let created = {
        let mut inner = sim.koala.lock();
        if subject.email.as_ref().is_some_and(|e| inner.subjects.values().any(|s| s.email.as_ref() == Some(e))) {
            return refuse(StatusCode::OK, -1, "email already exists");
        }
        inner.insert(subject)
    };
    late(delay, ok(created)).await
}

fn check(s: &Subject) -> Result<(), &'static str> {
    if !(0..=2).contains(&s.subject_type) {
        return Err("subject_type must be 0, 1 or 2");
    }
    if s.name.trim().is_empty() {
        return Err("name is required");
    }
    if s.subject_type != 0 {
        match (s.start_time, s.end_time) {
            (Some(start), Some(end)) if start < end => {}
            (Some(_), Some(_)) => return Err("start_time must be before end_time"),
            _ => return Err("start_time and end_time are required for visitors"),
        }
    }
    let avatar_ok = |a: &String| ["http://", "https://", "data:image"].iter().any(|p| a.starts_with(p));
    if s.avatar.as_ref().is_some_and(|a| !avatar_ok(a)) {
        return Err("avatar must be a URL or data:image");
    }
    Ok(())
}

/// `GET /subject/{id}`.
pub async fn get_subject(State(sim): State<Arc<Sim>>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let delay = match enter(&sim, "get", &headers, true).await {
        Ok(delay) => delay,
        Err(refusal) => return refusal,
    };
    let found = sim.koala.lock().subjects.get(&id).cloned();
    match found {
        Some(subject) => late(delay, ok(subject)).await,
        None => refuse(StatusCode::NOT_FOUND, -404, "subject not found"),
    }
}

/// `GET /mobile-admin/visitors/purposes`.
pub async fn purposes(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    let delay = match enter(&sim, "purposes", &headers, true).await {
        Ok(delay) => delay,
        Err(refusal) => return refusal,
    };
    let list: Vec<Value> = sim.koala.lock().purposes.clone();
    late(delay, ok(list)).await
}
