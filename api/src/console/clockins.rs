//! An activity's check-in setup (打卡配置) and enrollment records (报名记录) in the console:
//! the check-in items with a link to each one's QR display, adding an item, the operators (user
//! ids), and the records with the filter box and the CSV download. Checks and writes are
//! `crate::college_admin::{clockins, records}`'s, the same as the `/admin/activities/{id}/…`
//! JSON routes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::college::activities::clockins;
use yizhan_common::college::activities::items::{self, ClockinItem};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{pagination, Pager};
use super::reservations::local_input;
use super::session::Signed;
use super::PageError;
use crate::college_admin::clockins::{self as shared, ItemBody, OperatorsBody};
use crate::college_admin::records::{self as records, Records};
use crate::error::ApiError;
use crate::extract::AdminOnly;
use crate::routes::college::current_token;
use crate::state::AppState;

/// The activity id of a path (404 when it is not a number).
fn activity_id(raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError::not_found())
}

fn base(id: i64) -> String {
    format!("/admin/console/activities/{id}")
}

struct ItemRow {
    item: ClockinItem,
    opens: String,
    closes: String,
    /// The QR display with a pass for the signed-in admin (none without check-in keys).
    display: Option<String>,
}

#[derive(Template)]
#[template(path = "console/clockins.html")]
struct ClockinsPage {
    layout: Layout,
    id: i64,
    title: String,
    items: Vec<ItemRow>,
    operators: String,
    form: Fields,
    errors: FieldMessages,
}

async fn clockins_page(state: &AppState, me: &Signed<AdminOnly>, id: i64, form: Fields, errors: FieldMessages) -> Result<ClockinsPage, PageError> {
    let mut conn = state.db.acquire().await?;
    let title = clockins::activity_title(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    let items = items::of_activity(&mut conn, id).await?;
    let operators: Vec<String> = clockins::operators(&mut conn, id).await?.iter().map(i64::to_string).collect();
    drop(conn);
    let items = items
        .into_iter()
        .map(|item| ItemRow {
            opens: records::local_time(item.opens_at),
            closes: records::local_time(item.closes_at),
            display: current_token(state, id, item.id, me.user().id).ok().map(|t| t.display_url),
            item,
        })
        .collect();
    let layout = Layout::new(state, &me.session, "activities", format!("打卡配置 · {title}")).await?;
    let operators = if form.has("user_ids") { form.text("user_ids") } else { operators.join(", ") };
    Ok(ClockinsPage { layout, id, title, items, operators, form, errors })
}

/// `GET /admin/console/activities/{id}/clockins`.
pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = activity_id(&id)?;
    Ok(html(&clockins_page(&state, &me, id, Fields::default(), FieldMessages::default()).await?))
}

/// `POST /admin/console/activities/{id}/clockins/items`: adds an item.
pub async fn add_item(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let id = activity_id(&id)?;
    let (start, end) = (local_input(&f.text("start")), local_input(&f.text("end")));
    let result = match (start, end) {
        (Some(start), Some(end)) => shared::add_item(&state, id, ItemBody { label: Some(f.text("label")), start: Some(start), end: Some(end) }).await,
        (None, _) => Err(ApiError::field("start", "must be a date and time like 2027-03-01T09:00")),
        (_, None) => Err(ApiError::field("end", "must be a date and time like 2027-03-01T09:00")),
    };
    match result {
        Ok(item) => {
            flash(&state, &me.session, &format!("已添加打卡项“{}”。", item.label)).await?;
            Ok(Redirect::to(&format!("{}/clockins", base(id))).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&clockins_page(&state, &me, id, f, errors).await?)).into_response())
        }
    }
}

/// `POST /admin/console/activities/{id}/clockins/operators`: the operators' user ids, separated
/// by commas, spaces or lines.
pub async fn set_operators(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let id = activity_id(&id)?;
    let text = f.text("user_ids");
    let parsed: Result<Vec<i64>, _> = text.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::parse).collect();
    let result = match parsed {
        Ok(user_ids) => shared::set_operators(&state, id, OperatorsBody { user_ids: Some(user_ids) }).await,
        Err(_) => Err(ApiError::field("user_ids", "user ids are numbers separated by commas")),
    };
    match result {
        Ok(ids) => {
            flash(&state, &me.session, &format!("打卡员已更新（{} 人）。", ids.len())).await?;
            Ok(Redirect::to(&format!("{}/clockins", base(id))).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&clockins_page(&state, &me, id, f, errors).await?)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RecordsQuery {
    filter: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

struct RecordRow {
    username: String,
    name: String,
    enrolled_at: String,
    answers: Vec<String>,
    checked_in: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/enrollment_records.html")]
struct RecordsPage {
    layout: Layout,
    id: i64,
    filter: String,
    filter_error: Option<String>,
    fields: Vec<String>,
    labels: Vec<String>,
    rows: Vec<RecordRow>,
    total: i64,
    csv: String,
    pager: Pager,
}

/// `GET /admin/console/activities/{id}/enrollments?filter=…`.
pub async fn records_page(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, Query(q): Query<RecordsQuery>) -> Result<Response, PageError> {
    let id = activity_id(&id)?;
    let filter = q.filter.unwrap_or_default().trim().to_owned();
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let (records, filter_error) = match Records::load(&state, id, Some(filter.as_str())).await {
        Ok(r) => (r, None),
        Err(e) if e.code() == "invalid_filter" => (Records::load(&state, id, None).await?, Some(e.message().to_owned())),
        Err(e) => return Err(e.into()),
    };
    let (rows, total) = if filter_error.is_some() { (Vec::new(), 0) } else { records.page(&state, page.limit(), page.offset()).await? };
    let rows = rows
        .into_iter()
        .map(|r| RecordRow {
            answers: records.form.iter().map(|f| records::answer_text(r.answers.get(&f.id))).collect(),
            checked_in: r.checked_in.iter().map(|at| at.map(records::local_time).unwrap_or_default()).collect(),
            enrolled_at: records::local_time(r.enrolled_at),
            username: r.username,
            name: r.name,
        })
        .collect();
    let list = format!("{}/enrollments", base(id));
    let csv = super::list::link(&format!("{list}.csv"), &[("filter", filter.as_str())]);
    let pager = Pager::new(&list, &[("filter", filter.as_str())], page, u64::try_from(total).unwrap_or(0));
    let layout = Layout::new(&state, &me.session, "activities", "报名记录").await?;
    let fields = records.form.iter().map(|f| f.label.clone()).collect();
    let labels = records.items.iter().map(|i| i.label.clone()).collect();
    let status = if filter_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html(&RecordsPage { layout, id, filter, filter_error, fields, labels, rows, total, csv, pager })).into_response())
}

/// `GET /admin/console/activities/{id}/enrollments.csv?filter=…`: every selected record.
pub async fn records_csv(State(state): State<AppState>, _me: Signed<AdminOnly>, Path(id): Path<String>, Query(q): Query<RecordsQuery>) -> Result<Response, PageError> {
    let id = activity_id(&id)?;
    let records = Records::load(&state, id, q.filter.as_deref()).await?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"activity-{id}-enrollments.csv\"")).unwrap_or(HeaderValue::from_static("attachment"))),
    ];
    Ok((headers, records.csv_body(state.clone())).into_response())
}
