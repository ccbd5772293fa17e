//! Seed 004's counselors in the console (admins): the list with the classes each looks after
//! (search, pages), adding one and changing their card and account. Through the JSON routes'
//! handlers (`GET|POST /school/counselors`, `PATCH /school/counselors/{id}`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use yizhan_common::notices::{classes, counselors, Scope};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{Pager, SearchQuery};
use super::school::{as_page, blank_none, body, caller};
use super::session::Signed;
use super::students::Found;
use super::PageError;
use crate::error::ApiError;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery};
use crate::notice_shapes::short_time;
use crate::routes::notices::for_pages::people as api;
use crate::routes::notices::for_pages::counselor_code;
use crate::state::AppState;

const LIST: &str = "/admin/console/counselors";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CounselorRow {
    id: i64,
    user_id: Option<i64>,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    office: String,
    class_ids: Vec<i64>,
    #[serde(skip)]
    class_names: String,
}

#[derive(Template)]
#[template(path = "console/counselors.html")]
struct ListPage {
    layout: Layout,
    q: String,
    rows: Vec<CounselorRow>,
    pager: Pager,
}

/// `GET /admin/console/counselors?q=&page=`.
pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<SearchQuery>) -> Result<Response, PageError> {
    let (page, text) = (q.pagination(), q.text());
    let query = body(json!({"q": text}))?;
    let mut found: Found<CounselorRow> = as_page(&api::counselors(State(state.clone()), caller(&me)?, ApiQuery(query), page).await?.0)?;
    let names = class_names(&state).await?;
    for c in &mut found.results {
        c.class_names = c.class_ids.iter().filter_map(|id| names.get(id)).cloned().collect::<Vec<_>>().join("、");
    }
    let pager = Pager::new(LIST, &[("q", &text)], page, found.count);
    let layout = Layout::new(&state, &me.session, "counselors", "辅导员").await?;
    Ok(html(&ListPage { layout, q: text, rows: found.results, pager }))
}

/// Every class's name by id (an admin's page: every class).
async fn class_names(state: &AppState) -> Result<HashMap<i64, String>, PageError> {
    let mut conn = state.db.acquire().await?;
    let (all, _) = classes::list(&mut conn, Scope::All, None, 10_000, 0).await?;
    Ok(all.into_iter().map(|c| (c.id, c.name)).collect())
}

#[derive(Template)]
#[template(path = "console/counselor_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    id: Option<i64>,
    classes: String,
    /// Whether a WeChat account is bound.
    wechat: bool,
    /// A binding code just issued: (code, masked phone, valid until).
    issued: Option<(String, String, String)>,
    form: Fields,
    errors: FieldMessages,
}

async fn form_page(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, form: Fields, errors: FieldMessages) -> Result<FormPage, PageError> {
    let (title, action) = match id {
        Some(id) => (format!("编辑辅导员 #{id}"), format!("{LIST}/{id}")),
        None => ("新建辅导员".to_owned(), format!("{LIST}/new")),
    };
    let (classes, wechat) = match id {
        Some(id) => {
            let names = class_names(state).await?;
            let mut conn = state.db.acquire().await?;
            let c = counselors::find(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
            (c.class_ids.iter().filter_map(|id| names.get(id)).cloned().collect::<Vec<_>>().join("、"), c.wechat_user_id.is_some())
        }
        None => (String::new(), false),
    };
    let layout = Layout::new(state, &me.session, "counselors", title).await?;
    Ok(FormPage { layout, action, id, classes, wechat, issued: None, form, errors })
}

/// The JSON body of `POST|PATCH /school/counselors`; an account id that is not a number is 0.
fn counselor_body<T: serde::de::DeserializeOwned>(f: &Fields) -> Result<T, ApiError> {
    let user: Option<i64> = f.optional("userId").map(|u| u.parse().unwrap_or(0));
    body(json!({"name": f.text("name"), "phone": blank_none(f.text("phone")), "email": blank_none(f.text("email")), "office": f.text("office"), "userId": user}))
}

async fn refused(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, f: Fields, err: ApiError) -> Result<Response, PageError> {
    let errors = match err.code() {
        "user_taken" => FieldMessages::one("userId", "该账号已是另一位辅导员的账号"),
        _ => FieldMessages::from_error(err)?,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form_page(state, me, id, f, errors).await?)).into_response())
}

/// `GET /admin/console/counselors/new`.
pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&form_page(&state, &me, None, Fields::default(), FieldMessages::default()).await?))
}

/// `POST /admin/console/counselors/new`.
pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::create_counselor(State(state.clone()), caller(&me)?, ApiJson(counselor_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已添加辅导员“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => refused(&state, &me, None, f, err).await,
    }
}

/// `GET /admin/console/counselors/{id}`.
pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let mut conn = state.db.acquire().await?;
    let c = counselors::find(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    drop(conn);
    let form = Fields::from_pairs([
        ("name", c.name),
        ("phone", c.phone.unwrap_or_default()),
        ("email", c.email.unwrap_or_default()),
        ("office", c.office),
        ("userId", c.user_id.map(|u| u.to_string()).unwrap_or_default()),
    ]);
    Ok(html(&form_page(&state, &me, Some(id), form, FieldMessages::default()).await?))
}

/// `POST /admin/console/counselors/{id}`.
pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::update_counselor(State(state.clone()), caller(&me)?, ApiPath(id), ApiJson(counselor_body(&f)?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已保存辅导员“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) if err.status() == StatusCode::NOT_FOUND => Err(err.into()),
        Err(err) => refused(&state, &me, Some(id), f, err).await,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    code: String,
    phone: String,
    expires_at: String,
}

/// `POST /admin/console/counselors/{id}/bind-code`: a one-time code for the counselor's WeChat
/// account (`POST /school/counselors/{id}/bind-code`'s handler), shown once on the counselor's page.
pub async fn bind_code(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<i64>, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let issued = match counselor_code(State(state.clone()), caller(&me)?, ApiPath(id)).await {
        Ok((_, issued)) => {
            let i: Issued = as_page(&issued.0)?;
            Some((i.code, i.phone, short_time(&i.expires_at)))
        }
        Err(err) if err.code() == "no_phone_on_file" => {
            flash(&state, &me.session, "请先填写辅导员的手机号：辅导员绑定微信时要输入手机号和绑定码。").await?;
            return Ok(Redirect::to(&format!("{LIST}/{id}")).into_response());
        }
        Err(err) => return Err(err.into()),
    };
    let mut conn = state.db.acquire().await?;
    let c = counselors::find(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    drop(conn);
    let form = Fields::from_pairs([("name", c.name), ("phone", c.phone.unwrap_or_default()), ("email", c.email.unwrap_or_default()), ("office", c.office), ("userId", c.user_id.map(|u| u.to_string()).unwrap_or_default())]);
    let mut page = form_page(&state, &me, Some(id), form, FieldMessages::default()).await?;
    page.issued = issued;
    Ok(html(&page))
}
