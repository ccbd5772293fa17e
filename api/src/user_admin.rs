//! Managing users as an admin: the checks and writes behind both the JSON routes
//! (`POST /admin/users`, `PATCH /admin/users/{id}`) and the console's user pages, so both give
//! the same per-field errors (keyed by the JSON field names) and change the same rows.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::auth::password;
use yizhan_common::users::{self, NewUser, Role, User, UserPatch};

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// A new user as the JSON body (or the console's form) gives it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"username": "wang.li", "password": "a-long-password", "name": "王丽", "roles": ["staff"]}))]
pub struct CreateUser {
    pub username: String,
    #[schema(value_type = String, format = Password, min_length = 8)]
    pub password: SecretString,
    #[serde(default)]
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Role names: `admin`, `staff`, `patient`, `visitor`, `student`, `counselor`.
    pub roles: Vec<String>,
}

/// Checks every field (422 naming each bad one), then creates the user (409 `username_taken`).
pub async fn create(state: &AppState, body: CreateUser) -> ApiResult<User> {
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
    Ok(user)
}

/// Changes to a user; an absent field stays as it is.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchUser {
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<String>>,
    pub is_active: Option<bool>,
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Checks the changes (an admin cannot drop their own admin role or disable themselves), then
/// applies them; a new password ends every API token and console session of that user.
pub async fn update(state: &AppState, admin: &User, id: i64, body: PatchUser) -> ApiResult<User> {
    let mut errors = FieldErrors::new();
    errors.optional_text("name", body.name.as_deref(), 100);
    check_contact(&mut errors, body.phone.clone().flatten().as_deref(), body.email.clone().flatten().as_deref());
    if let Some(pw) = &body.password {
        check_password(&mut errors, pw);
    }
    let roles = body.roles.as_ref().map(|r| parse_roles(&mut errors, r));
    if admin.id == id {
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
    let (revoked, ended) = if patch.password_hash.is_some() {
        (users::revoke_all(&mut tx, user.id).await?, users::end_all_sessions(&mut tx, user.id).await?)
    } else {
        (0, 0)
    };
    tx.commit().await?;
    state.tokens.forget_all();
    tracing::info!(user.id = user.id, tokens.revoked = revoked, sessions.ended = ended, "user updated");
    Ok(user)
}

/// The `role` filter of a user list: empty is none, an unknown name a 422 on `role`.
pub fn role_filter(raw: Option<&str>) -> ApiResult<Option<Role>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => raw.parse::<Role>().map(Some).map_err(|e| ApiError::field("role", e)),
        None => Ok(None),
    }
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
