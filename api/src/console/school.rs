//! What seed 004's console pages share: each page calls its JSON route's handler (so the scope
//! rules of `yizhan_common::notices::Scope`, the checks and the 404s are the JSON API's), with the
//! signed-in user as the handler's caller, the form turned into the handler's JSON body, and the
//! handler's answer read into the page's own shape.

use serde::de::DeserializeOwned;
use serde::Serialize;
use yizhan_common::users::User;

use super::session::Signed;
use super::PageError;
use crate::error::ApiError;
use crate::extract::{Authorized, RoleSet};

/// The console user as a JSON handler's caller holding a role of `R` (403 otherwise).
pub fn caller<R: RoleSet, S: RoleSet>(me: &Signed<S>) -> Result<Authorized<R>, PageError> {
    user_caller(me.user())
}

/// A signed-in user as a JSON handler's caller holding a role of `R` (403 otherwise).
pub fn user_caller<R: RoleSet>(user: &User) -> Result<Authorized<R>, PageError> {
    Authorized::of_user(user.clone()).ok_or_else(PageError::forbidden)
}

/// A JSON answer read as the page's own shape.
pub fn as_page<T: Serialize, U: DeserializeOwned>(v: &T) -> Result<U, PageError> {
    Ok(crate::notice_shapes::read(v)?)
}

/// A handler's request body (or query) from the form's values.
pub fn body<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| ApiError::field("form", e.to_string()))
}

/// A form's id field; not a number is 0, which no row has (the handler then names the field).
pub fn id_field(raw: &str) -> i64 {
    raw.trim().parse().unwrap_or(0)
}

/// Blank is none.
pub fn blank_none(v: String) -> Option<String> {
    Some(v).filter(|v| !v.is_empty())
}
