//! Schedules (号源): the list with its remaining places (filters: hospital, department, date;
//! pages; CSV), creating and changing one (the checks and rules of `POST /admin/schedules` and
//! `PATCH /admin/schedules/{id}`, `crate::catalog_admin`), and one schedule's roster: its appointments and its waitlist, read-only (the JSON API lets only
//! the patient cancel an appointment, so the console offers no cancelling).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use yizhan_common::hospital::catalog::{self, Hospital, Department, Schedule, ScheduleFilter};
use yizhan_common::hospital::{roster, yuan, AppointmentStatus};

use super::catalog::Choices;
use super::csv::Csv;
use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, local_time, Layout};
use super::list::{id_param, link, pagination, Pager};
use super::session::Signed;
use super::PageError;
use crate::catalog_admin::{self, NewScheduleBody, SchedulePatchBody};
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/schedules";
/// Most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;
/// Most waitlist entries a schedule's page shows.
const WAITLIST_MAX: i64 = 500;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "hospitalId")]
    hospital_id: Option<String>,
    #[serde(rename = "departmentId")]
    department_id: Option<String>,
    date: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl ListQuery {
    /// The filter, and its values as the links and the filter form repeat them.
    fn filter(&self) -> (ScheduleFilter, [(&'static str, String); 3]) {
        let hospital_id = id_param(self.hospital_id.as_deref());
        let department_id = id_param(self.department_id.as_deref());
        let date = self.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
        let text = |v: Option<String>| v.unwrap_or_default();
        let params = [
            ("hospitalId", text(hospital_id.map(|v| v.to_string()))),
            ("departmentId", text(department_id.map(|v| v.to_string()))),
            ("date", text(date.map(|v| v.to_string()))),
        ];
        (ScheduleFilter { hospital_id, department_id, date, from_date: None }, params)
    }
}

/// A schedule as a row: its names, time and places.
struct ScheduleRow {
    id: i64,
    hospital: String,
    department: String,
    date: String,
    time: String,
    capacity: i32,
    booked: i32,
    remaining: i32,
    fee: String,
}

impl ScheduleRow {
    fn new(s: Schedule, hospitals: &HashMap<i64, String>, departments: &HashMap<i64, String>) -> Self {
        Self {
            id: s.id,
            hospital: hospitals.get(&s.hospital_id).cloned().unwrap_or_else(|| s.hospital_id.to_string()),
            department: departments.get(&s.department_id).cloned().unwrap_or_else(|| s.department_id.to_string()),
            date: s.date.to_string(),
            time: s.time_label(),
            capacity: s.capacity,
            booked: s.booked,
            remaining: s.remaining(),
            fee: format!("{:.2}", yuan(s.fee_cents)),
        }
    }
}

#[derive(Template)]
#[template(path = "console/schedules.html")]
struct SchedulesPage {
    layout: Layout,
    rows: Vec<ScheduleRow>,
    hospitals: Vec<Hospital>,
    departments: Vec<Department>,
    hospital_id: Option<i64>,
    department_id: Option<i64>,
    date: String,
    pager: Pager,
    csv_href: String,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (filter, params) = q.filter();
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let choices = Choices::load(&state).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_schedules(&mut conn, &filter, page.limit(), page.offset()).await?;
    drop(conn);
    let (hospitals, departments) = (choices.hospital_names(), choices.department_names());
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = SchedulesPage {
        layout: Layout::new(&state, &me.session, "schedules", "号源").await?,
        rows: rows.into_iter().map(|s| ScheduleRow::new(s, &hospitals, &departments)).collect(),
        hospitals: choices.hospitals,
        departments: choices.departments,
        hospital_id: filter.hospital_id,
        department_id: filter.department_id,
        date: filter.date.map(|d| d.to_string()).unwrap_or_default(),
        pager: Pager::new(LIST, &params, page, u64::try_from(total).unwrap_or(0)),
        csv_href: link(&format!("{LIST}.csv"), &params),
    };
    Ok(html(&page))
}

/// The whole filtered list (up to [`CSV_MAX_ROWS`]) as CSV, with the remaining places.
pub async fn export(State(state): State<AppState>, _me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (filter, _) = q.filter();
    let choices = Choices::load(&state).await?;
    let (hospitals, departments) = (choices.hospital_names(), choices.department_names());
    let mut conn = state.db.acquire().await?;
    let (rows, _) = catalog::list_schedules(&mut conn, &filter, CSV_MAX_ROWS, 0).await?;
    let mut csv = Csv::new(&["id", "医院", "科室", "日期", "时段", "号源总数", "已预约", "剩余", "挂号费"]);
    for s in rows {
        let r = ScheduleRow::new(s, &hospitals, &departments);
        let (id, capacity, booked, remaining) = (r.id.to_string(), r.capacity.to_string(), r.booked.to_string(), r.remaining.to_string());
        csv.row([id.as_str(), &r.hospital, &r.department, &r.date, &r.time, &capacity, &booked, &remaining, &r.fee]);
    }
    Ok(csv.into_response("schedules.csv"))
}

/// The schedule form: a new schedule, or changing one (`editing`).
#[derive(Template)]
#[template(path = "console/schedule_form.html")]
struct ScheduleForm {
    layout: Layout,
    hospitals: Vec<Hospital>,
    departments: Vec<Department>,
    form: Fields,
    errors: FieldMessages,
    editing: Option<Editing>,
}

/// The schedule being changed: its id and the places booked.
struct Editing {
    id: i64,
    booked: i32,
}

impl ScheduleForm {
    fn action(&self) -> String {
        match &self.editing {
            Some(e) => format!("{LIST}/{}/edit", e.id),
            None => format!("{LIST}/new"),
        }
    }
}

async fn schedule_form(state: &AppState, me: &Signed<AdminOnly>, form: Fields, errors: FieldMessages, editing: Option<Editing>) -> Result<ScheduleForm, PageError> {
    let choices = Choices::load(state).await?;
    let title = match &editing {
        Some(e) => format!("修改号源 #{}", e.id),
        None => "新建号源".to_owned(),
    };
    let layout = Layout::new(state, &me.session, "schedules", title).await?;
    Ok(ScheduleForm { layout, hospitals: choices.hospitals, departments: choices.departments, form, errors, editing })
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    let defaults = Fields::parse(b"period=%E4%B8%8A%E5%8D%88&startTime=08:00&endTime=12:00&capacity=20&fee=0");
    Ok(html(&schedule_form(&state, &me, defaults, FieldMessages::default(), None).await?))
}

pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    // What is not a number fails the API's own check of that field (an unknown id, a capacity of
    // 0, a fee that is not an amount), so the messages are the API's.
    let body = NewScheduleBody {
        hospital_id: f.text("hospitalId").parse().unwrap_or(0),
        department_id: f.text("departmentId").parse().unwrap_or(0),
        date: f.text("date"),
        period: f.text("period"),
        start_time: f.text("startTime"),
        end_time: f.text("endTime"),
        capacity: f.text("capacity").parse().unwrap_or(0),
        fee: f.text("fee").parse().unwrap_or(f64::NAN),
    };
    match catalog_admin::create_schedule(&state, body).await {
        Ok(id) => {
            flash(&state, &me.session, &format!("已创建号源 #{id}。")).await?;
            Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&schedule_form(&state, &me, f, errors, None).await?)).into_response())
        }
    }
}

