//! The teacher directory (seed 004, 老师的联系方式): `GET /school/directory` searches teachers and
//! counselors by name or department for the college's people (students on H5 included);
//! `POST /school/teachers`, `PATCH|DELETE /school/teachers/{id}`: admins keep the teachers' cards
//! (counselors' come from `/school/counselors`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::directory::{self, DirectoryFilter, Entry, TeacherFields};

use super::given;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, CampusMembers, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// A directory entry (a teacher's card or a counselor's).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"kind": "teacher", "id": 3, "name": "陈老师", "department": "教务处", "title": "科长", "phone": "020-85280000", "email": "chen@school.edu", "office": "行政楼 305"}))]
pub struct EntryView {
    /// `teacher` or `counselor` (ids are per kind).
    kind: String,
    id: i64,
    name: String,
    /// A teacher's department; a counselor's: the majors of their classes.
    department: String,
    title: String,
    phone: Option<String>,
    email: Option<String>,
    office: String,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self { kind: e.kind, id: e.id, name: e.name, department: e.department, title: e.title, phone: e.phone, email: e.email, office: e.office }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryQuery {
    /// A part of the name or the department.
    q: Option<String>,
    /// A part of the department.
    department: Option<String>,
    /// `teacher` or `counselor`.
    kind: Option<String>,
}

impl DirectoryQuery {
    /// An H5 page's search.
    pub(crate) fn new(q: Option<String>, kind: Option<String>) -> Self {
        Self { q, department: None, kind }
    }
}

#[utoipa::path(get, path = "/school/directory", tag = TAG_NOTICES,
    security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])),
    params(DirectoryQuery, PageQuery),
    responses((status = 200, description = "One page of teachers and counselors by name", body = Page<EntryView>),
        (status = 422, description = "`kind` is not `teacher` or `counselor`, or a filter is too long", body = ErrorEnvelope)))]
/// Searches the teacher directory.
pub async fn search(State(state): State<AppState>, _: Authorized<CampusMembers>, ApiQuery(q): ApiQuery<DirectoryQuery>, page: Pagination) -> ApiResult<Json<Page<EntryView>>> {
    let mut errors = FieldErrors::new();
    errors.optional_text("q", q.q.as_deref(), 50);
    errors.optional_text("department", q.department.as_deref(), 100);
    let kind = given(q.kind.as_deref());
    errors.check(kind.is_some_and(|k| k != "teacher" && k != "counselor"), "kind", "must be teacher or counselor");
    errors.finish()?;
    let filter = DirectoryFilter { q: given(q.q.as_deref()), department: given(q.department.as_deref()), kind };
    let mut conn = state.db.acquire().await?;
    let (rows, count) = directory::search(&mut conn, filter, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(EntryView::from).collect(), count, page)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "陈老师", "department": "教务处", "title": "科长", "phone": "020-85280000", "email": "chen@school.edu", "office": "行政楼 305"}))]
pub struct TeacherBody {
    name: String,
    department: Option<String>,
    title: Option<String>,
    /// An office line or a mobile: 5–20 digits, `+` and `-`.
    phone: Option<String>,
    email: Option<String>,
    office: Option<String>,
}

fn check(b: TeacherBody) -> ApiResult<TeacherFields> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    errors.optional_text("department", b.department.as_deref(), 100);
    errors.optional_text("title", b.title.as_deref(), 50);
    errors.optional_phone("phone", b.phone.as_deref());
    errors.optional_email("email", b.email.as_deref());
    errors.optional_text("office", b.office.as_deref(), 100);
    errors.finish()?;
    let trimmed = |v: Option<String>| v.map(|v| v.trim().to_owned()).unwrap_or_default();
    let present = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    Ok(TeacherFields {
        name: b.name.trim().to_owned(),
        department: trimmed(b.department),
        title: trimmed(b.title),
        phone: present(b.phone),
        email: present(b.email),
        office: trimmed(b.office),
    })
}

async fn shown(state: &AppState, id: i64) -> ApiResult<EntryView> {
    let mut conn = state.db.acquire().await?;
    Ok(directory::teacher(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("teacher"))?.into())
}

#[utoipa::path(post, path = "/school/teachers", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = TeacherBody,
    responses((status = 201, description = "The teacher's card", body = EntryView), (status = 422, description = "Bad fields, each named", body = ErrorEnvelope)))]
/// Adds a teacher's card.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<TeacherBody>) -> ApiResult<(StatusCode, Json<EntryView>)> {
    let fields = check(b)?;
    let mut conn = state.db.acquire().await?;
    let id = directory::create_teacher(&mut conn, &fields).await?;
    drop(conn);
    Ok((StatusCode::CREATED, Json(shown(&state, id).await?)))
}

#[utoipa::path(patch, path = "/school/teachers/{id}", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The teacher's id")), request_body = TeacherBody,
    responses((status = 200, description = "The card after the change", body = EntryView), (status = 404, description = "No such teacher", body = ErrorEnvelope),
        (status = 422, description = "Bad fields, each named", body = ErrorEnvelope)))]
/// Replaces a teacher's card.
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<TeacherBody>) -> ApiResult<Json<EntryView>> {
    let fields = check(b)?;
    let mut conn = state.db.acquire().await?;
    if !directory::update_teacher(&mut conn, id, &fields).await? {
        return Err(ApiError::not_found("teacher"));
    }
    drop(conn);
    Ok(Json(shown(&state, id).await?))
}

#[utoipa::path(delete, path = "/school/teachers/{id}", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The teacher's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such teacher", body = ErrorEnvelope)))]
/// Deletes a teacher's card.
pub async fn delete(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    if !directory::delete_teacher(&mut conn, id).await? {
        return Err(ApiError::not_found("teacher"));
    }
    Ok(StatusCode::NO_CONTENT)
}
