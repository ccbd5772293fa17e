//! `POST /patient/waitlist`: join a full schedule's waitlist (seed 001 §2).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::hospital::waitlist;
use yizhan_common::subscribe::{MessageKind, SendTarget, SubscribeInput};

use super::appointments::check_patient;
use super::views::WaitingView;
use super::PatientRole;
use crate::enqueued::Enqueued;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Authorized};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope, SubscribeFields};
use crate::openapi::TAG_HOSPITAL;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"scheduleId": 123, "patientId": 10, "wxCode": "071aBcDe1f23g4", "subscribeAuthResult": {"模板ID3": "accept"}, "subscribeScene": "waitlist"}))]
pub struct JoinBody {
    schedule_id: i64,
    patient_id: i64,
    #[serde(flatten)]
    #[schema(value_type = SubscribeFields)]
    subscribe: SubscribeInput,
}

#[utoipa::path(post, path = "/patient/waitlist", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])), request_body = JoinBody,
    responses((status = 200, description = "On the waitlist (seed 001 §2's answer, with `position`)", body = WaitingView,
            example = json!({"id": 789, "scheduleId": 123, "queueNumber": 3, "position": 1, "status": "waiting", "createdAt": "2023-12-16T10:30:00+08:00"})),
        (status = 404, description = "No such schedule", body = ErrorEnvelope),
        (status = 409, description = "`schedule_available` (book instead), `already_waiting`, `too_many_waiting`, `schedule_closed`", body = ErrorEnvelope)))]
/// Joins a full schedule's waitlist (seed 001 §2).
pub async fn join(State(state): State<AppState>, auth: Authorized<PatientRole>, ApiJson(b): ApiJson<JoinBody>) -> ApiResult<Json<WaitingView>> {
    let user_id = auth.user().id;
    let mut tx = state.db.begin().await?;
    check_patient(&mut tx, user_id, b.patient_id).await?;
    let entry = waitlist::join(&mut tx, user_id, b.patient_id, b.schedule_id, state.config.waitlist_max_per_user, state.local_now()).await?;
    let mut jobs = Enqueued::default();
    jobs.subscribe_fields(&mut tx, &state, user_id, &b.subscribe).await?;
    jobs.message(&mut tx, &state, MessageKind::WaitlistSuccess, user_id, SendTarget::Waitlist(entry.id), "joined").await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(waitlist.id = entry.id, schedule.id = b.schedule_id, "waitlist joined");
    Ok(Json(WaitingView::from(&entry)))
}
