//! `POST /patient/patients {"name","phone"}` → `{"id"}` and `GET /patient/patients`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::hospital::patients::{self, MAX_PER_USER};

use super::views::PatientView;
use super::PatientRole;
use crate::routes::views::{Created, List};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, Authorized};
use crate::state::AppState;
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_HOSPITAL;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "张三", "phone": "13812345678"}))]
pub struct NewPatient {
    name: String,
    phone: String,
}

#[utoipa::path(post, path = "/patient/patients", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])), request_body = NewPatient,
    responses((status = 201, description = "Created", body = Created),
        (status = 409, description = "`too_many_patients`", body = ErrorEnvelope)))]
/// Adds a patient to the account.
pub async fn create(State(state): State<AppState>, auth: Authorized<PatientRole>, ApiJson(b): ApiJson<NewPatient>) -> ApiResult<(StatusCode, Json<Created>)> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    errors.phone("phone", &b.phone);
    errors.finish()?;
    let phone = b.phone.trim();
    let mut tx = state.db.begin().await?;
    let id = patients::create(&mut tx, auth.user().id, b.name.trim(), phone)
        .await?
        .ok_or_else(|| ApiError::conflict("too_many_patients", format!("at most {MAX_PER_USER} patients per account")))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/patient/patients", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])),
    responses((status = 200, description = "The account's patients", body = List<PatientView>)))]
/// The account's patients.
pub async fn list(State(state): State<AppState>, auth: Authorized<PatientRole>) -> ApiResult<Json<List<PatientView>>> {
    let mut conn = state.db.acquire().await?;
    let rows = patients::list(&mut conn, auth.user().id).await?;
    Ok(Json(List::new(rows.into_iter().map(|p| PatientView { id: p.id, name: p.name, phone: p.phone }).collect())))
}
