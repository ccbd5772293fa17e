//! Seed 004's meetings (会议签到) in the console: the list (the counselor's own, admins all) with
//! each one's attendance, the check-in display for the projector in the room — the rotating code
//! as a QR of the H5 check-in link, turning over every 25 seconds — and the attendance CSV. Each
//! goes through its JSON route's code (`GET /school/meetings`, `…/code`, `…/attendees.csv`), so
//! another counselor gets the same 404.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};

use super::layout::{html, local_time, Layout};
use super::list::{pagination, Pager};
use super::notices::PageQuery;
use super::session::Signed;
use super::PageError;
use crate::extract::{ApiPath, Authorized};
use crate::routes::notices::for_pages::SchoolStaff;
use crate::routes::notices::meetings::{self as api, display_html};
use crate::state::AppState;

const LIST: &str = "/admin/console/meetings";

fn staff(me: &Signed<SchoolStaff>) -> Result<Authorized<SchoolStaff>, PageError> {
    Authorized::of_user(me.session.user.clone()).ok_or_else(PageError::forbidden)
}

struct Row {
    id: i64,
    title: String,
    place: String,
    starts: String,
    invited: i64,
    checked_in: i64,
}

#[derive(Template)]
#[template(path = "console/meetings.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
}

/// `GET /admin/console/meetings`.
pub async fn list(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let (found, count) = api::page_of(&state, &staff(&me)?, page).await?;
    let rows = found
        .into_iter()
        .map(|m| Row { id: m.id, starts: local_time(m.starts_at), title: m.title, place: m.place, invited: m.invited, checked_in: m.checked_in })
        .collect();
    let pager = Pager::new(LIST, &[], page, u64::try_from(count).unwrap_or_default());
    let layout = Layout::new(&state, &me.session, "meetings", "会议签到").await?;
    Ok(html(&ListPage { layout, rows, pager }))
}

/// `GET /admin/console/meetings/{id}/display`.
pub async fn display(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(raw): Path<String>) -> Result<Response, PageError> {
    let id: i64 = raw.parse().map_err(|_| PageError::not_found())?;
    Ok(Html(display_html(&state, &staff(&me)?, id).await?).into_response())
}

/// `GET /admin/console/meetings/{id}/attendees.csv`.
pub async fn csv(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(api::csv(State(state), staff(&me)?, ApiPath(id)).await?)
}
