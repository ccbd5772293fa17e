//! The message kinds (seed 001's six about appointments and waitlist entries, seed 002's three
//! about meeting-room reservations) and their configured templates.

use std::collections::BTreeMap;

use crate::config::EnvReader;

/// A kind of subscribe message; each has its own template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    AppointmentSuccess,
    VisitReminder,
    WaitlistSuccess,
    WaitlistPromoted,
    RescheduleSuccess,
    Cancelled,
    /// Seed 002: a reservation request was accepted.
    ReservationConfirmed,
    /// Seed 002: an admin moved a reservation.
    ReservationChanged,
    /// Seed 002: a reservation was cancelled.
    ReservationCancelled,
}

/// What a kind's messages are about: the facts its keywords can name and the page it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An appointment or a waitlist entry (seed 001).
    Appointment,
    /// A meeting-room reservation (seed 002).
    Reservation,
}

impl Subject {
    /// Where a template keyword's value may come from.
    pub fn sources(self) -> &'static [&'static str] {
        match self {
            Subject::Appointment => &["patient_name", "department", "visit_time", "hospital", "note", "order_no", "queue_number"],
            Subject::Reservation => &["room", "location", "reserve_time", "description", "note"],
        }
    }

    fn default_fields(self) -> &'static str {
        match self {
            Subject::Appointment => "thing1=patient_name,thing2=department,time3=visit_time,thing4=hospital,thing5=note",
            Subject::Reservation => "thing1=room,thing2=location,time3=reserve_time,thing4=description,thing5=note",
        }
    }
}

impl MessageKind {
    pub const ALL: [MessageKind; 9] = [
        MessageKind::AppointmentSuccess,
        MessageKind::VisitReminder,
        MessageKind::WaitlistSuccess,
        MessageKind::WaitlistPromoted,
        MessageKind::RescheduleSuccess,
        MessageKind::Cancelled,
        MessageKind::ReservationConfirmed,
        MessageKind::ReservationChanged,
        MessageKind::ReservationCancelled,
    ];

    pub fn subject(self) -> Subject {
        match self {
            MessageKind::ReservationConfirmed | MessageKind::ReservationChanged | MessageKind::ReservationCancelled => Subject::Reservation,
            _ => Subject::Appointment,
        }
    }

    /// A message about a cancellation: it applies even though its subject is cancelled.
    pub fn tells_of_cancel(self) -> bool {
        matches!(self, MessageKind::Cancelled | MessageKind::ReservationCancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess => "appointment_success",
            MessageKind::VisitReminder => "visit_reminder",
            MessageKind::WaitlistSuccess => "waitlist_success",
            MessageKind::WaitlistPromoted => "waitlist_promoted",
            MessageKind::RescheduleSuccess => "reschedule_success",
            MessageKind::Cancelled => "cancelled",
            MessageKind::ReservationConfirmed => "reservation_confirmed",
            MessageKind::ReservationChanged => "reservation_changed",
            MessageKind::ReservationCancelled => "reservation_cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The template id the seed's front end uses until real ids are configured (seed 002 names
    /// none: its three follow seed 001's numbering).
    fn default_template(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess => "模板ID1",
            MessageKind::VisitReminder => "模板ID2",
            MessageKind::WaitlistSuccess => "模板ID3",
            MessageKind::WaitlistPromoted => "模板ID4",
            MessageKind::RescheduleSuccess => "模板ID5",
            MessageKind::Cancelled => "模板ID6",
            MessageKind::ReservationConfirmed => "模板ID7",
            MessageKind::ReservationChanged => "模板ID8",
            MessageKind::ReservationCancelled => "模板ID9",
        }
    }

    /// The note (`thing5` by default) each kind carries.
    pub fn default_note(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess | MessageKind::VisitReminder => "请提前15分钟到院",
            MessageKind::WaitlistSuccess => "有号源释放时将自动为您预约",
            MessageKind::WaitlistPromoted => "候补成功，已为您预约",
            MessageKind::RescheduleSuccess => "改约成功，请按新时间就诊",
            MessageKind::Cancelled => "预约已取消",
            MessageKind::ReservationConfirmed => "会议室预约成功，请按时使用",
            MessageKind::ReservationChanged => "管理员调整了您的会议室预约",
            MessageKind::ReservationCancelled => "您的会议室预约已取消",
        }
    }

    fn env_suffix(self) -> String {
        self.as_str().to_ascii_uppercase()
    }
}

