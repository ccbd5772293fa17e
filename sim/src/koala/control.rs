//! `/_sim/koala/*`: fixtures, inspection and faults of the Koala simulator.
//!
//! - `POST /_sim/koala/staffs [{"name","phone","department","title","avatar"}]`: employees (201,
//!   `{"staffs":[…with ids]}`).
//! - `POST /_sim/koala/purposes ["面试", …]`: the visit purposes (names or `{"id","name"}`).
//! - `GET /_sim/koala/subjects[?category=visitor]`: every subject.
//! - `GET /_sim/koala/stats`: logins, calls per op, live sessions.
//! - `POST /_sim/koala/faults [{"op":"create","code":-1,"times":2},{"status":500},{"delayMs":3000}]`.
//! - `POST /_sim/koala/expire-sessions`: every session expires now.
//! - `DELETE /_sim/koala`: forgets everything.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{Inner, KoalaFault, Subject};
use super::subject_type;
use crate::state::Sim;

pub async fn add_staffs(State(sim): State<Arc<Sim>>, Json(staffs): Json<Vec<Subject>>) -> Response {
    let mut inner = sim.koala.lock();
    let added: Vec<Subject> = staffs.into_iter().map(|s| inner.insert(Subject { subject_type: 0, ..s })).collect();
    (StatusCode::CREATED, Json(json!({"staffs": added}))).into_response()
}

pub async fn set_purposes(State(sim): State<Arc<Sim>>, Json(purposes): Json<Vec<Value>>) -> StatusCode {
    sim.koala.lock().purposes = purposes;
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct Category {
    category: Option<String>,
}

pub async fn subjects(State(sim): State<Arc<Sim>>, Query(q): Query<Category>) -> Json<Value> {
    let kind = q.category.as_deref().and_then(subject_type);
    let inner = sim.koala.lock();
    let list: Vec<&Subject> = inner.subjects.values().filter(|s| kind.is_none_or(|k| s.subject_type == k)).collect();
    Json(json!({"count": list.len(), "subjects": list}))
}

pub async fn stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.koala.lock();
    let now = Instant::now();
    let live = inner.sessions.values().filter(|e| **e > now).count();
    Json(json!({"logins": inner.logins, "calls": inner.calls, "liveSessions": live}))
}

pub async fn add_faults(State(sim): State<Arc<Sim>>, Json(faults): Json<Vec<KoalaFault>>) -> StatusCode {
    sim.koala.lock().faults.extend(faults);
    StatusCode::NO_CONTENT
}

pub async fn expire_sessions(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.koala.lock().sessions.clear();
    StatusCode::NO_CONTENT
}

pub async fn reset(State(sim): State<Arc<Sim>>) -> StatusCode {
    *sim.koala.lock() = Inner::default();
    StatusCode::NO_CONTENT
}
