//! Seed 004's groups in the console (班干部, 学生会, 协会…; admins every group, a counselor those
//! they created): the list (search, pages) with adding one, a group's page with its members and
//! roles (add by student number, change a role, remove), renaming it, and deleting it — the only
//! way a group goes: one that loses its last member is kept. Through the JSON routes' handlers
//! (`GET|POST /school/groups`, `GET|PATCH|DELETE /school/groups/{id}`,
//! `PUT|DELETE /school/groups/{id}/members/{student_id}`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use yizhan_common::users::Session;

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{Pager, SearchQuery};
use super::queues::ConfirmPage;
use super::school::{as_page, blank_none, body, caller, user_caller};
use super::session::Signed;
use super::students::{student_by_no, Found};
use super::PageError;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, OptionalJson};
use crate::routes::notices::for_pages::people as api;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

const LIST: &str = "/admin/console/groups";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupRow {
    id: i64,
    name: String,
    kind: String,
    description: String,
    member_count: i64,
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct ListPage {
    layout: Layout,
    q: String,
    rows: Vec<GroupRow>,
    pager: Pager,
    form: Fields,
    errors: FieldMessages,
}

async fn list_page(state: &AppState, session: &Session, q: &SearchQuery, form: Fields, errors: FieldMessages) -> Result<ListPage, PageError> {
    let (page, text) = (q.pagination(), q.text());
    let query = body(json!({"q": text}))?;
    let found: Found<GroupRow> = as_page(&api::groups(State(state.clone()), user_caller(&session.user)?, ApiQuery(query), page).await?.0)?;
    let pager = Pager::new(LIST, &[("q", &text)], page, found.count);
    let layout = Layout::new(state, session, "groups", "学生分组").await?;
    Ok(ListPage { layout, q: text, rows: found.results, pager, form, errors })
}

/// `GET /admin/console/groups?q=&page=`.
pub async fn list(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<SearchQuery>) -> Result<Response, PageError> {
    Ok(html(&list_page(&state, &me.session, &q, Fields::default(), FieldMessages::default()).await?))
}

fn group_body<T: serde::de::DeserializeOwned>(f: &Fields) -> Result<T, ApiError> {
    body(json!({"name": f.text("name"), "kind": blank_none(f.text("kind")), "description": blank_none(f.text("description"))}))
}

fn taken(err: ApiError) -> Result<FieldMessages, ApiError> {
    match err.code() {
        "group_taken" => Ok(FieldMessages::one("name", "已有同名分组")),
        _ => FieldMessages::from_error(err),
    }
}

/// `POST /admin/console/groups`: a new group (a counselor's is theirs).
pub async fn create(State(state): State<AppState>, me: Signed<SchoolStaff>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::create_group(State(state.clone()), caller(&me)?, ApiJson(group_body(&f)?)).await {
        Ok((_, g)) => {
            let g: GroupRow = as_page(&g.0)?;
            flash(&state, &me.session, &format!("已创建分组“{}”，可以添加成员了。", g.name)).await?;
            Ok(Redirect::to(&format!("{LIST}/{}", g.id)).into_response())
        }
        Err(err) if err.fields().is_empty() && err.code() != "group_taken" => Err(err.into()),
        Err(err) => {
            let q = SearchQuery::default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&list_page(&state, &me.session, &q, f, taken(err)?).await?)).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberRow {
    student_id: i64,
    student_no: String,
    name: String,
    class_name: String,
    role: String,
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(flatten)]
    group: GroupRow,
    members: Vec<MemberRow>,
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct GroupPage {
    layout: Layout,
    g: GroupRow,
    members: Vec<MemberRow>,
    form: Fields,
    errors: FieldMessages,
    member_form: Fields,
    member_errors: FieldMessages,
}

async fn group_page(state: &AppState, me: &Signed<SchoolStaff>, id: i64, form: Option<Fields>, errors: FieldMessages, member_form: Fields, member_errors: FieldMessages) -> Result<GroupPage, PageError> {
    let d: Detail = as_page(&api::group(State(state.clone()), caller(me)?, ApiPath(id)).await?.0)?;
    let form = form.unwrap_or_else(|| Fields::from_pairs([("name", d.group.name.clone()), ("kind", d.group.kind.clone()), ("description", d.group.description.clone())]));
    let layout = Layout::new(state, &me.session, "groups", format!("分组：{}", d.group.name)).await?;
    Ok(GroupPage { layout, g: d.group, members: d.members, form, errors, member_form, member_errors })
}

/// `GET /admin/console/groups/{id}`: the group, its members, the forms.
pub async fn show(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(html(&group_page(&state, &me, id, None, FieldMessages::default(), Fields::default(), FieldMessages::default()).await?))
}

/// `POST /admin/console/groups/{id}`: renames or redescribes it.
pub async fn update(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::update_group(State(state.clone()), caller(&me)?, ApiPath(id), ApiJson(group_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已保存分组“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
        }
        Err(err) if err.status() == StatusCode::NOT_FOUND => Err(err.into()),
        Err(err) => {
            let errors = taken(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&group_page(&state, &me, id, Some(f), errors, Fields::default(), FieldMessages::default()).await?)).into_response())
        }
    }
}

