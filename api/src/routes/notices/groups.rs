//! Groups of students (班干部, 学生会, 协会…): `GET|POST /school/groups`,
//! `GET|PATCH|DELETE /school/groups/{id}`, `PUT|DELETE /school/groups/{id}/members/{student_id}`
//! (`PUT {role}` adds or changes a role). Admins manage every group, a counselor those they
//! created, with students of their own classes. A group that loses its last member is kept;
//! only `DELETE` removes it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::groups::{self, Group, GroupFields, Member};
use yizhan_common::notices::{students, tags, Scope};

use super::{given, scope_of, SchoolStaff};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, OptionalJson, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    id: i64,
    name: String,
    kind: String,
    description: String,
    /// The counselor who manages it (`null`: the school's).
    counselor_id: Option<i64>,
    member_count: i64,
}

impl From<Group> for GroupView {
    fn from(g: Group) -> Self {
        Self { id: g.id, name: g.name, kind: g.kind, description: g.description, counselor_id: g.counselor_id, member_count: g.member_count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    student_id: i64,
    student_no: String,
    name: String,
    class_name: String,
    role: String,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self { student_id: m.student_id, student_no: m.student_no, name: m.name, class_name: m.class_name, role: m.role }
    }
}

/// A group with its members.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetail {
    #[serde(flatten)]
    group: GroupView,
    members: Vec<MemberView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "计科2401班委", "kind": "班干部", "description": ""}))]
pub struct GroupBody {
    name: String,
    /// 班干部, 学生会, 协会…
    kind: Option<String>,
    description: Option<String>,
}

fn check(b: GroupBody) -> ApiResult<GroupFields> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    errors.optional_text("kind", b.kind.as_deref(), 50);
    errors.optional_text("description", b.description.as_deref(), 500);
    errors.finish()?;
    Ok(GroupFields { name: b.name.trim().to_owned(), kind: b.kind.unwrap_or_default().trim().to_owned(), description: b.description.unwrap_or_default().trim().to_owned() })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// A part of the name or kind.
    q: Option<String>,
}

#[utoipa::path(get, path = "/school/groups", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), params(GroupQuery, PageQuery),
    responses((status = 200, description = "One page of the groups the caller manages (empty ones too), by name", body = Page<GroupView>)))]
/// Groups, searched and paginated.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiQuery(q): ApiQuery<GroupQuery>, page: Pagination) -> ApiResult<Json<Page<GroupView>>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = groups::list(&mut conn, scope, given(q.q.as_deref()), page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(GroupView::from).collect(), count, page)))
}

#[utoipa::path(post, path = "/school/groups", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = GroupBody,
    responses((status = 201, description = "The group, managed by the counselor who created it (an admin's: the school's)", body = GroupDetail),
        (status = 409, description = "`group_taken`", body = ErrorEnvelope)))]
/// Creates a group.
pub async fn create(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiJson(b): ApiJson<GroupBody>) -> ApiResult<(StatusCode, Json<GroupDetail>)> {
    let scope = scope_of(&state, &who).await?;
    if scope == Scope::Counselor(None) {
        return Err(ApiError::forbidden("no counselor record is tied to this account"));
    }
    let fields = check(b)?;
    let mut conn = state.db.acquire().await?;
    let id = groups::create(&mut conn, &fields, scope.owner()).await?;
    Ok((StatusCode::CREATED, Json(detail(&mut conn, scope, id).await?)))
}

async fn detail(conn: &mut sqlx::PgConnection, scope: Scope, id: i64) -> ApiResult<GroupDetail> {
    let group = groups::find(conn, scope, id).await?.ok_or_else(|| ApiError::not_found("group"))?;
    let members = groups::members(conn, id).await?.into_iter().map(MemberView::from).collect();
    Ok(GroupDetail { group: group.into(), members })
}

#[utoipa::path(get, path = "/school/groups/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The group's id")),
    responses((status = 200, description = "The group and its members", body = GroupDetail), (status = 404, description = "No such group among the caller's", body = ErrorEnvelope)))]
/// One group with its members.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<GroupDetail>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(detail(&mut conn, scope, id).await?))
}

#[utoipa::path(patch, path = "/school/groups/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The group's id")), request_body = GroupBody,
    responses((status = 200, description = "The group after the change", body = GroupDetail), (status = 404, description = "No such group among the caller's", body = ErrorEnvelope)))]
