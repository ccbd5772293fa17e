//! `POST /api/admin/nurses/msg/wx/qrcode {"departmentId"}` (seed 000 §1): the department's permanent
//! QR code. Created once through a job; the route waits for it up to `QRCODE_WAIT_MS` (woken by the
//! job's `NOTIFY qrcode_settled`, see `crate::awaiting`) and otherwise
//! answers 202 with where to poll (`GET` on the same path with `?departmentId=`). Asking again for
//! a department that has its code returns it without calling WeChat. A code left `pending` longer
//! than `QRCODE_RECLAIM_SECS` (its job died) is claimed again and a new job started.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yizhan_common::follow::qrcodes::{self, DepartmentCode, QrcodeStatus};

use super::views::{Outcome, QrCodeAnswer};
use crate::follow_admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiJson, ApiQuery, Authorized};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope};
use crate::openapi::TAG_FOLLOW;

#[derive(Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"departmentId": 123}))]
pub struct DepartmentRef {
    department_id: i64,
}

#[utoipa::path(post, path = "/api/admin/nurses/msg/wx/qrcode", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = DepartmentRef,
    responses((status = 200, description = "The department's permanent QR code (seed 000 §1)", body = QrCodeAnswer,
            example = json!({"result": {"success": true}, "qrcodeUrl": "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="})),
        (status = 202, description = "Still being created: poll the `poll` URL", body = QrCodeAnswer,
            example = json!({"poll": "/api/admin/nurses/msg/wx/qrcode?departmentId=123", "result": {"success": false}, "status": "pending"})),
        (status = 404, description = "No such department", body = ErrorEnvelope),
        (status = 502, description = "`wechat_failed`: WeChat did not create the code (ask again to retry)", body = ErrorEnvelope)))]
/// Creates (once) and answers a department's permanent QR code; waits up to `QRCODE_WAIT_MS`.
pub async fn create(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiJson(b): ApiJson<DepartmentRef>,
) -> ApiResult<(StatusCode, Json<QrCodeAnswer>)> {
    let code = follow_admin::request_code(&state, b.department_id).await?;
    if code.status == Some(QrcodeStatus::Ready) {
        return answer(code);
    }
    let (db, department_id) = (state.db.clone(), b.department_id);
    let settled = state
        .awaiting
        .until(&state.db, qrcodes::SETTLED_CHANNEL, department_id.to_string(), state.config.qrcode_wait, || {
            let db = db.clone();
            async move {
                let mut conn = db.acquire().await?;
                Ok(qrcodes::find(&mut conn, department_id).await?.filter(|c| c.status != Some(QrcodeStatus::Pending)))
            }
        })
        .await?;
    match settled {
        Some(code) => answer(code),
        None => {
            let mut conn = state.db.acquire().await?;
            answer(qrcodes::find(&mut conn, department_id).await?.ok_or_else(|| ApiError::not_found("department"))?)
        }
    }
}

#[utoipa::path(get, path = "/api/admin/nurses/msg/wx/qrcode", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(DepartmentRef),
    responses((status = 200, description = "The code is ready", body = QrCodeAnswer),
        (status = 202, description = "Still being created", body = QrCodeAnswer),
        (status = 404, description = "No such department, or no code asked for", body = ErrorEnvelope),
        (status = 502, description = "`wechat_failed`", body = ErrorEnvelope)))]
/// `GET …/qrcode?departmentId=`: the code's current state (for clients that got a 202).
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiQuery(q): ApiQuery<DepartmentRef>) -> ApiResult<(StatusCode, Json<QrCodeAnswer>)> {
    let mut conn = state.db.acquire().await?;
    let code = qrcodes::find(&mut conn, q.department_id).await?.ok_or_else(|| ApiError::not_found("department"))?;
    if code.status.is_none() {
        return Err(ApiError::not_found("QR code"));
    }
    answer(code)
}

fn answer(code: DepartmentCode) -> ApiResult<(StatusCode, Json<QrCodeAnswer>)> {
    match code.status {
        Some(QrcodeStatus::Ready) => Ok((StatusCode::OK, Json(QrCodeAnswer::Ready { qrcode_url: code.image_url, result: Outcome { success: true } }))),
        Some(QrcodeStatus::Failed) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "wechat_failed",
            format!("WeChat did not create the code: {}; ask again to retry", code.last_error.unwrap_or_default()),
        )),
        _ => Ok((
            StatusCode::ACCEPTED,
            Json(QrCodeAnswer::Pending {
                poll: format!("/api/admin/nurses/msg/wx/qrcode?departmentId={}", code.department_id),
                result: Outcome { success: false },
                status: "pending",
            }),
        )),
    }
}
