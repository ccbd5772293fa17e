//! 预约 (seed 002 四.1): `POST /reservations/` asks for a room; the single-consumer
//! `reservations` queue decides and the request waits for the decision (up to
//! `RESERVATION_WAIT_MS`): 201 with the reservation, 409 `room_taken` naming the period in the
//! way, or 202 with the request's status URL (`GET /reservations/requests/{id}/`) when the
//! decision takes longer. `GET /reservations/` lists one's own, `GET|DELETE /reservations/{id}/`
//! shows or cancels one (its owner, or an admin, whose cancel is told to the owner). The owner's
//! notices come as subscribe messages where the body's optional `subscribe_auth_result` granted
//! them (see `notice`), else by e-mail.

use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::college::reservations::decide::DECIDED_CHANNEL;
use yizhan_common::college::reservations::{self, Refusal, Request, RequestStatus, Reservation, ReservationStatus};
use yizhan_common::jobs::kinds::DecideReservation;
use yizhan_common::outbox::Enqueue;
use yizhan_common::subscribe::SubscribeInput;
use yizhan_common::time::serialize_local;

use super::page::DrfPage;
use super::{BookRole, CancelledQuery};
use crate::college_admin::reservations::{self as reservations_admin, check_period, may_see, room_taken, visible};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors, PeriodView};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

/// A reservation as seed 002's front end sees it (`meetingroom` is the room's id, as in requests).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created_at": "2026-12-01T10:00:00+08:00", "description": "周例会", "id": 12, "location": "行政楼", "meetingroom": 3,
    "meetingroom_name": "301", "reserve_from": "2026-12-04T09:00:00+08:00", "reserve_to": "2026-12-04T10:00:00+08:00", "status": "confirmed", "user": 42}))]
pub struct ReservationView {
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    description: String,
    id: i64,
    location: String,
    /// The room's id.
    meetingroom: i64,
    meetingroom_name: String,
    #[serde(serialize_with = "serialize_local")]
    reserve_from: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    reserve_to: DateTime<Utc>,
    #[schema(schema_with = crate::openapi::schemas::reservation_status)]
    status: ReservationStatus,
    /// The owner's user id.
    user: i64,
}

impl From<Reservation> for ReservationView {
    fn from(r: Reservation) -> Self {
        Self {
            created_at: r.created_at,
            description: r.description,
            id: r.id,
            location: r.location,
            meetingroom: r.room_id,
            meetingroom_name: r.room_name,
            reserve_from: r.period.from,
            reserve_to: r.period.to,
            status: r.status,
            user: r.user_id,
        }
    }
}

/// A request and where it stands: `reservation` once accepted, `refusal` (and `conflict` for
/// `room_taken`) once refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    /// The period in the way, once refused as `room_taken`.
    conflict: Option<PeriodView>,
    id: i64,
    meetingroom: i64,
    #[schema(schema_with = crate::openapi::schemas::refusal_or_null)]
    refusal: Option<Refusal>,
    #[serde(serialize_with = "serialize_local")]
    reserve_from: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    reserve_to: DateTime<Utc>,
    /// The reservation, once accepted.
    reservation: Option<ReservationView>,
    #[schema(schema_with = crate::openapi::schemas::request_status)]
    status: RequestStatus,
    /// Where to poll this request.
    url: String,
}

fn status_url(id: i64) -> String {
    format!("/reservations/requests/{id}/")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reserve_from": "2026-12-04T09:00:00+08:00", "reserve_to": "2026-12-04T10:00:00+08:00", "description": "周例会", "meetingroom": 3}))]
pub struct ReserveBody {
    /// Required: ISO 8601 with an offset.
    reserve_from: Option<DateTime<FixedOffset>>,
    /// Required: after `reserve_from`, at most 24 hours later.
    reserve_to: Option<DateTime<FixedOffset>>,
    description: Option<String>,
    /// Required: the room's id.
    meetingroom: Option<i64>,
    /// Optional, as seed 001's `wxCode`/`subscribeAuthResult`/`subscribeScene` (snake_case here):
    /// what the Mini Program's `wx.requestSubscribeMessage` answered, so the notices of this
    /// reservation can come as subscribe messages. Read leniently: never an error.
    #[schema(value_type = Option<String>)]
    wx_code: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    subscribe_auth_result: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    subscribe_scene: Option<serde_json::Value>,
}

#[utoipa::path(post, path = "/reservations/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), request_body = ReserveBody,
    responses((status = 201, description = "Reserved (`Location`: the reservation)", body = ReservationView,
            headers(("Location" = String, description = "The reservation's URL: `/reservations/{id}/`"))),
        (status = 202, description = "Not decided yet (`Location`: the request; poll it)", body = RequestView,
            headers(("Location" = String, description = "The request's status URL: `/reservations/requests/{id}/`"))),
        (status = 409, description = "`room_taken` (with `conflict`, the period in the way) or `room_unavailable`", body = ErrorEnvelope,
            example = json!({"error": {"code": "room_taken", "message": "the room is reserved for part of that time",
                "conflict": {"reserve_from": "2026-12-04T09:30:00+08:00", "reserve_to": "2026-12-04T11:00:00+08:00"}}}))))]
