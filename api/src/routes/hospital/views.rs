//! Response shapes; the seed's four routes answer exactly the seed's fields.

use serde::Serialize;
use serde_json::{json, Value};
use yizhan_common::hospital::booking::Appointment;
use yizhan_common::hospital::catalog::Schedule;
use yizhan_common::hospital::waitlist::WaitlistEntry;
use yizhan_common::hospital::yuan;
use yizhan_common::time;

/// `POST /patient/appointments` (seed 001 §1).
pub fn booked(a: &Appointment) -> Value {
    json!({
        "id": a.id,
        "orderNo": a.order_no,
        "appointmentDate": a.date.to_string(),
        "appointmentTime": a.time_label(),
        "queueNumber": a.queue_number,
        "payAmount": yuan(a.pay_amount_cents),
        "needPay": a.need_pay(),
        "status": a.status,
        "paymentStatus": a.payment_status,
    })
}

/// `PUT /patient/appointments/{id}/reschedule` (seed 001 §3).
pub fn rescheduled(a: &Appointment) -> Value {
    json!({
        "id": a.id,
        "orderNo": a.order_no,
        "appointmentDate": a.date.to_string(),
        "appointmentTime": a.time_label(),
        "queueNumber": a.queue_number,
        "status": a.status,
    })
}

/// `POST /patient/waitlist` (seed 001 §2): the seed's fields, `queueNumber` being the entry's
/// ticket (never reused), and `position`, its place in the line now (1 = next; `null` once not waiting).
pub fn waiting(w: &WaitlistEntry) -> Value {
    json!({
        "id": w.id,
        "scheduleId": w.schedule_id,
        "queueNumber": w.queue_number,
        "position": w.position,
        "status": w.status,
        "createdAt": time::format_local(w.created_at),
    })
}

/// One appointment in the patient's own views: the seed's fields and the ids behind them.
pub fn detail(a: &Appointment) -> Value {
    let mut v = booked(a);
    let extra = json!({
        "scheduleId": a.schedule_id,
        "patientId": a.patient_id,
        "hospitalId": a.hospital_id,
        "departmentId": a.department_id,
        "symptoms": a.symptoms,
        "createdAt": time::format_local(a.created_at),
    });
    if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
        v.extend(extra);
    }
    v
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    id: i64,
    hospital_id: i64,
    department_id: i64,
    date: String,
    period: String,
    start_time: String,
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
