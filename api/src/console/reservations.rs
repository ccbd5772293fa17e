//! 预约冲突查询 (seed 002): a period (`datetime-local` inputs, in the service time zone) and
//! optionally a room give the confirmed reservations overlapping it, each with its owner's contact
//! card; per reservation an admin moves it (new start, end and/or room) or cancels it after a
//! confirmation. The query, the move and the cancel are `crate::college_admin::reservations`'s,
//! the same as `GET /admin/reservations/conflicts/`, `PATCH /admin/reservations/{id}/` and
//! `DELETE /reservations/{id}/`: the owner is told (WeChat or e-mail), and a move into a taken period (409
//! `room_taken`) shows under the form and changes nothing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use yizhan_common::college::contacts::ContactCard;
use yizhan_common::college::reservations::{self, Reservation};
use yizhan_common::college::rooms::{self, Room, RoomFilter};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, local_minute, Layout};
use super::list::{id_param, link, pagination, Pager};
use super::queues::ConfirmPage;
use super::session::Signed;
use super::PageError;
use crate::college_admin::reservations::{self as shared, MoveBody};
use crate::error::FieldErrors;
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/reservations";
/// Most rooms a room choice lists.
const MAX_ROOMS: i64 = 1000;
/// What a field says when the browser sent no `datetime-local` value.
const NOT_A_TIME: &str = "must be a date and time like 2027-03-01T09:00";

/// A `datetime-local` value (`2027-03-01T09:00`, seconds optional) read in the service time zone.
pub(super) fn local_input(text: &str) -> Option<DateTime<FixedOffset>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")).ok()?;
    yizhan_common::time::service_tz().from_local_datetime(&naive).earliest().map(|t| t.fixed_offset())
}

