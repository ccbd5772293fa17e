//! Seed 002's session routes: `GET /current-user/` and `GET /current-user/meta/`.

use axum::extract::State;
use axum::Json;
use yizhan_common::users;

use super::views::{ContactCard, UserView};
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

pub async fn show(auth: AuthUser) -> Json<UserView> {
    Json(auth.user.into())
}

pub async fn meta(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<ContactCard>> {
    let mut conn = state.db.acquire().await?;
    let meta = users::meta(&mut conn, auth.user.id).await?;
    let user = auth.user;
    Ok(Json(ContactCard {
        department: meta.department,
        email: user.email,
        id: user.id,
        mobile: user.phone,
        name: user.name,
        position: meta.position,
        qq: meta.qq,
        telephone: meta.telephone,
    }))
}
