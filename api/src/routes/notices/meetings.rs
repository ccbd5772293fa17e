//! 会议签到 / 签到统计 (seed 004, issue 17). A counselor (or an admin) calls a meeting for their
//! classes, shows its rotating QR code (`GET …/code`, or the console's display page), and the
//! students scan it with WeChat: the code is a link to the H5 check-in page, which signs them in
//! through web OAuth and checks them in (`POST /school/meetings/{id}/checkin` for front ends).
//! Statistics per meeting and per class, the attendees (filter `checkedIn`), and a CSV.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::activities::checkin_token::{self, TokenError};
use yizhan_common::notices::meetings::{self, Attendee, CheckIn, ClassAttendance, Meeting, NewMeeting, MAX_CLASSES};
use yizhan_common::notices::{classes, Scope};
use yizhan_common::time::{serialize_local, serialize_local_opt};

use super::reading::my_student;
use super::{scope_of, SchoolStaff};
use crate::console::csv::Csv;
use crate::routes::college::clockin_display::{self as display, Shown};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// Check-in opens this long before the start unless the body says otherwise.
const DEFAULT_OPENS_BEFORE: Duration = Duration::minutes(30);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"title": "年级大会", "place": "第一教学楼 101", "startsAt": "2026-12-08T14:00:00+08:00", "endsAt": "2026-12-08T15:30:00+08:00", "classIds": [3, 4]}))]
pub struct MeetingBody {
    title: String,
    place: Option<String>,
    starts_at: DateTime<FixedOffset>,
    ends_at: DateTime<FixedOffset>,
    /// Default: 30 minutes before `startsAt`.
    checkin_opens_at: Option<DateTime<FixedOffset>>,
    /// Default: `endsAt`.
    checkin_closes_at: Option<DateTime<FixedOffset>>,
    /// 1–50 of the caller's classes; their students are the attendees.
    class_ids: Vec<i64>,
}

/// A meeting with its totals.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 9, "title": "年级大会", "place": "第一教学楼 101", "startsAt": "2026-12-08T14:00:00+08:00", "endsAt": "2026-12-08T15:30:00+08:00",
    "checkinOpensAt": "2026-12-08T13:30:00+08:00", "checkinClosesAt": "2026-12-08T15:30:00+08:00", "invited": 62, "checkedIn": 58, "createdAt": "2026-12-05T10:00:00+08:00"}))]
pub struct MeetingView {
    id: i64,
    title: String,
    place: String,
    #[serde(serialize_with = "serialize_local")]
    starts_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    ends_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    checkin_opens_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    checkin_closes_at: DateTime<Utc>,
    invited: i64,
    checked_in: i64,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl From<Meeting> for MeetingView {
    fn from(m: Meeting) -> Self {
        Self {
            id: m.id,
            title: m.title,
            place: m.place,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            checkin_opens_at: m.checkin_opens_at,
            checkin_closes_at: m.checkin_closes_at,
            invited: m.invited,
            checked_in: m.checked_in,
            created_at: m.created_at,
        }
    }
}

/// One class's attendance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassAttendanceView {
    class_id: i64,
    class_name: String,
    invited: i64,
    checked_in: i64,
}

impl From<ClassAttendance> for ClassAttendanceView {
    fn from(c: ClassAttendance) -> Self {
        Self { class_id: c.class_id, class_name: c.class_name, invited: c.invited, checked_in: c.checked_in }
    }
}

/// A meeting's statistics (签到统计).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"meeting": {"id": 9, "title": "年级大会", "place": "第一教学楼 101", "startsAt": "2026-12-08T14:00:00+08:00", "endsAt": "2026-12-08T15:30:00+08:00",
    "checkinOpensAt": "2026-12-08T13:30:00+08:00", "checkinClosesAt": "2026-12-08T15:30:00+08:00", "invited": 62, "checkedIn": 58, "createdAt": "2026-12-05T10:00:00+08:00"},
    "classes": [{"classId": 3, "className": "软件2301", "invited": 31, "checkedIn": 30}, {"classId": 4, "className": "软件2302", "invited": 31, "checkedIn": 28}]}))]
pub struct MeetingStats {
    meeting: MeetingView,
    classes: Vec<ClassAttendanceView>,
}

