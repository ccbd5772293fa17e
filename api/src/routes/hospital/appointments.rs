//! The seed's appointment routes (book, reschedule, cancel) and the patient's own views.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use sqlx::PgConnection;
use yizhan_common::hospital::booking::{self, Expected};
use yizhan_common::hospital::waitlist;
use yizhan_common::hospital::{patients, yuan};
use yizhan_common::subscribe::{plan_promoted, MessageKind, SendTarget, SubscribeInput};
use yizhan_common::time;

use super::subscribe::lenient_input;
use super::views::{BookedView, CancelledView, DetailView, RescheduledView};
use super::PatientRole;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, Authorized, Page, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope, PageQuery, SubscribeFields};
use crate::openapi::TAG_HOSPITAL;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"scheduleId": 123, "patientId": 10, "symptoms": "头痛", "wxCode": "071aBcDe1f23g4", "subscribeAuthResult": {"模板ID1": "accept", "模板ID2": "accept"}, "subscribeScene": "appointment"}))]
pub struct BookBody {
    schedule_id: i64,
    patient_id: i64,
    /// When sent, must be the schedule's hospital.
    hospital_id: Option<i64>,
    /// When sent, must be the schedule's department.
    department_id: Option<i64>,
    /// Optional; `null` is the same as absent.
    #[serde(default)]
    symptoms: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = SubscribeFields)]
    subscribe: SubscribeInput,
}

#[utoipa::path(post, path = "/patient/appointments", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])), request_body = BookBody,
    responses((status = 200, description = "Booked (seed 001 §1's answer)", body = BookedView,
            example = json!({"id": 456, "orderNo": "AP20231216001", "appointmentDate": "2023-12-18", "appointmentTime": "上午 08:00-12:00",
                "queueNumber": 15, "payAmount": 10.0, "needPay": true, "status": "pending", "paymentStatus": "pending"})),
        (status = 404, description = "No such schedule", body = ErrorEnvelope),
        (status = 409, description = "`schedule_full` (join the waitlist), `schedule_closed`, `already_booked`", body = ErrorEnvelope)))]
/// Books a place on a schedule for one of the account's patients (seed 001 §1).
pub async fn book(State(state): State<AppState>, auth: Authorized<PatientRole>, ApiJson(b): ApiJson<BookBody>) -> ApiResult<Json<BookedView>> {
    let mut errors = FieldErrors::new();
    let symptoms = b.symptoms.as_deref().unwrap_or_default();
    errors.optional_text("symptoms", Some(symptoms), 500);
    errors.finish()?;
    let user_id = auth.user().id;
    let mut tx = state.db.begin().await?;
    let appointment_id = booking::appointment_id_for(&mut tx, user_id, b.patient_id).await?.ok_or_else(not_your_patient)?;
    // The decisions and the message first: they do not need the schedule, whose row `book` holds
    // until commit (bookings of one schedule take turns for its statement and COMMIT only).
    let mut jobs = Enqueued::default();
    jobs.subscribe_fields(&mut tx, &state, user_id, &b.subscribe).await?;
    jobs.message(&mut tx, &state, MessageKind::AppointmentSuccess, user_id, SendTarget::Appointment(appointment_id), "booked").await?;
    let expected = Expected { hospital_id: b.hospital_id, department_id: b.department_id };
    let appointment = booking::book(&mut tx, appointment_id, user_id, b.patient_id, b.schedule_id, expected, symptoms.trim(), state.local_now()).await?;
    jobs.late_reminder(&mut tx, &state, user_id, appointment.id, appointment.date).await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(appointment.id = appointment.id, schedule.id = b.schedule_id, "appointment booked");
    Ok(Json(BookedView::from(&appointment)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"scheduleId": 456, "wxCode": "071aBcDe1f23g4", "subscribeAuthResult": {"模板ID5": "accept"}, "subscribeScene": "reschedule"}))]
pub struct RescheduleBody {
    schedule_id: i64,
    #[serde(flatten)]
    #[schema(value_type = SubscribeFields)]
    subscribe: SubscribeInput,
}

#[utoipa::path(put, path = "/patient/appointments/{id}/reschedule", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])),
    params(("id" = i64, Path, description = "The appointment's id")), request_body = RescheduleBody,
    responses((status = 200, description = "Moved (seed 001 §3's answer)", body = RescheduledView,
            example = json!({"id": 456, "orderNo": "AP20231216001", "appointmentDate": "2023-12-20", "appointmentTime": "下午 14:00-18:00", "queueNumber": 8, "status": "pending"})),
        (status = 404, description = "No such appointment of the account's, or no such schedule", body = ErrorEnvelope),
        (status = 409, description = "`schedule_full`, `same_schedule`, `appointment_closed`, `fee_differs`, …", body = ErrorEnvelope)))]