/// A moment as a `datetime-local` value in the service time zone.
pub(super) fn input_value(at: DateTime<Utc>) -> String {
    yizhan_common::time::local(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// The time field `name` of a form: blank is `None`; a value that is no time is recorded in `errors`.
fn time_field(errors: &mut FieldErrors, name: &str, text: &str) -> Option<DateTime<FixedOffset>> {
    if text.is_empty() {
        return None;
    }
    let at = local_input(text);
    errors.check(at.is_none(), name, NOT_A_TIME);
    at
}

/// Where to go back to after acting on a row: the conflict query it came from (only that page).
fn back_to(back: Option<&str>) -> String {
    match back {
        Some(b) if (b == LIST || b.starts_with(&format!("{LIST}?"))) && !b.contains("//") && !b.contains('\\') => b.to_owned(),
        _ => LIST.to_owned(),
    }
}

/// `path` with `?back=` (the page to return to).
fn with_back(path: &str, back: &str) -> String {
    link(path, &[("back", back)])
}

/// Every room, for a room choice (archived ones marked by the template).
async fn all_rooms(state: &AppState) -> Result<Vec<Room>, PageError> {
    let mut conn = state.db.acquire().await?;
    Ok(rooms::list(&mut conn, RoomFilter::default(), MAX_ROOMS, 0).await?.0)
}

#[derive(Deserialize)]
pub struct ConflictQuery {
    time_from: Option<String>,
    time_to: Option<String>,
    meetingroom: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

/// A reservation in the way, as a row.
struct ConflictRow {
    id: i64,
    room: String,
    from: String,
    to: String,
    description: String,
    owner: Option<ContactCard>,
    move_href: String,
    cancel_action: String,
}

#[derive(Template)]
#[template(path = "console/reservations.html")]
struct ConflictsPage {
    layout: Layout,
    time_from: String,
    time_to: String,
    meetingroom: Option<i64>,
    rooms: Vec<Room>,
    errors: FieldMessages,
    searched: bool,
    rows: Vec<ConflictRow>,
    pager: Pager,
}

/// The query form; with a period, the reservations overlapping it (422 with the messages under
/// the fields when the period is not one).
pub async fn conflicts(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ConflictQuery>) -> Result<Response, PageError> {
    let (from_text, to_text) = (q.time_from.unwrap_or_default().trim().to_owned(), q.time_to.unwrap_or_default().trim().to_owned());
    let room = id_param(q.meetingroom.as_deref());
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let room_text = room.map(|r| r.to_string()).unwrap_or_default();
    let params = [("time_from", from_text.as_str()), ("time_to", to_text.as_str()), ("meetingroom", room_text.as_str())];
    let searched = !from_text.is_empty() || !to_text.is_empty();
    let mut rows = Vec::new();
    let mut total = 0;
    let mut errors = FieldMessages::default();
    if searched {
        let mut checks = FieldErrors::new();
        let from = time_field(&mut checks, "time_from", &from_text);
        let to = time_field(&mut checks, "time_to", &to_text);
        let found = match checks.finish() {
            Ok(()) => shared::conflicts(&state, me.user().id, from, to, room, page).await,
            Err(err) => Err(err),
        };
        match found {
            Ok((found, count)) => {
                total = count;
                let back = link(LIST, &[params[0], params[1], params[2], ("page", &page.page.to_string())]);
                rows = found.into_iter().map(|c| row(c.reservation, c.owner, &back)).collect();
            }
            Err(err) => errors = FieldMessages::from_error(err)?,
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ConflictsPage {
        layout: Layout::new(&state, &me.session, "reservations", "预约冲突查询").await?,
        time_from: from_text.clone(),
        time_to: to_text.clone(),
        meetingroom: room,
        rooms: all_rooms(&state).await?,
        errors,
        searched,
        rows,
        pager: Pager::new(LIST, &params, page, u64::try_from(total).unwrap_or(0)),
    };
    Ok((status, html(&page)).into_response())
}

fn row(r: Reservation, owner: Option<ContactCard>, back: &str) -> ConflictRow {
    ConflictRow {
        id: r.id,
        room: format!("{} {}", r.location, r.room_name),
        from: local_minute(r.period.from),
        to: local_minute(r.period.to),
        description: r.description,
        owner,
        move_href: with_back(&format!("{LIST}/{}", r.id), back),
        cancel_action: with_back(&format!("{LIST}/{}/cancel", r.id), back),
    }
}

#[derive(Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

#[derive(Template)]
#[template(path = "console/reservation_move.html")]
struct MoveForm {
    layout: Layout,
    reservation: ConflictRow,
    rooms: Vec<Room>,
    room: i64,
    action: String,
    back: String,
    form: Fields,
    errors: FieldMessages,
}

/// The reservation a row's action names, and the page to go back to afterwards.
async fn target(state: &AppState, id: &str, q: &BackQuery) -> Result<(Reservation, String), PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    let r = reservations::find(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    Ok((r, back_to(q.back.as_deref())))
}

/// Where and when a reservation is: `行政楼 301，2027-03-01 09:00 至 2027-03-01 10:00`.
fn describe(r: &Reservation) -> String {
    format!("{} {}，{} 至 {}", r.location, r.room_name, local_minute(r.period.from), local_minute(r.period.to))
}

async fn move_form(state: &AppState, me: &Signed<AdminOnly>, r: Reservation, back: String, form: Fields, errors: FieldMessages) -> Result<MoveForm, PageError> {
    let room = id_param(Some(form.text("meetingroom").as_str())).unwrap_or(r.room_id);
    let layout = Layout::new(state, &me.session, "reservations", format!("调整预约 #{}", r.id)).await?;
    let mut conn = state.db.acquire().await?;
    let owner = yizhan_common::college::contacts::card(&mut conn, me.user().id, r.user_id).await?;
    drop(conn);
    let action = with_back(&format!("{LIST}/{}", r.id), &back);
    Ok(MoveForm { layout, reservation: row(r, owner, &back), rooms: all_rooms(state).await?, room, action, back, form, errors })
}

/// The move form, filled in with where the reservation is now.
pub async fn move_page(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, Query(q): Query<BackQuery>) -> Result<Response, PageError> {
    let (r, back) = target(&state, &id, &q).await?;
    let fields = form_urlencoded::Serializer::new(String::new())
        .append_pair("reserve_from", &input_value(r.period.from))
        .append_pair("reserve_to", &input_value(r.period.to))
        .append_pair("meetingroom", &r.room_id.to_string())
        .finish();
    Ok(html(&move_form(&state, &me, r, back, Fields::parse(fields.as_bytes()), FieldMessages::default()).await?))
}

/// Moves the reservation as `PATCH /admin/reservations/{id}/` does (a blank field stays as it is).
pub async fn move_reservation(
    State(state): State<AppState>,
    me: Signed<AdminOnly>,
    Path(id): Path<String>,
    Query(q): Query<BackQuery>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let (r, back) = target(&state, &id, &q).await?;
    let mut checks = FieldErrors::new();
    let body = MoveBody {
        reserve_from: time_field(&mut checks, "reserve_from", &f.text("reserve_from")),
        reserve_to: time_field(&mut checks, "reserve_to", &f.text("reserve_to")),
        meetingroom: f.optional("meetingroom").map(|v| v.parse().unwrap_or(0)),
    };
    let moved = match checks.finish() {
        Ok(()) => shared::move_reservation(&state, r.id, body).await,
        Err(err) => Err(err),
    };
    match moved {
        Ok(m) => {
            flash(&state, &me.session, &format!("已将预约 #{} 调整为 {}，并通知了预约人。", m.id, describe(&m))).await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&move_form(&state, &me, r, back, f, errors).await?)).into_response())
        }
    }
}

/// Without `confirmed=1` it only asks; with it, the reservation is cancelled as `DELETE
/// /reservations/{id}/` does for an admin (the owner is mailed).
pub async fn cancel(
    State(state): State<AppState>,
    me: Signed<AdminOnly>,
    Path(id): Path<String>,
    Query(q): Query<BackQuery>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let (r, back) = target(&state, &id, &q).await?;
    let what = describe(&r);
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "reservations", "请确认").await?;
        let question = format!("确定要取消预约 #{}（{what}）吗？预约人会收到通知。", r.id);
        return Ok(html(&ConfirmPage { layout, question, action: with_back(&format!("{LIST}/{}/cancel", r.id), &back), cancel: back }));
    }
    shared::cancel(&state, me.user(), r.id).await?;
    flash(&state, &me.session, &format!("已取消预约 #{}（{what}）。", r.id)).await?;
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_are_read_in_the_service_zone() {
        let at = local_input("2027-03-01T09:00").expect("time");
        assert_eq!(at.to_rfc3339(), "2027-03-01T09:00:00+08:00");
        assert_eq!(local_input("2027-03-01T09:00:30").expect("time").to_rfc3339(), "2027-03-01T09:00:30+08:00");
        assert!(local_input("2027-03-01 09:00").is_none() && local_input("").is_none());
        assert_eq!(input_value(at.to_utc()), "2027-03-01T09:00");
    }

    #[test]
    fn only_the_conflict_page_is_gone_back_to() {
        assert_eq!(back_to(Some("/admin/console/reservations?time_from=x&page=2")), "/admin/console/reservations?time_from=x&page=2");
        for bad in [None, Some("https://evil.example/"), Some("/admin/console/users"), Some("/admin/console/reservations//x"), Some("/admin/console/reservationsX")] {
            assert_eq!(back_to(bad), LIST, "{bad:?}");
        }
    }
}
