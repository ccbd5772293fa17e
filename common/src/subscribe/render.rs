//! The keyword values of one planned send, from the facts of what it is about (an appointment, a
//! waitlist entry or a meeting-room reservation) and the template's configured mapping
//! (`thing1=patient_name,…`).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveTime};

use sqlx::PgConnection;

use super::kind::{MessageKind, TemplateConfig};
use super::sends::PendingSend;
use crate::college::reservations;
use crate::time;

/// What a message can say about its subject: a value per source of [`super::kind::Subject`], and
/// the id its page opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    values: BTreeMap<&'static str, String>,
    pub page_id: Option<i64>,
}

/// Reads the facts behind a send row; `None` when its subject is gone.
pub async fn facts(conn: &mut PgConnection, send: &PendingSend) -> sqlx::Result<Option<Facts>> {
    match send.reservation_id {
        Some(id) => reservation_facts(conn, id).await,
        None => appointment_facts(conn, send.id).await,
    }
}

async fn appointment_facts(conn: &mut PgConnection, send_id: i64) -> sqlx::Result<Option<Facts>> {
    let row = sqlx::query_as!(
        AppointmentFacts,
        r#"SELECT p.name AS patient_name, d.name AS department, h.name AS hospital, s.date, s.start_time, s.end_time,
                a.order_no AS "order_no?", COALESCE(a.queue_number, w.queue_number) AS "queue_number!", a.id AS "appointment_id?"
           FROM subscribe_sends x
           LEFT JOIN appointments a ON a.id = x.appointment_id
           LEFT JOIN waitlist_entries w ON w.id = x.waitlist_entry_id
           JOIN schedules s ON s.id = COALESCE(a.schedule_id, w.schedule_id)
           JOIN patients p ON p.id = COALESCE(a.patient_id, w.patient_id)
           JOIN departments d ON d.id = s.department_id
           JOIN hospitals h ON h.id = s.hospital_id
          WHERE x.id = $1"#,
        send_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(appointment))
}

/// What a message about an appointment (or a waitlist entry) says, as read.
struct AppointmentFacts {
    patient_name: String,
    department: String,
    hospital: String,
    date: NaiveDate,
    start_time: NaiveTime,
    end_time: NaiveTime,
    order_no: Option<String>,
    queue_number: i32,
    appointment_id: Option<i64>,
}

fn appointment(r: AppointmentFacts) -> Facts {
    Facts {
        values: BTreeMap::from([
            ("patient_name", r.patient_name),
            ("department", r.department),
            ("hospital", r.hospital),
            ("visit_time", format!("{} {}~{}", r.date.format("%Y-%m-%d"), r.start_time.format("%H:%M"), r.end_time.format("%H:%M"))),
            ("order_no", r.order_no.unwrap_or_default()),
            ("queue_number", r.queue_number.to_string()),
        ]),
        page_id: r.appointment_id,
    }
}

/// The facts of many sends about appointments in one statement, by send id, with whether the
/// appointment is cancelled. Each appointment is read `FOR SHARE`, in id order (a cancel or
/// reschedule in flight commits first, as [`super::SendLog::skip_if_no_longer_applies`] waits for
/// it). A send missing from the answer was not settled by this read (its appointment moved to
/// another schedule as it was read, or is gone): read it alone.
pub async fn appointment_facts_many(conn: &mut PgConnection, send_ids: &[i64]) -> sqlx::Result<HashMap<i64, (bool, Facts)>> {
    let rows = sqlx::query_as!(
        LockedFacts,
        r#"SELECT x.id AS send_id, a.status = 'cancelled' AS "cancelled!", p.name AS patient_name, d.name AS department, h.name AS hospital,
                  s.date, s.start_time, s.end_time, a.order_no, a.queue_number, a.id AS appointment_id
             FROM subscribe_sends x
             JOIN appointments a ON a.id = x.appointment_id
             JOIN schedules s ON s.id = a.schedule_id
             JOIN patients p ON p.id = a.patient_id
             JOIN departments d ON d.id = s.department_id
             JOIN hospitals h ON h.id = s.hospital_id
            WHERE x.id = ANY($1)
            ORDER BY a.id
              FOR SHARE OF a"#,
        send_ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(LockedFacts::read).collect())
}

/// As [`appointment_facts_many`], for one send about an appointment (its own statement, so
/// PostgreSQL keeps one plan for it instead of planning an array's each time); `None` when the
/// read did not settle it.
pub async fn appointment_facts_of(conn: &mut PgConnection, send_id: i64) -> sqlx::Result<Option<(bool, Facts)>> {
    let row = sqlx::query_as!(
        LockedFacts,
        r#"SELECT x.id AS send_id, a.status = 'cancelled' AS "cancelled!", p.name AS patient_name, d.name AS department, h.name AS hospital,
                  s.date, s.start_time, s.end_time, a.order_no, a.queue_number, a.id AS appointment_id
             FROM subscribe_sends x
             JOIN appointments a ON a.id = x.appointment_id
             JOIN schedules s ON s.id = a.schedule_id
             JOIN patients p ON p.id = a.patient_id
             JOIN departments d ON d.id = s.department_id
             JOIN hospitals h ON h.id = s.hospital_id
            WHERE x.id = $1
              FOR SHARE OF a"#,
        send_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.read().1))
}

/// A send's appointment as read `FOR SHARE`, with its facts.
struct LockedFacts {
    send_id: i64,
    cancelled: bool,
    patient_name: String,
    department: String,
    hospital: String,
    date: NaiveDate,
    start_time: NaiveTime,
    end_time: NaiveTime,
    order_no: String,
    queue_number: i32,
    appointment_id: i64,
}

impl LockedFacts {
    fn read(self) -> (i64, (bool, Facts)) {
        let facts = appointment(AppointmentFacts {
            patient_name: self.patient_name,
            department: self.department,
            hospital: self.hospital,
            date: self.date,
            start_time: self.start_time,
            end_time: self.end_time,
            order_no: Some(self.order_no),
            queue_number: self.queue_number,
            appointment_id: Some(self.appointment_id),
        });
        (self.send_id, (self.cancelled, facts))
    }
}

async fn reservation_facts(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Facts>> {
    let Some(r) = reservations::find(conn, id).await? else { return Ok(None) };
    let (from, to) = (time::local(r.period.from), time::local(r.period.to));
    let until = if from.date_naive() == to.date_naive() { to.format("%H:%M").to_string() } else { to.format("%Y-%m-%d %H:%M").to_string() };
    Ok(Some(Facts {
        values: BTreeMap::from([
            ("room", r.room_name),
            ("location", r.location),
            ("reserve_time", format!("{}~{until}", from.format("%Y-%m-%d %H:%M"))),
            // WeChat refuses an empty value, and a description is optional.
            ("description", if r.description.trim().is_empty() { "无".to_owned() } else { r.description }),
        ]),
        page_id: Some(r.id),
    }))
}

/// The `data` of the message: each configured keyword with its value (`note` is the kind's note;
/// the client checks and shortens each value by its keyword's type before sending).
pub fn render(templates: &TemplateConfig, kind: MessageKind, facts: &Facts) -> BTreeMap<String, String> {
    templates
        .fields(kind)
        .iter()
        .map(|(keyword, source)| {
            let value = match source.as_str() {
                "note" => kind.default_note().to_owned(),
                source => facts.values.get(source).cloned().unwrap_or_default(),
            };
            (keyword.clone(), value)
        })
        .collect()
}

/// The page the message opens, with its subject's id filled in.
pub fn page(templates: &TemplateConfig, kind: MessageKind, facts: &Facts) -> String {
    templates.page(kind, facts.page_id)
}