/// Moves an appointment to another schedule (seed 001 §3).
pub async fn reschedule(
    State(state): State<AppState>,
    auth: Authorized<PatientRole>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RescheduleBody>,
) -> ApiResult<Json<RescheduledView>> {
    let user_id = auth.user().id;
    let mut tx = state.db.begin().await?;
    let (moved, freed) = booking::reschedule(&mut tx, user_id, id, b.schedule_id, state.local_now()).await?;
    let mut jobs = Enqueued::default();
    jobs.subscribe_fields(&mut tx, &state, user_id, &b.subscribe).await?;
    let occasion = format!("to:{}:{}", moved.schedule_id, moved.queue_number);
    jobs.message(&mut tx, &state, MessageKind::RescheduleSuccess, user_id, SendTarget::Appointment(id), &occasion).await?;
    jobs.late_reminder(&mut tx, &state, user_id, id, moved.date).await?;
    promote_freed(&mut tx, &state, &mut jobs, freed).await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(appointment.id = id, schedule.id = b.schedule_id, "appointment rescheduled");
    Ok(Json(RescheduledView::from(&moved)))
}

#[utoipa::path(delete, path = "/patient/appointments/{id}", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])),
    params(("id" = i64, Path, description = "The appointment's id")),
    request_body(content = SubscribeFields, description = "Optional: only the subscribe fields; an empty, `null` or unreadable body still cancels"),
    responses((status = 200, description = "Cancelled (seed 001 §4's answer)", body = CancelledView, example = json!({"success": true, "refundAmount": 10.0})),
        (status = 404, description = "No such appointment of the account's", body = ErrorEnvelope),
        (status = 409, description = "`already_cancelled` or `appointment_closed`", body = ErrorEnvelope)))]
/// `DELETE /patient/appointments/{id}` (and its POST `/cancel` alias). The body only carries the
/// optional subscribe fields, so an empty, `null`, malformed or non-JSON body still cancels.
pub async fn cancel(State(state): State<AppState>, auth: Authorized<PatientRole>, ApiPath(id): ApiPath<i64>, body: Bytes) -> ApiResult<Json<CancelledView>> {
    let user_id = auth.user().id;
    let mut tx = state.db.begin().await?;
    let cancelled = booking::cancel(&mut tx, user_id, id, state.local_now().date()).await?;
    let mut jobs = Enqueued::default();
    jobs.add(cancelled.refund_job);
    jobs.subscribe_fields(&mut tx, &state, user_id, &lenient_input(&body)).await?;
    jobs.message(&mut tx, &state, MessageKind::Cancelled, user_id, SendTarget::Appointment(id), "cancelled").await?;
    promote_freed(&mut tx, &state, &mut jobs, cancelled.appointment.schedule_id).await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(appointment.id = id, "appointment cancelled");
    Ok(Json(CancelledView { refund_amount: yuan(cancelled.refund_cents()), success: true }))
}

#[utoipa::path(get, path = "/patient/appointments/{id}", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])),
    params(("id" = i64, Path, description = "The appointment's id")),
    responses((status = 200, description = "The appointment", body = DetailView),
        (status = 404, description = "No such appointment of the account's", body = ErrorEnvelope)))]
/// One of the account's appointments.
pub async fn show(State(state): State<AppState>, auth: Authorized<PatientRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<DetailView>> {
    let mut conn = state.db.acquire().await?;
    let appointment = booking::find_owned(&mut conn, auth.user().id, id).await?.ok_or_else(|| ApiError::not_found("appointment"))?;
    Ok(Json(DetailView::from(&appointment)))
}

#[utoipa::path(get, path = "/patient/appointments", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])), params(PageQuery),
    responses((status = 200, description = "One page of the account's appointments", body = Page<DetailView>)))]
/// The account's appointments, newest first.
pub async fn mine(State(state): State<AppState>, auth: Authorized<PatientRole>, page: Pagination) -> ApiResult<Json<Page<DetailView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = booking::list_owned(&mut conn, auth.user().id, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.iter().map(DetailView::from).collect(), total, page)))
}

/// Gives a freed place to the waitlist and plans the promoted messages (with the visit reminder
/// at once when tonight's planning for the promoted day already ran).
pub(crate) async fn promote_freed(conn: &mut PgConnection, state: &AppState, jobs: &mut Enqueued, schedule_id: i64) -> ApiResult<()> {
    let now = state.now();
    for p in waitlist::promote(conn, schedule_id, time::local(now).naive_local()).await? {
        tracing::info!(waitlist.id = p.entry_id, appointment.id = p.appointment_id, "waitlist entry promoted");
        jobs.add(plan_promoted(conn, &state.config.templates, p.user_id, p.appointment_id, p.visit_date, now).await?);
    }
    Ok(())
}

pub(super) async fn check_patient(conn: &mut PgConnection, user_id: i64, patient_id: i64) -> ApiResult<()> {
    match patients::owned(conn, user_id, patient_id).await? {
        Some(_) => Ok(()),
        None => Err(not_your_patient()),
    }
}

fn not_your_patient() -> ApiError {
    ApiError::field("patientId", "is not one of your patients")
}