async fn find(state: &AppState, id: &str) -> Result<Schedule, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    catalog::schedule(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

/// The change form, filled with the schedule as stored.
pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let s = find(&state, &id).await?;
    let form = Fields::from_pairs([
        ("hospitalId", s.hospital_id.to_string()),
        ("departmentId", s.department_id.to_string()),
        ("date", s.date.to_string()),
        ("period", s.period.clone()),
        ("startTime", s.start_time.format("%H:%M").to_string()),
        ("endTime", s.end_time.format("%H:%M").to_string()),
        ("capacity", s.capacity.to_string()),
        ("fee", format!("{:.2}", yuan(s.fee_cents))),
    ]);
    let editing = Some(Editing { id: s.id, booked: s.booked });
    Ok(html(&schedule_form(&state, &me, form, FieldMessages::default(), editing).await?))
}

/// Saves the change form through `PATCH /admin/schedules/{id}`'s checks and rules: every field is
/// sent, and those left as they were are no change (so a schedule with bookings can still take a
/// new capacity from the whole form).
pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let s = find(&state, &id).await?;
    // As on create: what is not a number fails the API's own check of that field.
    let body = SchedulePatchBody {
        hospital_id: Some(f.text("hospitalId").parse().unwrap_or(0)),
        department_id: Some(f.text("departmentId").parse().unwrap_or(0)),
        date: Some(f.text("date")),
        period: Some(f.text("period")),
        start_time: Some(f.text("startTime")),
        end_time: Some(f.text("endTime")),
        capacity: Some(f.text("capacity").parse().unwrap_or(0)),
        fee: Some(f.text("fee").parse().unwrap_or(f64::NAN)),
    };
    match catalog_admin::update_schedule(&state, s.id, body).await {
        Ok(saved) => {
            flash(&state, &me.session, &format!("已保存号源 #{}。", saved.id)).await?;
            Ok(Redirect::to(&format!("{LIST}/{}", saved.id)).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            // The booked count as it is now (the refusal may be about a booking just made).
            let booked = find(&state, &id).await.map_or(s.booked, |now| now.booked);
            let page = schedule_form(&state, &me, f, errors, Some(Editing { id: s.id, booked })).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

struct AppointmentRow {
    order_no: String,
    queue_number: i32,
    patient: String,
    phone: String,
    status: &'static str,
    payment: &'static str,
    amount: String,
    created: String,
}

struct WaitingRow {
    queue_number: i32,
    position: String,
    patient: String,
    status: &'static str,
    appointment_id: String,
    created: String,
}

#[derive(Template)]
#[template(path = "console/schedule.html")]
struct SchedulePage {
    layout: Layout,
    schedule: ScheduleRow,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    appointments: Vec<AppointmentRow>,
    pager: Pager,
    waiting: Vec<WaitingRow>,
}

#[derive(Deserialize)]
pub struct RosterQuery {
    status: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

pub fn appointment_status_label(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Pending => "待支付",
        AppointmentStatus::Confirmed => "已确认",
        AppointmentStatus::Cancelled => "已取消",
        AppointmentStatus::Completed => "已完成",
    }
}

fn payment_label(s: yizhan_common::hospital::PaymentStatus) -> &'static str {
    use yizhan_common::hospital::PaymentStatus as P;
    match s {
        P::Pending => "待支付",
        P::Paid => "已支付",
        P::Refunded => "已退款",
        P::Free => "免费",
    }
}

fn waitlist_label(s: yizhan_common::hospital::WaitlistStatus) -> &'static str {
    use yizhan_common::hospital::WaitlistStatus as W;
    match s {
        W::Waiting => "候补中",
        W::Promoted => "已转为预约",
        W::Cancelled => "已取消",
    }
}

/// One schedule: its places, its appointments (by queue number, filtered by status) and its waitlist.
pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, Query(q): Query<RosterQuery>) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let status: Option<AppointmentStatus> = q.status.as_deref().and_then(|s| s.parse().ok());
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let schedule = catalog::schedule(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    let (rows, total) = roster::appointments(&mut conn, id, status, page.limit(), page.offset()).await?;
    let waiting = roster::waitlist(&mut conn, id, WAITLIST_MAX).await?;
    drop(conn);
    let choices = Choices::load(&state).await?;
    let schedule = ScheduleRow::new(schedule, &choices.hospital_names(), &choices.department_names());
    let appointments = rows
        .into_iter()
        .map(|a| AppointmentRow {
            order_no: a.order_no,
            queue_number: a.queue_number,
            patient: a.patient_name,
            phone: yizhan_common::mask::phone(&a.patient_phone),
            status: appointment_status_label(a.status),
            payment: payment_label(a.payment_status),
            amount: format!("{:.2}", yuan(a.pay_amount_cents)),
            created: local_time(a.created_at),
        })
        .collect();
    let waiting = waiting
        .into_iter()
        .map(|w| WaitingRow {
            queue_number: w.queue_number,
            position: w.position.map(|p| p.to_string()).unwrap_or_default(),
            patient: w.patient_name,
            status: waitlist_label(w.status),
            appointment_id: w.appointment_id.map(|a| a.to_string()).unwrap_or_default(),
            created: local_time(w.created_at),
        })
        .collect();
    let status_text = status.map_or("", AppointmentStatus::as_str);
    let base = format!("{LIST}/{id}");
    let pager = Pager::new(&base, &[("status", status_text)], page, u64::try_from(total).unwrap_or(0));
    let statuses = AppointmentStatus::ALL.iter().map(|s| (s.as_str(), appointment_status_label(*s))).collect();
    let layout = Layout::new(&state, &me.session, "schedules", format!("号源 #{id}")).await?;
    Ok(html(&SchedulePage { layout, schedule, status: status_text.to_owned(), statuses, appointments, pager, waiting }))
}