/// `POST /admin/console/groups/{id}/members` (`studentNo`, `role`): adds a member or changes
/// their role.
pub async fn put_member(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let who = caller(&me)?;
    let no = f.text("studentNo");
    let Some(student_id) = student_by_no(&state, &who, &no).await? else {
        // The group must still be the caller's (404 otherwise) before the form is shown again.
        let _ = api::group(State(state.clone()), who, ApiPath(id)).await?;
        return refuse_member(&state, &me, id, f, FieldMessages::one("studentNo", "你负责的学生中没有这个学号")).await;
    };
    let b = body(json!({"role": f.text("role")}))?;
    match api::put_member(State(state.clone()), who, ApiPath((id, student_id)), OptionalJson(Some(b))).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已将 {no} 加入分组。")).await?;
            Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
        }
        Err(err) if err.status() == StatusCode::UNPROCESSABLE_ENTITY => refuse_member(&state, &me, id, f, FieldMessages::from_error(err)?).await,
        Err(err) => Err(err.into()),
    }
}

/// The group's page again with the member form's messages (422).
async fn refuse_member(state: &AppState, me: &Signed<SchoolStaff>, id: i64, f: Fields, errors: FieldMessages) -> Result<Response, PageError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&group_page(state, me, id, None, FieldMessages::default(), f, errors).await?)).into_response())
}

/// `POST /admin/console/groups/{id}/members/{student_id}/remove`: the group stays, even empty.
pub async fn remove_member(State(state): State<AppState>, me: Signed<SchoolStaff>, Path((id, student_id)): Path<(i64, i64)>, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let _ = api::remove_member(State(state.clone()), caller(&me)?, ApiPath((id, student_id))).await?;
    flash(&state, &me.session, "已移出分组（分组保留，即使没有成员）。").await?;
    Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
}

/// `POST /admin/console/groups/{id}/delete`: asks first, then deletes the group (its members stay students).
pub async fn delete(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let who: Authorized<SchoolStaff> = caller(&me)?;
    let d: Detail = as_page(&api::group(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "groups", "请确认").await?;
        let question = format!("确定要删除分组“{}”吗？（{} 位成员仍是学生，只是不再属于这个分组）", d.group.name, d.members.len());
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{id}/delete"), cancel: format!("{LIST}/{id}") }));
    }
    api::delete_group(State(state.clone()), who, ApiPath(id)).await?;
    flash(&state, &me.session, &format!("已删除分组“{}”。", d.group.name)).await?;
    Ok(Redirect::to(LIST).into_response())
}