/// One invited student.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"studentId": 12, "studentNo": "2023010112", "name": "李雷", "className": "软件2301", "checkedInAt": "2026-12-08T13:52:10+08:00"}))]
pub struct AttendeeView {
    student_id: i64,
    student_no: String,
    name: String,
    class_name: String,
    #[serde(serialize_with = "serialize_local_opt")]
    checked_in_at: Option<DateTime<Utc>>,
}

impl From<Attendee> for AttendeeView {
    fn from(a: Attendee) -> Self {
        Self { student_id: a.student_id, student_no: a.student_no, name: a.name, class_name: a.class_name, checked_in_at: a.checked_in_at }
    }
}

/// The meeting's current code and the link it stands for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"code": "AQJrMQAAAAAAAAAJAAAAAAAAAAAAAAAABDuHXwO3vRaJ3Ck5sHW1n1FCxMxyp7bO", "url": "https://school.example.com/h5/school/meetings/9/checkin?code=AQJrMQ…", "secondsLeft": 17, "open": true}))]
pub struct CodeView {
    /// Valid in its 25-second window and the next.
    code: String,
    /// What the QR code holds: the H5 check-in page with the code.
    url: String,
    /// Seconds until the next code.
    seconds_left: i64,
    /// Whether the check-in window is open now.
    open: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"code": "AQJrMQAAAAAAAAAJAAAAAAAAAAAAAAAABDuHXwO3vRaJ3Ck5sHW1n1FCxMxyp7bO"}))]
pub struct CheckinBody {
    code: String,
}

/// A student's check-in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"meetingId": 9, "title": "年级大会", "checkedInAt": "2026-12-08T13:52:10+08:00", "already": false}))]
pub struct CheckedIn {
    pub meeting_id: i64,
    pub title: String,
    #[serde(serialize_with = "serialize_local")]
    pub checked_in_at: DateTime<Utc>,
    /// True when this scan found an earlier check-in (nothing changed).
    pub already: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AttendeeQuery {
    /// `true`: those who checked in; `false`: those who did not (缺席).
    checked_in: Option<bool>,
}

fn check(b: MeetingBody) -> ApiResult<NewMeeting> {
    let mut errors = FieldErrors::new();
    errors.text("title", &b.title, 100);
    errors.optional_text("place", b.place.as_deref(), 100);
    let (starts_at, ends_at) = (b.starts_at.with_timezone(&Utc), b.ends_at.with_timezone(&Utc));
    errors.check(ends_at <= starts_at, "endsAt", "must be after startsAt");
    errors.check(ends_at - starts_at > Duration::days(1), "endsAt", "a meeting lasts at most a day");
    let opens = b.checkin_opens_at.map_or(starts_at - DEFAULT_OPENS_BEFORE, |t| t.with_timezone(&Utc));
    let closes = b.checkin_closes_at.map_or(ends_at, |t| t.with_timezone(&Utc));
    errors.check(closes <= opens, "checkinClosesAt", "must be after checkinOpensAt");
    errors.check(closes - opens > Duration::days(1), "checkinClosesAt", "check-in stays open at most a day");
    let mut class_ids = b.class_ids;
    class_ids.sort_unstable();
    class_ids.dedup();
    errors.check(class_ids.is_empty() || class_ids.len() > MAX_CLASSES, "classIds", "name 1 to 50 classes");
    errors.finish()?;
    Ok(NewMeeting {
        title: b.title.trim().to_owned(),
        place: b.place.map(|p| p.trim().to_owned()).unwrap_or_default(),
        starts_at,
        ends_at,
        checkin_opens_at: opens,
        checkin_closes_at: closes,
        class_ids,
    })
}

async fn meeting(state: &AppState, scope: Scope, id: i64) -> ApiResult<Meeting> {
    let mut conn = state.db.acquire().await?;
    meetings::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("meeting"))
}

#[utoipa::path(post, path = "/school/meetings", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = MeetingBody,
    responses((status = 201, description = "The meeting, its attendees frozen from the classes", body = MeetingView),
        (status = 422, description = "Bad fields, each named (`classIds`: each must be one of the caller's classes)", body = ErrorEnvelope)))]
/// Calls a meeting for some of the caller's classes.
pub async fn create(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiJson(b): ApiJson<MeetingBody>) -> ApiResult<(StatusCode, Json<MeetingView>)> {
    let scope = scope_of(&state, &who).await?;
    let new = check(b)?;
    let mut tx = state.db.begin().await?;
    for id in &new.class_ids {
        if classes::find(&mut tx, scope, *id).await?.is_none() {
            return Err(ApiError::field("classIds", format!("class {id} is not one of yours")));
        }
    }
    let id = meetings::create(&mut tx, scope, &new, who.user().id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(meeting(&state, scope, id).await?.into())))
}

