//! Seed 003 §4 `GET /v1/subject/purpose`: Koala's visit purposes (`GetPurpose`), kept in process
//! for `KOALA_PURPOSE_CACHE_SECS`.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

/// A visit purpose.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "面试"}))]
pub struct PurposeView {
    id: Option<i64>,
    name: String,
}

#[utoipa::path(get, path = "/v1/subject/purpose", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "Koala's visit purposes", body = Vec<PurposeView>),
        (status = 502, description = "`koala_unavailable`", body = ErrorEnvelope)))]
/// 选择来访目的.
pub async fn list(State(state): State<AppState>, _: AuthUser) -> ApiResult<Json<Vec<PurposeView>>> {
    let koala = state.koala()?;
    let list = koala.waiting(|k| async move { k.purposes().await }).await?;
    Ok(Json(list.into_iter().map(|p| PurposeView { id: p.id, name: p.name }).collect()))
}
