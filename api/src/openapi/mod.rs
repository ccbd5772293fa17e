//! The OpenAPI 3.1 document of the JSON API, generated from the code: each handler's
//! `#[utoipa::path(...)]` and each request/response type's `#[derive(ToSchema)]`. Every domain
//! has one `#[derive(OpenApi)]` struct listing its handlers; [`build`] merges them (one line per
//! domain), then [`finish`] adds what every operation shares (the auth schemes, the error
//! envelope's answers, the alias paths). Served at `GET /openapi.json`; `GET /docs` renders the
//! same document as a reference page with no external asset.

mod finish;

pub use finish::alias;
mod page;
pub mod schemas;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use utoipa::OpenApi;

use crate::state::AppState;

/// The operations' tags: the reference page groups by them, in this order.
pub const TAG_FOLLOW: &str = "seed 000 · WeChat follow";
pub const TAG_HOSPITAL: &str = "seed 001 · hospital";
pub const TAG_COLLEGE: &str = "seed 002 · college";
pub const TAG_VISITOR: &str = "seed 003 · visitors";
pub const TAG_NOTICES: &str = "seed 004 · notices";
pub const TAG_AUTH: &str = "auth";
pub const TAG_USERS: &str = "users & admin";
pub const TAG_QUEUES: &str = "queues";
pub const TAG_FILES: &str = "files";
pub const TAG_HEALTH: &str = "health, metrics & docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yizhan (驿站) API",
        description = "The JSON API of seeds 000 (WeChat Official Account follow), 001 (hospital appointments) and 002 \
(college staff services). Errors are one envelope, `{\"error\":{\"code\",\"message\",\"fields\"?,\"conflict\"?}}`; \
timestamps are ISO 8601 with an offset (`2026-12-04T09:00:00+08:00`). Seed 001 and 000 fields are camelCase, seed 002 \
fields snake_case. Authenticate with `Authorization: Bearer <token>` or `Authorization: Token <token>` (the token of \
`POST /auth/get-token/`); the roles an operation needs are listed as its security requirement's scopes."
    ),
    tags(
        (name = TAG_FOLLOW, description = "Seed 000: department QR codes, followers, keyword replies of the Official Account."),
        (name = TAG_HOSPITAL, description = "Seed 001: hospitals, departments, schedules (号源), patients, appointments, the waitlist. camelCase."),
        (name = TAG_COLLEGE, description = "Seed 002: contacts, repairs, meeting rooms and reservations, guides. snake_case; lists in Django REST framework's page shape."),
        (name = TAG_VISITOR, description = "Seed 003: H5 sign-in through the Official Account's web OAuth, phone binding by SMS code, staff confirmed by Koala, visit applications and their authorization. camelCase."),
        (name = TAG_NOTICES, description = "Seed 004: students, counselors, classes and groups (a counselor sees only their classes), the CSV import of students. camelCase."),
        (name = TAG_AUTH, description = "Tokens: password login, WeChat login and binding, logout."),
        (name = TAG_USERS, description = "The signed-in user and the admins' user management."),
        (name = TAG_QUEUES, description = "Job queues for operators: counts, dead jobs, retry."),
        (name = TAG_FILES, description = "Files in object storage."),
        (name = TAG_HEALTH, description = "Liveness, readiness, Prometheus metrics and this document."),
    ),
    components(schemas(schemas::ErrorEnvelope))
)]
struct RootApi;

/// The document as utoipa builds it: the root and each domain's paths and schemas.
fn build() -> utoipa::openapi::OpenApi {
    let mut doc = RootApi::openapi();
    // One line per domain.
    doc.merge(crate::routes::CoreApi::openapi());
    doc.merge(crate::routes::follow::FollowApi::openapi());
    doc.merge(crate::routes::hospital::HospitalApi::openapi());
    doc.merge(crate::routes::college::CollegeApi::openapi());
    doc.merge(crate::routes::visitor::VisitorApi::openapi());
    doc.merge(crate::routes::notices::NoticesApi::openapi());
    doc
}

/// The finished document as JSON (built once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(build()).unwrap_or_else(|err| {
            tracing::error!(error = %err, "the OpenAPI document does not serialize");
            Value::Null
        });
        finish::finish(&mut doc);
        doc
    })
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json)).route("/docs", get(page::show))
}

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = TAG_HEALTH,
    responses((status = 200, description = "The OpenAPI 3.1 document of the JSON API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-cache")], axum::Json(document()))
}