/// Per kind: the template id (`SUBSCRIBE_TEMPLATE_<KIND>`), its keyword mapping
/// (`SUBSCRIBE_FIELDS_<KIND>`, `keyword=source,…`, sources from [`Subject::sources`]) and the page
/// opened from the message (`SUBSCRIBE_PAGE` for appointments, `SUBSCRIBE_PAGE_RESERVATION` for
/// reservations; `{id}` replaced by the appointment's or the reservation's id).
#[derive(Debug, Clone)]
pub struct TemplateConfig {
    templates: BTreeMap<MessageKind, String>,
    fields: BTreeMap<MessageKind, Vec<(String, String)>>,
    pub page: String,
    pub reservation_page: String,
    /// `SUBSCRIBE_GRANT_CAP`: most unspent grants one user holds per template; accepts beyond it
    /// are recorded as `over_cap` (never granted, never failing the request).
    pub grant_cap: i64,
}

/// Unspent grants per user and template when `SUBSCRIBE_GRANT_CAP` is not set.
pub const DEFAULT_GRANT_CAP: i64 = 10;

impl TemplateConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let mut templates = BTreeMap::new();
        let mut fields = BTreeMap::new();
        for kind in MessageKind::ALL {
            let suffix = kind.env_suffix();
            let template = env.optional(&format!("SUBSCRIBE_TEMPLATE_{suffix}"), kind.default_template().to_owned());
            templates.insert(kind, template);
            let name = format!("SUBSCRIBE_FIELDS_{suffix}");
            let raw = env.optional(&name, kind.subject().default_fields().to_owned());
            match parse_fields(&raw, kind.subject()) {
                Ok(parsed) => {
                    fields.insert(kind, parsed);
                }
                Err(why) => env.invalid(&name, why),
            }
        }
        let page = env.optional("SUBSCRIBE_PAGE", "pages/profile/appointments?id={id}".to_owned());
        let reservation_page = env.optional("SUBSCRIBE_PAGE_RESERVATION", "pages/reservations/detail?id={id}".to_owned());
        let grant_cap = env.optional("SUBSCRIBE_GRANT_CAP", DEFAULT_GRANT_CAP);
        if !(1..=1000).contains(&grant_cap) {
            env.invalid("SUBSCRIBE_GRANT_CAP", format!("must be from 1 to 1000, got {grant_cap}"));
        }
        Self { templates, fields, page, reservation_page, grant_cap }
    }

    /// The defaults (the seed's template names and keyword mapping).
    pub fn defaults() -> Self {
        let mut env = EnvReader::new();
        let mut config = Self::read(&mut env);
        for kind in MessageKind::ALL {
            config.templates.insert(kind, kind.default_template().to_owned());
        }
        config
    }

    pub fn template(&self, kind: MessageKind) -> &str {
        self.templates.get(&kind).map(String::as_str).unwrap_or_else(|| kind.default_template())
    }

    pub fn fields(&self, kind: MessageKind) -> &[(String, String)] {
        self.fields.get(&kind).map(Vec::as_slice).unwrap_or_default()
    }

    /// The page a message of `kind` opens, for its subject `id`.
    pub fn page(&self, kind: MessageKind, id: Option<i64>) -> String {
        let page = match kind.subject() {
            Subject::Appointment => &self.page,
            Subject::Reservation => &self.reservation_page,
        };
        page.replace("{id}", &id.map(|id| id.to_string()).unwrap_or_default())
    }
}

fn parse_fields(raw: &str, subject: Subject) -> Result<Vec<(String, String)>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, source) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not keyword=source"))?;
            if !subject.sources().contains(&source.trim()) {
                return Err(format!("unknown source `{source}` (one of {})", subject.sources().join(", ")));
            }
            Ok((key.trim().to_owned(), source.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mapping_follows_the_seed() {
        let parsed = parse_fields(Subject::Appointment.default_fields(), Subject::Appointment).expect("parse");
        assert_eq!(parsed[0], ("thing1".into(), "patient_name".into()));
        assert_eq!(parsed[2], ("time3".into(), "visit_time".into()));
        assert!(parse_fields("thing1=nonsense", Subject::Appointment).is_err());
        assert!(parse_fields("thing1", Subject::Appointment).is_err());
    }

    #[test]
    fn each_subject_names_only_its_own_facts() {
        for kind in MessageKind::ALL {
            parse_fields(kind.subject().default_fields(), kind.subject()).expect("the defaults parse");
        }
        assert!(parse_fields("thing1=room", Subject::Appointment).is_err(), "an appointment has no room");
        assert!(parse_fields("thing1=patient_name", Subject::Reservation).is_err(), "a reservation has no patient");
        let config = TemplateConfig::defaults();
        assert_eq!(config.page(MessageKind::ReservationChanged, Some(7)), "pages/reservations/detail?id=7");
        assert_eq!(config.page(MessageKind::Cancelled, Some(3)), "pages/profile/appointments?id=3");
    }
}
