//! Meeting rooms (会议室, seed 002): the list (search by name or building, bookable or archived,
//! pages), creating and changing a room, and archiving one after a confirmation. The checks and
//! writes are `crate::college_admin::rooms`'s, the same as `POST|PATCH|DELETE /admin/meetingrooms/…`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::college::rooms::{self, Room, RoomFilter};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{pagination, search_text, Pager};
use super::queues::ConfirmPage;
use super::session::Signed;
use super::PageError;
use crate::college_admin::rooms::{self as shared, RoomBody};
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/rooms";

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

#[derive(Template)]
#[template(path = "console/rooms.html")]
struct RoomsPage {
    layout: Layout,
    rooms: Vec<Room>,
    q: String,
    status: String,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let search = search_text(q.q.as_deref()).unwrap_or_default();
    let (status, active) = match q.status.as_deref() {
        Some("active") => ("active", Some(true)),
        Some("archived") => ("archived", Some(false)),
        _ => ("", None),
    };
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let filter = RoomFilter { location: None, search: Some(search.as_str()), active };
    let (rooms, total) = rooms::list(&mut conn, filter, page.limit(), page.offset()).await?;
    drop(conn);
    let pager = Pager::new(LIST, &[("q", search.as_str()), ("status", status)], page, u64::try_from(total).unwrap_or(0));
    let layout = Layout::new(&state, &me.session, "rooms", "会议室").await?;
    Ok(html(&RoomsPage { layout, rooms, q: search, status: status.to_owned(), pager }))
}

#[derive(Template)]
#[template(path = "console/room_form.html")]
struct RoomForm {
    layout: Layout,
    action: String,
    editing: bool,
    form: Fields,
    errors: FieldMessages,
}

async fn room_form(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, form: Fields, errors: FieldMessages) -> Result<RoomForm, PageError> {
    let (title, action) = match id {
        Some(id) => (format!("编辑会议室 #{id}"), format!("{LIST}/{id}")),
        None => ("新建会议室".to_owned(), format!("{LIST}/new")),
    };
    let layout = Layout::new(state, &me.session, "rooms", title).await?;
    Ok(RoomForm { layout, action, editing: id.is_some(), form, errors })
}

/// Labels as typed: separated by commas (either width) or one per line; blanks between are ignored.
fn labels(text: &str) -> Vec<String> {
    text.split([',', '，', '\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The room the form posted: every field (a change sends them all). A capacity that is not a
/// number is 0, refused by the API's own check; left empty it is missing (required when creating).
fn body(f: &Fields, creating: bool) -> RoomBody {
    let capacity = match f.text("capacity").as_str() {
        "" if creating => None,
        text => Some(text.parse().unwrap_or(0)),
    };
    RoomBody {
        name: Some(f.text("name")),
        location: Some(f.text("location")),
        labels: Some(labels(&f.raw("labels"))),
        capacity,
        equipment: Some(f.text("equipment")),
        is_active: Some(f.has("is_active")),
    }
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&room_form(&state, &me, None, Fields::parse(b"is_active=1"), FieldMessages::default()).await?))
}

pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match shared::create_room(&state, body(&f, true)).await {
        Ok(room) => {
            flash(&state, &me.session, &format!("已创建会议室“{}”（{}）。", room.name, room.location)).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&room_form(&state, &me, None, f, errors).await?)).into_response())
        }
    }
}

async fn find(state: &AppState, id: &str) -> Result<Room, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    rooms::find(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

/// The room as the form shows it.
fn room_fields(r: &Room) -> Fields {
    let mut fields = form_urlencoded::Serializer::new(String::new());
    fields
        .append_pair("name", &r.name)
        .append_pair("location", &r.location)
        .append_pair("labels", &r.labels.join("\n"))
        .append_pair("capacity", &r.capacity.to_string())
        .append_pair("equipment", &r.equipment);
    if r.is_active {
        fields.append_pair("is_active", "1");
    }
    Fields::parse(fields.finish().as_bytes())
}

pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    Ok(html(&room_form(&state, &me, Some(r.id), room_fields(&r), FieldMessages::default()).await?))
}

pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    match shared::update_room(&state, r.id, body(&f, false)).await {
        Ok(room) => {
            flash(&state, &me.session, &format!("已保存会议室“{}”（{}）。", room.name, room.location)).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&room_form(&state, &me, Some(r.id), f, errors).await?)).into_response())
        }
    }
}

/// Without `confirmed=1` it only asks; with it, the room is archived (as `DELETE
/// /admin/meetingrooms/{id}/`): no longer offered, its reservations kept.
pub async fn archive(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "rooms", "请确认").await?;
        let question = format!("确定要归档会议室“{}”（{}）吗？归档后不再可预约，已有预约保留。", r.name, r.location);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{}/archive", r.id), cancel: LIST.to_owned() }));
    }
    shared::archive_room(&state, r.id).await?;
    flash(&state, &me.session, &format!("已归档会议室“{}”（{}）。", r.name, r.location)).await?;
    Ok(Redirect::to(LIST).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_split_on_commas_and_lines() {
        assert_eq!(super::labels("投影, 白板，视频会议\n\n 电话 \r\n,"), ["投影", "白板", "视频会议", "电话"]);
        assert!(super::labels(" ").is_empty());
    }
}