#[utoipa::path(get, path = "/school/meetings", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), params(PageQuery),
    responses((status = 200, description = "The caller's meetings (admins: all), latest start first", body = Page<MeetingView>)))]
/// The caller's meetings.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, page: Pagination) -> ApiResult<Json<Page<MeetingView>>> {
    let (rows, count) = page_of(&state, &who, page).await?;
    Ok(Json(Page::new(rows.into_iter().map(MeetingView::from).collect(), count, page)))
}

/// One page of the caller's meetings and how many there are (the console's list too).
pub(crate) async fn page_of(state: &AppState, who: &Authorized<SchoolStaff>, page: Pagination) -> ApiResult<(Vec<Meeting>, i64)> {
    let scope = scope_of(state, who).await?;
    let mut conn = state.db.acquire().await?;
    Ok(meetings::list(&mut conn, scope, page.limit(), page.offset()).await?)
}

#[utoipa::path(get, path = "/school/meetings/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The meeting's id")),
    responses((status = 200, description = "The meeting's totals and each class's", body = MeetingStats), (status = 404, description = "No such meeting among the caller's", body = ErrorEnvelope)))]
/// A meeting's statistics (签到统计), per class.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<MeetingStats>> {
    let scope = scope_of(&state, &who).await?;
    let m = meeting(&state, scope, id).await?;
    let mut conn = state.db.acquire().await?;
    let classes = meetings::by_class(&mut conn, m.id).await?.into_iter().map(ClassAttendanceView::from).collect();
    Ok(Json(MeetingStats { meeting: m.into(), classes }))
}

#[utoipa::path(delete, path = "/school/meetings/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The meeting's id")),
    responses((status = 204, description = "Deleted with its attendance"), (status = 404, description = "No such meeting among the caller's", body = ErrorEnvelope)))]
/// Deletes a meeting and its attendance.
pub async fn delete(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    if !meetings::delete(&mut conn, scope, id).await? {
        return Err(ApiError::not_found("meeting"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/school/meetings/{id}/attendees", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The meeting's id"), AttendeeQuery, PageQuery),
    responses((status = 200, description = "The invited students by class and student number, with when each checked in", body = Page<AttendeeView>),
        (status = 404, description = "No such meeting among the caller's", body = ErrorEnvelope)))]
/// The attendees (`checkedIn=false`: the absent).
pub async fn attendees(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiQuery(q): ApiQuery<AttendeeQuery>, page: Pagination) -> ApiResult<Json<Page<AttendeeView>>> {
    let scope = scope_of(&state, &who).await?;
    let m = meeting(&state, scope, id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = meetings::attendees(&mut conn, m.id, q.checked_in, Some(page.limit()), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(AttendeeView::from).collect(), count, page)))
}

#[utoipa::path(get, path = "/school/meetings/{id}/attendees.csv", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The meeting's id")),
    responses((status = 200, description = "Every attendee (学号, 姓名, 班级, 签到时间) as a CSV download", content_type = "text/csv", body = String),
        (status = 404, description = "No such meeting among the caller's", body = ErrorEnvelope)))]
/// Every attendee as CSV.
pub async fn csv(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    let scope = scope_of(&state, &who).await?;
    let m = meeting(&state, scope, id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, _) = meetings::attendees(&mut conn, m.id, None, None, 0).await?;
    let tz = state.config.core.service_tz;
    let mut csv = Csv::new(&["学号", "姓名", "班级", "签到时间"]);
    for r in rows {
        let at = r.checked_in_at.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
        csv.row([r.student_no.as_str(), &r.name, &r.class_name, &at]);
    }
    Ok(csv.into_response(&format!("meeting-{}-attendance.csv", m.id)))
}

/// The link a meeting's QR code holds (`None` without `NOTICE_H5_BASE_URL`).
pub(crate) fn checkin_url(state: &AppState, id: i64, code: &str) -> Option<String> {
    let base = state.config.notices.h5_base.as_deref()?;
    Some(format!("{base}/h5/school/meetings/{id}/checkin?code={code}"))
}

