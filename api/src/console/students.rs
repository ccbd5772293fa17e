//! Seed 004's students in the console (admins every student, a counselor those of the classes
//! they look after): the list (search, class filter, pages), adding, changing and deleting one.
//! Each goes through its JSON route's handler (`GET|POST /school/students`, `GET|PATCH|DELETE
//! /school/students/{id}`), so the checks, the scope and the 404s are the same.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{id_param, pagination, search_text, Pager};
use super::queues::ConfirmPage;
use super::school::{as_page, blank_none, body, caller, id_field};
use super::session::Signed;
use super::PageError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::routes::notices::for_pages::people as api;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

const LIST: &str = "/admin/console/students";

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    #[serde(rename = "classId")]
    class_id: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentRow {
    pub id: i64,
    pub student_no: String,
    pub name: String,
    pub class_id: i64,
    pub class_name: String,
    pub grade: String,
    pub major: String,
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Found<T> {
    pub count: u64,
    pub results: Vec<T>,
}

/// A class the caller sees, as a choice (`selected` for the current one).
#[derive(Debug, Deserialize)]
pub struct ClassChoice {
    pub id: i64,
    pub name: String,
}

/// The classes the caller sees (the first 100, by name), for the class choices.
pub async fn class_choices(state: &AppState, who: &Authorized<SchoolStaff>) -> Result<Vec<ClassChoice>, PageError> {
    let q = body(json!({}))?;
    let found: Found<ClassChoice> = as_page(&api::classes(State(state.clone()), who.clone(), ApiQuery(q), Pagination { page: 1, page_size: 100 }).await?.0)?;
    Ok(found.results)
}

/// One page of the students the caller sees matching `q` (the JSON list's search).
pub async fn search(state: &AppState, who: &Authorized<SchoolStaff>, q: Option<&str>, class_id: Option<i64>, page: Pagination) -> Result<Found<StudentRow>, PageError> {
    let query = body(json!({"q": q, "classId": class_id}))?;
    as_page(&api::students(State(state.clone()), who.clone(), ApiQuery(query), page).await?.0)
}

/// The student with this number among those the caller sees (the JSON list's search and scope).
pub async fn student_by_no(state: &AppState, who: &Authorized<SchoolStaff>, no: &str) -> Result<Option<i64>, PageError> {
    if no.is_empty() {
        return Ok(None);
    }
    let found = search(state, who, Some(no), None, Pagination { page: 1, page_size: 100 }).await?;
    Ok(found.results.into_iter().find(|s| s.student_no == no).map(|s| s.id))
}

#[derive(Template)]
#[template(path = "console/students.html")]
struct ListPage {
    layout: Layout,
    q: String,
    class_id: i64,
    classes: Vec<ClassChoice>,
    rows: Vec<StudentRow>,
    pager: Pager,
}

/// `GET /admin/console/students?q=&classId=&page=`.
pub async fn list(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let who = caller(&me)?;
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let text = search_text(q.q.as_deref());
    let class_id = id_param(q.class_id.as_deref());
    let found = search(&state, &who, text.as_deref(), class_id, page).await?;
    let class_param = class_id.map(|c| c.to_string()).unwrap_or_default();
    let text = text.unwrap_or_default();
    let pager = Pager::new(LIST, &[("q", &text), ("classId", &class_param)], page, found.count);
    let classes = class_choices(&state, &who).await?;
    let layout = Layout::new(&state, &me.session, "students", "学生").await?;
    Ok(html(&ListPage { layout, q: text, class_id: class_id.unwrap_or(0), classes, rows: found.results, pager }))
}

#[derive(Template)]
#[template(path = "console/student_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    id: Option<i64>,
    classes: Vec<ClassChoice>,
    form: Fields,
    errors: FieldMessages,
}

impl FormPage {
    fn class_selected(&self, id: &i64) -> bool {
        self.form.text("classId") == id.to_string()
    }
}

async fn form_page(state: &AppState, me: &Signed<SchoolStaff>, id: Option<i64>, form: Fields, errors: FieldMessages) -> Result<FormPage, PageError> {
    let who = caller(me)?;
    let (title, action) = match id {
        Some(id) => (format!("编辑学生 #{id}"), format!("{LIST}/{id}")),
        None => ("新建学生".to_owned(), format!("{LIST}/new")),
    };
    let classes = class_choices(state, &who).await?;
    let layout = Layout::new(state, &me.session, "students", title).await?;
    Ok(FormPage { layout, action, id, classes, form, errors })
}

/// The JSON body of `POST|PATCH /school/students` from the form.
fn student_body<T: serde::de::DeserializeOwned>(f: &Fields) -> Result<T, PageError> {
    Ok(body(json!({
        "studentNo": f.text("studentNo"),
        "name": f.text("name"),
        "classId": id_field(&f.text("classId")),
        "grade": blank_none(f.text("grade")),
        "major": blank_none(f.text("major")),
        "phone": blank_none(f.text("phone")),
    }))?)
}

/// A refused form again with its messages (422), or the error page for anything else.
async fn refused(state: &AppState, me: &Signed<SchoolStaff>, id: Option<i64>, f: Fields, err: crate::error::ApiError) -> Result<Response, PageError> {
    let errors = FieldMessages::from_error(err)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form_page(state, me, id, f, errors).await?)).into_response())
}

/// `GET /admin/console/students/new`.
pub async fn new_form(State(state): State<AppState>, me: Signed<SchoolStaff>) -> Result<Response, PageError> {
    Ok(html(&form_page(&state, &me, None, Fields::default(), FieldMessages::default()).await?))
}

/// `POST /admin/console/students/new`.
pub async fn create(State(state): State<AppState>, me: Signed<SchoolStaff>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::create_student(State(state.clone()), caller(&me)?, ApiJson(student_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已添加学生 {} {}。", f.text("studentNo"), f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => refused(&state, &me, None, f, err).await,
    }
}

/// `GET /admin/console/students/{id}`: the form filled with the student.
pub async fn edit_form(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let s: StudentRow = as_page(&api::student(State(state.clone()), caller(&me)?, ApiPath(id)).await?.0)?;
    let form = Fields::from_pairs([
        ("studentNo", s.student_no),
        ("name", s.name),
        ("classId", s.class_id.to_string()),
        ("grade", s.grade),
        ("major", s.major),
        ("phone", s.phone.unwrap_or_default()),
    ]);
    Ok(html(&form_page(&state, &me, Some(id), form, FieldMessages::default()).await?))
}

/// `POST /admin/console/students/{id}`.
pub async fn update(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::update_student(State(state.clone()), caller(&me)?, ApiPath(id), ApiJson(student_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已保存学生 {} {}。", f.text("studentNo"), f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) if err.status() == StatusCode::NOT_FOUND => Err(err.into()),
        Err(err) => refused(&state, &me, Some(id), f, err).await,
    }
}

/// `POST /admin/console/students/{id}/delete`: asks first, then deletes (their memberships go,
/// their groups stay).
pub async fn delete(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let who: Authorized<SchoolStaff> = caller(&me)?;
    let s: StudentRow = as_page(&api::student(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "students", "请确认").await?;
        let question = format!("确定要删除学生 {} {} 吗？", s.student_no, s.name);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{id}/delete"), cancel: format!("{LIST}/{id}") }));
    }
    api::delete_student(State(state.clone()), who, ApiPath(id)).await?;
    flash(&state, &me.session, &format!("已删除学生 {} {}。", s.student_no, s.name)).await?;
    Ok(Redirect::to(LIST).into_response())
}
