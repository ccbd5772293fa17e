//! A meeting's check-in display (会议签到) in the console, for the projector in the room: the
//! rotating code as a QR of the H5 check-in link, turning over every 25 seconds. The counselor
//! who called the meeting and admins see it (others 404), as `GET /school/meetings/{id}/code`.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use super::session::Signed;
use super::PageError;
use crate::extract::Authorized;
use crate::routes::notices::meetings::display_html;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

/// `GET /admin/console/meetings/{id}/display`.
pub async fn display(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(raw): Path<String>) -> Result<Response, PageError> {
    let id: i64 = raw.parse().map_err(|_| PageError::not_found())?;
    let who = Authorized::of_user(me.session.user.clone()).ok_or_else(PageError::forbidden)?;
    Ok(Html(display_html(&state, &who, id).await?).into_response())
}
