//! Seed 002 (college staff services): snake_case fields, trailing slashes, `Token` (or Bearer)
//! auth, pages of 20 in Django REST framework's shape (`count`, `next`, `previous`, `results`).

mod contacts;
mod page;

use axum::routing::{get, post};
use axum::Router;
use yizhan_common::users::Role;

use crate::extract::RoleSet;
use crate::state::AppState;

/// Users in the contact book: staff, admins and counselors.
#[derive(Debug)]
pub struct BookRole;

impl RoleSet for BookRole {
    const ROLES: &'static [Role] = &[Role::Staff, Role::Admin, Role::Counselor];
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/current-user/meta/", get(contacts::my_card).put(contacts::replace_card).patch(contacts::change_card))
        .route("/contacts/", get(contacts::list))
        .route("/friends/{user_id}/", post(contacts::add_friend).delete(contacts::remove_friend))
}
