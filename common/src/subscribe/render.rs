//! The keyword values of one planned send, from the facts of its appointment or waitlist entry
//! and the template's configured mapping (`thing1=patient_name,…`).

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::kind::{MessageKind, TemplateConfig};

/// What a message can say about its appointment or waitlist entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facts {
    pub patient_name: String,
    pub department: String,
    pub hospital: String,
    pub date: chrono::NaiveDate,
    pub start_time: chrono::NaiveTime,
    pub end_time: chrono::NaiveTime,
    pub order_no: Option<String>,
    pub queue_number: i32,
    pub appointment_id: Option<i64>,
}

/// Reads the facts behind a send row.
pub async fn facts(conn: &mut PgConnection, send_id: i64) -> sqlx::Result<Option<Facts>> {
    sqlx::query_as!(
        Facts,
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
    .await
}

/// The `data` of the message: each configured keyword with its value.
pub fn render(templates: &TemplateConfig, kind: MessageKind, facts: &Facts) -> BTreeMap<String, String> {
    templates
        .fields(kind)
        .iter()
        .map(|(keyword, source)| (keyword.clone(), value(source, kind, facts)))
        .collect()
}

fn value(source: &str, kind: MessageKind, f: &Facts) -> String {
    match source {
        "patient_name" => f.patient_name.clone(),
        "department" => f.department.clone(),
        "hospital" => f.hospital.clone(),
        "visit_time" => format!("{} {}~{}", f.date.format("%Y-%m-%d"), f.start_time.format("%H:%M"), f.end_time.format("%H:%M")),
        "order_no" => f.order_no.clone().unwrap_or_default(),
        "queue_number" => f.queue_number.to_string(),
        _ => kind.default_note().to_owned(),
    }
}

/// The page the message opens, with the appointment id filled in.
pub fn page(templates: &TemplateConfig, facts: &Facts) -> String {
    templates.page.replace("{id}", &facts.appointment_id.map(|id| id.to_string()).unwrap_or_default())
}
