//! `GET|POST /school/students`, `GET|PATCH|DELETE /school/students/{id}`: admins see every
//! student, a counselor only those of the classes they look after (others answer 404, and a
//! counselor cannot put a student into someone else's class).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::students::{self, RawStudent, Student, StudentFields, StudentFilter};
use yizhan_common::notices::{classes, Scope};
use yizhan_common::time::serialize_local;

use super::{given, scope_of, SchoolStaff};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StudentView {
    id: i64,
    student_no: String,
    name: String,
    class_id: i64,
    class_name: String,
    /// The student's own, else their class's.
    grade: String,
    major: String,
    phone: Option<String>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl From<Student> for StudentView {
    fn from(s: Student) -> Self {
        Self {
            id: s.id,
            student_no: s.student_no,
            name: s.name,
            class_id: s.class_id,
            class_name: s.class_name,
            grade: s.grade,
            major: s.major,
            phone: s.phone,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"studentNo": "2024010101", "name": "张三", "classId": 1, "phone": "13900000001"}))]
pub struct StudentBody {
    student_no: String,
    name: String,
    class_id: i64,
    /// Blank: the class's.
    grade: Option<String>,
    /// Blank: the class's.
    major: Option<String>,
    /// A mainland mobile number (where a binding code can be sent).
    phone: Option<String>,
}

/// Checks the body; the class must be one the caller sees.
async fn check(state: &AppState, scope: Scope, b: &StudentBody) -> ApiResult<StudentFields> {
    let raw = RawStudent { student_no: &b.student_no, name: &b.name, grade: b.grade.as_deref(), major: b.major.as_deref(), phone: b.phone.as_deref() };
    let mut errors = FieldErrors::new();
    let mut conn = state.db.acquire().await?;
    errors.check(classes::find(&mut conn, scope, b.class_id).await?.is_none(), "classId", "no such class among yours");
    let fields = students::check(&raw, b.class_id);
    if let Err(bad) = &fields {
        bad.iter().for_each(|(field, message)| errors.add(field, message.clone()));
    }
    errors.finish()?;
    fields.map_err(|_| ApiError::internal("student fields"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StudentQuery {
    /// A part of the name or student number.
    q: Option<String>,
    class_id: Option<i64>,
    grade: Option<String>,
    major: Option<String>,
}

#[utoipa::path(get, path = "/school/students", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(StudentQuery, PageQuery),
    responses((status = 200, description = "One page of the students the caller sees, by class and number", body = Page<StudentView>)))]
/// Students, searched, filtered and paginated.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiQuery(q): ApiQuery<StudentQuery>, page: Pagination) -> ApiResult<Json<Page<StudentView>>> {
    let scope = scope_of(&state, &who).await?;
    let filter = StudentFilter { q: given(q.q.as_deref()), class_id: q.class_id, grade: given(q.grade.as_deref()), major: given(q.major.as_deref()) };
    let mut conn = state.db.acquire().await?;
    let (rows, count) = students::list(&mut conn, scope, filter, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(StudentView::from).collect(), count, page)))
}

#[utoipa::path(post, path = "/school/students", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    request_body = StudentBody,
    responses((status = 201, description = "The student", body = StudentView), (status = 409, description = "`student_no_taken`", body = ErrorEnvelope)))]
/// Adds a student to one of the caller's classes.
pub async fn create(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiJson(b): ApiJson<StudentBody>) -> ApiResult<(StatusCode, Json<StudentView>)> {
    let scope = scope_of(&state, &who).await?;
    let fields = check(&state, scope, &b).await?;
    let mut conn = state.db.acquire().await?;
    let id = students::create(&mut conn, &fields).await?;
    let student = students::find(&mut conn, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    Ok((StatusCode::CREATED, Json(student.into())))
}

#[utoipa::path(get, path = "/school/students/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The student's id")),
    responses((status = 200, description = "The student", body = StudentView), (status = 404, description = "No such student among the caller's", body = ErrorEnvelope)))]
/// One student.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<StudentView>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(students::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("student"))?.into()))
}

#[utoipa::path(patch, path = "/school/students/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The student's id")), request_body = StudentBody,
    responses((status = 200, description = "The student after the change", body = StudentView), (status = 404, description = "No such student among the caller's", body = ErrorEnvelope)))]
/// Replaces a student's fields (the new class must be the caller's too).
pub async fn update(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<StudentBody>) -> ApiResult<Json<StudentView>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    students::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    let fields = check(&state, scope, &b).await?;
    students::update(&mut conn, id, &fields).await?;
    Ok(Json(students::find(&mut conn, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("student"))?.into()))
}

#[utoipa::path(delete, path = "/school/students/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The student's id")),
    responses((status = 204, description = "Deleted (their group memberships with them; the groups stay)"), (status = 404, description = "No such student among the caller's", body = ErrorEnvelope)))]
/// Deletes a student.
pub async fn delete(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    students::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    students::delete(&mut conn, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
