//! Seed 004's classes in the console: the list (admins every class, a counselor theirs; search,
//! pages) and, for admins, adding one, changing its name, grade, major and counselor, and deleting
//! an empty one. Each through its JSON route's handler (`GET|POST /school/classes`,
//! `PATCH|DELETE /school/classes/{id}`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use yizhan_common::users::{Role, Session};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{Pager, SearchQuery};
use super::queues::ConfirmPage;
use super::school::{as_page, blank_none, body, caller, user_caller};
use super::session::Signed;
use super::students::Found;
use super::PageError;
use crate::error::ApiError;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::routes::notices::for_pages::people as api;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

const LIST: &str = "/admin/console/classes";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClassRow {
    id: i64,
    name: String,
    grade: String,
    major: String,
    counselor_id: Option<i64>,
    counselor_name: Option<String>,
    student_count: i64,
}

/// A counselor as a choice.
#[derive(Debug, Deserialize)]
pub struct CounselorChoice {
    id: i64,
    name: String,
}

async fn counselor_choices(state: &AppState, admin: &Authorized<AdminOnly>) -> Result<Vec<CounselorChoice>, PageError> {
    let q = body(json!({}))?;
    let found: Found<CounselorChoice> = as_page(&api::counselors(State(state.clone()), admin.clone(), ApiQuery(q), Pagination { page: 1, page_size: 100 }).await?.0)?;
    Ok(found.results)
}

#[derive(Template)]
#[template(path = "console/classes.html")]
struct ListPage {
    layout: Layout,
    q: String,
    is_admin: bool,
    counselors: Vec<CounselorChoice>,
    rows: Vec<ClassRow>,
    pager: Pager,
    form: Fields,
    errors: FieldMessages,
}

impl ListPage {
    fn counselor_selected(&self, id: &i64) -> bool {
        self.form.text("counselorId") == id.to_string()
    }
}

async fn list_page(state: &AppState, session: &Session, q: &SearchQuery, form: Fields, errors: FieldMessages) -> Result<ListPage, PageError> {
    let who: Authorized<SchoolStaff> = user_caller(&session.user)?;
    let (page, text) = (q.pagination(), q.text());
    let query = body(json!({"q": text}))?;
    let found: Found<ClassRow> = as_page(&api::classes(State(state.clone()), who, ApiQuery(query), page).await?.0)?;
    let pager = Pager::new(LIST, &[("q", &text)], page, found.count);
    let is_admin = session.user.has_role(Role::Admin);
    let counselors = match is_admin {
        true => counselor_choices(state, &user_caller(&session.user)?).await?,
        false => Vec::new(),
    };
    let layout = Layout::new(state, session, "classes", "班级").await?;
    Ok(ListPage { layout, q: text, is_admin, counselors, rows: found.results, pager, form, errors })
}

/// `GET /admin/console/classes?q=&page=`.
pub async fn list(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<SearchQuery>) -> Result<Response, PageError> {
    Ok(html(&list_page(&state, &me.session, &q, Fields::default(), FieldMessages::default()).await?))
}

/// The JSON body of `POST|PATCH /school/classes`.
fn class_body<T: serde::de::DeserializeOwned>(f: &Fields) -> Result<T, ApiError> {
    let counselor: Option<i64> = f.optional("counselorId").map(|c| c.parse().unwrap_or(0));
    body(json!({"name": f.text("name"), "grade": blank_none(f.text("grade")), "major": blank_none(f.text("major")), "counselorId": counselor}))
}

/// `POST /admin/console/classes` (admins): adds a class; refused, the list again with the form's messages.
pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::create_class(State(state.clone()), caller(&me)?, ApiJson(class_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已添加班级“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = taken(err)?;
            let q = SearchQuery::default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&list_page(&state, &me.session, &q, f, errors).await?)).into_response())
        }
    }
}

/// A refused class form's messages (a name taken under the name).
fn taken(err: ApiError) -> Result<FieldMessages, ApiError> {
    if err.code() == "class_taken" {
        return Ok(FieldMessages::one("name", "已有同名班级"));
    }
    FieldMessages::from_error(err)
}

#[derive(Template)]
#[template(path = "console/class_form.html")]
struct EditPage {
    layout: Layout,
    id: i64,
    counselors: Vec<CounselorChoice>,
    form: Fields,
    errors: FieldMessages,
}

impl EditPage {
    fn counselor_selected(&self, id: &i64) -> bool {
        self.form.text("counselorId") == id.to_string()
    }
}

async fn edit_page(state: &AppState, me: &Signed<AdminOnly>, id: i64, form: Fields, errors: FieldMessages) -> Result<EditPage, PageError> {
    let counselors = counselor_choices(state, &caller(me)?).await?;
    let layout = Layout::new(state, &me.session, "classes", format!("编辑班级 #{id}")).await?;
    Ok(EditPage { layout, id, counselors, form, errors })
}

async fn find(state: &AppState, id: i64) -> Result<ClassRow, PageError> {
    let mut conn = state.db.acquire().await?;
    let class = yizhan_common::notices::classes::find(&mut conn, yizhan_common::notices::Scope::All, id).await?.ok_or_else(PageError::not_found)?;
    Ok(ClassRow {
        id: class.id,
        name: class.name,
        grade: class.grade,
        major: class.major,
        counselor_id: class.counselor_id,
        counselor_name: class.counselor_name,
        student_count: class.student_count,
    })
}

/// `GET /admin/console/classes/{id}` (admins).
pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let c = find(&state, id).await?;
    let form = Fields::from_pairs([("name", c.name), ("grade", c.grade), ("major", c.major), ("counselorId", c.counselor_id.map(|i| i.to_string()).unwrap_or_default())]);
    Ok(html(&edit_page(&state, &me, id, form, FieldMessages::default()).await?))
}

/// `POST /admin/console/classes/{id}` (admins).
pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::update_class(State(state.clone()), caller(&me)?, ApiPath(id), ApiJson(class_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已保存班级“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) if err.status() == StatusCode::NOT_FOUND => Err(err.into()),
        Err(err) => Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&edit_page(&state, &me, id, f, taken(err)?).await?)).into_response()),
    }
}

/// `POST /admin/console/classes/{id}/delete` (admins): asks first; a class with students stays.
pub async fn delete(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let c = find(&state, id).await?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "classes", "请确认").await?;
        let question = format!("确定要删除班级“{}”吗？", c.name);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{id}/delete"), cancel: format!("{LIST}/{id}") }));
    }
    let message = match api::delete_class(State(state.clone()), caller(&me)?, ApiPath(id)).await {
        Ok(_) => format!("已删除班级“{}”。", c.name),
        Err(err) if err.code() == "class_not_empty" => format!("班级“{}”还有 {} 位学生，请先移走或删除他们；没有删除。", c.name, c.student_count),
        Err(err) => return Err(err.into()),
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(LIST).into_response())
}
