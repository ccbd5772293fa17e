//! Users and roles: the list (search, role filter, pages, CSV), creating a user, and changing a
//! user's name, contacts, roles, active flag or password. Checks and writes are
//! `crate::user_admin`'s, the same as `POST/PATCH /admin/users`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use yizhan_common::users::{self, Role, User, UserFilter};

use super::csv::Csv;
use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, local_time, role_label, Layout};
use super::list::{pagination, Pager};
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::state::AppState;
use crate::user_admin::{self, CreateUser, PatchUser};

const LIST: &str = "/admin/console/users";
/// Most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;

#[derive(Debug)]
struct RoleOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_options(selected: &[Role]) -> Vec<RoleOption> {
    Role::ALL.iter().map(|r| RoleOption { value: r.as_str(), label: role_label(*r), selected: selected.contains(r) }).collect()
}

fn role_labels(user: &User) -> String {
    user.roles.0.iter().map(|r| role_label(*r)).collect::<Vec<_>>().join("、")
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<UserFilter, PageError> {
        let role = user_admin::role_filter(self.role.as_deref())?;
        Ok(UserFilter { role, search: self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned) })
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRow>,
    q: String,
    roles: Vec<RoleOption>,
    pager: Pager,
    csv_href: String,
}

struct UserRow {
    id: i64,
    username: String,
    name: String,
    phone: String,
    email: String,
    roles: String,
    active: bool,
    created: String,
}

impl From<User> for UserRow {
    fn from(u: User) -> Self {
        let roles = role_labels(&u);
        Self {
            id: u.id,
            username: u.username,
            name: u.name,
            phone: u.phone.unwrap_or_default(),
            email: u.email.unwrap_or_default(),
            roles,
            active: u.is_active,
            created: local_time(u.created_at),
        }
    }
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let filter = q.filter()?;
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = users::list(&mut conn, &filter, page.limit(), page.offset()).await?;
    drop(conn);
    let search = filter.search.clone().unwrap_or_default();
    let role = filter.role.map_or("", Role::as_str);
    let params = [("q", search.as_str()), ("role", role)];
    let csv_query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter().filter(|(_, v)| !v.is_empty())).finish();
    let page = UsersPage {
        layout: Layout::new(&state, &me.session, "users", "用户与角色").await?,
        rows: rows.into_iter().map(UserRow::from).collect(),
        q: search.clone(),
        roles: role_options(&filter.role.into_iter().collect::<Vec<_>>()),
        pager: Pager::new(LIST, &params, page, u64::try_from(total).unwrap_or(0)),
        csv_href: format!("{LIST}.csv?{csv_query}"),
    };
    Ok(html(&page))
}

/// The whole filtered list (up to [`CSV_MAX_ROWS`]) as CSV.
pub async fn export(State(state): State<AppState>, _me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let filter = q.filter()?;
    let mut csv = Csv::new(&["id", "用户名", "姓名", "电话", "邮箱", "角色", "启用", "创建时间"]);
    let mut conn = state.db.acquire().await?;
    let (rows, _) = users::list(&mut conn, &filter, CSV_MAX_ROWS, 0).await?;
    for u in rows {
        let (id, active, created, roles) = (u.id.to_string(), if u.is_active { "是" } else { "否" }, local_time(u.created_at), u.roles.as_strings().join(" "));
        csv.row([id.as_str(), &u.username, &u.name, u.phone.as_deref().unwrap_or(""), u.email.as_deref().unwrap_or(""), &roles, active, &created]);
    }
    Ok(csv.into_response("users.csv"))
}

#[derive(Template)]
#[template(path = "console/user_form.html")]
struct UserForm {
    layout: Layout,
    action: String,
    editing: bool,
    username: String,
    name: String,
    phone: String,
    email: String,
    roles: Vec<RoleOption>,
    is_active: bool,
    errors: FieldMessages,
}

impl UserForm {
    /// The form again with what was typed (never the password) and the messages.
    fn from_fields(layout: Layout, action: String, editing: bool, f: &Fields, errors: FieldMessages) -> Self {
        let roles: Vec<Role> = f.all("roles").iter().filter_map(|r| r.parse().ok()).collect();
        Self {
            layout,
            action,
            editing,
            username: f.text("username"),
            name: f.text("name"),
            phone: f.text("phone"),
            email: f.text("email"),
            roles: role_options(&roles),
            is_active: f.has("isActive"),
            errors,
        }
    }
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    let layout = Layout::new(&state, &me.session, "users", "新建用户").await?;
    let form = UserForm::from_fields(layout, format!("{LIST}/new"), false, &Fields::default(), FieldMessages::default());
    Ok(html(&UserForm { is_active: true, ..form }))
}

pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let body = CreateUser {
        username: f.text("username"),
        password: SecretString::from(f.raw("password")),
        name: f.text("name"),
        phone: f.optional("phone"),
        email: f.optional("email"),
        roles: f.all("roles"),
    };
    match user_admin::create(&state, body).await {
        Ok(user) => {
            flash(&state, &me.session, &format!("已创建用户 {}。", user.username)).await?;
            Ok(Redirect::to(&format!("{LIST}/{}", user.id)).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let layout = Layout::new(&state, &me.session, "users", "新建用户").await?;
            let form = UserForm::from_fields(layout, format!("{LIST}/new"), false, &f, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form)).into_response())
        }
    }
}

async fn find(state: &AppState, id: &str) -> Result<User, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    users::find_by_id(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let user = find(&state, &id).await?;
    let layout = Layout::new(&state, &me.session, "users", format!("编辑用户 {}", user.username)).await?;
    Ok(html(&UserForm {
        layout,
        action: format!("{LIST}/{}", user.id),
        editing: true,
        roles: role_options(&user.roles.0),
        is_active: user.is_active,
        username: user.username,
        name: user.name,
        phone: user.phone.unwrap_or_default(),
        email: user.email.unwrap_or_default(),
        errors: FieldMessages::default(),
    }))
}

pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let user = find(&state, &id).await?;
    let patch = PatchUser {
        name: Some(f.text("name")),
        phone: Some(f.optional("phone")),
        email: Some(f.optional("email")),
        roles: Some(f.all("roles")),
        is_active: Some(f.has("isActive")),
        password: Some(f.raw("password")).filter(|p| !p.is_empty()).map(SecretString::from),
    };
    match user_admin::update(&state, me.user(), user.id, patch).await {
        Ok(updated) => {
            flash(&state, &me.session, &format!("已保存用户 {}。", updated.username)).await?;
            Ok(Redirect::to(&format!("{LIST}/{}", updated.id)).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let layout = Layout::new(&state, &me.session, "users", format!("编辑用户 {}", user.username)).await?;
            let form = UserForm::from_fields(layout, format!("{LIST}/{}", user.id), true, &f, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&UserForm { username: user.username, ..form })).into_response())
        }
    }
}

