//! Response shapes; the seed's four routes answer exactly the seed's fields. Each is a
//! `Serialize` struct whose fields are in the order of their JSON names (the order the responses
//! had when they were built as `json!` maps), so the bytes on the wire are unchanged.

use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::hospital::booking::Appointment;
use yizhan_common::hospital::catalog::Schedule;
use yizhan_common::hospital::waitlist::WaitlistEntry;
use yizhan_common::hospital::{yuan, AppointmentStatus, PaymentStatus, WaitlistStatus};
use yizhan_common::time;

/// `POST /patient/appointments` (seed 001 §1).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookedView {
    #[schema(format = Date, example = "2023-12-18")]
    appointment_date: String,
    #[schema(example = "上午 08:00-12:00")]
    appointment_time: String,
    id: i64,
    need_pay: bool,
    order_no: String,
    pay_amount: f64,
    #[schema(schema_with = crate::openapi::schemas::payment_status)]
    payment_status: PaymentStatus,
    queue_number: i32,
    #[schema(schema_with = crate::openapi::schemas::appointment_status)]
    status: AppointmentStatus,
}

impl From<&Appointment> for BookedView {
    fn from(a: &Appointment) -> Self {
        Self {
            appointment_date: a.date.to_string(),
            appointment_time: a.time_label(),
            id: a.id,
            need_pay: a.need_pay(),
            order_no: a.order_no.clone(),
            pay_amount: yuan(a.pay_amount_cents),
            payment_status: a.payment_status,
            queue_number: a.queue_number,
            status: a.status,
        }
    }
}

/// `PUT /patient/appointments/{id}/reschedule` (seed 001 §3).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RescheduledView {
    #[schema(format = Date, example = "2023-12-18")]
    appointment_date: String,
    #[schema(example = "上午 08:00-12:00")]
    appointment_time: String,
    id: i64,
    order_no: String,
    queue_number: i32,
    #[schema(schema_with = crate::openapi::schemas::appointment_status)]
    status: AppointmentStatus,
}

impl From<&Appointment> for RescheduledView {
    fn from(a: &Appointment) -> Self {
        Self {
            appointment_date: a.date.to_string(),
            appointment_time: a.time_label(),
            id: a.id,
            order_no: a.order_no.clone(),
            queue_number: a.queue_number,
            status: a.status,
        }
    }
}

/// `DELETE /patient/appointments/{id}` (seed 001 §4).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelledView {
    pub refund_amount: f64,
    pub success: bool,
}

/// `POST /patient/waitlist` (seed 001 §2): the seed's fields, `queueNumber` being the entry's
/// ticket (never reused), and `position`, its place in the line now (1 = next; `null` once not waiting).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingView {
    #[schema(format = DateTime, example = "2023-12-16T10:30:00+08:00")]
    created_at: String,
    id: i64,
    /// Its place in the line now (1 = next); `null` once not waiting.
    position: Option<i64>,
    queue_number: i32,
    schedule_id: i64,
    #[schema(schema_with = crate::openapi::schemas::waitlist_status)]
    status: WaitlistStatus,
}

impl From<&WaitlistEntry> for WaitingView {
    fn from(w: &WaitlistEntry) -> Self {
        Self {
            created_at: time::format_local(w.created_at),
            id: w.id,
            position: w.position,
            queue_number: w.queue_number,
            schedule_id: w.schedule_id,
            status: w.status,
        }
    }
}

/// One appointment in the patient's own views: the booking's fields and the ids behind them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DetailView {
    #[schema(format = Date, example = "2023-12-18")]
    appointment_date: String,
    #[schema(example = "上午 08:00-12:00")]
    appointment_time: String,
    #[schema(format = DateTime, example = "2023-12-16T10:30:00+08:00")]
    created_at: String,
    department_id: i64,
    hospital_id: i64,
    id: i64,
    need_pay: bool,
    order_no: String,
    patient_id: i64,
    pay_amount: f64,
    #[schema(schema_with = crate::openapi::schemas::payment_status)]
    payment_status: PaymentStatus,
    queue_number: i32,
    schedule_id: i64,
    #[schema(schema_with = crate::openapi::schemas::appointment_status)]
    status: AppointmentStatus,
    symptoms: String,
}

impl From<&Appointment> for DetailView {
    fn from(a: &Appointment) -> Self {
        Self {
            appointment_date: a.date.to_string(),
            appointment_time: a.time_label(),
            created_at: time::format_local(a.created_at),
            department_id: a.department_id,
            hospital_id: a.hospital_id,
            id: a.id,
            need_pay: a.need_pay(),
            order_no: a.order_no.clone(),
            patient_id: a.patient_id,
            pay_amount: yuan(a.pay_amount_cents),
            payment_status: a.payment_status,
            queue_number: a.queue_number,
            schedule_id: a.schedule_id,
            status: a.status,
            symptoms: a.symptoms.clone(),
        }
    }
}
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    id: i64,
    hospital_id: i64,
    department_id: i64,
    #[schema(format = Date)]
    date: String,
    #[schema(example = "上午")]
    period: String,
    #[schema(example = "08:00")]
    start_time: String,
    #[schema(example = "12:00")]
    end_time: String,
    capacity: i32,
    remaining: i32,
    fee: f64,
}

impl From<Schedule> for ScheduleView {
    fn from(s: Schedule) -> Self {
        Self {
            id: s.id,
            hospital_id: s.hospital_id,
            department_id: s.department_id,
            date: s.date.to_string(),
            start_time: s.start_time.format("%H:%M").to_string(),
            end_time: s.end_time.format("%H:%M").to_string(),
            remaining: s.remaining(),
            period: s.period,
            capacity: s.capacity,
            fee: yuan(s.fee_cents),
        }
    }
}

/// A hospital in the admin catalogue list.
#[derive(Debug, Serialize, ToSchema)]
pub struct HospitalView {
    pub id: i64,
    pub name: String,
}

/// A department in the admin catalogue list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentView {
    pub hospital_id: Option<i64>,
    pub id: i64,
    pub name: String,
}

/// One of an account's patients (`GET /patient/patients`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientView {
    pub id: i64,
    pub name: String,
    pub phone: String,
}
