//! Seed 002's session routes: `GET /current-user/` and `GET /current-user/meta/`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use yizhan_common::users;

use super::views::UserView;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

pub async fn show(auth: AuthUser) -> Json<UserView> {
    Json(auth.user.into())
}

pub async fn meta(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<Value>> {
    let mut conn = state.db.acquire().await?;
    let meta = users::meta(&mut conn, auth.user.id).await?;
    let user = auth.user;
    Ok(Json(json!({
        "id": user.id,
        "name": user.name,
        "position": meta.position,
        "department": meta.department,
        "qq": meta.qq,
        "telephone": meta.telephone,
        "mobile": user.phone,
        "email": user.email,
    })))
}
