//! Seed 002's session route `GET /current-user/` (`/current-user/meta/` is the contact card, in
//! `college/contacts.rs`).

use axum::Json;

use super::views::UserView;
use crate::extract::AuthUser;
use crate::openapi::TAG_USERS;

#[utoipa::path(get, path = "/current-user/", tag = TAG_USERS, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = UserView)))]
/// The signed-in user.
pub async fn show(auth: AuthUser) -> Json<UserView> {
    Json(auth.user.into())
}