/// Renames or redescribes a group.
pub async fn update(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<GroupBody>) -> ApiResult<Json<GroupDetail>> {
    let scope = scope_of(&state, &who).await?;
    let fields = check(b)?;
    let mut tx = state.db.begin().await?;
    let before = groups::find(&mut tx, scope, id).await?.ok_or_else(|| ApiError::not_found("group"))?;
    groups::update(&mut tx, id, &fields).await?;
    let mut jobs = Enqueued::default();
    jobs.add(tags::follow_rename(&mut tx, &before.name, &fields.name).await?);
    let group = detail(&mut tx, scope, id).await?;
    jobs.commit(tx, &state).await?;
    Ok(Json(group))
}

#[utoipa::path(delete, path = "/school/groups/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The group's id")),
    responses((status = 204, description = "Deleted with its memberships (the students stay)"), (status = 404, description = "No such group among the caller's", body = ErrorEnvelope)))]
/// Deletes a group: the only way a group goes.
pub async fn delete(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    groups::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("group"))?;
    groups::delete(&mut conn, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"role": "班长"}))]
pub struct MemberBody {
    /// The member's role in the group (班长, 团支书…); blank for none.
    role: Option<String>,
}

/// The group and the student, both the caller's; 404 otherwise.
async fn both(state: &AppState, who: &Authorized<SchoolStaff>, group_id: i64, student_id: i64) -> ApiResult<(Scope, sqlx::pool::PoolConnection<sqlx::Postgres>)> {
    let scope = scope_of(state, who).await?;
    let mut conn = state.db.acquire().await?;
    groups::find(&mut conn, scope, group_id).await?.ok_or_else(|| ApiError::not_found("group"))?;
    students::find(&mut conn, scope, student_id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    Ok((scope, conn))
}

#[utoipa::path(put, path = "/school/groups/{id}/members/{student_id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The group's id"), ("student_id" = i64, Path, description = "The student's id")), request_body = MemberBody,
    responses((status = 200, description = "The group with its members", body = GroupDetail), (status = 404, description = "No such group or student among the caller's", body = ErrorEnvelope)))]
/// Adds a student to a group with a role, or changes their role (the same again changes nothing).
pub async fn put_member(
    State(state): State<AppState>,
    who: Authorized<SchoolStaff>,
    ApiPath((id, student_id)): ApiPath<(i64, i64)>,
    OptionalJson(b): OptionalJson<MemberBody>,
) -> ApiResult<Json<GroupDetail>> {
    let role = b.unwrap_or_default().role.unwrap_or_default();
    let mut errors = FieldErrors::new();
    errors.optional_text("role", Some(&role), 50);
    errors.finish()?;
    let (scope, mut conn) = both(&state, &who, id, student_id).await?;
    groups::put_member(&mut conn, id, student_id, role.trim()).await?;
    sync_tags(&state, &mut conn).await?;
    Ok(Json(detail(&mut conn, scope, id).await?))
}

#[utoipa::path(delete, path = "/school/groups/{id}/members/{student_id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The group's id"), ("student_id" = i64, Path, description = "The student's id")),
    responses((status = 200, description = "The group with its remaining members (kept even when empty)", body = GroupDetail),
        (status = 404, description = "No such group, student or membership among the caller's", body = ErrorEnvelope)))]
/// Takes a student out of a group; the group stays, even empty.
pub async fn remove_member(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath((id, student_id)): ApiPath<(i64, i64)>) -> ApiResult<Json<GroupDetail>> {
    let (scope, mut conn) = both(&state, &who, id, student_id).await?;
    if !groups::remove_member(&mut conn, id, student_id).await? {
        return Err(ApiError::not_found("membership"));
    }
    sync_tags(&state, &mut conn).await?;
    Ok(Json(detail(&mut conn, scope, id).await?))
}

/// The group's tag follows its members (the `sync_notice_tags` job, pushed at once).
async fn sync_tags(state: &AppState, conn: &mut sqlx::PgConnection) -> ApiResult<()> {
    let queued = tags::request_sync(conn).await?;
    state.pusher.hand_off(queued.into_iter().collect());
    Ok(())
}
