//! Seed 002's session route `GET /current-user/` (`/current-user/meta/` is the contact card, in
//! `college/contacts.rs`).

use axum::Json;

use super::views::UserView;
use crate::extract::AuthUser;

pub async fn show(auth: AuthUser) -> Json<UserView> {
    Json(auth.user.into())
}
