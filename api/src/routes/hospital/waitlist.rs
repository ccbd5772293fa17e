//! `POST /patient/waitlist`: join a full schedule's waitlist (seed 001 §2).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use yizhan_common::hospital::waitlist;
use yizhan_common::subscribe::{MessageKind, SendTarget, SubscribeInput};

use super::appointments::check_patient;
use super::views::WaitingView;
use super::PatientRole;
use crate::enqueued::Enqueued;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Authorized};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinBody {
    schedule_id: i64,
    patient_id: i64,
    #[serde(flatten)]
    subscribe: SubscribeInput,
}

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
