//! `GET /school/classes` (admins all; a counselor the classes they look after), `POST`, `PATCH`
//! and `DELETE /school/classes/{id}` (admins; a class with students is not deleted).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::classes::{self, Class, ClassFields, Deleted};
use yizhan_common::notices::{counselors, tags, Scope};

use super::{given, scope_of, SchoolStaff};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassView {
    id: i64,
    name: String,
    grade: String,
    major: String,
    counselor_id: Option<i64>,
    counselor_name: Option<String>,
    student_count: i64,
}

impl From<Class> for ClassView {
    fn from(c: Class) -> Self {
        Self { id: c.id, name: c.name, grade: c.grade, major: c.major, counselor_id: c.counselor_id, counselor_name: c.counselor_name, student_count: c.student_count }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "计科2401", "grade": "2024", "major": "计算机科学与技术", "counselorId": 1}))]
pub struct ClassBody {
    name: String,
    grade: Option<String>,
    major: Option<String>,
    /// The counselor who looks after it.
    counselor_id: Option<i64>,
}

async fn check(state: &AppState, b: ClassBody) -> ApiResult<ClassFields> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    errors.optional_text("grade", b.grade.as_deref(), 50);
    errors.optional_text("major", b.major.as_deref(), 50);
    if let Some(id) = b.counselor_id {
        let mut conn = state.db.acquire().await?;
        errors.check(counselors::find(&mut conn, id).await?.is_none(), "counselorId", "no such counselor");
    }
    errors.finish()?;
    Ok(ClassFields {
        name: b.name.trim().to_owned(),
        grade: b.grade.unwrap_or_default().trim().to_owned(),
        major: b.major.unwrap_or_default().trim().to_owned(),
        counselor_id: b.counselor_id,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassQuery {
    /// A part of the name, grade or major.
    q: Option<String>,
}

#[utoipa::path(get, path = "/school/classes", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), params(ClassQuery, PageQuery),
    responses((status = 200, description = "One page of the classes the caller sees, by name", body = Page<ClassView>)))]
/// Classes: every class for admins, a counselor's own for a counselor.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiQuery(q): ApiQuery<ClassQuery>, page: Pagination) -> ApiResult<Json<Page<ClassView>>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = classes::list(&mut conn, scope, given(q.q.as_deref()), page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(ClassView::from).collect(), count, page)))
}

#[utoipa::path(post, path = "/school/classes", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = ClassBody,
    responses((status = 201, description = "The class", body = ClassView), (status = 409, description = "`class_taken`", body = ErrorEnvelope)))]
/// Adds a class.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<ClassBody>) -> ApiResult<(StatusCode, Json<ClassView>)> {
    let fields = check(&state, b).await?;
    let mut conn = state.db.acquire().await?;
    let id = classes::create(&mut conn, &fields).await?;
    let class = classes::find(&mut conn, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("class"))?;
    Ok((StatusCode::CREATED, Json(class.into())))
}

#[utoipa::path(patch, path = "/school/classes/{id}", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The class's id")), request_body = ClassBody,
    responses((status = 200, description = "The class after the change", body = ClassView), (status = 404, description = "No such class", body = ErrorEnvelope)))]
/// Replaces a class (its name, grade, major and counselor).
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<ClassBody>) -> ApiResult<Json<ClassView>> {
    let fields = check(&state, b).await?;
    let mut tx = state.db.begin().await?;
    let before = classes::find(&mut tx, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("class"))?;
    classes::update(&mut tx, id, &fields).await?;
    let mut jobs = Enqueued::default();
    jobs.add(tags::follow_rename(&mut tx, &before.name, &fields.name).await?);
    let class = classes::find(&mut tx, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("class"))?;
    jobs.commit(tx, &state).await?;
    Ok(Json(class.into()))
}

#[utoipa::path(delete, path = "/school/classes/{id}", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The class's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such class", body = ErrorEnvelope),
        (status = 409, description = "`class_not_empty`: it still has students", body = ErrorEnvelope)))]
/// Deletes an empty class.
pub async fn delete(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    match classes::delete(&mut conn, id).await? {
        Deleted::Done => Ok(StatusCode::NO_CONTENT),
        Deleted::Missing => Err(ApiError::not_found("class")),
        Deleted::HasStudents => Err(ApiError::conflict("class_not_empty", "the class still has students: move or delete them first")),
    }
}