#[utoipa::path(get, path = "/school/meetings/{id}/code", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The meeting's id")),
    responses((status = 200, description = "The current code (it turns over every 25 s)", body = CodeView), (status = 404, description = "No such meeting among the caller's", body = ErrorEnvelope),
        (status = 503, description = "`checkin_not_configured` or `h5_not_configured`", body = ErrorEnvelope)))]
/// The meeting's current check-in code, for a display of one's own.
pub async fn code(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<CodeView>> {
    let scope = scope_of(&state, &who).await?;
    let m = meeting(&state, scope, id).await?;
    let now = state.now();
    let code = state.checkin_keys()?.sign_meeting(m.id, now);
    let url = checkin_url(&state, m.id, &code).ok_or_else(h5_not_configured)?;
    Ok(Json(CodeView { code, url, seconds_left: checkin_token::seconds_left(now), open: m.open_at(now) }))
}

pub(crate) fn h5_not_configured() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "h5_not_configured", "NOTICE_H5_BASE_URL is not set, so there is no check-in page for the code to open")
}

fn refused(err: TokenError) -> ApiError {
    let (code, message) = match err {
        TokenError::Expired => ("code_expired", "this code has expired: scan the code on the screen again"),
        TokenError::WrongActivity | TokenError::WrongItem => ("wrong_meeting", "this code belongs to another meeting"),
        _ => ("code_invalid", "this is not a check-in code of this meeting"),
    };
    ApiError::conflict(code, message)
}

#[utoipa::path(post, path = "/school/meetings/{id}/checkin", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The meeting's id")), request_body = CheckinBody,
    responses((status = 200, description = "Checked in (or found checked in: `already`)", body = CheckedIn),
        (status = 403, description = "`not_invited`: the caller's class was not called to this meeting", body = ErrorEnvelope),
        (status = 404, description = "No such meeting", body = ErrorEnvelope),
        (status = 409, description = "`not_bound`, `checkin_closed` (outside the window), `code_expired`, `wrong_meeting` or `code_invalid`", body = ErrorEnvelope)))]
/// Checks the bound student in with the code they scanned.
pub async fn checkin(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<CheckinBody>) -> ApiResult<Json<CheckedIn>> {
    check_in(&state, &auth, id, &b.code).await.map(Json)
}

/// The check-in itself, for the JSON route and the H5 page: the code is checked before anything
/// is written, then the window, then the list.
pub(crate) async fn check_in(state: &AppState, auth: &AuthUser, id: i64, code: &str) -> ApiResult<CheckedIn> {
    let keys = state.checkin_keys()?;
    let now = state.now();
    let m = {
        let mut conn = state.db.acquire().await?;
        meetings::find_for_scan(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("meeting"))?
    };
    if code.len() > 256 {
        return Err(refused(TokenError::Malformed));
    }
    keys.verify_meeting(code, m.id, now).map_err(refused)?;
    if !m.open_at(now) {
        return Err(ApiError::conflict("checkin_closed", "check-in for this meeting is not open now"));
    }
    let student = my_student(state, auth).await?;
    let mut conn = state.db.acquire().await?;
    let (checked_in_at, already) = match meetings::check_in(&mut conn, m.id, student, now).await? {
        CheckIn::New(at) => (at, false),
        CheckIn::Already(at) => (at, true),
        CheckIn::NotInvited => return Err(ApiError::new(StatusCode::FORBIDDEN, "not_invited", "your class was not called to this meeting")),
    };
    Ok(CheckedIn { meeting_id: m.id, title: m.title, checked_in_at, already })
}

/// The display page's HTML for meeting `id` as `who` may show it: the rotating code as a QR of
/// the check-in link (`crate::console::meetings` serves it to a projector).
pub(crate) async fn display_html(state: &AppState, who: &Authorized<SchoolStaff>, id: i64) -> ApiResult<String> {
    let scope = scope_of(state, who).await?;
    let m = meeting(state, scope, id).await?;
    let now = state.now();
    let code = state.checkin_keys()?.sign_meeting(m.id, now);
    let url = checkin_url(state, m.id, &code).ok_or_else(h5_not_configured)?;
    let label = if m.place.is_empty() { "会议签到".to_owned() } else { format!("会议签到 · {}", m.place) };
    let shown = Shown { title: m.title, label, hint: "请用微信扫一扫签到", qr: &url, token: &code, opens_at: m.checkin_opens_at, closes_at: m.checkin_closes_at };
    display::render(shown, now)
}
