//! Admin management of users: `POST /admin/users`, `GET /admin/users`, `PATCH /admin/users/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use yizhan_common::auth::password;
use yizhan_common::users::{self, NewUser, Role, UserPatch};

use super::views::UserView;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    username: String,
    password: SecretString,
    #[serde(default)]
    name: String,
    phone: Option<String>,
    email: Option<String>,
    roles: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let mut errors = FieldErrors::new();
    check_username(&mut errors, &body.username);
    check_password(&mut errors, &body.password);
    errors.optional_text("name", Some(&body.name), 100);
    check_contact(&mut errors, body.phone.as_deref(), body.email.as_deref());
    let roles = parse_roles(&mut errors, &body.roles);
    errors.finish()?;

    let new = NewUser {
        username: body.username.trim().to_owned(),
        password_hash: Some(password::hash(body.password).await?),
        name: body.name.trim().to_owned(),
        phone: body.phone,
        email: body.email,
        roles,
    };
    let mut conn = state.db.acquire().await?;
    let user = users::create(&mut conn, &new).await?;
    tracing::info!(user.id = user.id, "user created");
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize)]
pub struct ListFilter {
    role: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> ApiResult<Json<Page<UserView>>> {
    let role = match filter.role.as_deref().filter(|r| !r.is_empty()) {
        Some(raw) => Some(raw.parse::<Role>().map_err(|e| ApiError::field("role", e))?),
        None => None,
    };
    let mut conn = state.db.acquire().await?;
    let (rows, total) = users::list(&mut conn, role, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(UserView::from).collect(), total, page)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchUser {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    email: Option<Option<String>>,
    roles: Option<Vec<String>>,
    is_active: Option<bool>,
    password: Option<SecretString>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub async fn update(
    State(state): State<AppState>,
    admin: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PatchUser>,
) -> ApiResult<Json<UserView>> {
    let mut errors = FieldErrors::new();
    errors.optional_text("name", body.name.as_deref(), 100);
    check_contact(&mut errors, body.phone.clone().flatten().as_deref(), body.email.clone().flatten().as_deref());
    if let Some(pw) = &body.password {
        check_password(&mut errors, pw);
    }
    let roles = body.roles.as_ref().map(|r| parse_roles(&mut errors, r));
    if admin.user().id == id {
        let drops_admin = roles.as_ref().is_some_and(|r| !r.contains(&Role::Admin));
        errors.check(drops_admin, "roles", "an admin cannot remove their own admin role");
        errors.check(body.is_active == Some(false), "isActive", "an admin cannot deactivate themselves");
    }
    errors.finish()?;

    let password_hash = match body.password {
        Some(pw) => Some(password::hash(pw).await?),
        None => None,
    };
    let patch = UserPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        phone: body.phone,
        email: body.email,
        roles,
        is_active: body.is_active,
        password_hash,
    };
    let mut tx = state.db.begin().await?;
    let user = users::update(&mut tx, id, &patch).await?.ok_or_else(|| ApiError::not_found("user"))?;
    // A password reset ends every session of the old password (in the same transaction).
    let revoked = if patch.password_hash.is_some() { users::revoke_all(&mut tx, user.id).await? } else { 0 };
    tx.commit().await?;
    tracing::info!(user.id = user.id, tokens.revoked = revoked, "user updated");
    Ok(Json(user.into()))
}

fn check_username(errors: &mut FieldErrors, username: &str) {
    let ok_chars = username.chars().all(|c| c.is_alphanumeric() || "@.+-_".contains(c));
    errors.text("username", username, 150);
    errors.check(!ok_chars, "username", "may contain only letters, digits and @ . + - _");
}

fn check_password(errors: &mut FieldErrors, password: &SecretString) {
    let len = password.expose_secret().chars().count();
    errors.check(!(8..=256).contains(&len), "password", "must be 8 to 256 characters");
}

fn check_contact(errors: &mut FieldErrors, phone: Option<&str>, email: Option<&str>) {
    if let Some(phone) = phone {
        let ok = (5..=20).contains(&phone.len()) && phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c));
        errors.check(!ok, "phone", "must be a phone number of 5 to 20 digits");
    }
    if let Some(email) = email {
        let ok = email.len() <= 254 && email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
        errors.check(!ok, "email", "must be an e-mail address");
    }
}

fn parse_roles(errors: &mut FieldErrors, raw: &[String]) -> Vec<Role> {
    let mut roles = Vec::new();
    for name in raw {
        match name.parse::<Role>() {
            Ok(role) if !roles.contains(&role) => roles.push(role),
            Ok(_) => {}
            Err(e) => errors.add("roles", e),
        }
    }
    errors.check(roles.is_empty() && raw.is_empty(), "roles", "must name at least one role");
    roles
}