/// `POST /reservations/ {reserve_from, reserve_to, description, meetingroom}`.
pub async fn create(State(state): State<AppState>, who: Authorized<BookRole>, ApiJson(b): ApiJson<ReserveBody>) -> ApiResult<Response> {
    let mut errors = FieldErrors::new();
    errors.check(b.reserve_from.is_none(), "reserve_from", "is required");
    errors.check(b.reserve_to.is_none(), "reserve_to", "is required");
    errors.check(b.meetingroom.is_none(), "meetingroom", "is required");
    errors.optional_text("description", b.description.as_deref(), 500);
    let period = check_period(&mut errors, b.reserve_from, b.reserve_to, state.now());
    errors.finish()?;
    let (Some(period), Some(room)) = (period, b.meetingroom) else { return Err(ApiError::field("reserve_to", "must be after reserve_from")) };
    let mut tx = state.db.begin().await?;
    if !reservations::bookable(&mut tx, room).await? {
        return Err(ApiError::field("meetingroom", "no bookable meeting room has this id"));
    }
    let description = b.description.unwrap_or_default();
    let id = reservations::request(&mut tx, who.user().id, room, period, description.trim()).await?;
    let mut jobs = Enqueued::default();
    let subscribe = SubscribeInput::new(b.wx_code, b.subscribe_auth_result, b.subscribe_scene);
    jobs.subscribe_fields(&mut tx, &state, who.user().id, &subscribe).await?;
    jobs.add(DecideReservation { request_id: id }.enqueue(&mut tx).await?);
    jobs.commit(tx, &state).await?;

    let db = state.db.clone();
    let decided = state
        .awaiting
        .until(&state.db, DECIDED_CHANNEL, id.to_string(), state.config.reservation_wait, || {
            let db = db.clone();
            async move {
                let mut conn = db.acquire().await?;
                Ok(reservations::find_request(&mut conn, id).await?.filter(|r| r.status != RequestStatus::Pending))
            }
        })
        .await?;
    let mut conn = state.db.acquire().await?;
    match decided {
        Some(Request { reservation_id: Some(reservation), .. }) => {
            let r = reservations::find(&mut conn, reservation).await?.ok_or_else(|| ApiError::not_found("reservation"))?;
            Ok(located(StatusCode::CREATED, &format!("/reservations/{}/", r.id), ReservationView::from(r)))
        }
        Some(Request { refusal: Some(Refusal::RoomUnavailable), .. }) => {
            Err(ApiError::conflict("room_unavailable", "the room can no longer be reserved"))
        }
        Some(Request { conflict: Some(period), .. }) => Err(room_taken(period)),
        _ => {
            let request = reservations::find_request(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("reservation request"))?;
            let view = request_view(&mut conn, request).await?;
            Ok(located(StatusCode::ACCEPTED, &status_url(id), view))
        }
    }
}

fn located<T: Serialize>(status: StatusCode, location: &str, body: T) -> Response {
    (status, [(header::LOCATION, location.to_owned())], Json(body)).into_response()
}

async fn request_view(conn: &mut sqlx::PgConnection, r: Request) -> ApiResult<RequestView> {
    let reservation = match r.reservation_id {
        Some(id) => reservations::find(conn, id).await?.map(ReservationView::from),
        None => None,
    };
    Ok(RequestView {
        conflict: r.conflict.map(PeriodView::from),
        id: r.id,
        meetingroom: r.room_id,
        refusal: r.refusal,
        reserve_from: r.period.from,
        reserve_to: r.period.to,
        reservation,
        status: r.status,
        url: status_url(r.id),
    })
}

#[utoipa::path(get, path = "/reservations/requests/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The request's id")),
    responses((status = 200, description = "Where the request stands", body = RequestView),
        (status = 404, description = "No such request of the caller's", body = ErrorEnvelope)))]
/// `GET /reservations/requests/{id}/`: where one's request stands (for clients that got a 202).
pub async fn request_status(State(state): State<AppState>, who: Authorized<BookRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RequestView>> {
    let mut conn = state.db.acquire().await?;
    let request = reservations::find_request(&mut conn, id)
        .await?
        .filter(|r| may_see(who.user(), r.user_id))
        .ok_or_else(|| ApiError::not_found("reservation request"))?;
    Ok(Json(request_view(&mut conn, request).await?))
}

#[utoipa::path(get, path = "/reservations/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), params(CancelledQuery, DrfPageQuery),
    responses((status = 200, description = "One page of my reservations: coming ones first (soonest first), then past ones", body = DrfPage<ReservationView>)))]
/// `GET /reservations/?cancelled=yes`: one's reservations, those not yet over first (soonest
/// first), then past ones; cancelled ones only with `cancelled=yes`. 20 per page.
pub async fn mine(
    State(state): State<AppState>,
    who: Authorized<BookRole>,
    ApiQuery(q): ApiQuery<CancelledQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<ReservationView>>> {
    let cancelled = q.included()?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = reservations::mine(&mut conn, who.user().id, cancelled, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(ReservationView::from).collect(), total, page, &uri)))
}

#[utoipa::path(get, path = "/reservations/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The reservation's id")),
    responses((status = 200, description = "The reservation", body = ReservationView),
        (status = 404, description = "No such reservation of the caller's (admins see all)", body = ErrorEnvelope)))]
/// `GET /reservations/{id}/`.
pub async fn show(State(state): State<AppState>, who: Authorized<BookRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ReservationView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(visible(&mut conn, who.user(), id).await?.into()))
}

#[utoipa::path(delete, path = "/reservations/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The reservation's id")),
    responses((status = 204, description = "Cancelled (again: 204)"),
        (status = 404, description = "No such reservation of the caller's (admins: any)", body = ErrorEnvelope),
        (status = 409, description = "`reservation_over`", body = ErrorEnvelope)))]
/// `DELETE /reservations/{id}/`: cancels (204, again 204); one that is over stays (409
/// `reservation_over`). An admin cancelling someone else's reservation tells the owner.
pub async fn cancel(State(state): State<AppState>, who: Authorized<BookRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    reservations_admin::cancel(&state, who.user(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
